//! News items: the representation clients see, and the rules of a write (references
//! resolved, a unique slug, the revision kept), run inside the write transaction.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use chrono::DateTime;
use diesel::{Connection, OptionalExtension};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::news::{NewsForm, NewsView, References};
use crate::db::revisions::{self, Entity, Origin};
use crate::db::terms::TermKind;
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Entry, Resource, Verb};
use crate::domain::dates::{self, Granularity, Instant, utc};
use crate::domain::ids::{AuthorId, MediaId, NewsId, TermId};
use crate::domain::language::Languages;
use crate::domain::listing::NewsFilter;
use crate::domain::news::{Link, MAX_TAGS, NewsDraft, NewsItem, NewsStatus, RESERVED_SLUGS, Visibility};
use crate::domain::patch::{not_null, nullable};
use crate::domain::slug::{Key, Slug};
use crate::domain::text::{Article, Summary, Tag, Title};
use crate::domain::words;
use crate::error::{ApiError, FieldError, Fields};
use crate::media::MediaUrls;
use crate::search::SearchIndex;
use crate::state::AppState;

/// A complete item to create (POST) or to replace one with (PUT). Server-owned fields
/// (`id`, `reading_time_seconds`, `created_at`, `updated_at`) are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "14 terror suspects arrested in African operation", "summary": "...",
    "body": "Markdown text", "topic": "terrorism", "region": "africa", "tags": ["operation"],
    "author_id": 1, "organization": "interpol", "status": "published",
    "published_at": "2023-06-09T00:00:00Z"
}))]
pub struct NewsWrite {
    /// Derived from the title (and kept unique) when absent; on PUT, absent keeps the current one.
    #[serde(default)]
    #[schema(value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(value_type = Title)]
    pub title: String,
    #[serde(default)]
    #[schema(value_type = Summary)]
    pub summary: String,
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = Article)]
    pub body: String,
    /// Slug of an existing topic.
    #[serde(default)]
    #[schema(example = "terrorism")]
    pub topic: Option<String>,
    /// Slug of an existing region.
    #[serde(default)]
    #[schema(example = "africa")]
    pub region: Option<String>,
    /// Sorted and deduplicated when stored.
    #[serde(default)]
    #[schema(value_type = Vec<Tag>, max_items = 20)]
    pub tags: Vec<String>,
    /// Id of an existing author (also accepted under the name `author`).
    #[serde(default, alias = "author")]
    pub author_id: Option<AuthorId>,
    /// Slug of an existing organization.
    #[serde(default)]
    #[schema(example = "interpol")]
    pub organization: Option<String>,
    /// Default: `published` when `published_at` is given, otherwise `draft`.
    #[serde(default)]
    pub status: Option<NewsStatus>,
    /// Required when `published`; in the future the item is scheduled.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime, example = "2023-06-09T00:00:00Z")]
    pub published_at: Option<Instant>,
    /// One of the site's languages (`NEWSDESK_LANGUAGES`). Default: the site's first on create;
    /// on PUT, absent keeps the current one.
    #[serde(default)]
    #[schema(example = "en")]
    pub lang: Option<String>,
    /// Id of an item telling the same story in another language: this item joins its group
    /// (one item per language). `null` takes the item out of its group; absent leaves it where
    /// it is.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NewsId>, example = json!(null))]
    pub translation_of: Option<Option<NewsId>>,
    /// Id of an uploaded image (`/api/v1/media`) to feature; `null` or absent: none.
    #[serde(default)]
    #[schema(value_type = Option<MediaId>, example = json!(null))]
    pub image_id: Option<MediaId>,
}

