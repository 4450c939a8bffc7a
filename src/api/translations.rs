//! An organization's profile in other languages: `/api/v1/organizations/{slug}/translations`;
//! and how the profile, its bodies and offices are read in a language or as they were
//! (`lang`, `Accept-Language`, `as_of`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, put, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::State;
use crate::auth::{Editor, Reader};
use crate::domain::dates;
use crate::domain::language::{self, Asked};
use crate::domain::params::{self, once};
use crate::error::ApiError;
use crate::http::Json;
use crate::http::language::{accept_language, declare};
use crate::service::parts::Part;
use crate::service::translations::{self, ProfileTranslation, Reading, StoredTranslation};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_translations).service(get_translation).service(put_translation).service(delete_translation);
}

/// How a profile, a body or an office is read, as sent.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileParams {
    /// Languages to read in, best first (`fr`, `fr,es`): each translatable field in the first of
    /// them that has it, then in the site's order, else as written. Without it,
    /// `Accept-Language` chooses.
    #[param(example = "fr", pattern = r"^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$")]
    #[serde(default, deserialize_with = "once")]
    lang: Option<String>,
    /// `none`: only the languages asked for before the profile's own; `site` (default) falls
    /// back through the site's languages.
    #[param(example = "none", default = "site", pattern = r"^(none|site)$")]
    #[serde(default, deserialize_with = "once")]
    fallback: Option<String>,
    /// Read it as it was at this instant (RFC 3339), from its revisions; in a language, with
    /// its translations as they were then. 404 before it existed.
    #[param(example = "2026-11-28T10:00:00Z", format = DateTime)]
    #[serde(default, deserialize_with = "once")]
    as_of: Option<String>,
}

/// How the request reads the profile, and who chose its languages.
pub(super) fn reading(state: &State, req: &HttpRequest) -> Result<(Reading, Asked), ApiError> {
    let p: ProfileParams = params::read(req.query_string())?;
    let header = accept_language(req);
    let (choice, asked) =
        language::negotiate(&state.languages, p.lang.as_deref(), p.fallback.as_deref(), header.as_deref())?;
    let as_of = params::parsed("as_of", p.as_of.as_deref(), dates::parse_instant)?;
    Ok((Reading { choice, as_of }, asked))
}

/// An answer read as the request asks, its headers said: `Content-Language`, and `Vary`
/// unless `lang` decided.
fn answer(state: &State, reading: &Reading, asked: Asked) -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    declare(&mut res, Some(reading.lang(&state.languages)), asked);
    res
}

/// The profile read as the request asks.
pub(super) async fn profile(state: &State, req: &HttpRequest, slug: String) -> Result<HttpResponse, ApiError> {
    let (reading, asked) = reading(state, req)?;
    let body = translations::profile(state, slug, reading.clone()).await?;
    Ok(answer(state, &reading, asked).json(body))
}

/// An organization's parts of one kind read as the request asks, and the answer to send them in.
pub(super) async fn parts<P: Part>(
    state: &State,
    req: &HttpRequest,
    slug: String,
) -> Result<(Vec<Value>, HttpResponseBuilder), ApiError> {
    let (reading, asked) = reading(state, req)?;
    let items = translations::parts::<P>(state, slug, reading.clone()).await?;
    Ok((items, answer(state, &reading, asked)))
}

/// One of an organization's parts read as the request asks.
pub(super) async fn part<P: Part>(
    state: &State,
    req: &HttpRequest,
    (slug, id): (String, String),
) -> Result<HttpResponse, ApiError> {
    let (reading, asked) = reading(state, req)?;
    let part = translations::part::<P>(state, slug, id, reading.clone()).await?;
    Ok(answer(state, &reading, asked).json(part))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranslationList {
    pub items: Vec<StoredTranslation>,
}

/// List the translations of an organization's profile
///
/// Every language the profile has a translation into, with what each gives. Anyone may call
/// it; an invalid bearer token is refused with 401.
#[utoipa::path(operation_id = "list_organization_translations", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol")), responses((status = 200, description = "The translations, by language", body = TranslationList), crate::openapi::GetErrors))]
#[get("/organizations/{slug}/translations")]
pub async fn list_translations(state: State, _: Reader, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let items = translations::list(&state, slug.into_inner()).await?;
    Ok(HttpResponse::Ok().json(TranslationList { items }))
}

/// Get one translation of an organization's profile
///
/// What the profile's translation into `lang` gives; 404 if it has none. Anyone may call it;
/// an invalid bearer token is refused with 401.
#[utoipa::path(operation_id = "get_organization_translation", tag = "organizations", security((), ("bearer" = [])), params(("slug" = String, Path, example = "interpol"), ("lang" = String, Path, example = "fr")), responses((status = 200, description = "The translation", body = StoredTranslation), crate::openapi::GetErrors))]
#[get("/organizations/{slug}/translations/{lang}")]
pub async fn get_translation(
    state: State,
    _: Reader,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, lang) = path.into_inner();
    let translation = translations::get(&state, slug, lang).await?;
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_LANGUAGE, translation.lang.clone())).json(translation))
}

/// Translate an organization's profile into a language
///
/// Stores the profile's translation into `lang` (one of the site's, not the one the profile is
/// written in), replacing any before: the profile's `name`, `full_name`, `tagline` and
/// `description`, its bodies' names and descriptions and its offices' names, each optional
/// (what is left out falls back). 201 when it is new, 200 when it replaced one. A body or an
/// office the organization does not have is 422, as is a field that fails the profile's rules.
/// Editors and admins only (401 without a valid bearer token, 403 with too low a role).
#[utoipa::path(operation_id = "put_organization_translation", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path, example = "interpol"), ("lang" = String, Path, example = "fr")), request_body = ProfileTranslation, responses((status = 200, description = "Replaced", body = StoredTranslation), (status = 201, description = "Created", body = StoredTranslation), crate::openapi::ChangeErrors))]
#[put("/organizations/{slug}/translations/{lang}")]
pub async fn put_translation(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
    Json(body): Json<ProfileTranslation>,
) -> Result<HttpResponse, ApiError> {
    let (slug, lang) = path.into_inner();
    let (stored, new) = translations::put(&state, &user.actor(), slug, lang, body).await?;
    let mut res = if new { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(res.json(stored))
}

/// Remove a translation of an organization's profile
///
/// Readers of that language then get the profile's fields in their next language (204); 404
/// if there is no such translation. Editors and admins only (401 without a valid bearer token,
/// 403 with too low a role).
#[utoipa::path(operation_id = "delete_organization_translation", tag = "organizations", security(("bearer" = [])), params(("slug" = String, Path, example = "interpol"), ("lang" = String, Path, example = "fr")), responses((status = 204, description = "Removed"), crate::openapi::DeleteErrors))]
#[delete("/organizations/{slug}/translations/{lang}")]
pub async fn delete_translation(
    state: State,
    Editor(user): Editor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, lang) = path.into_inner();
    translations::delete(&state, &user.actor(), slug, lang).await?;
    Ok(HttpResponse::NoContent().finish())
}
