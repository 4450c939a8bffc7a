//! Queries on uploaded images.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::media;
use super::{Backend, DbConn};
use crate::domain::ids::MediaId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media, check_for_backend(Backend))]
pub struct MediaRow {
    pub id: MediaId,
    pub hash: String,
    pub mime: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub alt: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub focal_x: f64,
    pub focal_y: f64,
    pub placeholder: String,
    /// JSON: `[{"width", "height", "type", "bytes"}]`.
    pub variants: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an upload stores: its files, made once.
#[derive(Debug, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia<'a> {
    pub hash: &'a str,
    pub mime: &'a str,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub placeholder: &'a str,
    pub variants: &'a str,
    pub created_at: NaiveDateTime,
}

/// What editors write about an image.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = media, treat_none_as_null = true)]
pub struct MediaForm<'a> {
    pub alt: &'a str,
    pub caption: Option<&'a str>,
    pub credit: Option<&'a str>,
    pub focal_x: f64,
    pub focal_y: f64,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: MediaId) -> QueryResult<MediaRow> {
    media::table.find(id).select(MediaRow::as_select()).first(conn)
}

/// A page of images, newest first, and how many there are.
pub fn page(conn: &mut DbConn, limit: i64, offset: i64) -> QueryResult<(Vec<MediaRow>, i64)> {
    let rows =
        media::table.order(media::id.desc()).limit(limit).offset(offset).select(MediaRow::as_select()).load(conn)?;
    let total = media::table.count().get_result(conn)?;
    Ok((rows, total))
}

pub fn insert(conn: &mut DbConn, files: &NewMedia, form: &MediaForm) -> QueryResult<MediaRow> {
    diesel::insert_into(media::table)
        .values((files, form))
        .returning(<MediaRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: MediaId, form: &MediaForm) -> QueryResult<MediaRow> {
    diesel::update(media::table.find(id))
        .set(form)
        .returning(<MediaRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: MediaId) -> QueryResult<usize> {
    diesel::delete(media::table.find(id)).execute(conn)
}

/// Whether any image's files are named by `hash`.
pub fn hash_used(conn: &mut DbConn, hash: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(media::table.filter(media::hash.eq(hash)))).get_result(conn)
}

/// The hashes of every image's files.
pub fn hashes(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    media::table.select(media::hash).distinct().load(conn)
}
