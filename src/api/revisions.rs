//! Revisions of news items and organization profiles: `/api/v1/news/{id}/revisions` and
//! `/api/v1/organizations/{slug}/revisions`, paged. Every stored version is kept (the current
//! one is the newest), or the newest `NEWSDESK_REVISIONS_KEEP`; restoring one stores it again
//! as a new revision. Editors only.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed};
use crate::auth::Editor;
use crate::domain::listing::{OffsetParams, Page};
use crate::domain::news::NewsItem;
use crate::domain::params;
use crate::error::ApiError;
use crate::http::IfMatch;
use crate::service::organizations::Organization;
use crate::service::revisions::{self, Revision};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_news_revisions)
        .service(get_news_revision)
        .service(restore_news_revision)
        .service(list_organization_revisions)
        .service(get_organization_revision)
        .service(restore_organization_revision);
}

/// One page of the versions, newest (the current one) first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    pub items: Vec<Revision>,
    /// Versions kept, over all pages.
    pub total: i64,
    pub limit: u64,
    pub page: u64,
}

/// Answers one page of revisions.
async fn list(
    state: State,
    locate: revisions::Locate,
    of: String,
    req: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = Page::new(&params::read(req.query_string())?)?;
    let (items, total) = revisions::list(&state, locate, of, page).await?;
    Ok(HttpResponse::Ok().json(RevisionList { items, total, limit: page.limit, page: page.page }))
}

/// List the revisions of a news item
///
/// One page of the stored versions of a news item, newest (the current one) first, with who
/// made each and when. Editors and admins only (401 without a valid bearer token, 403 with too
/// low a role). The answer carries an `ETag`: send it in `If-None-Match` to get 304 while
/// nothing changed.
#[utoipa::path(
    operation_id = "list_news_revisions", security(("bearer" = [])), tag = "revisions",
    params(("id" = String, Path, description = "Id or slug"), OffsetParams),
    responses((status = 200, description = "One page of the versions, newest first", body = RevisionList), crate::openapi::ListErrors, crate::openapi::AdminReadErrors)
)]
#[get("/news/{id}/revisions")]
pub async fn list_news_revisions(
    state: State,
    _: Editor,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    list(state, revisions::news_item, id.into_inner(), &req).await
}

/// Get a news item as it was at one revision
///
/// The news item exactly as it was stored at that revision; 404 for a revision that does not
/// exist or is no longer kept. Editors and admins only (401 without a valid bearer token, 403
/// with too low a role). The answer carries an `ETag`: send it in `If-None-Match` to get 304
/// while nothing changed.
#[utoipa::path(
    operation_id = "get_news_revision", security(("bearer" = [])), tag = "revisions",
    params(("id" = String, Path, description = "Id or slug"), ("revision" = i64, Path, minimum = 1)),
    responses((status = 200, description = "The item as it was", body = NewsItem), crate::openapi::AdminReadErrors)
)]
#[get("/news/{id}/revisions/{revision}")]
pub async fn get_news_revision(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let json = revisions::get(&state, revisions::news_item, id, revision).await?;
    Ok(HttpResponse::Ok().insert_header(header::ContentType::json()).body(json))
}

/// Restore a news item to one of its revisions (stored as a new revision)
///
/// Stores the item again as it was at that revision, through the same rules as any write, and
/// answers the item; the restore is itself a new revision. A revision that can no longer be
/// stored as it was (its slug taken, a topic gone) is 409. Send the `ETag` of a GET in
/// `If-Match` to refuse the change (412) if someone changed the resource since. Editors and
/// admins only (401 without a valid bearer token, 403 with too low a role).
#[utoipa::path(
    operation_id = "restore_news_revision", security(("bearer" = [])), tag = "revisions",
    params(("id" = String, Path, description = "Id or slug"), ("revision" = i64, Path, minimum = 1), IfMatch),
    responses((status = 200, description = "The item as restored", body = NewsItem), crate::openapi::ChangeErrors)
)]
#[post("/news/{id}/revisions/{revision}/restore")]
pub async fn restore_news_revision(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let item =
        revisions::restore_news(&state, &user.actor(), id, revision, move |current| if_match.check(current)).await?;
    Ok(changed(&item))
}

/// List the revisions of an organization's profile
///
/// One page of the stored versions of the profile, newest (the current one) first, with who
/// made each and when. Editors and admins only (401 without a valid bearer token, 403 with too
/// low a role). The answer carries an `ETag`: send it in `If-None-Match` to get 304 while
/// nothing changed.
#[utoipa::path(
    operation_id = "list_organization_revisions", security(("bearer" = [])), tag = "revisions",
    params(("slug" = String, Path, example = "interpol"), OffsetParams),
    responses((status = 200, description = "One page of the versions, newest first", body = RevisionList), crate::openapi::ListErrors, crate::openapi::AdminReadErrors)
)]
#[get("/organizations/{slug}/revisions")]
pub async fn list_organization_revisions(
    state: State,
    _: Editor,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    list(state, revisions::organization, slug.into_inner(), &req).await
}

/// Get an organization's profile as it was at one revision
///
/// The profile exactly as it was stored at that revision; 404 for a revision that does not
/// exist or is no longer kept. Editors and admins only (401 without a valid bearer token, 403
/// with too low a role). The answer carries an `ETag`: send it in `If-None-Match` to get 304
/// while nothing changed.
#[utoipa::path(
    operation_id = "get_organization_revision", security(("bearer" = [])), tag = "revisions",
    params(("slug" = String, Path, example = "interpol"), ("revision" = i64, Path, minimum = 1)),
    responses((status = 200, description = "The profile as it was", body = Organization), crate::openapi::AdminReadErrors)
)]
#[get("/organizations/{slug}/revisions/{revision}")]
pub async fn get_organization_revision(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, revision) = path.into_inner();
    let json = revisions::get(&state, revisions::organization, slug, revision).await?;
    Ok(HttpResponse::Ok().insert_header(header::ContentType::json()).body(json))
}

/// Restore an organization's profile to one of its revisions (stored as a new revision)
///
/// Stores the profile again as it was at that revision, through the same rules as any write;
/// the restore is itself a new revision. A revision that can no longer be stored as it was is
/// 409. Send the `ETag` of a GET in `If-Match` to refuse the change (412) if someone changed
/// the resource since. Editors and admins only (401 without a valid bearer token, 403 with too
/// low a role).
#[utoipa::path(
    operation_id = "restore_organization_revision", security(("bearer" = [])), tag = "revisions",
    params(("slug" = String, Path, example = "interpol"), ("revision" = i64, Path, minimum = 1), IfMatch),
    responses((status = 200, description = "The profile as restored", body = Organization), crate::openapi::ChangeErrors)
)]
#[post("/organizations/{slug}/revisions/{revision}/restore")]
pub async fn restore_organization_revision(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (slug, revision) = path.into_inner();
    let org =
        revisions::restore_organization(&state, &user.actor(), slug, revision, move |current| if_match.check(current))
            .await?;
    Ok(changed(&org))
}
