//! A request body must arrive within `BODY_TIMEOUT` of its headers. The server's own timeout
//! covers the headers only, so without this a client that announces a body and sends it a
//! byte at a time (or never) holds a connection and a worker's attention for as long as it
//! likes. Past the deadline the body reads as a timed-out I/O error, which the JSON extractor
//! answers with 408.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::rt::time::{Sleep, sleep};
use actix_web::web::Bytes;
use futures_core::Stream;

pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// A body stream that fails once its deadline passes.
struct Deadline {
    body: Payload,
    expiry: Pin<Box<Sleep>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(chunk) = Pin::new(&mut self.body).poll_next(cx) {
            return Poll::Ready(chunk);
        }
        match self.expiry.as_mut().poll(cx) {
            Poll::Ready(()) => {
                let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body came too slowly");
                Poll::Ready(Some(Err(PayloadError::Io(late))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let has_body =
        req.headers().contains_key(header::CONTENT_LENGTH) || req.headers().contains_key(header::TRANSFER_ENCODING);
    if has_body {
        let body = req.take_payload();
        let deadline = Deadline { body, expiry: Box::pin(sleep(BODY_TIMEOUT)) };
        req.set_payload(Payload::Stream { payload: Box::pin(deadline) });
    }
    next.call(req).await
}
