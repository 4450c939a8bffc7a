//! Queries on topics and regions, which share the `terms` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::terms;
use super::{Backend, DbConn, Kept};
use crate::domain::closed_set;
use crate::domain::ids::TermId;
use crate::domain::slug::Key;

closed_set! {
    "lowercase",
    /// Which taxonomy a term belongs to.
    pub enum TermKind {
        Topic,
        Region,
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = terms, check_for_backend(Backend))]
pub struct TermRow {
    pub id: TermId,
    pub kind: TermKind,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a client writes.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = terms)]
pub struct TermForm<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub updated_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConn, kind: TermKind) -> QueryResult<Vec<TermRow>> {
    terms::table.filter(terms::kind.eq(kind)).order(terms::slug).select(TermRow::as_select()).load(conn)
}

pub fn find(conn: &mut DbConn, kind: TermKind, key: &Key<TermId>) -> QueryResult<TermRow> {
    let query = terms::table.filter(terms::kind.eq(kind)).select(TermRow::as_select());
    match key {
        Key::Id(id) => query.filter(terms::id.eq(id)).first(conn),
        Key::Slug(slug) => query.filter(terms::slug.eq(slug)).first(conn),
    }
}

pub fn insert(conn: &mut DbConn, kind: TermKind, form: &TermForm) -> QueryResult<TermRow> {
    diesel::insert_into(terms::table)
        .values((form, terms::kind.eq(kind), terms::created_at.eq(form.updated_at)))
        .returning(<TermRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: TermId, form: &TermForm) -> QueryResult<TermRow> {
    diesel::update(terms::table.find(id))
        .set(form)
        .returning(<TermRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: TermId) -> QueryResult<usize> {
    diesel::delete(terms::table.find(id)).execute(conn)
}

/// Slugs of the given terms, by id.
pub fn slugs(conn: &mut DbConn, ids: &[TermId]) -> QueryResult<Vec<(TermId, String)>> {
    let listed = super::one_of(conn, "terms.id", ids.iter().map(|id| id.0));
    native!(conn, |c| Kept(terms::table.filter(listed).select((terms::id, terms::slug))).load(c))
}
