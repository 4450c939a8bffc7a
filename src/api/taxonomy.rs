//! Topics and regions: `/api/v1/topics` and `/api/v1/regions`. Both are terms of the same
//! shape; each route is a one-line handler (so that it has its own OpenAPI operation) over
//! the shared functions below.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created};

use crate::auth::{AuthUser, Editor, Reader};
use crate::db::terms::TermKind;
use crate::error::ApiError;
use crate::http::{IfMatch, Json};
use crate::service::terms::{self, Term, TermPatch, TermWrite};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_topics)
        .service(create_topic)
        .service(get_topic)
        .service(replace_topic)
        .service(update_topic)
        .service(delete_topic)
        .service(list_regions)
        .service(create_region)
        .service(get_region)
        .service(replace_region)
        .service(update_region)
        .service(delete_region);
}

/// Every term of a taxonomy, by slug.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermList {
    pub items: Vec<Term>,
}

fn path_of(kind: TermKind) -> &'static str {
    match kind {
        TermKind::Topic => "/api/v1/topics",
        TermKind::Region => "/api/v1/regions",
    }
}

async fn list(state: State, kind: TermKind) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(TermList { items: terms::list(&state, kind).await? }))
}

async fn get(state: State, kind: TermKind, segment: String) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(terms::get(&state, kind, segment).await?))
}

async fn create(state: State, user: &AuthUser, kind: TermKind, write: TermWrite) -> Result<HttpResponse, ApiError> {
    let term = terms::create(&state, &user.actor(), kind, write).await?;
    Ok(created(state.url(&format!("{}/{}", path_of(kind), term.slug)), &term))
}

async fn replace(
    state: State,
    user: &AuthUser,
    kind: TermKind,
    segment: String,
    if_match: IfMatch,
    write: TermWrite,
) -> Result<HttpResponse, ApiError> {
    Ok(changed(
        &terms::replace(&state, &user.actor(), kind, segment, write, move |current| if_match.check(current)).await?,
    ))
}

async fn update(
    state: State,
    user: &AuthUser,
    kind: TermKind,
    segment: String,
    if_match: IfMatch,
    patch: TermPatch,
) -> Result<HttpResponse, ApiError> {
    Ok(changed(
        &terms::update(&state, &user.actor(), kind, segment, patch, move |current| if_match.check(current)).await?,
    ))
}

