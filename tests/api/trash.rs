//! The trash: deleting an item hides it from everyone but keeps it restorable until it is
//! purged, by an admin or when the retention period ends.

use actix_web::test::TestRequest;
use newsdesk::config::Seed;
use serde_json::json;

use crate::helpers::{TestApp, ids};

#[actix_web::test]
async fn a_deleted_item_waits_in_the_trash_and_comes_back_unchanged() {
    let app = TestApp::empty().await;
    let item = app.news("Trashed story", Some("2024-01-01T00:00:00Z"), json!({"tags": ["x"]})).await;
    let id = item["id"].as_i64().unwrap();
    app.delete(&format!("/api/v1/news/{id}")).await.assert_status(204);

    app.get(&format!("/api/v1/news/{id}")).await.problem(404);
    app.get_authed(&format!("/api/v1/news/{id}")).await.problem(404);
    app.get("/api/v1/news/trashed-story").await.problem(404);
    assert!(ids(&app.get_authed("/api/v1/news").await.json()).is_empty());
    assert!(!String::from_utf8_lossy(&app.get("/feeds/news.rss").await.body).contains("Trashed story"));
    assert_eq!(app.get_authed("/api/v1/news?q=trashed").await.json()["total"], 0);

    let trash = app.get_authed("/api/v1/trash").await;
    trash.assert_status(200);
    let trash = trash.json();
    assert_eq!(trash["total"], 1);
    let entry = &trash["items"][0];
    assert_eq!(entry["item"], item);
    assert_eq!(entry["deleted_by"], "admin");
    let deleted_at = chrono::DateTime::parse_from_rfc3339(entry["deleted_at"].as_str().unwrap()).unwrap();
    let purge_after = chrono::DateTime::parse_from_rfc3339(entry["purge_after"].as_str().unwrap()).unwrap();
    assert_eq!(purge_after - deleted_at, chrono::Duration::days(30));

    // The slug stays reserved while the item can come back.
    app.post("/api/v1/news", &json!({"title": "Other", "slug": "trashed-story"})).await.problem(409);
    assert_eq!(app.news("Trashed story", None, json!({})).await["slug"], "trashed-story-2");

    let restored = app.post(&format!("/api/v1/trash/{id}/restore"), &json!({})).await;
    restored.assert_status(200);
    assert_eq!(restored.json(), item);
    assert_eq!(app.get(&format!("/api/v1/news/{id}")).await.json(), item);
    assert_eq!(app.get_authed("/api/v1/trash").await.json()["total"], 0);
    app.post(&format!("/api/v1/trash/{id}/restore"), &json!({})).await.problem(404);
}

#[actix_web::test]
async fn only_admins_purge_and_a_purged_id_is_never_reused() {
    let app = TestApp::empty().await;
    let id = app.news("Gone for good", None, json!({})).await["id"].as_i64().unwrap();
    app.delete(&format!("/api/v1/news/{id}")).await.assert_status(204);
    app.get("/api/v1/trash").await.problem(401);

    let editor = app.user("eve", "editor").await;
    let as_editor = |req: TestRequest| req.insert_header(("authorization", format!("Bearer {editor}")));
    app.send(as_editor(TestRequest::get().uri("/api/v1/trash"))).await.assert_status(200);
    app.send(as_editor(TestRequest::delete().uri(&format!("/api/v1/trash/{id}")))).await.problem(403);

    app.delete(&format!("/api/v1/trash/{id}")).await.assert_status(204);
    app.delete(&format!("/api/v1/trash/{id}")).await.problem(404);
    app.post(&format!("/api/v1/trash/{id}/restore"), &json!({})).await.problem(404);
    app.get_authed(&format!("/api/v1/news/{id}/revisions")).await.problem(404);
    let next = app.news("Gone for good", None, json!({})).await;
    assert_eq!(next["slug"], "gone-for-good", "the slug is free again");
    assert!(next["id"].as_i64().unwrap() > id, "a purged id is never given again");
}

#[actix_web::test]
async fn the_trash_is_paged_and_checks_its_parameters() {
    let app = TestApp::empty().await;
    for n in 0..3 {
        let id = app.news(&format!("Item {n}"), None, json!({})).await["id"].as_i64().unwrap();
        app.delete(&format!("/api/v1/news/{id}")).await.assert_status(204);
    }
    let page = app.get_authed("/api/v1/trash?limit=2&page=2").await.json();
    assert_eq!((page["total"].as_i64(), page["items"].as_array().unwrap().len()), (Some(3), 1));
    assert_eq!(page["items"][0]["item"]["title"], "Item 0", "most recently deleted first");
    for bad in ["limit=0", "limit=101", "page=0", "page=x", "sort=id"] {
        app.get_authed(&format!("/api/v1/trash?{bad}")).await.problem(400);
    }
}

#[actix_web::test]
async fn items_are_purged_when_their_time_in_the_trash_runs_out() {
    let app = TestApp::empty().await;
    let old = app.news("Old", None, json!({})).await["id"].as_i64().unwrap();
    let recent = app.news("Recent", None, json!({})).await["id"].as_i64().unwrap();
    for id in [old, recent] {
        app.delete(&format!("/api/v1/news/{id}")).await.assert_status(204);
    }
    app.travel_in_time(&format!("UPDATE news_items SET deleted_at = '2000-01-01 00:00:00' WHERE id = {old}"));
    let app = app.restart(Seed::None).await;
    let trash = app.get_authed("/api/v1/trash").await.json();
    let left: Vec<i64> = trash["items"].as_array().unwrap().iter().map(|e| e["item"]["id"].as_i64().unwrap()).collect();
    assert_eq!(left, [recent]);
}
