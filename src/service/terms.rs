//! Topics and regions, the two taxonomies of news items: what a client sends and sees, the
//! rules of a write, and the writes themselves.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::terms::{TermForm, TermKind, TermRow};
use crate::db::{self, DbConn};
use crate::domain::audit::{Action, Actor, Entry, Resource, Verb};
use crate::domain::dates::{self, utc};
use crate::domain::ids::TermId;
use crate::domain::patch::not_null;
use crate::domain::slug::{Key, Slug};
use crate::domain::text::{Summary, TermName};
use crate::error::{ApiError, Fields};
use crate::state::AppState;

/// A topic or a region.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "slug": "cybercrime", "name": "Cybercrime", "description": "",
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct Term {
    pub id: TermId,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TermRow> for Term {
    fn from(row: TermRow) -> Self {
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            description: row.description,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// A complete term to create or replace one with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Cybercrime", "description": "Crimes against computers and information systems"}))]
pub struct TermWrite {
    /// Derived from the name when absent; on PUT, absent keeps the current one.
    #[serde(default)]
    #[schema(value_type = Option<Slug>)]
    pub slug: Option<String>,
    #[schema(value_type = TermName)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Summary)]
    pub description: String,
}

/// A partial update: absent fields are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Slug>, nullable = false)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<TermName>, nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Summary>, nullable = false)]
    pub description: Option<String>,
}

/// A term's fields after validation.
struct ValidTerm {
    slug: Option<Slug>,
    name: TermName,
    description: Summary,
}

impl ValidTerm {
    fn new(slug: Option<String>, name: String, description: String) -> Result<Self, ApiError> {
        let mut fields = Fields::default();
        let slug = fields.read_optional("slug", slug, |slug| Slug::parse(&slug));
        let name = fields.read("name", TermName::parse(name));
        let description = fields.read("description", Summary::parse(description));
        fields.finish(|| Some(Self { slug: slug?, name: name?, description: description? }))
    }

    /// Stores the term, new or over `current`.
    fn save(
        self,
        conn: &mut DbConn,
        kind: TermKind,
        current: Option<&TermRow>,
        entry: &mut Entry,
    ) -> Result<Term, ApiError> {
        let slug = match (self.slug, current) {
            (Some(slug), _) => slug.into_string(),
            (None, Some(current)) => current.slug.clone(),
            (None, None) => Slug::derive(self.name.as_str(), <&str>::from(kind)).into_string(),
        };
        let form = TermForm {
            slug: &slug,
            name: self.name.as_str(),
            description: self.description.as_str(),
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(current) => db::terms::update(conn, current.id, &form)?,
            None => db::terms::insert(conn, kind, &form)?,
        };
        entry.on(row.id);
        Ok(row.into())
    }
}

fn find(conn: &mut DbConn, kind: TermKind, segment: &str) -> Result<TermRow, ApiError> {
    let missing = || ApiError::NotFound(format!("no {kind} `{segment}`"));
    let key = Key::parse(segment).ok_or_else(missing)?;
    db::terms::find(conn, kind, &key).optional()?.ok_or_else(missing)
}

pub async fn list(state: &AppState, kind: TermKind) -> Result<Vec<Term>, ApiError> {
    let rows = state.db(move |c| Ok(db::terms::list(c, kind)?)).await?;
    Ok(rows.into_iter().map(Term::from).collect())
}

pub async fn get(state: &AppState, kind: TermKind, segment: String) -> Result<Term, ApiError> {
    state.db(move |c| find(c, kind, &segment).map(Term::from)).await
}

/// What the audit trail calls a term of this kind.
fn did(actor: &Actor, kind: TermKind, verb: Verb) -> Entry {
    let resource = match kind {
        TermKind::Topic => Resource::Topic,
        TermKind::Region => Resource::Region,
    };
    actor.did(Action(resource, verb))
}

pub async fn create(state: &AppState, actor: &Actor, kind: TermKind, write: TermWrite) -> Result<Term, ApiError> {
    let term = ValidTerm::new(write.slug, write.name, write.description)?;
    state.write(did(actor, kind, Verb::Create), move |c, entry| term.save(c, kind, None, entry)).await
}

/// Replaces a term; `precondition` sees the current one first (`If-Match`).
pub async fn replace(
    state: &AppState,
    actor: &Actor,
    kind: TermKind,
    segment: String,
    write: TermWrite,
    precondition: impl FnOnce(&Term) -> Result<(), ApiError> + Send + 'static,
) -> Result<Term, ApiError> {
    let term = ValidTerm::new(write.slug, write.name, write.description)?;
    state
        .write(did(actor, kind, Verb::Replace), move |c, entry| {
            let current = find(c, kind, &segment)?;
            precondition(&Term::from(current.clone()))?;
            term.save(c, kind, Some(&current), entry)
        })
        .await
}

/// Changes some fields of a term. A bad request is reported as such before the precondition
/// is looked at.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    kind: TermKind,
    segment: String,
    patch: TermPatch,
    precondition: impl FnOnce(&Term) -> Result<(), ApiError> + Send + 'static,
) -> Result<Term, ApiError> {
    state
        .write(did(actor, kind, Verb::Update), move |c, entry| {
            let current = find(c, kind, &segment)?;
            let term = ValidTerm::new(
                patch.slug,
                patch.name.unwrap_or_else(|| current.name.clone()),
                patch.description.unwrap_or_else(|| current.description.clone()),
            )?;
            precondition(&Term::from(current.clone()))?;
            term.save(c, kind, Some(&current), entry)
        })
        .await
}

/// Deletes a term that nothing uses any more.
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    kind: TermKind,
    segment: String,
    precondition: impl FnOnce(&Term) -> Result<(), ApiError> + Send + 'static,
) -> Result<(), ApiError> {
    state
        .write(did(actor, kind, Verb::Delete), move |c, entry| {
            let current = find(c, kind, &segment)?;
            precondition(&Term::from(current.clone()))?;
            entry.on(current.id);
            let users = if kind == TermKind::Region { "news items or offices" } else { "news items" };
            db::terms::delete(c, current.id).map_err(|err| {
                ApiError::from(err).in_the_way(|| format!("{kind} `{}` is still used by {users}", current.slug))
            })?;
            Ok(())
        })
        .await
}
