//! News items: their publication states, who may see them, and the rules a complete item
//! obeys before it is stored.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::ids::{AuthorId, MediaId, NewsId};
use super::language::Direction;
use super::media::{Media, ShownMedia};
use super::slug::Slug;
use super::text::{self, Article, Summary, Tag, Title};

closed_set! {
    "lowercase",
    /// Where an item is in its life.
    pub enum NewsStatus {
        Draft,
        Published,
        Archived,
    }
}

/// A news item as clients see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = NewsItem::example)]
pub struct NewsItem {
    pub id: NewsId,
    /// Unique; usable wherever an id is.
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// Slug of a topic.
    pub topic: Option<String>,
    /// Slug of a region.
    pub region: Option<String>,
    /// Sorted, without duplicates.
    pub tags: Vec<String>,
    pub author: Option<AuthorSummary>,
    /// Slug of the publishing organization.
    pub organization: Option<String>,
    pub status: NewsStatus,
    /// When the item is (or was, or will be) public. In the future: scheduled.
    pub published_at: Option<DateTime<Utc>>,
    /// Derived from the body at 238 words a minute.
    pub reading_time_seconds: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The item's language: one of the site's (`NEWSDESK_LANGUAGES`), as a BCP 47 tag.
    #[schema(example = "en")]
    pub lang: String,
    /// How the item's language is written.
    pub dir: Direction,
    /// The same story in the site's other languages: the other items of its group that the
    /// caller may see (written with `translation_of`).
    pub translations: Vec<Translation>,
    /// The featured image, with its variants (written with `image_id`).
    #[schema(value_type = Option<Media>)]
    pub image: Option<ShownMedia>,
}

/// Another language's item of the same story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Translation {
    #[schema(example = "fr")]
    pub lang: String,
    pub id: NewsId,
    pub slug: String,
}

/// The author of an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorSummary {
    pub id: AuthorId,
    pub name: String,
    pub title: String,
}

impl NewsItem {
    /// The example of the schema (also the item in the change feed's example).
    pub fn example() -> serde_json::Value {
        serde_json::json!({
            "id": 7, "slug": "14-terror-suspects-arrested-in-african-operation",
            "title": "14 terror suspects arrested in African operation",
            "summary": "An INTERPOL-supported operation in Africa led to the arrest of 14 terror suspects.",
            "body": "Fourteen terror suspects were arrested ...", "topic": "terrorism", "region": "africa",
            "tags": ["operation"], "author": {"id": 1, "name": "Robert Williams", "title": "Editor in Chief"},
            "organization": "interpol", "status": "published", "published_at": "2023-06-09T00:00:00Z",
            "reading_time_seconds": 21, "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z",
            "lang": "en", "dir": "ltr",
            "translations": [{"lang": "fr", "id": 8, "slug": "arrestation-de-14-suspects-de-terrorisme-en-afrique"}],
            "image": null
        })
    }
}

/// Who is looking: anonymous readers see only published items whose time has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    Public,
    Everything,
}

/// The names a client may ask for with `fields`, in the order of the representation.
pub const FIELDS: [&str; 19] = [
    "id",
    "slug",
    "title",
    "summary",
    "body",
    "topic",
    "region",
    "tags",
    "author",
    "organization",
    "status",
    "published_at",
    "reading_time_seconds",
    "created_at",
    "updated_at",
    "lang",
    "dir",
    "translations",
    "image",
];

/// Path segments under `/news/` that name other resources, never an item.
pub const RESERVED_SLUGS: [&str; 2] = ["archive", "changes"];

pub const MAX_TAGS: usize = 20;

/// A complete item as a client wants it stored, every field valid, before its references
/// (slugs and an author id) are resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsDraft {
    /// `None`: derive one from the title (on create) or keep the current one (on update).
    pub slug: Option<Slug>,
    pub title: Title,
    pub summary: Summary,
    pub body: Article,
    pub topic: Option<String>,
    pub region: Option<String>,
    /// Sorted, without duplicates.
    pub tags: Vec<Tag>,
    pub author_id: Option<AuthorId>,
    pub organization: Option<String>,
    pub status: NewsStatus,
    pub published_at: Option<DateTime<Utc>>,
    /// One of the site's languages; `None`: the current one (on update) or the site's first.
    pub lang: Option<String>,
    /// The story the item is a translation of, as written.
    pub translation_of: Link,
    pub image_id: Option<MediaId>,
}

/// What a write says of the story an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Nothing: a new item tells a story of its own, a stored one stays where it is.
    Keep,
    /// `null`: the item leaves its group and tells a story of its own.
    Alone,
    /// The item is a translation of this one, in its group.
    To(NewsId),
}

impl NewsDraft {
    /// Seconds an average reader needs for the body.
    pub fn reading_time_seconds(&self) -> i32 {
        text::reading_time_seconds(self.body.as_str())
    }
}
