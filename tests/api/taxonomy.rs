//! `/api/v1/topics` and `/api/v1/regions`.

use serde_json::json;

use crate::helpers::{PUBLIC_URL, TestApp};

#[actix_web::test]
async fn topics_crud() {
    let app = TestApp::empty().await;
    let res = app.post("/api/v1/topics", &json!({"name": "Human trafficking", "description": "People"})).await;
    res.assert_status(201);
    let topic = res.json();
    assert_eq!(topic["slug"], "human-trafficking");
    assert_eq!(res.header("location"), Some(format!("{PUBLIC_URL}/api/v1/topics/human-trafficking").as_str()));
    assert_eq!(app.get("/api/v1/topics/human-trafficking").await.json(), topic);
    assert_eq!(app.get(&format!("/api/v1/topics/{}", topic["id"])).await.json(), topic);
    assert_eq!(app.get("/api/v1/topics").await.json()["items"], json!([topic]));

    let patched = app.patch("/api/v1/topics/human-trafficking", &json!({"description": "Changed"})).await.json();
    assert_eq!(
        (patched["name"].as_str(), patched["description"].as_str()),
        (Some("Human trafficking"), Some("Changed"))
    );
    let replaced =
        app.put("/api/v1/topics/human-trafficking", &json!({"name": "Trafficking", "slug": "trafficking"})).await;
    assert_eq!(replaced.json()["description"], "");
    app.get("/api/v1/topics/human-trafficking").await.problem(404);
    app.delete("/api/v1/topics/trafficking").await.assert_status(204);
    app.get("/api/v1/topics/trafficking").await.problem(404);
    assert_eq!(app.get("/api/v1/topics").await.json()["items"], json!([]));
}

#[actix_web::test]
async fn regions_are_separate_from_topics() {
    let app = TestApp::empty().await;
    app.post("/api/v1/topics", &json!({"name": "Africa"})).await.assert_status(201);
    app.post("/api/v1/regions", &json!({"name": "Africa"})).await.assert_status(201);
    app.post("/api/v1/regions", &json!({"name": "Africa"})).await.problem(409);
    app.post("/api/v1/regions", &json!({"name": "Other", "slug": "africa"})).await.problem(409);
    assert_eq!(app.get("/api/v1/regions").await.json()["items"].as_array().unwrap().len(), 1);
    app.patch("/api/v1/regions/africa", &json!({"name": "Africa and islands"})).await.assert_status(200);
    assert_eq!(app.get("/api/v1/topics/africa").await.json()["name"], "Africa");
}

#[actix_web::test]
async fn terms_in_use_cannot_be_deleted() {
    let app = TestApp::demo().await;
    let res = app.delete("/api/v1/topics/terrorism").await;
    assert!(res.problem(409)["detail"].as_str().unwrap().contains("terrorism"));
    app.delete("/api/v1/regions/africa").await.problem(409);
    app.get("/api/v1/topics/terrorism").await.assert_status(200);
    assert_eq!(app.get("/api/v1/news?topic=terrorism").await.json()["total"], 1);
}

#[actix_web::test]
async fn bad_terms_are_refused() {
    let app = TestApp::empty().await;
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "ok", "slug": "Bad Slug"}), "slug"),
        (json!({"name": "ok", "slug": "123"}), "slug"),
        (json!({"name": 7}), "name"),
        (json!({"name": "ok", "colour": "red"}), "colour"),
    ] {
        let res = app.post("/api/v1/topics", &body).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}");
    }
    assert_eq!(app.get("/api/v1/topics").await.json()["items"], json!([]));
}
