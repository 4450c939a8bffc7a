//! Languages: translations linked into stories, the reader's choice by `lang` or
//! `Accept-Language` with the site's fallback, and the same choice in every listing, total,
//! cursor, archive count and feed.

use std::collections::HashSet;

use actix_web::test::TestRequest;
use newsdesk::config::Seed;
use serde_json::{Value, json};

use crate::helpers::{TestApp, ids, titles};

async fn site() -> TestApp {
    TestApp::builder().seed(Seed::None).languages("en,fr,es,ar").start().await
}

fn id(item: &Value) -> i64 {
    item["id"].as_i64().unwrap()
}

/// The `(lang, id)` of an item's translations.
fn translations(item: &Value) -> Vec<(String, i64)> {
    let list = item["translations"].as_array().unwrap();
    list.iter().map(|t| (t["lang"].as_str().unwrap().to_owned(), t["id"].as_i64().unwrap())).collect()
}

/// A story in English with French and Arabic translations, all published.
async fn story(app: &TestApp, title: &str, at: &str) -> (i64, i64, i64) {
    let en = id(&app.news(&format!("{title} (en)"), Some(at), json!({})).await);
    let fr = id(&app.news(&format!("{title} (fr)"), Some(at), json!({"lang": "fr", "translation_of": en})).await);
    let ar = id(&app.news(&format!("{title} (ar)"), Some(at), json!({"lang": "ar", "translation_of": fr})).await);
    (en, fr, ar)
}

#[actix_web::test]
async fn a_translation_joins_its_story_and_each_item_lists_the_others() {
    let app = site().await;
    let (en, fr, ar) = story(&app, "Operation", "2024-03-01T00:00:00Z").await;
    let item = app.get(&format!("/api/v1/news/{en}")).await;
    item.assert_status(200);
    let body = item.json();
    assert_eq!((&body["lang"], &body["dir"]), (&json!("en"), &json!("ltr")));
    assert_eq!(translations(&body), [("ar".to_owned(), ar), ("fr".to_owned(), fr)]);
    assert_eq!(item.header("content-language"), Some("en"));
    let links: Vec<&str> = item.headers.get_all("link").map(|v| v.to_str().unwrap()).collect();
    assert!(links.iter().any(|l| l.contains("hreflang=\"fr\"") && l.contains("operation-fr")), "{links:?}");

    let arabic = app.get(&format!("/api/v1/news/{ar}")).await.json();
    assert_eq!((&arabic["lang"], &arabic["dir"]), (&json!("ar"), &json!("rtl")));
    assert_eq!(translations(&arabic), [("en".to_owned(), en), ("fr".to_owned(), fr)]);

    // One item per language in a story; languages outside the site's are refused.
    let second = app.post("/api/v1/news", &json!({"title": "Encore", "lang": "fr", "translation_of": en})).await;
    second.problem(409);
    let german = app.post("/api/v1/news", &json!({"title": "Razzia", "lang": "de", "translation_of": en})).await;
    assert_eq!(german.error_fields(), ["lang"]);
    let nowhere = app.post("/api/v1/news", &json!({"title": "Nowhere", "lang": "es", "translation_of": 999})).await;
    assert_eq!(nowhere.error_fields(), ["translation_of"]);
    // `fr-fr` is not `fr`: a tag names one of the site's languages exactly (in any case).
    let upper = app.news("Opération", None, json!({"lang": "FR"})).await;
    assert_eq!(upper["lang"], "fr");
}

