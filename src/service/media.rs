//! Uploaded images: what clients see of one, the rules of what editors write about it, and
//! the writes. An upload's files are made and stored before its row is written (see
//! `media::store`); a deleted image's files go once no other image names them.

use diesel::OptionalExtension;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::db::media::StoredVariant;
use crate::db::media::{MediaForm, MediaRow, NewMedia};
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates;
use crate::domain::ids::MediaId;
use crate::domain::media::{FocalPoint, Media};
use crate::domain::params::once;
use crate::domain::patch::{not_null, nullable};
use crate::domain::slug::Key;
use crate::domain::text::{AltText, Credit, ImageCaption};
use crate::error::{ApiError, FieldError, Fields};
use crate::media::process::{self, File, Kind, Prepared, Refusal};
use crate::state::AppState;

/// What editors say of an image on upload: query parameters of a raw upload, or the fields
/// beside the file of a multipart one.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MediaFields {
    /// What the image shows, for readers who cannot see it (required).
    #[param(value_type = Option<AltText>)]
    #[serde(default, deserialize_with = "once")]
    pub alt: Option<String>,
    #[param(value_type = Option<ImageCaption>)]
    #[serde(default, deserialize_with = "once")]
    pub caption: Option<String>,
    #[param(value_type = Option<Credit>)]
    #[serde(default, deserialize_with = "once")]
    pub credit: Option<String>,
    /// `x,y`, each from 0 to 1 (default `0.5,0.5`, the centre).
    #[param(value_type = Option<String>, example = "0.5,0.4")]
    #[serde(default, deserialize_with = "once")]
    pub focal_point: Option<String>,
}

/// A partial update: absent fields are kept, `null` clears `caption` or `credit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<AltText>, nullable = false)]
    pub alt: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ImageCaption>)]
    pub caption: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Credit>)]
    pub credit: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub focal_point: Option<FocalPoint>,
}

/// What editors say of an image, every field valid.
pub struct Described {
    alt: AltText,
    caption: Option<ImageCaption>,
    credit: Option<Credit>,
    focal_point: FocalPoint,
}

impl Described {
    /// What the service itself says of an image it made (the demo's).
    pub fn new(alt: &str, credit: &str) -> Result<Self, ApiError> {
        Self::check(Some(alt.to_owned()), None, Some(credit.to_owned()), Ok(FocalPoint::CENTRE))
    }

    fn check(
        alt: Option<String>,
        caption: Option<String>,
        credit: Option<String>,
        focal_point: Result<FocalPoint, String>,
    ) -> Result<Self, ApiError> {
        let mut fields = Fields::default();
        let alt = fields.read(
            "alt",
            alt.ok_or_else(|| "is required: say what the image shows".to_owned()).and_then(AltText::parse),
        );
        let filled = |text: Option<String>| text.filter(|t| !t.trim().is_empty());
        let caption = fields.read_optional("caption", filled(caption), ImageCaption::parse);
        let credit = fields.read_optional("credit", filled(credit), Credit::parse);
        let focal_point = fields.read("focal_point", focal_point);
        fields.finish(|| Some(Self { alt: alt?, caption: caption?, credit: credit?, focal_point: focal_point? }))
    }

    fn form(&self) -> MediaForm<'_> {
        MediaForm {
            alt: self.alt.as_str(),
            caption: self.caption.as_ref().map(ImageCaption::as_str),
            credit: self.credit.as_ref().map(Credit::as_str),
            focal_x: self.focal_point.x,
            focal_y: self.focal_point.y,
            updated_at: dates::now().naive_utc(),
        }
    }
}

impl MediaFields {
    fn check(self) -> Result<Described, ApiError> {
        let focal_point = self.focal_point.as_deref().map_or(Ok(FocalPoint::CENTRE), FocalPoint::parse);
        Described::check(self.alt, self.caption, self.credit, focal_point)
    }
}

/// The answer to an upload that cannot be made ready.
fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NotAnImage => ApiError::UnsupportedMediaType(refusal.to_string()),
        _ => ApiError::Unprocessable { detail: refusal.to_string(), errors: Vec::new() },
    }
}

fn find(conn: &mut DbConn, segment: &str) -> Result<MediaRow, ApiError> {
    let missing = || ApiError::NotFound(format!("no image with id {segment}"));
    match Key::parse(segment) {
        Some(Key::Id(id)) => db::media::find(conn, id).optional()?.ok_or_else(missing),
        _ => Err(missing()),
    }
}

/// A page of images, newest first, and how many there are.
pub async fn list(state: &AppState, limit: i64, offset: i64) -> Result<(Vec<Media>, i64), ApiError> {
    let (rows, total) = state.db(move |c| Ok(db::media::page(c, limit, offset)?)).await?;
    Ok((rows.into_iter().map(|row| row.into_media(&state.media.urls)).collect(), total))
}

