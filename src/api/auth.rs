//! Sign-in and sign-out: `POST /api/v1/auth/token` exchanges a username and password for a
//! bearer token; `POST /api/v1/auth/logout` ends every token of the caller.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::State;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::Keys;
use crate::auth::{SignedIn, password};
use crate::db;
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::error::ApiError;
use crate::http::{Json, client};
use crate::service::users;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_token).service(logout);
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "alice", "password": "correct horse battery staple"}))]
pub struct TokenRequest {
    username: String,
    password: String,
}

/// A bearer token for the `Authorization` header.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9...", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized { detail: "invalid username or password".into(), invalid_token: false }
}

/// Get an access token
///
/// Repeated failures for one username from one address are slowed down: after three, each
/// makes the next attempt wait longer (429 with `Retry-After`). Other addresses are not held
/// back.
#[utoipa::path(
    operation_id = "create_token", tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A token; one message for an unknown user and a wrong password", body = TokenResponse),
        crate::openapi::LoginErrors,
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    state: State,
    keys: web::Data<Keys>,
    throttle: web::Data<LoginThrottle>,
    req: HttpRequest,
    Json(body): Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    // A name no account can have is refused before it is counted or stored.
    let username = users::normalize_username(&body.username).map_err(|_| wrong_credentials())?;
    let address = client::address(&req);
    let attempt = throttle
        .begin(&username, client::bucket(address))
        .map_err(|wait| ApiError::TooManyRequests(wait.as_secs().max(1)))?;
    let actor = Actor { name: Some(username.clone()), address: Some(address) };
    let mut entry = actor.did(Action(Resource::Auth, Verb::SignIn));
    let user = state.db(move |c| Ok(db::users::by_username(c, &username)?)).await?;
    // A disabled or unknown user is checked against a dummy hash, so every failure takes
    // the same time.
    let active = user.filter(|u| !u.disabled);
    let stored = active.as_ref().map(|u| u.password_hash.clone());
    let verified = password::verify_bounded(body.password, stored).await?;
    let Some(user) = active.filter(|_| verified) else {
        users::record_sign_in(&state, entry.failed()).await?;
        return Err(wrong_credentials());
    };
    entry.on(user.id);
    users::record_sign_in(&state, entry).await?;
    attempt.succeeded();
    let token = keys.issue(user.id, user.role, user.token_generation).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(TokenResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: keys.ttl.as_secs(),
    }))
}

/// Sign out everywhere
///
/// Ends every token of the signed-in user, this one included; sign in again for a new one.
#[utoipa::path(
    operation_id = "logout", tag = "auth",
    responses(
        (status = 204, description = "Every token of this user is refused from now on"),
        crate::openapi::SignedInErrors,
    ),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(state: State, SignedIn(user): SignedIn) -> Result<HttpResponse, ApiError> {
    users::sign_out(&state, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}
