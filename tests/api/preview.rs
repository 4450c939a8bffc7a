//! Preview links: one item (a draft included), without credentials, until they expire; no
//! other route takes them.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{PUBLIC_URL, TestApp};

#[actix_web::test]
async fn a_preview_link_reads_one_draft_and_nothing_else() {
    let app = TestApp::demo().await;
    let draft = app.news("Not out yet", None, json!({"body": "Draft words."})).await;
    let id = draft["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/news/{id}")).await.assert_status(404);

    let res = app.post(&format!("/api/v1/news/{id}/preview?expires_in=600"), &json!({})).await;
    res.assert_status(201);
    let link = res.json();
    let url = link["url"].as_str().unwrap();
    assert_eq!(res.header("location"), Some(url));
    let path = url.strip_prefix(PUBLIC_URL).unwrap().to_owned();
    let expires = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().unwrap()).unwrap();
    let left = expires.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((590..=600).contains(&left), "{left}");

    let res = app.get(&path).await;
    res.assert_status(200);
    assert_eq!(res.json()["title"], "Not out yet");
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("x-robots-tag"), Some("noindex"));
    app.patch(&format!("/api/v1/news/{id}"), &json!({"title": "Edited since"})).await.assert_status(200);
    assert_eq!(app.get(&path).await.json()["title"], "Edited since", "the item as it is now");

    let token = path.rsplit('/').next().unwrap().to_owned();
    for uri in ["/api/v1/news".to_owned(), format!("/api/v1/news/{id}"), "/feeds/news.json".to_owned()] {
        let req = TestRequest::get().uri(&uri).insert_header(("authorization", format!("Bearer {token}")));
        app.send(req).await.assert_status(401);
    }
    let mut forged = token.clone();
    forged.pop();
    app.get(&format!("/api/v1/preview/{forged}")).await.assert_status(401);
    app.get("/api/v1/preview/not-a-token").await.assert_status(401);
    let access = app.token.clone();
    app.get(&format!("/api/v1/preview/{access}")).await.assert_status(401);

    let entry = &app.get_authed("/api/v1/audit?action=news.preview").await.json()["items"][0];
    assert_eq!(entry["resource_id"], id.to_string().as_str());

    app.delete(&format!("/api/v1/news/{id}")).await.assert_status(204);
    app.get(&path).await.assert_status(404);
    app.delete(&format!("/api/v1/trash/{id}")).await.assert_status(204);
    app.get(&path).await.assert_status(404);
}

#[actix_web::test]
async fn only_editors_make_preview_links_for_a_bounded_time() {
    let app = TestApp::demo().await;
    let res = app.send(TestRequest::post().uri("/api/v1/news/1/preview")).await;
    res.assert_status(401);
    for bad in ["59", "604801", "soon"] {
        let res = app.post(&format!("/api/v1/news/1/preview?expires_in={bad}"), &json!({})).await;
        assert_eq!(res.problem(400)["errors"][0]["field"], "expires_in", "{bad}");
    }
    app.post("/api/v1/news/999999/preview", &json!({})).await.assert_status(404);
    let res = app.post("/api/v1/news/1/preview", &json!({})).await;
    let expires = chrono::DateTime::parse_from_rfc3339(res.json()["expires_at"].as_str().unwrap()).unwrap();
    let left = expires.signed_duration_since(chrono::Utc::now()).num_seconds();
    assert!((3590..=3600).contains(&left), "an hour by default: {left}");
}
