//! User accounts: usernames as stored, passwords hashed before any connection is taken, and
//! never a service without an active admin. The API, the command line and the start-up admin
//! all come here.

use diesel::OptionalExtension;

use crate::auth::{Role, password};
use crate::db;
use crate::db::users::{NewUser, UserChanges, UserRow};
use crate::domain::audit::{Action, Actor, Entry, Resource, Verb};
use crate::domain::dates;
use crate::domain::ids::UserId;
use crate::domain::users::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// A username as stored: trimmed, lowercase, of a small alphabet.
pub fn normalize_username(username: &str) -> Result<String, String> {
    let name = username.trim().to_lowercase();
    let valid = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-@".contains(&b));
    if valid { Ok(name) } else { Err("must be 1 to 64 of a-z, 0-9, `.`, `_`, `-`, `@`".into()) }
}

/// Creates an account.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    username: &str,
    password: String,
    role: Role,
) -> Result<UserRow, ApiError> {
    let mut errors = Vec::new();
    let username = normalize_username(username).map_err(|m| errors.push(FieldError::new("username", m))).ok();
    if let Err(message) = password::check(&password) {
        errors.push(FieldError::new("password", message));
    }
    let Some(username) = username.filter(|_| errors.is_empty()) else { return Err(ApiError::invalid_fields(errors)) };
    let hash = password::hash_bounded(password).await?;
    state
        .write(actor.did(Action(Resource::User, Verb::Create)), move |c, entry| {
            if db::users::by_username(c, &username)?.is_some() {
                return Err(ApiError::Conflict(format!("username `{username}` is already taken")));
            }
            let now = dates::now().naive_utc();
            let user = NewUser {
                username: &username,
                password_hash: &hash,
                role,
                disabled: false,
                created_at: now,
                updated_at: now,
            };
            let user = db::users::insert(c, &user)?;
            entry.on(user.id);
            Ok(user)
        })
        .await
}

/// What a change to an account may set; `None` keeps the stored value.
#[derive(Debug, Default)]
pub struct AccountChange {
    pub role: Option<Role>,
    pub password: Option<String>,
    pub disabled: Option<bool>,
}

/// Changes an account. Refuses to leave the service without an active admin.
pub async fn change(state: &AppState, actor: &Actor, id: UserId, change: AccountChange) -> Result<UserRow, ApiError> {
    let hash = match change.password {
        Some(password) => {
            password::check(&password).map_err(|m| ApiError::invalid_fields(vec![FieldError::new("password", m)]))?;
            Some(password::hash_bounded(password).await?)
        }
        None => None,
    };
    state
        .write(actor.did(Action(Resource::User, Verb::Update)), move |c, entry| {
            entry.on(id);
            let current = db::users::find(c, id)
                .optional()?
                .ok_or_else(|| ApiError::NotFound(format!("no user with id {id}")))?;
            let changes = UserChanges {
                password_hash: hash.as_deref(),
                role: change.role,
                disabled: change.disabled,
                updated_at: dates::now().naive_utc(),
            };
            let mut user = db::users::update(c, id, &changes)?;
            if current.role == Role::Admin && !current.disabled && db::users::active_admins(c)? == 0 {
                return Err(ApiError::Conflict("this would leave no active admin; make another admin first".into()));
            }
            // A new password, role or state ends the sessions begun before it: a token taken
            // by someone who knew the old password, or before a disable, must not come back.
            if hash.is_some() || user.role != current.role || user.disabled != current.disabled {
                db::users::revoke_tokens(c, id)?;
                user.token_generation += 1;
            }
            Ok(user)
        })
        .await
}

/// Ends every token the user holds (signing out everywhere).
pub async fn sign_out(state: &AppState, user: &AuthUser) -> Result<(), ApiError> {
    let id = user.id;
    state
        .write(user.actor().did(Action(Resource::Auth, Verb::SignOut)), move |c, entry| {
            entry.on(id);
            Ok(db::users::revoke_tokens(c, id).map(drop)?)
        })
        .await
}

/// Records a sign-in attempt under the name it gave, with its outcome.
pub async fn record_sign_in(state: &AppState, attempt: Entry) -> Result<(), ApiError> {
    state.write(attempt, |_, _| Ok(())).await
}

/// The id of the user with this name.
pub async fn id_of(state: &AppState, username: &str) -> Result<Option<UserId>, ApiError> {
    let name =
        normalize_username(username).map_err(|m| ApiError::invalid_fields(vec![FieldError::new("username", m)]))?;
    state.db(move |c| Ok(db::users::by_username(c, &name)?.map(|u| u.id))).await
}

/// Creates the configured admin unless a user of that name exists (whose password and role
/// are then left as they are). Returns whether it was created.
pub async fn ensure_admin(state: &AppState, username: &str, password: &str) -> Result<bool, ApiError> {
    if id_of(state, username).await?.is_some() {
        return Ok(false);
    }
    create(state, &Actor::service(), username, password.to_owned(), Role::Admin).await.map(|_| true)
}
