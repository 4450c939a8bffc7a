//! The parts of an organization's profile that have their own endpoints (its bodies and its
//! offices): one set of rules for reading and writing both, under
//! `/organizations/{slug}/{parts}/{id}`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::db::revisions::{self, Entity, Origin};
use crate::domain::audit::{Action, Actor, Entry, Resource, Verb};
use crate::domain::dates;
use crate::domain::ids::OrganizationId;
use crate::domain::slug::Key;
use crate::error::ApiError;
use crate::media::MediaUrls;
use crate::service::organizations;
use crate::state::AppState;

/// A kind of part: its representation, what a client sends, and how it is stored.
pub trait Part: Serialize + Clone + Send + Sized + 'static {
    /// One of them, as messages name it (`body`, `office`).
    const NOUN: &'static str;
    /// What the audit trail calls them.
    const RESOURCE: Resource;
    /// A complete part to create or replace one with.
    type Write: DeserializeOwned + Send + 'static;
    /// A partial update.
    type Patch: Send + 'static;
    /// Its id (`BodyId`, `OfficeId`).
    type Id: Copy + std::str::FromStr + std::fmt::Display + Send + 'static;
    /// A complete part, every field valid.
    type Valid: Send + 'static;
    /// The fields that translations of the profile give, as the API names them.
    const TRANSLATED: &'static [&'static str];

    fn id(&self) -> Self::Id;
    /// Its id as a number, as JSON and revisions hold it.
    fn id_number(&self) -> i64;
    /// What the revisions of the part with this id are kept under.
    fn entity(id: i64) -> Entity;
    /// Checks every field, reporting each at fault.
    fn validate(write: Self::Write) -> Result<Self::Valid, ApiError>;
    /// The complete part that results from applying `patch` to `current`.
    fn apply(patch: Self::Patch, current: Self) -> Self::Write;
    /// The organization's parts of this kind, in their order.
    fn list(conn: &mut DbConn, organization_id: OrganizationId) -> Result<Vec<Self>, ApiError>;
    /// One of the organization's parts, if it has this one.
    fn find(conn: &mut DbConn, organization_id: OrganizationId, id: Self::Id) -> Result<Option<Self>, ApiError>;
    /// Stores a part, new (`current` is `None`) or over the one with that id.
    fn save(
        conn: &mut DbConn,
        part: &Self::Valid,
        organization_id: OrganizationId,
        current: Option<Self::Id>,
    ) -> Result<Self, ApiError>;
    fn delete(conn: &mut DbConn, id: Self::Id) -> Result<(), ApiError>;
}

/// The organization's id and its part `segment`, or 404 (also for another organization's).
fn find<P: Part>(conn: &mut DbConn, slug: &str, segment: &str) -> Result<(OrganizationId, P), ApiError> {
    let organization = organizations::find(conn, slug)?.id;
    let missing = || ApiError::NotFound(format!("organization `{slug}` has no {} with id {segment}", P::NOUN));
    let Some(Key::<P::Id>::Id(id)) = Key::parse(segment) else { return Err(missing()) };
    let part = P::find(conn, organization, id)?.ok_or_else(missing)?;
    Ok((organization, part))
}

/// Stores a part (see `Part::save`), keeping it as its next revision and naming it in the
/// write's audit entry.
fn save<P: Part>(
    conn: &mut DbConn,
    urls: &MediaUrls,
    part: &P::Valid,
    organization_id: OrganizationId,
    current: Option<P::Id>,
    origin: &Origin,
    entry: &mut Entry,
) -> Result<P, ApiError> {
    let saved = P::save(conn, part, organization_id, current)?;
    keep(conn, organization_id, saved.id_number(), Some(&saved), origin)?;
    organizations::push_changed(conn, urls, organization_id)?;
    entry.on(saved.id());
    Ok(saved)
}

/// What a body's or an office's revision keeps: whose it is, and it (`None` once deleted).
#[derive(Debug, Serialize, Deserialize)]
pub struct PartRevision<P> {
    pub organization_id: OrganizationId,
    pub part: Option<P>,
}

/// Keeps a part as it now is (`None`: deleted) as its next revision, so that the profile can
/// be read as it was (`as_of`).
fn keep<P: Part>(
    conn: &mut DbConn,
    organization_id: OrganizationId,
    id: i64,
    part: Option<&P>,
    origin: &Origin,
) -> Result<(), ApiError> {
    let snapshot = serde_json::to_string(&PartRevision { organization_id, part }).map_err(ApiError::internal)?;
    revisions::record(conn, P::entity(id), origin, &snapshot, dates::now().naive_utc())?;
    Ok(())
}

pub async fn create<P: Part>(state: &AppState, actor: &Actor, slug: String, write: P::Write) -> Result<P, ApiError> {
    let part = P::validate(write)?;
    let origin = state.origin(actor);
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(P::RESOURCE, Verb::Create)), move |c, entry| {
            let organization = organizations::find(c, &slug)?.id;
            entry.within([slug]);
            save(c, &urls, &part, organization, None, &origin, entry)
        })
        .await
}

/// Adds a valid part to an organization, inside a write (the demo data comes here too).
pub fn add<P: Part>(
    conn: &mut DbConn,
    urls: &MediaUrls,
    organization_id: OrganizationId,
    write: P::Write,
    entry: &mut Entry,
) -> Result<P, ApiError> {
    save(conn, urls, &P::validate(write)?, organization_id, None, &Origin::default(), entry)
}

/// Replaces a part; `precondition` sees the current one first (`If-Match`).
pub async fn replace<P: Part>(
    state: &AppState,
    actor: &Actor,
    slug: String,
    segment: String,
    write: P::Write,
    precondition: impl FnOnce(&P) -> Result<(), ApiError> + Send + 'static,
) -> Result<P, ApiError> {
    let part = P::validate(write)?;
    let origin = state.origin(actor);
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(P::RESOURCE, Verb::Replace)), move |c, entry| {
            let (organization, current) = find::<P>(c, &slug, &segment)?;
            precondition(&current)?;
            entry.within([slug]);
            save(c, &urls, &part, organization, Some(current.id()), &origin, entry)
        })
        .await
}

/// Changes some fields of a part. A bad request is reported as such before the
/// precondition is looked at.
pub async fn update<P: Part>(
    state: &AppState,
    actor: &Actor,
    slug: String,
    segment: String,
    patch: P::Patch,
    precondition: impl FnOnce(&P) -> Result<(), ApiError> + Send + 'static,
) -> Result<P, ApiError> {
    let origin = state.origin(actor);
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(P::RESOURCE, Verb::Update)), move |c, entry| {
            let (organization, current) = find::<P>(c, &slug, &segment)?;
            let part = P::validate(P::apply(patch, current.clone()))?;
            precondition(&current)?;
            entry.within([slug]);
            save(c, &urls, &part, organization, Some(current.id()), &origin, entry)
        })
        .await
}

pub async fn delete<P: Part>(
    state: &AppState,
    actor: &Actor,
    slug: String,
    segment: String,
    precondition: impl FnOnce(&P) -> Result<(), ApiError> + Send + 'static,
) -> Result<(), ApiError> {
    let origin = state.origin(actor);
    let urls = state.media.urls.clone();
    state
        .write(actor.did(Action(P::RESOURCE, Verb::Delete)), move |c, entry| {
            let (organization, current) = find::<P>(c, &slug, &segment)?;
            precondition(&current)?;
            entry.on(current.id());
            entry.within([slug]);
            P::delete(c, current.id())?;
            keep::<P>(c, organization, current.id_number(), None, &origin)?;
            organizations::push_changed(c, &urls, organization)
        })
        .await
}