#[actix_web::test]
async fn drafts_are_never_shown_as_translations_to_readers() {
    let app = site().await;
    let en = id(&app.news("Summit", Some("2024-03-01T00:00:00Z"), json!({})).await);
    let fr = id(&app.news("Sommet", None, json!({"lang": "fr", "translation_of": en})).await);
    assert_eq!(translations(&app.get(&format!("/api/v1/news/{en}")).await.json()), []);
    let editors = app.get_authed(&format!("/api/v1/news/{en}")).await.json();
    assert_eq!(translations(&editors), [("fr".to_owned(), fr)]);
    // A French reader gets the English item until the French one is out.
    let list = app.get("/api/v1/news?lang=fr").await.json();
    assert_eq!(ids(&list), [en]);
    app.patch(&format!("/api/v1/news/{fr}"), &json!({"status": "published", "published_at": "2024-03-02T00:00:00Z"}))
        .await
        .assert_status(200);
    assert_eq!(ids(&app.get("/api/v1/news?lang=fr").await.json()), [fr]);
}

#[actix_web::test]
async fn trashing_one_translation_leaves_the_others_and_its_place_can_be_taken() {
    let app = site().await;
    let (en, fr, ar) = story(&app, "Cyber", "2024-03-01T00:00:00Z").await;
    app.delete(&format!("/api/v1/news/{fr}")).await.assert_status(204);
    assert_eq!(translations(&app.get(&format!("/api/v1/news/{en}")).await.json()), [("ar".to_owned(), ar)]);
    assert_eq!(ids(&app.get("/api/v1/news?lang=fr").await.json()), [en], "French falls back to English");
    // A new French item takes the place; the trashed one cannot come back beside it.
    let new_fr = id(&app.news("Cyber (nouveau)", None, json!({"lang": "fr", "translation_of": ar})).await);
    app.post(&format!("/api/v1/trash/{fr}/restore"), &json!({})).await.problem(409);
    app.delete(&format!("/api/v1/news/{new_fr}")).await.assert_status(204);
    app.post(&format!("/api/v1/trash/{fr}/restore"), &json!({})).await.assert_status(200);
    assert_eq!(translations(&app.get(&format!("/api/v1/news/{fr}")).await.json()).len(), 2);
}

#[actix_web::test]
async fn an_item_leaves_its_story_and_joins_another() {
    let app = site().await;
    let (en, fr, ar) = story(&app, "Story", "2024-03-01T00:00:00Z").await;
    // The item the story was first told in leaves it: the others stay together.
    let alone = app.patch(&format!("/api/v1/news/{en}"), &json!({"translation_of": null})).await;
    alone.assert_status(200);
    assert_eq!(translations(&alone.json()), []);
    assert_eq!(translations(&app.get(&format!("/api/v1/news/{fr}")).await.json()), [("ar".to_owned(), ar)]);
    // A new story in English, then the English item joins the first story again.
    let other = id(&app.news("Other story", Some("2024-03-02T00:00:00Z"), json!({})).await);
    assert_eq!(translations(&app.get(&format!("/api/v1/news/{other}")).await.json()), []);
    let back = app.patch(&format!("/api/v1/news/{en}"), &json!({"translation_of": ar})).await.json();
    assert_eq!(translations(&back), [("ar".to_owned(), ar), ("fr".to_owned(), fr)]);
    // Moving French into a story that has French already is refused, and changes nothing.
    let spanish = id(&app.news("Historia", None, json!({"lang": "es", "translation_of": other})).await);
    let clash = app.patch(&format!("/api/v1/news/{spanish}"), &json!({"lang": "fr", "translation_of": en})).await;
    clash.problem(409);
    assert_eq!(app.get_authed(&format!("/api/v1/news/{spanish}")).await.json()["lang"], "es");
}

