//! Requests that are wrong before any rule of a resource applies: bodies, media types,
//! sizes, routes and methods. Every answer is problem+json and nothing stored changes.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::TestApp;

/// A signed-in POST of raw bytes.
fn post_raw(
    app: &TestApp,
    uri: &str,
    content_type: Option<&str>,
    body: impl Into<actix_web::web::Bytes>,
) -> TestRequest {
    let req = app.authed(TestRequest::post().uri(uri).set_payload(body.into()));
    match content_type {
        Some(ct) => req.insert_header(("content-type", ct)),
        None => req,
    }
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = TestApp::demo().await;
    for body in ["{", "{\"title\": \"x\",}", "{'title': 'x'}", "{\"title\": \"x\"} {}", "", "   ", "nul"] {
        let res = app.send(post_raw(&app, "/api/v1/news", Some("application/json"), body)).await;
        res.problem(400);
    }
    // Nesting deeper than the parser's limit is refused as unreadable.
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    app.send(post_raw(&app, "/api/v1/news", Some("application/json"), deep)).await.problem(400);
    let deep_field = format!("{{\"title\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    app.send(post_raw(&app, "/api/v1/news", Some("application/json"), deep_field)).await.problem(400);
    for (body, field) in
        [(r#"[]"#, "(body)"), (r#"{"title": "x", "tags": null}"#, "tags"), (r#"{"title": "x", "status": 5}"#, "status")]
    {
        let res = app.send(post_raw(&app, "/api/v1/news", Some("application/json"), body)).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}");
    }
    assert_eq!(app.get("/api/v1/news").await.json()["total"], 12);
}

#[actix_web::test]
async fn well_formed_json_of_the_wrong_shape_is_422_naming_the_field() {
    let app = TestApp::empty().await;
    for (body, field) in [
        (json!([]), "(body)"),
        (json!("title"), "(body)"),
        (json!({"title": 5}), "title"),
        (json!({"title": "x", "tags": ["a", 7]}), "tags[1]"),
        (json!({"title": "x", "tags": vec!["t"; 21]}), "tags"),
        (json!({"title": "x", "tags": ["t".repeat(51)]}), "tags[0]"),
        (json!({"title": "x", "author_id": "one"}), "author_id"),
        (json!({"title": "x", "author_id": 1e40}), "author_id"),
        (json!({"title": "x", "published_at": "2023-06-09"}), "published_at"),
        (json!({"title": "x", "published_at": 1686268800}), "published_at"),
        (json!({"title": "x".repeat(301)}), "title"),
        (json!({"title": "tab\there"}), "title"),
        (json!({"title": "x", "status": "PUBLISHED"}), "status"),
    ] {
        let res = app.post("/api/v1/news", &body).await;
        let problem = res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}: {problem}");
    }
    assert_eq!(app.get("/api/v1/news?status=draft").await.json()["total"], 0);
}

#[actix_web::test]
async fn bodies_that_are_not_json_are_415() {
    let app = TestApp::empty().await;
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("application/xml")] {
        let res = app.send(post_raw(&app, "/api/v1/news", content_type, "{\"title\": \"x\"}")).await;
        res.problem(415);
    }
    let res =
        app.send(post_raw(&app, "/api/v1/news", Some("application/json; charset=utf-8"), "{\"title\": \"x\"}")).await;
    res.assert_status(201);
    let res =
        app.send(post_raw(&app, "/api/v1/topics", Some("application/merge-patch+json"), "{\"name\": \"x\"}")).await;
    res.assert_status(201);
}

#[actix_web::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = TestApp::demo().await;
    let huge = json!({"title": "big", "body": "x".repeat(1024 * 1024)}).to_string();
    app.send(post_raw(&app, "/api/v1/news", Some("application/json"), huge.clone())).await.problem(413);
    let res = app
        .send(
            app.authed(
                TestRequest::patch()
                    .uri("/api/v1/news/1")
                    .insert_header(("content-type", "application/json"))
                    .set_payload(huge),
            ),
        )
        .await;
    res.problem(413);
    assert_eq!(
        app.get("/api/v1/news/1").await.json()["title"],
        "Global operation identifies 1,426 potential victims of human trafficking"
    );
}

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let app = TestApp::demo().await;
    for uri in [
        "/",
        "/api/v1/nope",
        "/api/v2/news",
        "/api/v1/news/1/extra",
        "/api/v1/news/no-such-slug",
        "/api/v1/news/99999999999999999999999",
    ] {
        app.get(uri).await.problem(404);
    }
    let res = app.send(TestRequest::post().uri("/api/v1/news/1").set_json(json!({}))).await;
    res.problem(405);
    assert_eq!(res.header("allow"), Some("DELETE, GET, HEAD, PATCH, PUT"));
    let res = app.send(TestRequest::delete().uri("/api/v1/news")).await;
    res.problem(405);
    assert_eq!(res.header("allow"), Some("GET, HEAD, POST"));
    app.send(TestRequest::put().uri("/health")).await.problem(405);
    // `/news/archive` is its own resource: only GET (and HEAD), whatever `/news/{id}` allows.
    for req in [
        TestRequest::delete(),
        TestRequest::patch().set_json(json!({})),
        TestRequest::default().method(actix_web::http::Method::OPTIONS),
    ] {
        let res = app.send(app.authed(req.uri("/api/v1/news/archive"))).await;
        res.problem(405);
        assert_eq!(res.header("allow"), Some("GET, HEAD"));
    }
}
