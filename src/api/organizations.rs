//! Organization profiles: `/api/v1/organizations` and each organization's own news listing.
//! Its bodies and offices are in `bodies` and `offices`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::news::list;
use super::translations::{self, ProfileParams};
use super::{State, changed, created};
use crate::auth::{Editor, Reader};
use crate::db;
use crate::domain::listing::{FilterParams, PageParams};
use crate::error::ApiError;
use crate::http::{IfMatch, Json};
use crate::service::organizations::{self, Organization, OrganizationPatch, OrganizationWrite, find};
use crate::service::translations::Localized;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_organizations)
        .service(create_organization)
        .service(get_organization)
        .service(replace_organization)
        .service(update_organization)
        .service(delete_organization)
        .service(list_organization_news);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationList {
    pub items: Vec<Organization>,
}

/// List organizations
///
/// Every organization's profile, in slug order. Anyone may call it; an invalid bearer token is
/// refused with 401. The answer carries an `ETag`: send it in `If-None-Match` to get 304 while
/// nothing changed.
#[utoipa::path(operation_id = "list_organizations", tag = "organizations", security((), ("bearer" = [])), responses((status = 200, description = "Every organization, by slug", body = OrganizationList), crate::openapi::ListErrors))]
#[get("/organizations")]
pub async fn list_organizations(state: State, _: Reader) -> Result<HttpResponse, ApiError> {
    let urls = state.media.urls.clone();
    let items = state
        .db(move |c| db::organizations::list(c)?.into_iter().map(|row| organizations::shown(c, row, &urls)).collect())
        .await?;
    Ok(HttpResponse::Ok().json(OrganizationList { items }))
}

/// Get an organization's profile
///
/// An organization's profile by slug: its names, kind, tagline, description, member count,
/// website and headquarters; in a language with `lang` or `Accept-Language` (each field says
/// in `field_languages` where it came from), or as it was with `as_of`. Its bodies and offices have routes of their own. Anyone may call
/// it; an invalid bearer token is refused with 401. The answer carries an `ETag`: send it in
/// `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "get_organization", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol"), ProfileParams), responses((status = 200, description = "The profile", body = Localized<Organization>), crate::openapi::GetErrors, crate::openapi::ListErrors))]
#[get("/organizations/{slug}")]
pub async fn get_organization(
    state: State,
    _: Reader,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    translations::profile(&state, &req, slug.into_inner()).await
}

/// Create an organization
///
/// Creates an organization's profile and answers 201 with `Location`. A slug already taken is
/// 409. Editors and admins only (401 without a valid bearer token, 403 with too low a role). A
/// body that is not JSON is 415, malformed JSON 400, a field that fails validation 422 naming
/// it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "create_organization", tag = "organizations", security(("bearer" = [])), request_body = OrganizationWrite, responses((status = 201, description = "Created", body = Organization), crate::openapi::CreateErrors))]
#[post("/organizations")]
pub async fn create_organization(
    state: State,
    Editor(user): Editor,
    Json(body): Json<OrganizationWrite>,
) -> Result<HttpResponse, ApiError> {
    let org = organizations::create(&state, &user.actor(), body).await?;
    Ok(created(state.url(&format!("/api/v1/organizations/{}", org.slug)), &org))
}

/// Replace an organization's profile
///
/// Replaces every field of a profile; a field left out takes its default. The previous version
/// is kept as a revision. Send the `ETag` of a GET in `If-Match` to refuse the change (412) if
/// someone changed the resource since. Editors and admins only (401 without a valid bearer
/// token, 403 with too low a role). A body that is not JSON is 415, malformed JSON 400, a field
/// that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "replace_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), IfMatch), request_body = OrganizationWrite, responses((status = 200, description = "Replaced", body = Organization), crate::openapi::ChangeErrors))]
#[put("/organizations/{slug}")]
pub async fn replace_organization(
    state: State,
    Editor(user): Editor,
    slug: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<OrganizationWrite>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let org = organizations::replace(&state, &user.actor(), slug, body, move |current| if_match.check(current)).await?;
    Ok(changed(&org))
}

/// Change some fields of an organization's profile
///
/// Changes only the fields the body names (`null` clears an optional one); the previous version
/// is kept as a revision. Send the `ETag` of a GET in `If-Match` to refuse the change (412) if
/// someone changed the resource since. Editors and admins only (401 without a valid bearer
/// token, 403 with too low a role). A body that is not JSON is 415, malformed JSON 400, a field
/// that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "update_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), IfMatch), request_body = OrganizationPatch, responses((status = 200, description = "Changed", body = Organization), crate::openapi::ChangeErrors))]
#[patch("/organizations/{slug}")]
pub async fn update_organization(
    state: State,
    Editor(user): Editor,
    slug: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<OrganizationPatch>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let org = organizations::update(&state, &user.actor(), slug, patch, move |current| if_match.check(current)).await?;
    Ok(changed(&org))
}

/// Delete an organization that has no news items, with its bodies and offices
///
/// Deletes an organization with its bodies, offices and revisions (204); one that news items
/// still name is 409. Send the `ETag` of a GET in `If-Match` to refuse the change (412) if
/// someone changed the resource since. Editors and admins only (401 without a valid bearer
/// token, 403 with too low a role).
#[utoipa::path(operation_id = "delete_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/organizations/{slug}")]
pub async fn delete_organization(
    state: State,
    Editor(user): Editor,
    slug: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    organizations::delete(&state, &user.actor(), slug.into_inner(), move |current| if_match.check(current)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List an organization's news items, with every parameter of the news listing
///
/// The news listing narrowed to this organization's items: every parameter, answer and error of
/// `GET /api/v1/news`, and 404 for an unknown organization. Anyone may call it; a valid bearer
/// token also shows drafts and scheduled items (answered `private`), and an invalid one is
/// refused with 401. The answer carries an `ETag`: send it in `If-None-Match` to get 304 while
/// nothing changed.
#[utoipa::path(operation_id = "list_organization_news", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol"), FilterParams, PageParams), responses((status = 200, description = "One page of the organization's items", body = super::news::NewsList), crate::openapi::GetErrors, crate::openapi::ListErrors))]
#[get("/organizations/{slug}/news")]
pub async fn list_organization_news(
    state: State,
    reader: Reader,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = state.db(move |c| Ok(find(c, &slug)?.id)).await?;
    list(state, reader, req, Some(id)).await
}
