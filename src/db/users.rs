//! Queries on user accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::{Backend, DbConn};
use crate::domain::ids::UserId;
use crate::domain::users::Role;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = users, check_for_backend(Backend))]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Tokens issued at another generation are refused (exports made before it existed
    /// import at 0).
    #[serde(default)]
    pub token_generation: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an update may change; `None` keeps the stored value.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    pub password_hash: Option<&'a str>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub updated_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<UserRow>> {
    users::table.order(users::username).select(UserRow::as_select()).load(conn)
}

pub fn find(conn: &mut DbConn, id: UserId) -> QueryResult<UserRow> {
    users::table.find(id).select(UserRow::as_select()).first(conn)
}

pub fn by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::username.eq(username)).select(UserRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConn, user: &NewUser) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values(user)
        .returning(<UserRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: UserId, changes: &UserChanges) -> QueryResult<UserRow> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(<UserRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

/// Ends every token issued to this user so far.
pub fn revoke_tokens(conn: &mut DbConn, id: UserId) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(users::token_generation.eq(users::token_generation + 1)).execute(conn)
}

/// Admins who can still sign in.
pub fn active_admins(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.filter(users::role.eq(Role::Admin)).filter(users::disabled.eq(false)).count().get_result(conn)
}
