//! `/api/v1/news`: create, read, replace, patch, delete, and what anonymous readers see.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{PUBLIC_URL, TestApp, ids};

#[actix_web::test]
async fn create_answers_201_with_location_and_server_owned_fields() {
    let app = TestApp::empty().await;
    let author = app.taxonomy().await;
    let body = json!({
        "title": "14 terror suspects arrested in African operation",
        "summary": "Arrests in Africa.",
        "body": "word ".repeat(476),
        "topic": "terrorism", "region": "africa", "tags": ["operation", "arrest", "operation"],
        "author_id": author, "status": "published", "published_at": "2023-06-09T02:30:00+02:00"
    });
    let res = app.post("/api/v1/news", &body).await;
    res.assert_status(201);
    let item = res.json();
    let id = item["id"].as_i64().unwrap();
    assert_eq!(res.header("location"), Some(format!("{PUBLIC_URL}/api/v1/news/{id}").as_str()));
    assert!(res.header("etag").is_some());
    assert_eq!(item["slug"], "14-terror-suspects-arrested-in-african-operation");
    assert_eq!(item["published_at"], "2023-06-09T00:30:00Z", "normalized to UTC");
    assert_eq!(item["reading_time_seconds"], 120, "476 words at 238 a minute");
    assert_eq!(item["tags"], json!(["arrest", "operation"]));
    assert_eq!(item["author"], json!({"id": author, "name": "Ada Reporter", "title": "Correspondent"}));
    assert_eq!(item["status"], "published");
    assert!(item["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(item["created_at"], item["updated_at"]);

    let by_id = app.get(&format!("/api/v1/news/{id}")).await;
    by_id.assert_status(200);
    assert_eq!(by_id.json(), item);
    let by_slug = app.get("/api/v1/news/14-terror-suspects-arrested-in-african-operation").await;
    assert_eq!(by_slug.json(), item);
}

#[actix_web::test]
async fn slugs_are_derived_unique_and_checked() {
    let app = TestApp::empty().await;
    let first = app.news("Same title", None, json!({})).await;
    let second = app.news("Same title", None, json!({})).await;
    assert_eq!(first["slug"], "same-title");
    assert_eq!(second["slug"], "same-title-2");
    let digits = app.news("2023", None, json!({})).await;
    assert_eq!(digits["slug"], "news-2023", "a slug is never all digits");

    let taken = app.post("/api/v1/news", &json!({"title": "Other", "slug": "same-title"})).await;
    assert!(taken.problem(409)["detail"].as_str().unwrap().contains("same-title"));
    let bad = app.post("/api/v1/news", &json!({"title": "Other", "slug": "Not a slug!"})).await;
    bad.problem(422);
    assert_eq!(bad.error_fields(), ["slug"]);
}

#[actix_web::test]
async fn server_owned_and_unknown_fields_are_refused() {
    let app = TestApp::empty().await;
    for field in ["id", "reading_time_seconds", "created_at", "updated_at", "titel"] {
        let res = app.post("/api/v1/news", &json!({"title": "x", field: 1})).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field]);
    }
    assert_eq!(app.get("/api/v1/news?status=draft").await.json()["total"], 0);
}

#[actix_web::test]
async fn references_must_exist_and_nothing_is_stored_otherwise() {
    let app = TestApp::empty().await;
    app.taxonomy().await;
    let res = app
        .post(
            "/api/v1/news",
            &json!({"title": "x", "topic": "nope", "region": "mars", "author_id": 999, "organization": "acme"}),
        )
        .await;
    res.problem(422);
    assert_eq!(res.error_fields(), ["topic", "region", "author_id", "organization"]);
    // A region slug is not a topic.
    let res = app.post("/api/v1/news", &json!({"title": "x", "topic": "africa"})).await;
    assert_eq!(res.error_fields(), ["topic"]);
    app.news("Visible", Some("2023-01-01T00:00:00Z"), json!({})).await;
    assert_eq!(app.get("/api/v1/news").await.json()["total"], 1);
}

