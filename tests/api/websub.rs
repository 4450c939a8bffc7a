//! The WebSub hub as a subscriber on loopback sees it: feeds name the hub and themselves; a
//! subscription is verified before it counts; each change of the feed is pushed, signed
//! with the subscriber's secret (a scheduled item coming due too); an unsubscription is
//! verified too; a lease ends.

use std::time::Duration;

use actix_web::test::TestRequest;
use hmac::{KeyInit, Mac};
use serde_json::json;

use crate::helpers::{PUBLIC_URL, TestApp, TestResponse};
use crate::receiver::Receiver;

async fn hub(app: &TestApp, form: &[(&str, &str)]) -> TestResponse {
    let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let req = TestRequest::post()
        .uri("/websub")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body);
    app.send(req).await
}

fn hex_hmac(secret: &str, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn value<'a>(query: &'a [(String, String)], name: &str) -> &'a str {
    query.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

#[actix_web::test]
async fn feeds_name_their_hub_and_themselves() {
    let app = TestApp::demo().await;
    let res = app.get("/feeds/news.atom?topic=terrorism").await;
    let link = res.header("link").unwrap();
    assert!(link.contains(&format!("<{PUBLIC_URL}/websub>; rel=\"hub\"")), "{link}");
    assert!(link.contains(&format!("<{PUBLIC_URL}/feeds/news.atom?topic=terrorism>; rel=\"self\"")), "{link}");
    let atom = String::from_utf8(res.body.to_vec()).unwrap();
    assert!(atom.contains(&format!("href=\"{PUBLIC_URL}/websub\" rel=\"hub\"")), "{atom}");
    let rss = String::from_utf8(app.get("/feeds/news.rss").await.body.to_vec()).unwrap();
    assert!(rss.contains("rel=\"hub\""), "{rss}");
    let json_feed = app.get("/feeds/news.json").await.json();
    assert_eq!(json_feed["hubs"], json!([{"type": "WebSub", "url": format!("{PUBLIC_URL}/websub")}]));
}

#[actix_web::test]
async fn a_verified_subscriber_gets_each_change_signed_until_it_unsubscribes() {
    let app = TestApp::builder().pushing(Duration::from_millis(50)).start().await;
    let subscriber = Receiver::start();
    let topic = format!("{PUBLIC_URL}/feeds/news.atom");
    let secret = "a subscriber's secret";
    let form = [("hub.mode", "subscribe"), ("hub.callback", &subscriber.url), ("hub.topic", &topic)];
    hub(&app, &[&form[..], &[("hub.secret", secret), ("hub.lease_seconds", "3600")]].concat()).await.assert_status(202);
    let verification = subscriber.verification(1).await;
    assert_eq!(value(&verification, "hub.mode"), "subscribe");
    assert_eq!(value(&verification, "hub.topic"), topic);
    assert_eq!(value(&verification, "hub.lease_seconds"), "3600");
    for _ in 0..100 {
        if app.db.column("SELECT CAST(count(*) AS TEXT) AS value FROM websub_subscriptions") == "1" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }

    app.news("Pushed to subscribers", Some("2024-01-01T00:00:00Z"), json!({})).await;
    let pushed = subscriber.wait_for(1).await;
    assert!(pushed[0].body.contains("Pushed to subscribers"));
    assert!(pushed[0].content_type.starts_with("application/atom+xml"));
    assert_eq!(pushed[0].hub_signature, format!("sha256={}", hex_hmac(secret, &pushed[0].body)));
    assert!(pushed[0].link.contains(&format!("<{topic}>; rel=\"self\"")), "{}", pushed[0].link);
    assert!(pushed[0].link.contains("rel=\"hub\""));

    // A scheduled item coming due changes the feed with nobody writing.
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    app.news("Due in two seconds", Some(&at), json!({})).await;
    let pushed = subscriber.wait_for(2).await;
    assert!(pushed[1].body.contains("Due in two seconds"));

    let form = [("hub.mode", "unsubscribe"), ("hub.callback", &subscriber.url), ("hub.topic", &topic)];
    hub(&app, &form).await.assert_status(202);
    assert_eq!(value(&subscriber.verification(2).await, "hub.mode"), "unsubscribe");
    for _ in 0..100 {
        if app.db.column("SELECT CAST(count(*) AS TEXT) AS value FROM websub_subscriptions") == "0" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    app.news("After unsubscribing", Some("2024-01-02T00:00:00Z"), json!({})).await;
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(subscriber.received().len(), 2, "nothing after unsubscribing");
    let trail: Vec<String> = app.db.audit_trail().into_iter().map(|e| e.action).collect();
    assert!(trail.contains(&"subscription.create".to_owned()) && trail.contains(&"subscription.delete".to_owned()));
}

#[actix_web::test]
async fn a_lease_ends() {
    let app = TestApp::builder().pushing(Duration::from_millis(50)).start().await;
    let subscriber = Receiver::start();
    let topic = format!("{PUBLIC_URL}/feeds/news.json?topic=terrorism");
    let form = [
        ("hub.mode", "subscribe"),
        ("hub.callback", &subscriber.url),
        ("hub.topic", &topic),
        ("hub.lease_seconds", "10"),
    ];
    hub(&app, &form).await.assert_status(202);
    subscriber.verification(1).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    app.news("Inside the lease", Some("2024-01-01T00:00:00Z"), json!({"topic": "terrorism"})).await;
    let pushed = subscriber.wait_for(1).await;
    assert!(pushed[0].body.contains("Inside the lease"));
    assert!(pushed[0].hub_signature.is_empty(), "no secret, no signature");

    actix_web::rt::time::sleep(Duration::from_secs(10)).await;
    app.news("After the lease", Some("2024-01-02T00:00:00Z"), json!({"topic": "terrorism"})).await;
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(subscriber.received().len(), 1, "nothing once the lease ended");
}

#[actix_web::test]
async fn bad_requests_are_refused_naming_the_field() {
    let app = TestApp::demo().await;
    let topic = format!("{PUBLIC_URL}/feeds/news.rss");
    let callback = "http://93.184.216.34/callback";
    let long_secret = "s".repeat(200);
    let bad_limit = format!("{topic}?limit=0");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("hub.mode", "publish"), ("hub.callback", callback), ("hub.topic", &topic)], "hub.mode"),
        (vec![("hub.mode", "subscribe"), ("hub.topic", &topic)], "hub.callback"),
        (
            vec![("hub.mode", "subscribe"), ("hub.callback", "http://127.0.0.1/cb"), ("hub.topic", &topic)],
            "hub.callback",
        ),
        (
            vec![
                ("hub.mode", "subscribe"),
                ("hub.callback", callback),
                ("hub.topic", "https://elsewhere.example/feed"),
            ],
            "hub.topic",
        ),
        (vec![("hub.mode", "subscribe"), ("hub.callback", callback), ("hub.topic", &bad_limit)], "hub.topic"),
        (
            vec![
                ("hub.mode", "subscribe"),
                ("hub.callback", callback),
                ("hub.topic", &topic),
                ("hub.lease_seconds", "soon"),
            ],
            "hub.lease_seconds",
        ),
        (
            vec![
                ("hub.mode", "subscribe"),
                ("hub.callback", callback),
                ("hub.topic", &topic),
                ("hub.secret", &long_secret),
            ],
            "hub.secret",
        ),
    ];
    for (form, field) in cases {
        let res = hub(&app, &form).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{form:?}");
    }
    let json_body = app.send(TestRequest::post().uri("/websub").set_json(json!({"hub.mode": "subscribe"}))).await;
    json_body.problem(415);
}
