//! Organization profiles: `/api/v1/organizations` and each organization's own news listing.
//! Its bodies and offices are in `bodies` and `offices`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::news::{FilterParams, PageParams, list};
use super::{State, changed, created, not_null, nullable, utc};
use crate::auth::{Editor, Reader};
use crate::db::organizations::{OrganizationForm, OrganizationRow};
use crate::db::revisions::{self, Entity, Origin};
use crate::db::{self, DbConn};
use crate::domain::dates;
use crate::domain::organization::{check_country, check_website};
use crate::domain::slug::Slug;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::http::{IfMatch, Json};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_organizations)
        .service(create_organization)
        .service(get_organization)
        .service(replace_organization)
        .service(update_organization)
        .service(delete_organization)
        .service(list_organization_news);
}

/// An organization's public profile.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "slug": "interpol", "name": "INTERPOL", "full_name": "International Criminal Police Organization",
    "kind": "inter-governmental organization", "tagline": "...", "description": "... (markdown)",
    "member_count": 195, "website": null, "headquarters": {"city": "Lyon", "country": "FR"},
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z"
}))]
pub struct Organization {
    pub id: i64,
    pub slug: String,
    /// Short name.
    pub name: String,
    pub full_name: String,
    /// Free text, e.g. `inter-governmental organization`.
    pub kind: String,
    pub tagline: String,
    /// Markdown.
    pub description: String,
    pub member_count: Option<i64>,
    pub website: Option<String>,
    pub headquarters: Option<Place>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A city and its country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Place {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(pattern = r"^[A-Z]{2}$", example = "FR")]
    pub country: Option<String>,
}

/// Only a JSON object is a place: serde's derive would also take an array of its fields.
impl<'de> Deserialize<'de> for Place {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            #[serde(default)]
            city: Option<String>,
            #[serde(default)]
            country: Option<String>,
        }
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(de)?;
        let fields = Fields::deserialize(serde_json::Value::Object(map)).map_err(serde::de::Error::custom)?;
        Ok(Self { city: fields.city, country: fields.country })
    }
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        let has_headquarters = row.headquarters_city.is_some() || row.headquarters_country.is_some();
        let headquarters =
            has_headquarters.then_some(Place { city: row.headquarters_city, country: row.headquarters_country });
        Self {
            id: row.id,
            slug: row.slug,
            name: row.name,
            full_name: row.full_name,
            kind: row.kind,
            tagline: row.tagline,
            description: row.description,
            member_count: row.member_count,
            website: row.website,
            headquarters,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationList {
    pub items: Vec<Organization>,
}

/// A complete profile to create or replace one with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Europol", "full_name": "European Union Agency for Law Enforcement Cooperation",
    "kind": "EU agency", "member_count": 27, "website": "https://www.europol.europa.eu",
    "headquarters": {"city": "The Hague", "country": "NL"}}))]
pub struct OrganizationWrite {
    /// Derived from the name when absent; on PUT, absent keeps the current one.
    #[serde(default)]
    #[schema(max_length = 120, pattern = r"^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$")]
    slug: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    name: String,
    #[serde(default)]
    #[schema(max_length = 300, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    full_name: String,
    #[serde(default)]
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    kind: String,
    #[serde(default)]
    #[schema(max_length = 300, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    tagline: String,
    /// Markdown.
    #[serde(default)]
    #[schema(max_length = 20000, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
    description: String,
    #[serde(default)]
    #[schema(minimum = 0)]
    member_count: Option<i64>,
    /// An absolute http(s) URL.
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = r"^[hH][tT][tT][pP][sS]?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,4})?([/?#][!-~]*)?$"
    )]
    website: Option<String>,
    #[serde(default)]
    headquarters: Option<Place>,
}

/// A partial update: absent fields are kept, `null` clears a nullable one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 120, pattern = r"^(?![0-9]+$)[a-z0-9]+(-[a-z0-9]+)*$")]
    slug: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 300, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    full_name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 100, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_length = 300, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    tagline: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(
        nullable = false,
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    description: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    member_count: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000, pattern = r"^[hH][tT][tT][pP][sS]?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,4})?([/?#][!-~]*)?$")]
    website: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Place>)]
    headquarters: Option<Option<Place>>,
}