#[actix_web::test]
async fn a_listing_shows_each_story_once_in_the_best_language_it_has() {
    let app = site().await;
    let (en1, fr1, _) = story(&app, "One", "2024-03-01T00:00:00Z").await;
    let en2 = id(&app.news("Two", Some("2024-03-02T00:00:00Z"), json!({})).await);
    let es3 = id(&app.news("Tres", Some("2024-03-03T00:00:00Z"), json!({"lang": "es"})).await);

    let every = app.get("/api/v1/news").await;
    assert_eq!(every.json()["total"], 5, "without a choice, every item");
    assert_eq!(every.header("content-language"), None);
    assert!(every.header("vary").unwrap().contains("Accept-Language"));

    let french = app.get("/api/v1/news?lang=fr").await;
    assert_eq!(ids(&french.json()), [es3, en2, fr1], "French, else the site's order: en, fr, es, ar");
    assert_eq!(french.json()["total"], 3);
    assert_eq!(french.header("content-language"), Some("fr"));
    assert!(!french.header("vary").unwrap_or_default().contains("Accept-Language"), "the URL decided");

    assert_eq!(ids(&app.get("/api/v1/news?lang=fr&fallback=none").await.json()), [fr1]);
    assert_eq!(ids(&app.get("/api/v1/news?lang=es,fr&fallback=none").await.json()), [es3, fr1]);
    assert_eq!(ids(&app.get("/api/v1/news?lang=ar").await.json())[..2], [es3, en2]);

    // The header chooses when the URL does not: `fr-CA` finds `fr`, q-values rank.
    let header = |value: &'static str| TestRequest::get().uri("/api/v1/news").insert_header(("accept-language", value));
    let canadian = app.send(header("de;q=1, fr-CA;q=0.9, en;q=0.5")).await;
    assert_eq!(ids(&canadian.json()), [es3, en2, fr1]);
    assert_eq!(canadian.header("content-language"), Some("fr"));
    assert!(canadian.header("vary").unwrap().contains("Accept-Language"));
    // The cache keeps one answer per header: the English answer differs.
    let english = app.send(header("en")).await;
    assert_eq!(ids(&english.json()), [es3, en2, en1]);
    assert_eq!(english.header("content-language"), Some("en"));
    let again = app.send(header("de;q=1, fr-CA;q=0.9, en;q=0.5")).await;
    assert_eq!(ids(&again.json()), [es3, en2, fr1]);
    // A header that names none of the site's languages gets the site's order, or nothing
    // when it wants no fallback.
    assert_eq!(ids(&app.send(header("de")).await.json()), [es3, en2, en1]);
    let strict = TestRequest::get().uri("/api/v1/news?fallback=none").insert_header(("accept-language", "de"));
    let strict = app.send(strict).await;
    assert_eq!((ids(&strict.json()).len(), strict.header("content-language")), (0, None));

    let unknown = app.get("/api/v1/news?lang=de").await;
    assert_eq!(unknown.error_fields(), ["lang"]);
    app.get("/api/v1/news?lang=not%20a%20tag").await.problem(400);
    app.get("/api/v1/news?lang=fr&fallback=maybe").await.problem(400);
}

#[actix_web::test]
async fn totals_cursors_pages_and_archive_counts_agree_with_the_choice() {
    let app = site().await;
    let mut groups: Vec<HashSet<i64>> = Vec::new();
    for day in 1..=9 {
        let at = format!("2024-0{}-1{day}T00:00:00Z", 1 + day % 3);
        let en = id(&app.news(&format!("Story {day}"), Some(&at), json!({})).await);
        let mut group = HashSet::from([en]);
        // Some stories in French too, published later than the English (another month for some).
        if day % 2 == 0 {
            let fr_at = format!("2024-0{}-1{day}T00:00:00Z", 4 + day % 3);
            group.insert(id(&app
                .news(&format!("Récit {day}"), Some(&fr_at), json!({"lang": "fr", "translation_of": en}))
                .await));
        }
        groups.push(group);
    }
    let total = app.get("/api/v1/news?lang=fr").await.json()["total"].as_i64().unwrap();
    assert_eq!(total, 9);
    let story_of = |id: i64| groups.iter().position(|g| g.contains(&id)).unwrap();

    let mut by_cursor = Vec::new();
    let mut url = "/api/v1/news?lang=fr&limit=2".to_owned();
    loop {
        let page = app.get(&url).await.json();
        by_cursor.extend(ids(&page));
        let Some(cursor) = page["next_cursor"].as_str() else { break };
        url = format!("/api/v1/news?lang=fr&limit=2&cursor={cursor}");
    }
    let mut by_page = Vec::new();
    for n in 1..=5 {
        by_page.extend(ids(&app.get(&format!("/api/v1/news?lang=fr&limit=2&page={n}")).await.json()));
    }
    assert_eq!(by_cursor, by_page);
    let stories: Vec<usize> = by_cursor.iter().map(|&id| story_of(id)).collect();
    assert_eq!(stories.iter().collect::<HashSet<_>>().len(), 9, "each story exactly once: {stories:?}");
    assert_eq!(by_cursor.len(), 9);

    // The archive counts the items the listing shows, in the month each was published.
    let archive = app.get("/api/v1/news/archive?lang=fr").await.json();
    let counted: i64 = archive["periods"].as_array().unwrap().iter().map(|p| p["count"].as_i64().unwrap()).sum();
    assert_eq!(counted, 9);
    for period in archive["periods"].as_array().unwrap() {
        let month = period["period"].as_str().unwrap();
        let listed = app.get(&format!("/api/v1/news?lang=fr&on={month}")).await.json();
        assert_eq!(listed["total"], period["count"], "{month}");
    }
    // Filters apply to the item shown: French items have no English title words.
    assert_eq!(titles(&app.get("/api/v1/news?lang=fr&q=story").await.json()).len(), 5);
}

