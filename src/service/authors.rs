//! People who write news items: what a client sends and sees, the rules of a write, and the
//! writes themselves.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::authors::{AuthorForm, AuthorRow};
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Entry, Resource, Verb};
use crate::domain::dates::{self, utc};
use crate::domain::ids::AuthorId;
use crate::domain::patch::not_null;
use crate::domain::slug::Key;
use crate::domain::text::{Bio, JobTitle, Name};
use crate::error::{ApiError, Fields};
use crate::state::AppState;

/// A person who writes news items.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "Robert Williams", "title": "Editor in Chief", "bio": "",
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct Author {
    pub id: AuthorId,
    pub name: String,
    pub title: String,
    pub bio: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<AuthorRow> for Author {
    fn from(row: AuthorRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            title: row.title,
            bio: row.bio,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A complete author to create or replace one with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Robert Williams", "title": "Editor in Chief"}))]
pub struct AuthorWrite {
    #[schema(value_type = Name)]
    pub name: String,
    /// Job title.
    #[serde(default)]
    #[schema(value_type = JobTitle)]
    pub title: String,
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = Bio)]
    pub bio: String,
}

/// A partial update: absent fields are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<JobTitle>, nullable = false)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Bio>, nullable = false)]
    pub bio: Option<String>,
}

impl AuthorWrite {
    /// Checks every field, reporting each at fault.
    pub fn validate(self) -> Result<ValidAuthor, ApiError> {
        let mut fields = Fields::default();
        let name = fields.read("name", Name::parse(self.name));
        let title = fields.read("title", JobTitle::parse(self.title));
        let bio = fields.read("bio", Bio::parse(self.bio));
        fields.finish(|| Some(ValidAuthor { name: name?, title: title?, bio: bio? }))
    }
}

/// An author to store, every field valid.
pub struct ValidAuthor {
    name: Name,
    title: JobTitle,
    bio: Bio,
}

impl ValidAuthor {
    /// Stores the author, new or over `current`.
    pub fn save(&self, conn: &mut DbConn, current: Option<AuthorId>, entry: &mut Entry) -> Result<Author, ApiError> {
        let form = AuthorForm {
            name: self.name.as_str(),
            title: self.title.as_str(),
            bio: self.bio.as_str(),
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(id) => db::authors::update(conn, id, &form)?,
            None => db::authors::insert(conn, &form)?,
        };
        entry.on(row.id);
        Ok(row.into())
    }
}

fn find(conn: &mut DbConn, segment: &str) -> Result<AuthorRow, ApiError> {
    let missing = || ApiError::NotFound(format!("no author with id {segment}"));
    match Key::parse(segment) {
        Some(Key::Id(id)) => db::authors::find(conn, id).optional()?.ok_or_else(missing),
        _ => Err(missing()),
    }
}

pub async fn list(state: &AppState) -> Result<Vec<Author>, ApiError> {
    let rows = state.db(|c| Ok(db::authors::list(c)?)).await?;
    Ok(rows.into_iter().map(Author::from).collect())
}

pub async fn get(state: &AppState, segment: String) -> Result<Author, ApiError> {
    state.db(move |c| find(c, &segment).map(Author::from)).await
}

pub async fn create(state: &AppState, actor: &Actor, write: AuthorWrite) -> Result<Author, ApiError> {
    let author = write.validate()?;
    state.write(actor.did(Action(Resource::Author, Verb::Create)), move |c, entry| author.save(c, None, entry)).await
}

/// Replaces an author; `precondition` sees the current one first (`If-Match`).
pub async fn replace(
    state: &AppState,
    actor: &Actor,
    segment: String,
    write: AuthorWrite,
    precondition: impl FnOnce(&Author) -> Result<(), ApiError> + Send + 'static,
) -> Result<Author, ApiError> {
    let author = write.validate()?;
    state
        .write(actor.did(Action(Resource::Author, Verb::Replace)), move |c, entry| {
            let current = find(c, &segment)?;
            precondition(&Author::from(current.clone()))?;
            author.save(c, Some(current.id), entry)
        })
        .await
}

/// Changes some fields of an author. A bad request is reported as such before the
/// precondition is looked at.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    segment: String,
    patch: AuthorPatch,
    precondition: impl FnOnce(&Author) -> Result<(), ApiError> + Send + 'static,
) -> Result<Author, ApiError> {
    state
        .write(actor.did(Action(Resource::Author, Verb::Update)), move |c, entry| {
            let current = find(c, &segment)?;
            let author = AuthorWrite {
                name: patch.name.unwrap_or_else(|| current.name.clone()),
                title: patch.title.unwrap_or_else(|| current.title.clone()),
                bio: patch.bio.unwrap_or_else(|| current.bio.clone()),
            }
            .validate()?;
            precondition(&Author::from(current.clone()))?;
            author.save(c, Some(current.id), entry)
        })
        .await
}

/// Deletes an author who wrote no news item.
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    segment: String,
    precondition: impl FnOnce(&Author) -> Result<(), ApiError> + Send + 'static,
) -> Result<(), ApiError> {
    state
        .write(actor.did(Action(Resource::Author, Verb::Delete)), move |c, entry| {
            let current = find(c, &segment)?;
            precondition(&Author::from(current.clone()))?;
            entry.on(current.id);
            db::authors::delete(c, current.id).map_err(|err| {
                ApiError::from(err).in_the_way(|| format!("author {} still has news items", current.id))
            })?;
            Ok(())
        })
        .await
}