#[actix_web::test]
async fn the_author_can_be_named_author_or_author_id() {
    let app = TestApp::empty().await;
    let author = app.taxonomy().await;
    let a = app.news("A", None, json!({"author": author})).await;
    let b = app.news("B", None, json!({"author_id": author})).await;
    assert_eq!(a["author"]["id"], author);
    assert_eq!(b["author"]["id"], author);
    let res = app.post("/api/v1/news", &json!({"title": "C", "author": {"id": author}})).await;
    assert_eq!(res.error_fields(), ["author"]);
}

#[actix_web::test]
async fn reserved_slugs_are_never_items() {
    let app = TestApp::empty().await;
    assert_eq!(app.news("Archive", None, json!({})).await["slug"], "archive-2");
    let res = app.post("/api/v1/news", &json!({"title": "x", "slug": "changes"})).await;
    res.problem(422);
    assert_eq!(res.error_fields(), ["slug"]);
}

#[actix_web::test]
async fn published_items_need_a_date_and_status_defaults_from_it() {
    let app = TestApp::empty().await;
    let res = app.post("/api/v1/news", &json!({"title": "x", "status": "published"})).await;
    res.problem(422);
    assert_eq!(res.error_fields(), ["published_at"]);
    assert_eq!(app.news("Dated", Some("2023-01-01T00:00:00Z"), json!({})).await["status"], "published");
    assert_eq!(app.news("Undated", None, json!({})).await["status"], "draft");
}

#[actix_web::test]
async fn drafts_scheduled_and_archived_items_are_hidden_from_anonymous_readers() {
    let app = TestApp::empty().await;
    let draft = app.news("Draft", Some("2023-01-01T00:00:00Z"), json!({"status": "draft"})).await;
    let scheduled = app.news("Scheduled", Some("2999-01-01T00:00:00Z"), json!({})).await;
    let archived = app.news("Archived", Some("2023-01-01T00:00:00Z"), json!({"status": "archived"})).await;
    let public = app.news("Public", Some("2023-01-01T00:00:00Z"), json!({})).await;
    for hidden in [&draft, &scheduled, &archived] {
        app.get(&format!("/api/v1/news/{}", hidden["id"])).await.problem(404);
        app.get(&format!("/api/v1/news/{}", hidden["slug"].as_str().unwrap())).await.problem(404);
    }
    let list = app.get("/api/v1/news").await.json();
    assert_eq!(ids(&list), [public["id"].as_i64().unwrap()]);
    assert_eq!(list["total"], 1);
    assert_eq!(app.get("/api/v1/news?status=draft,archived").await.json()["total"], 0);
}

#[actix_web::test]
async fn a_scheduled_item_appears_when_its_time_comes() {
    let app = TestApp::empty().await;
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let item = app.news("Soon", Some(&soon), json!({})).await;
    let uri = format!("/api/v1/news/{}", item["id"]);
    app.get(&uri).await.problem(404);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1600)).await;
    app.get(&uri).await.assert_status(200);
}

#[actix_web::test]
async fn patch_changes_only_what_it_names_and_null_clears() {
    let app = TestApp::empty().await;
    let author = app.taxonomy().await;
    let item = app
        .news("Original", None, json!({"topic": "cybercrime", "region": "europe", "tags": ["a"], "author_id": author}))
        .await;
    let uri = format!("/api/v1/news/{}", item["id"]);
    let res = app.patch(&uri, &json!({"title": "Renamed", "topic": null})).await;
    res.assert_status(200);
    let patched = res.json();
    assert_eq!(patched["title"], "Renamed");
    assert_eq!(patched["slug"], "original", "the slug stays when the title changes");
    assert_eq!(patched["topic"], serde_json::Value::Null);
    assert_eq!(patched["region"], "europe");
    assert_eq!(patched["tags"], json!(["a"]));
    assert_eq!(patched["author"]["id"], author);
    assert_eq!(patched["created_at"], item["created_at"]);
    assert_ne!(patched["updated_at"], item["updated_at"]);
    assert_eq!(app.get(&uri).await.assert_status(404).status, 404, "still a draft");

    let published = app.patch(&uri, &json!({"status": "published", "published_at": "2023-06-09T00:00:00Z"})).await;
    assert_eq!(published.json()["status"], "published");
    assert_eq!(app.get(&uri).await.json()["title"], "Renamed");
}

