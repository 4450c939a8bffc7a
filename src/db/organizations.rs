//! Queries on organizations (the profile itself grows with the organizations API).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::organizations;

#[derive(Debug, Insertable)]
#[diesel(table_name = organizations)]
pub struct NewOrganization<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, org: &NewOrganization) -> QueryResult<i64> {
    diesel::insert_into(organizations::table).values(org).returning(organizations::id).get_result(conn)
}

pub fn id_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<i64>> {
    organizations::table.filter(organizations::slug.eq(slug)).select(organizations::id).first(conn).optional()
}

/// Slugs of the given organizations, by id.
pub fn slugs(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::slug))
        .load(conn)
}
