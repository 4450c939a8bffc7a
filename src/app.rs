//! Builds the service: opens the store, loads the demo when asked, and assembles the actix
//! `App` with its middleware, routes, docs and fallbacks. Used by `main` and by the tests.

use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Logger, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa::openapi::path::PathItem;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api;
use crate::api::service::OpenApiJson;
use crate::auth;
use crate::auth::throttle::LoginThrottle;
use crate::auth::token::{KeyError, Keys};
use crate::config::{Seed, Settings, SettingsError};
use crate::domain::dates;
use crate::error::ApiError;
use crate::http::cache::{self, ResponseCache};
use crate::http::client::{self, TrustedProxies};
use crate::http::metrics::{self, Metrics, MetricsAccess};
use crate::http::rate_limit::{self, ClientLimiter, KeyLimiter};
use crate::http::{body_deadline, conditional, head, json, problems, security};
use crate::push::websub::Hub;
use crate::push::{Pusher, target};
use crate::service::{audit, keys, media, news, trash, users, webhooks};
use crate::state::AppState;
use crate::{db, openapi, seed};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] db::OpenError),
    #[error("cannot load the demo data: {}", .0.logged())]
    Seed(ApiError),
    #[error("cannot make the search words of the news items stored without them: {}", .0.logged())]
    SearchWords(ApiError),
    #[error("cannot make the listing counts: {}", .0.logged())]
    Counts(ApiError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("cannot create the admin from NEWSDESK_ADMIN_USERNAME: {}", .0.logged())]
    Admin(ApiError),
    #[error("cannot set up metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("cannot set up webhook deliveries: {0}")]
    Push(#[from] reqwest::Error),
    #[error(
        "set NEWSDESK_JWT_SECRET (or NEWSDESK_JWT_SECRET_FILE): without it every restart signs everyone out and \
         replicas refuse each other's tokens (only the demo on SQLite starts without one)"
    )]
    NoSecret,
}

impl From<diesel::result::Error> for StartError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Open(err.into())
    }
}

/// Everything the app factory needs; cheap to clone into each worker.
#[derive(Clone)]
pub struct Service {
    state: AppState,
    keys: Arc<Keys>,
    throttle: Arc<LoginThrottle>,
    proxies: Arc<TrustedProxies>,
    openapi: OpenApiJson,
    routes: Arc<RouteTable>,
    cors_origins: Arc<Vec<String>>,
    rate_limiter: Option<Arc<ClientLimiter>>,
    key_limiter: Arc<KeyLimiter>,
    cache: Option<Arc<ResponseCache>>,
    metrics: Arc<Metrics>,
    pusher: Pusher,
    hub: Hub,
    metrics_token: Option<String>,
    /// `/metrics` has a listener of its own (`metrics_app`).
    metrics_elsewhere: bool,
}

impl Service {
    /// Opens the store (applying migrations), loads the demo data into an empty one, creates
    /// the configured admin and purges what has been in the trash too long: all through the
    /// one write path, one starting process at a time.
    pub async fn start(settings: &Settings) -> Result<Self, StartError> {
        let secret = settings.jwt_secret()?;
        let demo_on_sqlite = settings.seed == Seed::Demo
            && matches!(db::Location::parse(&settings.database_url)?, db::Location::Sqlite(_));
        if secret.is_none() && !demo_on_sqlite {
            return Err(StartError::NoSecret);
        }
        let keys = Keys::new(secret.as_deref(), settings.token_ttl())?;
        let state = AppState::open(settings)?;
        let lock = db::StartupLock::take(&state.pool)?;
        news::make_missing_words(&state).await.map_err(StartError::SearchWords)?;
        let started = std::time::Instant::now();
        if news::prepare_counts(&state).await.map_err(StartError::Counts)? {
            state.db(|c| Ok(db::checkpoint(c)?)).await.map_err(StartError::Counts)?;
            log::info!("made the listing counts in {} ms", started.elapsed().as_millis());
        }
        if settings.seed == Seed::Demo && seed::load_demo(&state).await.map_err(StartError::Seed)? {
            log::warn!(
                "loaded the DEMO data into an empty database; a production database starts with NEWSDESK_SEED=none \
                 (see docs/DEPLOYMENT.md)"
            );
        }
        if let (Some(username), Some(password)) = (&settings.admin_username, settings.admin_password()?)
            && users::ensure_admin(&state, username, &password).await.map_err(StartError::Admin)?
        {
            log::info!("created admin `{}`", username.trim().to_lowercase());
        }
        news::follow_search_index(&state).await;
        report_purge(trash::purge_expired(&state).await);
        report_cut(audit::prune_expired(&state).await);
        drop(lock);
        let doc = api::document();
        let shared = state.is_shared();
        let metrics = Arc::new(Metrics::new()?);
        let client = target::client(state.push.allow_private)?;
        Ok(Self {
            pusher: Pusher::new(state.clone(), client.clone(), metrics.clone()),
            hub: Hub::new(state.clone(), client),
            state,
            keys: Arc::new(keys),
            throttle: Arc::new(LoginThrottle::default()),
            proxies: Arc::new(TrustedProxies::new(settings.trusted_proxies.clone())),
            openapi: OpenApiJson(openapi::json(&doc)),
            routes: Arc::new(RouteTable::new(&doc)),
            cors_origins: Arc::new(settings.cors_origins()),
            rate_limiter: ClientLimiter::new(settings.rate_limit).map(Arc::new),
            key_limiter: Arc::new(KeyLimiter::new(shared)),
            cache: ResponseCache::new(settings.cache_mb).map(Arc::new),
            metrics,
            metrics_token: settings.metrics_token.clone(),
            metrics_elsewhere: settings.metrics_bind.is_some(),
        })
    }

