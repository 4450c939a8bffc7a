//! Partner keys: made, listed, changed, rotated and revoked by admins, and checked on every
//! request that sends one. The whole key is shown once; only its hash is stored.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::keys::{KeyRow, KeySettings};
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates::{self, Instant, utc};
use crate::domain::ids::KeyId;
use crate::domain::keys::{self, NewKey, Scope};
use crate::domain::params::{bounded, once, parsed};
use crate::domain::patch::{not_null, nullable};
use crate::domain::slug::Key;
use crate::domain::text::Name;
use crate::error::{ApiError, Fields};
use crate::state::AppState;

/// The quota of a key made without one, per minute.
const DEFAULT_RATE_LIMIT: u32 = 6_000;
const MAX_RATE_LIMIT: u32 = 1_000_000_000;
/// How long the key before a rotation keeps working, unless told otherwise.
const DEFAULT_GRACE_SECONDS: u64 = 24 * 3600;
const MAX_GRACE_SECONDS: u64 = 30 * 24 * 3600;

/// A partner key, as admins see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "Partner site", "prefix": "nd_3f9a01bc", "scopes": ["read"],
    "rate_limit": 6000, "expires_at": null, "last_used_at": "2026-12-05T10:00:00Z",
    "previous_until": null, "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z"}))]
pub struct ApiKey {
    pub id: KeyId,
    pub name: String,
    /// What the key is known by in listings, logs and the audit trail (its first characters).
    pub prefix: String,
    pub scopes: Vec<Scope>,
    /// Requests per minute.
    pub rate_limit: u32,
    /// After this instant the key is refused; `null`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the key was last used (written about once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Until this instant the key before the last rotation works too.
    pub previous_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The whole key, to send as `Authorization: Bearer nd_…`: only in the answer to a
    /// create or a rotation, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl ApiKey {
    /// The key as stored, with its last use as this process knows it (uses are written about
    /// once a minute).
    fn new(state: &AppState, row: KeyRow, key: Option<String>) -> Result<Self, ApiError> {
        let last_used_at = row.last_used_at.max(state.keys.pending(row.id));
        Ok(Self {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            scopes: keys::from_stored(&row.scopes).map_err(ApiError::internal)?,
            rate_limit: u32::try_from(row.rate_limit).map_err(ApiError::internal)?,
            expires_at: row.expires_at.map(utc),
            last_used_at: last_used_at.map(utc),
            previous_until: row.previous_until.map(utc),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            key,
        })
    }
}

/// A key to make, or what a key is to be.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Partner site", "scopes": ["read"], "rate_limit": 6000, "expires_at": null}))]
pub struct KeyWrite {
    /// Who the key is for.
    #[schema(value_type = Name)]
    pub name: String,
    /// At least one of `read`, `preview`, `write`.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
    /// Requests per minute (default 6000).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub rate_limit: Option<u64>,
    /// After this instant the key is refused; absent or `null`: never.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Instant>,
}

/// A partial change: absent fields are kept, `null` clears the expiry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, min_items = 1)]
    pub scopes: Option<Vec<Scope>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, minimum = 1, maximum = 1_000_000_000)]
    pub rate_limit: Option<u64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<Instant>>,
}

/// How a rotation goes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RotateParams {
    /// Seconds the key before the rotation keeps working (default 86400, at most 30 days; 0
    /// ends it at once).
    #[param(value_type = Option<u32>, minimum = 0, maximum = 2592000)]
    #[serde(default, deserialize_with = "once")]
    grace_seconds: Option<String>,
}

impl RotateParams {
    pub fn grace(&self) -> Result<chrono::Duration, ApiError> {
        let seconds = parsed("grace_seconds", self.grace_seconds.as_deref(), |s| bounded(s, 0, MAX_GRACE_SECONDS))?;
        let seconds = i64::try_from(seconds.unwrap_or(DEFAULT_GRACE_SECONDS)).unwrap_or(i64::MAX);
        Ok(chrono::Duration::seconds(seconds))
    }
}

/// A key's settings, every field valid.
struct ValidKey {
    name: Name,
    scopes: String,
    rate_limit: i64,
    expires_at: Option<DateTime<Utc>>,
}

impl KeyWrite {
    fn validate(self) -> Result<ValidKey, ApiError> {
        let mut fields = Fields::default();
        let name = fields.read("name", Name::parse(self.name));
        if self.scopes.is_empty() {
            fields.refuse("scopes", "must name at least one of read, preview, write");
        }
        let rate_limit = self.rate_limit.unwrap_or(u64::from(DEFAULT_RATE_LIMIT));
        if !(1..=u64::from(MAX_RATE_LIMIT)).contains(&rate_limit) {
            fields.refuse("rate_limit", format!("must be 1 to {MAX_RATE_LIMIT} requests per minute"));
        }
        let expires_at = self.expires_at.map(|t| t.0);
        if expires_at.is_some_and(|t| t <= dates::now()) {
            fields.refuse("expires_at", "must be in the future");
        }
        fields.finish(|| {
            Some(ValidKey {
                name: name?,
                scopes: keys::stored(&self.scopes),
                rate_limit: i64::try_from(rate_limit).ok()?,
                expires_at,
            })
        })
    }
}

