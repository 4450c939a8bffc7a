//! Listing totals from the counts kept by the write path: after every kind of write, in every
//! language view and facet, each total is the number of items the listing shows.

use chrono::{Duration, SubsecRound, Utc};
use newsdesk::config::Seed;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Listings whose totals come from kept counts (whole days, facets, language views), and some
/// counted item by item (edges of days, two facets, tags), checked the same way.
fn listings(author: i64) -> Vec<String> {
    let mut urls = Vec::new();
    for lang in ["", "lang=fr&", "lang=es&", "lang=fr&fallback=none&", "lang=es,fr&"] {
        for filter in [
            "",
            "on=2026-01",
            "on=2026-01&topic=cybercrime",
            "topic=terrorism,cybercrime",
            "region=europe",
            &format!("author={author}"),
            "from=2026-01-07T12:00:00Z&to=2026-01-15",
            "on=2026-01&tz=America/Los_Angeles",
            "topic=cybercrime&region=europe",
            "tag=interpol",
        ] {
            urls.push(format!("/api/v1/news?{lang}{filter}&limit=100"));
        }
    }
    urls
}

/// Asserts that each listing's total is the number of items it shows, and the sum of its
/// archive's counts.
async fn totals_agree(app: &TestApp, urls: &[String], step: &str) {
    for url in urls {
        let list = app.get(url).await.json();
        let shown = list["items"].as_array().unwrap().len();
        assert_eq!(list["total"], json!(shown), "{step}: {url}");
        let archive_url =
            url.replace("/api/v1/news?", "/api/v1/news/archive?granularity=day&").replace("&limit=100", "");
        let archive = app.get(&archive_url).await.json();
        let periods = archive["periods"].as_array().unwrap_or_else(|| panic!("{step}: {url}: {archive}"));
        let counted: i64 = periods.iter().map(|p| p["count"].as_i64().unwrap()).sum();
        assert_eq!(json!(counted), list["total"], "{step}: archive of {url}");
    }
}

