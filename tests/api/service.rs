//! Service endpoints, the OpenAPI document, docs, compression and CORS.

use actix_web::test::TestRequest;

use newsdesk::config::Seed;
use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn health_and_ready() {
    let app = TestApp::empty().await;
    for uri in ["/health", "/ready"] {
        let res = app.get(uri).await;
        res.assert_status(200);
        assert_eq!(res.json()["status"], "ok");
        assert_eq!(res.header("cache-control"), Some("no-store"));
    }
}

#[actix_web::test]
async fn the_served_document_is_the_committed_one() {
    let app = TestApp::empty().await;
    let res = app.get("/openapi.json").await;
    res.assert_status(200);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap_or_default();
    assert!(
        committed.as_bytes() == res.body.as_ref(),
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
    let doc = res.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let operation_ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    for id in [
        "list_news",
        "get_news",
        "create_news",
        "update_news",
        "replace_news",
        "delete_news",
        "list_news_archive",
        "list_topics",
        "delete_region",
        "create_author",
        "get_ready",
    ] {
        assert!(operation_ids.contains(&id), "{id} missing from the document");
    }
}

#[actix_web::test]
async fn every_operation_explains_itself_and_creates_link_to_what_they_made() {
    let app = TestApp::empty().await;
    let doc = app.get("/openapi.json").await.json();
    assert!(doc["servers"][0]["url"].is_string() && doc["info"]["contact"]["url"].is_string());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let description = op["description"].as_str().unwrap_or_default();
            assert!(description.len() > 40, "{method} {path} has no description beyond its summary");
        }
    }
    let links = &doc["paths"]["/api/v1/organizations/{slug}/bodies"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["get_body"]["parameters"], json!({"slug": "$request.path.slug", "id": "$response.body#/id"}));
    let links = &doc["paths"]["/api/v1/news"]["post"]["responses"]["201"]["links"];
    let linked: Vec<&String> = links.as_object().unwrap().keys().collect();
    assert_eq!(linked, ["delete_news", "get_news", "replace_news", "update_news"]);
}

#[actix_web::test]
async fn docs_are_served_by_the_service_itself() {
    let app = TestApp::empty().await;
    let res = app.get("/docs").await;
    assert!(res.status.is_redirection());
    assert_eq!(res.header("location"), Some("/docs/"));
    let page = app.get("/docs/").await;
    page.assert_status(200);
    let html = String::from_utf8_lossy(&page.body);
    assert!(!html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere");
    let init = app.get("/docs/swagger-initializer.js").await;
    let script = String::from_utf8_lossy(&init.body);
    assert!(script.contains("/openapi.json"), "{script}");
    app.get("/docs/swagger-ui-bundle.js").await.assert_status(200);
}

#[actix_web::test]
async fn answers_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::demo().await;
    for encoding in ["gzip", "br"] {
        let res = app.send(TestRequest::get().uri("/api/v1/news").insert_header(("accept-encoding", encoding))).await;
        res.assert_status(200);
        assert_eq!(res.header("content-encoding"), Some(encoding));
    }
}

#[actix_web::test]
async fn public_reads_work_from_any_origin() {
    let app = TestApp::demo().await;
    let res =
        app.send(TestRequest::get().uri("/api/v1/news").insert_header(("origin", "https://partner.example"))).await;
    res.assert_status(200);
    assert!(res.header("access-control-allow-origin").is_some());
    let preflight = app
        .send(
            TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri("/api/v1/news/1")
                .insert_header(("origin", "https://partner.example"))
                .insert_header(("access-control-request-method", "PATCH")),
        )
        .await;
    preflight.assert_status(200);
    assert!(preflight.header("access-control-allow-methods").unwrap().contains("PATCH"));
}

#[actix_web::test]
async fn the_demo_is_loaded_once_and_only_into_an_empty_database() {
    let app = TestApp::demo().await;
    app.post("/api/v1/topics", &json!({"name": "Extra"})).await.assert_status(201);
    let app = app.restart(Seed::Demo).await;
    assert_eq!(app.get("/api/v1/news").await.json()["total"], 12, "a restart does not load it again");
    assert_eq!(app.get("/api/v1/topics/extra").await.status, 200);

    let app = TestApp::empty().await;
    app.post("/api/v1/topics", &json!({"name": "Cybercrime"})).await.assert_status(201);
    let app = app.restart(Seed::Demo).await;
    assert_eq!(app.get("/api/v1/news").await.json()["total"], 0, "a database in use is not empty");
}

