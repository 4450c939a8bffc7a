//! Queries on partner keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_key_usage, api_keys};
use super::{Backend, DbConn};
use crate::domain::ids::KeyId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = api_keys, check_for_backend(Backend))]
pub struct KeyRow {
    pub id: KeyId,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    /// The hash of the key before the last rotation, accepted until `previous_until`.
    pub previous_hash: Option<String>,
    pub previous_until: Option<NaiveDateTime>,
    /// A comma list (`domain::keys::stored`).
    pub scopes: String,
    /// Requests per minute.
    pub rate_limit: i64,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an admin sets on a key.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = api_keys, treat_none_as_null = true)]
pub struct KeySettings<'a> {
    pub name: &'a str,
    pub scopes: &'a str,
    pub rate_limit: i64,
    pub expires_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<KeyRow>> {
    api_keys::table.order(api_keys::id).select(KeyRow::as_select()).load(conn)
}

pub fn find(conn: &mut DbConn, id: KeyId) -> QueryResult<KeyRow> {
    api_keys::table.find(id).select(KeyRow::as_select()).first(conn)
}

pub fn by_prefix(conn: &mut DbConn, prefix: &str) -> QueryResult<Option<KeyRow>> {
    api_keys::table.filter(api_keys::prefix.eq(prefix)).select(KeyRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConn, prefix: &str, hash: &str, settings: &KeySettings) -> QueryResult<KeyRow> {
    diesel::insert_into(api_keys::table)
        .values((
            settings,
            api_keys::prefix.eq(prefix),
            api_keys::secret_hash.eq(hash),
            api_keys::created_at.eq(settings.updated_at),
        ))
        .returning(<KeyRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: KeyId, settings: &KeySettings) -> QueryResult<KeyRow> {
    diesel::update(api_keys::table.find(id))
        .set(settings)
        .returning(<KeyRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

/// Gives the key a new secret; the current one keeps working until `grace_until`.
pub fn rotate(conn: &mut DbConn, id: KeyId, hash: &str, grace_until: NaiveDateTime) -> QueryResult<KeyRow> {
    diesel::update(api_keys::table.find(id))
        .set((
            api_keys::previous_hash.eq(api_keys::secret_hash.nullable()),
            api_keys::previous_until.eq(grace_until),
            api_keys::secret_hash.eq(hash),
            api_keys::updated_at.eq(crate::domain::dates::now().naive_utc()),
        ))
        .returning(<KeyRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: KeyId) -> QueryResult<usize> {
    diesel::delete(api_keys::table.find(id)).execute(conn)
}

/// Records when keys were last used (never earlier than what is stored).
pub fn touch(conn: &mut DbConn, used: &[(KeyId, NaiveDateTime)]) -> QueryResult<()> {
    for &(id, at) in used {
        diesel::update(api_keys::table.find(id))
            .filter(api_keys::last_used_at.is_null().or(api_keys::last_used_at.lt(at)))
            .set(api_keys::last_used_at.eq(at))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds `admitted` requests of a key in `minute` to what every replica reported; returns the
/// total. (PostgreSQL: replicas share the count.)
pub fn add_uses(conn: &mut DbConn, id: KeyId, minute: i64, admitted: i64) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Total {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    let total: Total = diesel::sql_query(
        "INSERT INTO api_key_usage (key_id, minute, count) VALUES ($1, $2, $3) \
         ON CONFLICT (key_id, minute) DO UPDATE SET count = api_key_usage.count + excluded.count RETURNING count",
    )
    .bind::<diesel::sql_types::BigInt, _>(id)
    .bind::<diesel::sql_types::BigInt, _>(minute)
    .bind::<diesel::sql_types::BigInt, _>(admitted)
    .get_result(conn)?;
    Ok(total.count)
}

/// What every replica reported of a key in `minute`.
pub fn uses(conn: &mut DbConn, id: KeyId, minute: i64) -> QueryResult<i64> {
    let count = api_key_usage::table.find((id, minute)).select(api_key_usage::count).first(conn).optional()?;
    Ok(count.unwrap_or(0))
}

/// Forgets the counts of minutes before `minute`.
pub fn forget_uses_before(conn: &mut DbConn, minute: i64) -> QueryResult<usize> {
    diesel::delete(api_key_usage::table.filter(api_key_usage::minute.lt(minute))).execute(conn)
}
