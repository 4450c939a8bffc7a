//! Partner keys: made by admins and shown once, stored as a hash, sent as bearer tokens with
//! the rights of their scopes, each at its own quota, revoked or rotated at once.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse};

/// Makes a key with these settings; returns the answer (with the whole key).
async fn make(app: &TestApp, body: Value) -> Value {
    let res = app.post("/api/v1/keys", &body).await;
    res.assert_status(201);
    res.json()
}

async fn with_key(app: &TestApp, key: &str, req: TestRequest) -> TestResponse {
    app.send(req.insert_header(("authorization", format!("Bearer {key}")))).await
}

async fn get(app: &TestApp, key: &str, uri: &str) -> TestResponse {
    with_key(app, key, TestRequest::get().uri(uri)).await
}

#[actix_web::test]
async fn a_key_is_shown_once_and_stored_as_a_hash() {
    let app = TestApp::demo().await;
    let made = make(&app, json!({"name": "Partner site", "scopes": ["read"]})).await;
    let key = made["key"].as_str().unwrap();
    let prefix = made["prefix"].as_str().unwrap();
    assert!(key.starts_with(&format!("{prefix}_")) && prefix.starts_with("nd_"), "{made}");
    assert_eq!((made["scopes"].clone(), made["rate_limit"].clone()), (json!(["read"]), json!(6000)));

    let uri = format!("/api/v1/keys/{}", made["id"]);
    let shown = app.get_authed(&uri).await.json();
    assert!(shown.get("key").is_none(), "never shown again: {shown}");
    assert_eq!(app.get_authed("/api/v1/keys").await.json()["items"][0]["prefix"], prefix);
    let stored = app.db.column("SELECT secret_hash AS value FROM api_keys");
    assert!(!stored.contains(key) && !stored.contains(&key[prefix.len() + 1..]), "only a hash: {stored}");

    // Admins only; a key cannot manage keys.
    app.get("/api/v1/keys").await.assert_status(401);
    get(&app, key, "/api/v1/keys").await.assert_status(403);
}

#[actix_web::test]
async fn scopes_decide_what_a_key_reads_and_writes() {
    let app = TestApp::demo().await;
    app.news("A draft", None, json!({})).await;
    let read = make(&app, json!({"name": "Reader", "scopes": ["read"]})).await["key"].as_str().unwrap().to_owned();
    let preview =
        make(&app, json!({"name": "Preview", "scopes": ["preview"]})).await["key"].as_str().unwrap().to_owned();
    let write = make(&app, json!({"name": "Writer", "scopes": ["write"]})).await;
    let (write, writer_prefix) =
        (write["key"].as_str().unwrap().to_owned(), write["prefix"].as_str().unwrap().to_owned());

    let anonymous = app.get("/api/v1/news?limit=100").await.json()["total"].clone();
    assert_ne!(anonymous, json!(0));
    let everything = app.get_authed("/api/v1/news?limit=100&status=draft,published").await.json()["total"].clone();
    let res = get(&app, &read, "/api/v1/news?limit=100").await;
    assert_eq!(res.json()["total"], anonymous, "read: what anonymous readers see");
    assert!(res.header("cache-control").unwrap().starts_with("public"), "shared with anonymous readers");
    let res = get(&app, &preview, "/api/v1/news?limit=100&status=draft,published").await;
    assert_eq!(res.json()["total"], everything, "preview: drafts too");
    assert!(res.header("cache-control").unwrap().contains("private"), "never kept for others");

    let item = json!({"title": "From a partner", "body": "Words."});
    let post = |key: &str| {
        TestRequest::post()
            .uri("/api/v1/news")
            .set_json(&item)
            .insert_header(("authorization", format!("Bearer {key}")))
    };
    app.send(post(&read)).await.assert_status(403);
    app.send(post(&preview)).await.assert_status(403);
    let res = app.send(post(&write)).await;
    res.assert_status(201);
    let id = res.json()["id"].to_string();
    let entry = &app.get_authed("/api/v1/audit?action=news.create").await.json()["items"][0];
    assert_eq!(
        (entry["actor"].as_str(), entry["resource_id"].as_str()),
        (Some(writer_prefix.as_str()), Some(id.as_str()))
    );
    let topic = TestRequest::post().uri("/api/v1/topics").set_json(json!({"name": "Not for keys"}));
    with_key(&app, &write, topic).await.assert_status(403);
}

