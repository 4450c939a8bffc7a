//! Organization profiles: `/api/v1/organizations` and each organization's own news listing.
//! Its bodies and offices are in `bodies` and `offices`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::news::list;
use super::{State, changed, created, not_null, nullable};
use crate::auth::{Editor, Reader};
use crate::db;
use crate::db::organizations::OrganizationRow;
use crate::db::revisions::{Entity, Origin};
use crate::domain::listing::{FilterParams, PageParams};
use crate::domain::organization::Website;
use crate::domain::slug::Slug;
use crate::domain::text::{Caption, Description, Label, Name};
use crate::error::ApiError;
use crate::http::{IfMatch, Json};
use crate::service::organizations::{Organization, OrganizationWrite, Place, find};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_organizations)
        .service(create_organization)
        .service(get_organization)
        .service(replace_organization)
        .service(update_organization)
        .service(delete_organization)
        .service(list_organization_news);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationList {
    pub items: Vec<Organization>,
}

/// A partial update: absent fields are kept, `null` clears a nullable one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Slug>, nullable = false)]
    slug: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Name>, nullable = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Caption>, nullable = false)]
    full_name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Label>, nullable = false)]
    kind: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Caption>, nullable = false)]
    tagline: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Description>, nullable = false)]
    description: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    member_count: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Website>)]
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
#[utoipa::path(operation_id = "replace_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), IfMatch), request_body = OrganizationWrite, responses((status = 200, description = "Replaced", body = Organization), crate::openapi::ChangeErrors))]
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
#[utoipa::path(operation_id = "update_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), IfMatch), request_body = OrganizationPatch, responses((status = 200, description = "Changed", body = Organization), crate::openapi::ChangeErrors))]
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
#[utoipa::path(operation_id = "delete_organization", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
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
