//! Rate limits: per client address for anonymous requests (reads and sign-ins), and per key
//! for partner keys, at each key's own quota (which holds even when the anonymous limit is
//! off). Over a limit the answer is 429 with `Retry-After`; every limited answer carries the
//! IETF `RateLimit` and `RateLimit-Policy` headers. Anonymous searches and archive counts have
//! a smaller budget of their own. Signed-in users, health probes and metrics scrapes are not
//! limited here; a junk `Authorization` header is no pass (it is refused with 401 before this
//! point).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::shared_quota::SharedWindows;
use crate::db;
use crate::domain::ids::KeyId;
use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::http::client;
use crate::state::AppState;

/// Clients (or keys of one quota) remembered before idle ones are forgotten.
const MAX_CLIENTS: usize = 100_000;
/// How often (in requests) the number of clients remembered is looked at.
const SIZED_EVERY: u32 = 1024;
/// The costly requests' budget is this fraction of the general one.
const COSTLY_SHARE: u32 = 10;

type Limiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// One budget: requests per minute per client (an address, a key), as a GCRA bucket that
/// refills continuously.
struct Budget<K: Hash + Eq + Clone> {
    name: &'static str,
    limiter: Limiter<K>,
    per_minute: u32,
    /// Requests since the map's size was last looked at (which locks every shard).
    since_sized: AtomicU32,
}

/// Where a request stands with one budget.
struct Standing {
    name: &'static str,
    per_minute: u32,
    remaining: u32,
    /// Seconds until the bucket is full again, or until the next request is allowed.
    reset: u64,
}

impl<K: Hash + Eq + Clone> Budget<K> {
    fn new(name: &'static str, per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(Self {
            name,
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            per_minute,
            since_sized: AtomicU32::new(0),
        })
    }

    /// Spends one request of `client`'s budget: `Err` when it is spent.
    fn spend(&self, client: K) -> Result<Standing, Standing> {
        let outcome = self.limiter.check_key(&client);
        if self.since_sized.fetch_add(1, Ordering::Relaxed).is_multiple_of(SIZED_EVERY)
            && self.limiter.len() > MAX_CLIENTS
        {
            self.limiter.retain_recent();
        }
        let standing =
            |remaining: u32, reset: u64| Standing { name: self.name, per_minute: self.per_minute, remaining, reset };
        match outcome {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                // Seconds until the spent requests have flowed back into the bucket.
                let used = u64::from(self.per_minute - remaining);
                Ok(standing(remaining, (used * 60).div_ceil(u64::from(self.per_minute))))
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(standing(0, wait.max(Duration::from_secs(1)).as_secs_f64().ceil() as u64))
            }
        }
    }
}

/// The anonymous budgets: every request spends from the general one; searches (`q=`) and
/// archive counts, which cost far more to compute and dodge the response cache by varying
/// the URL, also spend from a budget a tenth its size.
pub struct ClientLimiter {
    general: Budget<IpAddr>,
    costly: Budget<IpAddr>,
}

impl ClientLimiter {
    /// `None` when `per_minute` is 0: limiting is off.
    pub fn new(per_minute: u32) -> Option<Self> {
        Some(Self {
            general: Budget::new("anonymous", per_minute)?,
            costly: Budget::new("search", (per_minute / COSTLY_SHARE).max(1))?,
        })
    }
}

/// The partner keys' budgets: one bucket per key, at its quota (keys of one quota share a
/// limiter, each with its own bucket); and where replicas share a database, each key's count
/// per minute across them.
#[derive(Default)]
pub struct KeyLimiter {
    by_quota: RwLock<HashMap<NonZeroU32, Arc<Budget<KeyId>>>>,
    pub shared: Option<SharedWindows>,
}

impl KeyLimiter {
    /// `shared`: other replicas serve the same keys (PostgreSQL).
    pub fn new(shared: bool) -> Self {
        Self { by_quota: RwLock::default(), shared: shared.then(SharedWindows::default) }
    }

    /// The minute and the second in it, as the shared counts number them.
    pub fn now() -> (i64, i64) {
        let seconds = chrono::Utc::now().timestamp();
        (seconds.div_euclid(60), seconds.rem_euclid(60))
    }

