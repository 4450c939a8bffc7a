//! An organization's governing and working bodies: `/api/v1/organizations/{slug}/bodies`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::translations::{self, ProfileParams};
use super::{State, changed, created};
use crate::auth::{Editor, Reader};
use crate::error::ApiError;
use crate::http::{IfMatch, Json};
use crate::service::bodies::{Body, BodyPatch, BodyWrite};
use crate::service::parts;
use crate::service::translations::Localized;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_bodies)
        .service(create_body)
        .service(get_body)
        .service(replace_body)
        .service(update_body)
        .service(delete_body);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BodyList {
    #[schema(value_type = Vec<Localized<Body>>)]
    pub items: Vec<Value>,
}

/// List an organization's bodies
///
/// Every body of the organization (its governing and working bodies, such as a General
/// Assembly), in their display order; 404 for an unknown organization. Anyone may call it; an
/// invalid bearer token is refused with 401. The answer carries an `ETag`: send it in
/// `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "list_bodies", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol"), ProfileParams), responses((status = 200, description = "The bodies, by sort order", body = BodyList), crate::openapi::GetErrors, crate::openapi::ListErrors))]
#[get("/organizations/{slug}/bodies")]
pub async fn list_bodies(
    state: State,
    _: Reader,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (items, mut answer) = translations::parts::<Body>(&state, &req, slug.into_inner()).await?;
    Ok(answer.json(BodyList { items }))
}

/// Get one body of an organization
///
/// One body of the organization by numeric id; 404 if the organization has none such. Anyone
/// may call it; an invalid bearer token is refused with 401. The answer carries an `ETag`: send
/// it in `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "get_body", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ProfileParams), responses((status = 200, description = "The body", body = Localized<Body>), crate::openapi::GetErrors, crate::openapi::ListErrors))]
#[get("/organizations/{slug}/bodies/{id}")]
pub async fn get_body(
    state: State,
    _: Reader,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    translations::part::<Body>(&state, &req, path.into_inner()).await
}

/// Add a body to an organization
///
/// Adds a body to the organization and answers 201 with `Location`; 404 for an unknown
/// organization. Editors and admins only (401 without a valid bearer token, 403 with too low a
/// role). A body that is not JSON is 415, malformed JSON 400, a field that fails validation 422
/// naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "create_body", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path)), request_body = BodyWrite, responses((status = 201, description = "Created", body = Body), crate::openapi::ChangeErrors))]
#[post("/organizations/{slug}/bodies")]
pub async fn create_body(
    state: State,
    Editor(user): Editor,
    slug: web::Path<String>,
    Json(write): Json<BodyWrite>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let part = parts::create::<Body>(&state, &user.actor(), slug.clone(), write).await?;
    Ok(created(state.url(&format!("/api/v1/organizations/{slug}/bodies/{}", part.id)), &part))
}

/// Replace a body of an organization
///
/// Replaces every field of a body; a field left out takes its default. Send the `ETag` of a GET
/// in `If-Match` to refuse the change (412) if someone changed the resource since. Editors and
/// admins only (401 without a valid bearer token, 403 with too low a role). A body that is not
/// JSON is 415, malformed JSON 400, a field that fails validation 422 naming it in `errors`; a
/// body over 1 MiB is 413.
#[utoipa::path(operation_id = "replace_body", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), request_body = BodyWrite, responses((status = 200, description = "Replaced", body = Body), crate::openapi::ChangeErrors))]
#[put("/organizations/{slug}/bodies/{id}")]
pub async fn replace_body(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    Json(write): Json<BodyWrite>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let saved =
        parts::replace::<Body>(&state, &user.actor(), slug, id, write, move |current| if_match.check(current)).await?;
    Ok(changed(&saved))
}

/// Change some fields of a body of an organization
///
/// Changes only the fields the body names (`null` clears an optional one). Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role). A body that is
/// not JSON is 415, malformed JSON 400, a field that fails validation 422 naming it in
/// `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "update_body", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), request_body = BodyPatch, responses((status = 200, description = "Changed", body = Body), crate::openapi::ChangeErrors))]
#[patch("/organizations/{slug}/bodies/{id}")]
pub async fn update_body(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    Json(patch): Json<BodyPatch>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let saved =
        parts::update::<Body>(&state, &user.actor(), slug, id, patch, move |current| if_match.check(current)).await?;
    Ok(changed(&saved))
}

/// Delete a body of an organization
///
/// Deletes a body of the organization (204). Send the `ETag` of a GET in `If-Match` to refuse
/// the change (412) if someone changed the resource since. Editors and admins only (401 without
/// a valid bearer token, 403 with too low a role).
#[utoipa::path(operation_id = "delete_body", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/organizations/{slug}/bodies/{id}")]
pub async fn delete_body(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    parts::delete::<Body>(&state, &user.actor(), slug, id, move |current| if_match.check(current)).await?;
    Ok(HttpResponse::NoContent().finish())
}
