//! The site's languages (`NEWSDESK_LANGUAGES`) and the choice of one for an answer: the
//! reader's ranked language ranges (a `lang` parameter, or else `Accept-Language`) matched to
//! the site's languages by RFC 4647 lookup, then the site's own order as the fallback.

use language_tags::LanguageTag;
use serde::Serialize;
use utoipa::ToSchema;

use super::params::parsed;
use crate::error::{ApiError, FieldError};

/// The site's languages in fallback order; the first is the language of an item that names
/// none. Each is a well-formed BCP 47 tag in its canonical case (`pt-BR`), so it is made of
/// letters, digits and hyphens only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Languages(Vec<String>);

impl Default for Languages {
    fn default() -> Self {
        Self(vec!["en".into()])
    }
}

impl Languages {
    /// A comma list of tags (`en,fr,es,ar`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut tags: Vec<String> = Vec::new();
        for tag in list.split(',').map(str::trim) {
            let parsed = LanguageTag::parse(tag).map_err(|e| format!("`{tag}` is not a BCP 47 language tag: {e}"))?;
            parsed.validate().map_err(|e| format!("`{tag}` is not a valid language tag: {e}"))?;
            if tags.iter().any(|t| t.eq_ignore_ascii_case(parsed.as_str())) {
                return Err(format!("`{tag}` is listed twice"));
            }
            tags.push(parsed.into_string());
        }
        Ok(Self(tags))
    }

    /// The language of an item that names none.
    pub fn first(&self) -> &str {
        &self.0[0]
    }

    pub fn all(&self) -> &[String] {
        &self.0
    }

    /// The site's spelling of `tag`, if it is one of the site's languages.
    pub fn site(&self, tag: &str) -> Option<&str> {
        self.0.iter().find(|t| t.eq_ignore_ascii_case(tag)).map(String::as_str)
    }

    /// The site's language a range asks for (RFC 4647 lookup: `fr-CA`, then `fr`), or else
    /// the first that the range is a prefix of (`pt` for `pt-BR`). `*` asks for none in
    /// particular.
    fn matching(&self, range: &str) -> Option<&str> {
        let mut range = range;
        loop {
            if let Some(tag) = self.site(range) {
                return Some(tag);
            }
            let Some(cut) = range.rfind('-') else { break };
            range = &range[..cut];
            // A singleton left last (the `x` of `x-private`) goes with what it introduced.
            if let Some(cut) = range.rfind('-').filter(|&cut| range.len() - cut == 2) {
                range = &range[..cut];
            }
        }
        let prefix = format!("{}-", range.to_ascii_lowercase());
        self.0.iter().find(|t| t.to_ascii_lowercase().starts_with(&prefix)).map(String::as_str)
    }

    /// The languages a reader's ranges (best first) choose, best first; with `fallback`, the
    /// site's other languages follow in the site's order. `None` when the ranges match none of
    /// the site's languages.
    pub fn choose(&self, ranges: &[String], fallback: bool) -> Option<Choice> {
        let mut order: Vec<String> = Vec::new();
        for range in ranges {
            let chosen: Vec<&str> = if range == "*" {
                self.0.iter().map(String::as_str).collect()
            } else {
                self.matching(range).into_iter().collect()
            };
            for tag in chosen {
                if !order.iter().any(|t| t == tag) {
                    order.push(tag.to_owned());
                }
            }
        }
        if order.is_empty() {
            return None;
        }
        Some(if fallback { self.after(order) } else { Choice { order } })
    }

    /// The site's languages in its order, for a reader who asked for none of them: all of
    /// them with `fallback`, none without.
    pub fn fallback(&self, fallback: bool) -> Choice {
        if fallback { self.after(Vec::new()) } else { Choice { order: Vec::new() } }
    }

    /// `first`, then the site's other languages in its order.
    fn after(&self, mut first: Vec<String>) -> Choice {
        for tag in &self.0 {
            if !first.contains(tag) {
                first.push(tag.clone());
            }
        }
        Choice { order: first }
    }
}

/// The languages an answer may show, best first: a listing shows each story once, in the
/// first of them it has.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Choice {
    order: Vec<String>,
}

impl Choice {
    pub fn order(&self) -> &[String] {
        &self.order
    }

    /// The language the answer is meant for; none when no language may be shown.
    pub fn best(&self) -> Option<&str> {
        self.order.first().map(String::as_str)
    }
}

/// Who chose the languages of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Asked {
    /// The `lang` parameter: the URL alone decides.
    Param,
    /// The `Accept-Language` header.
    Header,
    /// Nobody: every language, or the one the content is written in.
    Nobody,
}