impl NewsWrite {
    /// Checks every rule, reporting each field at fault; tags are deduplicated and sorted.
    pub fn validate(self, site: &Languages) -> Result<NewsDraft, ApiError> {
        let published_at = self.published_at.map(|t| t.0);
        let default_status = if published_at.is_some() { NewsStatus::Published } else { NewsStatus::Draft };
        let status = self.status.unwrap_or(default_status);
        let mut fields = Fields::default();
        let slug = match self.slug {
            Some(slug) if RESERVED_SLUGS.contains(&slug.as_str()) => fields.read("slug", Err("is reserved".into())),
            Some(slug) => fields.read("slug", Slug::parse(&slug)).map(Some),
            None => Some(None),
        };
        let title = fields.read("title", Title::parse(self.title));
        let summary = fields.read("summary", Summary::parse(self.summary));
        let body = fields.read("body", Article::parse(self.body));
        if self.tags.len() > MAX_TAGS {
            fields.refuse("tags", format!("must have at most {MAX_TAGS} tags"));
        }
        let mut tags: Vec<Tag> = (self.tags.into_iter().enumerate())
            .filter_map(|(i, tag)| fields.read(format!("tags[{i}]"), Tag::parse(tag)))
            .collect();
        tags.sort();
        tags.dedup();
        if status == NewsStatus::Published && published_at.is_none() {
            fields.refuse("published_at", "is required when status is published");
        }
        let lang = match self.lang {
            Some(tag) => match site.site(&tag) {
                Some(tag) => Some(Some(tag.to_owned())),
                None => {
                    let all = site.all().join(", ");
                    fields.refuse("lang", format!("is not one of this site's languages ({all})"));
                    None
                }
            },
            None => Some(None),
        };
        let translation_of = match self.translation_of {
            None => Link::Keep,
            Some(None) => Link::Alone,
            Some(Some(id)) => Link::To(id),
        };
        fields.finish(|| {
            Some(NewsDraft {
                slug: slug?,
                title: title?,
                summary: summary?,
                body: body?,
                topic: self.topic,
                region: self.region,
                tags,
                author_id: self.author_id,
                organization: self.organization,
                status,
                published_at,
                lang: lang?,
                translation_of,
                image_id: self.image_id,
            })
        })
    }
}

/// A partial update (PATCH): absent fields are kept, `null` clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "published", "published_at": "2023-06-09T00:00:00Z"}))]
pub struct NewsPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Slug>, nullable = false)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Title>, nullable = false)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Summary>, nullable = false)]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Article>, nullable = false)]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub topic: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Vec<Tag>>, nullable = false, max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable", alias = "author")]
    #[schema(value_type = Option<AuthorId>)]
    pub author_id: Option<Option<AuthorId>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub organization: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub status: Option<NewsStatus>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<Option<Instant>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, example = "fr")]
    pub lang: Option<String>,
    /// Id of an item of the story in another language to join; `null` leaves the group.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NewsId>)]
    pub translation_of: Option<Option<NewsId>>,
    /// Id of an uploaded image to feature; `null` takes the image away.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<MediaId>)]
    pub image_id: Option<Option<MediaId>>,
}

impl NewsPatch {
    /// The complete item that results from applying this patch to the current one.
    pub fn apply(self, current: &NewsView) -> NewsWrite {
        let row = &current.row;
        NewsWrite {
            slug: self.slug,
            title: self.title.unwrap_or_else(|| row.title.clone()),
            summary: self.summary.unwrap_or_else(|| row.summary.clone()),
            body: self.body.unwrap_or_else(|| row.body.clone()),
            topic: self.topic.unwrap_or_else(|| current.topic.clone()),
            region: self.region.unwrap_or_else(|| current.region.clone()),
            tags: self.tags.unwrap_or_else(|| current.tags.clone()),
            author_id: self.author_id.unwrap_or(row.author_id),
            organization: self.organization.unwrap_or_else(|| current.organization.clone()),
            status: Some(self.status.unwrap_or(row.status)),
            published_at: self.published_at.unwrap_or(row.published_at.map(|t| Instant(utc(t)))),
            lang: Some(self.lang.unwrap_or_else(|| row.lang.clone())),
            translation_of: self.translation_of,
            image_id: self.image_id.unwrap_or(row.image_id),
        }
    }
}

