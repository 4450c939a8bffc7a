//! News items: `/api/v1/news` (listing, archive counts, CRUD).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{State, changed, created};
use crate::auth::{NewsWriter, Reader};
use crate::db;
use crate::domain::dates::{self, Granularity};
use crate::domain::ids::{NewsId, OrganizationId};
use crate::domain::listing::{FilterParams, NewsQuery, PageParams, Paging};
use crate::domain::news::NewsItem;
use crate::domain::news::{RESERVED_SLUGS, Visibility};
use crate::domain::params::{self, once};
use crate::domain::slug::Key;
use crate::error::ApiError;
use crate::http::{IfMatch, Json, language};
use crate::service::news::{self, NewsPatch, NewsWrite, find};

/// One page of a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewsList {
    /// Whole items, or with `fields` only the fields it names.
    #[schema(schema_with = listed_items)]
    pub items: Vec<Listed>,
    /// Items matching the filters, over all pages.
    pub total: i64,
    pub limit: u64,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The schema of listed items: whole, or trimmed to the requested `fields`.
fn listed_items() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::Ref;
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder};
    let item =
        AnyOfBuilder::new().item(Ref::from_schema_name("NewsItem")).item(Ref::from_schema_name("NewsItemFields"));
    ArrayBuilder::new().items(item).build()
}

/// The schema of a listed item trimmed by `fields`: the item's own, with only the fields
/// asked for present (built as JSON, so derived from `NewsItem` rather than declared again).
pub fn trimmed_item_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::PartialSchema;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;
    let mut schema = NewsItem::schema();
    if let RefOr::T(Schema::Object(item)) = &mut schema {
        item.required.clear();
        item.description = Some("A listed item trimmed by `fields`: only the fields asked for are present.".into());
        item.example = None;
    }
    schema
}

/// Item counts per period, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"periods": [{"period": "2023-07", "count": 3}, {"period": "2023-06", "count": 9}]}))]
pub struct Archive {
    pub periods: Vec<PeriodCount>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodCount {
    /// `2023`, `2023-06` or `2023-06-09`, in the requested `tz`.
    pub period: String,
    pub count: u64,
}

/// Grouping of the archive.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArchiveParams {
    /// `year`, `month` (default) or `day`.
    #[param(example = "month", default = "month", pattern = r"^(year|month|day)$")]
    #[serde(default, deserialize_with = "once")]
    granularity: Option<String>,
}

/// List news items, newest first, filtered by date and taxonomy
///
/// One page of news items, newest first unless `sort` says otherwise, with `total` and
/// `next_cursor`; `Link: rel="next"` points to the next page and `rel="alternate"` to the
/// matching feeds. Dates (`on`, `from`, `to`) are read in `tz`; filters take comma lists; `q`
/// searches title, summary and body (best match first). `lang` (or else `Accept-Language`)
/// shows each story once, in the best language it has (`fallback=none`: only those asked for),
/// said in `Content-Language`. A parameter of the wrong form is 400 naming it. Anyone may call it; a valid bearer token also shows drafts and scheduled items
/// (answered `private`), and an invalid one is refused with 401. The answer carries an `ETag`:
/// send it in `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(
    operation_id = "list_news", security((), ("bearer" = [])), tag = "news",
    params(FilterParams, PageParams),
    responses(
        (status = 200, description = "One page of items; `Link: rel=\"next\"` when there is another", body = NewsList),
        crate::openapi::ListErrors,
    )
)]
#[get("/news")]
pub async fn list_news(state: State, reader: Reader, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    list(state, reader, req, None).await
}

