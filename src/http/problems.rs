//! Middleware that gives every error answer a problem+json body, including the ones that
//! actix and its middleware produce before or around our handlers.

use actix_web::ResponseError;
use actix_web::body::{self, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;

use crate::error::{ApiError, PROBLEM_JSON};

pub async fn problem_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let res = next
        .call(req)
        .await
        .map_err(|err| ApiError::framework(err.as_response_error().status_code(), &err.to_string()))?;
    let status = res.status();
    let is_problem =
        res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let original_headers = res.headers().clone();
    let text =
        body::to_bytes(res.into_body()).await.ok().and_then(|b| String::from_utf8(b.to_vec()).ok()).unwrap_or_default();
    let mut res = ApiError::framework(status, &text).error_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = original_headers.get(&name) {
            res.headers_mut().insert(name, value.clone());
        }
    }
    Ok(ServiceResponse::new(req, res.map_into_boxed_body()))
}
