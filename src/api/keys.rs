//! Partner keys: `/api/v1/keys`. Admins make a key for each partner, with its scopes, its
//! quota and an optional expiry; the whole key is shown once, on create and on rotate.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created};
use crate::auth::Admin;
use crate::domain::params;
use crate::error::ApiError;
use crate::http::Json;
use crate::service::keys::{self, ApiKey, KeyPatch, KeyWrite, RotateParams};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_keys)
        .service(create_key)
        .service(get_key)
        .service(update_key)
        .service(revoke_key)
        .service(rotate_key);
}

/// Every key.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub items: Vec<ApiKey>,
}

/// List partner keys
///
/// Every partner key, oldest first, with its prefix, scopes, quota, expiry and when it was last
/// used; never the key itself. Admins only (401 without a valid bearer token, 403 otherwise).
#[utoipa::path(operation_id = "list_keys", tag = "keys", security(("bearer" = [])), responses((status = 200, description = "Every key", body = KeyList), crate::openapi::AdminReadErrors))]
#[get("/keys")]
pub async fn list_keys(state: State, _: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(KeyList { items: keys::list(&state).await? }))
}

/// Make a partner key
///
/// Makes a key and answers 201 with it, the whole key (`key`) included: it is shown this once
/// and stored only as a hash. Send it as `Authorization: Bearer nd_…`. Admins only (401 without
/// a valid bearer token, 403 otherwise). A body that is not JSON is 415, malformed JSON 400, a
/// field that fails validation 422 naming it in `errors`.
#[utoipa::path(operation_id = "create_key", tag = "keys", security(("bearer" = [])), request_body = KeyWrite, responses((status = 201, description = "Made; `key` is shown this once", body = ApiKey), crate::openapi::CreateErrors))]
#[post("/keys")]
pub async fn create_key(
    state: State,
    Admin(admin): Admin,
    Json(body): Json<KeyWrite>,
) -> Result<HttpResponse, ApiError> {
    let key = keys::create(&state, &admin.actor(), body).await?;
    Ok(created(state.url(&format!("/api/v1/keys/{}", key.id)), &key))
}

/// Get a partner key
///
/// One key by id, without the key itself. Admins only (401 without a valid bearer token, 403
/// otherwise).
#[utoipa::path(operation_id = "get_key", tag = "keys", security(("bearer" = [])), params(("id" = i64, Path, description = "Key id")), responses((status = 200, description = "The key", body = ApiKey), crate::openapi::AdminReadErrors))]
#[get("/keys/{id}")]
pub async fn get_key(state: State, _: Admin, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(keys::get(&state, id.into_inner()).await?))
}

/// Change a partner key's name, scopes, quota or expiry
///
/// Changes only the fields the body names (`null` for `expires_at`: never expires). The change
/// holds from the next request, on every replica. Admins only (401 without a valid bearer
/// token, 403 otherwise). A body that is not JSON is 415, malformed JSON 400, a field that fails
/// validation 422 naming it in `errors`.
#[utoipa::path(operation_id = "update_key", tag = "keys", security(("bearer" = [])), params(("id" = i64, Path, description = "Key id")), request_body = KeyPatch, responses((status = 200, description = "Changed", body = ApiKey), crate::openapi::ChangeErrors))]
#[patch("/keys/{id}")]
pub async fn update_key(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
    Json(patch): Json<KeyPatch>,
) -> Result<HttpResponse, ApiError> {
    Ok(changed(&keys::update(&state, &admin.actor(), id.into_inner(), patch).await?))
}

/// Revoke a partner key
///
/// Deletes the key: every request that sends it is refused (401) from now on, on every
/// replica. Admins only (401 without a valid bearer token, 403 otherwise).
#[utoipa::path(operation_id = "revoke_key", tag = "keys", security(("bearer" = [])), params(("id" = i64, Path, description = "Key id")), responses((status = 204, description = "Revoked"), crate::openapi::DeleteErrors))]
#[delete("/keys/{id}")]
pub async fn revoke_key(state: State, Admin(admin): Admin, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    keys::revoke(&state, &admin.actor(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give a partner key a new secret
///
/// Answers the key with its new whole key (`key`), shown this once; the key before keeps
/// working for `grace_seconds` (default 24 h), so the partner can switch without a gap.
/// Admins only (401 without a valid bearer token, 403 otherwise).
#[utoipa::path(operation_id = "rotate_key", tag = "keys", security(("bearer" = [])), params(("id" = i64, Path, description = "Key id"), RotateParams), responses((status = 200, description = "Rotated; `key` is shown this once", body = ApiKey), crate::openapi::ChangeErrors))]
#[post("/keys/{id}/rotate")]
pub async fn rotate_key(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let grace = params::read::<RotateParams>(req.query_string())?.grace()?;
    Ok(changed(&keys::rotate(&state, &admin.actor(), id.into_inner(), grace).await?))
}