#[actix_web::test]
async fn feeds_declare_their_language_and_carry_right_to_left_text_unchanged() {
    let app = site().await;
    let title = "الإنتربول يدعم التعاون الشرطي الدولي";
    let en = id(&app.news("INTERPOL supports cooperation", Some("2024-03-01T00:00:00Z"), json!({})).await);
    app.news(title, Some("2024-03-01T00:00:00Z"), json!({"lang": "ar", "translation_of": en})).await;

    let rss = app.get("/feeds/news.rss?lang=ar").await;
    let channel: rss::Channel = String::from_utf8(rss.body.to_vec()).unwrap().parse().unwrap();
    assert_eq!(channel.language(), Some("ar"));
    assert_eq!(channel.items().iter().map(|i| i.title().unwrap()).collect::<Vec<_>>(), [title]);

    let atom = app.get("/feeds/news.atom?lang=ar").await;
    let feed: atom_syndication::Feed = String::from_utf8(atom.body.to_vec()).unwrap().parse().unwrap();
    assert_eq!(feed.lang(), Some("ar"));
    assert_eq!(feed.entries()[0].title().as_str(), title);

    let json = app.get("/feeds/news.json?lang=ar").await.json();
    assert_eq!(json["language"], "ar");
    assert_eq!(json["items"][0]["title"], title);
    assert_eq!(json["items"][0]["language"], "ar");

    // Without `lang`, every item, each with its own language; a header does not choose.
    let all = app.send(TestRequest::get().uri("/feeds/news.json").insert_header(("accept-language", "ar"))).await;
    let all = all.json();
    assert_eq!(all["language"], Value::Null);
    let languages: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|i| i["language"].as_str().unwrap()).collect();
    assert_eq!(languages.len(), 2);
    assert!(languages.contains(&"ar") && languages.contains(&"en"));
    // The API answers the Arabic title byte for byte.
    assert_eq!(app.get("/api/v1/news?lang=ar").await.json()["items"][0]["title"], title);
}

#[actix_web::test]
async fn the_changes_feed_carries_every_language() {
    let app = site().await;
    let (en, fr, ar) = story(&app, "Mirror", "2024-03-01T00:00:00Z").await;
    let changes = app.get("/api/v1/news/changes?since=0").await.json();
    let seen: Vec<(i64, String)> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["item"]["id"].as_i64().unwrap(), c["item"]["lang"].as_str().unwrap().to_owned()))
        .collect();
    for (id, lang) in [(en, "en"), (fr, "fr"), (ar, "ar")] {
        assert!(seen.contains(&(id, lang.to_owned())), "{seen:?}");
    }
    // A deletion says which language left.
    let cursor = changes["next_cursor"].as_str().unwrap().to_owned();
    app.delete(&format!("/api/v1/news/{fr}")).await.assert_status(204);
    let after = app.get(&format!("/api/v1/news/changes?since={cursor}")).await.json();
    let tombstone = &after["changes"][0];
    assert_eq!((&tombstone["op"], &tombstone["id"], &tombstone["lang"]), (&json!("delete"), &json!(fr), &json!("fr")));
}

