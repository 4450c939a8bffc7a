//! Revisions: every version of a news item or an organization profile is kept, and any can
//! be brought back as a new version.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn every_version_of_an_item_is_kept_and_any_can_be_restored() {
    let app = TestApp::empty().await;
    let first = app.news("First title", Some("2024-01-01T00:00:00Z"), json!({"tags": ["a"]})).await;
    let id = first["id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/news/{id}"), &json!({"title": "Second title", "tags": ["b"]})).await.assert_status(200);
    let editor = app.user("eve", "editor").await;
    let third = app
        .send(
            TestRequest::patch()
                .uri(&format!("/api/v1/news/{id}"))
                .insert_header(("authorization", format!("Bearer {editor}")))
                .set_json(json!({"body": "Rewritten."})),
        )
        .await;
    third.assert_status(200);

    let list = app.get_authed(&format!("/api/v1/news/{id}/revisions")).await;
    list.assert_status(200);
    let items = list.json()["items"].as_array().unwrap().clone();
    let numbers: Vec<i64> = items.iter().map(|r| r["revision"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [3, 2, 1], "newest first");
    assert_eq!(items[0]["user"], "eve");
    assert_eq!(items[2]["user"], "admin");
    assert_eq!(app.get_authed(&format!("/api/v1/news/{id}/revisions/1")).await.json(), first);
    assert_eq!(app.get_authed(&format!("/api/v1/news/{id}/revisions/3")).await.json(), third.json());

    let restored = app.post(&format!("/api/v1/news/{id}/revisions/1/restore"), &json!({})).await;
    restored.assert_status(200);
    let restored = restored.json();
    for field in ["slug", "title", "summary", "body", "tags", "status", "published_at", "created_at"] {
        assert_eq!(restored[field], first[field], "{field}");
    }
    assert_eq!(app.get(&format!("/api/v1/news/{id}")).await.json(), restored);
    let latest = &app.get_authed(&format!("/api/v1/news/{id}/revisions")).await.json()["items"][0];
    assert_eq!((latest["revision"].as_i64(), latest["restored_from"].as_i64()), (Some(4), Some(1)));
}

#[actix_web::test]
async fn revisions_are_for_editors_and_unknown_ones_are_404() {
    let app = TestApp::empty().await;
    let id = app.news("Item", None, json!({})).await["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/news/{id}/revisions")).await.problem(401);
    app.get(&format!("/api/v1/news/{id}/revisions/1")).await.problem(401);
    for missing in ["2", "0", "x", "99999999999999999999"] {
        app.get_authed(&format!("/api/v1/news/{id}/revisions/{missing}")).await.problem(404);
        app.post(&format!("/api/v1/news/{id}/revisions/{missing}/restore"), &json!({})).await.problem(404);
    }
    app.get_authed("/api/v1/news/999/revisions").await.problem(404);
}

#[actix_web::test]
async fn a_restore_that_names_what_is_gone_is_a_conflict_and_changes_nothing() {
    let app = TestApp::empty().await;
    app.taxonomy().await;
    let item = app.news("Item", None, json!({"topic": "terrorism"})).await;
    let id = item["id"].as_i64().unwrap();
    let current = app.patch(&format!("/api/v1/news/{id}"), &json!({"topic": null})).await.json();
    app.delete("/api/v1/topics/terrorism").await.assert_status(204);

    let res = app.post(&format!("/api/v1/news/{id}/revisions/1/restore"), &json!({})).await;
    assert!(res.problem(409)["detail"].as_str().unwrap().contains("terrorism"), "{:?}", res.json());
    assert_eq!(app.get_authed(&format!("/api/v1/news/{id}")).await.json(), current);
    assert_eq!(
        app.get_authed(&format!("/api/v1/news/{id}/revisions")).await.json()["items"].as_array().unwrap().len(),
        2
    );
}

