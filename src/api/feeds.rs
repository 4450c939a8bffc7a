//! Syndication: `/feeds/news.rss`, `/feeds/news.atom` and `/feeds/news.json`, with the
//! listing's filters, showing exactly what anonymous readers see.

use std::time::{Duration, SystemTime};

use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, utc};
use crate::db;
use crate::db::news::NewsView;
use crate::domain::dates;
use crate::domain::listing::{FilterParams, NewsFilter, NewsQuery, Order, Paging, SortKey};
use crate::domain::news::Visibility;
use crate::domain::params::{self, bounded, once};
use crate::error::ApiError;
use crate::feeds::{self, Entry, Feed, markdown};

/// How long a feed may be cached: the same whatever is scheduled (a lifetime that shrank
/// toward the next scheduled item would tell anyone one is coming), so a cache may show a
/// scheduled item this late. This process's own cache ends the kept feed on time.
const MAX_AGE: i64 = 60;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(rss_feed).service(atom_feed).service(json_feed);
}

/// Size and content of a feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Entries in the feed, newest first.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 50, example = 50)]
    #[serde(default, deserialize_with = "once")]
    limit: Option<String>,
    /// `summary` (default) or `full`: the body rendered from markdown to safe HTML.
    #[param(example = "summary", default = "summary", pattern = r"^(summary|full)$")]
    #[serde(default, deserialize_with = "once")]
    content: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
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
    let (filter, shape) = params::read_both::<FilterParams, FeedParams>(req.query_string())?;
    let filter = NewsFilter::new(&filter)?;
    let limit = params::parsed("limit", shape.limit.as_deref(), |s| bounded(s, 1, 100))?.unwrap_or(50);
    let full = params::parsed("content", shape.content.as_deref(), |s| match s {
        "summary" => Ok(false),
        "full" => Ok(true),
        _ => Err("expected summary or full".to_owned()),
    })?
    .unwrap_or(false);

    let now = dates::now();
    let query = NewsQuery {
        filter,
        order: Order::By { key: SortKey::PublishedAt, descending: true },
        limit,
        paging: Paging::Offset(0),
        page: None,
        fields: None,
    };
    let (items, organization, news_changed_at) = state
        .db(move |c| {
            let (items, _) = db::news::page(c, &query, Visibility::Public, now)?;
            Ok((items, db::organizations::first(c)?, db::news::public_changed_at(c, now)?))
        })
        .await?;
    // Dated by what anonymous readers see (the news and the profile that names the feed),
    // never by hidden work such as a draft saved.
    let changed_at = news_changed_at.max(organization.as_ref().map(|o| o.updated_at)).unwrap_or_default();

    let name = organization.as_ref().map_or("newsdesk", |o| o.name.as_str());
    let self_url = match req.query_string() {
        "" => state.url(req.path()),
        query => state.url(&format!("{}?{query}", req.path())),
    };
    let entries: Vec<Entry> = items.into_iter().map(|view| entry(&state, view, full)).collect();
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(utc(changed_at));
    let feed = Feed {
        title: format!("{name} news"),
        description: organization
            .as_ref()
            .map(|o| o.tagline.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("The latest news from {name}")),
        author: name.to_owned(),
        self_url,
        home_url: state.url("/api/v1/news"),
        updated,
        entries,
    };
    let (body, content_type) = match format {
        Format::Rss => (feeds::rss(&feed), feeds::RSS_TYPE),
        Format::Atom => (feeds::atom(&feed), feeds::ATOM_TYPE),
        Format::Json => (feeds::json(&feed), feeds::JSON_FEED_TYPE),
    };

    let last_modified =
        SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(changed_at.and_utc().timestamp()).unwrap_or(0));
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={MAX_AGE}")))
        .insert_header((header::LAST_MODIFIED, HttpDate::from(last_modified)))
        .body(body))
}

/// A feed entry for an item: stable id by number, link by slug, categories from topics,
/// regions and tags.
fn entry(state: &State, view: NewsView, full: bool) -> Entry {
    let row = &view.row;
    let mut categories = Vec::new();
    if let Some(topic) = &view.topic {
        categories.push((state.url("/api/v1/topics"), topic.clone()));
    }
    if let Some(region) = &view.region {
        categories.push((state.url("/api/v1/regions"), region.clone()));
    }
    categories.extend(view.tags.iter().map(|tag| (state.url("/api/v1/news"), tag.clone())));
    Entry {
        id: state.url(&format!("/api/v1/news/{}", row.id)),
        url: state.url(&format!("/api/v1/news/{}", row.slug)),
        title: row.title.clone(),
        summary: row.summary.clone(),
        content_html: full.then(|| markdown::to_safe_html(&row.body)),
        published: row.published_at.map_or(utc(row.created_at), utc),
        updated: utc(row.updated_at),
        author: view.author.as_ref().map(|a| a.name.clone()),
        categories,
    }
}
