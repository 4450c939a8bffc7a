//! Partner keys on requests: the key a request sends, checked against the stored hash (kept
//! in memory where this process sees every change to keys, read each time elsewhere).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use crate::db;
use crate::db::keys::KeyRow;
use crate::domain::dates;
use crate::domain::keys::{self, KnownKey};
use crate::domain::users::KeyCaller;
use crate::error::ApiError;
use crate::state::AppState;

/// The key a request sent, if it is one that works now: the current secret, or the one
/// before a rotation within its grace, not expired. Anything else is `None`.
pub async fn authenticate(state: &AppState, token: &str, address: IpAddr) -> Result<Option<KeyCaller>, ApiError> {
    let Some(prefix) = keys::prefix_of(token) else { return Ok(None) };
    let key = match state.keys.kept(prefix) {
        Some(key) => key,
        None => {
            let prefix = prefix.to_owned();
            let Some(row) = state.db(move |c| Ok(db::keys::by_prefix(c, &prefix)?)).await? else { return Ok(None) };
            let key = Arc::new(known(row)?);
            state.keys.keep(&key);
            key
        }
    };
    let now = dates::now().naive_utc();
    if !key.accepts(token, now) {
        return Ok(None);
    }
    if key.first_use_in_second(now) {
        state.keys.used(key.id, now);
    }
    Ok(Some(KeyCaller { key, address: Some(address) }))
}

/// A stored key, as requests are checked against it.
fn known(row: KeyRow) -> Result<KnownKey, ApiError> {
    Ok(KnownKey {
        id: row.id,
        prefix: row.prefix,
        scopes: keys::from_stored(&row.scopes).map_err(ApiError::internal)?,
        rate_limit: u32::try_from(row.rate_limit).map_err(ApiError::internal)?,
        secret_hash: row.secret_hash,
        previous: row.previous_hash.zip(row.previous_until),
        expires_at: row.expires_at,
        noted: AtomicI64::new(0),
    })
}
