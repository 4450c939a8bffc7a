//! `/api/v1/authors`.

use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn authors_crud() {
    let app = TestApp::empty().await;
    let res = app.post("/api/v1/authors", &json!({"name": "Ada Reporter", "title": "Correspondent"})).await;
    res.assert_status(201);
    let author = res.json();
    let uri = format!("/api/v1/authors/{}", author["id"]);
    assert_eq!(res.header("location").unwrap(), format!("http://newsdesk.test{uri}"));
    assert_eq!(author["bio"], "");
    assert_eq!(app.get(&uri).await.json(), author);
    let patched = app.patch(&uri, &json!({"bio": "Writes about *crime*."})).await.json();
    assert_eq!(patched["title"], "Correspondent");
    assert_eq!(patched["bio"], "Writes about *crime*.");
    let replaced = app.put(&uri, &json!({"name": "Ada R."})).await.json();
    assert_eq!((replaced["title"].as_str(), replaced["bio"].as_str()), (Some(""), Some("")));
    assert_eq!(app.get("/api/v1/authors").await.json()["items"], json!([replaced]));
    app.delete(&uri).await.assert_status(204);
    app.get(&uri).await.problem(404);
    app.get("/api/v1/authors/robert").await.problem(404);
}

#[actix_web::test]
async fn an_author_with_news_cannot_be_deleted() {
    let app = TestApp::demo().await;
    app.delete("/api/v1/authors/1").await.problem(409);
    assert_eq!(app.get("/api/v1/authors/1").await.json()["name"], "Robert Williams");
}

#[actix_web::test]
async fn bad_authors_are_refused() {
    let app = TestApp::empty().await;
    for (body, field) in [
        (json!({"title": "x"}), "name"),
        (json!({"name": " "}), "name"),
        (json!({"name": "ok", "bio": "x".repeat(5001)}), "bio"),
        (json!({"name": "line\u{0}break"}), "name"),
        (json!({"name": ["a"]}), "name"),
    ] {
        let res = app.post("/api/v1/authors", &body).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}");
    }
}
