//! `HEAD` is answered wherever `GET` is (RFC 9110 section 9.3.2): routed as the GET, with the
//! same status and headers (`Content-Length`, `ETag`, `Last-Modified`, `Cache-Control`,
//! `Link`) and the same conditional handling. The server sends no body for a HEAD request;
//! it keeps the body's `Content-Length`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
