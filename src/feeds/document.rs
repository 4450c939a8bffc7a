//! A feed as its URL names it (format, filters, size): the feed handlers answer it, and the
//! WebSub hub pushes it again to its subscribers whenever it changes.

use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ATOM_TYPE, Entry, Feed, Image, JSON_FEED_TYPE, RSS_TYPE, markdown};
use crate::db;
use crate::db::news::NewsView;
use crate::domain::dates::{self, utc};
use crate::domain::language::Languages;
use crate::domain::listing::{FilterParams, NewsFilter, NewsQuery, Order, Paging, SortKey};
use crate::domain::media::Media;
use crate::domain::news::Visibility;
use crate::domain::params::{self, bounded, once};
use crate::error::ApiError;
use crate::state::AppState;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub const ALL: [Self; 3] = [Self::Rss, Self::Atom, Self::Json];

    /// Where the feed is served.
    pub fn path(self) -> &'static str {
        match self {
            Self::Rss => "/feeds/news.rss",
            Self::Atom => "/feeds/news.atom",
            Self::Json => "/feeds/news.json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Rss => RSS_TYPE,
            Self::Atom => ATOM_TYPE,
            Self::Json => JSON_FEED_TYPE,
        }
    }
}

/// A feed asked for, its parameters checked.
#[derive(Debug, Clone)]
pub struct FeedRequest {
    format: Format,
    query: NewsQuery,
    full: bool,
    /// As the client wrote it: part of the feed's own URL.
    query_string: String,
}

impl FeedRequest {
    /// The feed of `format` with these parameters; a parameter of the wrong form is 400. Its
    /// URL alone says what it holds (a WebSub topic is a URL): `lang` chooses its language,
    /// never a header.
    pub fn parse(format: Format, query_string: &str, site: &Languages) -> Result<Self, ApiError> {
        let (filter, shape) = params::read_both::<FilterParams, FeedParams>(query_string)?;
        let filter = NewsFilter::new(&filter, site, None)?;
        let limit = params::parsed("limit", shape.limit.as_deref(), |s| bounded(s, 1, 100))?.unwrap_or(50);
        let full = params::parsed("content", shape.content.as_deref(), |s| match s {
            "summary" => Ok(false),
            "full" => Ok(true),
            _ => Err("expected summary or full".to_owned()),
        })?
        .unwrap_or(false);
        let query = NewsQuery {
            filter,
            order: Order::By { key: SortKey::PublishedAt, descending: true },
            limit,
            paging: Paging::Offset(0),
            page: None,
            fields: None,
        };
        Ok(Self { format, query, full, query_string: query_string.to_owned() })
    }

    /// The feed an absolute URL of this service names (a WebSub topic), or why it names none.
    pub fn from_url(state: &AppState, url: &str) -> Result<Self, String> {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let format = Format::ALL
            .into_iter()
            .find(|f| path == state.url(f.path()))
            .ok_or_else(|| format!("is not a feed of this service (such as {})", state.url(Format::Rss.path())))?;
        Self::parse(format, query, &state.languages).map_err(|err| format!("names a feed with a bad parameter: {err}"))
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The feed's own URL.
    pub fn url(&self, state: &AppState) -> String {
        match self.query_string.as_str() {
            "" => state.url(self.format.path()),
            query => state.url(&format!("{}?{query}", self.format.path())),
        }
    }
}

/// The `Link` header of a feed, for WebSub discovery: the hubs that push it, and the topic
/// URL to subscribe to.
pub fn links(state: &AppState, topic: &str) -> String {
    let hubs = state.hubs().into_iter().map(|hub| format!("<{hub}>; rel=\"hub\""));
    hubs.chain(std::iter::once(format!("<{topic}>; rel=\"self\""))).collect::<Vec<_>>().join(", ")
}

/// A feed document, and when what it shows last changed.
pub struct Document {
    pub body: String,
    pub content_type: &'static str,
    pub changed_at: NaiveDateTime,
}

/// The feed as anonymous readers see it now.
pub async fn render(state: &AppState, request: &FeedRequest) -> Result<Document, ApiError> {
    let now = dates::now();
    let (query, urls, index) = (request.query.clone(), state.media.urls.clone(), state.search.clone());
    let (items, organization, news_changed_at) = state
        .db(move |c| {
            let (items, _) = db::news::page(c, &urls, index.as_deref(), &query, Visibility::Public, now)?;
            Ok((items, db::organizations::first(c)?, db::news::public_changed_at(c, now)?))
        })
        .await?;
    // Dated by what anonymous readers see (the news and the profile that names the feed),
    // never by hidden work such as a draft saved.
    let changed_at = news_changed_at.max(organization.as_ref().map(|o| o.updated_at)).unwrap_or_default();
    let name = organization.as_ref().map_or("newsdesk", |o| o.name.as_str());
    let entries: Vec<Entry> = items.into_iter().map(|view| entry(state, view, request.full)).collect();
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(utc(changed_at));
    let feed = Feed {
        title: format!("{name} news"),
        description: organization
            .as_ref()
            .map(|o| o.tagline.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("The latest news from {name}")),
        author: name.to_owned(),
        self_url: request.url(state),
        hubs: state.hubs(),
        home_url: state.url("/api/v1/news"),
        updated,
        language: match (&request.query.filter.languages, state.languages.all()) {
            (Some(choice), _) => choice.best().map(str::to_owned),
            (None, [only]) => Some(only.clone()),
            (None, _) => None,
        },
        entries,
    };
    let body = match request.format {
        Format::Rss => super::rss(&feed),
        Format::Atom => super::atom(&feed),
        Format::Json => super::json(&feed),
    };
    Ok(Document { body, content_type: request.format.content_type(), changed_at })
}

/// A feed entry for an item: stable id by number, link by slug, categories from topics,
/// regions and tags.
fn entry(state: &AppState, view: NewsView, full: bool) -> Entry {
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
        language: row.lang.clone(),
        image: view.image.as_deref().map(feed_image),
    }
}

/// The file of an image that feeds carry: the widest variant up to `FEED_WIDTH` in the image's
/// own format (JPEG or PNG, which every reader shows, unlike WebP), or the image itself.
fn feed_image(media: &Media) -> Image {
    const FEED_WIDTH: i64 = 1280;
    let variant =
        media.variants.iter().filter(|v| v.kind == media.kind && v.width <= FEED_WIDTH).max_by_key(|v| v.width);
    let (url, bytes, width, height) = match variant {
        Some(v) => (v.url.clone(), v.bytes, v.width, v.height),
        None => (media.url.clone(), media.bytes, media.width, media.height),
    };
    Image { url, mime: media.kind.clone(), bytes: bytes.unsigned_abs(), width, height, alt: media.alt.clone() }
}
