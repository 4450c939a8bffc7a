//! `/feeds/news.{rss,atom,json}`, read back with the same crates' parsers.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, TestResponse};

fn rss(res: &TestResponse) -> rss::Channel {
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/rss+xml; charset=utf-8"));
    rss::Channel::read_from(&res.body[..]).expect("valid RSS")
}

fn atom(res: &TestResponse) -> atom_syndication::Feed {
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/atom+xml; charset=utf-8"));
    atom_syndication::Feed::read_from(&res.body[..]).expect("valid Atom")
}

fn json_feed(res: &TestResponse) -> Value {
    res.assert_status(200);
    assert_eq!(res.header("content-type"), Some("application/feed+json; charset=utf-8"));
    res.json()
}

fn rss_titles(channel: &rss::Channel) -> Vec<String> {
    channel.items().iter().map(|i| i.title().unwrap_or_default().to_owned()).collect()
}

#[actix_web::test]
async fn the_three_feeds_carry_the_latest_public_headlines() {
    let app = TestApp::demo().await;
    let channel = rss(&app.get("/feeds/news.rss").await);
    assert_eq!(channel.title(), "INTERPOL news");
    assert_eq!(channel.items().len(), 12);
    assert_eq!(
        channel.items()[0].title(),
        Some("Saudi Arabia supports digital transformation of international police cooperation")
    );
    assert_eq!(channel.atom_ext().unwrap().links()[0].href(), format!("{PUBLIC_URL}/feeds/news.rss"));
    let first = &channel.items()[0];
    assert!(first.link().unwrap().starts_with(&format!("{PUBLIC_URL}/api/v1/news/")));
    assert_eq!(first.dublin_core_ext().unwrap().creators(), ["Robert Williams"]);
    assert!(first.categories().iter().any(|c| c.name() == "innovation"));
    assert!(first.content().is_none(), "summaries by default");

    let feed = atom(&app.get("/feeds/news.atom").await);
    assert_eq!(feed.entries().len(), 12);
    assert_eq!(feed.authors()[0].name(), "INTERPOL");
    assert!(feed.links().iter().any(|l| l.rel() == "self" && l.href() == format!("{PUBLIC_URL}/feeds/news.atom")));
    assert_eq!(feed.entries()[0].published().unwrap().to_rfc3339(), "2023-07-10T00:00:00+00:00");

    let doc = json_feed(&app.get("/feeds/news.json").await);
    assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(doc["feed_url"], format!("{PUBLIC_URL}/feeds/news.json"));
    assert_eq!(doc["items"].as_array().unwrap().len(), 12);
    assert_eq!(doc["items"][0]["authors"][0]["name"], "Robert Williams");
}

#[actix_web::test]
async fn feeds_take_the_listing_filters() {
    let app = TestApp::demo().await;
    assert_eq!(atom(&app.get("/feeds/news.atom?topic=cybercrime").await).entries().len(), 1);
    assert_eq!(rss(&app.get("/feeds/news.rss?region=africa").await).items().len(), 2);
    assert_eq!(json_feed(&app.get("/feeds/news.json?on=2023-06").await)["items"].as_array().unwrap().len(), 9);
    assert_eq!(rss(&app.get("/feeds/news.rss?limit=3").await).items().len(), 3);
    let feed = atom(&app.get("/feeds/news.atom?tag=operation&from=2023-06-05").await);
    assert_eq!(feed.entries().len(), 2);
    assert!(
        feed.links().iter().any(|l| l.rel() == "self" && l.href().ends_with("news.atom?tag=operation&from=2023-06-05"))
    );
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("content=all", "content"),
        ("on=June", "on"),
        ("sort=title", "sort"),
    ] {
        let res = app.get(&format!("/feeds/news.rss?{query}")).await;
        res.problem(400);
        assert_eq!(res.error_fields(), [param]);
    }
}

