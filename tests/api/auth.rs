//! Sign-in, tokens and roles: every write needs a valid token of a role that may do it.

use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use newsdesk::app::Service;
use newsdesk::config::{Seed, Settings};
use serde_json::{Value, json};

use crate::helpers::{ADMIN, SECRET, TestApp};

/// Claims as the service issues them for user 1 (the admin), valid now.
fn claims() -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": "1", "role": "admin", "gen": 0, "iss": "newsdesk", "aud": "newsdesk-api", "iat": now, "nbf": now, "exp": now + 600})
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes()).unwrap())
        .unwrap()
}

fn bearer(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("authorization", format!("Bearer {token}")))
}

async fn create_topic_with(app: &TestApp, authorization: Option<&str>) -> crate::helpers::TestResponse {
    let req = TestRequest::post().uri("/api/v1/topics").set_json(json!({"name": "Probe"}));
    let req = match authorization {
        Some(value) => req.insert_header(("authorization", value)),
        None => req,
    };
    app.send(req).await
}

#[actix_web::test]
async fn sign_in_gives_a_bearer_token() {
    let app = TestApp::empty().await;
    let res = app
        .send(
            TestRequest::post().uri("/api/v1/auth/token").set_json(json!({"username": " Admin ", "password": ADMIN.1})),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();
    create_topic_with(&app, Some(&format!("Bearer {token}"))).await.assert_status(201);
    create_topic_with(&app, Some(&format!("bearer {token}"))).await.problem(409);
}

#[actix_web::test]
async fn wrong_credentials_get_one_answer() {
    let app = TestApp::empty().await;
    let mut details = Vec::new();
    for (username, password) in [("admin", "wrong password!"), ("nobody", ADMIN.1), ("", "")] {
        let res = app
            .send(
                TestRequest::post()
                    .uri("/api/v1/auth/token")
                    .set_json(json!({"username": username, "password": password})),
            )
            .await;
        let problem = res.problem(401);
        assert!(res.header("www-authenticate").unwrap().starts_with("Bearer"));
        details.push(problem["detail"].clone());
    }
    assert!(details.windows(2).all(|w| w[0] == w[1]), "{details:?}");
    let res = app.send(TestRequest::post().uri("/api/v1/auth/token").set_json(json!({"username": "admin"}))).await;
    assert_eq!(res.error_fields(), ["password"]);
}

#[actix_web::test]
async fn every_write_needs_a_token() {
    let app = TestApp::demo().await;
    let writes = [
        TestRequest::post().uri("/api/v1/news").set_json(json!({"title": "x"})),
        TestRequest::put().uri("/api/v1/news/1").set_json(json!({"title": "x"})),
        TestRequest::patch().uri("/api/v1/news/1").set_json(json!({"title": "x"})),
        TestRequest::delete().uri("/api/v1/news/1"),
        TestRequest::post().uri("/api/v1/topics").set_json(json!({"name": "x"})),
        TestRequest::patch().uri("/api/v1/topics/terrorism").set_json(json!({"name": "x"})),
        TestRequest::delete().uri("/api/v1/regions/africa"),
        TestRequest::put().uri("/api/v1/authors/1").set_json(json!({"name": "x"})),
        TestRequest::delete().uri("/api/v1/authors/1"),
        TestRequest::get().uri("/api/v1/users"),
        TestRequest::post().uri("/api/v1/users").set_json(json!({"username": "x", "password": "long enough pw"})),
        TestRequest::patch().uri("/api/v1/users/1").set_json(json!({"disabled": true})),
    ];
    for req in writes {
        let res = app.send(req).await;
        res.problem(401);
        assert_eq!(res.header("www-authenticate"), Some(r#"Bearer realm="newsdesk""#));
    }
    assert_eq!(app.get("/api/v1/news/1").await.json()["id"], 1, "nothing changed");
    assert_eq!(app.get("/api/v1/news").await.json()["total"], 12);
}

#[actix_web::test]
async fn bad_tokens_are_refused() {
    let app = TestApp::empty().await;
    let now = chrono::Utc::now().timestamp();
    let with = |changes: Value| {
        let mut c = claims();
        c.as_object_mut().unwrap().extend(changes.as_object().unwrap().clone());
        sign(&c, SECRET)
    };
    let valid = sign(&claims(), SECRET);
    create_topic_with(&app, Some(&format!("Bearer {valid}"))).await.assert_status(201);

    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    let alg_none = format!("{header}.{payload}.");
    let (head, rest) = valid.split_once('.').unwrap();
    let signature = rest.split_once('.').unwrap().1;
    let mut promoted = claims();
    promoted["sub"] = json!("2");
    let edited = format!("{head}.{}.{signature}", URL_SAFE_NO_PAD.encode(promoted.to_string()));
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(),
        &EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
    )
    .unwrap();

    let mut missing_exp = claims();
    missing_exp.as_object_mut().unwrap().remove("exp");
    for (case, token) in [
        ("garbage", "garbage".to_owned()),
        ("alg none", alg_none),
        ("wrong signature", sign(&claims(), "another secret that is long enough!!")),
        ("another algorithm", hs512),
        ("edited claims", edited),
        ("expired", with(json!({"exp": now - 120, "iat": now - 720, "nbf": now - 720}))),
        ("not yet valid", with(json!({"nbf": now + 600, "exp": now + 1200}))),
        ("issued in the future", with(json!({"iat": now + 600}))),
        ("wrong audience", with(json!({"aud": "someone-else"}))),
        ("wrong issuer", with(json!({"iss": "evil"}))),
        ("no exp", sign(&missing_exp, SECRET)),
        ("unknown user", with(json!({"sub": "999"}))),
        ("role not the user's", with(json!({"role": "editor"}))),
        ("an earlier generation", with(json!({"gen": -1}))),
        ("no generation", {
            let mut c = claims();
            c.as_object_mut().unwrap().remove("gen");
            sign(&c, SECRET)
        }),
    ] {
        let res = create_topic_with(&app, Some(&format!("Bearer {token}"))).await;
        res.problem(401);
        assert_eq!(res.header("www-authenticate"), Some(r#"Bearer realm="newsdesk", error="invalid_token""#), "{case}");
        // A bad token is refused on reads too, rather than silently read as anonymous.
        app.send(bearer(TestRequest::get().uri("/api/v1/news"), &token)).await.problem(401);
    }
    for header in ["Basic YWRtaW46cGFzcw==", "Bearer", "Bearer ", "Token abc"] {
        create_topic_with(&app, Some(header)).await.problem(401);
    }
}

#[actix_web::test]
async fn editors_write_content_but_not_users() {
    let app = TestApp::empty().await;
    app.post("/api/v1/users", &json!({"username": "ed", "password": "editor password", "role": "editor"}))
        .await
        .assert_status(201);
    let editor = app.sign_in("ed", "editor password").await;
    let req = TestRequest::post().uri("/api/v1/news").set_json(json!({"title": "By an editor"}));
    app.send(bearer(req, &editor)).await.assert_status(201);
    for req in [
        TestRequest::get().uri("/api/v1/users"),
        TestRequest::get().uri("/api/v1/users/1"),
        TestRequest::post().uri("/api/v1/users").set_json(json!({"username": "x", "password": "long enough pw"})),
        TestRequest::patch().uri("/api/v1/users/1").set_json(json!({"role": "editor"})),
    ] {
        app.send(bearer(req, &editor)).await.problem(403);
    }
}

#[actix_web::test]
async fn signed_in_readers_see_drafts_and_scheduled_items_privately() {
    let app = TestApp::empty().await;
    let draft = app.news("Draft", None, json!({})).await;
    app.news("Scheduled", Some("2999-01-01T00:00:00Z"), json!({})).await;
    assert_eq!(app.get("/api/v1/news").await.json()["total"], 0);
    let res = app.get_authed("/api/v1/news").await;
    assert_eq!(res.json()["total"], 2);
    assert_eq!(res.header("cache-control"), Some("private, no-cache"));
    let one = app.get_authed(&format!("/api/v1/news/{}", draft["id"])).await;
    one.assert_status(200);
    assert_eq!(one.json()["status"], "draft");
    assert_eq!(app.get_authed("/api/v1/news?status=draft").await.json()["total"], 1);
    assert_eq!(app.get_authed("/api/v1/news/archive").await.json()["periods"][0]["period"], "2999-01");
}

#[actix_web::test]
async fn admins_manage_users() {
    let app = TestApp::empty().await;
    let res = app.post("/api/v1/users", &json!({"username": "Alice", "password": "first password"})).await;
    res.assert_status(201);
    let alice = res.json();
    assert_eq!(alice["username"], "alice");
    assert_eq!(alice["role"], "editor");
    assert_eq!(alice["disabled"], false);
    assert!(!res.body.windows(8).any(|w| w == b"password"), "no password or hash in the answer");
    let uri = format!("/api/v1/users/{}", alice["id"]);
    assert_eq!(app.get_authed(&uri).await.json(), alice);
    let listed = app.get_authed("/api/v1/users").await;
    assert_eq!(listed.json()["items"].as_array().unwrap().len(), 2);
    assert!(!listed.body.windows(4).any(|w| w == b"hash"));

    app.post("/api/v1/users", &json!({"username": "ALICE", "password": "another password"})).await.problem(409);
    for (body, field) in [
        (json!({"username": "bob", "password": "short"}), "password"),
        (json!({"username": "bob smith", "password": "long enough pw"}), "username"),
        (json!({"username": "bob", "password": "long enough pw", "role": "owner"}), "role"),
        (json!({"username": "bob"}), "password"),
    ] {
        let res = app.post("/api/v1/users", &body).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}");
    }

    let token = app.sign_in("alice", "first password").await;
    app.patch(&uri, &json!({"role": "admin"})).await.assert_status(200);
    let stale_role = TestRequest::post().uri("/api/v1/topics").set_json(json!({"name": "x"}));
    app.send(bearer(stale_role, &token)).await.problem(401);
    app.patch(&uri, &json!({"password": "second password"})).await.assert_status(200);
    let res = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .set_json(json!({"username": "alice", "password": "first password"})),
        )
        .await;
    res.problem(401);
    let token = app.sign_in("alice", "second password").await;
    app.send(bearer(TestRequest::get().uri("/api/v1/users"), &token)).await.assert_status(200);

    let res = app.patch(&uri, &json!({"disabled": true})).await;
    assert_eq!(res.json()["disabled"], true);
    app.send(bearer(TestRequest::get().uri("/api/v1/users"), &token)).await.problem(401);
    let res = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .set_json(json!({"username": "alice", "password": "second password"})),
        )
        .await;
    res.problem(401);
    app.patch(&uri, &json!({"disabled": null})).await.problem(422);
    app.patch("/api/v1/users/999", &json!({"disabled": true})).await.problem(404);
}

#[actix_web::test]
async fn the_last_admin_cannot_be_disabled_or_demoted() {
    let app = TestApp::empty().await;
    app.patch("/api/v1/users/1", &json!({"disabled": true})).await.problem(409);
    app.patch("/api/v1/users/1", &json!({"role": "editor"})).await.problem(409);
    app.get_authed("/api/v1/users").await.assert_status(200);
}

#[actix_web::test]
async fn short_secrets_refuse_to_start() {
    let dir = tempfile::TempDir::new().unwrap();
    let settings = Settings {
        database_url: format!("sqlite://{}", dir.path().join("db").display()),
        seed: Seed::None,
        jwt_secret: Some("only 31 bytes long, not enough".into()),
        ..Settings::default()
    };
    let err = Service::start(&settings).await.err().expect("refused");
    assert!(err.to_string().contains("32 bytes"), "{err}");
}

#[actix_web::test]
async fn users_can_be_managed_from_the_command_line() {
    let app = TestApp::empty().await;
    let db = app.database_url();
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(args)
            .args(["--database-url", &db])
            .env_remove("NEWSDESK_PASSWORD")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["user", "add", "carol", "--role", "admin"], "carol's password\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = app.sign_in("carol", "carol's password").await;
    app.send(bearer(TestRequest::get().uri("/api/v1/users"), &token)).await.assert_status(200);

    assert!(run(&["user", "set-role", "carol", "editor"], "").status.success());
    app.send(bearer(TestRequest::get().uri("/api/v1/users"), &token)).await.problem(401);
    assert!(run(&["user", "disable", "carol"], "").status.success());
    let res = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/token")
                .set_json(json!({"username": "carol", "password": "carol's password"})),
        )
        .await;
    res.problem(401);

    let out = run(&["user", "add", "dave"], "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    assert!(!run(&["user", "disable", "nobody"], "").status.success());
}