/// The languages a request chooses: its `lang` parameter (one tag or a list, best first), or
/// else `accept_language` (the header's ranges, best first, where the header may choose), then
/// the site's others unless `fallback` is `none`. A `lang` naming none of the site's languages
/// is 422; a header naming none of them gets the site's order (or nothing, without fallback).
pub fn negotiate(
    site: &Languages,
    lang: Option<&str>,
    fallback: Option<&str>,
    accept_language: Option<&[String]>,
) -> Result<(Option<Choice>, Asked), ApiError> {
    let fallback = parsed("fallback", fallback, |s| match s {
        "none" => Ok(false),
        "site" => Ok(true),
        _ => Err("expected none or site".to_owned()),
    })?
    .unwrap_or(true);
    match (parsed("lang", lang, ranges)?, accept_language) {
        (Some(ranges), _) => match site.choose(&ranges, fallback) {
            Some(choice) => Ok((Some(choice), Asked::Param)),
            None => Err(ApiError::invalid_fields(vec![FieldError::new(
                "lang",
                format!("names no language of this site ({})", site.all().join(", ")),
            )])),
        },
        (None, Some(ranges)) if !ranges.is_empty() => {
            Ok((Some(site.choose(ranges, fallback).unwrap_or_else(|| site.fallback(fallback))), Asked::Header))
        }
        (None, _) => Ok((None, Asked::Nobody)),
    }
}

/// Ranked language ranges from a `lang` parameter: one tag or a comma list, best first.
pub fn ranges(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .map(|tag| match LanguageTag::parse(tag) {
            Ok(tag) => Ok(tag.into_string()),
            Err(_) => Err(format!("`{tag}` is not a language tag; expected BCP 47 tags like `fr` or `fr,en`")),
        })
        .collect()
}

/// The direction a language is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ltr,
    Rtl,
}

/// Languages written right to left, and the scripts that are.
const RTL_LANGUAGES: [&str; 12] = ["ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "syr", "ug", "ur"];
const RTL_SCRIPTS: [&str; 6] = ["Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm"];

/// How `tag` is written: by its script subtag when it has one (`az-Arab`), else by its language.
pub fn direction(tag: &str) -> Direction {
    let Ok(tag) = LanguageTag::parse(tag) else { return Direction::Ltr };
    let rtl = match tag.script() {
        Some(script) => RTL_SCRIPTS.contains(&script),
        None => RTL_LANGUAGES.contains(&tag.primary_language()),
    };
    if rtl { Direction::Rtl } else { Direction::Ltr }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Languages {
        Languages::parse("en,fr,es,ar,pt-BR").unwrap()
    }

    fn chosen(ranges: &[&str], fallback: bool) -> Option<Vec<String>> {
        let ranges: Vec<String> = ranges.iter().map(|r| (*r).to_owned()).collect();
        site().choose(&ranges, fallback).map(|c| c.order().to_vec())
    }

    #[test]
    fn tags_are_checked_and_spelled_canonically() {
        assert_eq!(Languages::parse("EN, fr-ca").unwrap().all(), ["en", "fr-CA"]);
        assert!(Languages::parse("en,,fr").is_err());
        assert!(Languages::parse("english").is_err());
        assert!(Languages::parse("en,EN").is_err());
        assert!(Languages::parse("en;DROP TABLE").is_err());
    }

    #[test]
    fn a_range_finds_its_language_by_lookup_then_by_prefix() {
        assert_eq!(chosen(&["fr-CA"], false).unwrap(), ["fr"]);
        assert_eq!(chosen(&["fr-Latn-CA"], false).unwrap(), ["fr"]);
        assert_eq!(chosen(&["pt"], false).unwrap(), ["pt-BR"]);
        assert_eq!(chosen(&["de"], false), None);
        assert_eq!(chosen(&["de", "es"], false).unwrap(), ["es"]);
    }

    #[test]
    fn the_fallback_follows_the_site_order() {
        assert_eq!(chosen(&["es", "fr"], true).unwrap(), ["es", "fr", "en", "ar", "pt-BR"]);
        assert_eq!(chosen(&["de"], true), None);
        assert_eq!(site().fallback(true).order(), ["en", "fr", "es", "ar", "pt-BR"]);
        assert_eq!(site().fallback(false).order(), [] as [&str; 0]);
        assert_eq!(chosen(&["*"], false).unwrap(), ["en", "fr", "es", "ar", "pt-BR"]);
    }

    #[test]
    fn arabic_is_written_right_to_left() {
        assert_eq!(direction("ar"), Direction::Rtl);
        assert_eq!(direction("ar-EG"), Direction::Rtl);
        assert_eq!(direction("az-Arab"), Direction::Rtl);
        assert_eq!(direction("fr"), Direction::Ltr);
    }
}