    fn spend(&self, key: KeyId, per_minute: u32) -> Result<Standing, Standing> {
        let (minute, shared) = match &self.shared {
            Some(shared) => {
                let (minute, second) = Self::now();
                match shared.admit(key, minute, second, per_minute) {
                    Ok(left) => (minute, Some(left)),
                    Err(wait) => return Err(Standing { name: "key", per_minute, remaining: 0, reset: wait }),
                }
            }
            None => (0, None),
        };
        let budget = NonZeroU32::new(per_minute).and_then(|quota| {
            let known = self.by_quota.read().unwrap_or_else(|e| e.into_inner()).get(&quota).cloned();
            known.or_else(|| {
                let budget = Arc::new(Budget::new("key", quota.get())?);
                let mut by_quota = self.by_quota.write().unwrap_or_else(|e| e.into_inner());
                Some(by_quota.entry(quota).or_insert(budget).clone())
            })
        });
        let outcome = match budget {
            Some(budget) => budget.spend(key),
            None => Err(Standing { name: "key", per_minute, remaining: 0, reset: 60 }),
        };
        match (outcome, shared) {
            (Ok(standing), Some(left)) => Ok(Standing { remaining: standing.remaining.min(left), ..standing }),
            (Err(refused), Some(_)) => {
                if let Some(shared) = &self.shared {
                    shared.release(key, minute);
                }
                Err(refused)
            }
            (outcome, None) => outcome,
        }
    }

    /// Before a key's first request of a minute here: what every replica admitted of it.
    async fn learn_total(&self, state: &AppState, key: KeyId) {
        let Some(shared) = &self.shared else { return };
        let (minute, _) = Self::now();
        if shared.knows(key, minute) {
            return;
        }
        match state.db(move |c| Ok(db::keys::uses(c, key, minute)?)).await {
            Ok(total) => shared.learn(key, minute, total),
            Err(err) => log::warn!("cannot read the shared count of a key (counting alone meanwhile): {err}"),
        }
    }
}

/// Whether a request is one of the costly kind.
fn is_costly(req: &ServiceRequest) -> bool {
    req.path() == "/api/v1/news/archive"
        || form_urlencoded::parse(req.query_string().as_bytes())
            .any(|(key, value)| key == "q" && !value.trim().is_empty())
}

/// The IETF headers for the budgets a request spent from.
fn headers(headers: &mut HeaderMap, standings: &[Standing]) {
    use std::fmt::Write;
    // Written straight into the values: every keyed answer carries them.
    let (mut policy, mut state) = (String::with_capacity(64), String::with_capacity(64));
    for (i, s) in standings.iter().enumerate() {
        let separator = if i == 0 { "" } else { ", " };
        let _ = write!(policy, "{separator}\"{}\";q={};w=60", s.name, s.per_minute);
        let _ = write!(state, "{separator}\"{}\";r={};t={}", s.name, s.remaining, s.reset);
    }
    for (name, value) in [("ratelimit-policy", policy), ("ratelimit", state)] {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
}

pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let caller = req.extensions().get::<Caller>().cloned().unwrap_or_default();
    let exempt = matches!(caller, Caller::User(_)) || crate::http::is_probe(req.path());
    let mut spent: Vec<Result<Standing, Standing>> = Vec::with_capacity(2);
    if let Caller::Key(key) = &caller {
        if let (Some(limiter), Some(state)) =
            (req.app_data::<web::Data<KeyLimiter>>().cloned(), req.app_data::<web::Data<AppState>>().cloned())
        {
            limiter.learn_total(&state, key.key.id).await;
            spent.push(limiter.spend(key.key.id, key.key.rate_limit));
        }
    } else if let Some(limiter) = req.app_data::<web::Data<ClientLimiter>>().filter(|_| !exempt) {
        let client = client::bucket(client::address(req.request()));
        spent.push(limiter.general.spend(client));
        if is_costly(&req) && spent.iter().all(Result::is_ok) {
            spent.push(limiter.costly.spend(client));
        }
    }
    let mut standings = Vec::with_capacity(spent.len());
    for outcome in spent {
        match outcome {
            Ok(standing) => standings.push(standing),
            Err(spent) => {
                let mut res = ApiError::TooManyRequests(spent.reset).error_response();
                headers(res.headers_mut(), &[spent]);
                let (req, _) = req.into_parts();
                return Ok(ServiceResponse::new(req, res.map_into_boxed_body()));
            }
        }
    }
    if standings.is_empty() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let mut res = next.call(req).await?;
    headers(res.headers_mut(), &standings);
    Ok(res.map_into_boxed_body())
}
