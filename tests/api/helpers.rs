//! `TestApp`: the application over a temporary database, and the requests tests send it.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::Service as _;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test as actix_test;
use actix_web::web::Bytes;
use newsdesk::app::Service;
use newsdesk::config::{Seed, Settings};
use newsdesk::media::store::Location as MediaLocation;
use serde_json::{Value, json};

use crate::database::TestDb;

pub const PUBLIC_URL: &str = "http://newsdesk.test";
pub const SECRET: &str = "a test secret that is long enough to sign";
pub const ADMIN: (&str, &str) = ("admin", "admin password 1");

type Call = Box<dyn Fn(actix_test::TestRequest) -> Pin<Box<dyn Future<Output = TestResponse>>>>;

/// The app over its own database, deleted with it, with an admin signed in.
pub struct TestApp {
    call: Call,
    pub db: TestDb,
    /// The service behind the app, for its timers' work (run at once here).
    pub service: Service,
    /// The admin's bearer token, sent with every write helper.
    pub token: String,
    /// Where the app keeps its media files.
    pub media_store: MediaLocation,
}

/// What a client receives.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Link` header value with `rel="next"`, if any.
    pub fn next_link(&self) -> Option<String> {
        self.headers
            .get_all("link")
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.ends_with("rel=\"next\""))
            .map(str::to_owned)
    }

    /// Asserts a problem+json answer with this status, and returns the problem.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", String::from_utf8_lossy(&self.body));
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        let problem = self.json();
        assert_eq!(problem["status"], status);
        assert!(problem["title"].is_string() && problem["detail"].is_string(), "{problem}");
        problem
    }

    /// The `field` of each entry of a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        let problem = self.json();
        problem["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", String::from_utf8_lossy(&self.body));
        self
    }
}

/// How a test's app starts: `TestApp::builder().seed(..).rate_limit(..).start()`, over the
/// default settings with what a test needs changed.
pub struct Builder {
    db: Option<TestDb>,
    settings: Settings,
    watch: bool,
    push: bool,
}

impl Builder {
    /// The demo data (default) or an empty database.
    pub fn seed(mut self, seed: Seed) -> Self {
        self.settings.seed = seed;
        self
    }

    /// Anonymous clients may send `per_minute` requests (default: no limit, since every
    /// request of a test comes from one address).
    pub fn rate_limit(mut self, per_minute: u32) -> Self {
        self.settings.rate_limit = per_minute;
        self
    }

    /// Believes the forwarding headers of these proxies (`10.0.0.0/8,192.0.2.7`).
    pub fn trusted_proxies(mut self, list: &str) -> Self {
        self.settings.trusted_proxies =
            list.split(',').map(|net| newsdesk::config::parse_network(net).unwrap()).collect();
        self
    }

    /// Keeps only the newest `keep` revisions of each item and profile.
    pub fn revisions_keep(mut self, keep: u32) -> Self {
        self.settings.revisions_keep = Some(keep);
        self
    }

    /// Cuts audit entries older than `days` (at start, then hourly).
    pub fn audit_retention_days(mut self, days: u32) -> Self {
        self.settings.audit_retention_days = days;
        self
    }

    /// Scrapes of `/metrics` must send this bearer token.
    pub fn metrics_token(mut self, token: &str) -> Self {
        self.settings.metrics_token = Some(token.into());
        self
    }

    /// Sends webhook deliveries (to loopback too, retried after `retry_base`), announces
    /// scheduled items when they come due and pushes changed feeds to WebSub subscribers, as
    /// the server does.
    pub fn pushing(mut self, retry_base: std::time::Duration) -> Self {
        self.settings.webhook_allow_private = true;
        self.settings.webhook_retry_base = retry_base;
        self.push = true;
        self
    }

    /// Any other setting.
    pub fn settings(mut self, change: impl FnOnce(&mut Settings)) -> Self {
        change(&mut self.settings);
        self
    }

    /// The site's languages, in fallback order (`en,fr,es,ar`).
    pub fn languages(mut self, list: &str) -> Self {
        self.settings.languages = newsdesk::domain::language::Languages::parse(list).unwrap();
        self
    }

    /// Over this database (default: a new one) instead.
    pub fn on(mut self, db: TestDb) -> Self {
        self.db = Some(db);
        self
    }

    /// Polls for other processes' writes, as the server does. (Other apps do not: the poll
    /// may end kept answers a second after their own writes.)
    pub fn watching_other_processes(mut self) -> Self {
        self.watch = true;
        self
    }

    pub async fn start(self) -> TestApp {
        let db = self.db.unwrap_or_else(TestDb::new);
        let media_store = self.settings.media_store.clone().unwrap_or_else(|| db.media_location());
        let settings = Settings {
            database_url: db.url(),
            media_store: Some(media_store.clone()),
            search_index: self.settings.search_index.clone().or_else(|| Some(db.search_index())),
            ..self.settings
        };
        let service = Service::start(&settings).await.expect("service starts");
        if self.watch {
            actix_web::rt::spawn(service.clone().watch_other_processes());
        }
        if self.push {
            actix_web::rt::spawn(service.clone().push());
            actix_web::rt::spawn(service.clone().publish_due());
            actix_web::rt::spawn(service.clone().distribute_feeds());
        }
        let app = Rc::new(actix_test::init_service(service.clone().app()).await);
        let call: Call = Box::new(move |req| {
            let app = app.clone();
            Box::pin(async move {
                // As the server does: an error that escapes the middleware becomes its response.
                let res = match app.call(req.to_request()).await {
                    Ok(res) => res.map_into_boxed_body(),
                    Err(err) => actix_web::dev::ServiceResponse::new(
                        actix_test::TestRequest::default().to_http_request(),
                        err.error_response(),
                    ),
                };
                let status = res.status();
                let headers = res.headers().clone();
                let body = actix_test::read_body(res).await;
                TestResponse { status, headers, body }
            })
        });
        let mut app = TestApp { call, db, service, token: String::new(), media_store };
        app.token = app.sign_in(ADMIN.0, ADMIN.1).await;
        app
    }
}

