//! Who is calling. The `identify` middleware resolves the request's credentials once, before
//! rate limiting (which spares only callers it has verified); handlers then state what they
//! need in their signature: `Reader` for reads (anonymous, or signed in and allowed to see
//! drafts), `Editor` for content writes, `Admin` for user management. A token is checked
//! against the user's current state on every request, so a disabled user's tokens, and every
//! token issued before a password change or a sign-out, stop working at once.

mod keys;
pub mod password;
pub mod throttle;
pub mod token;

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use diesel::OptionalExtension;

use crate::db;
use crate::domain::audit::Actor;
use crate::domain::ids::UserId;
use crate::domain::keys::Scope;
use crate::domain::news::Visibility;
pub use crate::domain::users::{AuthUser, Caller, Role};
use crate::error::ApiError;
use crate::state::AppState;

/// The caller `identify` found (anonymous where it did not run).
fn caller(req: &HttpRequest) -> Caller {
    req.extensions().get::<Caller>().cloned().unwrap_or_default()
}

/// The bearer token of a request: `None` without an `Authorization` header.
fn bearer(req: &ServiceRequest) -> Result<Option<String>, ApiError> {
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
/// valid, or whose user is gone, disabled, has another role now or has revoked the tokens
/// issued before, is refused.
async fn authenticate(req: &ServiceRequest) -> Result<Caller, ApiError> {
    let Some(token) = bearer(req)? else { return Ok(Caller::Anonymous) };
    let (Some(state), Some(tokens)) = (req.app_data::<web::Data<AppState>>(), req.app_data::<web::Data<token::Keys>>())
    else {
        return Err(ApiError::internal(std::fmt::Error));
    };
    if token.starts_with(crate::domain::keys::MARK) {
        let address = crate::http::client::address(req.request());
        let key = keys::authenticate(state, &token, address).await?;
        return key.map(Caller::Key).ok_or_else(ApiError::invalid_token);
    }
    let claims = tokens.verify(&token).ok_or_else(ApiError::invalid_token)?;
    let id: UserId = claims.sub.parse().map_err(|_| ApiError::invalid_token())?;
    let user = state.db(move |c| Ok(db::users::find(c, id).optional()?)).await?;
    match user {
        Some(user) if !user.disabled && user.role == claims.role && user.token_generation == claims.generation => {
            let address = Some(crate::http::client::address(req.request()));
            Ok(Caller::User(AuthUser { id: user.id, username: user.username, role: claims.role, address }))
        }
        _ => Err(ApiError::invalid_token()),
    }
}

/// Middleware: resolves the caller, or answers 401 for credentials that do not verify, on
/// every route but the probes and metrics (whose bearer token, if any, is not a user's).
pub async fn identify(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !(crate::http::is_probe(req.path()) || req.path() == "/metrics") {
        match authenticate(&req).await {
            Ok(caller) => {
                req.extensions_mut().insert(caller);
            }
            Err(err) => return Ok(req.error_response(err).map_into_boxed_body()),
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A signed-in user of at least `role`: 401 without a valid token, 403 with too low a role.
fn require(req: &HttpRequest, role: Role) -> Result<AuthUser, ApiError> {
    match caller(req) {
        Caller::Anonymous => {
            Err(ApiError::Unauthorized { detail: "this request needs a bearer token".into(), invalid_token: false })
        }
        Caller::User(user) if user.role >= role => Ok(user),
        Caller::User(_) => Err(ApiError::Forbidden(format!("this request needs the {role} role"))),
        Caller::Key(_) => Err(ApiError::Forbidden(format!("this request needs a user's token with the {role} role"))),
    }
}

/// A signed-in user of any role (signing out, say).
#[derive(Debug, Clone)]
pub struct SignedIn(pub AuthUser);

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req, Role::Editor).map(Self))
    }
}

/// A caller reading content: anonymous readers see only public items, signed-in users all.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub visibility: Visibility,
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let visibility = if caller(req).sees_public_only() { Visibility::Public } else { Visibility::Everything };
        ready(Ok(Self { visibility }))
    }
}

/// A caller allowed to change content (editors and admins).
#[derive(Debug, Clone)]
pub struct Editor(pub AuthUser);

impl FromRequest for Editor {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req, Role::Editor).map(Self))
    }
}

/// A caller allowed to write news items: an editor or an admin, or a partner key with the
/// `write` scope; as the audit trail names them.
#[derive(Debug, Clone)]
pub struct NewsWriter(pub Actor);

impl FromRequest for NewsWriter {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match caller(req) {
            Caller::Key(key) if key.may(Scope::Write) => Ok(Self(key.actor())),
            Caller::Key(_) => Err(ApiError::Forbidden("this request needs a key with the write scope".into())),
            _ => require(req, Role::Editor).map(|user| Self(user.actor())),
        })
    }
}

/// A caller allowed to manage users.
#[derive(Debug, Clone)]
pub struct Admin(pub AuthUser);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(require(req, Role::Admin).map(Self))
    }
}
