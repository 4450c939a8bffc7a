//! Images: `/api/v1/media` (uploads and what editors say of them) and `/media/{id}/{file}`
//! (their files, public and immutable).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ByteRangeSpec, EntityTag, Header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, delete, get, patch, post, web};
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created};
use crate::auth::{Editor, Reader};
use crate::domain::listing::{OffsetParams, Page};
use crate::domain::media::Media;
use crate::domain::params;
use crate::error::ApiError;
use crate::http::json::unread;
use crate::http::{IfMatch, Json};
use crate::service::media::{self, MediaFields, MediaPatch};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_media).service(upload_media).service(get_media).service(update_media).service(delete_media);
}

/// The route of the files, outside `/api/v1`.
pub fn file_routes(cfg: &mut ServiceConfig) {
    cfg.service(media_file);
}

/// One page of images, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaList {
    pub items: Vec<Media>,
    /// Images over all pages.
    pub total: i64,
    pub limit: u64,
    pub page: u64,
}

/// A multipart upload: the file, and what it shows.
#[derive(ToSchema)]
#[expect(dead_code, reason = "documents the form; its parts are read one by one as they arrive")]
pub struct UploadForm {
    /// The image: JPEG, PNG, WebP or GIF, told from its bytes.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What the image shows, for readers who cannot see it: required, here or as the query
    /// parameter.
    #[schema(value_type = Option<crate::domain::text::AltText>)]
    alt: Option<String>,
    #[schema(value_type = Option<crate::domain::text::ImageCaption>)]
    caption: Option<String>,
    #[schema(value_type = Option<crate::domain::text::Credit>)]
    credit: Option<String>,
    /// `x,y`, each from 0 to 1 (default `0.5,0.5`).
    #[schema(example = "0.5,0.4")]
    focal_point: Option<String>,
}

/// The bytes of an image, sent as the whole body.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[expect(dead_code, reason = "documents the body, which is read as it arrives")]
pub struct ImageBytes(Vec<u8>);

/// List images
///
/// One page of the uploaded images, newest first, each with its variants and their URLs.
/// Editors and admins only (401 without a valid bearer token, 403 with too low a role).
#[utoipa::path(
    operation_id = "list_media", security(("bearer" = [])), tag = "media", params(OffsetParams),
    responses((status = 200, description = "One page of images", body = MediaList), crate::openapi::ListErrors, crate::openapi::AdminReadErrors)
)]
#[get("/media")]
pub async fn list_media(state: State, _: Editor, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let page = Page::new(&params::read(req.query_string())?)?;
    let (items, total) = media::list(&state, page.size(), page.offset()).await?;
    Ok(HttpResponse::Ok().json(MediaList { items, total, limit: page.limit, page: page.page }))
}

/// Upload an image
///
/// Stores an image and answers 201 with `Location` once every variant is made: each width of
/// `NEWSDESK_MEDIA_WIDTHS` below the image's own, in WebP and in the image's format. Send the
/// image as the whole body (any `Content-Type`: the format is read from the bytes) with `alt`,
/// `caption`, `credit` and `focal_point` as query parameters, or as the part `file` of a
/// `multipart/form-data` body with those as fields. EXIF orientation is applied and every
/// piece of metadata (GPS position, camera) removed. Over `NEWSDESK_MEDIA_MAX_BYTES` is 413;
/// a file that is not a JPEG, PNG, WebP or GIF is 415; one that cannot be decoded, an image
/// over `NEWSDESK_MEDIA_MAX_PIXELS` (told from its header, before decoding) or a missing `alt`
/// is 422. Editors and admins only (401 without a valid bearer token, 403 with too low a role).
#[utoipa::path(
    operation_id = "upload_media", security(("bearer" = [])), tag = "media", params(MediaFields),
    request_body(content(
        (UploadForm = "multipart/form-data"),
        (ImageBytes = "image/jpeg"), (ImageBytes = "image/png"), (ImageBytes = "image/webp"), (ImageBytes = "image/gif"),
        (ImageBytes = "application/octet-stream")
    )),
    responses((status = 201, description = "Stored, with every variant", body = Media), crate::openapi::CreateErrors)
)]
#[post("/media")]
pub async fn upload_media(
    state: State,
    Editor(user): Editor,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let limit = state.media.max_bytes;
    let too_large = || ApiError::PayloadTooLarge(usize::try_from(limit).unwrap_or(usize::MAX));
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit.saturating_add(MULTIPART_ROOM)) {
        return Err(too_large());
    }
    let mut fields: MediaFields = params::read(req.query_string())?;
    let bytes = if req.content_type() == "multipart/form-data" {
        read_form(Multipart::new(req.headers(), payload), &mut fields, limit).await?
    } else {
        read_body(payload, limit).await?
    };
    let image = media::upload(&state, &user.actor(), bytes, fields).await?;
    Ok(created(state.url(&format!("/api/v1/media/{}", image.id)), &image))
}