    /// Once an hour, purges what has been in the trash longer than its retention period, cuts
    /// the audit entries older than theirs, forgets finished webhook deliveries older than
    /// theirs and WebSub subscriptions whose lease ended, and removes media files no image names.
    pub async fn expire_hourly(self) {
        let mut hourly = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            self.expire_now().await;
        }
    }

    /// The hourly work, once.
    pub async fn expire_now(&self) {
        report_purge(trash::purge_expired(&self.state).await);
        report_cut(audit::prune_expired(&self.state).await);
        if let Err(err) = webhooks::forget_finished(&self.state).await {
            log::error!("cannot forget old webhook deliveries: {}", err.logged());
        }
        let now = dates::now().naive_utc();
        if let Err(err) = self.state.bookkeep(move |c| Ok(db::websub::forget_expired(c, now)?)).await {
            log::error!("cannot forget expired WebSub subscriptions: {}", err.logged());
        }
        match media::sweep(&self.state).await {
            Ok(0) => {}
            Ok(n) => log::info!("removed {n} media files that no image names"),
            Err(err) => log::error!("cannot sweep the media store: {}", err.logged()),
        }
    }

    /// Sends webhook deliveries as they come due, for ever.
    pub async fn push(self) {
        self.pusher.run().await;
    }

    /// Pushes feeds that changed to their WebSub subscribers, for ever.
    pub async fn distribute_feeds(self) {
        self.hub.run().await;
    }

    /// Every second, announces the scheduled items whose time has come, so that webhooks fire
    /// and the change feed shows them with nobody asking (after a restart: at once).
    pub async fn publish_due(self) {
        let mut every_second = actix_web::rt::time::interval(std::time::Duration::from_secs(1));
        loop {
            every_second.tick().await;
            if let Err(err) = news::announce_due(&self.state).await {
                log::warn!("cannot announce the scheduled items that came due: {err}");
            }
        }
    }

    /// Writes, once a minute, when each partner key used meanwhile was last used.
    pub async fn record_key_uses(self) {
        let mut every_minute = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            self.record_key_uses_now().await;
        }
    }

    /// Writes when each partner key used since the last time was last used.
    pub async fn record_key_uses_now(&self) {
        if let Err(err) = keys::record_uses(&self.state).await {
            log::warn!("cannot record when partner keys were last used: {err}");
        }
    }

    /// Where replicas share the database: adds, about once a second, what this replica
    /// admitted of each partner key to the shared counts, and learns their totals (see
    /// `http::shared_quota`).
    pub async fn share_key_counts(self) {
        let Some(shared) = &self.key_limiter.shared else { return };
        let mut every_second = actix_web::rt::time::interval(std::time::Duration::from_secs(1));
        let mut forgotten = 0;
        loop {
            every_second.tick().await;
            let (minute, _) = KeyLimiter::now();
            let report = shared.to_report(minute);
            let forget = minute > forgotten;
            let totals = self
                .state
                .db(move |c| {
                    if forget {
                        db::keys::forget_uses_before(c, minute - 1)?;
                    }
                    // One key at a time: a key revoked meanwhile fails alone.
                    let totals = report.into_iter().filter_map(|(key, admitted)| {
                        let total = if admitted > 0 {
                            db::keys::add_uses(c, key, minute, admitted)
                        } else {
                            db::keys::uses(c, key, minute)
                        };
                        total.ok().map(|total| (key, total))
                    });
                    Ok(totals.collect::<Vec<_>>())
                })
                .await;
            match totals {
                Ok(totals) => {
                    forgotten = forgotten.max(minute);
                    for (key, total) in totals {
                        shared.learn(key, minute, total);
                    }
                }
                Err(err) => log::warn!("cannot share the partner keys' counts: {err}"),
            }
        }
    }

    /// Forgets, once a minute, sign-in failures old enough not to count any more.
    pub async fn sweep_sign_in_failures(self) {
        let mut every_minute = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            self.throttle.sweep();
        }
    }

    /// Ends kept answers when another process writes to the database (see `db::version`).
    pub async fn watch_other_processes(self) {
        self.state.watch_other_processes().await;
    }

    /// The actix application.
    pub fn app(
        self,
    ) -> App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    > {
        let (mut app, _) = App::new().into_utoipa_app().configure(api::routes).split_for_parts();
        if let Some(limiter) = self.rate_limiter {
            app = app.app_data(web::Data::from(limiter));
        }
        app = app.app_data(web::Data::from(self.key_limiter));
        if let Some(cache) = self.cache {
            app = app.app_data(web::Data::from(cache));
        }
        let metrics_access = match (self.metrics_elsewhere, self.metrics_token) {
            (true, _) => MetricsAccess::Elsewhere,
            (false, Some(token)) => MetricsAccess::Token(token),
            (false, None) => MetricsAccess::Public,
        };
        app.app_data(web::Data::new(self.state))
            .app_data(web::Data::new(metrics_access))
            .app_data(web::Data::from(self.keys))
            .app_data(web::Data::from(self.throttle))
            .app_data(web::Data::from(self.proxies))
            .app_data(web::Data::new(self.openapi))
            .app_data(web::Data::from(self.routes))
            .app_data(web::Data::from(self.metrics))
            .app_data(web::Data::new(self.hub))
            .app_data(web::PayloadConfig::new(json::BODY_LIMIT))
            .service(web::redirect("/docs", "/docs/"))
            .service(
                // The page loads our own document, and no validator: it works offline.
                SwaggerUi::new("/docs/{_:.*}")
                    .config(Config::new(["/openapi.json"]).validator_url("none").try_it_out_enabled(true)),
            )
            .default_service(web::to(fallback))
            .wrap(from_fn(body_deadline::body_deadline))
            .wrap(from_fn(cache::serve_cached))
            .wrap(from_fn(conditional::tag_responses))
            .wrap(cors(&self.cors_origins))
            .wrap(from_fn(rate_limit::rate_limit))
            .wrap(from_fn(auth::identify))
            .wrap(from_fn(problems::problem_bodies))
            .wrap(from_fn(security::security_headers))
            .wrap(from_fn(head::head_as_get))
            .wrap(from_fn(metrics::record))
            .wrap(
                Logger::new(r#"%{client}xi "%r" %s %b %Dms"#)
                    .custom_request_replace("client", |req| client::address(req.request()).to_string()),
            )
    }

    /// The application of the metrics listener (`NEWSDESK_METRICS_BIND`): `/metrics` alone.
    pub fn metrics_app(
        self,
    ) -> App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    > {
        let access = self.metrics_token.map_or(MetricsAccess::Public, MetricsAccess::Token);
        App::new()
            .app_data(web::Data::new(self.state))
            .app_data(web::Data::from(self.metrics))
            .app_data(web::Data::new(access))
            .service(api::service::metrics)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::NotFound("this listener serves /metrics only".into()))
            }))
            .wrap(from_fn(problems::problem_bodies))
    }
}

