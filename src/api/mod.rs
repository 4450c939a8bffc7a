//! The JSON API: one module per resource, each with its routes, request and response types.
//! Handlers are thin: extract, validate into domain values, run a `db` query function on the
//! blocking pool, map the result to a response type.

pub mod auth;
pub mod authors;
pub mod bodies;
pub mod changes;
pub mod feeds;
pub mod news;
pub mod offices;
pub mod organizations;
pub mod revisions;
pub mod service;
pub mod taxonomy;
pub mod totals;
pub mod trash;
pub mod users;

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::{self, DbConn, DbPool};
use crate::error::ApiError;

/// Everything a handler needs, built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    /// Base of absolute links, without a trailing slash.
    pub public_url: String,
    pub keys: Arc<crate::auth::token::Keys>,
    pub throttle: Arc<crate::auth::throttle::LoginThrottle>,
    /// How long trashed items stay restorable; `None`: until purged by hand.
    pub trash_retention: Option<chrono::Duration>,
    /// Commits queued writes together (SQLite); `None` where replicas share the database.
    pub committer: Option<Arc<crate::db::commit::Committer>>,
    /// The version of the stored content, for what is kept while it stays the same.
    pub content: Arc<crate::db::version::ContentVersion>,
    /// Listing totals kept per filter; `None` when caching is off.
    pub totals: Option<Arc<totals::Totals>>,
}

/// The state as handlers extract it.
pub type State = web::Data<AppState>;

impl AppState {
    /// Runs store work on the blocking thread pool, never on an actix worker.
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs a write (`db::write`): on SQLite, committed together with the writes queued beside
    /// it; on PostgreSQL, alone on the blocking thread pool (replicas cannot share a transaction).
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let outcome = match &self.committer {
            Some(committer) => committer.write(f).await,
            None => self.db(move |c| db::write(c, f)).await,
        };
        // Before the writer hears back: from now on, nothing kept shows the old content.
        self.content.changed();
        outcome
    }

    /// The version of the stored content now (a query only where replicas share the database).
    pub async fn content_version(&self) -> Result<i64, ApiError> {
        match self.content.known() {
            Some(version) => Ok(version),
            None => self.db(|c| Ok(crate::db::content_version(c)?)).await,
        }
    }

    /// Polls the database's content version for ever, where this process counts its own
    /// changes, to notice what other processes write. Returns at once elsewhere.
    pub async fn watch_other_processes(self) {
        if !self.content.needs_polling() {
            return;
        }
        let mut every = actix_web::rt::time::interval(crate::db::version::POLL_INTERVAL);
        loop {
            every.tick().await;
            match self.db(|c| Ok(crate::db::content_version(c)?)).await {
                Ok(version) => self.content.polled(version),
                Err(err) => log::warn!("cannot poll the content version: {err}"),
            }
        }
    }

    /// An absolute URL for a path of this service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
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
            .configure(taxonomy::routes)
            .configure(authors::routes)
            .configure(organizations::routes)
            .configure(bodies::routes)
            .configure(offices::routes)
            .configure(auth::routes)
            .configure(users::routes)
            .configure(revisions::routes)
            .configure(trash::routes),
    )
    .configure(feeds::routes)
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

/// A stored UTC timestamp as the API shows it.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value, so
/// that PATCH can tell "leave it" from "clear it".
pub fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(de).map(Some)
}

/// Deserializes a PATCH field that may be absent but not `null` (it cannot be cleared).
pub fn not_null<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    match <Option<T> as serde::Deserialize>::deserialize(de)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom("must not be null; leave the field out to keep it")),
    }
}