#[actix_web::test]
async fn each_key_has_its_own_quota_even_with_the_anonymous_limit_off() {
    let app = TestApp::demo().await;
    let small = make(&app, json!({"name": "Small", "scopes": ["read"], "rate_limit": 3})).await;
    let small = small["key"].as_str().unwrap();
    let other = make(&app, json!({"name": "Other", "scopes": ["read"], "rate_limit": 3})).await;
    let other = other["key"].as_str().unwrap();
    for n in 0..3 {
        let res = get(&app, small, "/api/v1/topics").await;
        res.assert_status(200);
        assert_eq!(res.header("ratelimit-policy"), Some("\"key\";q=3;w=60"));
        assert!(
            res.header("ratelimit").unwrap().starts_with(&format!("\"key\";r={}", 2 - n)),
            "{:?}",
            res.header("ratelimit")
        );
    }
    let res = get(&app, small, "/api/v1/topics").await;
    res.problem(429);
    assert!(res.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    get(&app, other, "/api/v1/topics").await.assert_status(200);
    app.get("/api/v1/topics").await.assert_status(200);

    let metrics = String::from_utf8(app.get("/metrics").await.body.to_vec()).unwrap();
    let prefix = &small[..11];
    assert!(
        metrics.contains(&format!("newsdesk_key_requests_total{{key=\"{prefix}\",status=\"429\"}} 1")),
        "{metrics}"
    );
}

#[actix_web::test]
async fn revoked_expired_and_rotated_keys_are_refused_at_once() {
    let app = TestApp::demo().await;
    let made = make(&app, json!({"name": "Rotating", "scopes": ["read"]})).await;
    let (id, first) = (made["id"].clone(), made["key"].as_str().unwrap().to_owned());
    get(&app, &first, "/api/v1/topics").await.assert_status(200);

    let res = app.post(&format!("/api/v1/keys/{id}/rotate"), &json!({})).await;
    res.assert_status(200);
    let second = res.json()["key"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    get(&app, &second, "/api/v1/topics").await.assert_status(200);
    get(&app, &first, "/api/v1/topics").await.assert_status(200);
    let res = app.post(&format!("/api/v1/keys/{id}/rotate?grace_seconds=0"), &json!({})).await;
    let third = res.json()["key"].as_str().unwrap().to_owned();
    get(&app, &second, "/api/v1/topics").await.assert_status(401);
    get(&app, &first, "/api/v1/topics").await.assert_status(401);
    get(&app, &third, "/api/v1/topics").await.assert_status(200);

    app.delete(&format!("/api/v1/keys/{id}")).await.assert_status(204);
    let res = get(&app, &third, "/api/v1/topics").await;
    assert_eq!(res.problem(401)["status"], 401);
    get(&app, "nd_0000abcd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/api/v1/topics").await.assert_status(401);

    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let brief = make(&app, json!({"name": "Brief", "scopes": ["read"], "expires_at": soon})).await;
    let brief = brief["key"].as_str().unwrap();
    get(&app, brief, "/api/v1/topics").await.assert_status(200);
    std::thread::sleep(std::time::Duration::from_millis(1600));
    get(&app, brief, "/api/v1/topics").await.assert_status(401);
}

#[actix_web::test]
async fn last_use_is_written_in_batches_not_per_request() {
    let app = TestApp::demo().await;
    let made = make(&app, json!({"name": "Busy", "scopes": ["read"]})).await;
    let key = made["key"].as_str().unwrap();
    let uri = format!("/api/v1/keys/{}", made["id"]);
    assert_eq!(app.get_authed(&uri).await.json()["last_used_at"], Value::Null);
    for _ in 0..5 {
        get(&app, key, "/api/v1/topics").await.assert_status(200);
    }
    assert!(app.get_authed(&uri).await.json()["last_used_at"].is_string(), "known at once");
    assert_eq!(
        app.db.column("SELECT CAST(last_used_at AS TEXT) AS value FROM api_keys"),
        "NULL",
        "no write per request"
    );
    app.service.record_key_uses_now().await;
    assert_ne!(app.db.column("SELECT CAST(last_used_at AS TEXT) AS value FROM api_keys"), "NULL");
    let entry = &app.get_authed("/api/v1/audit?action=key.use").await.json()["items"][0];
    assert_eq!(entry["resource_id"], made["id"].to_string().as_str());
}

#[actix_web::test]
async fn bad_key_settings_are_refused_by_name() {
    let app = TestApp::demo().await;
    for (body, field) in [
        (json!({"name": "", "scopes": ["read"]}), "name"),
        (json!({"name": "x", "scopes": []}), "scopes"),
        (json!({"name": "x", "scopes": ["read"], "rate_limit": 0}), "rate_limit"),
        (json!({"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}), "expires_at"),
    ] {
        let res = app.post("/api/v1/keys", &body).await;
        assert_eq!(res.problem(422)["errors"][0]["field"], field, "{body}");
    }
    let res = app.post("/api/v1/keys", &json!({"name": "x", "scopes": ["admin"]})).await;
    assert!(res.status.is_client_error(), "{}", res.status);
    let made = make(&app, json!({"name": "Kept", "scopes": ["read"]})).await;
    let res = app.patch(&format!("/api/v1/keys/{}", made["id"]), &json!({"rate_limit": -1})).await;
    assert!(res.status.is_client_error());
    let res = app.post(&format!("/api/v1/keys/{}/rotate?grace_seconds=forever", made["id"]), &json!({})).await;
    assert_eq!(res.problem(400)["errors"][0]["field"], "grace_seconds");
    app.get_authed("/api/v1/keys/999").await.assert_status(404);
    assert_eq!(app.get_authed(&format!("/api/v1/keys/{}", made["id"])).await.json()["name"], "Kept");
}
