//! `GET /api/v1/news` and `/api/v1/news/archive`: date filters and their edges, equality
//! filters, search, ordering, cursor and page walks.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, ids, titles};

#[actix_web::test]
async fn the_demo_june_headlines_newest_first() {
    let app = TestApp::demo().await;
    let res = app.get("/api/v1/news?on=2023-06").await;
    res.assert_status(200);
    let list = res.json();
    assert_eq!(list["total"], 9);
    assert_eq!(list["limit"], 20);
    assert_eq!(list["next_cursor"], Value::Null);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    let dates: Vec<&str> = items.iter().map(|i| i["published_at"].as_str().unwrap()).collect();
    assert!(dates.iter().all(|d| d.starts_with("2023-06-")));
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");
    assert_eq!(
        items[0]["title"],
        "Wildlife crime: extradition of prominent trafficker to face prosecution in Tanzania"
    );
    assert_eq!(items[8]["title"], "Global operation identifies 1,426 potential victims of human trafficking");
    // Same-day items keep the order of the page they come from.
    assert_eq!(
        titles(&list)[1..4],
        [
            "Policing with a gender perspective",
            "Innovation and enhanced data-sharing key to countering emerging security threats",
            "14 terror suspects arrested in African operation",
        ]
    );
    for item in items {
        assert_eq!(item["organization"], "interpol");
        assert_eq!(item["author"]["name"], "Robert Williams");
        assert!(item["reading_time_seconds"].as_i64().unwrap() > 0);
        assert!(!item["summary"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.get("/api/v1/news?on=2023-07").await.json()["total"], 3);
    assert_eq!(app.get("/api/v1/news?on=2023").await.json()["total"], 12);
    assert_eq!(app.get("/api/v1/news?on=2023-06-09").await.json()["total"], 3);
    assert_eq!(app.get("/api/v1/news?on=2022").await.json()["total"], 0);
}

/// Items at the edges of 2023-06-09 (UTC): the last microsecond of the day and the next midnight.
async fn edge_items(app: &TestApp) -> (i64, i64, i64) {
    let before = app.news("Before", Some("2023-06-08T23:59:59Z"), json!({})).await["id"].as_i64().unwrap();
    let last = app.news("Last second", Some("2023-06-09T23:59:59Z"), json!({})).await["id"].as_i64().unwrap();
    let next = app.news("Next midnight", Some("2023-06-10T00:00:00Z"), json!({})).await["id"].as_i64().unwrap();
    (before, last, next)
}

#[actix_web::test]
async fn a_date_only_to_covers_its_whole_day_and_bounds_are_inclusive() {
    let app = TestApp::empty().await;
    let (before, last, next) = edge_items(&app).await;
    assert_eq!(ids(&app.get("/api/v1/news?to=2023-06-09").await.json()), [last, before]);
    assert_eq!(ids(&app.get("/api/v1/news?from=2023-06-09&to=2023-06-09").await.json()), [last]);
    assert_eq!(ids(&app.get("/api/v1/news?from=2023-06-10").await.json()), [next]);
    assert_eq!(ids(&app.get("/api/v1/news?on=2023-06-09").await.json()), [last]);
    // Instants are inclusive on both sides.
    let uri = "/api/v1/news?from=2023-06-09T23:59:59Z&to=2023-06-10T00:00:00Z";
    assert_eq!(ids(&app.get(uri).await.json()), [next, last]);
    let offset = "/api/v1/news?to=2023-06-10T01:59:59%2B02:00";
    assert_eq!(ids(&app.get(offset).await.json()), [last, before], "offsets are normalized");
}

#[actix_web::test]
async fn a_time_zone_moves_items_across_midnight() {
    let app = TestApp::empty().await;
    let late = app.news("Late in UTC", Some("2023-06-09T23:30:00Z"), json!({})).await["id"].as_i64().unwrap();
    assert_eq!(ids(&app.get("/api/v1/news?on=2023-06-09").await.json()), [late]);
    assert!(ids(&app.get("/api/v1/news?on=2023-06-10").await.json()).is_empty());
    assert_eq!(ids(&app.get("/api/v1/news?on=2023-06-10&tz=Asia/Tokyo").await.json()), [late]);
    assert!(ids(&app.get("/api/v1/news?on=2023-06-09&tz=Asia/Tokyo").await.json()).is_empty());
    assert_eq!(ids(&app.get("/api/v1/news?from=2023-06-10&tz=Europe/Paris").await.json()), [late]);
    let archive = app.get("/api/v1/news/archive?granularity=day&tz=Asia/Tokyo").await.json();
    assert_eq!(archive, json!({"periods": [{"period": "2023-06-10", "count": 1}]}));
}

#[actix_web::test]
async fn equality_filters_take_any_of_several_values() {
    let app = TestApp::empty().await;
    let author = app.taxonomy().await;
    let at = Some("2023-01-01T00:00:00Z");
    let a = app.news("A", at, json!({"topic": "cybercrime", "region": "africa", "tags": ["x"]})).await["id"]
        .as_i64()
        .unwrap();
    let b = app.news("B", at, json!({"topic": "terrorism", "region": "europe", "author_id": author})).await["id"]
        .as_i64()
        .unwrap();
    let c = app.news("C", at, json!({"tags": ["x", "y"]})).await["id"].as_i64().unwrap();
    let get = |q: &'static str| {
        let app = &app;
        async move {
            let mut found = ids(&app.get(&format!("/api/v1/news?{q}")).await.json());
            found.sort();
            found
        }
    };
    assert_eq!(get("topic=cybercrime").await, [a]);
    assert_eq!(get("topic=cybercrime,terrorism").await, [a, b]);
    assert_eq!(get("topic=cybercrime&topic=terrorism").await, [a, b]);
    assert_eq!(get("topic=unknown").await, Vec::<i64>::new());
    assert_eq!(get("region=europe").await, [b]);
    assert_eq!(get(Box::leak(format!("author={author}").into_boxed_str())).await, [b]);
    assert_eq!(get("tag=x").await, [a, c]);
    assert_eq!(get("tag=y,nope").await, [c]);
    assert_eq!(get("tag=x&topic=cybercrime").await, [a]);
    assert_eq!(get("status=published").await, [a, b, c]);
}

#[actix_web::test]
async fn updated_since_finds_changed_items() {
    let app = TestApp::empty().await;
    let a = app.news("A", Some("2023-01-01T00:00:00Z"), json!({})).await;
    let b = app.news("B", Some("2023-01-01T00:00:00Z"), json!({})).await;
    let since = b["updated_at"].as_str().unwrap().to_owned();
    app.patch(&format!("/api/v1/news/{}", a["id"]), &json!({"summary": "changed"})).await.assert_status(200);
    let changed = app.get(&format!("/api/v1/news?updated_since={}", since.replace('+', "%2B"))).await.json();
    assert_eq!(ids(&changed), [a["id"].as_i64().unwrap()]);
}

#[actix_web::test]
async fn full_text_search_ranks_and_stems_and_ignores_syntax() {
    let app = TestApp::demo().await;
    let found = app.get("/api/v1/news?q=arrest").await.json();
    let found_titles = titles(&found);
    assert!(found_titles.contains(&"14 terror suspects arrested in African operation".to_owned()), "{found_titles:?}");
    assert!(found_titles.iter().all(|t| t.to_lowercase().contains("arrest") || !t.is_empty()));
    let both = titles(&app.get("/api/v1/news?q=terror%20suspects").await.json());
    assert_eq!(both, ["14 terror suspects arrested in African operation"]);
    for hostile in
        ["%22unterminated", "a%20OR%20b%20NEAR(c)", "*", "title:x", "%27%3B%20DROP%20TABLE%20news_items%3B--"]
    {
        let res = app.get(&format!("/api/v1/news?q={hostile}")).await;
        assert!(res.status.as_u16() == 200 || res.status.as_u16() == 400, "{hostile}: {}", res.status);
        if res.status.as_u16() == 400 {
            res.problem(400);
        }
    }
    assert_eq!(app.get("/api/v1/news").await.json()["total"], 12);
    let sorted = app.get("/api/v1/news?q=trafficking&sort=-published_at").await.json();
    let dates: Vec<&str> =
        sorted["items"].as_array().unwrap().iter().map(|i| i["published_at"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
}

/// A rare word's few matches are looked up by id, a common word's are found by walking the
/// listing's index (SQLite): both must hide the same items from anonymous readers.
#[actix_web::test]
async fn searches_for_rare_and_common_words_show_only_what_the_reader_may_see() {
    let app = TestApp::empty().await;
    let rare = |title: &str, status: &str| json!({"body": format!("{title}: a rare sighting, and common words."), "status": status});
    let public = app.news("Public", Some("2023-01-01T00:00:00Z"), rare("Public", "published")).await;
    let draft = app.news("Draft", Some("2023-01-01T00:00:00Z"), rare("Draft", "draft")).await;
    let archived = app.news("Archived", Some("2023-01-01T00:00:00Z"), rare("Archived", "archived")).await;
    let scheduled = app.news("Scheduled", Some("2999-01-01T00:00:00Z"), rare("Scheduled", "published")).await;
    let trashed = app.news("Trashed", Some("2023-01-02T00:00:00Z"), rare("Trashed", "published")).await;
    app.delete(&format!("/api/v1/news/{}", trashed["id"])).await.assert_status(204);
    for n in 0..50 {
        app.news(&format!("Other {n}"), Some("2023-02-01T00:00:00Z"), json!({"body": "Only common words."})).await;
    }
    let found = |list: Value| {
        let mut found = ids(&list);
        found.sort();
        (list["total"].as_i64().unwrap(), found)
    };
    let id = |item: &Value| item["id"].as_i64().unwrap();

    for sort in ["", "&sort=-published_at"] {
        assert_eq!(found(app.get(&format!("/api/v1/news?q=rare{sort}")).await.json()), (1, vec![id(&public)]));
        let mut seen = vec![id(&public), id(&draft), id(&archived), id(&scheduled)];
        seen.sort();
        assert_eq!(found(app.get_authed(&format!("/api/v1/news?q=rare{sort}&limit=100")).await.json()), (4, seen));
        let common = found(app.get(&format!("/api/v1/news?q=common&limit=100{sort}")).await.json());
        assert_eq!(common.0, 51);
        assert!(common.1.contains(&id(&public)), "{common:?}");
        let everyone = found(app.get_authed(&format!("/api/v1/news?q=common&limit=100{sort}")).await.json());
        assert_eq!(everyone.0, 54, "all but the trashed item");
    }
}

#[actix_web::test]
async fn sort_orders() {
    let app = TestApp::empty().await;
    app.news("Banana", Some("2023-01-02T00:00:00Z"), json!({})).await;
    app.news("apple", Some("2023-01-03T00:00:00Z"), json!({})).await;
    app.news("Cherry", Some("2023-01-01T00:00:00Z"), json!({})).await;
    // None of these shows, in any order.
    app.news("Apricot draft", Some("2023-01-04T00:00:00Z"), json!({"status": "draft"})).await;
    app.news("Avocado scheduled", Some("2999-01-01T00:00:00Z"), json!({})).await;
    let trashed = app.news("Almond trashed", Some("2023-01-05T00:00:00Z"), json!({})).await;
    app.delete(&format!("/api/v1/news/{}", trashed["id"])).await.assert_status(204);
    assert_eq!(titles(&app.get("/api/v1/news").await.json()), ["apple", "Banana", "Cherry"]);
    assert_eq!(titles(&app.get("/api/v1/news?sort=published_at").await.json()), ["Cherry", "Banana", "apple"]);
    assert_eq!(titles(&app.get("/api/v1/news?sort=title").await.json()), ["Banana", "Cherry", "apple"]);
    assert_eq!(titles(&app.get("/api/v1/news?sort=-updated_at").await.json()), ["Cherry", "apple", "Banana"]);
    for sort in ["title", "-title", "updated_at", "-updated_at"] {
        assert_eq!(app.get(&format!("/api/v1/news?sort={sort}")).await.json()["total"], 3, "{sort}");
    }
}

/// A common topic, or a month, by title or by update time, a page of one at a time: on SQLite
/// such pages walk the order's index and test each row (`Steer::Order`), where a page of a
/// hundred reads the matches and sorts them. Both show the same items, and nothing that is not
/// published.
#[actix_web::test]
async fn common_filters_in_other_orders() {
    let app = TestApp::empty().await;
    for name in ["Common", "Other"] {
        app.post("/api/v1/topics", &json!({"name": name})).await.assert_status(201);
    }
    let common = json!({"topic": "common"});
    let fruits = ["kiwi", "Fig", "date", "Elder", "lime", "Grape", "honeydew", "Jackfruit", "Iced", "Mango"];
    for (day, title) in fruits.into_iter().enumerate() {
        app.news(title, Some(&format!("2023-01-{:02}T00:00:00Z", day + 1)), common.clone()).await;
    }
    app.news("Apricot draft", Some("2023-01-20T00:00:00Z"), json!({"topic": "common", "status": "draft"})).await;
    app.news("Avocado scheduled", Some("2999-01-01T00:00:00Z"), common.clone()).await;
    let trashed = app.news("Almond trashed", Some("2023-01-21T00:00:00Z"), common.clone()).await;
    app.delete(&format!("/api/v1/news/{}", trashed["id"])).await.assert_status(204);
    app.news("Banana other", Some("2023-01-22T00:00:00Z"), json!({"topic": "other"})).await;
    app.news("Cherry later", Some("2023-02-01T00:00:00Z"), common.clone()).await;
    let by_title = app.get("/api/v1/news?topic=common&sort=title&limit=100").await.json();
    assert_eq!(
        titles(&by_title),
        ["Cherry later", "Elder", "Fig", "Grape", "Iced", "Jackfruit", "Mango", "date", "honeydew", "kiwi", "lime"]
    );
    for (filter, total) in [("topic=common", 11), ("on=2023-01", 11), ("topic=common&on=2023-01", 10)] {
        for sort in ["title", "-title", "updated_at", "-updated_at"] {
            let all = app.get(&format!("/api/v1/news?{filter}&sort={sort}&limit=100")).await.json();
            assert_eq!(all["total"], total, "{filter}&sort={sort}");
            let walked = walk(&app, &format!("{filter}&sort={sort}&limit=1")).await;
            assert_eq!(walked, ids(&all), "{filter}&sort={sort}");
            let first = app.get(&format!("/api/v1/news?{filter}&sort={sort}&limit=1")).await.json();
            assert_eq!(first["total"], total, "{filter}&sort={sort}, a page of one");
        }
    }
}

/// Follows `next_cursor` to the end and returns every id seen, checking the `Link` header.
async fn walk(app: &TestApp, query: &str) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut uri = format!("/api/v1/news?{query}");
    loop {
        let res = app.get(&uri).await;
        res.assert_status(200);
        let page = res.json();
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let link = res.next_link().expect("Link rel=next on a page with a next page");
                assert!(link.starts_with(&format!("<{PUBLIC_URL}/api/v1/news?")), "{link}");
                uri = format!("/api/v1/news?{query}&cursor={cursor}");
            }
            None => {
                assert!(res.next_link().is_none());
                return seen;
            }
        }
        assert!(seen.len() <= 1000, "runaway walk");
    }
}

