//! Webhooks: `/api/v1/webhooks`. Admins say where changes are pushed and which; each webhook
//! has a delivery log, deliveries can be sent again, and a ping tests the receiver. The
//! signing secret is shown once, on create and on rotate.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{State, changed, created};
use crate::auth::Admin;
use crate::domain::params;
use crate::error::ApiError;
use crate::http::Json;
use crate::service::webhooks::{self, Delivery, DeliveryParams, Webhook, WebhookPatch, WebhookWrite};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_webhook_secret)
        .service(list_deliveries)
        .service(redeliver)
        .service(ping_webhook);
}

/// Every webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

/// A page of a webhook's deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    /// Whether older deliveries follow: ask again with `before` set to the last `id`.
    pub has_more: bool,
}

/// List webhooks
///
/// Every webhook, oldest first, with its events, filters, whether it is on and how its last
/// deliveries went; never its secret. Admins only (401 without a valid bearer token, 403
/// otherwise).
#[utoipa::path(operation_id = "list_webhooks", tag = "webhooks", security(("bearer" = [])), responses((status = 200, description = "Every webhook", body = WebhookList), crate::openapi::AdminReadErrors))]
#[get("/webhooks")]
pub async fn list_webhooks(state: State, _: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(WebhookList { items: webhooks::list(&state).await? }))
}

/// Make a webhook
///
/// Makes a webhook and answers 201 with it, its signing secret (`secret`, `whsec_…`)
/// included: it is shown this once. From the next change on, each event it asks for is
/// POSTed to `url`, signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`). A URL that resolves to a loopback, private, link-local or metadata
/// address is 422 (unless the server allows them). Admins only (401 without a valid bearer
/// token, 403 otherwise). A body that is not JSON is 415, malformed JSON 400, a field that
/// fails validation 422 naming it in `errors`.
#[utoipa::path(operation_id = "create_webhook", tag = "webhooks", security(("bearer" = [])), request_body = WebhookWrite, responses((status = 201, description = "Made; `secret` is shown this once", body = Webhook), crate::openapi::CreateErrors))]
#[post("/webhooks")]
pub async fn create_webhook(
    state: State,
    Admin(admin): Admin,
    Json(body): Json<WebhookWrite>,
) -> Result<HttpResponse, ApiError> {
    let hook = webhooks::create(&state, &admin.actor(), body).await?;
    Ok(created(state.url(&format!("/api/v1/webhooks/{}", hook.id)), &hook))
}

/// Get a webhook
///
/// One webhook by id, without its secret. Admins only (401 without a valid bearer token, 403
/// otherwise).
#[utoipa::path(operation_id = "get_webhook", tag = "webhooks", security(("bearer" = [])), params(("id" = i64, Path, description = "Webhook id")), responses((status = 200, description = "The webhook", body = Webhook), crate::openapi::AdminReadErrors))]
#[get("/webhooks/{id}")]
pub async fn get_webhook(state: State, _: Admin, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(webhooks::get(&state, id.into_inner()).await?))
}

/// Change a webhook's URL, events, filters or whether it is on
///
/// Changes only the fields the body names. While a webhook is off no event is recorded for it;
/// turning it on (`"active": true`) sends the deliveries that were pending, in order, and the
/// events from then on. Admins only (401 without a valid bearer token, 403 otherwise).
/// A body that is not JSON is 415, malformed JSON 400, a field that fails validation 422
/// naming it in `errors`.
#[utoipa::path(operation_id = "update_webhook", tag = "webhooks", security(("bearer" = [])), params(("id" = i64, Path, description = "Webhook id")), request_body = WebhookPatch, responses((status = 200, description = "Changed", body = Webhook), crate::openapi::ChangeErrors))]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
    Json(patch): Json<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    Ok(changed(&webhooks::update(&state, &admin.actor(), id.into_inner(), patch).await?))
}

/// Delete a webhook
///
/// Deletes the webhook with its delivery log; what was still pending is never sent. Admins
/// only (401 without a valid bearer token, 403 otherwise).
#[utoipa::path(operation_id = "delete_webhook", tag = "webhooks", security(("bearer" = [])), params(("id" = i64, Path, description = "Webhook id")), responses((status = 204, description = "Deleted"), crate::openapi::DeleteErrors))]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&state, &admin.actor(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give a webhook a new signing secret
///
/// Answers the webhook with its new secret (`secret`), shown this once. For 24 hours
/// deliveries carry two signatures in `webhook-signature`, one by each secret, so the
/// receiver can switch without missing one. Admins only (401 without a valid bearer token,
/// 403 otherwise).
#[utoipa::path(operation_id = "rotate_webhook_secret", tag = "webhooks", security(("bearer" = [])), params(("id" = i64, Path, description = "Webhook id")), responses((status = 200, description = "Rotated; `secret` is shown this once", body = Webhook), crate::openapi::ActionErrors))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: State,
    Admin(admin): Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(changed(&webhooks::rotate(&state, &admin.actor(), id.into_inner()).await?))
}

/// List a webhook's deliveries
///
/// The webhook's deliveries, newest first, each with its status (`pending`, `succeeded`,
/// `failed`), its event's type and `webhook-id`, and every attempt (when, the receiver's
/// status, how long it took, what went wrong, the start of the answer). Page with `before`; a
/// parameter of the wrong form (or one it does not know) is 400. Admins only (401 without a
/// valid bearer token, 403 otherwise).
#[utoipa::path(operation_id = "list_webhook_deliveries", tag = "webhooks", security(("bearer" = [])), params(("id" = i64, Path, description = "Webhook id"), DeliveryParams), responses((status = 200, description = "Deliveries, newest first", body = DeliveryList), crate::openapi::ListErrors, crate::openapi::AdminReadErrors))]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: State,
    _: Admin,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query: DeliveryParams = params::read(req.query_string())?;
    let (items, has_more) = webhooks::deliveries(&state, id.into_inner(), query).await?;
    Ok(HttpResponse::Ok().json(DeliveryList { items, has_more }))
}

/// Send a delivery again
///
/// Makes the delivery due at once, whatever its status: the same event, so the same
/// `webhook-id` (a receiver that already has it can tell). Answers 202 with the delivery.
/// Admins only (401 without a valid bearer token, 403 otherwise).
#[utoipa::path(operation_id = "redeliver_webhook_delivery", tag = "webhooks", security(("bearer" = [])), params(("id" = i64, Path, description = "Webhook id"), ("delivery" = i64, Path, description = "Delivery id")), responses((status = 202, description = "Due again", body = Delivery), crate::openapi::ActionErrors))]
#[post("/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    state: State,
    Admin(admin): Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    Ok(HttpResponse::Accepted().json(webhooks::redeliver(&state, &admin.actor(), id, delivery).await?))
}

/// Send a test delivery
///
/// Queues a delivery of `{"type": "ping", …}` to the webhook, sent at once and signed like any
/// other; answers 202 with it (follow it in the delivery log). 409 while the webhook is off.
/// Admins only (401 without a valid bearer token, 403 otherwise).
#[utoipa::path(operation_id = "ping_webhook", tag = "webhooks", security(("bearer" = [])), params(("id" = i64, Path, description = "Webhook id")), responses((status = 202, description = "Queued", body = Delivery), (status = 409, response = crate::openapi::Conflict), crate::openapi::ActionErrors))]
#[post("/webhooks/{id}/ping")]
pub async fn ping_webhook(state: State, Admin(admin): Admin, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Accepted().json(webhooks::ping(&state, &admin.actor(), id.into_inner()).await?))
}