/// A page of the listing, of one organization's items or of all.
pub async fn list(
    state: State,
    reader: Reader,
    req: HttpRequest,
    organization: Option<OrganizationId>,
) -> Result<HttpResponse, ApiError> {
    let (filter, paging) = params::read_both::<FilterParams, PageParams>(req.query_string())?;
    let mut query = NewsQuery::new(language::negotiated_filter(&state, &req, &filter)?, &paging)?;
    query.filter.organization = organization;
    let page = page_with_total(&state, &query, reader.visibility).await?;

    let offset = match query.paging {
        Paging::Offset(offset) => offset,
        Paging::After { .. } => 0,
    };
    let next_cursor = page.items.last().filter(|_| page.has_more).map(|last| {
        let value = db::news::sort_value(&last.row, query.order);
        query.next_cursor((value, last.row.id), offset + page.items.len() as u64).encode()
    });
    let mut res = HttpResponse::Ok();
    language::declare_filter(&mut res, &query.filter);
    if let Some(cursor) = &next_cursor {
        let next = match query.page {
            Some(page) => ("page", (page + 1).to_string()),
            None => ("cursor", cursor.clone()),
        };
        res.insert_header((header::LINK, format!("<{}>; rel=\"next\"", next_link(&state, &req, next))));
    }
    if organization.is_none() {
        for (format, media_type) in
            [("atom", "application/atom+xml"), ("rss", "application/rss+xml"), ("json", "application/feed+json")]
        {
            let link = format!("<{}>; rel=\"alternate\"; type=\"{media_type}\"", feed_link(&state, &req, format));
            res.append_header((header::LINK, link));
        }
    }
    let items = page.items.into_iter().map(|view| project(view.item(), query.fields.as_deref())).collect();
    Ok(res.json(NewsList { items, total: page.total, limit: query.limit, next_cursor }))
}

/// A page of the listing. An anonymous listing's total comes from `state.totals` when the
/// content has not changed since it was counted; a new count is kept there until the next
/// scheduled publication. Editors' totals are counted each time: a draft's write leaves the
/// content version as it was.
async fn page_with_total(state: &State, query: &NewsQuery, visibility: Visibility) -> Result<db::news::Page, ApiError> {
    let Some(totals) = state.totals.clone().filter(|_| visibility == Visibility::Public) else {
        let (run, urls, index) = (query.clone(), state.media.urls.clone(), state.search.clone());
        return state
            .db(move |c| Ok(db::news::list(c, &urls, index.as_deref(), &run, visibility, dates::now(), None)?))
            .await;
    };
    let version = state.content_version().await?;
    let known = totals.get(visibility, &query.filter, version);
    let (run, urls, index) = (query.clone(), state.media.urls.clone(), state.search.clone());
    let (page, next_publication) = state
        .db(move |c| {
            let now = dates::now();
            // Read first: a publication between the two reads ends the kept total at once.
            let next = match (known, visibility) {
                (None, Visibility::Public) => db::news::next_publication(c, now)?
                    .map(|at| std::time::Instant::now() + (at.and_utc() - now).to_std().unwrap_or_default()),
                _ => None,
            };
            Ok((db::news::list(c, &urls, index.as_deref(), &run, visibility, now, known)?, next))
        })
        .await?;
    if known.is_none() {
        totals.keep(visibility, query.filter.clone(), version, page.total, next_publication);
    }
    Ok(page)
}

/// The request's URL with `cursor`/`page` replaced by the next page's.
fn next_link(state: &State, req: &HttpRequest, next: (&str, String)) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if key != "cursor" && key != "page" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair(next.0, &next.1);
    state.url(&format!("{}?{}", req.path(), query.finish()))
}

/// The feed of the same items: the request's filters, without its paging and shaping.
fn feed_link(state: &State, req: &HttpRequest, format: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if !matches!(&*key, "sort" | "limit" | "cursor" | "page" | "fields") {
            query.append_pair(&key, &value);
        }
    }
    let query = query.finish();
    let separator = if query.is_empty() { "" } else { "?" };
    state.url(&format!("/feeds/news.{format}{separator}{query}"))
}

/// An item of a listing: whole, or only the requested fields.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Listed {
    Whole(Box<NewsItem>),
    Fields(serde_json::Value),
}

