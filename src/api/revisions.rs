//! Revisions of news items and organization profiles: `/api/v1/news/{id}/revisions` and
//! `/api/v1/organizations/{slug}/revisions`. Every stored version is kept (the current one is
//! the newest); restoring one stores it again as a new revision. Editors only.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, utc};
use crate::auth::{AuthUser, Editor};
use crate::db::revisions::{Entity, Origin, RevisionRow};
use crate::db::{self, DbConn};
use crate::domain::news::{NewsDraft, Visibility};
use crate::domain::slug::Key;
use crate::error::ApiError;
use crate::http::IfMatch;
use crate::service::news::NewsWrite;
use crate::service::news::{self, NewsItem};
use crate::service::organizations::{self, Organization, OrganizationWrite};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_news_revisions)
        .service(get_news_revision)
        .service(restore_news_revision)
        .service(list_organization_revisions)
        .service(get_organization_revision)
        .service(restore_organization_revision);
}

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

/// Every version, newest (the current one) first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    pub items: Vec<Revision>,
}

/// The snapshot of revision `segment`, or 404.
fn find_revision(conn: &mut DbConn, entity: Entity, id: i64, segment: &str) -> Result<(i64, String), ApiError> {
    let missing = || ApiError::NotFound(format!("there is no revision {segment}"));
    let Some(Key::Id(revision)) = Key::parse(segment) else { return Err(missing()) };
    let (row, snapshot) = db::revisions::find(conn, entity, id, revision).optional()?.ok_or_else(missing)?;
    Ok((row.revision, snapshot))
}

/// A snapshot as the body of a write: the fields the server owns are dropped, and
/// references are named the way requests name them.
fn as_write<T: serde::de::DeserializeOwned>(snapshot: &str, rename: &[(&str, &str)]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_str(snapshot).map_err(ApiError::internal)?;
    if let Some(fields) = value.as_object_mut() {
        for field in ["id", "reading_time_seconds", "created_at", "updated_at"] {
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
    id: i64,
    revision: &'a str,
    user: AuthUser,
}

impl Restoring<'_> {
    /// Inside the write transaction: checks `If-Match` against the current representation,
    /// then stores the snapshot again through `store`, which validates it as any write.
    fn run<T>(
        self,
        conn: &mut DbConn,
        shown: &impl Serialize,
        if_match: &IfMatch,
        store: impl FnOnce(&mut DbConn, &str, &Origin) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (revision, json) = find_revision(conn, self.entity, self.id, self.revision)?;
        if_match.check(shown)?;
        let origin = Origin { user: Some(self.user.username), restored_from: Some(revision) };
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

/// The revisions of the thing `locate` finds.
async fn list_of(
    state: &State,
    entity: Entity,
    locate: impl FnOnce(&mut DbConn) -> Result<i64, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let rows = state
        .db(move |c| {
            let id = locate(c)?;
            Ok(db::revisions::list(c, entity, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RevisionList { items: rows.into_iter().map(Revision::from).collect() }))
}

/// One revision of the thing `locate` finds, answered as it was stored.
async fn get_of(
    state: &State,
    entity: Entity,
    locate: impl FnOnce(&mut DbConn) -> Result<i64, ApiError> + Send + 'static,
    revision: String,
) -> Result<HttpResponse, ApiError> {
    let (_, json) = state
        .db(move |c| {
            let id = locate(c)?;
            find_revision(c, entity, id, &revision)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(header::ContentType::json()).body(json))
}

fn news_key(segment: &str) -> Result<Key, ApiError> {
    Key::parse(segment).ok_or_else(|| ApiError::NotFound(format!("no news item with id {segment}")))
}

fn news_id(conn: &mut DbConn, segment: &str) -> Result<i64, ApiError> {
    Ok(news::find(conn, &news_key(segment)?, Visibility::Everything)?.row.id)
}

/// List the revisions of a news item
#[utoipa::path(
    operation_id = "list_news_revisions", security(("bearer" = [])), tag = "revisions",
    params(("id" = String, Path, description = "Id or slug")),
    responses((status = 200, description = "Every version, newest first", body = RevisionList), crate::openapi::AdminReadErrors)
)]
#[get("/news/{id}/revisions")]
pub async fn list_news_revisions(state: State, _: Editor, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    list_of(&state, Entity::News, move |c| news_id(c, &id)).await
}

/// Get a news item as it was at one revision
#[utoipa::path(
    operation_id = "get_news_revision", security(("bearer" = [])), tag = "revisions",
    params(("id" = String, Path, description = "Id or slug"), ("revision" = i64, Path, minimum = 1)),
    responses((status = 200, description = "The item as it was", body = NewsItem), crate::openapi::AdminReadErrors)
)]
#[get("/news/{id}/revisions/{revision}")]
pub async fn get_news_revision(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    get_of(&state, Entity::News, move |c| news_id(c, &id), revision).await
}

/// Restore a news item to one of its revisions (stored as a new revision)
#[utoipa::path(
    operation_id = "restore_news_revision", security(("bearer" = [])), tag = "revisions",
    params(("id" = String, Path, description = "Id or slug"), ("revision" = i64, Path, minimum = 1), IfMatch),
    responses((status = 200, description = "The item as restored", body = NewsItem), crate::openapi::ChangeErrors)
)]
#[post("/news/{id}/revisions/{revision}/restore")]
pub async fn restore_news_revision(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (id, revision) = path.into_inner();
    let view = state
        .write(move |c| {
            let current = news::find(c, &news_key(&id)?, Visibility::Everything)?;
            let shown = NewsItem::from(current.clone());
            let restoring = Restoring { entity: Entity::News, id: current.row.id, revision: &revision, user };
            restoring.run(c, &shown, &if_match, |c, json, origin| {
                let write: NewsWrite = as_write(json, &[("author", "author_id")])?;
                let draft = NewsDraft::from(write).validate().map_err(ApiError::invalid_fields)?;
                news::store(c, Some(&current), draft, origin)
            })
        })
        .await?;
    Ok(changed(&NewsItem::from(view)))
}

