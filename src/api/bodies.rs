//! An organization's governing and working bodies: `/api/v1/organizations/{slug}/bodies`.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created, not_null, nullable, utc};
use crate::auth::{Editor, Reader};
use crate::db::organizations::{BodyForm, BodyRow};
use crate::db::{self, DbConn};
use crate::domain::dates;
use crate::domain::organization::BodyKind;
use crate::domain::slug::Key;
use crate::domain::text::{BodyDescription, Name};
use crate::error::{ApiError, FieldError};
use crate::http::{IfMatch, Json};
use crate::service::organizations::find as find_organization;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_bodies)
        .service(create_body)
        .service(get_body)
        .service(replace_body)
        .service(update_body)
        .service(delete_body);
}

/// A governing or working body of an organization.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "General Assembly", "kind": "governing_body",
    "description": "The governing body ...", "leader_title": null, "meeting_cadence": "once a year",
    "sort_order": 1, "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct Body {
    pub id: i64,
    pub name: String,
    pub kind: BodyKind,
    /// Markdown.
    pub description: String,
    /// The title of whoever leads it, e.g. `Secretary General`.
    pub leader_title: Option<String>,
    /// How often it meets, e.g. `once a year`.
    pub meeting_cadence: Option<String>,
    /// Bodies are listed by this, then by id.
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<BodyRow> for Body {
    fn from(row: BodyRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: BodyKind::parse(&row.kind).unwrap_or(BodyKind::Other),
            description: row.description,
            leader_title: row.leader_title,
            meeting_cadence: row.meeting_cadence,
            sort_order: row.sort_order,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BodyList {
    pub items: Vec<Body>,
}

/// A complete body to create or replace one with.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Executive Committee", "kind": "executive_committee", "meeting_cadence": "three times a year"}))]
pub struct BodyWrite {
    #[schema(value_type = Name)]
    name: String,
    kind: BodyKind,
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = BodyDescription)]
    description: String,
    #[serde(default)]
    #[schema(value_type = Option<Name>)]
    leader_title: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Name>)]
    meeting_cadence: Option<String>,
    #[serde(default)]
    sort_order: i32,
}

/// A partial update: absent fields are kept, `null` clears a nullable one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    kind: Option<BodyKind>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<BodyDescription>, nullable = false)]
    description: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Name>)]
    leader_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Name>)]
    meeting_cadence: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    sort_order: Option<i32>,
}

