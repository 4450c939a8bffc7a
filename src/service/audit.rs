//! The audit trail's upkeep: cutting entries older than the retention period, and checking
//! the chain.

use crate::db;
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates;
use crate::error::ApiError;
use crate::state::AppState;

/// Cuts the entries older than the retention period (none when the trail is kept whole);
/// returns how many. The cut is itself an entry, naming the last entry cut.
pub async fn prune_expired(state: &AppState) -> Result<usize, ApiError> {
    let Some(retention) = state.audit_retention else { return Ok(0) };
    let cutoff = (dates::now() - retention).naive_utc();
    if !state.db(move |c| Ok(db::audit::has_before(c, cutoff)?)).await? {
        return Ok(0);
    }
    let entry = Actor::service().did(Action(Resource::Audit, Verb::Prune));
    state
        .write(entry, move |c, entry| {
            let (removed, anchor) = db::audit::prune_before(c, cutoff)?;
            if let Some(anchor) = anchor {
                entry.on(anchor);
            }
            Ok(removed)
        })
        .await
}

/// Checks every link of the chain: `Ok` with what was checked, or `Err` naming the first
/// entry at fault.
pub async fn verify(state: &AppState) -> Result<Result<db::audit::Verified, String>, ApiError> {
    state.db(|c| Ok(db::audit::verify(c)?)).await
}
