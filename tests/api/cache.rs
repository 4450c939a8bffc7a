//! The response cache: anonymous readers get a kept answer (it carries `Age`) only while it
//! is exactly what a new one would be.

use actix_web::test::TestRequest;
use chrono::{SubsecRound, Utc};
use newsdesk::config::Seed;
use serde_json::json;

use crate::database::TestDb;
use crate::helpers::{TestApp, titles};

#[actix_web::test]
async fn a_kept_answer_is_served_until_a_write_changes_what_it_shows() {
    let app = TestApp::empty().await;
    let item = app.news("First title", Some("2024-01-01T00:00:00Z"), json!({"status": "published"})).await;
    let first = app.get("/api/v1/news").await;
    first.assert_status(200);
    assert_eq!(first.header("age"), None, "made for this request");
    let kept = app.get("/api/v1/news").await;
    assert!(kept.header("age").is_some(), "kept: {:?}", kept.headers);
    assert_eq!((&kept.body, kept.header("etag")), (&first.body, first.header("etag")));
    assert_eq!(kept.header("cache-control"), Some("public, max-age=30"));

    let etag = first.header("etag").unwrap();
    let conditional = TestRequest::get().uri("/api/v1/news").insert_header(("If-None-Match", etag));
    app.send(conditional).await.assert_status(304);

    app.patch(&format!("/api/v1/news/{}", item["id"]), &json!({"title": "Second title"})).await.assert_status(200);
    let after = app.get("/api/v1/news").await;
    assert_eq!(after.header("age"), None);
    assert_eq!(titles(&after.json()), ["Second title"]);
    app.send(TestRequest::get().uri("/api/v1/news").insert_header(("If-None-Match", etag))).await.assert_status(200);

    let metrics = String::from_utf8(app.get("/metrics").await.body.to_vec()).unwrap();
    let hits = metrics.lines().find_map(|l| l.strip_prefix(r#"newsdesk_response_cache_lookups_total{outcome="hit"} "#));
    assert_eq!(hits, Some("3"), "the kept read and both conditional ones: {metrics}");
}

#[actix_web::test]
async fn identical_requests_arriving_together_are_answered_by_one_computation() {
    let app = TestApp::empty().await;
    for day in 1..=9 {
        app.news(&format!("Day {day}"), Some(&format!("2024-01-0{day}T00:00:00Z")), json!({"status": "published"}))
            .await;
    }
    let misses = lookups(&app, "miss").await;
    // Each request waits for the store at least once, so all 16 are in flight together.
    let answers = futures_util::future::join_all((0..16).map(|_| app.get("/api/v1/news?limit=5"))).await;
    for answer in &answers {
        answer.assert_status(200);
        assert_eq!(answer.body, answers[0].body);
    }
    // The second scrape of the metrics is a miss of its own.
    assert_eq!(lookups(&app, "miss").await - misses, 2, "one request computed the answer, 15 waited for it");
    assert_eq!(answers.iter().filter(|a| a.header("age").is_none()).count(), 1);

    // An answer not to keep is made by each request, none waiting for another's.
    let missing = futures_util::future::join_all((0..4).map(|_| app.get("/api/v1/news/999"))).await;
    for answer in &missing {
        answer.assert_status(404);
        assert_eq!(answer.header("age"), None);
    }
}

/// How many lookups of the response cache had `outcome`, by `/metrics`.
async fn lookups(app: &TestApp, outcome: &str) -> u64 {
    let metrics = String::from_utf8(app.get("/metrics").await.body.to_vec()).unwrap();
    let prefix = format!(r#"newsdesk_response_cache_lookups_total{{outcome="{outcome}"}} "#);
    metrics.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0, |n| n.parse().unwrap())
}

#[actix_web::test]
async fn signed_in_readers_and_errors_are_never_served_from_the_cache() {
    let app = TestApp::empty().await;
    app.news("Public", Some("2024-01-01T00:00:00Z"), json!({"status": "published"})).await;
    app.get("/api/v1/news").await.assert_status(200);
    assert!(app.get("/api/v1/news").await.header("age").is_some());
    app.news("Draft", None, json!({})).await;
    // The draft's creation moved the version: anonymous readers get a new answer without it,
    // and an editor a private one with it.
    assert_eq!(titles(&app.get("/api/v1/news").await.json()), ["Public"]);
    let editor = app.get_authed("/api/v1/news").await;
    assert_eq!(editor.header("age"), None);
    assert_eq!(titles(&editor.json()), ["Public", "Draft"]);
    assert!(app.get_authed("/api/v1/news").await.header("age").is_none());

    for _ in 0..2 {
        let missing = app.get("/api/v1/news/999").await;
        missing.assert_status(404);
        assert_eq!(missing.header("age"), None);
    }
}

#[actix_web::test]
async fn a_drafts_writes_keep_what_anonymous_readers_were_answered() {
    let app = TestApp::empty().await;
    app.news("Public", Some("2024-01-01T00:00:00Z"), json!({})).await;
    for path in ["/api/v1/news", "/feeds/news.json"] {
        app.get(path).await.assert_status(200);
    }
    // Created, edited, trashed, restored and purged as a draft: nothing readers see changes.
    let draft = app.news("Draft", None, json!({})).await["id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/news/{draft}"), &json!({"title": "Still a draft"})).await.assert_status(200);
    app.delete(&format!("/api/v1/news/{draft}")).await.assert_status(204);
    app.post(&format!("/api/v1/trash/{draft}/restore"), &json!({})).await.assert_status(200);
    for path in ["/api/v1/news", "/feeds/news.json"] {
        assert!(app.get(path).await.header("age").is_some(), "{path} kept");
    }
    // Editors see their drafts at once, counted anew.
    assert_eq!(app.get_authed("/api/v1/news").await.json()["total"], 2);
    assert_eq!(app.get_authed("/api/v1/news?status=draft").await.json()["total"], 1);
    // Published, it ends the kept answers.
    let published = json!({"status": "published", "published_at": "2024-02-01T00:00:00Z"});
    app.patch(&format!("/api/v1/news/{draft}"), &published).await.assert_status(200);
    let after = app.get("/api/v1/news").await;
    assert_eq!(after.header("age"), None);
    assert_eq!(titles(&after.json()), ["Still a draft", "Public"]);
}

#[actix_web::test]
async fn a_write_about_one_organization_keeps_what_was_answered_about_the_others() {
    // One process (replicas on PostgreSQL learn the same from each other's notifications:
    // `replicas.rs`).
    let app = TestApp::builder().on(TestDb::sqlite()).seed(Seed::None).languages("en,fr").start().await;
    for name in ["Interpol", "Europol"] {
        app.post("/api/v1/organizations", &json!({"name": name})).await.assert_status(201);
    }
    let at = Some("2024-01-01T00:00:00Z");
    let ours = app.news("Ours", at, json!({"organization": "interpol"})).await["id"].as_i64().unwrap();
    app.news("Theirs", at, json!({"organization": "europol"})).await;
    let about =
        |slug: &str| [format!("/api/v1/organizations/{slug}"), format!("/api/v1/organizations/{slug}/news?lang=fr")];
    // Which of the paths were answered anew (without `Age`), asking each twice so that the
    // next round finds them kept.
    let renewed = async || {
        let mut renewed = Vec::new();
        for path in about("interpol").into_iter().chain(about("europol")).chain(["/api/v1/news".to_owned()]) {
            let answer = app.get(&path).await;
            answer.assert_status(200);
            if answer.header("age").is_none() {
                renewed.push(path.clone());
            }
            assert!(app.get(&path).await.header("age").is_some(), "{path} kept");
        }
        renewed
    };
    let everything = renewed().await;
    assert_eq!(everything.len(), 5);
    let interpol = [about("interpol").to_vec(), vec!["/api/v1/news".to_owned()]].concat();
    let europol = [about("europol").to_vec(), vec!["/api/v1/news".to_owned()]].concat();

    app.patch(&format!("/api/v1/news/{ours}"), &json!({"title": "Ours, edited"})).await.assert_status(200);
    assert_eq!(renewed().await, interpol, "an item of one organization");
    assert_eq!(titles(&app.get("/api/v1/organizations/interpol/news?lang=fr").await.json()), ["Ours, edited"]);
    app.patch("/api/v1/organizations/europol", &json!({"tagline": "Safer Europe"})).await.assert_status(200);
    assert_eq!(renewed().await, europol, "a profile");
    assert_eq!(app.get("/api/v1/organizations/europol").await.json()["tagline"], "Safer Europe");
    let board = json!({"name": "Executive Committee", "kind": "governing_body"});
    app.post("/api/v1/organizations/interpol/bodies", &board).await.assert_status(201);
    assert_eq!(renewed().await, interpol, "a body");

    // A story told by both: which item the French listings show depends on either.
    let french = json!({"organization": "europol", "lang": "fr", "translation_of": ours});
    let translation = app.news("La nôtre", at, french).await["id"].as_i64().unwrap();
    assert_eq!(renewed().await, everything);
    assert_eq!(titles(&app.get("/api/v1/organizations/interpol/news?lang=fr").await.json()), Vec::<String>::new());
    app.delete(&format!("/api/v1/news/{translation}")).await.assert_status(204);
    assert_eq!(renewed().await, everything, "a translation trashed");
    assert_eq!(titles(&app.get("/api/v1/organizations/interpol/news?lang=fr").await.json()), ["Ours, edited"]);

    // A draft's write reaches no one; a topic's, everyone.
    app.news("Draft", None, json!({"organization": "interpol"})).await;
    assert_eq!(renewed().await, Vec::<String>::new());
    app.post("/api/v1/topics", &json!({"name": "Fraud"})).await.assert_status(201);
    assert_eq!(renewed().await, everything);
}

#[actix_web::test]
async fn a_scheduled_item_appears_when_its_time_comes_though_nothing_was_written() {
    let app = TestApp::empty().await;
    app.news("Old", Some("2024-01-01T00:00:00Z"), json!({"status": "published"})).await;
    let due = (Utc::now() + chrono::Duration::milliseconds(1500)).trunc_subsecs(3);
    app.news("Scheduled", Some(&due.to_rfc3339()), json!({"status": "published"})).await;
    for path in ["/api/v1/news", "/feeds/news.json"] {
        app.get(path).await.assert_status(200);
        let kept = app.get(path).await;
        assert!(kept.header("age").is_some(), "{path} kept");
        assert!(!String::from_utf8_lossy(&kept.body).contains("Scheduled"), "{path}");
    }

    let wait = (due - Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_millis(100);
    actix_web::rt::time::sleep(wait).await;
    assert_eq!(titles(&app.get("/api/v1/news").await.json()), ["Scheduled", "Old"]);
    assert!(String::from_utf8_lossy(&app.get("/feeds/news.json").await.body).contains("Scheduled"));
}

#[actix_web::test]
async fn what_another_process_writes_ends_kept_answers_within_a_second() {
    let app = TestApp::builder().watching_other_processes().start().await;
    let first = app.get("/api/v1/news/1").await;
    first.assert_status(200);
    // Past the first poll, so that the next one compares versions.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(app.get("/api/v1/news/1").await.header("age").is_some(), "kept");

    // What any newsdesk process does when it writes: the content and the version change.
    app.db.execute("UPDATE news_items SET title = 'Written elsewhere' WHERE id = 1");
    app.db.execute("UPDATE content_clock SET version = version + 1");
    let started = std::time::Instant::now();
    let title = loop {
        let title = app.get("/api/v1/news/1").await.json()["title"].clone();
        if title == "Written elsewhere" || started.elapsed() > std::time::Duration::from_secs(3) {
            break title;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(title, "Written elsewhere");
    assert!(started.elapsed() < std::time::Duration::from_millis(1500), "{:?}", started.elapsed());
}

#[actix_web::test]
async fn pages_of_a_listing_share_a_kept_total_that_follows_every_change() {
    let app = TestApp::empty().await;
    let published = || json!({"status": "published"});
    for day in 1..=3 {
        app.news(&format!("Day {day}"), Some(&format!("2024-01-0{day}T00:00:00Z")), published()).await;
    }
    let first = app.get("/api/v1/news?limit=1").await.json();
    assert_eq!(first["total"], 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/news?limit=1&cursor={cursor}")).await.json()["total"], 3);

    // Each request below has a new URL: no kept answer, only the kept total, if still true.
    app.news("Day 4", Some("2024-01-04T00:00:00Z"), published()).await;
    assert_eq!(app.get("/api/v1/news?limit=2").await.json()["total"], 4);
    app.news("Draft", None, json!({})).await;
    assert_eq!(app.get_authed("/api/v1/news?limit=3").await.json()["total"], 5, "editors count drafts");
    assert_eq!(app.get("/api/v1/news?limit=3").await.json()["total"], 4);

    let due = (Utc::now() + chrono::Duration::milliseconds(1500)).trunc_subsecs(3);
    app.news("Scheduled", Some(&due.to_rfc3339()), published()).await;
    assert_eq!(app.get("/api/v1/news?limit=4").await.json()["total"], 4);
    let wait = (due - Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_millis(100);
    actix_web::rt::time::sleep(wait).await;
    assert_eq!(app.get("/api/v1/news?limit=5").await.json()["total"], 5, "the schedule came due");
}
