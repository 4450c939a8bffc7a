//! An organization's offices: `/api/v1/organizations/{slug}/offices`.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created, not_null, nullable, utc};
use crate::auth::{Editor, Reader};
use crate::db::organizations::{OfficeForm, OfficeRow};
use crate::db::terms::TermKind;
use crate::db::{self, DbConn};
use crate::domain::dates;
use crate::domain::organization::CountryCode;
use crate::domain::organization::{OfficeKind, check_country};
use crate::domain::slug::Key;
use crate::domain::text::Name;
use crate::error::{ApiError, FieldError};
use crate::http::{IfMatch, Json};
use crate::service::organizations::find as find_organization;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_offices)
        .service(create_office)
        .service(get_office)
        .service(replace_office)
        .service(update_office)
        .service(delete_office);
}

/// An office of an organization.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "Headquarters", "kind": "headquarters", "city": "Lyon",
    "country": "FR", "region": null, "sort_order": 1,
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"}))]
pub struct Office {
    pub id: i64,
    pub name: String,
    pub kind: OfficeKind,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// Slug of a region.
    pub region: Option<String>,
    /// Offices are listed by this, then by id.
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Office {
    fn new(row: OfficeRow, region: Option<String>) -> Self {
        Self {
            id: row.id,
            name: row.name,
            kind: OfficeKind::parse(&row.kind).unwrap_or(OfficeKind::Other),
            city: row.city,
            country: row.country,
            region,
            sort_order: row.sort_order,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// Offices with their region slugs, one query for all regions.
fn hydrate(conn: &mut DbConn, rows: Vec<OfficeRow>) -> Result<Vec<Office>, ApiError> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.region_id).collect();
    let slugs: std::collections::HashMap<i64, String> = db::terms::slugs(conn, &ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let region = row.region_id.and_then(|id| slugs.get(&id).cloned());
            Office::new(row, region)
        })
        .collect())
}

fn one(conn: &mut DbConn, row: OfficeRow) -> Result<Office, ApiError> {
    hydrate(conn, vec![row])?.pop().ok_or_else(|| ApiError::internal(std::fmt::Error))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeList {
    pub items: Vec<Office>,
}

/// A complete office to create or replace one with.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Regional Bureau", "kind": "regional_office", "city": "Nairobi", "country": "KE", "region": "africa"}))]
pub struct OfficeWrite {
    #[schema(value_type = Name)]
    name: String,
    kind: OfficeKind,
    #[serde(default)]
    #[schema(value_type = Option<Name>)]
    city: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    #[serde(default)]
    #[schema(value_type = Option<CountryCode>)]
    country: Option<String>,
    /// Slug of an existing region.
    #[serde(default)]
    #[schema(example = "africa")]
    region: Option<String>,
    #[serde(default)]
    sort_order: i32,
}

/// A partial update: absent fields are kept, `null` clears a nullable one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficePatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    kind: Option<OfficeKind>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Name>)]
    city: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<CountryCode>)]
    country: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    region: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    sort_order: Option<i32>,
}

impl OfficeWrite {
    fn validate(mut self) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        if let Err(message) = Name::check(&self.name) {
            errors.push(FieldError::new("name", message));
        }
        if let Some(Err(message)) = self.city.as_deref().map(Name::check) {
            errors.push(FieldError::new("city", message));
        }
        if let Some(Err(message)) = self.country.as_deref().map(check_country) {
            errors.push(FieldError::new("country", message));
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        self.name = self.name.trim().to_owned();
        self.city = self.city.map(|c| c.trim().to_owned());
        Ok(self)
    }

    /// Resolves the region and stores the office, new or over `current`.
    fn save(&self, conn: &mut DbConn, organization_id: i64, current: Option<i64>) -> Result<Office, ApiError> {
        let region_id = match &self.region {
            Some(slug) => Some(
                db::terms::find(conn, TermKind::Region, &Key::Slug(slug.clone()))
                    .optional()?
                    .ok_or_else(|| {
                        ApiError::invalid_fields(vec![FieldError::new(
                            "region",
                            format!("no region with slug `{slug}`"),
                        )])
                    })?
                    .id,
            ),
            None => None,
        };
        let kind = self.kind.as_str();
        let form = OfficeForm {
            name: &self.name,
            kind: &kind,
            city: self.city.as_deref(),
            country: self.country.as_deref(),
            region_id,
            sort_order: self.sort_order,
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(id) => db::organizations::update_office(conn, id, &form)?,
            None => db::organizations::insert_office(conn, organization_id, &form)?,
        };
        one(conn, row)
    }
}

