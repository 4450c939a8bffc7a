//! Queries on uploaded images.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::media;
use super::{Backend, DbConn};
use crate::domain::dates::utc;
use crate::domain::ids::MediaId;
use crate::domain::media::{FocalPoint, Media, ShownMedia, Variant};
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop: Option<StoredCut>,
}

/// The shape a crop was cut to, and where.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct StoredCut {
    pub shape: String,
    pub left: u32,
    pub top: u32,
}

impl StoredVariant {
    pub fn of(file: &process::File) -> Self {
        Self {
            width: file.width,
            height: file.height,
            mime: file.kind.mime().to_owned(),
            bytes: file.bytes.len() as u64,
            crop: file.cut.map(|cut| StoredCut { shape: cut.ratio.to_string(), left: cut.left, top: cut.top }),
        }
    }
}

fn name(hash: &str, width: i64, height: i64, kind: Kind) -> String {
    let side = |v: i64| u32::try_from(v).unwrap_or_default();
    process::file_name(hash, side(width), side(height), kind, None)
}

fn variant_name(hash: &str, variant: &StoredVariant) -> Option<String> {
    let at = variant.crop.as_ref().map(|cut| (cut.left, cut.top));
    Kind::from_mime(&variant.mime).map(|kind| process::file_name(hash, variant.width, variant.height, kind, at))
}

fn stored_variants(row: &MediaRow) -> Vec<StoredVariant> {
    // Written only by `store_upload`, from the same type.
    serde_json::from_str(&row.variants).unwrap_or_default()
}

impl MediaRow {
    /// Every file of the image, by name: the image at its own size first.
    pub fn file_names(&self) -> Vec<String> {
        let own = Kind::from_mime(&self.mime).map(|kind| name(&self.hash, self.width, self.height, kind));
        own.into_iter().chain(stored_variants(self).iter().filter_map(|v| variant_name(&self.hash, v))).collect()
    }

    /// Its variants (as the row keeps them) with `crops` in place of the crops it has.
    pub fn with_crops(&self, crops: Vec<StoredVariant>) -> serde_json::Result<String> {
        let whole = stored_variants(self).into_iter().filter(|v| v.crop.is_none());
        serde_json::to_string(&whole.chain(crops).collect::<Vec<_>>())
    }

    /// The image as answers embed it, kept by `urls` while the row stays as it is; `version`:
    /// the content version read before the row, if known.
    pub fn shown(self, urls: &MediaUrls, version: Option<i64>) -> ShownMedia {
        urls.shown(self.id, utc(self.updated_at), version, || self.into_media(urls))
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
                    crop: v.crop.map(|cut| cut.shape),
                })
            })
            .collect();
        let own =
            Kind::from_mime(&row.mime).map(|kind| name(&row.hash, row.width, row.height, kind)).unwrap_or_default();
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

/// Writes what editors say of an image, and its variants when its crops were cut again.
pub fn update(conn: &mut DbConn, id: MediaId, form: &MediaForm, variants: Option<&str>) -> QueryResult<MediaRow> {
    diesel::update(media::table.find(id))
        .set((form, variants.map(|v| media::variants.eq(v))))
        .returning(<MediaRow as Selectable<Backend>>::construct_selection())
        .get_result(conn)
}

pub fn delete(conn: &mut DbConn, id: MediaId) -> QueryResult<usize> {
    diesel::delete(media::table.find(id)).execute(conn)
}

/// The images of `ids`.
/// Images `ids` as answers show them. An image `urls` keep is not read again while the
/// content version stays where it was when its row was last read; after a write, only its
/// `updated_at` is read, and the whole row only if that moved.
pub fn shown(conn: &mut DbConn, urls: &MediaUrls, ids: &[MediaId]) -> QueryResult<HashMap<MediaId, ShownMedia>> {
    // Read before the rows: a write after this moves the version, so nothing read here is
    // trusted past it.
    let version = urls.version();
    let mut shown = HashMap::with_capacity(ids.len());
    let mut unsure = Vec::new();
    for &id in ids {
        match version.and_then(|version| urls.unchanged(id, version)) {
            Some(image) => _ = shown.insert(id, image),
            None => unsure.push(id),
        }
    }
    if unsure.is_empty() {
        return Ok(shown);
    }
    let stamps: Vec<(MediaId, NaiveDateTime)> =
        media::table.filter(media::id.eq_any(&unsure)).select((media::id, media::updated_at)).load(conn)?;
    let mut changed = Vec::new();
    for (id, updated_at) in stamps {
        match urls.kept(id, utc(updated_at), version) {
            Some(kept) => _ = shown.insert(id, kept),
            None => changed.push(id),
        }
    }
    if !changed.is_empty() {
        for row in by_ids(conn, &changed)? {
            shown.insert(row.id, row.shown(urls, version));
        }
    }
    Ok(shown)
}

fn by_ids(conn: &mut DbConn, ids: &[MediaId]) -> QueryResult<Vec<MediaRow>> {
    media::table.filter(media::id.eq_any(ids)).select(MediaRow::as_select()).load(conn)
}

/// The names of every image's files.
pub fn file_names(conn: &mut DbConn) -> QueryResult<HashSet<String>> {
    let images = media::table.select(MediaRow::as_select()).load(conn)?;
    Ok(images.iter().flat_map(MediaRow::file_names).collect())
}

/// The names of the files of the other images made from the same upload as `image`.
pub fn twins_file_names(conn: &mut DbConn, image: &MediaRow) -> QueryResult<HashSet<String>> {
    let twins = media::table
        .filter(media::hash.eq(&image.hash).and(media::id.ne(image.id)))
        .select(MediaRow::as_select())
        .load(conn)?;
    Ok(twins.iter().flat_map(MediaRow::file_names).collect())
}