#[actix_web::test]
async fn cursor_walks_have_no_duplicates_or_gaps_and_agree_with_total() {
    let app = TestApp::demo().await;
    // Ties on published_at (same day) and on title make the id tie-breaker matter.
    for i in 0..7 {
        app.news("Same title", Some("2023-06-09T00:00:00Z"), json!({"summary": format!("{i}")})).await;
    }
    app.news("Undated draft", None, json!({})).await;
    let total = app.get("/api/v1/news").await.json()["total"].as_i64().unwrap();
    assert_eq!(total, 19);
    for sort in ["-published_at", "published_at", "title", "-title", "-updated_at", "updated_at"] {
        for limit in [1, 4, 7, 100] {
            let seen = walk(&app, &format!("sort={sort}&limit={limit}")).await;
            let unique: HashSet<i64> = seen.iter().copied().collect();
            assert_eq!(unique.len(), seen.len(), "duplicates with sort={sort} limit={limit}");
            assert_eq!(seen.len() as i64, total, "gaps with sort={sort} limit={limit}");
            let all = ids(&app.get(&format!("/api/v1/news?sort={sort}&limit=100")).await.json());
            assert_eq!(seen, all, "cursor order differs from one page with sort={sort}");
        }
    }
    let searched = walk(&app, "q=police&limit=2").await;
    assert_eq!(searched.len() as i64, app.get("/api/v1/news?q=police").await.json()["total"].as_i64().unwrap());
    assert_eq!(walk(&app, "on=2023-06&limit=4").await.len(), 16);
}

