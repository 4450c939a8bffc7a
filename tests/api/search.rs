//! The search index: anonymous searches are answered from it, and it follows every write (and
//! the passing of a scheduled item's time) before it answers.

use serde_json::{Value, json};

use crate::helpers::{TestApp, ids};

/// The ids an anonymous search finds, best first, and its total.
async fn found(app: &TestApp, query: &str) -> (Vec<i64>, i64) {
    let list: Value = app.get(&format!("/api/v1/news?{query}")).await.json();
    (ids(&list), list["total"].as_i64().unwrap())
}

#[actix_web::test]
async fn searches_follow_every_write_and_the_index_is_made_anew_when_missing() {
    let mut app = TestApp::empty().await;
    if !app.db.is_postgres() {
        // The database's own text index is emptied behind the service's back: what follows is
        // answered by the search index alone.
        app.db.execute("INSERT INTO news_fts (news_fts) VALUES ('delete-all')");
    }
    let ferry = app.news("Zanzibar ferry", Some("2024-03-01T00:00:00Z"), json!({})).await;
    let id = ferry["id"].as_i64().unwrap();
    assert_eq!(found(&app, "q=zanzibar").await, (vec![id], 1), "a create is found at once");

    app.patch(&format!("/api/v1/news/{id}"), &json!({"title": "Pemba ferry"})).await.assert_status(200);
    assert_eq!(found(&app, "q=zanzibar").await, (vec![], 0), "an edit takes the old words out");
    assert_eq!(found(&app, "q=pemba").await, (vec![id], 1));

    app.patch(&format!("/api/v1/news/{id}"), &json!({"status": "draft"})).await.assert_status(200);
    assert_eq!(found(&app, "q=pemba").await, (vec![], 0), "a draft is not found");
    app.patch(&format!("/api/v1/news/{id}"), &json!({"status": "published"})).await.assert_status(200);
    assert_eq!(found(&app, "q=pemba").await, (vec![id], 1));

    app.delete(&format!("/api/v1/news/{id}")).await.assert_status(204);
    assert_eq!(found(&app, "q=pemba").await, (vec![], 0), "a trashed item is not found");
    app.post(&format!("/api/v1/trash/{id}/restore"), &json!({})).await.assert_status(200);
    assert_eq!(found(&app, "q=pemba").await, (vec![id], 1), "a restored one is");
    app.delete(&format!("/api/v1/news/{id}")).await.assert_status(204);
    app.delete(&format!("/api/v1/trash/{id}")).await.assert_status(204);
    assert_eq!(found(&app, "q=pemba").await, (vec![], 0), "nor a purged one");

    // Published for a moment from now: found once its time comes, with no write in between.
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let later = app.news("Pemba harbour", Some(&soon), json!({})).await["id"].as_i64().unwrap();
    let older = app.news("Pemba market", Some("2024-01-01T00:00:00Z"), json!({})).await["id"].as_i64().unwrap();
    assert_eq!(found(&app, "q=pemba").await, (vec![older], 1));
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(found(&app, "q=pemba&sort=-published_at").await, (vec![later, older], 2));
    assert_eq!(found(&app, "q=pemba&sort=published_at").await, (vec![older, later], 2));
    assert_eq!(found(&app, "q=pemba&sort=-published_at&limit=1").await, (vec![later], 2));
    assert_eq!(found(&app, "q=pemba&from=2024-02-01").await, (vec![later], 1));
    let year = chrono::Utc::now().format("%Y").to_string();
    let archive = app.get("/api/v1/news/archive?q=pemba&granularity=year").await.json();
    assert_eq!(archive["periods"], json!([{"period": year, "count": 1}, {"period": "2024", "count": 1}]));

    // Made anew from the store when missing, with the same answers.
    let before = found(&app, "q=pemba&sort=-published_at").await;
    let db = std::mem::replace(&mut app.db, crate::database::TestDb::new());
    drop(app);
    std::fs::remove_dir_all(db.search_index()).unwrap();
    let app = TestApp::builder().on(db).start().await;
    assert_eq!(found(&app, "q=pemba&sort=-published_at").await, before);
}

/// Ranked by BM25 in the index on either backend: the same data gives the same order (the suite
/// runs on both), and a page by `page=` continues it.
#[actix_web::test]
async fn matches_are_ranked_by_how_well_they_match_in_the_same_order_on_every_backend() {
    let app = TestApp::empty().await;
    let mut made = Vec::new();
    for (title, body) in [
        ("Charlie note", "kiwi filler filler filler filler"),
        ("Alpha note", "kiwi kiwi kiwi filler filler"),
        ("Bravo note", "kiwi kiwi filler filler filler"),
        ("Delta note", "kiwi filler filler filler filler"),
    ] {
        made.push(app.news(title, Some("2024-05-01T00:00:00Z"), json!({"body": body})).await["id"].as_i64().unwrap());
    }
    // Equal matches (Charlie and Delta): the newer first.
    let ranked = vec![made[1], made[2], made[3], made[0]];
    assert_eq!(found(&app, "q=kiwi").await, (ranked.clone(), 4));
    assert_eq!(found(&app, "q=kiwi&limit=3&page=2").await, (vec![made[0]], 4));
    assert_eq!(found(&app, "q=kiwi%20mango").await, (vec![], 0), "every word must match");
}
