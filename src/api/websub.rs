//! The WebSub hub of this service's feeds: `POST /websub`.

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::audit::Actor;
use crate::error::ApiError;
use crate::http::client;
use crate::push::websub::{Hub, HubRequest};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(websub);
}

/// Subscribe to a feed, or unsubscribe (WebSub)
///
/// A WebSub subscriber's request, form-encoded (`hub.mode`, `hub.callback`, `hub.topic`,
/// optional `hub.lease_seconds` and `hub.secret`). The topic is one of this service's feeds
/// with its parameters, as its `rel="self"` link names it. Answers 202, then verifies the
/// intent with a GET to the callback, which must answer 2xx with `hub.challenge` as its body;
/// only then is the subscription stored (or ended). From then on, each change of the feed's
/// document is POSTed to the callback, with `Link` headers naming the hub and the topic and,
/// given a secret, `X-Hub-Signature: sha256=…`. Leases end: subscribers renew by asking
/// again. A field that fails its check is 422 naming it (a callback that resolves to a
/// loopback, private, link-local or metadata address included); a body of another type 415.
#[utoipa::path(
    operation_id = "websub_hub", tag = "feeds",
    request_body(content = HubRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 202, description = "Accepted: the intent is verified with the callback next"), crate::openapi::CreateErrors)
)]
#[post("/websub")]
pub async fn websub(hub: web::Data<Hub>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    if req.content_type() != "application/x-www-form-urlencoded" {
        return Err(ApiError::UnsupportedMediaType(
            "a WebSub request is sent with Content-Type: application/x-www-form-urlencoded".into(),
        ));
    }
    let request: HubRequest = serde_html_form::from_bytes(&body)
        .map_err(|err| ApiError::BadRequest { detail: format!("not a WebSub request: {err}"), errors: Vec::new() })?;
    // Anyone may subscribe to public feeds: the trail keeps where the request came from.
    let actor = Actor { name: None, address: Some(client::address(&req)) };
    hub.request(request, actor).await?;
    Ok(HttpResponse::Accepted().insert_header((header::CACHE_CONTROL, "no-store")).finish())
}