/// The changes after `cursor`: each entry's `(op, id)`, the translations of those that carry
/// the item, and the cursor to read on from.
async fn changes_since(app: &TestApp, cursor: &str) -> (Vec<(String, i64)>, Vec<(i64, Vec<(String, i64)>)>, String) {
    let body = app.get(&format!("/api/v1/news/changes?since={cursor}")).await.json();
    let entries = body["changes"].as_array().unwrap();
    let ops = entries.iter().map(|c| (c["op"].as_str().unwrap().to_owned(), c["id"].as_i64().unwrap())).collect();
    let items =
        entries.iter().filter(|c| c["item"].is_object()).map(|c| (id(&c["item"]), translations(&c["item"]))).collect();
    (ops, items, body["next_cursor"].as_str().unwrap().to_owned())
}

#[actix_web::test]
async fn a_story_s_other_items_are_announced_when_their_translations_change() {
    let app = site().await;
    let en = id(&app.news("Raid (en)", Some("2024-03-01T00:00:00Z"), json!({})).await);
    let (_, _, start) = changes_since(&app, "0").await;
    // A French translation comes out: a mirror hears of the English item again, listing it.
    let fr =
        id(&app.news("Raid (fr)", Some("2024-03-01T00:00:00Z"), json!({"lang": "fr", "translation_of": en})).await);
    let (ops, items, after_fr) = changes_since(&app, &start).await;
    assert_eq!(ops, [("upsert".to_owned(), fr), ("upsert".to_owned(), en)]);
    assert_eq!(items[1], (en, vec![("fr".to_owned(), fr)]));
    // A draft translation is nothing readers see, so nothing is announced for the others.
    let es = id(&app.news("Redada", None, json!({"lang": "es", "translation_of": en})).await);
    let (ops, _, _) = changes_since(&app, &after_fr).await;
    assert_eq!(ops, []);
    // Edits that leave what the others list as it was announce only the item edited.
    app.patch(&format!("/api/v1/news/{fr}"), &json!({"summary": "Un résumé"})).await.assert_status(200);
    let (ops, _, after_edit) = changes_since(&app, &after_fr).await;
    assert_eq!(ops, [("upsert".to_owned(), fr)]);
    // The Spanish item comes out, then the French one goes to the trash: each time the
    // English item is announced as readers now see it.
    app.patch(&format!("/api/v1/news/{es}"), &json!({"status": "published", "published_at": "2024-03-01T00:00:00Z"}))
        .await
        .assert_status(200);
    app.delete(&format!("/api/v1/news/{fr}")).await.assert_status(204);
    let (ops, items, _) = changes_since(&app, &after_edit).await;
    assert_eq!(ops.iter().filter(|(_, id)| *id == en).count(), 1, "{ops:?}");
    assert!(ops.contains(&("delete".to_owned(), fr)), "{ops:?}");
    let english = items.iter().find(|(id, _)| *id == en).map(|(_, t)| t.clone());
    assert_eq!(english, Some(vec![("es".to_owned(), es)]));
}

#[actix_web::test]
async fn webhooks_filter_by_the_site_languages() {
    let app = TestApp::builder()
        .seed(Seed::None)
        .languages("en,fr,es,ar")
        .pushing(std::time::Duration::from_secs(60))
        .start()
        .await;
    let hook = |lang: &str| json!({"url": "http://127.0.0.1:9/hook", "events": ["news.published"], "filters": {"lang": [lang]}});
    let res = app.post("/api/v1/webhooks", &hook("FR")).await;
    res.assert_status(201);
    assert_eq!(res.json()["filters"]["lang"], json!(["fr"]));
    assert_eq!(app.post("/api/v1/webhooks", &hook("de")).await.error_fields(), ["filters.lang[0]"]);
}

