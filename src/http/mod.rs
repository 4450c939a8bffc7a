//! HTTP plumbing shared by every route: the JSON body extractor, conditional requests
//! (ETag, If-None-Match, If-Match) and problem bodies for errors raised outside handlers.

pub mod conditional;
pub mod json;
pub mod problems;

pub use conditional::IfMatch;
pub use json::Json;
