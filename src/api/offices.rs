//! An organization's offices: `/api/v1/organizations/{slug}/offices`.

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
use crate::service::offices::{Office, OfficePatch, OfficeWrite};
use crate::service::parts;
use crate::service::translations::Localized;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_offices)
        .service(create_office)
        .service(get_office)
        .service(replace_office)
        .service(update_office)
        .service(delete_office);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeList {
    #[schema(value_type = Vec<Localized<Office>>)]
    pub items: Vec<Value>,
}

/// List an organization's offices
///
/// Every office of the organization (headquarters, regional and liaison offices, with their
/// cities), in their display order; 404 for an unknown organization. Anyone may call it; an
/// invalid bearer token is refused with 401. The answer carries an `ETag`: send it in
/// `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "list_offices", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol"), ProfileParams), responses((status = 200, description = "The offices, by sort order", body = OfficeList), crate::openapi::GetErrors, crate::openapi::ListErrors))]
#[get("/organizations/{slug}/offices")]
pub async fn list_offices(
    state: State,
    _: Reader,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (items, mut answer) = translations::parts::<Office>(&state, &req, slug.into_inner()).await?;
    Ok(answer.json(OfficeList { items }))
}

/// Get one office of an organization
///
/// One office of the organization by numeric id; 404 if the organization has none such. Anyone
/// may call it; an invalid bearer token is refused with 401. The answer carries an `ETag`: send
/// it in `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "get_office", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), ProfileParams), responses((status = 200, description = "The office", body = Localized<Office>), crate::openapi::GetErrors, crate::openapi::ListErrors))]
#[get("/organizations/{slug}/offices/{id}")]
pub async fn get_office(
    state: State,
    _: Reader,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    translations::part::<Office>(&state, &req, path.into_inner()).await
}

/// Add an office to an organization
///
/// Adds a office to the organization and answers 201 with `Location`; 404 for an unknown
/// organization. Editors and admins only (401 without a valid bearer token, 403 with too low a
/// role). A body that is not JSON is 415, malformed JSON 400, a field that fails validation 422
/// naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "create_office", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path)), request_body = OfficeWrite, responses((status = 201, description = "Created", body = Office), crate::openapi::ChangeErrors))]
#[post("/organizations/{slug}/offices")]
pub async fn create_office(
    state: State,
    Editor(user): Editor,
    slug: web::Path<String>,
    Json(write): Json<OfficeWrite>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let part = parts::create::<Office>(&state, &user.actor(), slug.clone(), write).await?;
    Ok(created(state.url(&format!("/api/v1/organizations/{slug}/offices/{}", part.id)), &part))
}

/// Replace an office of an organization
///
/// Replaces every field of a office; a field left out takes its default. Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role). A body that is
/// not JSON is 415, malformed JSON 400, a field that fails validation 422 naming it in
/// `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "replace_office", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), request_body = OfficeWrite, responses((status = 200, description = "Replaced", body = Office), crate::openapi::ChangeErrors))]
#[put("/organizations/{slug}/offices/{id}")]
pub async fn replace_office(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    Json(write): Json<OfficeWrite>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let saved =
        parts::replace::<Office>(&state, &user.actor(), slug, id, write, move |current| if_match.check(current))
            .await?;
    Ok(changed(&saved))
}

/// Change some fields of an office of an organization
///
/// Changes only the fields the body names (`null` clears an optional one). Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role). A body that is
/// not JSON is 415, malformed JSON 400, a field that fails validation 422 naming it in
/// `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "update_office", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), request_body = OfficePatch, responses((status = 200, description = "Changed", body = Office), crate::openapi::ChangeErrors))]
#[patch("/organizations/{slug}/offices/{id}")]
pub async fn update_office(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    Json(patch): Json<OfficePatch>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let saved =
        parts::update::<Office>(&state, &user.actor(), slug, id, patch, move |current| if_match.check(current)).await?;
    Ok(changed(&saved))
}

/// Delete an office of an organization
///
/// Deletes a office of the organization (204). Send the `ETag` of a GET in `If-Match` to refuse
/// the change (412) if someone changed the resource since. Editors and admins only (401 without
/// a valid bearer token, 403 with too low a role).
#[utoipa::path(operation_id = "delete_office", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/organizations/{slug}/offices/{id}")]
pub async fn delete_office(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    parts::delete::<Office>(&state, &user.actor(), slug, id, move |current| if_match.check(current)).await?;
    Ok(HttpResponse::NoContent().finish())
}