#[actix_web::test]
async fn page_numbers_page_by_offset() {
    let app = TestApp::demo().await;
    let all = ids(&app.get("/api/v1/news?limit=100").await.json());
    let res = app.get("/api/v1/news?limit=5&page=2").await;
    assert_eq!(ids(&res.json()), all[5..10]);
    assert_eq!(res.next_link(), Some(format!("<{PUBLIC_URL}/api/v1/news?limit=5&page=3>; rel=\"next\"")));
    let last = app.get("/api/v1/news?limit=5&page=3").await;
    assert_eq!(ids(&last.json()), all[10..]);
    assert!(last.next_link().is_none());
    assert!(ids(&app.get("/api/v1/news?limit=5&page=99").await.json()).is_empty());
}

#[actix_web::test]
async fn fields_trims_each_item() {
    let app = TestApp::demo().await;
    let list = app.get("/api/v1/news?fields=id,title,published_at&limit=2").await.json();
    for item in list["items"].as_array().unwrap() {
        let keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "title", "published_at"]);
    }
    assert_eq!(list["total"], 12);
}

#[actix_web::test]
async fn archive_counts_per_period_newest_first() {
    let app = TestApp::demo().await;
    let months = app.get("/api/v1/news/archive").await.json();
    assert_eq!(months, json!({"periods": [{"period": "2023-07", "count": 3}, {"period": "2023-06", "count": 9}]}));
    let years = app.get("/api/v1/news/archive?granularity=year").await.json();
    assert_eq!(years, json!({"periods": [{"period": "2023", "count": 12}]}));
    let days = app.get("/api/v1/news/archive?granularity=day&on=2023-06").await.json();
    assert_eq!(days["periods"][0], json!({"period": "2023-06-29", "count": 1}));
    assert_eq!(days["periods"].as_array().unwrap().len(), 6);
    let cyber = app.get("/api/v1/news/archive?topic=cybercrime").await.json();
    assert_eq!(cyber, json!({"periods": [{"period": "2023-07", "count": 1}]}));
    app.get("/api/v1/news/archive?granularity=week").await.problem(400);
    app.get("/api/v1/news/archive?limit=5").await.problem(400);
}

