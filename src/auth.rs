//! Who is calling. Handlers state what they need in their signature: `Reader` for reads,
//! `Writer` for every write. The service has no accounts yet, so every reader is anonymous
//! and every writer is admitted; requiring a token changes these two extractors only.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::domain::news::Visibility;
use crate::error::ApiError;

/// A caller reading content: what it may see.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub visibility: Visibility,
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self { visibility: Visibility::Public }))
    }
}

/// A caller allowed to change content. Writers work on drafts and scheduled items too.
#[derive(Debug, Clone, Copy)]
pub struct Writer;

impl FromRequest for Writer {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self))
    }
}
