//! Conditional requests. Every successful answer with a body gets a strong `ETag` (a hash of
//! its bytes, with a suffix for the content coding it is sent in, see `encoding`), a GET whose
//! `If-None-Match` matches is answered `304`, and writes check `If-Match` against the ETag of
//! the resource as a GET would answer it now.

use std::future::{Ready, ready};
use std::sync::LazyLock;
use std::time::SystemTime;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    self, CacheControl, CacheDirective, ETag, EntityTag, Header, HeaderMap, HttpDate, IfModifiedSince, IfNoneMatch,
    TryIntoHeaderValue,
};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, dev::Payload};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use super::encoding::{self, Coding, identity_tag};
use crate::domain::users::Caller;
use crate::error::ApiError;

/// Seconds shared caches may keep a public answer.
pub const PUBLIC_MAX_AGE: u32 = 30;

/// How long caches may keep an answer: public ones for `PUBLIC_MAX_AGE`; those to signed-in
/// readers may show drafts, so shared caches never store them. Written once: every answer,
/// kept ones included, carries one of the two.
fn cache_policy(signed_in: bool) -> header::HeaderValue {
    static POLICIES: LazyLock<[header::HeaderValue; 2]> = LazyLock::new(|| {
        [
            CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(PUBLIC_MAX_AGE)]),
            CacheControl(vec![CacheDirective::Private, CacheDirective::NoCache]),
        ]
        .map(|policy| policy.try_into_value().unwrap_or_else(|_| header::HeaderValue::from_static("no-store")))
    });
    POLICIES[usize::from(signed_in)].clone()
}

/// The strong entity tag of a body.
pub fn etag(body: &[u8]) -> EntityTag {
    EntityTag::new_strong(format!("{:016x}", xxh3_64(body)))
}

/// The ETag a GET of this value answers (the JSON body is exactly these bytes).
pub fn etag_of(value: &impl Serialize) -> EntityTag {
    etag(&serde_json::to_vec(value).unwrap_or_default())
}

/// The date a header holds, if it holds one.
fn http_date(headers: &HeaderMap, name: header::HeaderName) -> Option<SystemTime> {
    headers.get(name)?.to_str().ok()?.parse::<HttpDate>().ok().map(SystemTime::from)
}

