//! Preview links: an editor makes a signed link to one news item (a draft, say) for someone
//! without an account; the link reads that item's current state until it expires, and
//! nothing else. It works on no other route, and stops when the item is trashed or purged.

use std::time::Duration;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::news::parse_key;
use super::{State, created};
use crate::auth::Editor;
use crate::auth::token::Keys;
use crate::domain::dates;
use crate::domain::news::NewsItem;
use crate::domain::news::Visibility;
use crate::domain::params::{self, bounded, once, parsed};
use crate::domain::slug::Key;
use crate::error::ApiError;
use crate::service::news::{self, find};

/// How long a link works unless told otherwise, and at most.
const DEFAULT_TTL: u64 = 3600;
const MAX_TTL: u64 = 7 * 24 * 3600;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_preview).service(get_preview);
}

/// A preview link.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"url": "https://news.example.org/api/v1/preview/eyJhbGciOiJIUzI1NiJ9...", "expires_at": "2026-12-05T11:00:00Z"}))]
pub struct Preview {
    /// Reads the item as it is now, without credentials, until `expires_at`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// How long the link works.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// Seconds the link works (default 3600, at most 604800: 7 days).
    #[param(value_type = Option<u32>, minimum = 60, maximum = 604800)]
    #[serde(default, deserialize_with = "once")]
    expires_in: Option<String>,
}

/// Make a preview link to a news item
///
/// Answers 201 with a signed link that reads this one item (a draft or a scheduled item
/// included) as it is when read, without credentials, until it expires (default 1 h, at most
/// 7 days). Making one is recorded in the audit trail. Editors and admins only (401 without a
/// valid bearer token, 403 with too low a role).
#[utoipa::path(
    operation_id = "create_preview", security(("bearer" = [])), tag = "news",
    params(("id" = String, Path, description = "Id or slug"), PreviewParams),
    responses((status = 201, description = "The link", body = Preview), crate::openapi::ChangeErrors)
)]
#[post("/news/{id}/preview")]
pub async fn create_preview(
    state: State,
    keys: web::Data<Keys>,
    Editor(user): Editor,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let p = params::read::<PreviewParams>(req.query_string())?;
    let seconds = parsed("expires_in", p.expires_in.as_deref(), |s| bounded(s, 60, MAX_TTL))?.unwrap_or(DEFAULT_TTL);
    let key = parse_key(&id)?;
    let id = news::preview(&state, &user.actor(), key).await?;
    let ttl = Duration::from_secs(seconds);
    let token = keys.issue_preview(id, ttl).map_err(ApiError::internal)?;
    let url = state.url(&format!("/api/v1/preview/{token}"));
    let expires_at = dates::now() + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
    Ok(created(url.clone(), &Preview { url, expires_at }))
}

/// Read a news item through a preview link
///
/// The item the link names, as it is now (a draft or a scheduled item included), never kept by
/// caches (`no-store`) nor indexed (`X-Robots-Tag: noindex`). A link that is expired, forged or
/// not a preview link is 401; an item trashed or purged since is 404.
#[utoipa::path(
    operation_id = "get_preview", security(()), tag = "news",
    params(("token" = String, Path, description = "The token of a preview link")),
    responses((status = 200, description = "The item", body = NewsItem), crate::openapi::GetErrors)
)]
#[get("/preview/{token}")]
pub async fn get_preview(
    state: State,
    keys: web::Data<Keys>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = keys.verify_preview(&token).ok_or_else(|| ApiError::Unauthorized {
        detail: "this preview link is not valid or has expired; ask for a new one".into(),
        invalid_token: true,
    })?;
    let urls = state.media.urls.clone();
    let view = state.db(move |c| find(c, &urls, &Key::Id(id), Visibility::Everything)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((HeaderName::from_static("x-robots-tag"), HeaderValue::from_static("noindex")))
        .json(view.item()))
}
