//! Who is calling. Handlers state what they need in their signature: `Reader` for reads
//! (anonymous, or signed in and allowed to see drafts), `Editor` for content writes, `Admin`
//! for user management. A token is checked against the user's current state on every
//! request, so a disabled user's tokens stop working at once.

pub mod password;
pub mod throttle;
pub mod token;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use diesel::OptionalExtension;

use crate::db;
use crate::domain::news::Visibility;
pub use crate::domain::users::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// A signed-in user, as of this request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

type Pending<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// The bearer token of a request: `None` without an `Authorization` header.
fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| ApiError::invalid_token())?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(ApiError::invalid_token()),
    }
}

/// The user behind the request's token, if it has one. A token that is present but not
/// valid, or whose user is gone, disabled or has another role now, is refused.
fn authenticate(req: &HttpRequest) -> Pending<Option<AuthUser>> {
    let token = bearer(req);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let keys = req.app_data::<web::Data<token::Keys>>().cloned();
    Box::pin(async move {
        let Some(token) = token? else { return Ok(None) };
        let (Some(state), Some(keys)) = (state, keys) else { return Err(ApiError::internal(std::fmt::Error)) };
        let claims = keys.verify(&token).ok_or_else(ApiError::invalid_token)?;
        let id: i64 = claims.sub.parse().map_err(|_| ApiError::invalid_token())?;
        let user = state.db(move |c| Ok(db::users::find(c, id).optional()?)).await?;
        match user {
            Some(user) if !user.disabled && user.role == claims.role => {
                Ok(Some(AuthUser { id: user.id, username: user.username, role: claims.role }))
            }
            _ => Err(ApiError::invalid_token()),
        }
    })
}

/// A signed-in user of at least `role`: 401 without a valid token, 403 with too low a role.
fn require(req: &HttpRequest, role: Role) -> Pending<AuthUser> {
    let user = authenticate(req);
    Box::pin(async move {
        match user.await? {
            None => {
                Err(ApiError::Unauthorized { detail: "this request needs a bearer token".into(), invalid_token: false })
            }
            Some(user) if user.role >= role => Ok(user),
            Some(_) => Err(ApiError::Forbidden(format!("this request needs the {role} role"))),
        }
    })
}

/// A caller reading content: anonymous readers see only public items, signed-in users all.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub visibility: Visibility,
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Pending<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = authenticate(req);
        Box::pin(async move {
            let visibility = if user.await?.is_some() { Visibility::Everything } else { Visibility::Public };
            Ok(Self { visibility })
        })
    }
}

/// A caller allowed to change content (editors and admins).
#[derive(Debug, Clone)]
pub struct Editor(pub AuthUser);

impl FromRequest for Editor {
    type Error = ApiError;
    type Future = Pending<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = require(req, Role::Editor);
        Box::pin(async move { user.await.map(Self) })
    }
}

/// A caller allowed to manage users.
#[derive(Debug, Clone)]
pub struct Admin(pub AuthUser);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pending<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = require(req, Role::Admin);
        Box::pin(async move { user.await.map(Self) })
    }
}