pub async fn get(state: &AppState, segment: String) -> Result<Media, ApiError> {
    let row = state.db(move |c| find(c, &segment)).await?;
    Ok(row.into_media(&state.media.urls))
}

/// Stores an upload: refused before any work if it is not an image or its description is
/// invalid; its files made and stored, then its row written.
pub async fn upload(
    state: &AppState,
    actor: &Actor,
    bytes: actix_web::web::Bytes,
    fields: MediaFields,
) -> Result<Media, ApiError> {
    process::sniff(&bytes).map_err(refused)?;
    let described = fields.check()?;
    let stored = store_files(state, bytes, described.focal_point).await?;
    let row = state
        .write(actor.did(Action(Resource::Media, Verb::Create)), move |c, entry| {
            let row = stored.insert(c, &described)?;
            entry.on(row.id);
            // Readers see an image once something they see uses it.
            entry.unseen();
            Ok(row)
        })
        .await?;
    Ok(row.into_media(&state.media.urls))
}

/// An image whose files are in the store, and whose row is still to write.
pub struct Stored {
    hash: String,
    mime: &'static str,
    width: i64,
    height: i64,
    bytes: i64,
    placeholder: String,
    variants: String,
}

/// Makes an image ready and stores its files (before any row names them).
pub async fn store_files(
    state: &AppState,
    bytes: actix_web::web::Bytes,
    focal_point: FocalPoint,
) -> Result<Stored, ApiError> {
    let focus = (focal_point.x, focal_point.y);
    let Prepared { hash, original, variants, placeholder } =
        state.media.prepare(bytes, focus).await?.map_err(refused)?;
    let kept: Vec<StoredVariant> = variants.iter().map(StoredVariant::of).collect();
    let stored = Stored {
        variants: serde_json::to_string(&kept).map_err(ApiError::internal)?,
        mime: original.kind.mime(),
        width: i64::from(original.width),
        height: i64::from(original.height),
        bytes: original.bytes.len() as i64,
        placeholder,
        hash,
    };
    put(state, &stored.hash, std::iter::once(original).chain(variants)).await?;
    Ok(stored)
}

/// Stores `files` under the names `hash` gives them.
async fn put(state: &AppState, hash: &str, files: impl IntoIterator<Item = File>) -> Result<(), ApiError> {
    for file in files {
        state.media.store.put(&file.name(hash), file.bytes).await.map_err(ApiError::internal)?;
    }
    Ok(())
}

impl Stored {
    /// Writes the image's row, inside a write.
    pub fn insert(&self, conn: &mut DbConn, described: &Described) -> Result<MediaRow, ApiError> {
        let files = NewMedia {
            hash: &self.hash,
            mime: self.mime,
            width: self.width,
            height: self.height,
            bytes: self.bytes,
            placeholder: &self.placeholder,
            variants: &self.variants,
            created_at: dates::now().naive_utc(),
        };
        Ok(db::media::insert(conn, &files, &described.form())?)
    }
}

/// Changes what editors say of an image; `precondition` sees the current one first. A focal
/// point moved cuts the crops again (new files, new names) before the row changes.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    segment: String,
    patch: MediaPatch,
    precondition: impl FnOnce(&Media) -> Result<(), ApiError> + Send + 'static,
) -> Result<Media, ApiError> {
    let urls = state.media.urls.clone();
    // The focal point the crops were cut from, when they are cut again.
    let (cut_from, crops) = match patch.focal_point {
        Some(focal_point) if !state.media.rules.crops.is_empty() => {
            let id = segment.clone();
            let current = state.db(move |c| find(c, &id)).await?;
            let focal_point =
                focal_point.check().map_err(|e| ApiError::invalid_fields(vec![FieldError::new("focal_point", e)]))?;
            (Some((current.focal_x, current.focal_y)), cut_again(state, &current, focal_point).await?)
        }
        _ => (None, None),
    };
    let (before, row) = state
        .write(actor.did(Action(Resource::Media, Verb::Update)), move |c, entry| {
            let current = find(c, &segment)?;
            // Crops cut while another request moved the focal point would belong to neither.
            if cut_from.is_some_and(|from| from != (current.focal_x, current.focal_y)) {
                return Err(ApiError::Conflict(
                    "another request moved the image's focal point while its crops were cut; send the change again"
                        .into(),
                ));
            }
            let focal_point = patch.focal_point.unwrap_or(FocalPoint { x: current.focal_x, y: current.focal_y });
            let described = Described::check(
                Some(patch.alt.unwrap_or_else(|| current.alt.clone())),
                patch.caption.unwrap_or_else(|| current.caption.clone()),
                patch.credit.unwrap_or_else(|| current.credit.clone()),
                focal_point.check(),
            )?;
            precondition(&current.clone().into_media(&urls))?;
            entry.on(current.id);
            let variants = crops.map(|crops| current.with_crops(crops)).transpose().map_err(ApiError::internal)?;
            let row = db::media::update(c, current.id, &described.form(), variants.as_deref())?;
            Ok((current, row))
        })
        .await?;
    state.media.forget_names(row.id);
    let now: std::collections::HashSet<String> = row.file_names().into_iter().collect();
    remove_files(state, &before, before.file_names().into_iter().filter(|name| !now.contains(name)).collect()).await?;
    Ok(row.into_media(&state.media.urls))
}

