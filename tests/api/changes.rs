//! `/api/v1/news/changes`: what a partner mirror needs to stay exact, deletions included.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Every change after `since`, following `next_cursor` one change at a time.
async fn changes_after(app: &TestApp, since: &str) -> (Vec<(String, i64)>, String) {
    let mut seen = Vec::new();
    let mut cursor = since.to_owned();
    loop {
        let page = app.get(&format!("/api/v1/news/changes?limit=1&since={cursor}")).await;
        page.assert_status(200);
        let page = page.json();
        for change in page["changes"].as_array().unwrap() {
            let op = change["op"].as_str().unwrap().to_owned();
            assert_eq!(change["item"].is_null(), op == "delete", "{change}");
            seen.push((op, change["id"].as_i64().unwrap()));
        }
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == json!(false) {
            return (seen, cursor);
        }
    }
}

fn op(op: &str, id: &Value) -> (String, i64) {
    (op.to_owned(), id.as_i64().unwrap())
}

#[actix_web::test]
async fn a_mirror_sees_every_public_change_in_order_and_deletions_as_tombstones() {
    let app = TestApp::empty().await;
    let a = app.news("A", Some("2024-01-01T00:00:00Z"), json!({})).await["id"].clone();
    app.news("Draft", None, json!({})).await;
    // Due in a few seconds: the test waits for its time to come.
    let due = chrono::Utc::now() + chrono::TimeDelta::seconds(5);
    let due_at = due.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let scheduled = app.news("Later", Some(&due_at), json!({})).await["id"].clone();
    let b = app.news("B", Some("2024-01-02T00:00:00Z"), json!({})).await["id"].clone();
    let (seen, cursor) = changes_after(&app, "0").await;
    assert_eq!(seen, [op("upsert", &a), op("upsert", &b)], "no drafts, nothing scheduled yet");

    app.patch(&format!("/api/v1/news/{a}"), &json!({"title": "A, corrected"})).await.assert_status(200);
    app.patch(&format!("/api/v1/news/{b}"), &json!({"status": "draft", "published_at": null})).await.assert_status(200);
    app.delete(&format!("/api/v1/news/{a}")).await.assert_status(204);
    app.delete(&format!("/api/v1/trash/{a}")).await.assert_status(204);
    let (seen, cursor) = changes_after(&app, &cursor).await;
    assert_eq!(seen, [op("delete", &b), op("delete", &a)], "each item once, at its latest change");

    // The schedule comes due: the item is announced then, after everything already seen.
    let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_millis(50);
    actix_web::rt::time::sleep(wait).await;
    let (seen, cursor) = changes_after(&app, &cursor).await;
    assert_eq!(seen, [op("upsert", &scheduled)]);
    let last = app.get(&format!("/api/v1/news/changes?since={cursor}")).await.json();
    assert_eq!(last["changes"], json!([]));
    assert_eq!(last["next_cursor"], cursor.as_str(), "an empty page keeps the cursor to poll with");

    // From the beginning, only the final state of each item that was ever public.
    let (seen, _) = changes_after(&app, "0").await;
    assert_eq!(seen, [op("delete", &b), op("delete", &a), op("upsert", &scheduled)]);
}

#[actix_web::test]
async fn an_upsert_carries_the_item_as_readers_see_it() {
    let app = TestApp::demo().await;
    let page = app.get("/api/v1/news/changes?limit=1000").await;
    page.assert_status(200);
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let changes = page.json()["changes"].as_array().unwrap().clone();
    assert_eq!(changes.len(), 12, "the demo's headlines, each once");
    let first = &changes[0];
    let item = app.get(&format!("/api/v1/news/{}", first["id"])).await.json();
    assert_eq!(first["item"], item);
    assert_eq!(first["at"], item["updated_at"], "public from its creation: announced then");
}

#[actix_web::test]
async fn bad_cursors_and_limits_are_named() {
    let app = TestApp::empty().await;
    for bad in ["since=abc", "since=-1", "since=1.5", "since=99999999999999999999", "limit=0", "limit=1001", "after=3"]
    {
        let problem = app.get(&format!("/api/v1/news/changes?{bad}")).await.problem(400);
        let name = bad.split('=').next().unwrap();
        assert!(problem["detail"].as_str().unwrap().contains(name), "{problem}");
    }
}

#[actix_web::test]
async fn hidden_work_leaves_no_trace_in_the_changes() {
    let app = TestApp::empty().await;
    let public = app.news("Public", Some("2024-01-01T00:00:00Z"), json!({})).await["id"].clone();
    let cursor_of = |page: &serde_json::Value| page["next_cursor"].as_str().unwrap().parse::<i64>().unwrap();
    let start = cursor_of(&app.get("/api/v1/news/changes").await.json());

    // Drafts written and rewritten, and a public item withdrawn then edited while hidden.
    let draft = app.news("Draft", None, json!({})).await["id"].clone();
    for n in 0..3 {
        app.patch(&format!("/api/v1/news/{draft}"), &json!({"title": format!("Draft {n}")})).await.assert_status(200);
    }
    app.patch(&format!("/api/v1/news/{public}"), &json!({"status": "draft"})).await.assert_status(200);
    for n in 0..3 {
        app.patch(&format!("/api/v1/news/{public}"), &json!({"title": format!("Hidden {n}")})).await.assert_status(200);
    }
    let page = app.get(&format!("/api/v1/news/changes?since={start}")).await.json();
    assert_eq!(page["changes"].as_array().unwrap().len(), 1, "one tombstone, announced once: {page}");
    assert_eq!(page["changes"][0]["op"], "delete");
    assert_eq!(cursor_of(&page), start + 1, "no numbers spent on hidden writes");

    // The next public change follows at once, with no gap.
    app.news("Another", Some("2024-01-02T00:00:00Z"), json!({})).await;
    let page = app.get(&format!("/api/v1/news/changes?since={}", start + 1)).await.json();
    assert_eq!(page["changes"][0]["cursor"], (start + 2).to_string());
}