async fn demo_site() -> TestApp {
    TestApp::builder().languages("en,fr,es,ar").start().await
}

#[actix_web::test]
async fn the_profile_reads_field_by_field_in_the_readers_language() {
    let app = demo_site().await;
    let french = app.get("/api/v1/organizations/interpol?lang=fr").await;
    french.assert_status(200);
    assert_eq!(french.header("content-language"), Some("fr"));
    let body = french.json();
    assert_eq!(body["full_name"], "Organisation internationale de police criminelle");
    assert_eq!(body["name"], "INTERPOL");
    assert_eq!(body["lang"], "fr");
    assert_eq!(body["field_languages"], json!({"name": "en", "full_name": "fr", "tagline": "en", "description": "en"}));

    let arabic = app
        .send(TestRequest::get().uri("/api/v1/organizations/interpol").insert_header(("accept-language", "ar")))
        .await;
    assert_eq!(arabic.json()["full_name"], "المنظمة الدولية للشرطة الجنائية");
    assert!(arabic.header("vary").unwrap().contains("Accept-Language"));
    let spanish = app.get("/api/v1/organizations/interpol?lang=es-MX").await.json();
    assert_eq!(spanish["full_name"], "Organización Internacional de Policía Criminal");
    // As written: English, and no word of languages (the representation writes are checked
    // against with If-Match).
    let written = app.get("/api/v1/organizations/interpol").await.json();
    assert_eq!(written["full_name"], "International Criminal Police Organization");
    assert_eq!((&written["lang"], &written["field_languages"]), (&Value::Null, &Value::Null));
    // A language that only has some fields falls back to the next one that has them.
    let list = app.get("/api/v1/organizations/interpol?lang=ar,fr").await.json();
    assert_eq!(list["field_languages"]["full_name"], "ar");
}

#[actix_web::test]
async fn a_translation_covers_the_bodies_and_offices_and_is_checked() {
    let app = demo_site().await;
    let bodies = app.get("/api/v1/organizations/interpol/bodies").await.json();
    let assembly = bodies["items"][0]["id"].as_i64().unwrap();
    let offices = app.get("/api/v1/organizations/interpol/offices").await.json();
    let headquarters = offices["items"][0]["id"].as_i64().unwrap();
    let translation = json!({
        "full_name": "Organisation internationale de police criminelle",
        "tagline": "Nous aidons la police de tous nos pays membres à travailler ensemble.",
        "bodies": [{"id": assembly, "name": "Assemblée générale"}],
        "offices": [{"id": headquarters, "name": "Siège"}],
    });
    let put = app.put("/api/v1/organizations/interpol/translations/fr", &translation).await;
    put.assert_status(200);
    assert_eq!(put.json()["lang"], "fr");
    assert_eq!(app.put("/api/v1/organizations/interpol/translations/fr", &translation).await.status, 200);

    let body = app.get(&format!("/api/v1/organizations/interpol/bodies/{assembly}?lang=fr")).await.json();
    assert_eq!(body["name"], "Assemblée générale");
    assert_eq!(body["field_languages"], json!({"name": "fr", "description": "en"}));
    let listed = app.get("/api/v1/organizations/interpol/offices?lang=fr").await.json();
    assert_eq!(listed["items"][0]["name"], "Siège");
    assert_eq!(listed["items"][1]["field_languages"]["name"], "en");
    let profile = app.get("/api/v1/organizations/interpol?lang=fr").await.json();
    assert_eq!(profile["field_languages"]["tagline"], "fr");
    let stored = app.get("/api/v1/organizations/interpol/translations").await.json();
    let langs: Vec<&str> = stored["items"].as_array().unwrap().iter().map(|t| t["lang"].as_str().unwrap()).collect();
    assert_eq!(langs, ["ar", "es", "fr"]);

    let bad = json!({"name": "", "bodies": [{"id": 999, "name": "X"}], "offices": [{"id": headquarters, "description": "non"}]});
    let refused = app.put("/api/v1/organizations/interpol/translations/es", &bad).await;
    assert_eq!(refused.error_fields(), ["name", "bodies[0].id", "offices[0].description"]);
    assert_eq!(
        app.get("/api/v1/organizations/interpol/translations/es").await.json()["full_name"],
        "Organización Internacional de Policía Criminal",
        "a refused translation changes nothing"
    );
    let own = app.put("/api/v1/organizations/interpol/translations/en", &json!({"name": "X"})).await;
    assert_eq!(own.error_fields(), ["lang"]);
    let german = app.put("/api/v1/organizations/interpol/translations/de", &json!({"name": "X"})).await;
    assert_eq!(german.error_fields(), ["lang"]);
    app.get("/api/v1/organizations/interpol?lang=xx").await.problem(422);
    app.get("/api/v1/organizations/interpol/translations/de").await.problem(404);
    app.delete("/api/v1/organizations/interpol/translations/de").await.problem(404);

    app.delete("/api/v1/organizations/interpol/translations/fr").await.assert_status(204);
    app.delete("/api/v1/organizations/interpol/translations/fr").await.problem(404);
    let after = app.get("/api/v1/organizations/interpol?lang=fr").await.json();
    assert_eq!(after["full_name"], "International Criminal Police Organization");
    let created = app.put("/api/v1/organizations/interpol/translations/fr", &json!({"name": "INTERPOL"})).await;
    assert_eq!(created.status, 201);
}

