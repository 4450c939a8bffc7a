//! News items: their publication states, who may see them, and the rules a complete item
//! obeys before it is stored.

use chrono::{DateTime, Utc};

use super::ids::AuthorId;
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

/// Who is looking: anonymous readers see only published items whose time has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    Public,
    Everything,
}

/// The names a client may ask for with `fields`, in the order of the representation.
pub const FIELDS: [&str; 15] = [
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
}

impl NewsDraft {
    /// Seconds an average reader needs for the body.
    pub fn reading_time_seconds(&self) -> i32 {
        text::reading_time_seconds(self.body.as_str())
    }
}
