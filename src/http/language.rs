//! Content negotiation by language: the ranges of `Accept-Language`, and the headers that say
//! which language an answer is in and what chose it.

use actix_web::http::header::{self, AcceptLanguage, Header, Preference, Quality};
use actix_web::{HttpRequest, HttpResponseBuilder};

use crate::domain::language::{Asked, Choice};
use crate::domain::listing::{FilterParams, NewsFilter};
use crate::error::ApiError;
use crate::state::AppState;

/// The ranges of the request's `Accept-Language`, best first, without those it refuses
/// (`q=0`); `None` when it has none, or one that cannot be read (then no language is asked for).
pub fn accept_language(req: &HttpRequest) -> Option<Vec<String>> {
    let AcceptLanguage(mut ranges) = AcceptLanguage::parse(req).ok()?;
    ranges.retain(|range| range.quality > Quality::ZERO);
    // Stable: ranges of equal weight keep the order they were sent in.
    ranges.sort_by_key(|range| std::cmp::Reverse(range.quality));
    let ranges: Vec<String> = ranges
        .into_iter()
        .map(|range| match range.item {
            Preference::Any => "*".to_owned(),
            Preference::Specific(tag) => tag.into_string(),
        })
        .collect();
    (!ranges.is_empty()).then_some(ranges)
}

/// The filters of a listing or an archive request, its languages chosen by `lang` or else by
/// `Accept-Language`.
pub fn negotiated_filter(state: &AppState, req: &HttpRequest, params: &FilterParams) -> Result<NewsFilter, ApiError> {
    NewsFilter::new(params, &state.languages, accept_language(req).as_deref())
}

/// Says which language the answer is meant for, and that the same URL answers in other
/// languages to other `Accept-Language` headers unless `lang` fixed it.
pub fn declare(res: &mut HttpResponseBuilder, lang: Option<&str>, asked: Asked) {
    if let Some(lang) = lang {
        res.insert_header((header::CONTENT_LANGUAGE, lang));
    }
    if asked != Asked::Param {
        res.append_header((header::VARY, "Accept-Language"));
    }
}

/// `declare` for a listing of news items.
pub fn declare_filter(res: &mut HttpResponseBuilder, filter: &NewsFilter) {
    declare(res, filter.languages.as_ref().and_then(Choice::best), filter.asked);
}