impl KeyPatch {
    fn apply(self, current: &KeyRow) -> Result<KeyWrite, ApiError> {
        Ok(KeyWrite {
            name: self.name.unwrap_or_else(|| current.name.clone()),
            scopes: match self.scopes {
                Some(scopes) => scopes,
                None => keys::from_stored(&current.scopes).map_err(ApiError::internal)?,
            },
            rate_limit: Some(self.rate_limit.unwrap_or(current.rate_limit.unsigned_abs())),
            expires_at: self.expires_at.unwrap_or(current.expires_at.map(|t| Instant(utc(t)))),
        })
    }
}

impl ValidKey {
    fn settings(&self) -> KeySettings<'_> {
        KeySettings {
            name: self.name.as_str(),
            scopes: &self.scopes,
            rate_limit: self.rate_limit,
            expires_at: self.expires_at.map(|t| t.naive_utc()),
            updated_at: dates::now().naive_utc(),
        }
    }
}

fn find(conn: &mut DbConn, segment: &str) -> Result<KeyRow, ApiError> {
    let missing = || ApiError::NotFound(format!("no key with id {segment}"));
    let Some(Key::<KeyId>::Id(id)) = Key::parse(segment) else { return Err(missing()) };
    db::keys::find(conn, id).optional()?.ok_or_else(missing)
}

pub async fn list(state: &AppState) -> Result<Vec<ApiKey>, ApiError> {
    let rows = state.db(|c| Ok(db::keys::list(c)?)).await?;
    rows.into_iter().map(|row| ApiKey::new(state, row, None)).collect()
}

pub async fn get(state: &AppState, segment: String) -> Result<ApiKey, ApiError> {
    ApiKey::new(state, state.db(move |c| find(c, &segment)).await?, None)
}

/// Makes a key; the answer holds the whole key, this once.
pub async fn create(state: &AppState, actor: &Actor, write: KeyWrite) -> Result<ApiKey, ApiError> {
    let valid = write.validate()?;
    let new = NewKey::generate().map_err(ApiError::internal)?;
    let hash = keys::hash(&new.key);
    let row = state
        .write(actor.did(Action(Resource::Key, Verb::Create)), move |c, entry| {
            let row = db::keys::insert(c, &new.prefix, &hash, &valid.settings())?;
            entry.on(row.id);
            Ok(row)
        })
        .await?;
    state.keys.changed();
    ApiKey::new(state, row, Some(new.key))
}

/// Changes a key's name, scopes, quota or expiry.
pub async fn update(state: &AppState, actor: &Actor, segment: String, patch: KeyPatch) -> Result<ApiKey, ApiError> {
    let row = state
        .write(actor.did(Action(Resource::Key, Verb::Update)), move |c, entry| {
            let current = find(c, &segment)?;
            let valid = patch.apply(&current)?.validate()?;
            entry.on(current.id);
            Ok(db::keys::update(c, current.id, &valid.settings())?)
        })
        .await?;
    state.keys.changed();
    ApiKey::new(state, row, None)
}

/// Gives a key a new secret; the answer holds the new whole key, this once. The key before
/// keeps working for `grace`.
pub async fn rotate(
    state: &AppState,
    actor: &Actor,
    segment: String,
    grace: chrono::Duration,
) -> Result<ApiKey, ApiError> {
    let (row, key) = state
        .write(actor.did(Action(Resource::Key, Verb::Rotate)), move |c, entry| {
            let current = find(c, &segment)?;
            let new = NewKey::rotate(&current.prefix).map_err(ApiError::internal)?;
            let until = (dates::now() + grace).naive_utc();
            entry.on(current.id);
            Ok((db::keys::rotate(c, current.id, &keys::hash(&new.key), until)?, new.key))
        })
        .await?;
    state.keys.changed();
    ApiKey::new(state, row, Some(key))
}

/// Revokes a key: it is refused from now on, on every replica.
pub async fn revoke(state: &AppState, actor: &Actor, segment: String) -> Result<(), ApiError> {
    state
        .write(actor.did(Action(Resource::Key, Verb::Delete)), move |c, entry| {
            let current = find(c, &segment)?;
            entry.on(current.id);
            db::keys::delete(c, current.id)?;
            Ok(())
        })
        .await?;
    state.keys.changed();
    Ok(())
}

/// Writes when each key used since the last call was last used (one audit entry names them).
pub async fn record_uses(state: &AppState) -> Result<(), ApiError> {
    let used = state.keys.take_used();
    if used.is_empty() {
        return Ok(());
    }
    state
        .write(Actor::service().did(Action(Resource::Key, Verb::Use)), move |c, entry| {
            for (id, _) in &used {
                entry.on(id);
            }
            Ok(db::keys::touch(c, &used)?)
        })
        .await?;
    state.keys.changed();
    Ok(())
}
