//! Revisions of news items and organization profiles: every stored version is kept (the
//! current one is the newest), or the newest `NEWSDESK_REVISIONS_KEEP`; restoring one stores
//! it again, as a new revision, through the same rules as any write.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::Serialize;
use utoipa::ToSchema;

use super::news::{self, NewsWrite};
use super::organizations::{self, Organization, OrganizationWrite};
use crate::db::revisions::{Entity, Origin, RevisionRow};
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates::utc;
use crate::domain::ids::NewsId;
use crate::domain::listing::Page;
use crate::domain::news::NewsItem;
use crate::domain::news::Visibility;
use crate::domain::slug::Key;
use crate::error::ApiError;
use crate::state::AppState;

/// One stored version.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"revision": 3, "created_at": "2026-11-28T10:00:00Z", "user": "alice", "restored_from": null}))]
pub struct Revision {
    /// 1 for the first version, counting up.
    pub revision: i64,
    /// When this version was stored.
    pub created_at: DateTime<Utc>,
    /// Who stored it; `null` for the service itself (demo data, imports).
    pub user: Option<String>,
    /// The revision this one brought back, when it was a restore.
    pub restored_from: Option<i64>,
}

impl From<RevisionRow> for Revision {
    fn from(row: RevisionRow) -> Self {
        Self {
            revision: row.revision,
            created_at: utc(row.created_at),
            user: row.username,
            restored_from: row.restored_from,
        }
    }
}

/// The snapshot of revision `segment`, or 404.
fn find_revision(conn: &mut DbConn, entity: Entity, segment: &str) -> Result<(i64, String), ApiError> {
    let missing = || ApiError::NotFound(format!("there is no revision {segment}"));
    let Some(Key::<i64>::Id(revision)) = Key::parse(segment) else { return Err(missing()) };
    let (row, snapshot) = db::revisions::find(conn, entity, revision).optional()?.ok_or_else(missing)?;
    Ok((row.revision, snapshot))
}

/// A snapshot as the body of a write: the fields the server owns are dropped, and
/// references are named the way requests name them.
fn as_write<T: serde::de::DeserializeOwned>(snapshot: &str, rename: &[(&str, &str)]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_str(snapshot).map_err(ApiError::internal)?;
    if let Some(fields) = value.as_object_mut() {
        // Derived fields, and a news item's translations (a revision keeps the item's language,
        // its group stays as it is now).
        for field in ["id", "reading_time_seconds", "created_at", "updated_at", "dir", "translations"] {
            fields.remove(field);
        }
        for (from, to) in rename {
            if let Some(reference) = fields.remove(*from) {
                fields.insert((*to).to_owned(), reference.get("id").cloned().unwrap_or(serde_json::Value::Null));
            }
        }
    }
    serde_json::from_value(value).map_err(ApiError::internal)
}

/// A restore of one revision, by one editor.
struct Restoring<'a> {
    entity: Entity,
    revision: &'a str,
    origin: Origin,
}

impl Restoring<'_> {
    /// Inside the write transaction: checks the precondition (`If-Match`) against the current
    /// representation, then stores the snapshot again through `store`, which validates it as
    /// any write.
    fn run<S, T>(
        self,
        conn: &mut DbConn,
        shown: &S,
        precondition: impl FnOnce(&S) -> Result<(), ApiError>,
        store: impl FnOnce(&mut DbConn, &str, &Origin) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (revision, json) = find_revision(conn, self.entity, self.revision)?;
        precondition(shown)?;
        let origin = Origin { restored_from: Some(revision), ..self.origin };
        // What can no longer be stored as it was (a topic it names is gone, its slug is taken)
        // conflicts with the current state: it is not a bad request.
        store(conn, &json, &origin).map_err(|err| match err {
            ApiError::Unprocessable { errors, .. } => {
                let reasons: Vec<String> = errors.iter().map(|e| format!("`{}` {}", e.field, e.message)).collect();
                ApiError::Conflict(format!("revision {revision} cannot be restored: {}", reasons.join("; ")))
            }
            ApiError::Conflict(reason) => {
                ApiError::Conflict(format!("revision {revision} cannot be restored: {reason}"))
            }
            other => other,
        })
    }
}