#[actix_web::test]
async fn a_stale_if_match_stops_a_restore() {
    let app = TestApp::empty().await;
    let id = app.news("Item", None, json!({})).await["id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/news/{id}"), &json!({"title": "Changed"})).await.assert_status(200);
    let res = app
        .send(
            app.authed(
                TestRequest::post()
                    .uri(&format!("/api/v1/news/{id}/revisions/1/restore"))
                    .insert_header(("if-match", "\"0000000000000000\"")),
            ),
        )
        .await;
    res.problem(412);
    assert_eq!(app.get_authed(&format!("/api/v1/news/{id}")).await.json()["title"], "Changed");
}

#[actix_web::test]
async fn organization_profiles_keep_their_versions_too() {
    let app = TestApp::demo().await;
    let before = app.get("/api/v1/organizations/interpol").await.json();
    app.patch("/api/v1/organizations/interpol", &json!({"tagline": "Changed", "slug": "ipol"}))
        .await
        .assert_status(200);

    let list = app.get_authed("/api/v1/organizations/ipol/revisions").await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["user"], json!(null), "the demo data is the service's own");
    assert_eq!(app.get_authed("/api/v1/organizations/ipol/revisions/1").await.json(), before);

    let restored = app.post("/api/v1/organizations/ipol/revisions/1/restore", &json!({})).await;
    restored.assert_status(200);
    let restored = restored.json();
    assert_eq!((restored["slug"].as_str(), restored["tagline"].clone()), (Some("interpol"), before["tagline"].clone()));
    app.get("/api/v1/organizations/interpol").await.assert_status(200);
    app.get("/api/v1/organizations/interpol/revisions").await.problem(401);
}

/// The revision numbers of one page of a list.
fn numbers(list: &serde_json::Value) -> Vec<i64> {
    list["items"].as_array().unwrap().iter().map(|r| r["revision"].as_i64().unwrap()).collect()
}

#[actix_web::test]
async fn revision_lists_are_paged() {
    let app = TestApp::demo().await;
    for n in 0..4 {
        app.patch("/api/v1/news/1", &json!({"title": format!("Edit {n}")})).await.assert_status(200);
    }
    let first = app.get_authed("/api/v1/news/1/revisions?limit=2").await.json();
    assert_eq!((numbers(&first), first["total"].clone(), first["limit"].clone()), (vec![5, 4], json!(5), json!(2)));
    let last = app.get_authed("/api/v1/news/1/revisions?limit=2&page=3").await.json();
    assert_eq!(numbers(&last), [1]);
    assert_eq!(app.get_authed("/api/v1/news/1/revisions").await.json()["limit"], 20);
    for bad in ["limit=0", "limit=101", "page=0", "limit=x", "page=1&page=2", "offset=3"] {
        let res = app.get_authed(&format!("/api/v1/news/1/revisions?{bad}")).await;
        res.problem(400);
    }
    let profile = app.get_authed("/api/v1/organizations/interpol/revisions?limit=1").await.json();
    assert_eq!((numbers(&profile), profile["total"].clone()), (vec![1], json!(1)));
}

#[actix_web::test]
async fn only_the_newest_revisions_are_kept_when_asked() {
    let app = TestApp::builder().revisions_keep(2).start().await;
    for n in 0..5 {
        app.patch("/api/v1/news/1", &json!({"title": format!("Edit {n}")})).await.assert_status(200);
        app.patch("/api/v1/organizations/interpol", &json!({"tagline": format!("Tagline {n}")}))
            .await
            .assert_status(200);
    }
    let list = app.get_authed("/api/v1/news/1/revisions").await.json();
    assert_eq!(
        (numbers(&list), list["total"].clone()),
        (vec![6, 5], json!(2)),
        "the current version and the one before"
    );
    assert_eq!(numbers(&app.get_authed("/api/v1/organizations/interpol/revisions").await.json()), [6, 5]);
    app.get_authed("/api/v1/news/1/revisions/4").await.problem(404);
    // The one before the current can still be restored.
    let restored = app.post("/api/v1/news/1/revisions/5/restore", &json!({})).await;
    restored.assert_status(200);
    assert_eq!(restored.json()["title"], "Edit 3");
    assert_eq!(numbers(&app.get_authed("/api/v1/news/1/revisions").await.json()), [7, 6]);
}
