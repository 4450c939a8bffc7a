//! Conditional requests. Every successful answer with a body gets a strong `ETag` (a hash of
//! its bytes), a GET whose `If-None-Match` matches is answered `304`, and writes check
//! `If-Match` against the ETag of the resource as a GET would answer it now.

use std::future::{Ready, ready};

use actix_web::body::{self, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::error::ApiError;

/// How long shared caches may keep a public answer.
pub const PUBLIC_CACHE: &str = "public, max-age=30";
/// Answers to signed-in readers may show drafts: never stored by shared caches.
pub const PRIVATE_CACHE: &str = "private, no-cache";

/// The strong entity tag of a body.
pub fn etag(body: &[u8]) -> String {
    format!("\"{:016x}\"", xxh3_64(body))
}

/// The ETag a GET of this value answers (the JSON body is exactly these bytes).
pub fn etag_of(value: &impl Serialize) -> String {
    etag(&serde_json::to_vec(value).unwrap_or_default())
}

/// Whether a list of entity tags (`If-None-Match`, weak comparison) names `tag`.
fn none_match_hits(header: &str, tag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    header.split(',').any(|t| t.trim() == "*" || bare(t) == bare(tag))
}

/// Middleware: adds `ETag` (and a default public `Cache-Control` on GET) to successful
/// answers, and turns a GET whose `If-None-Match` matches into `304 Not Modified`.
pub async fn tag_responses(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_get = req.method() == Method::GET;
    let signed_in = req.headers().contains_key(header::AUTHORIZATION);
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let if_modified_since = http_date(req.headers().get(header::IF_MODIFIED_SINCE));
    let res = next.call(req).await?;
    let status = res.status();
    if !matches!(status, StatusCode::OK | StatusCode::CREATED) || res.headers().contains_key(header::ETAG) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = body::to_bytes(body).await.map_err(|e| actix_web::error::ErrorInternalServerError(e.into()))?;
    let tag = etag(&bytes);
    let headers = head.headers_mut();
    if is_get && !headers.contains_key(header::CACHE_CONTROL) {
        let policy = if signed_in { PRIVATE_CACHE } else { PUBLIC_CACHE };
        headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static(policy));
        headers.append(header::VARY, header::HeaderValue::from_static("Authorization"));
    }
    if let Ok(value) = header::HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    // If-None-Match decides when present; If-Modified-Since only without it (RFC 9110 13.2.2).
    let unchanged = match (&if_none_match, if_modified_since, http_date(head.headers().get(header::LAST_MODIFIED))) {
        (Some(h), _, _) => none_match_hits(h, &tag),
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
    Ok(ServiceResponse::new(req, head.set_body(bytes).map_into_boxed_body()))
}

fn http_date(value: Option<&header::HeaderValue>) -> Option<std::time::SystemTime> {
    value?.to_str().ok()?.parse::<header::HttpDate>().ok().map(std::time::SystemTime::from)
}

/// The `If-Match` precondition of a write, if the client sent one.
#[derive(Debug, Default)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    /// Fails with 412 unless the header is absent, `*`, or lists the current ETag
    /// (strong comparison: a weak tag never matches).
    pub fn check(&self, current: &impl Serialize) -> Result<(), ApiError> {
        self.check_tag(&etag_of(current))
    }

    /// As `check`, against an entity tag already computed.
    pub fn check_tag(&self, tag: &str) -> Result<(), ApiError> {
        let Some(header) = &self.0 else { return Ok(()) };
        if header.split(',').map(str::trim).any(|t| t == "*" || t == tag) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req.headers().get(header::IF_MATCH).map(|v| v.to_str().map(str::to_owned));
        ready(match value {
            None => Ok(Self(None)),
            Some(Ok(value)) if is_entity_tag_list(&value) => Ok(Self(Some(value))),
            Some(_) => Err(ApiError::BadRequest {
                detail: r#"If-Match must be `*` or a comma list of entity tags such as "5d41402abc4b2a76""#.into(),
                errors: vec![crate::error::FieldError::new("If-Match", "expected `*` or entity tags")],
            }),
        })
    }
}

/// The `If-Match` header as each write operation documents it; the same rule as
/// `is_entity_tag_list`.
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

/// `*`, or entity tags (`"..."` or `W/"..."`) separated by commas (RFC 9110 8.8.3).
fn is_entity_tag_list(value: &str) -> bool {
    let is_tag = |t: &str| {
        let opaque = t.strip_prefix("W/").unwrap_or(t);
        opaque.len() >= 2
            && opaque.starts_with('"')
            && opaque.ends_with('"')
            && opaque[1..opaque.len() - 1].bytes().all(|b| b == 0x21 || (0x23..=0x7e).contains(&b))
    };
    value.trim() == "*" || value.split(',').all(|t| is_tag(t.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly() {
        assert!(none_match_hits("\"abc\"", "\"abc\""));
        assert!(none_match_hits("W/\"abc\", \"def\"", "\"abc\""));
        assert!(none_match_hits("*", "\"abc\""));
        assert!(!none_match_hits("\"abd\"", "\"abc\""));
    }

    #[test]
    fn entity_tag_lists() {
        for good in ["*", "\"abc\"", "W/\"abc\"", "\"a\", W/\"b\"", "\"\""] {
            assert!(is_entity_tag_list(good), "{good}");
        }
        for bad in ["", "abc", "\"a", "\"a\"b\"", "W/abc", "\"a\",", "null"] {
            assert!(!is_entity_tag_list(bad), "{bad}");
        }
    }

    #[test]
    fn if_match_compares_strongly() {
        let value = serde_json::json!({"id": 1});
        let tag = etag_of(&value);
        assert!(IfMatch(None).check(&value).is_ok());
        assert!(IfMatch(Some(tag.clone())).check(&value).is_ok());
        assert!(IfMatch(Some("*".into())).check(&value).is_ok());
        assert!(IfMatch(Some(format!("W/{tag}"))).check(&value).is_err());
        assert!(IfMatch(Some("\"stale\"".into())).check(&value).is_err());
    }
}