#[actix_web::test]
async fn patch_refuses_bad_values_and_keeps_the_item() {
    let app = TestApp::empty().await;
    let item = app.news("Keep me", Some("2023-01-01T00:00:00Z"), json!({})).await;
    let uri = format!("/api/v1/news/{}", item["id"]);
    for (body, field) in [
        (json!({"published_at": "yesterday"}), "published_at"),
        (json!({"published_at": null}), "published_at"),
        (json!({"title": ""}), "title"),
        (json!({"title": null}), "title"),
        (json!({"status": "deleted"}), "status"),
        (json!({"tags": "not-a-list"}), "tags"),
        (json!({"topic": "nope"}), "topic"),
    ] {
        let res = app.patch(&uri, &body).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}");
    }
    assert_eq!(app.get(&uri).await.json(), item);
}

#[actix_web::test]
async fn put_replaces_the_whole_item() {
    let app = TestApp::empty().await;
    app.taxonomy().await;
    let item = app.news("Before", Some("2023-01-01T00:00:00Z"), json!({"topic": "terrorism", "tags": ["x"]})).await;
    let uri = format!("/api/v1/news/{}", item["slug"].as_str().unwrap());
    let res = app.put(&uri, &json!({"title": "After", "published_at": "2023-02-01T00:00:00Z"})).await;
    res.assert_status(200);
    let replaced = res.json();
    assert_eq!(replaced["id"], item["id"]);
    assert_eq!(replaced["slug"], "before");
    assert_eq!(replaced["title"], "After");
    assert_eq!(replaced["topic"], serde_json::Value::Null);
    assert_eq!(replaced["tags"], json!([]));
    app.put("/api/v1/news/999", &json!({"title": "x"})).await.problem(404);
}

#[actix_web::test]
async fn delete_answers_204_then_404() {
    let app = TestApp::empty().await;
    let item = app.news("Doomed", Some("2023-01-01T00:00:00Z"), json!({"tags": ["t"]})).await;
    let uri = format!("/api/v1/news/{}", item["id"]);
    let res = app.delete(&uri).await;
    res.assert_status(204);
    assert!(res.body.is_empty());
    app.get(&uri).await.problem(404);
    app.delete(&uri).await.problem(404);
    assert_eq!(app.get("/api/v1/news?tag=t").await.json()["total"], 0);
}

#[actix_web::test]
async fn if_match_guards_every_write() {
    let app = TestApp::empty().await;
    let item = app.news("Versioned", Some("2023-01-01T00:00:00Z"), json!({})).await;
    let uri = format!("/api/v1/news/{}", item["id"]);
    let etag = app.get(&uri).await.header("etag").unwrap().to_owned();

    let stale = "\"0000000000000000\"";
    let patch = |tag: &str| {
        app.authed(TestRequest::patch().uri(&uri).insert_header(("if-match", tag)).set_json(json!({"title": "New"})))
    };
    app.send(patch(stale)).await.problem(412);
    app.send(app.authed(TestRequest::delete().uri(&uri).insert_header(("if-match", stale)))).await.problem(412);
    app.send(
        app.authed(TestRequest::put().uri(&uri).insert_header(("if-match", stale)).set_json(json!({"title": "x"}))),
    )
    .await
    .problem(412);
    assert_eq!(app.get(&uri).await.json(), item, "nothing changed");

    let res = app.send(patch(&etag)).await;
    res.assert_status(200);
    let new_etag = res.header("etag").unwrap().to_owned();
    assert_eq!(app.get(&uri).await.header("etag"), Some(new_etag.as_str()), "a write answers the new ETag");
    app.send(patch(&etag)).await.problem(412);
    app.send(app.authed(TestRequest::delete().uri(&uri).insert_header(("if-match", "*")))).await.assert_status(204);
}