/// Counts of the items `filter` matches per period of `granularity` in the filter's time zone,
/// newest first. The database counts per span of time (a UTC day, from the kept counts where
/// they cover the filter, or a quarter hour, the finest step of any zone's offset, elsewhere); a
/// span that a period's boundary crosses (offsets of another era) is counted item by item.
pub fn archive(
    conn: &mut DbConn,
    index: Option<&SearchIndex>,
    filter: &NewsFilter,
    granularity: Granularity,
    visibility: Visibility,
) -> Result<Vec<(String, u64)>, ApiError> {
    let now = dates::now();
    if let Some(published) = db::news::searched_published(conn, index, filter, visibility, now)? {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for at in published {
            *counts.entry(granularity.label(utc(at), filter.tz)).or_default() += 1;
        }
        return Ok(counts.into_iter().rev().collect());
    }
    let (span, spans) = if filter.tz == chrono_tz::UTC {
        (db::counts::SECONDS_PER_DAY, db::news::published_per_day(conn, filter, visibility, now)?)
    } else {
        (900, db::news::published_per_span(conn, filter, visibility, now, 900)?)
    };
    let label = |seconds: i64| DateTime::from_timestamp(seconds, 0).map(|t| granularity.label(t, filter.tz));
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (start, count) in spans {
        let (Some(first), Some(last)) = (label(start), label(start + span - 1)) else { continue };
        if first == last {
            *counts.entry(first).or_default() += count.unsigned_abs();
            continue;
        }
        let bounds = |seconds| DateTime::from_timestamp(seconds, 0).map(|t| t.naive_utc()).unwrap_or_default();
        for t in db::news::published_between(conn, filter, visibility, now, (bounds(start), bounds(start + span)))? {
            *counts.entry(granularity.label(utc(t), filter.tz)).or_default() += 1;
        }
    }
    Ok(counts.into_iter().rev().collect())
}

pub async fn create(state: &AppState, actor: &Actor, write: NewsWrite) -> Result<NewsItem, ApiError> {
    let draft = write.validate(&state.languages)?;
    let origin = state.origin(actor);
    let entry = actor.did(Action(Resource::News, Verb::Create));
    let site = state.languages.clone();
    let urls = state.media.urls.clone();
    let view = state.write(entry, move |c, entry| store(c, &urls, None, draft, &site, &origin, entry)).await?;
    Ok(view.item())
}

/// Replaces an item; `precondition` sees the current one first (`If-Match`).
pub async fn replace(
    state: &AppState,
    actor: &Actor,
    key: Key<NewsId>,
    write: NewsWrite,
    precondition: impl FnOnce(&NewsItem) -> Result<(), ApiError> + Send + 'static,
) -> Result<NewsItem, ApiError> {
    let draft = write.validate(&state.languages)?;
    let origin = state.origin(actor);
    let site = state.languages.clone();
    let urls = state.media.urls.clone();
    let view = state
        .write(actor.did(Action(Resource::News, Verb::Replace)), move |c, entry| {
            let current = find(c, &urls, &key, Visibility::Everything)?;
            precondition(&current.clone().item())?;
            store(c, &urls, Some(&current), draft, &site, &origin, entry)
        })
        .await?;
    Ok(view.item())
}

/// Changes some fields of an item. A bad request is reported as such before the
/// precondition is looked at.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    key: Key<NewsId>,
    patch: NewsPatch,
    precondition: impl FnOnce(&NewsItem) -> Result<(), ApiError> + Send + 'static,
) -> Result<NewsItem, ApiError> {
    let origin = state.origin(actor);
    let site = state.languages.clone();
    let urls = state.media.urls.clone();
    let view = state
        .write(actor.did(Action(Resource::News, Verb::Update)), move |c, entry| {
            let current = find(c, &urls, &key, Visibility::Everything)?;
            let draft = patch.apply(&current).validate(&site)?;
            precondition(&current.clone().item())?;
            store(c, &urls, Some(&current), draft, &site, &origin, entry)
        })
        .await?;
    Ok(view.item())
}

