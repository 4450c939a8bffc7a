//! Topics and regions: `/api/v1/topics` and `/api/v1/regions`. Both are terms of the same
//! shape; each route is a one-line handler (so that it has its own OpenAPI operation) over
//! the shared functions below.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created, not_null, utc};

use crate::auth::{Editor, Reader};
use crate::db::terms::{TermForm, TermKind, TermRow};
use crate::db::{self, DbConn};
use crate::domain::dates;
use crate::domain::slug::{Key, Slug};
use crate::domain::text::{Summary, TermName};
use crate::error::{ApiError, FieldError};
use crate::http::{IfMatch, Json};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_topics)
        .service(create_topic)
        .service(get_topic)
        .service(replace_topic)
        .service(update_topic)
        .service(delete_topic)
        .service(list_regions)
        .service(create_region)
        .service(get_region)
        .service(replace_region)
        .service(update_region)
        .service(delete_region);
}

/// A topic or a region.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "slug": "cybercrime", "name": "Cybercrime", "description": "",
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct Term {
    pub id: i64,
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

/// Every term of a taxonomy, by slug.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermList {
    pub items: Vec<Term>,
}

/// A complete term to create or replace one with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Cybercrime", "description": "Crimes against computers and information systems"}))]
pub struct TermWrite {
    /// Derived from the name when absent; on PUT, absent keeps the current one.
    #[serde(default)]
    #[schema(value_type = Option<Slug>)]
    slug: Option<String>,
    #[schema(value_type = TermName)]
    name: String,
    #[serde(default)]
    #[schema(value_type = Summary)]
    description: String,
}

/// A partial update: absent fields are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Slug>, nullable = false)]
    slug: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<TermName>, nullable = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Summary>, nullable = false)]
    description: Option<String>,
}

/// A term's fields after validation.
struct ValidTerm {
    slug: Option<String>,
    name: String,
    description: String,
}

impl ValidTerm {
    fn new(slug: Option<String>, name: String, description: String) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        if let Some(Err(message)) = slug.as_deref().map(Slug::parse) {
            errors.push(FieldError::new("slug", message));
        }
        if let Err(message) = TermName::check(&name) {
            errors.push(FieldError::new("name", message));
        }
        if let Err(message) = Summary::check(&description) {
            errors.push(FieldError::new("description", message));
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        Ok(Self { slug, name: name.trim().to_owned(), description: description.trim().to_owned() })
    }

    /// Stores the term, new or over `current`.
    fn save(self, conn: &mut DbConn, kind: TermKind, current: Option<&TermRow>) -> Result<Term, ApiError> {
        let slug = match (self.slug, current) {
            (Some(slug), _) => slug,
            (None, Some(current)) => current.slug.clone(),
            (None, None) => Slug::derive(&self.name, <&str>::from(kind)).into_string(),
        };
        let form = TermForm {
            slug: &slug,
            name: &self.name,
            description: &self.description,
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(current) => db::terms::update(conn, current.id, &form)?,
            None => db::terms::insert(conn, kind, &form)?,
        };
        Ok(row.into())
    }
}

fn path_of(kind: TermKind) -> &'static str {
    match kind {
        TermKind::Topic => "/api/v1/topics",
        TermKind::Region => "/api/v1/regions",
    }
}

fn find(conn: &mut DbConn, kind: TermKind, segment: &str) -> Result<TermRow, ApiError> {
    let missing = || ApiError::NotFound(format!("no {} `{segment}`", <&str>::from(kind)));
    let key = Key::parse(segment).ok_or_else(missing)?;
    db::terms::find(conn, kind, &key).optional()?.ok_or_else(missing)
}

async fn list(state: State, kind: TermKind) -> Result<HttpResponse, ApiError> {
    let rows = state.db(move |c| Ok(db::terms::list(c, kind)?)).await?;
    Ok(HttpResponse::Ok().json(TermList { items: rows.into_iter().map(Term::from).collect() }))
}

async fn get(state: State, kind: TermKind, segment: String) -> Result<HttpResponse, ApiError> {
    let row = state.db(move |c| find(c, kind, &segment)).await?;
    Ok(HttpResponse::Ok().json(Term::from(row)))
}

async fn create(state: State, kind: TermKind, body: TermWrite) -> Result<HttpResponse, ApiError> {
    let term = ValidTerm::new(body.slug, body.name, body.description)?;
    let term = state.write(move |c| term.save(c, kind, None)).await?;
    Ok(created(state.url(&format!("{}/{}", path_of(kind), term.slug)), &term))
}

async fn replace(
    state: State,
    kind: TermKind,
    segment: String,
    if_match: IfMatch,
    body: TermWrite,
) -> Result<HttpResponse, ApiError> {
    let term = ValidTerm::new(body.slug, body.name, body.description)?;
    let term = state
        .write(move |c| {
            let current = find(c, kind, &segment)?;
            if_match.check(&Term::from(current.clone()))?;
            term.save(c, kind, Some(&current))
        })
        .await?;
    Ok(changed(&term))
}

async fn update(
    state: State,
    kind: TermKind,
    segment: String,
    if_match: IfMatch,
    patch: TermPatch,
) -> Result<HttpResponse, ApiError> {
    let term = state
        .write(move |c| {
            let current = find(c, kind, &segment)?;
            let term = ValidTerm::new(
                patch.slug,
                patch.name.unwrap_or_else(|| current.name.clone()),
                patch.description.unwrap_or_else(|| current.description.clone()),
            )?;
            if_match.check(&Term::from(current.clone()))?;
            term.save(c, kind, Some(&current))
        })
        .await?;
    Ok(changed(&term))
}

