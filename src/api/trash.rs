//! The trash: `/api/v1/trash`. Deleted news items wait here, invisible to every listing,
//! until an editor restores them, an admin purges them, or the retention period ends.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, utc};
use crate::auth::{Admin, Editor};
use crate::db;
use crate::db::news::NewsView;
use crate::domain::listing::{OffsetParams, Page};
use crate::domain::news::NewsItem;
use crate::domain::params;
use crate::error::ApiError;
use crate::service::trash;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_trash).service(restore_trashed).service(purge_trashed);
}

/// A news item in the trash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashedItem {
    /// The item as it was when deleted (restoring brings it back unchanged).
    pub item: NewsItem,
    pub deleted_at: DateTime<Utc>,
    /// Who deleted it.
    pub deleted_by: Option<String>,
    /// When it is purged unless restored first; `null` when the trash is kept until purged by hand.
    pub purge_after: Option<DateTime<Utc>>,
}

/// One page of the trash, most recently deleted first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashList {
    pub items: Vec<TrashedItem>,
    /// Items in the trash, over all pages.
    pub total: i64,
    pub limit: u64,
    pub page: u64,
}

fn trashed_item(state: &State, view: NewsView) -> TrashedItem {
    let deleted_at = utc(view.row.deleted_at.unwrap_or_default());
    TrashedItem {
        deleted_by: view.row.deleted_by.clone(),
        purge_after: state.trash_retention.map(|retention| deleted_at + retention),
        deleted_at,
        item: view.item(),
    }
}

/// List the news items in the trash
///
/// One page of the deleted news items, most recently deleted first, each with who deleted it
/// and when it will be purged. Editors and admins only (401 without a valid bearer token, 403
/// with too low a role). The answer carries an `ETag`: send it in `If-None-Match` to get 304
/// while nothing changed.
#[utoipa::path(
    operation_id = "list_trash", security(("bearer" = [])), tag = "trash", params(OffsetParams),
    responses((status = 200, description = "One page of the trash", body = TrashList), crate::openapi::ListErrors, crate::openapi::AdminReadErrors)
)]
#[get("/trash")]
pub async fn list_trash(state: State, _: Editor, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let page = Page::new(&params::read(req.query_string())?)?;
    let urls = state.media.urls.clone();
    let (views, total) = state.db(move |c| Ok(db::news::trashed(c, &urls, page.size(), page.offset())?)).await?;
    let items = views.into_iter().map(|view| trashed_item(&state, view)).collect();
    Ok(HttpResponse::Ok().json(TrashList { items, total, limit: page.limit, page: page.page }))
}

/// Bring a news item back from the trash, unchanged
///
/// Brings a trashed item back exactly as it was and answers it; 404 for an item that is not in
/// the trash (its slug stayed reserved while it was there). Editors and admins only (401
/// without a valid bearer token, 403 with too low a role).
#[utoipa::path(
    operation_id = "restore_trashed", security(("bearer" = [])), tag = "trash",
    params(("id" = i64, Path, description = "Id of the trashed item")),
    responses((status = 200, description = "The item, back where it was", body = NewsItem), crate::openapi::ActionErrors)
)]
#[post("/trash/{id}/restore")]
pub async fn restore_trashed(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(changed(&trash::restore(&state, &user.actor(), id.into_inner()).await?))
}

/// Purge a news item from the trash, with its revisions, for good
///
/// Deletes a trashed item for good, with its revisions (204); its slug is free again and
/// mirrors learn of it through the changes feed. 404 for an item that is not in the trash.
/// Admins only (401 without a valid bearer token, 403 for editors).
#[utoipa::path(
    operation_id = "purge_trashed", security(("bearer" = [])), tag = "trash",
    params(("id" = i64, Path, description = "Id of the trashed item")),
    responses((status = 204, description = "Purged; its slug is free again"), crate::openapi::ActionErrors)
)]
#[delete("/trash/{id}")]
pub async fn purge_trashed(state: State, Admin(user): Admin, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    trash::purge(&state, &user.actor(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