fn organization_id(conn: &mut DbConn, slug: &str) -> Result<i64, ApiError> {
    Ok(organizations::find(conn, slug)?.id)
}

/// List the revisions of an organization's profile
#[utoipa::path(
    operation_id = "list_organization_revisions", security(("bearer" = [])), tag = "revisions",
    params(("slug" = String, Path, example = "interpol")),
    responses((status = 200, description = "Every version, newest first", body = RevisionList), crate::openapi::AdminReadErrors)
)]
#[get("/organizations/{slug}/revisions")]
pub async fn list_organization_revisions(
    state: State,
    _: Editor,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    list_of(&state, Entity::Organization, move |c| organization_id(c, &slug)).await
}

/// Get an organization's profile as it was at one revision
#[utoipa::path(
    operation_id = "get_organization_revision", security(("bearer" = [])), tag = "revisions",
    params(("slug" = String, Path, example = "interpol"), ("revision" = i64, Path, minimum = 1)),
    responses((status = 200, description = "The profile as it was", body = Organization), crate::openapi::AdminReadErrors)
)]
#[get("/organizations/{slug}/revisions/{revision}")]
pub async fn get_organization_revision(
    state: State,
    _: Editor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, revision) = path.into_inner();
    get_of(&state, Entity::Organization, move |c| organization_id(c, &slug), revision).await
}

/// Restore an organization's profile to one of its revisions (stored as a new revision)
#[utoipa::path(
    operation_id = "restore_organization_revision", security(("bearer" = [])), tag = "revisions",
    params(("slug" = String, Path, example = "interpol"), ("revision" = i64, Path, minimum = 1), IfMatch),
    responses((status = 200, description = "The profile as restored", body = Organization), crate::openapi::ChangeErrors)
)]
#[post("/organizations/{slug}/revisions/{revision}/restore")]
pub async fn restore_organization_revision(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (slug, revision) = path.into_inner();
    let org = state
        .write(move |c| {
            let current = organizations::find(c, &slug)?;
            let shown = Organization::from(current.clone());
            let restoring = Restoring { entity: Entity::Organization, id: current.id, revision: &revision, user };
            restoring.run(c, &shown, &if_match, |c, json, origin| {
                as_write::<OrganizationWrite>(json, &[])?.validate()?.save(c, Some(&current), origin)
            })
        })
        .await?;
    Ok(changed(&org))
}