#[actix_web::test]
async fn every_answer_carries_security_headers() {
    let app = TestApp::demo().await;
    for uri in ["/api/v1/news", "/api/v1/nope", "/feeds/news.rss", "/docs/", "/openapi.json"] {
        let res = app.get(uri).await;
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"), "{uri}");
        assert_eq!(res.header("x-frame-options"), Some("DENY"), "{uri}");
        assert!(res.header("server").is_none(), "{uri}: no server version");
        let policy = res.header("content-security-policy").unwrap();
        if uri.starts_with("/docs") {
            assert!(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"), "{policy}");
        } else {
            assert!(policy.starts_with("default-src 'none'"), "{uri}: {policy}");
        }
    }
}

#[actix_web::test]
async fn anonymous_clients_are_rate_limited() {
    let app = TestApp::builder().rate_limit(3).start().await;
    let from = |addr: &str| TestRequest::get().uri("/api/v1/news").peer_addr(addr.parse().unwrap());
    for remaining in [2, 1, 0] {
        let res = app.send(from("192.0.2.1:4000")).await;
        res.assert_status(200);
        assert_eq!(res.header("ratelimit-policy"), Some(r#""anonymous";q=3;w=60"#));
        assert!(res.header("ratelimit").unwrap().starts_with(&format!(r#""anonymous";r={remaining};t="#)));
    }
    let res = app.send(from("192.0.2.1:4001")).await;
    res.problem(429);
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(res.header("ratelimit"), Some(format!(r#""anonymous";r=0;t={retry}"#).as_str()));
    let login = TestRequest::post()
        .uri("/api/v1/auth/token")
        .peer_addr("192.0.2.1:4002".parse().unwrap())
        .set_json(json!({"username": "admin", "password": "x"}));
    app.send(login).await.problem(429);
    // Another client, health probes and signed-in requests are not held back.
    app.send(from("192.0.2.2:4000")).await.assert_status(200);
    app.send(TestRequest::get().uri("/ready").peer_addr("192.0.2.1:4004".parse().unwrap())).await.assert_status(200);
    app.send(app.authed(from("192.0.2.1:4003"))).await.assert_status(200);
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_report_the_store() {
    let app = TestApp::demo().await;
    app.get("/api/v1/news/1").await.assert_status(200);
    app.get("/api/v1/news/2").await.assert_status(200);
    app.get("/api/v1/news/9999").await.assert_status(404);
    app.get("/no/such/path/42").await.assert_status(404);

    let res = app.get("/metrics").await;
    res.assert_status(200);
    assert!(res.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(res.body.to_vec()).unwrap();
    let value = |series: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("no {series} in\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    let route = r#"method="GET",route="/api/v1/news/{id}""#;
    assert_eq!(value(&format!(r#"newsdesk_http_requests_total{{{route},status="200"}}"#)), 2.0);
    assert_eq!(value(&format!(r#"newsdesk_http_requests_total{{{route},status="404"}}"#)), 1.0);
    assert_eq!(value(r#"newsdesk_http_requests_total{method="GET",route="unmatched",status="404"}"#), 1.0);
    assert_eq!(value(&format!(r#"newsdesk_http_request_duration_seconds_count{{{route}}}"#)), 3.0);
    assert!(!text.contains("/no/such/path"), "unmatched paths are not labels");
    assert_eq!(value("newsdesk_db_pool_max_connections"), 8.0);
    assert!(value("newsdesk_db_pool_connections") >= 1.0);
    assert!(value("newsdesk_database_size_bytes") > 4096.0);
}

/// The parameters an operation documents are the ones it reads: each is accepted by name,
/// and one it does not document is refused by name.
#[actix_web::test]
async fn every_documented_query_parameter_is_read_and_no_other() {
    let app = TestApp::demo().await;
    let doc: serde_json::Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        if path.contains('{') {
            continue;
        }
        let params: Vec<&str> = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for name in &params {
            let res = app.get_authed(&format!("{path}?{name}=x")).await;
            let body = String::from_utf8_lossy(&res.body);
            assert!(!body.contains("is not a parameter"), "{path}: documented `{name}` refused: {body}");
            checked += 1;
        }
        let res = app.get_authed(&format!("{path}?undocumented=x")).await;
        if !params.is_empty() || res.status.as_u16() == 400 {
            assert_eq!(res.problem(400)["errors"][0]["field"], "undocumented", "{path}");
        }
    }
    assert!(checked >= 20, "only {checked} parameters checked");
}