/// Keeps only the requested fields of an item. A whole item is written as it is: through a
/// JSON value it took an allocation per field, most of a listing's time once items have images.
fn project(item: NewsItem, fields: Option<&[String]>) -> Listed {
    let Some(fields) = fields else { return Listed::Whole(Box::new(item)) };
    let mut value = serde_json::to_value(item).unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut value {
        map.retain(|key, _| fields.iter().any(|f| f == key));
    }
    Listed::Fields(value)
}

/// Count news items per year, month or day
///
/// How many items each year, month or day holds, newest first, read in `tz` and narrowed by the
/// listing's filters. Searches and archive counts spend from a smaller per-address budget (429
/// past it). Anyone may call it; a valid bearer token also shows drafts and scheduled items
/// (answered `private`), and an invalid one is refused with 401. The answer carries an `ETag`:
/// send it in `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(
    operation_id = "list_news_archive", security((), ("bearer" = [])), tag = "news",
    params(FilterParams, ArchiveParams),
    responses(
        (status = 200, description = "Counts per period, newest first", body = Archive),
        crate::openapi::ListErrors,
    )
)]
#[get("/news/archive")]
pub async fn news_archive(state: State, reader: Reader, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (filter, archive) = params::read_both::<FilterParams, ArchiveParams>(req.query_string())?;
    let filter = language::negotiated_filter(&state, &req, &filter)?;
    let granularity = params::parsed("granularity", archive.granularity.as_deref(), Granularity::parse)?
        .unwrap_or(Granularity::Month);
    let mut res = HttpResponse::Ok();
    language::declare_filter(&mut res, &filter);
    let index = state.search.clone();
    let counts = state.db(move |c| news::archive(c, index.as_deref(), &filter, granularity, reader.visibility)).await?;
    let periods = counts.into_iter().map(|(period, count)| PeriodCount { period, count }).collect();
    Ok(res.json(Archive { periods }))
}

/// Get one news item by id or slug
///
/// One news item by numeric id or slug, its language in `Content-Language` and each of its
/// translations in a `Link: rel="alternate"; hreflang` header. Drafts, scheduled and trashed
/// items are 404 to anonymous readers. Anyone may call it; a valid bearer token also shows drafts and scheduled
/// items (answered `private`), and an invalid one is refused with 401. The answer carries an
/// `ETag`: send it in `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(
    operation_id = "get_news", security((), ("bearer" = [])), tag = "news",
    params(("id" = String, Path, description = "Id or slug", example = "14-terror-suspects-arrested-in-african-operation")),
    responses(
        (status = 200, description = "The item", body = NewsItem),
        crate::openapi::GetErrors,
    )
)]
#[get("/news/{id}")]
pub async fn get_news(state: State, reader: Reader, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let key = parse_key(&id)?;
    let urls = state.media.urls.clone();
    let view = state.db(move |c| find(c, &urls, &key, reader.visibility)).await?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_LANGUAGE, view.row.lang.as_str()));
    for translation in &view.translations {
        let url = state.url(&format!("/api/v1/news/{}", translation.slug));
        res.append_header((header::LINK, format!("<{url}>; rel=\"alternate\"; hreflang=\"{}\"", translation.lang)));
    }
    Ok(res.json(view.item()))
}

/// Create a news item
///
/// Creates a news item and answers 201 with `Location` and the item. A published item needs
/// `published_at`; a future one is scheduled and appears to readers, feeds and the changes feed
/// when its time comes. A slug already taken, or a second item of one story in one language (`translation_of`), is 409; a topic, region, author or organization
/// that does not exist is 422. Editors, admins and partner keys with the `write` scope only
/// (401 without a valid bearer token, 403 with too low a role or scope). A body that is not JSON is 415, malformed JSON 400, a field that fails
/// validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(
    operation_id = "create_news", security(("bearer" = [])), tag = "news",
    request_body = NewsWrite,
    responses(
        (status = 201, description = "Created; `Location` names it", body = NewsItem),
        crate::openapi::CreateErrors,
    )
)]
#[post("/news")]
pub async fn create_news(
    state: State,
    NewsWriter(actor): NewsWriter,
    Json(body): Json<NewsWrite>,
) -> Result<HttpResponse, ApiError> {
    let item = news::create(&state, &actor, body).await?;
    Ok(created(state.url(&format!("/api/v1/news/{}", item.id)), &item))
}

