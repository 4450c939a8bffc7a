//! A shared cache of the answers anonymous readers get. An answer is kept with the content
//! version it was computed at (`db::version`) and served again only while the content is at
//! that version (for an answer about one organization: while no write has reached it), and
//! never past its own `max-age` or the next scheduled publication (which changes what
//! anonymous readers see without any write).
//!
//! Identical requests that find no answer at the same moment wait for the first one's answer
//! instead of each computing it (no stampede after a write): the cache holds a placeholder
//! for the answer being made.
//!
//! It sits inside the conditional-request middleware: that one hashes the body for the
//! `ETag` and answers `304`, the same for a kept answer as for a new one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::conditional::PUBLIC_MAX_AGE;
use super::metrics::Metrics;
use crate::domain::users::Caller;
use crate::state::AppState;
use crate::{db, domain};

/// A typical answer (a page of headlines), to size the cache's index.
const TYPICAL_ANSWER: u64 = 32 * 1024;

/// Anonymous answers by content version, path and query, bounded in bytes. Answers of an
/// older version are never asked for again, and leave as new ones come in.
pub struct ResponseCache {
    answers: Cache<Key, Arc<Entry>, Size>,
    /// Larger answers are not kept: a few of them would push out everything else.
    largest: usize,
}

/// The content version (for an answer about one organization, the version that last reached
/// it) and the path with its query.
type Key = (i64, String);

/// What the cache knows of a request until `expires`.
struct Entry {
    expires: Instant,
    /// `None`: the answer is not one to keep (not public, an error, too large). Requests that
    /// waited for it compute their own, at once, and so do later ones until `expires`.
    answer: Option<Kept>,
}

/// An answer as the handler gave it, before the `ETag` and the default `Cache-Control`.
struct Kept {
    stored: Instant,
    headers: HeaderMap,
    body: Bytes,
}

/// How long a request is known to give an answer not to keep: long enough that identical
/// requests arriving together do not queue behind one another, short enough that one which
/// becomes public soon is kept again soon.
const NOT_KEPT_FOR: Duration = Duration::from_secs(1);

#[derive(Clone)]
struct Size;

impl Weighter<Key, Arc<Entry>> for Size {
    fn weight(&self, (_, path): &Key, entry: &Arc<Entry>) -> u64 {
        let answer = entry.answer.as_ref().map_or(0, |kept| {
            let headers: usize = kept.headers.iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
            headers + kept.body.len()
        });
        // The entry's own bookkeeping (instants, header map, reference counts) is about this.
        (path.len() + answer + 256) as u64
    }
}

impl ResponseCache {
    /// `None` when `megabytes` is 0: caching is off.
    pub fn new(megabytes: u64) -> Option<Self> {
        let capacity = megabytes.saturating_mul(1 << 20);
        if capacity == 0 {
            return None;
        }
        let items = usize::try_from(capacity / TYPICAL_ANSWER).unwrap_or(usize::MAX).max(16);
        Some(Self {
            answers: Cache::with_weighter(items, capacity, Size),
            largest: usize::try_from(capacity / 16).unwrap_or(usize::MAX),
        })
    }
}

impl Kept {
    fn response(&self, now: Instant) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        for (name, value) in &self.headers {
            res.append_header((name.clone(), value.clone()));
        }
        // How long ago the answer was made, so that caches downstream keep it no longer
        // than its `max-age` allows (RFC 9111 5.1).
        res.insert_header((header::AGE, now.duration_since(self.stored).as_secs()));
        res.body(self.body.clone())
    }
}

