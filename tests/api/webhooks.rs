//! Webhooks, as a partner's receiver on loopback sees them: every change anonymous readers can
//! observe arrives once acknowledged, signed the Standard Webhooks way, in order per item,
//! retried after failures with the same `webhook-id`; drafts and filtered-out items send
//! nothing; a scheduled item fires when its time comes; 410 turns the webhook off; private
//! targets are refused.

use std::time::Duration;

use serde_json::{Value, json};

use newsdesk::config::Seed;

use crate::helpers::TestApp;
use crate::receiver::Receiver;

const EVERY_EVENT: [&str; 5] =
    ["news.published", "news.updated", "news.unpublished", "news.deleted", "organization.updated"];

async fn pushing() -> TestApp {
    TestApp::builder().pushing(Duration::from_millis(50)).start().await
}

/// Makes a webhook to `receiver` and returns it (with its secret).
async fn subscribe(app: &TestApp, receiver: &Receiver, extra: Value) -> Value {
    let mut body = json!({"url": receiver.url, "events": EVERY_EVENT});
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    let res = app.post("/api/v1/webhooks", &body).await;
    res.assert_status(201);
    res.json()
}

fn kinds(received: &[crate::receiver::Received]) -> Vec<String> {
    received.iter().map(|r| r.kind()).collect()
}

