//! HTTP plumbing shared by every route: the JSON body extractor, conditional requests
//! (ETag, If-None-Match, If-Match), language negotiation, content codings, HEAD, the cache of anonymous answers, problem bodies for errors raised outside handlers,
//! rate limiting, security headers and metrics.

pub mod body_deadline;
pub mod cache;
pub mod client;
pub mod conditional;
pub mod encoding;
pub mod head;
pub mod json;
pub mod language;
pub mod metrics;
pub mod problems;
pub mod rate_limit;
pub mod security;
pub mod shared_quota;

use actix_web::body::MessageBody;
use actix_web::web::Bytes;

pub use conditional::IfMatch;
pub use json::Json;

/// A response body's bytes: a body already whole (as every JSON answer is) is taken as it is,
/// not copied; a stream is read to its end.
pub async fn body_bytes<B: MessageBody>(body: B) -> Result<Bytes, actix_web::Error>
where
    B::Error: Into<Box<dyn std::error::Error>>,
{
    match body.try_into_bytes() {
        Ok(bytes) => Ok(bytes),
        Err(body) => {
            actix_web::body::to_bytes(body).await.map_err(|e| actix_web::error::ErrorInternalServerError(e.into()))
        }
    }
}

/// Paths that load balancers and orchestrators poll: never rate limited, and never asked for
/// a user's token.
pub fn is_probe(path: &str) -> bool {
    matches!(path, "/health" | "/ready")
}