/// Replace a news item
///
/// Replaces every field of a news item; a field left out takes its default. The previous
/// version is kept as a revision. Send the `ETag` of a GET in `If-Match` to refuse the change
/// (412) if someone changed the resource since. Editors, admins and partner keys with the
/// `write` scope only (401 without a valid bearer token, 403 with too low a role or scope). A body that is not JSON is 415, malformed JSON 400,
/// a field that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(
    operation_id = "replace_news", security(("bearer" = [])), tag = "news",
    params(("id" = String, Path, description = "Id or slug"), IfMatch),
    request_body = NewsWrite,
    responses(
        (status = 200, description = "Replaced", body = NewsItem),
        crate::openapi::ChangeErrors,
    )
)]
#[put("/news/{id}")]
pub async fn replace_news(
    state: State,
    NewsWriter(actor): NewsWriter,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<NewsWrite>,
) -> Result<HttpResponse, ApiError> {
    let key = parse_key(&id)?;
    let item = news::replace(&state, &actor, key, body, move |current| if_match.check(current)).await?;
    Ok(changed(&item))
}

/// Change some fields of a news item
///
/// Changes only the fields the body names (`null` clears an optional one); the previous version
/// is kept as a revision. Send the `ETag` of a GET in `If-Match` to refuse the change (412) if
/// someone changed the resource since. Editors, admins and partner keys with the `write` scope
/// only (401 without a valid bearer token, 403 with too low a role or scope). A body that is not JSON is 415, malformed JSON 400, a field
/// that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(
    operation_id = "update_news", security(("bearer" = [])), tag = "news",
    params(("id" = String, Path, description = "Id or slug"), IfMatch),
    request_body = NewsPatch,
    responses(
        (status = 200, description = "Changed", body = NewsItem),
        crate::openapi::ChangeErrors,
    )
)]
#[patch("/news/{id}")]
pub async fn update_news(
    state: State,
    NewsWriter(actor): NewsWriter,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<NewsPatch>,
) -> Result<HttpResponse, ApiError> {
    let key = parse_key(&id)?;
    let item = news::update(&state, &actor, key, patch, move |current| if_match.check(current)).await?;
    Ok(changed(&item))
}

/// Move a news item to the trash
///
/// Moves the item to the trash (204): it disappears from every listing and feed, its slug stays
/// reserved, and an editor can restore it until it is purged. Send the `ETag` of a GET in
/// `If-Match` to refuse the change (412) if someone changed the resource since. Editors, admins
/// and partner keys with the `write` scope only (401 without a valid bearer token, 403 with too
/// low a role or scope).
#[utoipa::path(
    operation_id = "delete_news", security(("bearer" = [])), tag = "news",
    params(("id" = String, Path, description = "Id or slug"), IfMatch),
    responses(
        (status = 204, description = "In the trash: gone from every listing, restorable from `/api/v1/trash` until purged"),
        crate::openapi::DeleteErrors,
    )
)]
#[delete("/news/{id}")]
pub async fn delete_news(
    state: State,
    NewsWriter(actor): NewsWriter,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let key = parse_key(&id)?;
    news::trash(&state, &actor, key, move |current| if_match.check(current)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(super) fn parse_key(segment: &str) -> Result<Key<NewsId>, ApiError> {
    if RESERVED_SLUGS.contains(&segment) {
        // `/news/archive` is a read-only resource of its own, not an item.
        return Err(ApiError::MethodNotAllowed(vec!["GET", "HEAD"]));
    }
    Key::parse(segment).ok_or_else(|| ApiError::NotFound(format!("no news item with id {segment}")))
}
