//! The security review's findings (issue 18), each as a client or an operator meets it:
//! credentials that must verify before they spare a request its limits, sign-in throttling
//! that an attacker cannot turn against an account's owner, tokens that end with a password
//! change, secrets that a server will not start without, and client addresses that only
//! trusted proxies may name.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::database::TestDb;
use crate::helpers::{ADMIN, SECRET, TestApp};
use crate::server::{self, Server};

fn sign_in_from(peer: &str, username: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/token")
        .peer_addr(peer.parse().unwrap())
        .set_json(json!({"username": username, "password": password}))
}

#[test]
fn a_junk_authorization_header_is_no_pass_around_the_rate_limit() {
    let db = TestDb::new();
    let server = Server::start(&db.url(), &["--seed", "demo", "--rate-limit", "3"]);
    for _ in 0..3 {
        assert_eq!(server.http("GET", "/api/v1/topics", &[], None).status, 200);
    }
    assert_eq!(server.http("GET", "/api/v1/topics", &[], None).status, 429);
    let junk = [("authorization", "x")];
    let credentials = json!({"username": ADMIN.0, "password": ADMIN.1});
    for (method, path, body) in [
        ("GET", "/feeds/news.json", None),
        ("GET", "/api/v1/news/changes", None),
        ("GET", "/api/v1/topics", None),
        ("POST", "/api/v1/auth/token", Some(&credentials)),
    ] {
        let res = server.http(method, path, &junk, body);
        assert_eq!(res.status, 401, "{method} {path}: {}", String::from_utf8_lossy(&res.body));
        assert!(res.header("www-authenticate").starts_with("Bearer"));
        assert!(!String::from_utf8_lossy(&res.body).contains("access_token"));
    }
    // Credentials that verify are spared the anonymous limit.
    let token = {
        let signed_in = Server::start(&db.url(), &["--seed", "none"]);
        signed_in.http("POST", "/api/v1/auth/token", &[], Some(&credentials)).json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let bearer = format!("Bearer {token}");
    assert_eq!(server.http("GET", "/api/v1/topics", &[("authorization", &bearer)], None).status, 200);
}

#[actix_web::test]
async fn guessing_a_password_slows_the_guesser_not_the_owner() {
    let app = TestApp::empty().await;
    let attacker = "198.51.100.66:5000";
    for _ in 0..4 {
        app.send(sign_in_from(attacker, "admin", "not the password")).await.problem(401);
    }
    // Case and surrounding space do not make a new username to guess with.
    for variant in ["admin", "ADMIN", " Admin "] {
        let res = app.send(sign_in_from(attacker, variant, "still not it")).await;
        res.problem(429);
        let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=2).contains(&retry), "{retry}");
    }
    // The owner, from their own address, is not locked out.
    app.send(sign_in_from("192.0.2.10:4000", "admin", ADMIN.1)).await.assert_status(200);
    // A name no account can have is refused without being counted or kept.
    let long = "a".repeat(100_000);
    app.send(sign_in_from(attacker, &long, "x")).await.problem(401);
}

#[test]
fn concurrent_guesses_are_counted_before_they_are_checked() {
    let db = TestDb::new();
    let server = Server::start(&db.url(), &["--seed", "none"]);
    let wrong = json!({"username": ADMIN.0, "password": "a wrong password"});
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..12)
            .map(|_| scope.spawn(|| server.http("POST", "/api/v1/auth/token", &[], Some(&wrong)).status))
            .collect();
        guesses.into_iter().map(|guess| guess.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!(checked + refused, 12, "{statuses:?}");
    assert!(checked <= 4, "three free failures and the first delayed one at most: {statuses:?}");
}