/// The crops of `image` cut around `focal_point` and stored, if that moves them.
async fn cut_again(
    state: &AppState,
    image: &MediaRow,
    focal_point: FocalPoint,
) -> Result<Option<Vec<StoredVariant>>, ApiError> {
    if (image.focal_x, image.focal_y) == (focal_point.x, focal_point.y) {
        return Ok(None);
    }
    let own = image.file_names().into_iter().next().unwrap_or_default();
    let original = state.media.store.read(&own).await.map_err(ApiError::internal)?;
    let original = original.ok_or_else(|| ApiError::internal(MissingFile(own)))?;
    let crops = state.media.crops(original, (focal_point.x, focal_point.y)).await?.map_err(ApiError::internal)?;
    let kept = crops.iter().map(StoredVariant::of).collect();
    put(state, &image.hash, crops).await?;
    Ok(Some(kept))
}

#[derive(Debug, thiserror::Error)]
#[error("the media file {0} is missing from the store")]
struct MissingFile(String);

/// Removes `names`, files `image` named, unless another image made from the same upload
/// names them too (a file that cannot be removed is left to the sweep).
async fn remove_files(state: &AppState, image: &MediaRow, names: Vec<String>) -> Result<(), ApiError> {
    if names.is_empty() {
        return Ok(());
    }
    let image = image.clone();
    let kept = state.db(move |c| Ok(db::media::twins_file_names(c, &image)?)).await?;
    for name in names.into_iter().filter(|name| !kept.contains(name)) {
        if let Err(err) = state.media.store.delete(&name).await {
            log::warn!("cannot delete media file {name}: {err}");
        }
    }
    Ok(())
}

/// Deletes an image that nothing uses (409 otherwise), and its files.
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    segment: String,
    precondition: impl FnOnce(&Media) -> Result<(), ApiError> + Send + 'static,
) -> Result<(), ApiError> {
    let urls = state.media.urls.clone();
    let gone = state
        .write(actor.did(Action(Resource::Media, Verb::Delete)), move |c, entry| {
            let current = find(c, &segment)?;
            precondition(&current.clone().into_media(&urls))?;
            entry.on(current.id);
            db::media::delete(c, current.id)
                .map_err(|err| ApiError::from(err).in_the_way(|| format!("image {} is still in use", current.id)))?;
            Ok(current)
        })
        .await?;
    state.media.forget_names(gone.id);
    remove_files(state, &gone, gone.file_names()).await
}

/// The type of the file `name` of image `segment`, if it is one of its files.
pub async fn file_type(state: &AppState, segment: String, name: String) -> Result<&'static str, ApiError> {
    let missing = || ApiError::NotFound(format!("image {segment} has no file {name}"));
    let kind = name.rsplit_once('.').and_then(|(_, extension)| Kind::from_extension(extension)).ok_or_else(missing)?;
    let Some(Key::Id(id)) = Key::<MediaId>::parse(&segment) else { return Err(missing()) };
    let names = match state.media.names(id) {
        Some(names) => names,
        None => {
            let row = state.db(move |c| Ok(db::media::find(c, id).optional()?)).await?.ok_or_else(missing)?;
            let names: std::sync::Arc<[String]> = row.file_names().into();
            state.media.keep_names(id, names.clone());
            names
        }
    };
    if names.contains(&name) { Ok(kind.mime()) } else { Err(missing()) }
}

/// How long a file no image names is left alone: an upload on another replica may be
/// between storing its files and writing its row.
const ORPHAN_AGE: chrono::Duration = chrono::Duration::hours(1);

/// Removes the files that no image names (left by a crash between storing an upload's files
/// and writing its row, or by a failed delete); answers how many went.
pub async fn sweep(state: &AppState) -> Result<usize, ApiError> {
    let files = state.media.store.files().await.map_err(ApiError::internal)?;
    let used = state.db(|c| Ok(db::media::file_names(c)?)).await?;
    let before = dates::now() - ORPHAN_AGE;
    let mut swept = 0;
    for (name, written) in files {
        if written < before && !used.contains(&name) {
            state.media.store.delete(&name).await.map_err(ApiError::internal)?;
            swept += 1;
        }
    }
    Ok(swept)
}