/// Finds what revisions belong to (`news_item` or `organization`), inside a read.
pub type Locate = fn(&mut DbConn, &str) -> Result<Entity, ApiError>;

fn news_key(segment: &str) -> Result<Key<NewsId>, ApiError> {
    Key::parse(segment).ok_or_else(|| ApiError::NotFound(format!("no news item with id {segment}")))
}

/// The id of the news item `segment` names.
pub fn news_item(conn: &mut DbConn, segment: &str) -> Result<Entity, ApiError> {
    Ok(Entity::News(news::live_id(conn, &news_key(segment)?)?))
}

/// The id of the organization `slug` names.
pub fn organization(conn: &mut DbConn, slug: &str) -> Result<Entity, ApiError> {
    Ok(Entity::Organization(organizations::find(conn, slug)?.id))
}

/// One page of the revisions of what `locate` finds, newest first, and how many there are.
pub async fn list(state: &AppState, locate: Locate, of: String, page: Page) -> Result<(Vec<Revision>, i64), ApiError> {
    let (rows, total) = state
        .db(move |c| {
            let entity = locate(c, &of)?;
            Ok(db::revisions::list(c, entity, page.size(), page.offset())?)
        })
        .await?;
    Ok((rows.into_iter().map(Revision::from).collect(), total))
}

/// One revision of what `locate` finds, as it was stored (JSON), with the image it names as
/// that image is now.
pub async fn get(state: &AppState, locate: Locate, of: String, revision: String) -> Result<String, ApiError> {
    let urls = state.media.urls.clone();
    state
        .db(move |c| {
            let entity = locate(c, &of)?;
            let (_, json) = find_revision(c, entity, &revision)?;
            Ok(db::revisions::shown(c, &json, entity.image_field(), &urls)?)
        })
        .await
}

/// Stores a news item again as it was at `revision`, by `actor`.
pub async fn restore_news(
    state: &AppState,
    actor: &Actor,
    segment: String,
    revision: String,
    precondition: impl FnOnce(&NewsItem) -> Result<(), ApiError> + Send + 'static,
) -> Result<NewsItem, ApiError> {
    let origin = state.origin(actor);
    let site = state.languages.clone();
    let urls = state.media.urls.clone();
    let view = state
        .write(actor.did(Action(Resource::News, Verb::Revert)), move |c, entry| {
            let current = news::find(c, &urls, &news_key(&segment)?, Visibility::Everything)?;
            let shown = current.clone().item();
            let restoring = Restoring { entity: Entity::News(current.row.id), revision: &revision, origin };
            restoring.run(c, &shown, precondition, |c, json, origin| {
                let write: NewsWrite = as_write(json, &[("author", "author_id"), ("image", "image_id")])?;
                let draft = write.validate(&site)?;
                news::store(c, &urls, Some(&current), draft, &site, origin, entry)
            })
        })
        .await?;
    Ok(view.item())
}

/// Stores an organization's profile again as it was at `revision`, by `actor`.
pub async fn restore_organization(
    state: &AppState,
    actor: &Actor,
    slug: String,
    revision: String,
    precondition: impl FnOnce(&Organization) -> Result<(), ApiError> + Send + 'static,
) -> Result<Organization, ApiError> {
    let origin = state.origin(actor);
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(Resource::Organization, Verb::Revert)), move |c, entry| {
            let current = organizations::find(c, &slug)?;
            let shown = organizations::shown(c, current.clone(), &urls)?;
            let restoring = Restoring { entity: Entity::Organization(current.id), revision: &revision, origin };
            restoring.run(c, &shown, precondition, |c, json, origin| {
                let write = as_write::<OrganizationWrite>(json, &[("logo", "logo_id")])?;
                write.validate()?.save(c, &urls, Some(&current), origin, entry)
            })
        })
        .await
}