#[actix_web::test]
async fn the_profile_reads_as_it_was_at_an_instant() {
    let app = demo_site().await;
    let pause = || actix_web::rt::time::sleep(std::time::Duration::from_millis(20));
    let before_any = "2000-01-01T00:00:00Z";
    pause().await;
    let first = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    pause().await;
    app.patch("/api/v1/organizations/interpol", &json!({"tagline": "A new tagline"})).await.assert_status(200);
    let bodies = app.get("/api/v1/organizations/interpol/bodies").await.json();
    let assembly = bodies["items"][0]["id"].as_i64().unwrap();
    app.delete(&format!("/api/v1/organizations/interpol/bodies/{assembly}")).await.assert_status(204);
    let added = app
        .post("/api/v1/organizations/interpol/offices", &json!({"name": "Liaison office", "kind": "liaison_office"}))
        .await;
    added.assert_status(201);
    let french = json!({"full_name": "Organisation de police"});
    app.put("/api/v1/organizations/interpol/translations/fr", &french).await.assert_status(200);
    app.delete("/api/v1/organizations/interpol/translations/es").await.assert_status(204);
    pause().await;
    let second = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);

    let then = app.get(&format!("/api/v1/organizations/interpol?as_of={first}")).await;
    then.assert_status(200);
    assert_eq!(
        then.json()["tagline"],
        "We help police in all our member countries to work together to make the world a safer place."
    );
    let again = app.get(&format!("/api/v1/organizations/interpol?as_of={first}")).await;
    assert_eq!(then.header("etag"), again.header("etag"), "an answer about the past never changes");
    assert_eq!(
        app.get(&format!("/api/v1/organizations/interpol?as_of={second}")).await.json()["tagline"],
        "A new tagline"
    );
    app.get(&format!("/api/v1/organizations/interpol?as_of={before_any}")).await.problem(404);
    app.get("/api/v1/organizations/interpol?as_of=yesterday").await.problem(400);

    let bodies_then = app.get(&format!("/api/v1/organizations/interpol/bodies?as_of={first}")).await.json();
    assert!(ids(&bodies_then).contains(&assembly));
    let bodies_now = app.get(&format!("/api/v1/organizations/interpol/bodies?as_of={second}")).await.json();
    assert!(!ids(&bodies_now).contains(&assembly));
    app.get(&format!("/api/v1/organizations/interpol/bodies/{assembly}?as_of={first}")).await.assert_status(200);
    app.get(&format!("/api/v1/organizations/interpol/bodies/{assembly}?as_of={second}")).await.problem(404);
    let offices_then = app.get(&format!("/api/v1/organizations/interpol/offices?as_of={first}")).await.json();
    let offices_now = app.get(&format!("/api/v1/organizations/interpol/offices?as_of={second}")).await.json();
    assert_eq!(ids(&offices_now).len(), ids(&offices_then).len() + 1);

    // In a language, its translation as it was too.
    let app = &app;
    let read = |at: &str, lang: &str| {
        let url = format!("/api/v1/organizations/interpol?as_of={at}&lang={lang}");
        async move { app.get(&url).await }
    };
    let french_then = read(&first, "fr").await;
    assert_eq!(french_then.header("content-language"), Some("fr"));
    let french_then = french_then.json();
    assert_eq!(french_then["full_name"], "Organisation internationale de police criminelle");
    assert_eq!(
        (&french_then["field_languages"]["full_name"], &french_then["tagline"]),
        (&json!("fr"), &then.json()["tagline"])
    );
    assert_eq!(read(&second, "fr").await.json()["full_name"], "Organisation de police");
    assert_eq!(read(&first, "es").await.json()["full_name"], "Organización Internacional de Policía Criminal");
    let spanish_now = read(&second, "es").await.json();
    assert_eq!(spanish_now["full_name"], "International Criminal Police Organization");
    assert_eq!(spanish_now["field_languages"]["full_name"], "en");
    let bodies_in_french = app.get(&format!("/api/v1/organizations/interpol/bodies?as_of={first}&lang=fr")).await;
    assert_eq!(bodies_in_french.header("content-language"), Some("fr"));
}

