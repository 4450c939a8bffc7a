//! HTTP plumbing shared by every route: the JSON body extractor, conditional requests
//! (ETag, If-None-Match, If-Match), the cache of anonymous answers, problem bodies for errors raised outside handlers,
//! rate limiting, security headers and metrics.

pub mod cache;
pub mod conditional;
pub mod json;
pub mod metrics;
pub mod problems;
pub mod rate_limit;
pub mod security;

pub use conditional::IfMatch;
pub use json::Json;