#[actix_web::test]
async fn if_none_match_answers_304_without_a_body() {
    let app = TestApp::demo().await;
    for uri in ["/api/v1/news/1", "/api/v1/news?on=2023-06", "/api/v1/topics", "/api/v1/news/archive"] {
        let first = app.get(uri).await;
        let etag = first.header("etag").expect("etag").to_owned();
        assert_eq!(first.header("cache-control"), Some("public, max-age=30"));
        let again = app.send(TestRequest::get().uri(uri).insert_header(("if-none-match", etag.as_str()))).await;
        again.assert_status(304);
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let other = app.send(TestRequest::get().uri(uri).insert_header(("if-none-match", "\"other\""))).await;
        other.assert_status(200);
    }
}

#[actix_web::test]
async fn text_round_trips_verbatim() {
    let app = TestApp::empty().await;
    for title in [
        "Robert'); DROP TABLE news_items; --",
        "<script>alert(1)</script> & \"quotes\"",
        "مرحبا بالعالم — שלום",
        "Emoji 🚓👮 and combining e\u{301}",
        "日本語のニュース",
    ] {
        let item = app.news(title, Some("2023-01-01T00:00:00Z"), json!({"body": title})).await;
        let read = app.get(&format!("/api/v1/news/{}", item["id"])).await.json();
        assert_eq!(read["title"], title);
        assert_eq!(read["body"], title);
        assert!(!read["slug"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.get("/api/v1/news").await.json()["total"], 5);
}

#[actix_web::test]
async fn malformed_if_match_is_a_bad_request() {
    let app = TestApp::empty().await;
    let item = app.news("Guarded", None, json!({})).await;
    let uri = format!("/api/v1/news/{}", item["id"]);
    for value in ["", "abc", "null", "\"unterminated"] {
        let res = app.send(app.authed(TestRequest::delete().uri(&uri).insert_header(("if-match", value)))).await;
        res.problem(400);
        assert_eq!(res.error_fields(), ["If-Match"]);
    }
    app.get_authed(&uri).await.assert_status(200);
}

#[actix_web::test]
async fn a_bad_body_is_reported_before_a_stale_precondition() {
    let app = TestApp::empty().await;
    let item = app.news("Checked", None, json!({})).await;
    let req = TestRequest::patch()
        .uri(&format!("/api/v1/news/{}", item["id"]))
        .insert_header(("if-match", "\"stale\""))
        .set_json(json!({"title": ""}));
    app.send(app.authed(req)).await.problem(422);
}

#[actix_web::test]
async fn a_stored_status_the_service_does_not_know_is_an_error_not_a_draft() {
    let app = TestApp::demo().await;
    // As a later version of the service, or a hand-made edit, might leave it: past the CHECK.
    app.db.execute(if app.db.is_postgres() {
        "ALTER TABLE news_items DROP CONSTRAINT news_items_status_check; UPDATE news_items SET status = 'bogus' WHERE id = 1"
    } else {
        "PRAGMA ignore_check_constraints = ON; UPDATE news_items SET status = 'bogus' WHERE id = 1"
    });
    let mut conn = newsdesk::db::Location::parse(&app.database_url()).unwrap().connect().unwrap();
    let key = newsdesk::domain::slug::Key::Id(newsdesk::domain::ids::NewsId(1));
    let everything = newsdesk::domain::news::Visibility::Everything;
    let urls = newsdesk::media::MediaUrls::new("http://localhost", None);
    let err = newsdesk::db::news::find(&mut conn, &urls, &key, everything, chrono::Utc::now()).unwrap_err();
    assert!(format!("{err:?}").contains("unknown NewsStatus `bogus`"), "{err:?}");
    // Over HTTP: an opaque 500, never the item shown as something it is not.
    let res = app.get_authed("/api/v1/news/1").await;
    assert_eq!(res.problem(500)["detail"].as_str().map(|d| d.contains("bogus")), Some(false));
}
