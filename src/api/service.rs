//! Service endpoints outside the versioned API: `/health`, `/ready`, `/metrics`, `/openapi.json`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::State;
use crate::db;
use crate::error::ApiError;
use crate::http::metrics::{Metrics, MetricsAccess, StoreGauges};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready).service(metrics).service(openapi_json);
}

/// The served OpenAPI document, serialized once at start-up.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub String);

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up
///
/// 200 while the process runs, whatever the database's state: for liveness probes. Never rate
/// limited.
#[utoipa::path(operation_id = "get_health", tag = "service", responses((status = 200, description = "Up", body = Status)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(Status { status: "ok" })
}

/// The database answers
///
/// 200 when the database answers, 503 (with `Retry-After`) when it does not: for readiness
/// probes and load balancers. Never rate limited.
#[utoipa::path(
    operation_id = "get_ready", tag = "service",
    responses(
        (status = 200, description = "Ready to serve", body = Status),
        (status = 503, description = "The database does not answer", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(state: State) -> Result<HttpResponse, ApiError> {
    state.db(|c| db::ping(c).map_err(|err| ApiError::Unavailable(Box::new(err)))).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(Status { status: "ok" }))
}

/// Metrics in the Prometheus text format
///
/// Requests by route and status, latency histograms, response cache hits, pool use and database
/// size, for Prometheus. With `NEWSDESK_METRICS_TOKEN` set, scrapes must send it as a bearer
/// token (401 otherwise); with `NEWSDESK_METRICS_BIND` set, it is served on that listener only
/// (404 here).
#[utoipa::path(
    operation_id = "get_metrics", tag = "service",
    responses(
        (status = 200, description = "Requests by route and status, latency histograms, pool use, database size", content_type = "text/plain; version=0.0.4", body = String),
        (status = 401, description = "NEWSDESK_METRICS_TOKEN is set and this request does not send it as a bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "NEWSDESK_METRICS_BIND is set: metrics are served on that listener only", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database does not answer", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    state: State,
    metrics: web::Data<Metrics>,
    access: web::Data<MetricsAccess>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    access.admit(&req)?;
    let pool = state.pool.state();
    let max = state.pool.max_size();
    let (database_bytes, webhook_pending) = state
        .db(|c| {
            let unavailable = |err: diesel::result::Error| ApiError::Unavailable(Box::new(err));
            Ok((db::size_bytes(c).map_err(unavailable)?, db::webhooks::pending(c).map_err(unavailable)?))
        })
        .await?;
    let store = StoreGauges {
        connections: pool.connections,
        idle: pool.idle_connections,
        max,
        database_bytes,
        webhook_pending,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type(prometheus::TEXT_FORMAT)
        .body(metrics.render(&store)))
}

/// This API's OpenAPI 3.1 document
///
/// This document, as the server generated it from its code; the same bytes as
/// `openapi/openapi.json` in the repository.
#[utoipa::path(operation_id = "get_openapi", tag = "service", responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object), crate::openapi::Cached))]
#[get("/openapi.json")]
pub async fn openapi_json(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(doc.0.clone())
}
