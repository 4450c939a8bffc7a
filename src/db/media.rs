//! Queries on uploaded images.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::media;
use super::{Backend, DbConn};
use crate::domain::dates::utc;
use crate::domain::ids::MediaId;
use crate::domain::media::{FocalPoint, Media, Variant};
use crate::media::MediaUrls;
use crate::media::process::{self, Kind};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = media, check_for_backend(Backend), treat_none_as_null = true)]
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

/// A variant as its row keeps it (the URL is built when answering).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct StoredVariant {
    pub width: u32,
    pub height: u32,
    #[serde(rename = "type")]
    pub mime: String,
    pub bytes: u64,
}

fn name(hash: &str, width: i64, kind: Kind) -> String {
    process::file_name(hash, u32::try_from(width).unwrap_or_default(), kind)
}

fn variant_name(hash: &str, variant: &StoredVariant) -> Option<String> {
    Kind::from_mime(&variant.mime).map(|kind| process::file_name(hash, variant.width, kind))
}

fn stored_variants(row: &MediaRow) -> Vec<StoredVariant> {
    // Written only by `store_upload`, from the same type.
    serde_json::from_str(&row.variants).unwrap_or_default()
}

impl MediaRow {
    /// Every file of the image, by name: the image at its own size first.
    pub fn file_names(&self) -> Vec<String> {
        let own = Kind::from_mime(&self.mime).map(|kind| name(&self.hash, self.width, kind));
        own.into_iter().chain(stored_variants(self).iter().filter_map(|v| variant_name(&self.hash, v))).collect()
    }

    /// The image as clients see it, its URLs pointing where `urls` say.
    pub fn into_media(self, urls: &MediaUrls) -> Media {
        let row = self;
        let variants = stored_variants(&row)
            .into_iter()
            .filter_map(|v| {
                let url = urls.file(row.id, &variant_name(&row.hash, &v)?);
                Some(Variant {
                    width: v.width.into(),
                    height: v.height.into(),
                    kind: v.mime,
                    bytes: v.bytes as i64,
                    url,
                })
            })
            .collect();
        let own = Kind::from_mime(&row.mime).map(|kind| name(&row.hash, row.width, kind)).unwrap_or_default();
        Media {
            id: row.id,
            url: urls.file(row.id, &own),
            kind: row.mime,
            width: row.width,
            height: row.height,
            bytes: row.bytes,
            alt: row.alt,
            caption: row.caption,
            credit: row.credit,
            focal_point: FocalPoint { x: row.focal_x, y: row.focal_y },
            placeholder: row.placeholder,
            variants,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
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

/// The images of `ids`.
pub fn by_ids(conn: &mut DbConn, ids: &[MediaId]) -> QueryResult<Vec<MediaRow>> {
    media::table.filter(media::id.eq_any(ids)).select(MediaRow::as_select()).load(conn)
}

/// Whether any image's files are named by `hash`.
pub fn hash_used(conn: &mut DbConn, hash: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(media::table.filter(media::hash.eq(hash)))).get_result(conn)
}

/// The hashes of every image's files.
pub fn hashes(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    media::table.select(media::hash).distinct().load(conn)
}