#[actix_web::test]
async fn a_password_change_a_disable_and_a_sign_out_end_old_tokens() {
    let app = TestApp::empty().await;
    let token = app.user("reporter", "editor").await;
    let id = app.get_authed("/api/v1/users").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "reporter")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let reads_drafts = |token: String| {
        let app = &app;
        async move {
            app.send(
                TestRequest::get().uri("/api/v1/topics").insert_header(("authorization", format!("Bearer {token}"))),
            )
            .await
            .status
            .as_u16()
        }
    };
    assert_eq!(reads_drafts(token.clone()).await, 200);
    app.patch(&format!("/api/v1/users/{id}"), &json!({"password": "a brand new password"})).await.assert_status(200);
    assert_eq!(reads_drafts(token).await, 401, "the token from before the password change");

    let token = app.sign_in("reporter", "a brand new password").await;
    app.patch(&format!("/api/v1/users/{id}"), &json!({"disabled": true})).await.assert_status(200);
    app.patch(&format!("/api/v1/users/{id}"), &json!({"disabled": false})).await.assert_status(200);
    assert_eq!(reads_drafts(token).await, 401, "re-enabling does not revive old tokens");

    let token = app.sign_in("reporter", "a brand new password").await;
    let logout =
        TestRequest::post().uri("/api/v1/auth/logout").insert_header(("authorization", format!("Bearer {token}")));
    app.send(logout).await.assert_status(204);
    assert_eq!(reads_drafts(token).await, 401, "signed out everywhere");
    app.send(TestRequest::post().uri("/api/v1/auth/logout")).await.problem(401);
    // The admin's own token, untouched by all this, still works.
    app.get_authed("/api/v1/users").await.assert_status(200);
}

#[test]
fn serve_needs_a_secret_except_for_the_demo_on_sqlite() {
    let dir = tempfile::TempDir::new().unwrap();
    let url = format!("sqlite://{}", dir.path().join("news.db").display());
    let out = server::run(&["serve", "--database-url", &url, "--seed", "none", "--bind", "127.0.0.1:0"], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NEWSDESK_JWT_SECRET"), "{stderr}");

    // Secrets may come from files, which `ps` does not show.
    let secret_file = dir.path().join("jwt-secret");
    let password_file = dir.path().join("admin-password");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    std::fs::write(&password_file, format!("{}\n", ADMIN.1)).unwrap();
    let mut server = Server::spawn_bare(
        &["--database-url", &url, "--seed", "none"],
        &[
            ("NEWSDESK_JWT_SECRET_FILE", secret_file.to_str().unwrap()),
            ("NEWSDESK_ADMIN_USERNAME", ADMIN.0),
            ("NEWSDESK_ADMIN_PASSWORD_FILE", password_file.to_str().unwrap()),
        ],
    );
    server.wait_ready();
    let credentials = json!({"username": ADMIN.0, "password": ADMIN.1});
    let res = server.http("POST", "/api/v1/auth/token", &[], Some(&credentials));
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["newsdesk-api"]);
    let key = jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes()).unwrap();
    let token = res.json()["access_token"].as_str().unwrap().to_owned();
    assert!(
        jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).is_ok(),
        "signed with the secret from the file"
    );
}

#[actix_web::test]
async fn only_trusted_proxies_name_the_client() {
    let request = |peer: &str, forwarded_for: &str| {
        TestRequest::get()
            .uri("/api/v1/topics")
            .peer_addr(peer.parse().unwrap())
            .insert_header(("x-forwarded-for", forwarded_for.to_owned()))
    };
    // Anyone else's X-Forwarded-For is ignored: a new value per request is no new allowance.
    let app = TestApp::builder().rate_limit(1).start().await;
    app.send(request("192.0.2.1:4000", "203.0.113.1")).await.assert_status(200);
    app.send(request("192.0.2.1:4000", "203.0.113.2")).await.problem(429);

    // Behind a trusted proxy, each client it names has its own allowance.
    let app = TestApp::builder().rate_limit(1).trusted_proxies("192.0.2.0/28").start().await;
    app.send(request("192.0.2.1:4000", "203.0.113.1")).await.assert_status(200);
    app.send(request("192.0.2.1:4000", "203.0.113.2")).await.assert_status(200);
    app.send(request("192.0.2.2:4000", "10.9.9.9, 203.0.113.1")).await.problem(429);
}

#[actix_web::test]
async fn ipv6_clients_are_counted_by_their_64() {
    let app = TestApp::builder().rate_limit(1).start().await;
    let from = |peer: &str| TestRequest::get().uri("/api/v1/topics").peer_addr(peer.parse().unwrap());
    app.send(from("[2001:db8:0:1::1]:4000")).await.assert_status(200);
    app.send(from("[2001:db8:0:1:ffff::2]:4000")).await.problem(429);
    app.send(from("[2001:db8:0:2::1]:4000")).await.assert_status(200);
}