/// The ids of the items a search finds, in order.
async fn found(app: &TestApp, q: &str) -> Vec<i64> {
    let mut found = ids(&app.get(&format!("/api/v1/news?q={q}")).await.json());
    found.sort_unstable();
    found
}

#[actix_web::test]
async fn search_stems_each_item_in_its_own_language() {
    let app = site().await;
    let at = "2024-03-01T00:00:00Z";
    let en =
        id(&app.news("Arrests in a trafficking case", Some(at), json!({"body": "Police arrested suspects."})).await);
    let fr = id(&app
        .news(
            "Arrestation de trafiquants",
            Some(at),
            json!({"lang": "fr", "translation_of": en, "body": "L'État a agi."}),
        )
        .await);
    let es = id(&app
        .news("Detenciones en la operación", Some(at), json!({"lang": "es", "body": "La policía actuó."}))
        .await);
    let ar = id(&app.news("الشرطة الدولية", Some(at), json!({"lang": "ar", "body": "اعتقال المشتبه بهم"})).await);

    // French stems: `arrestations` finds the French item about an `arrestation` (and English
    // stems find the English item about arrests: each language reads the words its way).
    assert!(found(&app, "arrestations").await.contains(&fr));
    // Diacritics folded where the language does: `etat` finds `État`.
    assert_eq!(found(&app, "etat").await, [fr]);
    assert_eq!(found(&app, "trafficking").await, [en]);
    assert_eq!(found(&app, "detencion").await, [es]);
    assert_eq!(found(&app, "operacion").await, [es]);
    assert_eq!(found(&app, "%D8%B4%D8%B1%D8%B7%D8%A9").await, [ar], "شرطة finds الشرطة");
    // With a language chosen, a search agrees with the choice: one item per story.
    let french = app.get("/api/v1/news?lang=fr&q=trafiquant").await.json();
    assert_eq!((ids(&french), &french["total"]), (vec![fr], &json!(1)));
}