#[actix_web::test]
async fn archive_periods_follow_the_readers_time_zone_to_the_second() {
    let app = TestApp::empty().await;
    // Either side of midnight in Kolkata (UTC+05:30), and of midnight in Paris in 1900, when
    // its offset was the 9 min 21 s of Paris Mean Time.
    for at in ["2023-06-08T18:29:00Z", "2023-06-08T18:31:00Z", "1900-01-01T23:50:00Z", "1900-01-01T23:51:00Z"] {
        app.news(&format!("At {at}"), Some(at), json!({})).await;
    }
    let kolkata = app.get("/api/v1/news/archive?granularity=day&tz=Asia/Kolkata&from=2023-01-01").await.json();
    assert_eq!(
        kolkata,
        json!({"periods": [{"period": "2023-06-09", "count": 1}, {"period": "2023-06-08", "count": 1}]})
    );
    let paris = app.get("/api/v1/news/archive?granularity=day&tz=Europe/Paris&to=1901-01-01").await.json();
    assert_eq!(paris, json!({"periods": [{"period": "1900-01-02", "count": 1}, {"period": "1900-01-01", "count": 1}]}));
    let utc = app.get("/api/v1/news/archive?granularity=year").await.json();
    assert_eq!(utc, json!({"periods": [{"period": "2023", "count": 2}, {"period": "1900", "count": 2}]}));
}

