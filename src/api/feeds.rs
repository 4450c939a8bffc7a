//! Syndication: `/feeds/news.rss`, `/feeds/news.atom` and `/feeds/news.json`, with the
//! listing's filters, showing exactly what anonymous readers see.

use std::time::{Duration, SystemTime};

use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpRequest, HttpResponse, get};
use utoipa_actix_web::service_config::ServiceConfig;

use super::State;
use crate::domain::listing::FilterParams;
use crate::error::ApiError;
use crate::feeds::document::{self, FeedParams, FeedRequest, Format};

/// How long a feed may be cached: the same whatever is scheduled (a lifetime that shrank
/// toward the next scheduled item would tell anyone one is coming), so a cache may show a
/// scheduled item this late. This process's own cache ends the kept feed on time.
const MAX_AGE: i64 = 60;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(rss_feed).service(atom_feed).service(json_feed);
}

/// The latest public news as RSS 2.0
///
/// The latest public news items as RSS 2.0, newest first, with the listing's filters (`topic`,
/// `region`, `q`, dates...), summaries unless `content=full`. Always what anonymous readers
/// see. It answers 304 to `If-None-Match` and to `If-Modified-Since`; a parameter of the wrong
/// form is 400, an invalid bearer token 401.
#[utoipa::path(operation_id = "get_rss_feed", tag = "feeds", params(FilterParams, FeedParams), responses((status = 200, description = "RSS 2.0", content_type = "application/rss+xml", body = String), crate::openapi::ListErrors))]
#[get("/feeds/news.rss")]
pub async fn rss_feed(state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    feed(state, req, Format::Rss).await
}

/// The latest public news as Atom 1.0
///
/// The latest public news items as Atom 1.0, newest first, with the listing's filters (`topic`,
/// `region`, `q`, dates...), summaries unless `content=full`. Always what anonymous readers
/// see. It answers 304 to `If-None-Match` and to `If-Modified-Since`; a parameter of the wrong
/// form is 400, an invalid bearer token 401.
#[utoipa::path(operation_id = "get_atom_feed", tag = "feeds", params(FilterParams, FeedParams), responses((status = 200, description = "Atom 1.0", content_type = "application/atom+xml", body = String), crate::openapi::ListErrors))]
#[get("/feeds/news.atom")]
pub async fn atom_feed(state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    feed(state, req, Format::Atom).await
}

/// The latest public news as JSON Feed 1.1
///
/// The latest public news items as JSON Feed 1.1, newest first, with the listing's filters
/// (`topic`, `region`, `q`, dates...), summaries unless `content=full`. Always what anonymous
/// readers see. It answers 304 to `If-None-Match` and to `If-Modified-Since`; a parameter of
/// the wrong form is 400, an invalid bearer token 401.
#[utoipa::path(operation_id = "get_json_feed", tag = "feeds", params(FilterParams, FeedParams), responses((status = 200, description = "JSON Feed 1.1", content_type = "application/feed+json", body = Object), crate::openapi::ListErrors))]
#[get("/feeds/news.json")]
pub async fn json_feed(state: State, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    feed(state, req, Format::Json).await
}

async fn feed(state: State, req: HttpRequest, format: Format) -> Result<HttpResponse, ApiError> {
    let request = FeedRequest::parse(format, req.query_string(), &state.languages)?;
    let doc = document::render(&state, &request).await?;
    let last_modified =
        SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(doc.changed_at.and_utc().timestamp()).unwrap_or(0));
    Ok(HttpResponse::Ok()
        .content_type(doc.content_type)
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={MAX_AGE}")))
        .insert_header((header::LAST_MODIFIED, HttpDate::from(last_modified)))
        .insert_header((header::LINK, document::links(&state, &request.url(&state))))
        .body(doc.body))
}
