//! The JSON API: one module per resource, each with its routes, request and response types.
//! Handlers are thin: extract, validate into domain values, call a `service` (writes run
//! through `AppState::write`) or a `db` query on the blocking pool, map the result to a
//! response type.

pub mod audit;
pub mod auth;
pub mod authors;
pub mod bodies;
pub mod changes;
pub mod feeds;
pub mod keys;
pub mod media;
pub mod news;
pub mod offices;
pub mod organizations;
pub mod preview;
pub mod revisions;
pub mod service;
pub mod taxonomy;
pub mod translations;
pub mod trash;
pub mod users;
pub mod webhooks;
pub mod websub;

use actix_web::HttpResponse;
use actix_web::http::header;
use serde::Serialize;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::domain::dates::utc;
pub use crate::domain::patch::{not_null, nullable};
pub use crate::state::State;

/// The complete OpenAPI document: the top (`openapi`) and every operation of `routes`.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, mut doc) =
        actix_web::App::new().into_utoipa_app().openapi(crate::openapi::top()).configure(routes).split_for_parts();
    // Trimmed items are built as JSON: no operation names their type, the listing refers to it.
    doc.components.get_or_insert_default().schemas.insert("NewsItemFields".to_owned(), news::trimmed_item_schema());
    crate::openapi::link_creates(&mut doc);
    doc
}

/// Registers every route under `/api/v1`, each with its OpenAPI operation.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/api/v1")
            .service(news::list_news)
            .service(news::news_archive)
            .configure(changes::routes)
            .service(news::create_news)
            .service(news::get_news)
            .service(news::replace_news)
            .service(news::update_news)
            .service(news::delete_news)
            .configure(preview::routes)
            .configure(taxonomy::routes)
            .configure(authors::routes)
            .configure(organizations::routes)
            .configure(bodies::routes)
            .configure(offices::routes)
            .configure(translations::routes)
            .configure(auth::routes)
            .configure(users::routes)
            .configure(revisions::routes)
            .configure(trash::routes)
            .configure(media::routes)
            .configure(keys::routes)
            .configure(webhooks::routes)
            .configure(audit::routes),
    )
    .configure(media::file_routes)
    .configure(feeds::routes)
    .configure(websub::routes)
    .configure(service::routes);
}

/// `201 Created` with `Location` and the created representation.
pub fn created(location: String, body: &impl Serialize) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// `200 OK` with the changed representation, never cached.
pub fn changed(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(body)
}
