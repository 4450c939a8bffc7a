//! Partner keys on requests: the key a request sends, checked against the stored hash (kept
//! in memory where this process sees every change to keys, read each time elsewhere).

use std::net::IpAddr;

use subtle::ConstantTimeEq;

use crate::db;
use crate::domain::dates;
use crate::domain::keys;
use crate::domain::users::KeyCaller;
use crate::error::ApiError;
use crate::state::AppState;

/// The key a request sent, if it is one that works now: the current secret, or the one
/// before a rotation within its grace, not expired. Anything else is `None`.
pub async fn authenticate(state: &AppState, token: &str, address: IpAddr) -> Result<Option<KeyCaller>, ApiError> {
    let Some(prefix) = keys::prefix_of(token) else { return Ok(None) };
    let row = match state.keys.kept(prefix) {
        Some(row) => row,
        None => {
            let prefix = prefix.to_owned();
            let Some(row) = state.db(move |c| Ok(db::keys::by_prefix(c, &prefix)?)).await? else { return Ok(None) };
            state.keys.keep(&row);
            row
        }
    };
    let now = dates::now().naive_utc();
    let sent = keys::hash(token);
    let matches = |hash: &str| bool::from(sent.as_bytes().ct_eq(hash.as_bytes()));
    let current = matches(&row.secret_hash);
    let previous = row.previous_hash.as_deref().is_some_and(matches) && row.previous_until.is_some_and(|t| now < t);
    if !(current || previous) || row.expires_at.is_some_and(|t| t <= now) {
        return Ok(None);
    }
    state.keys.used(row.id, now);
    Ok(Some(KeyCaller {
        id: row.id,
        prefix: row.prefix,
        scopes: keys::from_stored(&row.scopes).map_err(ApiError::internal)?,
        rate_limit: u32::try_from(row.rate_limit).map_err(ApiError::internal)?,
        address: Some(address),
    }))
}