fn report_purge(outcome: Result<usize, ApiError>) {
    match outcome {
        Ok(0) => {}
        Ok(n) => log::info!("purged {n} news items whose time in the trash ran out"),
        Err(err) => log::error!("cannot purge the trash: {}", err.logged()),
    }
}

fn report_cut(outcome: Result<usize, ApiError>) {
    match outcome {
        Ok(0) => {}
        Ok(n) => log::info!("cut {n} audit entries older than the retention period"),
        Err(err) => log::error!("cannot cut the audit trail: {}", err.logged()),
    }
}

fn cors(origins: &[String]) -> Cors {
    let cors = if origins.is_empty() {
        Cors::default().allow_any_origin()
    } else {
        origins.iter().fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
    };
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::LOCATION, header::LINK])
        .max_age(3600)
}

/// Every route of the document with its methods, to tell an unknown path (404) from a
/// known path asked with the wrong method (405).
#[derive(Debug)]
pub struct RouteTable(Vec<(ResourceDef, Vec<&'static str>)>);

impl RouteTable {
    fn new(doc: &utoipa::openapi::OpenApi) -> Self {
        let methods = |item: &PathItem| {
            [
                ("GET", &item.get),
                ("HEAD", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ]
            .into_iter()
            .filter_map(|(name, op)| op.as_ref().map(|_| name))
            .collect()
        };
        Self(doc.paths.paths.iter().map(|(path, item)| (ResourceDef::new(path.as_str()), methods(item))).collect())
    }

    fn allowed(&self, path: &str) -> Vec<&'static str> {
        let is_literal = |def: &ResourceDef| !def.pattern().is_some_and(|p| p.contains('{'));
        let matching: Vec<_> = self.0.iter().filter(|(def, _)| def.is_match(path)).collect();
        // A literal route (`/news/archive`) shadows a pattern that also matches (`/news/{id}`).
        let literal = matching.iter().any(|(def, _)| is_literal(def));
        let mut allowed: Vec<&'static str> = matching
            .iter()
            .filter(|(def, _)| !literal || is_literal(def))
            .flat_map(|(_, m)| m.iter().copied())
            .collect();
        allowed.sort_unstable();
        allowed.dedup();
        allowed
    }
}

async fn fallback(req: HttpRequest, routes: web::Data<RouteTable>) -> Result<HttpResponse, ApiError> {
    let allowed = routes.allowed(req.path());
    if allowed.is_empty() {
        return Err(ApiError::NotFound(format!("no route {}", req.path())));
    }
    Err(ApiError::MethodNotAllowed(allowed))
}