impl OrganizationPatch {
    fn apply(self, current: &OrganizationRow) -> OrganizationWrite {
        let current_hq = Organization::from(current.clone()).headquarters;
        OrganizationWrite {
            slug: self.slug,
            name: self.name.unwrap_or_else(|| current.name.clone()),
            full_name: self.full_name.unwrap_or_else(|| current.full_name.clone()),
            kind: self.kind.unwrap_or_else(|| current.kind.clone()),
            tagline: self.tagline.unwrap_or_else(|| current.tagline.clone()),
            description: self.description.unwrap_or_else(|| current.description.clone()),
            member_count: self.member_count.unwrap_or(current.member_count),
            website: self.website.unwrap_or_else(|| current.website.clone()),
            headquarters: self.headquarters.unwrap_or(current_hq),
        }
    }
}

impl OrganizationWrite {
    /// Checks every field, trims text, and drops an empty headquarters.
    pub fn validate(mut self) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(FieldError::new(field, message));
            }
        };
        if let Some(slug) = &self.slug {
            check("slug", Slug::parse(slug).map(drop));
        }
        check("name", text::check(&self.name, true, 200, false));
        check("full_name", text::check(&self.full_name, false, 300, false));
        check("kind", text::check(&self.kind, false, 100, false));
        check("tagline", text::check(&self.tagline, false, 300, false));
        check("description", text::check(&self.description, false, 20_000, true));
        if self.member_count.is_some_and(|n| n < 0) {
            check("member_count", Err("must not be negative".into()));
        }
        if let Some(website) = &self.website {
            check("website", check_website(website));
        }
        if let Some(place) = &self.headquarters {
            if let Some(city) = &place.city {
                check("headquarters.city", text::check(city, true, 200, false));
            }
            if let Some(country) = &place.country {
                check("headquarters.country", check_country(country));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid_fields(errors));
        }
        for field in [&mut self.name, &mut self.full_name, &mut self.kind, &mut self.tagline, &mut self.description] {
            *field = field.trim().to_owned();
        }
        self.headquarters = self.headquarters.filter(|p| p.city.is_some() || p.country.is_some());
        Ok(self)
    }

    /// Stores the profile, new or over `current`, keeping it as the next revision.
    pub fn save(
        &self,
        conn: &mut DbConn,
        current: Option<&OrganizationRow>,
        origin: &Origin,
    ) -> Result<Organization, ApiError> {
        let slug = match (&self.slug, current) {
            (Some(slug), _) => slug.clone(),
            (None, Some(current)) => current.slug.clone(),
            (None, None) => Slug::derive(&self.name, "organization").into_string(),
        };
        let place = self.headquarters.as_ref();
        let form = OrganizationForm {
            slug: &slug,
            name: &self.name,
            full_name: &self.full_name,
            kind: &self.kind,
            tagline: &self.tagline,
            description: &self.description,
            member_count: self.member_count,
            website: self.website.as_deref(),
            headquarters_city: place.and_then(|p| p.city.as_deref()),
            headquarters_country: place.and_then(|p| p.country.as_deref()),
            updated_at: dates::now().naive_utc(),
        };
        let row = match current {
            Some(current) => db::organizations::update(conn, current.id, &form)?,
            None => db::organizations::insert(conn, &form)?,
        };
        let (id, at) = (row.id, row.updated_at);
        let org = Organization::from(row);
        let snapshot = serde_json::to_string(&org).map_err(ApiError::internal)?;
        revisions::record(conn, Entity::Organization, id, origin, &snapshot, at)?;
        Ok(org)
    }
}

/// Creates an organization from a request body (the demo data comes this way too).
pub fn create(conn: &mut DbConn, body: serde_json::Value) -> Result<Organization, ApiError> {
    let write: OrganizationWrite = serde_json::from_value(body).map_err(ApiError::internal)?;
    write.validate()?.save(conn, None, &Origin::default())
}

/// The organization with this slug, or 404.
pub fn find(conn: &mut DbConn, slug: &str) -> Result<OrganizationRow, ApiError> {
    let missing = || ApiError::NotFound(format!("no organization `{slug}`"));
    // What cannot be a slug names nothing, and is never sent to the database.
    if Slug::parse(slug).is_err() {
        return Err(missing());
    }
    db::organizations::find(conn, slug).optional()?.ok_or_else(missing)
}

