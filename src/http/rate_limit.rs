//! Per-client rate limiting of anonymous requests (reads and sign-ins): over the limit a
//! client gets 429 with `Retry-After`; every limited answer carries the IETF `RateLimit` and
//! `RateLimit-Policy` headers. Requests whose credentials verified (see `auth::identify`),
//! health probes and metrics scrapes are not limited here; a junk `Authorization` header is
//! no pass (it is refused with 401 before this point).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::client;

/// Clients remembered before idle ones are forgotten.
const MAX_CLIENTS: usize = 100_000;

type Limiter = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// Requests per minute per client address, as a GCRA bucket that refills continuously.
pub struct ClientLimiter {
    limiter: Limiter,
    per_minute: u32,
}

impl ClientLimiter {
    /// `None` when `per_minute` is 0: limiting is off.
    pub fn new(per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(Self { limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(), per_minute })
    }

    /// Seconds until `used` spent requests have flowed back into the bucket.
    fn refill_seconds(&self, used: u32) -> u64 {
        (u64::from(used) * 60).div_ceil(u64::from(self.per_minute))
    }

    fn headers(&self, headers: &mut HeaderMap, remaining: u32, reset: u64) {
        let policy = format!("\"anonymous\";q={};w=60", self.per_minute);
        let state = format!("\"anonymous\";r={remaining};t={reset}");
        for (name, value) in [("ratelimit-policy", policy), ("ratelimit", state)] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
}

pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limiter = req.app_data::<web::Data<ClientLimiter>>().cloned();
    let exempt = Caller::is_verified(&req) || crate::http::is_probe(req.path());
    let Some(limiter) = limiter.filter(|_| !exempt) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let client = client::bucket(client::address(req.request()));
    let outcome = limiter.limiter.check_key(&client);
    if limiter.limiter.len() > MAX_CLIENTS {
        limiter.limiter.retain_recent();
    }
    match outcome {
        Ok(snapshot) => {
            let mut res = next.call(req).await?;
            let remaining = snapshot.remaining_burst_capacity();
            limiter.headers(res.headers_mut(), remaining, limiter.refill_seconds(limiter.per_minute - remaining));
            Ok(res.map_into_boxed_body())
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after = wait.max(Duration::from_secs(1)).as_secs_f64().ceil() as u64;
            let mut res = ApiError::TooManyRequests(retry_after).error_response();
            limiter.headers(res.headers_mut(), 0, retry_after);
            let (req, _) = req.into_parts();
            Ok(ServiceResponse::new(req, res.map_into_boxed_body()))
        }
    }
}