impl BodyWrite {
    fn validate(mut self) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let optional = |v: &Option<String>| v.as_deref().map_or(Ok(()), Name::check);
        for (field, result) in [
            ("name", Name::check(&self.name)),
            ("description", BodyDescription::check(&self.description)),
            ("leader_title", optional(&self.leader_title)),
            ("meeting_cadence", optional(&self.meeting_cadence)),
        ] {
            if let Err(message) = result {
                errors.push(FieldError::new(field, message));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        self.name = self.name.trim().to_owned();
        self.description = self.description.trim().to_owned();
        Ok(self)
    }

    fn save(&self, conn: &mut DbConn, organization_id: i64, current: Option<i64>) -> Result<Body, ApiError> {
        let kind = self.kind.as_str();
        let form = BodyForm {
            name: &self.name,
            kind: &kind,
            description: &self.description,
            leader_title: self.leader_title.as_deref().map(str::trim),
            meeting_cadence: self.meeting_cadence.as_deref().map(str::trim),
            sort_order: self.sort_order,
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(id) => db::organizations::update_body(conn, id, &form)?,
            None => db::organizations::insert_body(conn, organization_id, &form)?,
        };
        Ok(row.into())
    }
}

impl BodyPatch {
    fn apply(self, current: BodyRow) -> BodyWrite {
        BodyWrite {
            name: self.name.unwrap_or(current.name),
            kind: self.kind.unwrap_or_else(|| BodyKind::parse(&current.kind).unwrap_or(BodyKind::Other)),
            description: self.description.unwrap_or(current.description),
            leader_title: self.leader_title.unwrap_or(current.leader_title),
            meeting_cadence: self.meeting_cadence.unwrap_or(current.meeting_cadence),
            sort_order: self.sort_order.unwrap_or(current.sort_order),
        }
    }
}

/// Adds a body to an organization from a request body (the demo data comes this way too).
pub fn create(conn: &mut DbConn, organization_id: i64, body: serde_json::Value) -> Result<Body, ApiError> {
    let write: BodyWrite = serde_json::from_value(body).map_err(ApiError::internal)?;
    write.validate()?.save(conn, organization_id, None)
}

/// The organization's id and its body `segment`, or 404 (also for another organization's body).
fn find(conn: &mut DbConn, slug: &str, segment: &str) -> Result<(i64, BodyRow), ApiError> {
    let organization = find_organization(conn, slug)?.id;
    let missing = || ApiError::NotFound(format!("organization `{slug}` has no body with id {segment}"));
    let Some(Key::Id(id)) = Key::parse(segment) else { return Err(missing()) };
    let body = db::organizations::body(conn, organization, id).optional()?.ok_or_else(missing)?;
    Ok((organization, body))
}

/// List an organization's bodies
#[utoipa::path(operation_id = "list_bodies", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol")), responses((status = 200, description = "The bodies, by sort order", body = BodyList), crate::openapi::GetErrors))]
#[get("/organizations/{slug}/bodies")]
pub async fn list_bodies(state: State, _: Reader, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let rows = state
        .db(move |c| {
            let organization = find_organization(c, &slug)?.id;
            Ok(db::organizations::bodies(c, organization)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(BodyList { items: rows.into_iter().map(Body::from).collect() }))
}

/// Get one body of an organization
#[utoipa::path(operation_id = "get_body", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), responses((status = 200, description = "The body", body = Body), crate::openapi::GetErrors))]
#[get("/organizations/{slug}/bodies/{id}")]
pub async fn get_body(state: State, _: Reader, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let (_, row) = state.db(move |c| find(c, &slug, &id)).await?;
    Ok(HttpResponse::Ok().json(Body::from(row)))
}

/// Add a body to an organization
#[utoipa::path(operation_id = "create_body", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path)), request_body = BodyWrite, responses((status = 201, description = "Created", body = Body), crate::openapi::ChangeErrors))]
#[post("/organizations/{slug}/bodies")]
pub async fn create_body(
    state: State,
    _: Editor,
    slug: web::Path<String>,
    Json(body): Json<BodyWrite>,
) -> Result<HttpResponse, ApiError> {
    let valid = body.validate()?;
    let org = slug.clone();
    let created_body = state
        .write(move |c| {
            let organization = find_organization(c, &org)?.id;
            valid.save(c, organization, None)
        })
        .await?;
    Ok(created(state.url(&format!("/api/v1/organizations/{slug}/bodies/{}", created_body.id)), &created_body))
}

/// Replace a body of an organization
#[utoipa::path(operation_id = "replace_body", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), request_body = BodyWrite, responses((status = 200, description = "Replaced", body = Body), crate::openapi::ChangeErrors))]
#[put("/organizations/{slug}/bodies/{id}")]
pub async fn replace_body(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    Json(body): Json<BodyWrite>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let valid = body.validate()?;
    let saved = state
        .write(move |c| {
            let (organization, current) = find(c, &slug, &id)?;
            if_match.check(&Body::from(current.clone()))?;
            valid.save(c, organization, Some(current.id))
        })
        .await?;
    Ok(changed(&saved))
}

/// Change some fields of a body of an organization
#[utoipa::path(operation_id = "update_body", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), request_body = BodyPatch, responses((status = 200, description = "Changed", body = Body), crate::openapi::ChangeErrors))]
#[patch("/organizations/{slug}/bodies/{id}")]
pub async fn update_body(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    Json(patch): Json<BodyPatch>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let saved = state
        .write(move |c| {
            let (organization, current) = find(c, &slug, &id)?;
            let body = patch.apply(current.clone()).validate()?;
            if_match.check(&Body::from(current.clone()))?;
            body.save(c, organization, Some(current.id))
        })
        .await?;
    Ok(changed(&saved))
}

/// Delete a body of an organization
#[utoipa::path(operation_id = "delete_body", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/organizations/{slug}/bodies/{id}")]
pub async fn delete_body(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    state
        .write(move |c| {
            let (_, current) = find(c, &slug, &id)?;
            if_match.check(&Body::from(current.clone()))?;
            db::organizations::delete_body(c, current.id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