impl TestApp {
    /// An app over the demo data, with an admin signed in, unless the builder says otherwise.
    pub fn builder() -> Builder {
        let settings = Settings {
            bind: "127.0.0.1:0".into(),
            public_url: Some(PUBLIC_URL.into()),
            rate_limit: 0,
            jwt_secret: Some(SECRET.into()),
            admin_username: Some(ADMIN.0.into()),
            admin_password: Some(ADMIN.1.into()),
            ..Settings::default()
        };
        Builder { db: None, settings, watch: false, push: false }
    }

    /// An app over an empty database.
    pub async fn empty() -> Self {
        Self::builder().seed(Seed::None).start().await
    }

    /// An app over the demo data.
    pub async fn demo() -> Self {
        Self::builder().start().await
    }

    /// Stops this app and starts a new one on the same database, as a restart would.
    pub async fn restart(self, seed: Seed) -> Self {
        self.reopen().seed(seed).start().await
    }

    /// Stops this app; the builder of the next one on the same database.
    pub fn reopen(self) -> Builder {
        Self::builder().on(self.db)
    }

    /// The `NEWSDESK_DATABASE_URL` of this app's database.
    pub fn database_url(&self) -> String {
        self.db.url()
    }

    /// Runs SQL on the app's database behind its back: only to stand in for the passing of
    /// time (a schedule coming due, a retention period ending). Kept answers end too, as they
    /// would when that time came.
    pub fn travel_in_time(&self, sql: &str) {
        self.db.execute(sql);
        self.db.execute("UPDATE content_clock SET version = version + 1");
    }

    /// Creates a user with this role and returns a bearer token for them.
    pub async fn user(&self, username: &str, role: &str) -> String {
        let password = "a long enough password";
        let res = self.post("/api/v1/users", &json!({"username": username, "password": password, "role": role})).await;
        res.assert_status(201);
        self.sign_in(username, password).await
    }

    /// A bearer token for these credentials (the sign-in must succeed).
    pub async fn sign_in(&self, username: &str, password: &str) -> String {
        let res = self
            .send(
                actix_test::TestRequest::post()
                    .uri("/api/v1/auth/token")
                    .set_json(json!({"username": username, "password": password})),
            )
            .await;
        res.assert_status(200);
        res.json()["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Sends a request as it is: anonymous unless it carries its own `Authorization`.
    pub async fn send(&self, req: actix_test::TestRequest) -> TestResponse {
        (self.call)(req).await
    }

    /// Adds the admin's bearer token to a request.
    pub fn authed(&self, req: actix_test::TestRequest) -> actix_test::TestRequest {
        req.insert_header(("authorization", format!("Bearer {}", self.token)))
    }

    /// An anonymous GET.
    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(actix_test::TestRequest::get().uri(uri)).await
    }

    /// A GET by the signed-in admin, who sees drafts and scheduled items.
    pub async fn get_authed(&self, uri: &str) -> TestResponse {
        self.send(self.authed(actix_test::TestRequest::get().uri(uri))).await
    }

    pub async fn post(&self, uri: &str, body: &Value) -> TestResponse {
        self.send(self.authed(actix_test::TestRequest::post().uri(uri).set_json(body))).await
    }

    pub async fn put(&self, uri: &str, body: &Value) -> TestResponse {
        self.send(self.authed(actix_test::TestRequest::put().uri(uri).set_json(body))).await
    }

    pub async fn patch(&self, uri: &str, body: &Value) -> TestResponse {
        self.send(self.authed(actix_test::TestRequest::patch().uri(uri).set_json(body))).await
    }

    pub async fn delete(&self, uri: &str) -> TestResponse {
        self.send(self.authed(actix_test::TestRequest::delete().uri(uri))).await
    }

    /// Creates an item (published at `published_at`, or a draft when `None`) with the
    /// demo-independent taxonomy made by `taxonomy()`, and returns it.
    pub async fn news(&self, title: &str, published_at: Option<&str>, extra: Value) -> Value {
        let mut body = json!({"title": title, "body": "Some words to read."});
        if let Some(at) = published_at {
            body["published_at"] = json!(at);
        }
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        let res = self.post("/api/v1/news", &body).await;
        res.assert_status(201);
        res.json()
    }

    /// Topics `cybercrime` and `terrorism`, regions `africa` and `europe`, one author: returns
    /// the author's id.
    pub async fn taxonomy(&self) -> i64 {
        for name in ["Cybercrime", "Terrorism"] {
            self.post("/api/v1/topics", &json!({"name": name})).await.assert_status(201);
        }
        for name in ["Africa", "Europe"] {
            self.post("/api/v1/regions", &json!({"name": name})).await.assert_status(201);
        }
        let author = self.post("/api/v1/authors", &json!({"name": "Ada Reporter", "title": "Correspondent"})).await;
        author.assert_status(201);
        author.json()["id"].as_i64().expect("author id")
    }
}

/// The `id`s of a listing's items, in order.
pub fn ids(list: &Value) -> Vec<i64> {
    list["items"].as_array().expect("items").iter().map(|i| i["id"].as_i64().expect("id")).collect()
}

/// The `title`s of a listing's items, in order.
pub fn titles(list: &Value) -> Vec<String> {
    list["items"].as_array().expect("items").iter().map(|i| i["title"].as_str().expect("title").to_owned()).collect()
}
