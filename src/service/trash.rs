//! The trash: what has been there longer than the retention period is purged.

use crate::db;
use crate::domain::dates;
use crate::error::ApiError;
use crate::state::AppState;

/// Purges what has been in the trash longer than the retention period; returns how many
/// items (none when the trash is kept until purged by hand).
pub async fn purge_expired(state: &AppState) -> Result<usize, ApiError> {
    let Some(retention) = state.trash_retention else { return Ok(0) };
    let cutoff = (dates::now() - retention).naive_utc();
    state.write(move |c| Ok(db::news::purge_trashed_before(c, cutoff)?)).await
}