async fn remove(
    state: State,
    user: &AuthUser,
    kind: TermKind,
    segment: String,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    terms::delete(&state, &user.actor(), kind, segment, move |current| if_match.check(current)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List topics
///
/// Every topic, in slug order, with its slug, name and description. Anyone may call it; an
/// invalid bearer token is refused with 401. The answer carries an `ETag`: send it in
/// `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "list_topics", security((), ("bearer" = [])), tag = "taxonomy", responses((status = 200, description = "Every topic", body = TermList), crate::openapi::ListErrors))]
#[get("/topics")]
pub async fn list_topics(state: State, _: Reader) -> Result<HttpResponse, ApiError> {
    list(state, TermKind::Topic).await
}

/// Get one topic by id or slug
///
/// One topic, by its numeric id or its slug (`cybercrime`); 404 if there is none. Anyone may
/// call it; an invalid bearer token is refused with 401. The answer carries an `ETag`: send it
/// in `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "get_topic", security((), ("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug", example = "cybercrime")), responses((status = 200, description = "The topic", body = Term), crate::openapi::GetErrors))]
#[get("/topics/{id}")]
pub async fn get_topic(state: State, _: Reader, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    get(state, TermKind::Topic, id.into_inner()).await
}

/// Create a topic
///
/// Creates a topic from its name (the slug is made from the name unless given) and answers 201
/// with `Location`. A slug already taken is 409. Editors and admins only (401 without a valid
/// bearer token, 403 with too low a role). A body that is not JSON is 415, malformed JSON 400,
/// a field that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "create_topic", security(("bearer" = [])), tag = "taxonomy", request_body = TermWrite, responses((status = 201, description = "Created", body = Term), crate::openapi::CreateErrors))]
#[post("/topics")]
pub async fn create_topic(
    state: State,
    Editor(user): Editor,
    Json(body): Json<TermWrite>,
) -> Result<HttpResponse, ApiError> {
    create(state, &user, TermKind::Topic, body).await
}

/// Replace a topic
///
/// Replaces the topic's name and description; an absent slug keeps the current one, a slug
/// already taken is 409. Send the `ETag` of a GET in `If-Match` to refuse the change (412) if
/// someone changed the resource since. Editors and admins only (401 without a valid bearer
/// token, 403 with too low a role). A body that is not JSON is 415, malformed JSON 400, a field
/// that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "replace_topic", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), request_body = TermWrite, responses((status = 200, description = "Replaced", body = Term), crate::openapi::ChangeErrors))]
#[put("/topics/{id}")]
pub async fn replace_topic(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<TermWrite>,
) -> Result<HttpResponse, ApiError> {
    replace(state, &user, TermKind::Topic, id.into_inner(), if_match, body).await
}

/// Change some fields of a topic
///
/// Changes only the fields the body names (`null` clears an optional one). Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role). A body that is
/// not JSON is 415, malformed JSON 400, a field that fails validation 422 naming it in
/// `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "update_topic", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), request_body = TermPatch, responses((status = 200, description = "Changed", body = Term), crate::openapi::ChangeErrors))]
#[patch("/topics/{id}")]
pub async fn update_topic(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<TermPatch>,
) -> Result<HttpResponse, ApiError> {
    update(state, &user, TermKind::Topic, id.into_inner(), if_match, patch).await
}

/// Delete a topic that no news item uses
///
/// Deletes a topic that no news item uses (204); one still in use is 409. Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role).
#[utoipa::path(operation_id = "delete_topic", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/topics/{id}")]
pub async fn delete_topic(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    remove(state, &user, TermKind::Topic, id.into_inner(), if_match).await
}

/// List regions
///
/// Every region, in slug order, with its slug, name and description. Anyone may call it; an
/// invalid bearer token is refused with 401. The answer carries an `ETag`: send it in
/// `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "list_regions", security((), ("bearer" = [])), tag = "taxonomy", responses((status = 200, description = "Every region", body = TermList), crate::openapi::ListErrors))]
#[get("/regions")]
pub async fn list_regions(state: State, _: Reader) -> Result<HttpResponse, ApiError> {
    list(state, TermKind::Region).await
}

/// Get one region by id or slug
///
/// One region, by its numeric id or its slug (`africa`); 404 if there is none. Anyone may call
/// it; an invalid bearer token is refused with 401. The answer carries an `ETag`: send it in
/// `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "get_region", security((), ("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug", example = "africa")), responses((status = 200, description = "The region", body = Term), crate::openapi::GetErrors))]
#[get("/regions/{id}")]
pub async fn get_region(state: State, _: Reader, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    get(state, TermKind::Region, id.into_inner()).await
}

/// Create a region
///
/// Creates a region from its name (the slug is made from the name unless given) and answers 201
/// with `Location`. A slug already taken is 409. Editors and admins only (401 without a valid
/// bearer token, 403 with too low a role). A body that is not JSON is 415, malformed JSON 400,
/// a field that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "create_region", security(("bearer" = [])), tag = "taxonomy", request_body = TermWrite, responses((status = 201, description = "Created", body = Term), crate::openapi::CreateErrors))]
#[post("/regions")]
pub async fn create_region(
    state: State,
    Editor(user): Editor,
    Json(body): Json<TermWrite>,
) -> Result<HttpResponse, ApiError> {
    create(state, &user, TermKind::Region, body).await
}

/// Replace a region
///
/// Replaces the region's name and description; an absent slug keeps the current one, a slug
/// already taken is 409. Send the `ETag` of a GET in `If-Match` to refuse the change (412) if
/// someone changed the resource since. Editors and admins only (401 without a valid bearer
/// token, 403 with too low a role). A body that is not JSON is 415, malformed JSON 400, a field
/// that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "replace_region", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), request_body = TermWrite, responses((status = 200, description = "Replaced", body = Term), crate::openapi::ChangeErrors))]
#[put("/regions/{id}")]
pub async fn replace_region(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<TermWrite>,
) -> Result<HttpResponse, ApiError> {
    replace(state, &user, TermKind::Region, id.into_inner(), if_match, body).await
}

/// Change some fields of a region
///
/// Changes only the fields the body names (`null` clears an optional one). Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role). A body that is
/// not JSON is 415, malformed JSON 400, a field that fails validation 422 naming it in
/// `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "update_region", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), request_body = TermPatch, responses((status = 200, description = "Changed", body = Term), crate::openapi::ChangeErrors))]
#[patch("/regions/{id}")]
pub async fn update_region(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<TermPatch>,
) -> Result<HttpResponse, ApiError> {
    update(state, &user, TermKind::Region, id.into_inner(), if_match, patch).await
}

/// Delete a region that no news item uses
///
/// Deletes a region that no news item uses (204); one still in use is 409. Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role).
#[utoipa::path(operation_id = "delete_region", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/regions/{id}")]
pub async fn delete_region(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    remove(state, &user, TermKind::Region, id.into_inner(), if_match).await
}
