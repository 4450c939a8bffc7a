//! User accounts: `/api/v1/users` (admins only). Passwords go in, never out.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created, not_null, utc};
use crate::auth::{Admin, Role};
use crate::db;
use crate::db::users::UserRow;
use crate::domain::ids::UserId;
use crate::domain::slug::Key;
use crate::error::ApiError;
use crate::http::Json;
use crate::service::users::{self, AccountChange};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_users).service(create_user).service(get_user).service(update_user);
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 2, "username": "alice", "role": "editor", "disabled": false,
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    /// A disabled user cannot sign in and their tokens are refused.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            username: row.username,
            role: row.role,
            disabled: row.disabled,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<User>,
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "alice", "password": "correct horse battery staple", "role": "editor"}))]
pub struct UserCreate {
    /// Stored in lowercase.
    #[schema(pattern = r"^[A-Za-z0-9._@-]{1,64}$", example = "alice")]
    username: String,
    #[schema(min_length = 10, max_length = 1024)]
    password: String,
    /// Default `editor`.
    #[serde(default = "default_role")]
    role: Role,
}

fn default_role() -> Role {
    Role::Editor
}

/// Changes to an account: a new role, a password reset, disabling or enabling it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disabled": true}))]
pub struct UserPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    role: Option<Role>,
    /// A new password.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, min_length = 10, max_length = 1024)]
    password: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    disabled: Option<bool>,
}

fn user_id(segment: &str) -> Result<UserId, ApiError> {
    match Key::parse(segment) {
        Some(Key::Id(id)) => Ok(id),
        _ => Err(ApiError::NotFound(format!("no user with id {segment}"))),
    }
}

/// List users
///
/// Every account, in username order, with its role and whether it is disabled; never a password
/// or its hash. Admins only (401 without a valid bearer token, 403 for editors). The answer
/// carries an `ETag`: send it in `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "list_users", tag = "users", security(("bearer" = [])), responses((status = 200, description = "Every user", body = UserList), crate::openapi::AdminReadErrors))]
#[get("/users")]
pub async fn list_users(state: State, _: Admin) -> Result<HttpResponse, ApiError> {
    let rows = state.db(|c| Ok(db::users::list(c)?)).await?;
    Ok(HttpResponse::Ok().json(UserList { items: rows.into_iter().map(User::from).collect() }))
}

/// Get one user
///
/// One account by numeric id. Admins only (401 without a valid bearer token, 403 for editors).
/// The answer carries an `ETag`: send it in `If-None-Match` to get 304 while nothing changed.
#[utoipa::path(operation_id = "get_user", tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "User id")), responses((status = 200, description = "The user", body = User), crate::openapi::AdminReadErrors))]
#[get("/users/{id}")]
pub async fn get_user(state: State, _: Admin, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = user_id(&id)?;
    let row = state
        .db(move |c| {
            db::users::find(c, id).optional()?.ok_or_else(|| ApiError::NotFound(format!("no user with id {id}")))
        })
        .await?;
    Ok(HttpResponse::Ok().json(User::from(row)))
}

/// Create a user
///
/// Creates an account (the password is stored only as an Argon2id hash) and answers 201 with
/// `Location`. A username already taken is 409. Admins only (401 without a valid bearer token,
/// 403 for editors). A body that is not JSON is 415, malformed JSON 400, a field that fails
/// validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "create_user", tag = "users", security(("bearer" = [])), request_body = UserCreate, responses((status = 201, description = "Created", body = User), crate::openapi::CreateErrors))]
#[post("/users")]
pub async fn create_user(
    state: State,
    Admin(admin): Admin,
    Json(body): Json<UserCreate>,
) -> Result<HttpResponse, ApiError> {
    let user = users::create(&state, &admin.actor(), &body.username, body.password, body.role).await?;
    let user = User::from(user);
    Ok(created(state.url(&format!("/api/v1/users/{}", user.id)), &user))
}

/// Change a user's role, reset their password, or disable them
///
/// Changes an account's role, password or disabled state. A new password, role or state ends
/// every token the user held. A change that would leave no active admin is 409. Admins only
/// (401 without a valid bearer token, 403 for editors). A body that is not JSON is 415,
/// malformed JSON 400, a field that fails validation 422 naming it in `errors`; a body over 1
/// MiB is 413.
#[utoipa::path(operation_id = "update_user", tag = "users", security(("bearer" = [])), params(("id" = i64, Path, description = "User id")), request_body = UserPatch, responses((status = 200, description = "Changed", body = User), crate::openapi::ChangeErrors))]
#[patch("/users/{id}")]
pub async fn update_user(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
    Json(patch): Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&id)?;
    let change = AccountChange { role: patch.role, password: patch.password, disabled: patch.disabled };
    let user = users::change(&state, &admin.actor(), id, change).await?;
    Ok(changed(&User::from(user)))
}