/// Moves an item to the trash.
pub async fn trash(
    state: &AppState,
    actor: &Actor,
    key: Key<NewsId>,
    precondition: impl FnOnce(&NewsItem) -> Result<(), ApiError> + Send + 'static,
) -> Result<(), ApiError> {
    let by = actor.name.clone().unwrap_or_default();
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(Resource::News, Verb::Trash)), move |c, entry| {
            let current = find(c, &urls, &key, Visibility::Everything)?;
            precondition(&current.clone().item())?;
            entry.within(db::news::story_organizations(c, current.row.group_id)?);
            db::news::trash(c, &urls, current.row.id, &by)?;
            entry.on(current.row.id);
            if !readers_see(Some(current.row.status)) {
                entry.unseen();
            }
            Ok(())
        })
        .await
}

/// Records that `actor` made a preview link to an item (drafts and scheduled items included);
/// returns the item's id, which the link names.
pub async fn preview(state: &AppState, actor: &Actor, key: Key<NewsId>) -> Result<NewsId, ApiError> {
    state
        .write(actor.did(Action(Resource::News, Verb::Preview)), move |c, entry| {
            let id = live_id(c, &key)?;
            entry.on(id);
            Ok(id)
        })
        .await
}

/// Brings the search index up to date with the store (made anew when missing). Where it
/// cannot, searches go to the database, as the log says.
pub async fn follow_search_index(state: &AppState) {
    let Some(index) = state.search.clone() else { return };
    let started = std::time::Instant::now();
    match state.db(move |c| Ok(index.follow(c, dates::now()).map_err(|err| err.to_string()))).await {
        Ok(Ok(())) => log::info!("search index up to date in {} ms", started.elapsed().as_millis()),
        Ok(Err(err)) => log::warn!("searching in the database: {err}"),
        Err(err) => log::warn!("searching in the database: {err:?}"),
    }
}

/// Makes the search words of the items stored without them (by an older version), a batch
/// at a time.
pub async fn make_missing_words(state: &AppState) -> Result<(), ApiError> {
    let mut after = NewsId(0);
    while let Some(last) = state.bookkeep(move |c| Ok(db::search::make_missing_words(c, after, 500)?)).await? {
        after = last;
    }
    Ok(())
}

/// Makes the kept listing counts anew when they are not for the site's languages (a first
/// start, an import, another `NEWSDESK_LANGUAGES`). In a transaction of its own, not in a
/// savepoint of the writer's: it rewrites every item's row, and a savepoint keeps the page
/// before each change, on SQLite in the writer's memory (after a first start at 100k items,
/// 588 MiB of anonymous memory stayed taken, against 71 MiB in a transaction of its own).
pub async fn prepare_counts(state: &AppState) -> Result<bool, ApiError> {
    let site = state.languages.clone();
    state.db(move |c| Ok(c.transaction(|c| db::counts::prepare(c, &site))?)).await
}

/// How far before the last look a look for scheduled items that came due starts: another
/// process whose clock is behind this one's may schedule an item for a time this one has
/// looked past already.
const DUE_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// Records in the change feed each scheduled item whose time has come (a read alone while
/// none has), so that the feed announces it although nothing was written then. An item
/// written with a time already past is announced by its write, so each look starts where the
/// one before ended (the first of a run looks at every item).
pub async fn announce_due(state: &AppState) -> Result<(), ApiError> {
    let now = dates::now();
    let checked = state.due_checked.load(Ordering::Acquire);
    let since = (checked > 0).then(|| DateTime::from_timestamp_micros(checked)).flatten().map(|at| at - DUE_OVERLAP);
    if state.db(move |c| Ok(db::news::has_due(c, now, since)?)).await? {
        let entry = Actor::service().did(Action(Resource::News, Verb::Publish));
        let urls = state.media.urls.clone();
        state
            .write(entry, move |c, entry| {
                for id in db::news::announce_due(c, &urls, now, since)? {
                    entry.on(id);
                }
                Ok(())
            })
            .await?;
    }
    state.due_checked.fetch_max(now.timestamp_micros(), Ordering::AcqRel);
    Ok(())
}

fn missing(key: &Key<NewsId>) -> ApiError {
    ApiError::NotFound(format!("no news item {key}"))
}