/// List organizations
#[utoipa::path(operation_id = "list_organizations", tag = "organizations", security((), ("bearer" = [])), responses((status = 200, description = "Every organization, by slug", body = OrganizationList), crate::openapi::ListErrors))]
#[get("/organizations")]
pub async fn list_organizations(state: State, _: Reader) -> Result<HttpResponse, ApiError> {
    let rows = state.db(|c| Ok(db::organizations::list(c)?)).await?;
    Ok(HttpResponse::Ok().json(OrganizationList { items: rows.into_iter().map(Organization::from).collect() }))
}

/// Get an organization's profile
#[utoipa::path(operation_id = "get_organization", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol")), responses((status = 200, description = "The profile", body = Organization), crate::openapi::GetErrors))]
#[get("/organizations/{slug}")]
pub async fn get_organization(state: State, _: Reader, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let row = state.db(move |c| find(c, &slug)).await?;
    Ok(HttpResponse::Ok().json(Organization::from(row)))
}

/// Create an organization
#[utoipa::path(operation_id = "create_organization", tag = "organizations", security(("bearer" = [])), request_body = OrganizationWrite, responses((status = 201, description = "Created", body = Organization), crate::openapi::CreateErrors))]
#[post("/organizations")]
pub async fn create_organization(
    state: State,
    Editor(user): Editor,
    Json(body): Json<OrganizationWrite>,
) -> Result<HttpResponse, ApiError> {
    let org = body.validate()?;
    let org = state.write(move |c| org.save(c, None, &Origin::user(&user.username))).await?;
    Ok(created(state.url(&format!("/api/v1/organizations/{}", org.slug)), &org))
}

/// Replace an organization's profile
#[utoipa::path(operation_id = "replace_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version being replaced", pattern = r#"^(\*|(W/)?"[!#-~]*"(\s*,\s*(W/)?"[!#-~]*")*)$"#)), request_body = OrganizationWrite, responses((status = 200, description = "Replaced", body = Organization), crate::openapi::ChangeErrors))]
#[put("/organizations/{slug}")]
pub async fn replace_organization(
    state: State,
    Editor(user): Editor,
    slug: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<OrganizationWrite>,
) -> Result<HttpResponse, ApiError> {
    let org = body.validate()?;
    let org = state
        .write(move |c| {
            let current = find(c, &slug)?;
            if_match.check(&Organization::from(current.clone()))?;
            org.save(c, Some(&current), &Origin::user(&user.username))
        })
        .await?;
    Ok(changed(&org))
}

/// Change some fields of an organization's profile
#[utoipa::path(operation_id = "update_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version being changed", pattern = r#"^(\*|(W/)?"[!#-~]*"(\s*,\s*(W/)?"[!#-~]*")*)$"#)), request_body = OrganizationPatch, responses((status = 200, description = "Changed", body = Organization), crate::openapi::ChangeErrors))]
#[patch("/organizations/{slug}")]
pub async fn update_organization(
    state: State,
    Editor(user): Editor,
    slug: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<OrganizationPatch>,
) -> Result<HttpResponse, ApiError> {
    let org = state
        .write(move |c| {
            let current = find(c, &slug)?;
            let org = patch.apply(&current).validate()?;
            if_match.check(&Organization::from(current.clone()))?;
            org.save(c, Some(&current), &Origin::user(&user.username))
        })
        .await?;
    Ok(changed(&org))
}

/// Delete an organization that has no news items, with its bodies and offices
#[utoipa::path(operation_id = "delete_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version being deleted", pattern = r#"^(\*|(W/)?"[!#-~]*"(\s*,\s*(W/)?"[!#-~]*")*)$"#)), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/organizations/{slug}")]
pub async fn delete_organization(
    state: State,
    _: Editor,
    slug: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .write(move |c| {
            let current = find(c, &slug)?;
            if_match.check(&Organization::from(current.clone()))?;
            db::organizations::delete(c, current.id).map_err(|err| {
                ApiError::from(err).in_the_way(|| {
                    format!("organization `{slug}` still has news items (the trash included); move or purge them first")
                })
            })?;
            db::revisions::forget(c, Entity::Organization, current.id)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List an organization's news items, with every parameter of the news listing
#[utoipa::path(operation_id = "list_organization_news", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol"), FilterParams, PageParams), responses((status = 200, description = "One page of the organization's items", body = super::news::NewsList), crate::openapi::GetErrors, crate::openapi::ListErrors))]
#[get("/organizations/{slug}/news")]
pub async fn list_organization_news(
    state: State,
    reader: Reader,
    slug: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = state.db(move |c| Ok(find(c, &slug)?.id)).await?;
    list(state, reader, req, Some(id)).await
}
