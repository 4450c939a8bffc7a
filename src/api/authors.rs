//! Authors: `/api/v1/authors`.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created};
use crate::auth::{Editor, Reader};
use crate::error::ApiError;
use crate::http::{IfMatch, Json};
use crate::service::authors::{self, Author, AuthorPatch, AuthorWrite};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_authors)
        .service(create_author)
        .service(get_author)
        .service(replace_author)
        .service(update_author)
        .service(delete_author);
}

/// Every author, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorList {
    pub items: Vec<Author>,
}

/// List authors
///
/// Every author, in name order, with their name, title and bio. Anyone may call it; an invalid
/// bearer token is refused with 401. The answer carries an `ETag`: send it in `If-None-Match`
/// to get 304 while nothing changed.
#[utoipa::path(operation_id = "list_authors", security((), ("bearer" = [])), tag = "authors", responses((status = 200, description = "Every author", body = AuthorList), crate::openapi::ListErrors))]
#[get("/authors")]
pub async fn list_authors(state: State, _: Reader) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(AuthorList { items: authors::list(&state).await? }))
}

/// Get one author
///
/// One author by numeric id; 404 if there is none. Anyone may call it; an invalid bearer token
/// is refused with 401. The answer carries an `ETag`: send it in `If-None-Match` to get 304
/// while nothing changed.
#[utoipa::path(operation_id = "get_author", security((), ("bearer" = [])), tag = "authors", params(("id" = i64, Path, description = "Author id", example = 1)), responses((status = 200, description = "The author", body = Author), crate::openapi::GetErrors))]
#[get("/authors/{id}")]
pub async fn get_author(state: State, _: Reader, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(authors::get(&state, id.into_inner()).await?))
}

/// Create an author
///
/// Creates an author and answers 201 with `Location`. Editors and admins only (401 without a
/// valid bearer token, 403 with too low a role). A body that is not JSON is 415, malformed JSON
/// 400, a field that fails validation 422 naming it in `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "create_author", security(("bearer" = [])), tag = "authors", request_body = AuthorWrite, responses((status = 201, description = "Created", body = Author), crate::openapi::CreateErrors))]
#[post("/authors")]
pub async fn create_author(
    state: State,
    Editor(user): Editor,
    Json(body): Json<AuthorWrite>,
) -> Result<HttpResponse, ApiError> {
    let author = authors::create(&state, &user.actor(), body).await?;
    Ok(created(state.url(&format!("/api/v1/authors/{}", author.id)), &author))
}

/// Replace an author
///
/// Replaces every field of an author; a field left out takes its default. Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role). A body that is
/// not JSON is 415, malformed JSON 400, a field that fails validation 422 naming it in
/// `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "replace_author", security(("bearer" = [])), tag = "authors", params(("id" = i64, Path, description = "Author id"), IfMatch), request_body = AuthorWrite, responses((status = 200, description = "Replaced", body = Author), crate::openapi::ChangeErrors))]
#[put("/authors/{id}")]
pub async fn replace_author(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(body): Json<AuthorWrite>,
) -> Result<HttpResponse, ApiError> {
    let replaced =
        authors::replace(&state, &user.actor(), id.into_inner(), body, move |current| if_match.check(current)).await?;
    Ok(changed(&replaced))
}

/// Change some fields of an author
///
/// Changes only the fields the body names (`null` clears an optional one). Send the `ETag` of a
/// GET in `If-Match` to refuse the change (412) if someone changed the resource since. Editors
/// and admins only (401 without a valid bearer token, 403 with too low a role). A body that is
/// not JSON is 415, malformed JSON 400, a field that fails validation 422 naming it in
/// `errors`; a body over 1 MiB is 413.
#[utoipa::path(operation_id = "update_author", security(("bearer" = [])), tag = "authors", params(("id" = i64, Path, description = "Author id"), IfMatch), request_body = AuthorPatch, responses((status = 200, description = "Changed", body = Author), crate::openapi::ChangeErrors))]
#[patch("/authors/{id}")]
pub async fn update_author(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
    Json(patch): Json<AuthorPatch>,
) -> Result<HttpResponse, ApiError> {
    let changed_author =
        authors::update(&state, &user.actor(), id.into_inner(), patch, move |current| if_match.check(current)).await?;
    Ok(changed(&changed_author))
}

/// Delete an author who wrote no news item
///
/// Deletes an author who wrote no news item (204); one still named by items is 409. Send the
/// `ETag` of a GET in `If-Match` to refuse the change (412) if someone changed the resource
/// since. Editors and admins only (401 without a valid bearer token, 403 with too low a role).
#[utoipa::path(operation_id = "delete_author", security(("bearer" = [])), tag = "authors", params(("id" = i64, Path, description = "Author id"), IfMatch), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/authors/{id}")]
pub async fn delete_author(
    state: State,
    Editor(user): Editor,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    authors::delete(&state, &user.actor(), id.into_inner(), move |current| if_match.check(current)).await?;
    Ok(HttpResponse::NoContent().finish())
}