pub fn find(
    conn: &mut DbConn,
    urls: &MediaUrls,
    key: &Key<NewsId>,
    visibility: Visibility,
) -> Result<NewsView, ApiError> {
    db::news::find(conn, urls, key, visibility, dates::now()).optional()?.ok_or_else(|| missing(key))
}

/// The id of the live item `key` names (drafts and scheduled items included).
pub fn live_id(conn: &mut DbConn, key: &Key<NewsId>) -> Result<NewsId, ApiError> {
    db::news::live_id(conn, key).optional()?.ok_or_else(|| missing(key))
}

/// Resolves the draft's references, chooses its slug, places it in its story's group and stores
/// it (as a new item, or over `current`), keeping the result as the item's next revision. Runs
/// inside the write transaction.
pub fn store(
    conn: &mut DbConn,
    urls: &MediaUrls,
    current: Option<&NewsView>,
    draft: NewsDraft,
    site: &Languages,
    origin: &Origin,
    entry: &mut Entry,
) -> Result<NewsView, ApiError> {
    let mut errors = Vec::new();
    let mut term = |conn: &mut DbConn, kind: TermKind, slug: &Option<String>| -> Result<Option<TermId>, ApiError> {
        let Some(slug) = slug else { return Ok(None) };
        let found = db::terms::find(conn, kind, &Key::Slug(slug.clone())).optional()?;
        if found.is_none() {
            errors.push(FieldError::new(<&str>::from(kind), format!("no {} with slug `{slug}`", <&str>::from(kind))));
        }
        Ok(found.map(|t| t.id))
    };
    let topic_id = term(conn, TermKind::Topic, &draft.topic)?;
    let region_id = term(conn, TermKind::Region, &draft.region)?;
    let author = match draft.author_id {
        Some(id) => {
            let author = db::authors::find(conn, id).optional()?;
            if author.is_none() {
                errors.push(FieldError::new("author_id", format!("no author with id {id}")));
            }
            author
        }
        None => None,
    };
    let organization_id = match &draft.organization {
        Some(slug) => {
            let id = db::organizations::id_by_slug(conn, slug)?;
            if id.is_none() {
                errors.push(FieldError::new("organization", format!("no organization with slug `{slug}`")));
            }
            id
        }
        None => None,
    };
    let image = match draft.image_id {
        Some(id) => {
            let image = db::media::find(conn, id).optional()?;
            if image.is_none() {
                errors.push(FieldError::new("image_id", format!("no image with id {id}")));
            }
            image
        }
        None => None,
    };
    let group = match (draft.translation_of, current) {
        (Link::Keep, Some(current)) => Some(current.row.group_id),
        (Link::Keep | Link::Alone, None) => None,
        (Link::Alone, Some(current)) => Some(current.row.id),
        (Link::To(of), _) => {
            let group = db::news::group_of(conn, of)?;
            if group.is_none() {
                errors.push(FieldError::new("translation_of", format!("no news item with id {of}")));
            }
            group
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }

    let current_id = current.map(|c| c.row.id);
    let lang = match (&draft.lang, current) {
        (Some(lang), _) => lang.clone(),
        (None, Some(current)) => current.row.lang.clone(),
        (None, None) => site.first().to_owned(),
    };
    if let Some(group) = group
        && let Some(other) = db::news::translation_in(conn, group, &lang, current_id)?
    {
        return Err(ApiError::Conflict(format!(
            "news item {other} already tells this story in `{lang}`: a story has one item per language"
        )));
    }
    // Before the item may leave its story, which then may be renumbered.
    let reached_before = match current {
        Some(current) => db::news::story_organizations(conn, current.row.group_id)?,
        None => Vec::new(),
    };
    if let Some(current) = current
        && (draft.translation_of == Link::Alone || group != Some(current.row.group_id))
    {
        db::news::leave_group(conn, current.row.id, current.row.group_id)?;
    }
    let slug = match (&draft.slug, current) {
        (Some(slug), _) if db::news::slug_taken(conn, slug.as_str(), current_id)? => {
            return Err(ApiError::Conflict(format!("slug `{slug}` is already taken by another news item")));
        }
        (Some(slug), _) => slug.as_str().to_owned(),
        (None, Some(current)) => current.row.slug.clone(),
        (None, None) => unique_slug(conn, &Slug::derive(draft.title.as_str(), "news"))?,
    };
    let (search_title, search_text) =
        words::item_words(&lang, draft.title.as_str(), draft.summary.as_str(), draft.body.as_str());
    let form = NewsForm {
        slug: &slug,
        title: draft.title.as_str(),
        summary: draft.summary.as_str(),
        body: draft.body.as_str(),
        topic_id,
        region_id,
        author_id: draft.author_id,
        organization_id,
        status: draft.status,
        published_at: draft.published_at.map(|t| t.naive_utc()),
        reading_time_seconds: draft.reading_time_seconds(),
        updated_at: dates::now().naive_utc(),
        lang: &lang,
        image_id: draft.image_id,
        search_title: &search_title,
        search_text: &search_text,
    };
    // Each found by exactly the slug the draft names.
    let references = References {
        topic: draft.topic.clone(),
        region: draft.region.clone(),
        author,
        organization: draft.organization.clone(),
        image: image.map(|image| image.shown(urls, None)),
    };
    let tags: Vec<String> = draft.tags.iter().map(|tag| tag.as_str().to_owned()).collect();
    let view = match current_id {
        Some(id) => db::news::update(conn, urls, id, &form, group.unwrap_or(id), references, &tags)?,
        None => db::news::insert(conn, urls, &form, group, references, &tags)?,
    };
    let snapshot = revisions::snapshot(view.clone().item(), "image").map_err(ApiError::internal)?;
    revisions::record(conn, Entity::News(view.row.id), origin, &snapshot, view.row.updated_at)?;
    entry.on(view.row.id);
    let reached_after = match (current, group) {
        // A new story: the item alone.
        (None, None) => view.organization.iter().cloned().collect(),
        // The same story, and the item's organization as it was: the organizations read before.
        (Some(current), _)
            if current.row.group_id == view.row.group_id && current.organization == view.organization =>
        {
            Vec::new()
        }
        _ => db::news::story_organizations(conn, view.row.group_id)?,
    };
    entry.within(reached_before.into_iter().chain(reached_after));
    if !readers_see(current.map(|c| c.row.status)) && !readers_see(Some(view.row.status)) {
        entry.unseen();
    }
    Ok(view)
}

/// Whether anonymous readers see an item of this status, now or once its time comes. (A
/// scheduled item's write changes when the next publication is, which kept answers wait for.)
pub fn readers_see(status: Option<NewsStatus>) -> bool {
    status == Some(NewsStatus::Published)
}

/// The base slug, or the first free `base-N`.
fn unique_slug(conn: &mut DbConn, base: &Slug) -> Result<String, ApiError> {
    let mut candidate = base.clone();
    for n in 2.. {
        let reserved = RESERVED_SLUGS.contains(&candidate.as_str());
        if !reserved && !db::news::slug_taken(conn, candidate.as_str(), None)? {
            break;
        }
        candidate = base.with_suffix(n);
    }
    Ok(candidate.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(body: serde_json::Value) -> NewsWrite {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn a_valid_item_is_normalized() {
        let draft = write(serde_json::json!({"title": " A title ", "tags": ["b", " a", "b"]}))
            .validate(&Languages::default())
            .unwrap();
        assert_eq!(draft.title.as_str(), "A title");
        assert_eq!(draft.tags.iter().map(Tag::as_str).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(draft.status, NewsStatus::Draft);
    }

    #[test]
    fn every_fault_is_reported() {
        let bad = write(
            serde_json::json!({"slug": "Not A Slug", "title": "\u{7}", "tags": [""], "status": "published", "lang": "fr"}),
        );
        let Err(ApiError::Unprocessable { errors, .. }) = bad.validate(&Languages::default()) else {
            panic!("accepted")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["slug", "title", "tags[0]", "published_at", "lang"]);
    }
}