/// What a multipart body may hold beyond its file: boundaries, headers and the text fields.
const MULTIPART_ROOM: u64 = 64 * 1024;
/// The longest text field of a multipart upload.
const MAX_FIELD: usize = 8 * 1024;

/// The whole body, refused once it is over `limit` bytes.
async fn read_body(mut payload: web::Payload, limit: u64) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| unread(&err, usize::try_from(limit).unwrap_or(usize::MAX)))?;
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(ApiError::PayloadTooLarge(usize::try_from(limit).unwrap_or(usize::MAX)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The part `file` of a multipart body; its text fields go into `fields`.
async fn read_form(mut form: Multipart, fields: &mut MediaFields, limit: u64) -> Result<web::Bytes, ApiError> {
    let malformed = |err: actix_multipart::MultipartError| match err {
        actix_multipart::MultipartError::Payload(err) => unread(&err, usize::try_from(limit).unwrap_or(usize::MAX)),
        err => ApiError::BadRequest { detail: format!("the multipart body is malformed: {err}"), errors: Vec::new() },
    };
    let mut file = None;
    while let Some(part) = form.try_next().await.map_err(malformed)? {
        let name = part.name().unwrap_or_default().to_owned();
        let most = if name == "file" { usize::try_from(limit).unwrap_or(usize::MAX) } else { MAX_FIELD };
        let mut bytes = web::BytesMut::new();
        let mut part = part;
        while let Some(chunk) = part.try_next().await.map_err(malformed)? {
            if bytes.len() + chunk.len() > most {
                return Err(ApiError::PayloadTooLarge(most));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || {
            String::from_utf8(bytes.to_vec())
                .map(Some)
                .map_err(|_| ApiError::invalid_fields(vec![crate::error::FieldError::new(&name, "must be UTF-8 text")]))
        };
        match name.as_str() {
            "file" => file = Some(bytes.freeze()),
            "alt" => fields.alt = text()?,
            "caption" => fields.caption = text()?,
            "credit" => fields.credit = text()?,
            "focal_point" => fields.focal_point = text()?,
            other => {
                return Err(ApiError::BadRequest {
                    detail: format!("unknown part `{other}`; the parts are file, alt, caption, credit and focal_point"),
                    errors: vec![crate::error::FieldError::new(other, "is not a part of an upload")],
                });
            }
        }
    }
    file.ok_or_else(|| ApiError::invalid_fields(vec![crate::error::FieldError::new("file", "is required: the image")]))
}

/// Get one image
///
/// One image with its variants and their URLs; 404 if there is none. Editors and admins only
/// (401 without a valid bearer token, 403 with too low a role); readers see images inside what
/// uses them.
#[utoipa::path(operation_id = "get_media", security(("bearer" = [])), tag = "media", params(("id" = i64, Path, description = "Image id", example = 5)), responses((status = 200, description = "The image", body = Media), crate::openapi::GetErrors, crate::openapi::AdminReadErrors))]
#[get("/media/{id}")]
pub async fn get_media(state: State, _: Editor, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(media::get(&state, id.into_inner()).await?))
}

/// Change what an image shows, its caption, credit or focal point
///
/// Changes only the fields the body names (`null` clears `caption` or `credit`); the files stay
/// as they are. Send the `ETag` of a GET in `If-Match` to refuse the change (412) if someone
/// changed the image since. Editors and admins only (401 without a valid bearer token, 403
/// with too low a role). A body that is not JSON is 415, malformed JSON 400, a field that fails
/// validation 422 naming it in `errors`. A focal point moved cuts the crops again; if another
/// request moved it meanwhile, the answer is 409 and nothing changes (send the change again).
#[utoipa::path(operation_id = "update_media", security(("bearer" = [])), tag = "media", params(("id" = i64, Path, description = "Image id"), IfMatch), request_body = MediaPatch, responses((status = 200, description = "Changed", body = Media), crate::openapi::ChangeErrors))]
#[patch("/media/{id}")]
pub async fn update_media(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<MediaPatch>,
) -> Result<HttpResponse, ApiError> {
    let image =
        media::update(&state, &user.actor(), id.into_inner(), patch, move |current| if_match.check(current)).await?;
    Ok(changed(&image))
}

/// Delete an image that nothing uses
///
/// Deletes an image and its files (204). Send the `ETag` of a GET in `If-Match` to refuse
/// the change (412) if someone changed the image since. Editors and admins only (401 without a
/// valid bearer token, 403 with too low a role).
#[utoipa::path(operation_id = "delete_media", security(("bearer" = [])), tag = "media", params(("id" = i64, Path, description = "Image id"), IfMatch), responses((status = 204, description = "Deleted, with its files"), crate::openapi::DeleteErrors))]
#[delete("/media/{id}")]
pub async fn delete_media(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    media::delete(&state, &user.actor(), id.into_inner(), move |current| if_match.check(current)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A year: a file's name holds a hash of its content, so a name always means the same bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Get a file of an image
///
/// The bytes of the image at its own size or of one variant, as the `url` fields name them.
/// Anyone may call it. The name holds a hash of the content, so answers are cacheable for a
/// year (`immutable`), with a strong `ETag` (`If-None-Match` gets 304). `Range` asks for part of
/// the file (206, or 416 past its end); `HEAD` answers the headers alone.
#[utoipa::path(
    operation_id = "get_media_file", security((), ("bearer" = [])), tag = "media",
    params(
        ("id" = i64, Path, description = "Image id", example = 5),
        ("file" = String, Path, description = "File name, as a `url` of the image names it", pattern = r"^[0-9a-f]{32}-[0-9]{1,5}\.(jpg|png|webp)$", example = "3f9a2c0d1e7b4a6f8c5d2e1f0a9b8c7d-320.webp")
    ),
    responses(
        (status = 200, description = "The file", content(("image/webp"), ("image/jpeg"), ("image/png"))),
        (status = 206, description = "Part of the file, as `Range` asked"),
        (status = 416, description = "The range starts past the end of the file", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::GetErrors
    )
)]
#[get("/media/{id}/{file}")]
pub async fn media_file(
    state: State,
    _: Reader,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let mime = media::file_type(&state, id, name.clone()).await?;
    let tag = EntityTag::new_strong(name.clone());
    let cached = |mut res: actix_web::HttpResponseBuilder| {
        res.insert_header((header::CACHE_CONTROL, IMMUTABLE)).insert_header(header::ETag(tag.clone()));
        res
    };
    if let Ok(header::IfNoneMatch::Items(tags)) = header::IfNoneMatch::parse(&req)
        && tags.iter().any(|t| t.weak_eq(&tag))
    {
        return Ok(cached(HttpResponse::NotModified()).finish());
    }
    let missing = || ApiError::NotFound(format!("the file {name} is missing from the media store"));
    let store = &state.media.store;
    let range = match wanted_range(&req, &tag) {
        None => None,
        Some(spec) => {
            let size = store.size(&name).await.map_err(ApiError::internal)?.ok_or_else(missing)?;
            match spec.to_satisfiable_range(size) {
                Some((first, last)) => Some(first..last + 1),
                None => return Ok(unsatisfiable(size)),
            }
        }
    };
    let partial = range.is_some();
    let opened = store.open(&name, range).await.map_err(ApiError::internal)?.ok_or_else(missing)?;
    let mut res = cached(if partial { HttpResponse::PartialContent() } else { HttpResponse::Ok() });
    res.insert_header((header::CONTENT_TYPE, mime)).insert_header((header::ACCEPT_RANGES, "bytes"));
    if partial {
        let (start, end) = (opened.range.start, opened.range.end);
        res.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{}/{}", end - 1, opened.size)));
    }
    // A HEAD request is routed here as a GET; the server sends its headers alone.
    res.no_chunking(opened.range.end - opened.range.start);
    Ok(match opened.rest {
        None => res.body(opened.first),
        Some(rest) => {
            let first = (!opened.first.is_empty()).then_some(Ok(opened.first));
            let bytes = futures_util::stream::iter(first).chain(rest);
            res.streaming(bytes.map_err(actix_web::error::ErrorInternalServerError))
        }
    })
}

/// The one byte range a request asks for, if it asks for exactly one and its `If-Range` (if
/// any) names this file. Several ranges are answered with the whole file, as RFC 9110 allows.
fn wanted_range(req: &HttpRequest, tag: &EntityTag) -> Option<ByteRangeSpec> {
    let header::Range::Bytes(specs) = header::Range::parse(req).ok()? else { return None };
    let if_range = req.headers().get(header::IF_RANGE);
    if if_range.is_some_and(|value| value.to_str().ok() != Some(tag.to_string().as_str())) {
        return None;
    }
    match <[ByteRangeSpec; 1]>::try_from(specs) {
        Ok([spec]) => Some(spec),
        Err(_) => None,
    }
}

/// 416, with the size of the file.
fn unsatisfiable(size: u64) -> HttpResponse {
    let problem = ApiError::framework(
        StatusCode::RANGE_NOT_SATISFIABLE,
        &format!("the range starts past the end of the file ({size} bytes)"),
    );
    let mut res = problem.error_response();
    if let Ok(value) = header::HeaderValue::from_str(&format!("bytes */{size}")) {
        res.headers_mut().insert(header::CONTENT_RANGE, value);
    }
    res
}
