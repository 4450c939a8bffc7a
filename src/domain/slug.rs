//! URL slugs: lowercase ASCII words joined by hyphens, never all digits (so that a path
//! segment is unambiguously an id or a slug).

use std::fmt;

/// Longest slug kept; longer titles are cut at a word boundary.
pub const MAX_LEN: usize = 120;

/// A valid slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Accepts a slug given by a client, or says what is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        const FORM: &str = "lowercase letters a-z, digits and single hyphens between them";
        if s.is_empty() || s.len() > MAX_LEN {
            return Err(format!("must be 1 to {MAX_LEN} characters of {FORM}"));
        }
        let valid_chars = s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(format!("must be {FORM}"));
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must not be all digits (that would read as an id)".into());
        }
        Ok(Self(s.to_owned()))
    }

    /// Derives a slug from a title or name in any script (transliterated to ASCII), falling
    /// back to `fallback` when nothing usable is left.
    pub fn derive(text: &str, fallback: &str) -> Self {
        let mut slug = slug::slugify(text);
        if slug.len() > MAX_LEN {
            let cut = slug[..=MAX_LEN].rfind('-').unwrap_or(MAX_LEN);
            slug.truncate(cut);
        }
        let slug = slug.trim_matches('-').to_owned();
        match Self::parse(&slug) {
            Ok(slug) => slug,
            Err(_) if slug.is_empty() => Self(fallback.to_owned()),
            // All digits ("2023"): keep the number, prefixed so it cannot be read as an id.
            Err(_) => Self(format!("{fallback}-{slug}")),
        }
    }

    /// The `n`th alternative of this slug (`title-2`, `title-3`, ...), still within length.
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let keep = self.0.len().min(MAX_LEN - suffix.len());
        Self(format!("{}{suffix}", self.0[..keep].trim_end_matches('-')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// The schema of a slug field: the rule of `Slug::parse`.
impl utoipa::PartialSchema for Slug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(MAX_LEN))
            .pattern(Some(r"^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$"))
            .examples(["14-terror-suspects-arrested-in-african-operation"])
            .into()
    }
}

impl utoipa::ToSchema for Slug {}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a path segment addresses a resource: by id (all digits) or by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key<Id> {
    Id(Id),
    Slug(String),
}

impl<Id: std::str::FromStr> Key<Id> {
    /// Reads a path segment. What can be neither an id nor a slug (digits that overflow an
    /// id, characters no slug has) names nothing: `None`, and no query is made for it.
    pub fn parse(segment: &str) -> Option<Self> {
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            segment.parse().ok().map(Self::Id)
        } else {
            Slug::parse(segment).ok().map(|slug| Self::Slug(slug.into_string()))
        }
    }
}

impl<Id: fmt::Display> fmt::Display for Key<Id> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "with id {id}"),
            Self::Slug(slug) => write!(f, "with slug `{slug}`"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any title gives a slug that the API itself accepts, and any segment is read as an id or a slug.
        #[test]
        fn any_title_derives_a_valid_slug(title in "\\PC{0,400}", segment in "\\PC{0,40}") {
            let slug = Slug::derive(&title, "news");
            proptest::prop_assert_eq!(Slug::parse(slug.as_str()).map(|s| s.into_string()), Ok(slug.clone().into_string()));
            proptest::prop_assert!(Slug::parse(slug.with_suffix(u32::MAX).as_str()).is_ok());
            let _ = Key::<i64>::parse(&segment);
        }
    }

    #[test]
    fn derives_from_titles_in_any_script() {
        assert_eq!(
            Slug::derive("14 terror suspects arrested in African operation", "news").as_str(),
            "14-terror-suspects-arrested-in-african-operation"
        );
        assert_eq!(
            Slug::derive("INTERPOL conference: “Heightened urgency”", "news").as_str(),
            "interpol-conference-heightened-urgency"
        );
        assert_eq!(Slug::derive("Привет мир", "news").as_str(), "privet-mir");
        assert_eq!(Slug::derive("!!!", "news").as_str(), "news");
        assert_eq!(Slug::derive("2023", "news").as_str(), "news-2023");
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let slug = Slug::derive(&"word ".repeat(100), "news");
        assert!(slug.as_str().len() <= MAX_LEN);
        assert!(slug.as_str().ends_with("word"));
        assert!(slug.with_suffix(12).as_str().len() <= MAX_LEN);
    }

    #[test]
    fn rejects_malformed_slugs() {
        for bad in ["", "Upper", "two--hyphens", "-lead", "trail-", "12345", "with space", "é"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Slug::parse("cybercrime-2023").is_ok());
    }

    #[test]
    fn keys_tell_ids_from_slugs() {
        assert_eq!(Key::parse("42"), Some(Key::Id(42)));
        assert_eq!(Key::<i64>::parse("interpol"), Some(Key::Slug("interpol".into())));
        assert_eq!(Key::<i64>::parse("99999999999999999999999"), None);
        assert_eq!(Key::<i64>::parse("nul\0byte"), None);
        assert_eq!(Key::<i64>::parse("Interpol"), None);
    }
}