#[actix_web::test]
async fn bad_parameters_answer_400_naming_them() {
    let app = TestApp::demo().await;
    for (query, param) in [
        ("from=2023-13-01", "from"),
        ("from=yesterday", "from"),
        ("to=2023-06-31", "to"),
        ("from=2023-06-10&to=2023-06-01", "from"),
        ("on=2023-6", "on"),
        ("on=99999", "on"),
        ("tz=Mars/Olympus", "tz"),
        ("updated_since=2023-06-01", "updated_since"),
        ("author=robert", "author"),
        ("status=deleted", "status"),
        ("topic=", "topic"),
        ("sort=views", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=1e3", "limit"),
        ("limit=99999999999999999999999", "limit"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("cursor=garbage", "cursor"),
        ("page=2&cursor=eyJ9", "cursor"),
        ("fields=id,secret", "fields"),
        ("q=%20%21%21", "q"),
        ("limit=5&limit=6", "limit"),
        ("tpoic=cybercrime", "tpoic"),
    ] {
        let res = app.get(&format!("/api/v1/news?{query}")).await;
        let problem = res.problem(400);
        assert_eq!(res.error_fields(), [param], "{query}");
        assert!(problem["detail"].as_str().unwrap().contains(&format!("`{param}`")), "{query}: {problem}");
    }
    let cursor = app.get("/api/v1/news?limit=1").await.json()["next_cursor"].as_str().unwrap().to_owned();
    let res = app.get(&format!("/api/v1/news?sort=title&cursor={cursor}")).await;
    assert_eq!(res.error_fields(), ["cursor"]);
    let res = app.get(&format!("/api/v1/news?page=2&cursor={cursor}")).await;
    assert_eq!(res.error_fields(), ["page"]);
}

#[actix_web::test]
async fn a_cursor_forged_to_start_in_the_future_shows_nothing_scheduled() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let app = TestApp::empty().await;
    let published = || json!({"status": "published"});
    app.news("Past", Some("2024-01-01T00:00:00Z"), published()).await;
    app.news("Older", Some("2023-01-01T00:00:00Z"), published()).await;
    app.news("Scheduled", Some("2999-01-01T00:00:00Z"), published()).await;
    let first = app.get("/api/v1/news?limit=1").await.json();
    assert_eq!(titles(&first), ["Past"]);
    let cursor = String::from_utf8(URL_SAFE_NO_PAD.decode(first["next_cursor"].as_str().unwrap()).unwrap()).unwrap();
    let forged = cursor.replace("2024-01-01T00:00:00Z", "2999-12-31T00:00:00Z");
    assert_ne!(forged, cursor, "{cursor}");
    let page = app.get(&format!("/api/v1/news?cursor={}", URL_SAFE_NO_PAD.encode(forged))).await;
    page.assert_status(200);
    assert_eq!(titles(&page.json()), ["Past", "Older"]);
}
