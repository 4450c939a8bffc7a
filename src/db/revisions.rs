//! Every stored version of a news item or an organization profile, as the API showed it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::revisions;
use super::{Backend, DbConn};

/// What kind of thing a revision is a version of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    News,
    Organization,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Self::News => "news",
            Self::Organization => "organization",
        }
    }
}

/// Who made a version, whether it brought back an older one, and how many versions of the
/// thing are kept.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// `None` for versions made by the service itself (the demo data, an import).
    pub user: Option<String>,
    pub restored_from: Option<i64>,
    /// The newest versions kept (at least 2: the current one and the one before); `None`: all.
    pub keep: Option<u32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = revisions, check_for_backend(Backend))]
pub struct RevisionRow {
    pub revision: i64,
    pub created_at: NaiveDateTime,
    pub username: Option<String>,
    pub restored_from: Option<i64>,
}

fn of(entity: Entity, id: i64) -> revisions::BoxedQuery<'static, Backend> {
    revisions::table.filter(revisions::entity.eq(entity.as_str())).filter(revisions::entity_id.eq(id)).into_boxed()
}

/// Keeps `snapshot` as the next version of the thing; returns its number.
pub fn record(
    conn: &mut DbConn,
    entity: Entity,
    id: i64,
    origin: &Origin,
    snapshot: &str,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    let last: Option<i64> = of(entity, id).select(diesel::dsl::max(revisions::revision)).first(conn)?;
    let revision = last.unwrap_or(0) + 1;
    diesel::insert_into(revisions::table)
        .values((
            revisions::entity.eq(entity.as_str()),
            revisions::entity_id.eq(id),
            revisions::revision.eq(revision),
            revisions::created_at.eq(at),
            revisions::username.eq(origin.user.as_deref()),
            revisions::restored_from.eq(origin.restored_from),
            revisions::snapshot.eq(snapshot),
        ))
        .execute(conn)?;
    if let Some(keep) = origin.keep {
        diesel::delete(
            revisions::table
                .filter(revisions::entity.eq(entity.as_str()))
                .filter(revisions::entity_id.eq(id))
                .filter(revisions::revision.le(revision - i64::from(keep.max(2)))),
        )
        .execute(conn)?;
    }
    Ok(revision)
}

/// One page of the versions of the thing, newest first, and how many there are.
pub fn list(
    conn: &mut DbConn,
    entity: Entity,
    id: i64,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<RevisionRow>, i64)> {
    let rows = of(entity, id)
        .order(revisions::revision.desc())
        .limit(limit)
        .offset(offset)
        .select(RevisionRow::as_select())
        .load(conn)?;
    let total = of(entity, id).count().get_result(conn)?;
    Ok((rows, total))
}

/// One version: what is known of it, and the thing as it was (JSON).
pub fn find(conn: &mut DbConn, entity: Entity, id: i64, revision: i64) -> QueryResult<(RevisionRow, String)> {
    of(entity, id)
        .filter(revisions::revision.eq(revision))
        .select((RevisionRow::as_select(), revisions::snapshot))
        .first(conn)
}

/// Forgets every version of a thing that is gone for good.
pub fn forget(conn: &mut DbConn, entity: Entity, id: i64) -> QueryResult<usize> {
    diesel::delete(revisions::table.filter(revisions::entity.eq(entity.as_str())).filter(revisions::entity_id.eq(id)))
        .execute(conn)
}