fn id(item: &Value) -> i64 {
    item["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn kept_totals_follow_every_write_and_the_passing_of_time() {
    let app = TestApp::builder().seed(Seed::None).languages("en,fr,es").start().await;
    let author = app.taxonomy().await;
    let urls = listings(author);
    let mut ids = Vec::new();
    for day in 1..=12 {
        let topic = if day % 3 == 0 { "terrorism" } else { "cybercrime" };
        let region = if day % 2 == 0 { "europe" } else { "africa" };
        let at = format!("2026-01-{day:02}T{:02}:30:00Z", day * 2 % 24);
        let extra = json!({"topic": topic, "region": region, "author_id": author, "tags": ["interpol"]});
        let en = id(&app.news(&format!("Story {day}"), Some(&at), extra.clone()).await);
        ids.push(en);
        if day % 2 == 0 {
            // Translations published on other days, some in another month, some on other topics.
            let fr_at = format!("2026-0{}-{:02}T08:00:00Z", 1 + day % 4 / 3, day + 3);
            let mut fr = json!({"lang": "fr", "translation_of": en, "topic": "terrorism"});
            fr["region"] = extra["region"].clone();
            ids.push(id(&app.news(&format!("Récit {day}"), Some(&fr_at), fr).await));
        }
        if day % 3 == 0 {
            ids.push(id(&app
                .news(&format!("Relato {day}"), Some(&at), json!({"lang": "es", "translation_of": en}))
                .await));
        }
    }
    // Today's, a draft, and a Spanish story of its own.
    let today = (Utc::now() - Duration::minutes(5)).trunc_subsecs(0).to_rfc3339();
    app.news("Today", Some(&today), json!({"topic": "cybercrime"})).await;
    app.news("Draft", None, json!({"lang": "fr", "translation_of": ids[0]})).await;
    let alone = id(&app.news("Solo", Some("2026-01-20T00:00:00Z"), json!({"lang": "es"})).await);
    totals_agree(&app, &urls, "created").await;

    // Trashed and restored; moved to another story; its topic and day changed; unpublished.
    app.delete(&format!("/api/v1/news/{}", ids[1])).await.assert_status(204);
    totals_agree(&app, &urls, "trashed").await;
    app.post(&format!("/api/v1/trash/{}/restore", ids[1]), &json!({})).await.assert_status(200);
    totals_agree(&app, &urls, "restored").await;
    let moved = app.patch(&format!("/api/v1/news/{alone}"), &json!({"translation_of": ids[0]})).await;
    moved.assert_status(200);
    totals_agree(&app, &urls, "moved into a story").await;
    let left = app.patch(&format!("/api/v1/news/{}", ids[0]), &json!({"translation_of": null})).await;
    left.assert_status(200);
    totals_agree(&app, &urls, "the story's first item left it").await;
    let edited = json!({"topic": "terrorism", "published_at": "2026-01-03T23:59:59Z"});
    app.patch(&format!("/api/v1/news/{}", ids[2]), &edited).await.assert_status(200);
    totals_agree(&app, &urls, "refiled").await;
    app.patch(&format!("/api/v1/news/{}", ids[3]), &json!({"status": "draft"})).await.assert_status(200);
    totals_agree(&app, &urls, "unpublished").await;

    // A French translation scheduled for a moment from now: until then its story is listed in
    // French by the English item it translates, from then on by the French one.
    let due = (Utc::now() + Duration::milliseconds(1500)).trunc_subsecs(3);
    let story = id(&app.news("Scheduled story", Some("2026-01-25T10:00:00Z"), json!({"topic": "cybercrime"})).await);
    let soon = json!({"lang": "fr", "translation_of": story, "topic": "cybercrime"});
    app.news("Histoire programmée", Some(&due.to_rfc3339()), soon).await;
    totals_agree(&app, &urls, "scheduled").await;
    let january = app.get("/api/v1/news?lang=fr&on=2026-01&limit=100").await.json();
    assert!(january["items"].as_array().unwrap().iter().any(|item| item["title"] == "Scheduled story"));
    let wait = (due - Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_millis(100);
    actix_web::rt::time::sleep(wait).await;
    totals_agree(&app, &urls, "come due").await;
    let january = app.get("/api/v1/news?lang=fr&on=2026-01&limit=100").await.json();
    assert!(january["items"].as_array().unwrap().iter().all(|item| item["title"] != "Scheduled story"));

    // Made anew for other languages at a restart.
    let app = TestApp::builder().on(app.db).seed(Seed::None).languages("fr,en").start().await;
    let urls: Vec<String> = listings(author).into_iter().filter(|url| !url.contains("es")).collect();
    totals_agree(&app, &urls, "restarted in French first").await;

    // The totals of whole days are the kept ones: a count changed behind the service's back
    // shows in them (and only there). (Listings asked for the first time: none is kept.)
    app.travel_in_time("UPDATE news_counts SET n = n + 1000 WHERE facet = 0");
    let kept = app.get("/api/v1/news?from=2026-01-02&to=2026-01-28").await.json();
    let counted = app.get("/api/v1/news?from=2026-01-02&to=2026-01-28&topic=cybercrime&region=europe").await.json();
    assert!(kept["total"].as_i64().unwrap() > 1000);
    assert!(counted["total"].as_i64().unwrap() < 1000);
}

#[actix_web::test]
async fn pages_far_from_the_start_are_the_ones_a_cursor_reaches() {
    let app = TestApp::builder().seed(Seed::None).start().await;
    app.taxonomy().await;
    let now = Utc::now().trunc_subsecs(0);
    for n in 0..1_150 {
        // Seventeen a day, the newest today, some at midnight.
        let at = now - Duration::hours(i64::from(n / 17) * 24) - Duration::minutes(i64::from(n % 17) * 37 % 1440);
        let topic = if n % 3 == 0 { "terrorism" } else { "cybercrime" };
        app.news(&format!("Item {n}"), Some(&at.to_rfc3339()), json!({"topic": topic})).await;
    }
    for filter in ["", "topic=cybercrime&"] {
        let mut by_cursor = Vec::new();
        let mut url = format!("/api/v1/news?{filter}limit=100");
        loop {
            let page = app.get(&url).await.json();
            by_cursor.extend(crate::helpers::ids(&page));
            let Some(cursor) = page["next_cursor"].as_str() else { break };
            url = format!("/api/v1/news?{filter}limit=100&cursor={cursor}");
        }
        // Pages from item 500 on are found from the kept counts: from the newest day in the
        // listing's newer half, from the oldest in the older half.
        let mut by_page = Vec::new();
        for n in 1..=23 {
            let page = app.get(&format!("/api/v1/news?{filter}limit=50&page={n}")).await.json();
            assert_eq!(page["total"], json!(by_cursor.len()), "{filter}");
            by_page.extend(crate::helpers::ids(&page));
        }
        assert_eq!(by_page, by_cursor, "{filter}");
    }
}

#[actix_web::test]
async fn writes_committed_together_keep_the_totals_and_the_audit_trail() {
    let app = TestApp::builder().seed(Seed::None).languages("en,fr,es").start().await;
    let author = app.taxonomy().await;
    let story = id(&app.news("Story", Some("2026-01-05T10:00:00Z"), json!({"topic": "cybercrime"})).await);
    let entries = app.db.audit_trail().len();
    // Sent at once, so that the writer commits them in batches, each refused write rolled back
    // alone: six new stories under one slug (five refused), six French translations of one
    // story (five refused), and twelve stories of their own in two languages.
    let body = |i: usize| {
        let at = format!("2026-01-{:02}T09:00:00Z", 1 + i);
        let mut body = json!({"title": format!("Written together {i}"), "body": "Words.", "published_at": at,
            "topic": "terrorism", "region": "europe", "author_id": author, "tags": ["interpol"]});
        match i % 4 {
            0 => body["slug"] = json!("one-slug"),
            1 => body["translation_of"] = json!(story),
            _ => {}
        }
        if i % 4 != 3 {
            body["lang"] = json!(if i % 4 == 2 { "es" } else { "fr" });
        }
        body
    };
    let bodies: Vec<Value> = (0..24).map(body).collect();
    let answers = futures_util::future::join_all(bodies.iter().map(|b| app.post("/api/v1/news", b))).await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    let refused = answers.iter().filter(|a| a.status == 409).count();
    assert_eq!((created, refused), (14, 10), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    totals_agree(&app, &listings(author), "written together").await;
    let trail = app.db.audit_trail();
    assert_eq!(trail.len(), entries + created, "one entry per write kept, none for a refused one");
    let out = crate::server::run(&["audit", "verify", "--database-url", &app.database_url()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
