//! Every stored version of a news item, an organization profile, or one of its bodies or
//! offices, as the API showed it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::revisions;
use super::{Backend, DbConn};
use crate::domain::ids::{BodyId, MediaId, NewsId, OfficeId, OrganizationId};
use crate::media::MediaUrls;

/// The thing a revision is a version of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    News(NewsId),
    Organization(OrganizationId),
    Body(BodyId),
    Office(OfficeId),
    /// An organization's profile translations, all languages in one version.
    Translations(OrganizationId),
}

impl Entity {
    /// The field of its representation that holds an image.
    pub fn image_field(self) -> &'static str {
        match self {
            Self::Organization(_) => "logo",
            Self::News(_) | Self::Body(_) | Self::Office(_) | Self::Translations(_) => "image",
        }
    }

    /// How the thing is stored in a revision: its kind, by name, and its id.
    fn key(self) -> (&'static str, i64) {
        match self {
            Self::News(id) => ("news", id.0),
            Self::Organization(id) => ("organization", id.0),
            Self::Body(id) => ("body", id.0),
            Self::Office(id) => ("office", id.0),
            Self::Translations(id) => ("translations", id.0),
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

fn of(entity: Entity) -> revisions::BoxedQuery<'static, Backend> {
    let (kind, id) = entity.key();
    revisions::table.filter(revisions::entity.eq(kind)).filter(revisions::entity_id.eq(id)).into_boxed()
}

/// Keeps `snapshot` as the next version of the thing; returns its number.
pub fn record(
    conn: &mut DbConn,
    entity: Entity,
    origin: &Origin,
    snapshot: &str,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    let (kind, id) = entity.key();
    let mine = revisions::entity.eq(kind).and(revisions::entity_id.eq(id));
    // Numbered by the insert itself: one statement, one round trip on PostgreSQL. (Writes of
    // the same thing take turns: each holds the content clock's lock.)
    let next = revisions::table.filter(mine).select((
        kind.into_sql::<Text>(),
        id.into_sql::<BigInt>(),
        sql::<BigInt>("COALESCE(MAX(revision), 0) + 1"),
        at.into_sql::<Timestamp>(),
        origin.user.as_deref().into_sql::<Nullable<Text>>(),
        origin.restored_from.into_sql::<Nullable<BigInt>>(),
        snapshot.into_sql::<Text>(),
    ));
    let revision: i64 = native!(conn, |c| diesel::insert_into(revisions::table)
        .values(next)
        .into_columns((
            revisions::entity,
            revisions::entity_id,
            revisions::revision,
            revisions::created_at,
            revisions::username,
            revisions::restored_from,
            revisions::snapshot,
        ))
        .returning(revisions::revision)
        .get_result(c))?;
    if let Some(keep) = origin.keep {
        let oldest_kept = revision - i64::from(keep.max(2));
        native!(conn, |c| diesel::delete(revisions::table.filter(mine).filter(revisions::revision.le(oldest_kept)))
            .execute(c))?;
    }
    Ok(revision)
}

/// One page of the versions of the thing, newest first, and how many there are.
pub fn list(conn: &mut DbConn, entity: Entity, limit: i64, offset: i64) -> QueryResult<(Vec<RevisionRow>, i64)> {
    let rows = of(entity)
        .order(revisions::revision.desc())
        .limit(limit)
        .offset(offset)
        .select(RevisionRow::as_select())
        .load(conn)?;
    let total = of(entity).count().get_result(conn)?;
    Ok((rows, total))
}

/// One version: what is known of it, and the thing as it was (JSON).
/// A representation as a revision keeps it, in JSON: its image (`field`) by id alone, since
/// URLs are built when answering and the image may be changed or deleted meanwhile.
pub fn snapshot(value: impl serde::Serialize, field: &str) -> Result<String, serde_json::Error> {
    let mut value = serde_json::to_value(value)?;
    if let Some(image) = value.get_mut(field)
        && let Some(id) = image.get("id").cloned()
    {
        *image = serde_json::json!({ "id": id });
    }
    serde_json::to_string(&value)
}

/// A snapshot as clients see it: its image (`field`) as the image is now, `null` once deleted.
pub fn shown(conn: &mut DbConn, snapshot: &str, field: &str, urls: &MediaUrls) -> QueryResult<String> {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(snapshot) else { return Ok(snapshot.to_owned()) };
    let Some(image) = value.get_mut(field) else { return Ok(snapshot.to_owned()) };
    let Some(id) = image.get("id").and_then(serde_json::Value::as_i64) else { return Ok(snapshot.to_owned()) };
    let now = super::media::find(conn, MediaId(id)).optional()?;
    *image = now.map_or(serde_json::Value::Null, |row| serde_json::json!(row.into_media(urls)));
    Ok(value.to_string())
}

pub fn find(conn: &mut DbConn, entity: Entity, revision: i64) -> QueryResult<(RevisionRow, String)> {
    of(entity)
        .filter(revisions::revision.eq(revision))
        .select((RevisionRow::as_select(), revisions::snapshot))
        .first(conn)
}

/// Forgets every version of a thing that is gone for good.
pub fn forget(conn: &mut DbConn, entity: Entity) -> QueryResult<usize> {
    let (kind, id) = entity.key();
    diesel::delete(revisions::table.filter(revisions::entity.eq(kind)).filter(revisions::entity_id.eq(id)))
        .execute(conn)
}

/// The thing as it was at `at` (JSON): its newest version made by then, if any.
pub fn as_of(conn: &mut DbConn, entity: Entity, at: NaiveDateTime) -> QueryResult<Option<String>> {
    of(entity)
        .filter(revisions::created_at.le(at))
        .order(revisions::revision.desc())
        .select(revisions::snapshot)
        .first(conn)
        .optional()
}

/// Every thing of a kind (`Entity::Body`'s, say: the id is not read) as it was at `at`: the
/// newest version of each made by then, by id.
pub fn all_as_of(conn: &mut DbConn, kind: Entity, at: NaiveDateTime) -> QueryResult<Vec<(i64, String)>> {
    let (kind, _) = kind.key();
    let rows: Vec<(i64, i64, String)> = revisions::table
        .filter(revisions::entity.eq(kind))
        .filter(revisions::created_at.le(at))
        .order((revisions::entity_id, revisions::revision))
        .select((revisions::entity_id, revisions::revision, revisions::snapshot))
        .load(conn)?;
    let mut newest: Vec<(i64, String)> = Vec::new();
    for (id, _, snapshot) in rows {
        match newest.last_mut() {
            Some((last, kept)) if *last == id => *kept = snapshot,
            _ => newest.push((id, snapshot)),
        }
    }
    Ok(newest)
}

/// Which of these things have any version kept.
pub fn recorded(conn: &mut DbConn, kind: Entity, ids: &[i64]) -> QueryResult<Vec<i64>> {
    let (kind, _) = kind.key();
    revisions::table
        .filter(revisions::entity.eq(kind))
        .filter(revisions::entity_id.eq_any(ids))
        .select(revisions::entity_id)
        .distinct()
        .load(conn)
}
