//! Sign-in: `POST /api/v1/auth/token` exchanges a username and password for a bearer token.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::State;
use crate::auth::password;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::Keys;
use crate::db;
use crate::error::ApiError;
use crate::http::Json;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_token);
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

/// Get an access token
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
    let username = body.username.trim().to_lowercase();
    let address = req.peer_addr().map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    if let Err(wait) = throttle.check(&username, &address) {
        return Err(ApiError::TooManyRequests(wait.as_secs().max(1)));
    }
    let name = username.clone();
    let user = state.db(move |c| Ok(db::users::by_username(c, &name)?)).await?;
    let password = body.password;
    // Hashing is slow by design: off the worker. A disabled or unknown user is checked
    // against a dummy hash, so every failure takes the same time.
    let user = web::block(move || {
        let active = user.filter(|u| !u.disabled);
        password::verify(&password, active.as_ref().map(|u| u.password_hash.as_str())).then_some(active).flatten()
    })
    .await?;
    let Some(user) = user else {
        let delay = throttle.failed(&username, &address);
        actix_web::rt::time::sleep(delay).await;
        return Err(ApiError::Unauthorized { detail: "invalid username or password".into(), invalid_token: false });
    };
    throttle.succeeded(&username);
    let token = keys.issue(user.id, user.role).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(TokenResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: keys.ttl.as_secs(),
    }))
}