impl OfficePatch {
    fn apply(self, current: Office) -> OfficeWrite {
        OfficeWrite {
            name: self.name.unwrap_or(current.name),
            kind: self.kind.unwrap_or(current.kind),
            city: self.city.unwrap_or(current.city),
            country: self.country.unwrap_or(current.country),
            region: self.region.unwrap_or(current.region),
            sort_order: self.sort_order.unwrap_or(current.sort_order),
        }
    }
}

/// Adds a office to an organization from a request body (the demo data comes this way too).
pub fn create(conn: &mut DbConn, organization_id: i64, body: serde_json::Value) -> Result<Office, ApiError> {
    let write: OfficeWrite = serde_json::from_value(body).map_err(ApiError::internal)?;
    write.validate()?.save(conn, organization_id, None)
}

/// The organization's id and its office `segment`, or 404 (also for another organization's office).
fn find(conn: &mut DbConn, slug: &str, segment: &str) -> Result<(i64, Office), ApiError> {
    let organization = find_organization(conn, slug)?.id;
    let missing = || ApiError::NotFound(format!("organization `{slug}` has no office with id {segment}"));
    let Some(Key::Id(id)) = Key::parse(segment) else { return Err(missing()) };
    let row = db::organizations::office(conn, organization, id).optional()?.ok_or_else(missing)?;
    Ok((organization, one(conn, row)?))
}

/// List an organization's offices
#[utoipa::path(operation_id = "list_offices", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol")), responses((status = 200, description = "The offices, by sort order", body = OfficeList), crate::openapi::GetErrors))]
#[get("/organizations/{slug}/offices")]
pub async fn list_offices(state: State, _: Reader, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let items = state
        .db(move |c| {
            let organization = find_organization(c, &slug)?.id;
            let rows = db::organizations::offices(c, organization)?;
            hydrate(c, rows)
        })
        .await?;
    Ok(HttpResponse::Ok().json(OfficeList { items }))
}

/// Get one office of an organization
#[utoipa::path(operation_id = "get_office", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), responses((status = 200, description = "The office", body = Office), crate::openapi::GetErrors))]
#[get("/organizations/{slug}/offices/{id}")]
pub async fn get_office(state: State, _: Reader, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let (_, office) = state.db(move |c| find(c, &slug, &id)).await?;
    Ok(HttpResponse::Ok().json(office))
}

/// Add an office to an organization
#[utoipa::path(operation_id = "create_office", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path)), request_body = OfficeWrite, responses((status = 201, description = "Created", body = Office), crate::openapi::ChangeErrors))]
#[post("/organizations/{slug}/offices")]
pub async fn create_office(
    state: State,
    _: Editor,
    slug: web::Path<String>,
    Json(body): Json<OfficeWrite>,
) -> Result<HttpResponse, ApiError> {
    let valid = body.validate()?;
    let org = slug.clone();
    let office = state
        .write(move |c| {
            let organization = find_organization(c, &org)?.id;
            valid.save(c, organization, None)
        })
        .await?;
    Ok(created(state.url(&format!("/api/v1/organizations/{slug}/offices/{}", office.id)), &office))
}

/// Replace an office of an organization
#[utoipa::path(operation_id = "replace_office", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), request_body = OfficeWrite, responses((status = 200, description = "Replaced", body = Office), crate::openapi::ChangeErrors))]
#[put("/organizations/{slug}/offices/{id}")]
pub async fn replace_office(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    Json(body): Json<OfficeWrite>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let valid = body.validate()?;
    let saved = state
        .write(move |c| {
            let (organization, current) = find(c, &slug, &id)?;
            if_match.check(&current)?;
            valid.save(c, organization, Some(current.id))
        })
        .await?;
    Ok(changed(&saved))
}

/// Change some fields of an office of an organization
#[utoipa::path(operation_id = "update_office", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), request_body = OfficePatch, responses((status = 200, description = "Changed", body = Office), crate::openapi::ChangeErrors))]
#[patch("/organizations/{slug}/offices/{id}")]
pub async fn update_office(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    Json(patch): Json<OfficePatch>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let saved = state
        .write(move |c| {
            let (organization, current) = find(c, &slug, &id)?;
            let id = current.id;
            let tag = crate::http::conditional::etag_of(&current);
            let office = patch.apply(current).validate()?;
            if_match.check_tag(&tag)?;
            office.save(c, organization, Some(id))
        })
        .await?;
    Ok(changed(&saved))
}

/// Delete an office of an organization
#[utoipa::path(operation_id = "delete_office", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/organizations/{slug}/offices/{id}")]
pub async fn delete_office(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    state
        .write(move |c| {
            let (_, current) = find(c, &slug, &id)?;
            if_match.check(&current)?;
            db::organizations::delete_office(c, current.id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
