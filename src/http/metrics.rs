//! Prometheus metrics: requests by route and status, latency histograms by route, and the
//! state of the store (pool use, database size), read when scraped at `/metrics`. What they
//! show (sign-in failures, admin traffic, the database's size) is for operators: `/metrics`
//! can be served on a listener of its own (`NEWSDESK_METRICS_BIND`) or only to scrapers that
//! send `NEWSDESK_METRICS_TOKEN` as a bearer token.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use subtle::ConstantTimeEq;

use crate::domain::users::Caller;
use crate::error::ApiError;

/// Who may scrape `/metrics` on a listener.
#[derive(Debug, Clone)]
pub enum MetricsAccess {
    /// Anyone (the default, when neither setting is given).
    Public,
    /// Scrapers that send this bearer token.
    Token(String),
    /// Nobody here: the metrics have a listener of their own.
    Elsewhere,
}

impl MetricsAccess {
    /// Checks a scrape: `Err` with the status it is refused with.
    pub fn admit(&self, req: &HttpRequest) -> Result<(), ApiError> {
        match self {
            Self::Public => Ok(()),
            Self::Elsewhere => Err(ApiError::NotFound("metrics are served on their own listener".into())),
            Self::Token(token) => {
                let sent = req
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split_once(' '))
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                    .map(|(_, token)| token.trim().as_bytes());
                match sent {
                    Some(sent) if bool::from(sent.ct_eq(token.as_bytes())) => Ok(()),
                    _ => Err(ApiError::Unauthorized {
                        detail: "metrics need the bearer token set by NEWSDESK_METRICS_TOKEN".into(),
                        invalid_token: sent.is_some(),
                    }),
                }
            }
        }
    }
}

/// Every metric this service reports, registered once and shared by all workers.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    cache_lookups: IntCounterVec,
    key_requests: IntCounterVec,
    webhook_attempts: IntCounterVec,
    webhook_attempt_seconds: Histogram,
    webhook_lag_seconds: Histogram,
    webhook_pending: IntGauge,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    database_bytes: IntGauge,
}

/// The state of the store at a scrape.
pub struct StoreGauges {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
    pub database_bytes: i64,
    /// Webhook deliveries not yet made (nor given up).
    pub webhook_pending: i64,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("newsdesk".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered, by method, route pattern and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer, by method and route pattern")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0]),
            &["method", "route"],
        )?;
        let cache_lookups = IntCounterVec::new(
            Opts::new(
                "response_cache_lookups_total",
                "Anonymous reads answered from the response cache (hit) or not (miss)",
            ),
            &["outcome"],
        )?;
        let key_requests = IntCounterVec::new(
            Opts::new("key_requests_total", "Requests sent with a partner key, by the key's prefix and status"),
            &["key", "status"],
        )?;
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook delivery attempts, by what followed: succeeded, retried, failed (retries ran out), gone (410)",
            ),
            &["outcome"],
        )?;
        let seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
        let webhook_attempt_seconds = Histogram::with_opts(
            HistogramOpts::new("webhook_attempt_duration_seconds", "Time a receiver took to answer a delivery")
                .buckets(seconds.to_vec()),
        )?;
        let webhook_lag_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "webhook_delivery_lag_seconds",
                "Time from the change that caused an event to its receiver's 2xx",
            )
            .buckets([&seconds[..], &[30.0, 60.0, 300.0, 3600.0, 86_400.0]].concat()),
        )?;
        let gauge = |name: &str, help: &str| IntGauge::new(name, help);
        let webhook_pending = gauge("webhook_deliveries_pending", "Webhook deliveries not yet made nor given up")?;
        let pool_connections = gauge("db_pool_connections", "Open database connections in the pool")?;
        let pool_idle = gauge("db_pool_idle_connections", "Open database connections not in use")?;
        let pool_max = gauge("db_pool_max_connections", "Largest size the pool may grow to")?;
        let database_bytes = gauge("database_size_bytes", "Size of the database")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(cache_lookups.clone()))?;
        registry.register(Box::new(key_requests.clone()))?;
        registry.register(Box::new(webhook_attempts.clone()))?;
        registry.register(Box::new(webhook_attempt_seconds.clone()))?;
        registry.register(Box::new(webhook_lag_seconds.clone()))?;
        for gauge in [&pool_connections, &pool_idle, &pool_max, &database_bytes, &webhook_pending] {
            registry.register(Box::new(gauge.clone()))?;
        }
        Ok(Self {
            registry,
            requests,
            latency,
            cache_lookups,
            key_requests,
            webhook_attempts,
            webhook_attempt_seconds,
            webhook_lag_seconds,
            webhook_pending,
            pool_connections,
            pool_idle,
            pool_max,
            database_bytes,
        })
    }

    /// Counts a lookup in the response cache: `hit` or `miss`.
    pub fn cache_lookup(&self, outcome: &str) {
        self.cache_lookups.with_label_values(&[outcome]).inc();
    }

    /// Counts a delivery attempt by what followed it, with how long the receiver took and,
    /// for a success, how long after its change.
    pub fn webhook_attempt(&self, outcome: &str, took: std::time::Duration, lag: Option<std::time::Duration>) {
        self.webhook_attempts.with_label_values(&[outcome]).inc();
        self.webhook_attempt_seconds.observe(took.as_secs_f64());
        if let Some(lag) = lag {
            self.webhook_lag_seconds.observe(lag.as_secs_f64());
        }
    }

    /// The text exposition of every metric, with the store's gauges as of now.
    pub fn render(&self, store: &StoreGauges) -> String {
        self.pool_connections.set(store.connections.into());
        self.pool_idle.set(store.idle.into());
        self.pool_max.set(store.max.into());
        self.database_bytes.set(store.database_bytes);
        self.webhook_pending.set(store.webhook_pending);
        let mut out = Vec::new();
        // Encoding into memory fails only on metrics that break the format, which ours do not.
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            log::error!("cannot encode metrics: {err}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Middleware: counts and times every request under its route pattern (`/api/v1/news/{id}`),
/// so that the number of series stays bounded whatever paths clients send.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    // Methods outside the standard set are counted together: clients may send any token.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let res = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
        let status = res.status().as_u16().to_string();
        metrics.requests.with_label_values(&[method.as_str(), route.as_str(), status.as_str()]).inc();
        metrics.latency.with_label_values(&[method.as_str(), route.as_str()]).observe(started.elapsed().as_secs_f64());
        // One series per key an admin made (and per status): bounded as the keys are.
        if let Some(Caller::Key(key)) = res.request().extensions().get::<Caller>() {
            metrics.key_requests.with_label_values(&[key.key.prefix.as_str(), status.as_str()]).inc();
        }
    }
    Ok(res)
}
