//! Queries on authors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::authors;
use super::{Backend, DbConn};
use crate::domain::ids::AuthorId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = authors, check_for_backend(Backend))]
pub struct AuthorRow {
    pub id: AuthorId,
    pub name: String,
    pub title: String,
    pub bio: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The fields a client writes.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = authors)]
pub struct AuthorForm<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub bio: &'a str,
    pub updated_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<AuthorRow>> {
    authors::table.order((authors::name, authors::id)).select(AuthorRow::as_select()).load(conn)
}

pub fn find(conn: &mut DbConn, id: AuthorId) -> QueryResult<AuthorRow> {
    authors::table.find(id).select(AuthorRow::as_select()).first(conn)
}

pub fn insert(conn: &mut DbConn, form: &AuthorForm) -> QueryResult<AuthorRow> {
    diesel::insert_into(authors::table)
        .values((form, authors::created_at.eq(form.updated_at)))
        .returning(<AuthorRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: AuthorId, form: &AuthorForm) -> QueryResult<AuthorRow> {
    diesel::update(authors::table.find(id))
        .set(form)
        .returning(<AuthorRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: AuthorId) -> QueryResult<usize> {
    diesel::delete(authors::table.find(id)).execute(conn)
}