#[actix_web::test]
async fn each_public_change_is_delivered_signed_in_order_with_its_change_cursor() {
    let app = pushing().await;
    let receiver = Receiver::start();
    let hook = subscribe(&app, &receiver, json!({})).await;
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    let shown = app.get_authed(&format!("/api/v1/webhooks/{}", hook["id"])).await;
    assert!(shown.json().get("secret").is_none(), "the secret is shown once");

    let item = app.news("Pushed", Some("2024-01-01T00:00:00Z"), json!({})).await;
    let path = format!("/api/v1/news/{}", item["id"]);
    app.patch(&path, &json!({"title": "Pushed again"})).await.assert_status(200);
    app.patch(&path, &json!({"status": "draft"})).await.assert_status(200);
    app.patch(&path, &json!({"title": "Edited as a draft"})).await.assert_status(200);
    app.patch(&path, &json!({"status": "published"})).await.assert_status(200);
    app.delete(&path).await.assert_status(204);
    // The purge tells nothing new: the trash was the deletion partners heard of.
    app.delete(&format!("/api/v1/trash/{}", item["id"])).await.assert_status(204);

    let received = receiver.wait_for(5).await;
    assert_eq!(
        kinds(&received),
        ["news.published", "news.updated", "news.unpublished", "news.published", "news.deleted"]
    );
    let changes = app.get("/api/v1/news/changes").await.json();
    let last_cursor = changes["changes"].as_array().unwrap().last().unwrap()["cursor"].clone();
    for r in &received {
        assert!(r.signed_by(secret), "signature of {}", r.body);
        assert!(r.id.starts_with("msg_"));
        let body = r.json();
        assert_eq!(body["data"]["id"], item["id"]);
        assert!(body["timestamp"].is_string() && body["data"]["changes_cursor"].is_string());
    }
    assert_eq!(received[1].json()["data"]["item"]["title"], "Pushed again", "the item as readers saw it then");
    assert_eq!(received[2].json()["data"]["item"], Value::Null);
    assert_eq!(received[4].json()["data"]["item"], Value::Null);
    assert_eq!(received[4].json()["data"]["changes_cursor"], last_cursor, "the cursor of the change in the feed");
    let cursors: Vec<i64> =
        received.iter().map(|r| r.json()["data"]["changes_cursor"].as_str().unwrap().parse().unwrap()).collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");

    // The delivery log has them all, delivered.
    let log = app.get_authed(&format!("/api/v1/webhooks/{}/deliveries", hook["id"])).await.json();
    let statuses: Vec<&str> = log["items"].as_array().unwrap().iter().map(|d| d["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["succeeded"; 5]);
    assert_eq!(log["items"][0]["attempts"][0]["response_code"], 200);
    let hook = app.get_authed(&format!("/api/v1/webhooks/{}", hook["id"])).await.json();
    assert!(hook["last_success_at"].is_string() && hook["last_failure"].is_null());
}

#[actix_web::test]
async fn drafts_send_nothing_and_filters_choose_what_is_sent() {
    let app = TestApp::builder().seed(Seed::None).pushing(Duration::from_millis(50)).start().await;
    app.taxonomy().await;
    let (all, filtered) = (Receiver::start(), Receiver::start());
    subscribe(&app, &all, json!({"events": ["news.published"]})).await;
    subscribe(&app, &filtered, json!({"events": ["news.published"], "filters": {"topic": ["terrorism"]}})).await;

    app.news("A draft", None, json!({"topic": "terrorism"})).await;
    app.news("Scheduled for later", Some("2999-01-01T00:00:00Z"), json!({"topic": "terrorism"})).await;
    app.news("Cybercrime news", Some("2024-01-01T00:00:00Z"), json!({"topic": "cybercrime"})).await;
    app.news("Terrorism news", Some("2024-01-02T00:00:00Z"), json!({"topic": "terrorism"})).await;

    let titles = |received: Vec<crate::receiver::Received>| -> Vec<String> {
        received.iter().map(|r| r.json()["data"]["item"]["title"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(titles(all.wait_for(2).await), ["Cybercrime news", "Terrorism news"]);
    let received = filtered.wait_for(1).await;
    assert_eq!(titles(received.clone()), ["Terrorism news"]);
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(all.received().len(), 2, "no more came");
    assert_eq!(filtered.received().len(), 1, "no more came");

    // An item that leaves the topic is told to the webhook that chose it by the topic.
    let moved = received[0].json()["data"]["id"].clone();
    subscribe(&app, &filtered, json!({"events": ["news.updated"], "filters": {"topic": ["terrorism"]}})).await;
    app.patch(&format!("/api/v1/news/{moved}"), &json!({"topic": "cybercrime"})).await.assert_status(200);
    let received = filtered.wait_for(2).await;
    assert_eq!(received[1].kind(), "news.updated");
    assert_eq!(received[1].json()["data"]["item"]["topic"], "cybercrime");
}

#[actix_web::test]
async fn a_failed_delivery_is_retried_with_the_same_id_and_the_next_event_of_the_item_waits() {
    let app = pushing().await;
    let receiver = Receiver::start();
    receiver.answer(&[500, 503]);
    let hook = subscribe(&app, &receiver, json!({})).await;

    let item = app.news("Retried", Some("2024-01-01T00:00:00Z"), json!({})).await;
    app.patch(&format!("/api/v1/news/{}", item["id"]), &json!({"title": "Retried, then changed"})).await;

    let received = receiver.wait_for(4).await;
    assert!(received[..3].iter().all(|r| r.id == received[0].id && r.kind() == "news.published"), "{received:#?}");
    assert_eq!(received[3].kind(), "news.updated", "the second event waited for the first");
    assert_ne!(received[3].id, received[0].id);

    let log = app.get_authed(&format!("/api/v1/webhooks/{}/deliveries", hook["id"])).await.json();
    let first = log["items"].as_array().unwrap().last().unwrap();
    assert_eq!(first["status"], "succeeded");
    assert_eq!(first["attempt_count"], 3);
    let codes: Vec<&Value> = first["attempts"].as_array().unwrap().iter().map(|a| &a["response_code"]).collect();
    assert_eq!(codes, [&json!(500), &json!(503), &json!(200)]);
    assert_eq!(first["attempts"][0]["response_body"], "answered 500");
    let hook = app.get_authed(&format!("/api/v1/webhooks/{}", hook["id"])).await.json();
    assert_eq!(hook["last_failure"]["response_code"], 503);
    assert!(hook["failing_since"].is_null(), "a success ends the failing");
}

#[actix_web::test]
async fn gone_turns_the_webhook_off_until_an_admin_turns_it_on() {
    let app = pushing().await;
    let receiver = Receiver::start();
    receiver.answer(&[410]);
    let hook = subscribe(&app, &receiver, json!({})).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"]);

    app.news("Gone", Some("2024-01-01T00:00:00Z"), json!({})).await;
    receiver.wait_for(1).await;
    let mut off = json!(null);
    for _ in 0..100 {
        off = app.get_authed(&path).await.json();
        if off["active"] == false {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(off["active"], false);
    assert!(off["disabled_reason"].as_str().unwrap().contains("410"));
    app.post(&format!("{path}/ping"), &json!({})).await.problem(409);

    app.news("While off", Some("2024-01-02T00:00:00Z"), json!({})).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "nothing is sent while off");

    let on = app.patch(&path, &json!({"active": true})).await;
    on.assert_status(200);
    assert!(on.json()["disabled_reason"].is_null());
    app.news("Once on again", Some("2024-01-03T00:00:00Z"), json!({})).await;
    let received = receiver.wait_for(2).await;
    assert_eq!(
        received[1].json()["data"]["item"]["title"],
        "Once on again",
        "what came while off is in the change feed"
    );
}

#[actix_web::test]
async fn a_scheduled_item_fires_when_its_time_comes_with_nobody_asking() {
    let app = pushing().await;
    let receiver = Receiver::start();
    subscribe(&app, &receiver, json!({"events": ["news.published"]})).await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let item = app.news("Comes out soon", Some(&at), json!({})).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.received().is_empty(), "not before its time");

    let received = receiver.wait_for(1).await;
    assert_eq!(received[0].json()["data"]["id"], item["id"]);
    let came = chrono::DateTime::parse_from_rfc3339(received[0].json()["timestamp"].as_str().unwrap()).unwrap();
    assert!(came >= chrono::DateTime::parse_from_rfc3339(&at).unwrap());
}

#[actix_web::test]
async fn ping_redelivery_and_a_rotated_secret() {
    let app = pushing().await;
    let receiver = Receiver::start();
    let hook = subscribe(&app, &receiver, json!({})).await;
    let path = format!("/api/v1/webhooks/{}", hook["id"]);

    let ping = app.post(&format!("{path}/ping"), &json!({})).await;
    ping.assert_status(202);
    assert_eq!(ping.json()["type"], "ping");
    let received = receiver.wait_for(1).await;
    assert_eq!(received[0].kind(), "ping");
    assert!(received[0].signed_by(hook["secret"].as_str().unwrap()));

    let again = app.post(&format!("{path}/deliveries/{}/redeliver", ping.json()["id"]), &json!({})).await;
    again.assert_status(202);
    let received = receiver.wait_for(2).await;
    assert_eq!(received[1].id, received[0].id, "a redelivery keeps the webhook-id");
    app.post(&format!("{path}/deliveries/999999/redeliver"), &json!({})).await.problem(404);

    let rotated = app.post(&format!("{path}/rotate-secret"), &json!({})).await;
    rotated.assert_status(200);
    let new_secret = rotated.json()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, hook["secret"].as_str().unwrap());
    assert!(rotated.json()["previous_secret_until"].is_string());
    app.post(&format!("{path}/ping"), &json!({})).await.assert_status(202);
    let received = receiver.wait_for(3).await;
    assert!(received[2].signed_by(&new_secret), "signed by the new secret");
    assert!(received[2].signed_by(hook["secret"].as_str().unwrap()), "and by the one before, for a while");
}

#[actix_web::test]
async fn a_profile_change_is_pushed_as_organization_updated() {
    let app = pushing().await;
    let receiver = Receiver::start();
    subscribe(&app, &receiver, json!({"events": ["organization.updated"]})).await;
    app.patch("/api/v1/organizations/interpol", &json!({"tagline": "Pushed tagline"})).await.assert_status(200);
    let office = json!({"name": "A new office", "kind": "regional_office"});
    app.post("/api/v1/organizations/interpol/offices", &office).await.assert_status(201);
    app.news("Not an organization event", Some("2024-01-01T00:00:00Z"), json!({})).await;

    let received = receiver.wait_for(2).await;
    assert_eq!(kinds(&received), ["organization.updated", "organization.updated"]);
    assert_eq!(received[0].json()["data"]["item"]["tagline"], "Pushed tagline");
    assert_eq!(received[1].json()["data"]["item"]["slug"], "interpol");
}

#[actix_web::test]
async fn private_targets_and_bad_settings_are_refused_naming_the_field() {
    let app = TestApp::demo().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://[fd00:ec2::254]/",
        "ftp://partner.example/hook",
        "https://user:pass@93.184.216.34/hook",
        "not a url",
    ] {
        let res = app.post("/api/v1/webhooks", &json!({"url": url, "events": ["news.published"]})).await;
        res.problem(422);
        assert_eq!(res.error_fields(), ["url"], "{url}");
    }
    let url = "http://93.184.216.34/hook";
    let cases = [
        (json!({"url": url, "events": []}), "events"),
        (
            json!({"url": url, "events": ["news.published"], "filters": {"topic": ["no-such-topic"]}}),
            "filters.topic[0]",
        ),
        (json!({"url": url, "events": ["news.published"], "filters": {"lang": ["xx"]}}), "filters.lang[0]"),
    ];
    for (body, field) in cases {
        let res = app.post("/api/v1/webhooks", &body).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}");
    }
    let res = app.post("/api/v1/webhooks", &json!({"url": url, "events": ["news.exploded"]})).await;
    assert!(matches!(res.status.as_u16(), 400 | 422), "{}", res.status);
    let anonymous = app.get("/api/v1/webhooks").await;
    anonymous.problem(401);
    assert!(app.get_authed("/api/v1/webhooks").await.json()["items"].as_array().unwrap().is_empty(), "nothing stored");
}

#[actix_web::test]
async fn events_wait_for_a_sender_and_go_only_to_the_webhooks_they_were_for() {
    // No sender runs: the events wait in the outbox.
    let app = TestApp::builder().seed(Seed::None).settings(|s| s.webhook_allow_private = true).start().await;
    let (gone, kept) = (Receiver::start(), Receiver::start());
    let first = subscribe(&app, &gone, json!({})).await;
    app.news("For the first webhook", Some("2024-01-01T00:00:00Z"), json!({})).await;
    app.delete(&format!("/api/v1/webhooks/{}", first["id"])).await.assert_status(204);
    // SQLite gives the deleted webhook's id to the next one.
    let second = subscribe(&app, &kept, json!({})).await;
    app.news("For the second webhook", Some("2024-01-01T00:00:00Z"), json!({})).await;
    let metrics = String::from_utf8(app.get("/metrics").await.body.to_vec()).unwrap();
    assert!(metrics.contains("newsdesk_webhook_deliveries_pending 1"), "{metrics}");
    let log = format!("/api/v1/webhooks/{}/deliveries", second["id"]);
    assert!(app.get_authed(&log).await.json()["items"].as_array().unwrap().is_empty());

    let app = app.reopen().seed(Seed::None).pushing(Duration::from_millis(50)).start().await;
    let received = kept.wait_for(1).await;
    assert_eq!(received[0].json()["data"]["item"]["title"], "For the second webhook");
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(kept.received().len(), 1);
    assert!(gone.received().is_empty());
    let log = app.get_authed(&log).await.json();
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
}

#[actix_web::test]
async fn metrics_count_deliveries() {
    let app = pushing().await;
    let receiver = Receiver::start();
    subscribe(&app, &receiver, json!({})).await;
    app.news("Counted", Some("2024-01-01T00:00:00Z"), json!({})).await;
    receiver.wait_for(1).await;
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let metrics = String::from_utf8(app.get("/metrics").await.body.to_vec()).unwrap();
    assert!(metrics.contains("newsdesk_webhook_attempts_total{outcome=\"succeeded\"} 1"), "{metrics}");
    assert!(metrics.contains("newsdesk_webhook_deliveries_pending 0"));
    assert!(metrics.contains("newsdesk_webhook_delivery_lag_seconds_count 1"));
}
