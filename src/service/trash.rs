//! The trash: deleted news items wait there until restored, purged by an admin, or purged
//! when the retention period ends.

use diesel::OptionalExtension;

use crate::db::news::NewsView;
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates;
use crate::domain::news::NewsItem;
use crate::domain::slug::Key;
use crate::error::ApiError;
use crate::media::MediaUrls;
use crate::state::AppState;

fn find(conn: &mut DbConn, urls: &MediaUrls, segment: &str) -> Result<NewsView, ApiError> {
    let missing = || ApiError::NotFound(format!("no news item {segment} in the trash"));
    let Some(Key::Id(id)) = Key::parse(segment) else { return Err(missing()) };
    db::news::find_trashed(conn, urls, id).optional()?.ok_or_else(missing)
}

/// Brings an item back from the trash, unchanged.
pub async fn restore(state: &AppState, actor: &Actor, segment: String) -> Result<NewsItem, ApiError> {
    let urls = state.media.urls.clone();
    let view = state
        .write(actor.did(Action(Resource::News, Verb::Restore)), move |c, entry| {
            let view = find(c, &urls, &segment)?;
            let row = &view.row;
            if let Some(other) = db::news::translation_in(c, row.group_id, &row.lang, Some(row.id))? {
                return Err(ApiError::Conflict(format!(
                    "news item {other} now tells this story in `{}`: move it to the trash, or give it another \
                     language, before restoring this one",
                    row.lang
                )));
            }
            entry.on(row.id);
            if !super::news::readers_see(Some(row.status)) {
                entry.unseen();
            }
            let view = db::news::untrash(c, &urls, row.id)?;
            entry.within(db::news::story_organizations(c, view.row.group_id)?);
            Ok(view)
        })
        .await?;
    Ok(view.item())
}

/// Purges an item from the trash, with its revisions, for good.
pub async fn purge(state: &AppState, actor: &Actor, segment: String) -> Result<(), ApiError> {
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(Resource::News, Verb::Purge)), move |c, entry| {
            let view = find(c, &urls, &segment)?;
            entry.on(view.row.id);
            // Readers never see the trash.
            entry.unseen();
            Ok(db::news::purge(c, view.row.id)?)
        })
        .await
}

/// Purges what has been in the trash longer than the retention period; returns how many
/// items (none when the trash is kept until purged by hand).
pub async fn purge_expired(state: &AppState) -> Result<usize, ApiError> {
    let Some(retention) = state.trash_retention else { return Ok(0) };
    let cutoff = (dates::now() - retention).naive_utc();
    if !state.db(move |c| Ok(db::news::has_trashed_before(c, cutoff)?)).await? {
        return Ok(0);
    }
    let entry = Actor::service().did(Action(Resource::News, Verb::Purge));
    state
        .write(entry, move |c, entry| {
            let purged = db::news::purge_trashed_before(c, cutoff)?;
            for &id in &purged {
                entry.on(id);
            }
            Ok(purged.len())
        })
        .await
}