async fn remove(state: State, kind: TermKind, segment: String, if_match: IfMatch) -> Result<HttpResponse, ApiError> {
    state
        .write(move |c| {
            let current = find(c, kind, &segment)?;
            if_match.check(&Term::from(current.clone()))?;
            let users = if kind == TermKind::Region { "news items or offices" } else { "news items" };
            db::terms::delete(c, current.id).map_err(|err| {
                ApiError::from(err)
                    .in_the_way(|| format!("{} `{}` is still used by {users}", <&str>::from(kind), current.slug))
            })?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List topics
#[utoipa::path(operation_id = "list_topics", security((), ("bearer" = [])), tag = "taxonomy", responses((status = 200, description = "Every topic", body = TermList), crate::openapi::ListErrors))]
#[get("/topics")]
pub async fn list_topics(state: State, _: Reader) -> Result<HttpResponse, ApiError> {
    list(state, TermKind::Topic).await
}

/// Get one topic by id or slug
#[utoipa::path(operation_id = "get_topic", security((), ("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug", example = "cybercrime")), responses((status = 200, description = "The topic", body = Term), crate::openapi::GetErrors))]
#[get("/topics/{id}")]
pub async fn get_topic(state: State, _: Reader, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    get(state, TermKind::Topic, id.into_inner()).await
}

/// Create a topic
#[utoipa::path(operation_id = "create_topic", security(("bearer" = [])), tag = "taxonomy", request_body = TermWrite, responses((status = 201, description = "Created", body = Term), crate::openapi::CreateErrors))]
#[post("/topics")]
pub async fn create_topic(state: State, _: Editor, Json(body): Json<TermWrite>) -> Result<HttpResponse, ApiError> {
    create(state, TermKind::Topic, body).await
}

/// Replace a topic
#[utoipa::path(operation_id = "replace_topic", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), request_body = TermWrite, responses((status = 200, description = "Replaced", body = Term), crate::openapi::ChangeErrors))]
#[put("/topics/{id}")]
pub async fn replace_topic(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<TermWrite>,
) -> Result<HttpResponse, ApiError> {
    replace(state, TermKind::Topic, id.into_inner(), if_match, body).await
}

/// Change some fields of a topic
#[utoipa::path(operation_id = "update_topic", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), request_body = TermPatch, responses((status = 200, description = "Changed", body = Term), crate::openapi::ChangeErrors))]
#[patch("/topics/{id}")]
pub async fn update_topic(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<TermPatch>,
) -> Result<HttpResponse, ApiError> {
    update(state, TermKind::Topic, id.into_inner(), if_match, patch).await
}

/// Delete a topic that no news item uses
#[utoipa::path(operation_id = "delete_topic", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/topics/{id}")]
pub async fn delete_topic(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    remove(state, TermKind::Topic, id.into_inner(), if_match).await
}

/// List regions
#[utoipa::path(operation_id = "list_regions", security((), ("bearer" = [])), tag = "taxonomy", responses((status = 200, description = "Every region", body = TermList), crate::openapi::ListErrors))]
#[get("/regions")]
pub async fn list_regions(state: State, _: Reader) -> Result<HttpResponse, ApiError> {
    list(state, TermKind::Region).await
}

/// Get one region by id or slug
#[utoipa::path(operation_id = "get_region", security((), ("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug", example = "africa")), responses((status = 200, description = "The region", body = Term), crate::openapi::GetErrors))]
#[get("/regions/{id}")]
pub async fn get_region(state: State, _: Reader, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    get(state, TermKind::Region, id.into_inner()).await
}

/// Create a region
#[utoipa::path(operation_id = "create_region", security(("bearer" = [])), tag = "taxonomy", request_body = TermWrite, responses((status = 201, description = "Created", body = Term), crate::openapi::CreateErrors))]
#[post("/regions")]
pub async fn create_region(state: State, _: Editor, Json(body): Json<TermWrite>) -> Result<HttpResponse, ApiError> {
    create(state, TermKind::Region, body).await
}

/// Replace a region
#[utoipa::path(operation_id = "replace_region", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), request_body = TermWrite, responses((status = 200, description = "Replaced", body = Term), crate::openapi::ChangeErrors))]
#[put("/regions/{id}")]
pub async fn replace_region(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<TermWrite>,
) -> Result<HttpResponse, ApiError> {
    replace(state, TermKind::Region, id.into_inner(), if_match, body).await
}

/// Change some fields of a region
#[utoipa::path(operation_id = "update_region", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), request_body = TermPatch, responses((status = 200, description = "Changed", body = Term), crate::openapi::ChangeErrors))]
#[patch("/regions/{id}")]
pub async fn update_region(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<TermPatch>,
) -> Result<HttpResponse, ApiError> {
    update(state, TermKind::Region, id.into_inner(), if_match, patch).await
}

/// Delete a region that no news item uses
#[utoipa::path(operation_id = "delete_region", security(("bearer" = [])), tag = "taxonomy", params(("id" = String, Path, description = "Id or slug"), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/regions/{id}")]
pub async fn delete_region(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    remove(state, TermKind::Region, id.into_inner(), if_match).await
}
