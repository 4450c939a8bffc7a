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

pub use conditional::IfMatch;
pub use json::Json;

/// Paths that load balancers and orchestrators poll: never rate limited, and never asked for
/// a user's token.
pub fn is_probe(path: &str) -> bool {
    matches!(path, "/health" | "/ready")
}