#[actix_web::test]
async fn text_survives_the_round_trip_and_markup_is_escaped_in_every_feed() {
    let app = TestApp::empty().await;
    let title = "Tom & Jerry: <b>“quoted”</b> <img src=x onerror=alert(1)> — Ελληνικά 中文 العربية";
    let summary = "Less < more & <img src=x onerror=alert(1)>";
    let body = "Intro with **bold**.\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(1))";
    app.news(title, Some("2023-01-01T00:00:00Z"), json!({"body": body, "summary": summary})).await;
    let hostile = |html: &str| html.contains("<script") || html.contains("<img") || html.contains("javascript:");

    let channel = rss(&app.get("/feeds/news.rss?content=full").await);
    let item = &channel.items()[0];
    assert_eq!(item.title(), Some(title), "titles are text");
    // Readers render the description and the content as HTML: the summary comes out escaped.
    assert_eq!(item.description(), Some("Less &lt; more &amp; &lt;img src=x onerror=alert(1)&gt;"));
    let html = item.content().unwrap();
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(!hostile(html), "{html}");

    let feed = atom(&app.get("/feeds/news.atom?content=full").await);
    let entry = &feed.entries()[0];
    assert_eq!(entry.title().as_str(), title);
    assert_eq!(entry.title().r#type, atom_syndication::TextType::Text);
    assert_eq!(
        (entry.summary().unwrap().as_str(), entry.summary().unwrap().r#type),
        (summary, atom_syndication::TextType::Text)
    );
    let html = entry.content().unwrap().value().unwrap();
    assert!(html.contains("&lt;script&gt;") && !hostile(html), "{html}");

    let doc = json_feed(&app.get("/feeds/news.json?content=full").await);
    let item = &doc["items"][0];
    // JSON Feed's `title` and `summary` are plain text by its specification.
    assert_eq!((item["title"].as_str(), item["summary"].as_str()), (Some(title), Some(summary)));
    let html = item["content_html"].as_str().unwrap();
    assert!(html.contains("<strong>bold</strong>") && !hostile(html), "{html}");
}

#[actix_web::test]
async fn feeds_show_only_what_anonymous_readers_see() {
    let app = TestApp::empty().await;
    app.news("Draft", Some("2023-01-01T00:00:00Z"), json!({"status": "draft"})).await;
    app.news("Scheduled", Some("2999-01-01T00:00:00Z"), json!({})).await;
    let deleted = app.news("Deleted", Some("2023-01-01T00:00:00Z"), json!({})).await;
    app.news("Public", Some("2023-01-02T00:00:00Z"), json!({})).await;
    app.delete(&format!("/api/v1/news/{}", deleted["id"])).await.assert_status(204);
    assert_eq!(rss_titles(&rss(&app.get("/feeds/news.rss").await)), ["Public"]);
    // Signed-in or not, a feed is the public view.
    let signed_in = app.get_authed("/feeds/news.rss").await;
    assert_eq!(rss_titles(&rss(&signed_in)), ["Public"]);
}

#[actix_web::test]
async fn entry_ids_survive_edits() {
    let app = TestApp::empty().await;
    let item = app.news("Before", Some("2023-01-01T00:00:00Z"), json!({})).await;
    let before = atom(&app.get("/feeds/news.atom").await).entries()[0].id().to_owned();
    app.patch(&format!("/api/v1/news/{}", item["id"]), &json!({"title": "After", "slug": "after"}))
        .await
        .assert_status(200);
    let after = atom(&app.get("/feeds/news.atom").await);
    assert_eq!(after.entries()[0].title().as_str(), "After");
    assert_eq!(after.entries()[0].id(), before);
    assert_eq!(before, format!("{PUBLIC_URL}/api/v1/news/{}", item["id"]));
}

async fn conditional(app: &TestApp, uri: &str, header: (&str, &str)) -> TestResponse {
    app.send(TestRequest::get().uri(uri).insert_header(header)).await
}

#[actix_web::test]
async fn polling_gets_304_until_something_visible_changes() {
    let app = TestApp::demo().await;
    let first = app.get("/feeds/news.atom").await;
    let etag = first.header("etag").unwrap().to_owned();
    let modified = first.header("last-modified").unwrap().to_owned();
    for header in [("if-none-match", etag.as_str()), ("if-modified-since", modified.as_str())] {
        let res = conditional(&app, "/feeds/news.atom", header).await;
        res.assert_status(304);
        assert!(res.body.is_empty());
    }
    // A change a second later is seen by both validators.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.delete("/api/v1/news/1").await.assert_status(204);
    for header in [("if-none-match", etag.as_str()), ("if-modified-since", modified.as_str())] {
        conditional(&app, "/feeds/news.atom", header).await.assert_status(200);
    }
}

#[actix_web::test]
async fn a_scheduled_item_comes_out_on_time_and_nothing_tells_of_it_before() {
    let app = TestApp::empty().await;
    app.news("Now", Some("2023-01-01T00:00:00Z"), json!({})).await;
    let calm = app.get("/feeds/news.rss").await;
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(2500)).to_rfc3339();
    app.news("Soon", Some(&soon), json!({})).await;
    app.news("A draft", None, json!({"status": "draft"})).await;
    let res = app.get("/feeds/news.rss").await;
    for header in ["cache-control", "last-modified", "etag"] {
        assert_eq!(res.header(header), calm.header(header), "{header} tells of the scheduled item or the draft");
    }
    assert_eq!(res.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(rss_titles(&rss(&res)), ["Now"]);
    let etag = res.header("etag").unwrap().to_owned();
    let modified = res.header("last-modified").unwrap().to_owned();

    actix_web::rt::time::sleep(std::time::Duration::from_millis(2600)).await;
    for header in [("if-none-match", etag.as_str()), ("if-modified-since", modified.as_str())] {
        let res = conditional(&app, "/feeds/news.rss", header).await;
        assert_eq!(rss_titles(&rss(&res)), ["Soon", "Now"], "the item that came due is in the feed");
    }
}

#[actix_web::test]
async fn listings_advertise_their_feeds() {
    let app = TestApp::demo().await;
    let res = app.get("/api/v1/news?topic=cybercrime&limit=5").await;
    let links: Vec<&str> = res.headers.get_all("link").filter_map(|v| v.to_str().ok()).collect();
    for (format, media_type) in
        [("atom", "application/atom+xml"), ("rss", "application/rss+xml"), ("json", "application/feed+json")]
    {
        let expected =
            format!("<{PUBLIC_URL}/feeds/news.{format}?topic=cybercrime>; rel=\"alternate\"; type=\"{media_type}\"");
        assert!(links.contains(&expected.as_str()), "{links:?}");
    }
}

/// Whether every character is one XML 1.0 allows (its production `Char`).
fn is_xml_text(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|text| {
        text.chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
    })
}

#[actix_web::test]
async fn text_that_xml_forbids_is_refused_so_the_feeds_stay_well_formed() {
    let app = TestApp::demo().await;
    for bad in ["\u{FFFE}", "\u{FFFF}"] {
        let title = format!("A title {bad}");
        let res = app.post("/api/v1/news", &json!({"title": title, "published_at": "2023-07-12T00:00:00Z"})).await;
        assert_eq!(res.problem(422)["errors"][0]["field"], "title", "{bad:?}");
        let summary =
            json!({"title": "A title", "summary": format!("Sum {bad}"), "published_at": "2023-07-12T00:00:00Z"});
        assert_eq!(app.post("/api/v1/news", &summary).await.error_fields(), ["summary"], "{bad:?}");
        let tag = json!({"title": "A title", "tags": [format!("t{bad}")], "published_at": "2023-07-12T00:00:00Z"});
        assert_eq!(app.post("/api/v1/news", &tag).await.error_fields(), ["tags[0]"], "{bad:?}");
        let topic = app.post("/api/v1/topics", &json!({"name": format!("Topic {bad}")})).await;
        assert_eq!(topic.error_fields(), ["name"], "{bad:?}");
    }
    for (path, content) in [("/feeds/news.rss", "full"), ("/feeds/news.atom", "full")] {
        let res = app.get(&format!("{path}?content={content}")).await;
        assert!(is_xml_text(&res.body), "{path}");
    }
    assert_eq!(rss(&app.get("/feeds/news.rss?content=full").await).items().len(), 12);
    assert_eq!(atom(&app.get("/feeds/news.atom?content=full").await).entries().len(), 12);
}

#[actix_web::test]
async fn a_feed_is_dated_by_public_changes_only() {
    let app = TestApp::demo().await;
    let before = app.get("/feeds/news.atom").await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.news("Unseen draft", None, json!({"status": "draft"})).await;
    app.patch("/api/v1/topics/cybercrime", &json!({"description": "Edited"})).await.assert_status(200);
    let app = app.restart(newsdesk::config::Seed::Demo).await;
    let after = app.get("/feeds/news.atom").await;
    assert_eq!(after.header("last-modified"), before.header("last-modified"), "a draft and a restart date nothing");
    assert_eq!(atom(&after).updated(), atom(&before).updated());
}
