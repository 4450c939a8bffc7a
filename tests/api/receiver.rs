//! A webhook receiver (and WebSub subscriber) on loopback for the tests: it keeps every POST
//! it gets and answers each with the next status of its script (200 once the script runs
//! out); it confirms each WebSub verification (a GET) by echoing its challenge.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use serde_json::Value;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub hub_signature: String,
    pub link: String,
    pub content_type: String,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    pub fn kind(&self) -> String {
        self.json()["type"].as_str().unwrap().to_owned()
    }

    /// Whether one of the signatures is the HMAC-SHA256, keyed by `secret`, of
    /// `id.timestamp.body` (the Standard Webhooks scheme, computed here independently).
    pub fn signed_by(&self, secret: &str) -> bool {
        let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signature.split(' ').any(|s| s == expected)
    }
}

#[derive(Default)]
struct Inbox {
    received: Vec<Received>,
    script: VecDeque<u16>,
    /// The query of each verification GET.
    verifications: Vec<Vec<(String, String)>>,
}

/// The receiver; it runs until the test process ends.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inbox: Arc<Mutex<Inbox>>,
}

impl Receiver {
    pub fn start() -> Self {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let (sender, address) = std::sync::mpsc::channel();
        let shared = inbox.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new().app_data(web::Data::from(shared.clone())).default_service(web::to(receive))
                })
                .workers(1)
                .disable_signals()
                .bind("127.0.0.1:0")
                .unwrap();
                sender.send(server.addrs()[0]).unwrap();
                server.run().await.unwrap();
            });
        });
        let address = address.recv().unwrap();
        Self { url: format!("http://{address}/hook"), inbox }
    }

    /// Answers the next requests with these statuses, in order.
    pub fn answer(&self, statuses: &[u16]) {
        self.inbox.lock().unwrap().script.extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().received.clone()
    }

    /// Waits (10 s at most) for the `count`th WebSub verification and returns its query.
    pub async fn verification(&self, count: usize) -> Vec<(String, String)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(query) = self.inbox.lock().unwrap().verifications.get(count - 1) {
                return query.clone();
            }
            assert!(Instant::now() < deadline, "verification {count} did not come");
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (10 s at most) until `count` requests came, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() > deadline {
                assert!(received.len() >= count, "{} of {count} deliveries came: {received:#?}", received.len());
                return received;
            }
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, inbox: web::Data<Mutex<Inbox>>) -> HttpResponse {
    let mut inbox = inbox.lock().unwrap();
    if req.method() == actix_web::http::Method::GET {
        let query: Vec<(String, String)> = form_urlencoded::parse(req.query_string().as_bytes()).into_owned().collect();
        let challenge = query.iter().find(|(k, _)| k == "hub.challenge").map(|(_, v)| v.clone()).unwrap_or_default();
        inbox.verifications.push(query);
        return HttpResponse::Ok().body(challenge);
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let received = Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        hub_signature: header("x-hub-signature"),
        link: header("link"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    inbox.received.push(received);
    let status = inbox.script.pop_front().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body(format!("answered {status}"))
}
