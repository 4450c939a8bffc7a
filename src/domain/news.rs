//! News items: their publication states, who may see them, and the rules a complete item
//! obeys before it is stored.

use chrono::{DateTime, Utc};

use super::ids::AuthorId;
use super::slug::Slug;
use super::text::{self, Article, Summary, Tag, Title};
use crate::error::FieldError;

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

/// A complete item as a client wants it stored, before its references are resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsDraft {
    /// `None`: derive one from the title (on create) or keep the current one (on update).
    pub slug: Option<String>,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub topic: Option<String>,
    pub region: Option<String>,
    pub tags: Vec<String>,
    pub author_id: Option<AuthorId>,
    pub organization: Option<String>,
    pub status: NewsStatus,
    pub published_at: Option<DateTime<Utc>>,
}

impl NewsDraft {
    /// Checks every rule, returning each field at fault, and normalizes the tags
    /// (trimmed, deduplicated, sorted).
    pub fn validate(mut self) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(FieldError::new(field, message));
            }
        };
        if let Some(slug) = &self.slug {
            let reserved = RESERVED_SLUGS.contains(&slug.as_str());
            check("slug", if reserved { Err("is reserved".into()) } else { Slug::parse(slug).map(drop) });
        }
        check("title", Title::check(&self.title));
        check("summary", Summary::check(&self.summary));
        check("body", Article::check(&self.body));
        if self.tags.len() > MAX_TAGS {
            check("tags", Err(format!("must have at most {MAX_TAGS} tags")));
        }
        for (i, tag) in self.tags.iter().enumerate() {
            check(&format!("tags[{i}]"), Tag::check(tag));
        }
        if self.status == NewsStatus::Published && self.published_at.is_none() {
            check("published_at", Err("is required when status is published".into()));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.title = self.title.trim().to_owned();
        self.summary = self.summary.trim().to_owned();
        let mut tags: Vec<String> = self.tags.iter().map(|t| t.trim().to_owned()).collect();
        tags.sort();
        tags.dedup();
        self.tags = tags;
        Ok(self)
    }

    /// Seconds an average reader needs for the body.
    pub fn reading_time_seconds(&self) -> i32 {
        text::reading_time_seconds(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> NewsDraft {
        NewsDraft {
            slug: None,
            title: " A title ".into(),
            summary: String::new(),
            body: "Some body".into(),
            topic: None,
            region: None,
            tags: vec!["b".into(), " a".into(), "b".into()],
            author_id: None,
            organization: None,
            status: NewsStatus::Draft,
            published_at: None,
        }
    }

    #[test]
    fn a_valid_draft_is_normalized() {
        let valid = draft().validate().unwrap();
        assert_eq!(valid.title, "A title");
        assert_eq!(valid.tags, ["a", "b"]);
    }

    #[test]
    fn every_fault_is_reported() {
        let bad = NewsDraft {
            slug: Some("Not A Slug".into()),
            title: "\u{7}".into(),
            tags: vec![String::new()],
            status: NewsStatus::Published,
            ..draft()
        };
        let fields: Vec<String> = bad.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["slug", "title", "tags[0]", "published_at"]);
    }
}