/// Middleware: answers a GET of a caller shown what anonymous readers are from the cache when the kept answer is
/// still current, and keeps the public `200` answers it lets through.
pub async fn serve_cached(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(cache) = req.app_data::<web::Data<ResponseCache>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let public = req.extensions().get::<Caller>().is_none_or(Caller::sees_public_only);
    // Media files stream from the store; clients and CDNs keep them (they never change).
    let file = req.path().starts_with(crate::media::PREFIX);
    let (Some(state), true) = (state, req.method() == Method::GET && public && !file) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // A database that does not answer here is reported by the handler, which needs it too.
    let Ok(version) = state.content_version_for(organization(req.path())).await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let mut path = req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |pq| pq.as_str().to_owned());
    // Listings answer in the languages this header asks for, when the URL names none.
    if let Some(languages) = req.headers().get(header::ACCEPT_LANGUAGE) {
        path.push('\n');
        path.push_str(&String::from_utf8_lossy(languages.as_bytes()));
    }
    let key = (version, path);
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let count = |outcome| metrics.as_ref().map(|m| m.cache_lookup(outcome));
    // Waits while an identical request is making the answer.
    let placeholder = loop {
        match cache.answers.get_value_or_guard_async(&key).await {
            Ok(entry) if started < entry.expires => {
                count(if entry.answer.is_some() { "hit" } else { "miss" });
                let Some(kept) = &entry.answer else { return Ok(next.call(req).await?.map_into_boxed_body()) };
                let (req, _) = req.into_parts();
                return Ok(ServiceResponse::new(req, kept.response(Instant::now())));
            }
            // Expired: the first request to find it so makes the answer again.
            Ok(_) => drop(cache.answers.remove_if(&key, |entry| entry.expires <= started)),
            Err(placeholder) => break placeholder,
        }
    };
    count("miss");
    let not_kept = || Arc::new(Entry { expires: started + NOT_KEPT_FOR, answer: None });

    // Taken before the handler reads: an item that it saw as scheduled is still scheduled after
    // `now`, so the kept answer ends when that item comes out.
    let now = domain::dates::now();
    let res = next.call(req).await?;
    let Some(max_age) = public_max_age(&res) else {
        _ = placeholder.insert(not_kept());
        return Ok(res.map_into_boxed_body());
    };
    let Ok(next_publication) = state.db(move |c| Ok(db::news::next_publication(c, now)?)).await else {
        _ = placeholder.insert(not_kept());
        return Ok(res.map_into_boxed_body());
    };
    let until_publication =
        next_publication.map(|at| (at.and_utc() - now).to_std().unwrap_or(Duration::ZERO)).unwrap_or(Duration::MAX);
    let lifetime = max_age.min(until_publication);
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = super::body_bytes(body).await?;
    let entry = if !lifetime.is_zero() && bytes.len() <= cache.largest {
        let kept = Kept { stored: started, headers: head.headers().clone(), body: bytes.clone() };
        Arc::new(Entry { expires: started + lifetime, answer: Some(kept) })
    } else {
        not_kept()
    };
    // Refused only when the cache has no room for it: the waiting requests then make their own.
    _ = placeholder.insert(entry);
    Ok(ServiceResponse::new(req, head.set_body(bytes).map_into_boxed_body()))
}

/// The organization an answer is about, where its path says so: it changes only with the
/// writes that reach that organization (`Reach`). Every other answer changes with any write.
fn organization(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/v1/organizations/")?;
    let slug = rest.split('/').next().filter(|slug| !slug.is_empty())?;
    // A slug spelled otherwise (percent-encoded) is left to the general case.
    slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-').then_some(slug)
}

/// How long a `200` may be kept: its `max-age` when its `Cache-Control` says `public`, the
/// public default when it has none; `None` for every other answer.
fn public_max_age<B>(res: &ServiceResponse<B>) -> Option<Duration> {
    use header::CacheDirective::{MaxAge, Public};
    if res.status() != StatusCode::OK {
        return None;
    }
    let directives: Vec<header::CacheDirective> = match res.headers().get(header::CACHE_CONTROL) {
        None => vec![Public, MaxAge(PUBLIC_MAX_AGE)],
        Some(_) => header::from_comma_delimited(res.headers().get_all(header::CACHE_CONTROL)).ok()?,
    };
    if !directives.contains(&Public) {
        return None;
    }
    directives.iter().find_map(|d| match d {
        MaxAge(seconds) => Some(Duration::from_secs((*seconds).into())),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn answer(status: StatusCode, cache_control: Option<&str>) -> ServiceResponse {
        let mut res = HttpResponse::build(status);
        if let Some(value) = cache_control {
            res.insert_header((header::CACHE_CONTROL, value));
        }
        TestRequest::default().to_srv_response(res.finish())
    }

    #[test]
    fn answers_about_one_organization_are_known_by_their_path() {
        assert_eq!(organization("/api/v1/organizations/interpol"), Some("interpol"));
        assert_eq!(organization("/api/v1/organizations/interpol/bodies/3"), Some("interpol"));
        assert_eq!(organization("/api/v1/organizations/un-women/news"), Some("un-women"));
        for general in
            ["/api/v1/organizations", "/api/v1/organizations/", "/api/v1/news", "/api/v1/organizations/inter%70ol"]
        {
            assert_eq!(organization(general), None, "{general}");
        }
    }

    #[test]
    fn only_public_answers_are_kept() {
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(public_max_age(&answer(StatusCode::OK, None)), secs(30));
        assert_eq!(public_max_age(&answer(StatusCode::OK, Some("public, max-age=120"))), secs(120));
        assert_eq!(public_max_age(&answer(StatusCode::OK, Some("public, max-age=0"))), secs(0));
        for private in ["no-store", "no-cache", "private, no-cache", "public"] {
            assert_eq!(public_max_age(&answer(StatusCode::OK, Some(private))), None, "{private}");
        }
        assert_eq!(public_max_age(&answer(StatusCode::NOT_FOUND, None)), None);
        assert_eq!(public_max_age(&answer(StatusCode::CREATED, None)), None);
    }
}