/// Middleware: adds `ETag` (and a default `Cache-Control` on GET) to successful answers, turns
/// a GET whose `If-None-Match` matches into `304 Not Modified`, and sends every answer in the
/// content coding negotiated for it.
pub async fn tag_responses(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Media files carry their own tag and conditional handling, and stream: never read whole.
    if req.path().starts_with(crate::media::PREFIX) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let is_get = req.method() == Method::GET;
    let signed_in = !req.extensions().get::<Caller>().is_none_or(Caller::sees_public_only);
    let coding = Coding::negotiate(&req);
    // Present but unreadable: nothing matches it (and If-Modified-Since is still ignored).
    let if_none_match = req.headers().contains_key(header::IF_NONE_MATCH).then(|| IfNoneMatch::parse(&req).ok());
    let if_modified_since = IfModifiedSince::parse(&req).ok().map(|since| SystemTime::from(since.0));
    let res = next.call(req).await?.map_into_boxed_body();
    if !matches!(res.status(), StatusCode::OK | StatusCode::CREATED) {
        return encoding::send(res, coding).await;
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = super::body_bytes(body).await?;
    let coding = coding.for_body(head.headers(), bytes.len());
    let tag = coding.tag(&etag(&bytes));
    let headers = head.headers_mut();
    if is_get && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, cache_policy(signed_in));
    }
    encoding::vary(headers);
    headers.insert(header::ETAG, ETag(tag.clone()).try_into_value()?);
    // If-None-Match decides when present (weak comparison); If-Modified-Since only without it
    // (RFC 9110 13.1.2, 13.2.2).
    let unchanged = match (if_none_match, if_modified_since, http_date(head.headers(), header::LAST_MODIFIED)) {
        (Some(Some(IfNoneMatch::Any)), ..) => true,
        (Some(Some(IfNoneMatch::Items(tags))), ..) => tags.iter().any(|t| t.weak_eq(&tag)),
        (Some(None), ..) => false,
        (None, Some(since), Some(modified)) => modified <= since,
        _ => false,
    };
    if is_get && unchanged {
        let mut not_modified = HttpResponse::NotModified();
        for name in [header::ETAG, header::CACHE_CONTROL, header::LINK, header::VARY, header::LAST_MODIFIED] {
            if let Some(value) = head.headers().get(&name) {
                not_modified.insert_header((name, value.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    let bytes = coding.encode(bytes, head.headers_mut())?;
    Ok(ServiceResponse::new(req, head.set_body(bytes).map_into_boxed_body()))
}

/// The `If-Match` precondition of a write, if the client sent one.
#[derive(Debug, Default)]
pub struct IfMatch(Option<header::IfMatch>);

impl IfMatch {
    /// Fails with 412 unless the header is absent, `*`, or lists the current ETag in any
    /// content coding (strong comparison: a weak tag never matches).
    pub fn check(&self, current: &impl Serialize) -> Result<(), ApiError> {
        let current = etag_of(current);
        match &self.0 {
            None | Some(header::IfMatch::Any) => Ok(()),
            Some(header::IfMatch::Items(tags)) if tags.iter().any(|t| identity_tag(t).strong_eq(&current)) => Ok(()),
            Some(header::IfMatch::Items(_)) => Err(ApiError::PreconditionFailed),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if !req.headers().contains_key(header::IF_MATCH) {
            return ready(Ok(Self(None)));
        }
        ready(match header::IfMatch::parse(req) {
            Ok(header::IfMatch::Items(tags)) if tags.is_empty() => Err(malformed_if_match()),
            Ok(parsed) => Ok(Self(Some(parsed))),
            Err(_) => Err(malformed_if_match()),
        })
    }
}

fn malformed_if_match() -> ApiError {
    ApiError::BadRequest {
        detail: r#"If-Match must be `*` or a comma list of entity tags such as "5d41402abc4b2a76""#.into(),
        errors: vec![crate::error::FieldError::new("If-Match", "expected `*` or entity tags")],
    }
}

/// The `If-Match` header as each write operation documents it.
impl utoipa::IntoParams for IfMatch {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{Required, schema::SchemaType};
        let schema = ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .pattern(Some(r#"^(\*|(W/)?"[!#-~]*"(\s*,\s*(W/)?"[!#-~]*")*)$"#));
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "ETag of the current version (from a GET): the write is refused with 412 if it has changed since",
                ))
                .schema(Some(schema))
                .build(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn if_match(value: &str) -> Result<IfMatch, ApiError> {
        let req = TestRequest::default().insert_header((header::IF_MATCH, value)).to_http_request();
        IfMatch::from_request(&req, &mut Payload::None).into_inner()
    }

    #[test]
    fn if_match_takes_entity_tags_or_a_star() {
        for good in ["*", "\"abc\"", "W/\"abc\"", "\"a\", W/\"b\"", "\"\""] {
            assert!(if_match(good).is_ok(), "{good}");
        }
        for bad in ["", "abc", "\"a", "\"a\"b\"", "W/abc", "null"] {
            assert_eq!(if_match(bad).err().map(|e| e.problem().status), Some(400), "{bad}");
        }
    }

    #[test]
    fn if_match_compares_strongly() {
        let value = serde_json::json!({"id": 1});
        let tag = etag_of(&value).to_string();
        assert!(IfMatch(None).check(&value).is_ok());
        assert!(if_match(&tag).unwrap().check(&value).is_ok());
        assert!(if_match(&format!("\"other\", {tag}")).unwrap().check(&value).is_ok());
        assert!(if_match("*").unwrap().check(&value).is_ok());
        let gzip = Coding::Gzip.tag(&etag_of(&value)).to_string();
        assert!(if_match(&gzip).unwrap().check(&value).is_ok(), "the tag of another coding of the same state");
        assert!(if_match(&format!("W/{tag}")).unwrap().check(&value).is_err());
        assert!(if_match("\"stale\"").unwrap().check(&value).is_err());
    }
}
