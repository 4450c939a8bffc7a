//! Authors: `/api/v1/authors`.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created, not_null, utc};
use crate::auth::{Editor, Reader};
use crate::db::authors::{AuthorForm, AuthorRow};
use crate::db::{self, DbConn};
use crate::domain::dates;
use crate::domain::slug::Key;
use crate::domain::text::{Bio, JobTitle, Name};
use crate::error::{ApiError, FieldError};
use crate::http::{IfMatch, Json};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_authors)
        .service(create_author)
        .service(get_author)
        .service(replace_author)
        .service(update_author)
        .service(delete_author);
}

/// A person who writes news items.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "Robert Williams", "title": "Editor in Chief", "bio": "",
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct Author {
    pub id: i64,
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

/// Every author, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorList {
    pub items: Vec<Author>,
}

/// A complete author to create or replace one with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Robert Williams", "title": "Editor in Chief"}))]
pub struct AuthorWrite {
    #[schema(value_type = Name)]
    name: String,
    /// Job title.
    #[serde(default)]
    #[schema(value_type = JobTitle)]
    title: String,
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = Bio)]
    bio: String,
}

/// A partial update: absent fields are kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<JobTitle>, nullable = false)]
    title: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Bio>, nullable = false)]
    bio: Option<String>,
}

impl AuthorWrite {
    fn validate(self) -> Result<Self, ApiError> {
        let errors: Vec<FieldError> = [
            ("name", Name::check(&self.name)),
            ("title", JobTitle::check(&self.title)),
            ("bio", Bio::check(&self.bio)),
        ]
        .into_iter()
        .filter_map(|(field, result)| result.err().map(|message| FieldError::new(field, message)))
        .collect();
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        Ok(Self {
            name: self.name.trim().to_owned(),
            title: self.title.trim().to_owned(),
            bio: self.bio.trim().to_owned(),
        })
    }

    /// Stores the author, new or over `current`.
    fn save(&self, conn: &mut DbConn, current: Option<i64>) -> Result<Author, ApiError> {
        let form =
            AuthorForm { name: &self.name, title: &self.title, bio: &self.bio, updated_at: dates::now().naive_utc() };
        let row = match current {
            Some(id) => db::authors::update(conn, id, &form)?,
            None => db::authors::insert(conn, &form)?,
        };
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

/// List authors
#[utoipa::path(operation_id = "list_authors", security((), ("bearer" = [])), tag = "authors", responses((status = 200, description = "Every author", body = AuthorList), crate::openapi::ListErrors))]
#[get("/authors")]
pub async fn list_authors(state: State, _: Reader) -> Result<HttpResponse, ApiError> {
    let rows = state.db(|c| Ok(db::authors::list(c)?)).await?;
    Ok(HttpResponse::Ok().json(AuthorList { items: rows.into_iter().map(Author::from).collect() }))
}

/// Get one author
#[utoipa::path(operation_id = "get_author", security((), ("bearer" = [])), tag = "authors", params(("id" = i64, Path, description = "Author id", example = 1)), responses((status = 200, description = "The author", body = Author), crate::openapi::GetErrors))]
#[get("/authors/{id}")]
pub async fn get_author(state: State, _: Reader, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let row = state.db(move |c| find(c, &id)).await?;
    Ok(HttpResponse::Ok().json(Author::from(row)))
}

/// Create an author
#[utoipa::path(operation_id = "create_author", security(("bearer" = [])), tag = "authors", request_body = AuthorWrite, responses((status = 201, description = "Created", body = Author), crate::openapi::CreateErrors))]
#[post("/authors")]
pub async fn create_author(state: State, _: Editor, Json(body): Json<AuthorWrite>) -> Result<HttpResponse, ApiError> {
    let author = body.validate()?;
    let author = state.write(move |c| author.save(c, None)).await?;
    Ok(created(state.url(&format!("/api/v1/authors/{}", author.id)), &author))
}

/// Replace an author
#[utoipa::path(operation_id = "replace_author", security(("bearer" = [])), tag = "authors", params(("id" = i64, Path, description = "Author id"), IfMatch), request_body = AuthorWrite, responses((status = 200, description = "Replaced", body = Author), crate::openapi::ChangeErrors))]
#[put("/authors/{id}")]
pub async fn replace_author(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<AuthorWrite>,
) -> Result<HttpResponse, ApiError> {
    let author = body.validate()?;
    let author = state
        .write(move |c| {
            let current = find(c, &id)?;
            if_match.check(&Author::from(current.clone()))?;
            author.save(c, Some(current.id))
        })
        .await?;
    Ok(changed(&author))
}

/// Change some fields of an author
#[utoipa::path(operation_id = "update_author", security(("bearer" = [])), tag = "authors", params(("id" = i64, Path, description = "Author id"), IfMatch), request_body = AuthorPatch, responses((status = 200, description = "Changed", body = Author), crate::openapi::ChangeErrors))]
#[patch("/authors/{id}")]
pub async fn update_author(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<AuthorPatch>,
) -> Result<HttpResponse, ApiError> {
    let author = state
        .write(move |c| {
            let current = find(c, &id)?;
            let author = AuthorWrite {
                name: patch.name.unwrap_or_else(|| current.name.clone()),
                title: patch.title.unwrap_or_else(|| current.title.clone()),
                bio: patch.bio.unwrap_or_else(|| current.bio.clone()),
            }
            .validate()?;
            if_match.check(&Author::from(current.clone()))?;
            author.save(c, Some(current.id))
        })
        .await?;
    Ok(changed(&author))
}

/// Delete an author who wrote no news item
#[utoipa::path(operation_id = "delete_author", security(("bearer" = [])), tag = "authors", params(("id" = i64, Path, description = "Author id"), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/authors/{id}")]
pub async fn delete_author(
    state: State,
    _: Editor,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .write(move |c| {
            let current = find(c, &id)?;
            if_match.check(&Author::from(current.clone()))?;
            db::authors::delete(c, current.id).map_err(|err| {
                ApiError::from(err).in_the_way(|| format!("author {} still has news items", current.id))
            })?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