#[test]
fn a_body_that_comes_too_slowly_is_cut_off_with_408() {
    use std::io::Write;

    let db = TestDb::new();
    let server = Server::start(&db.url(), &["--seed", "none"]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let head = "POST /api/v1/auth/token HTTP/1.1\r\nhost: newsdesk\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{";
    stream.write_all(head.as_bytes()).unwrap();
    let started = std::time::Instant::now();
    let res = server::Reply::read(&mut stream);
    assert_eq!(res.status, 408, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.header("content-type"), "application/problem+json");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "answered at the deadline, not held open");
}

#[actix_web::test]
async fn metrics_can_require_a_token() {
    let app = TestApp::builder().metrics_token("a scrape token that is long").start().await;
    let scrape = |authorization: Option<&str>| {
        let req = TestRequest::get().uri("/metrics");
        match authorization {
            Some(value) => req.insert_header(("authorization", value.to_owned())),
            None => req,
        }
    };
    app.send(scrape(None)).await.problem(401);
    app.send(scrape(Some("Bearer the wrong token"))).await.problem(401);
    // A user's token is not the scrape token.
    app.send(scrape(Some(&format!("Bearer {}", app.token)))).await.problem(401);
    let res = app.send(scrape(Some("Bearer a scrape token that is long"))).await;
    res.assert_status(200);
    assert!(String::from_utf8_lossy(&res.body).contains("newsdesk_http_requests_total"));
}

#[test]
fn metrics_can_have_a_listener_of_their_own() {
    let db = TestDb::new();
    let metrics_port = server::free_port();
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let server = Server::start(&db.url(), &["--seed", "none", "--metrics-bind", &metrics_bind]);
    assert_eq!(server.http("GET", "/metrics", &[], None).status, 404, "not on the public listener");
    let res = server::http(metrics_port, "GET", "/metrics", &[], None);
    assert_eq!(res.status, 200);
    assert!(String::from_utf8_lossy(&res.body).contains("newsdesk_db_pool_connections"));
    let res = server::http(metrics_port, "GET", "/api/v1/news", &[], None);
    assert_eq!((res.status, res.header("content-type")), (404, "application/problem+json"));
}

#[actix_web::test]
async fn searches_and_archive_counts_have_a_smaller_budget() {
    let app = TestApp::builder().rate_limit(20).start().await;
    let from = |uri: &str| TestRequest::get().uri(uri).peer_addr("192.0.2.9:4000".parse().unwrap());
    for uri in ["/api/v1/news?q=police", "/feeds/news.rss?q=interpol"] {
        let res = app.send(from(uri)).await;
        res.assert_status(200);
        assert_eq!(res.header("ratelimit-policy"), Some(r#""anonymous";q=20;w=60, "search";q=2;w=60"#));
    }
    // Each new search word is a new URL that no kept answer serves: the budget holds anyway.
    for uri in ["/api/v1/news?q=another", "/api/v1/news/archive", "/api/v1/news/archive?granularity=day"] {
        let res = app.send(from(uri)).await;
        res.problem(429);
        assert!(res.header("ratelimit").unwrap().starts_with(r#""search";r=0;"#), "{uri}");
    }
    // Plain reads still have their own, larger budget.
    let res = app.send(from("/api/v1/news?on=2023-06")).await;
    res.assert_status(200);
    assert_eq!(res.header("ratelimit-policy"), Some(r#""anonymous";q=20;w=60"#));
}

#[test]
fn loading_the_demo_data_is_loud() {
    let dir = tempfile::TempDir::new().unwrap();
    let url = format!("sqlite://{}", dir.path().join("news.db").display());
    let mut server = Server::spawn_logged(&["--database-url", &url, "--jwt-secret", SECRET], &[]);
    server.wait_ready();
    let log = server.into_log();
    let warning = log.lines().find(|line| line.contains("DEMO")).unwrap_or_else(|| panic!("no warning in {log}"));
    assert!(warning.contains("WARN") && warning.contains("NEWSDESK_SEED=none"), "{warning}");
}
