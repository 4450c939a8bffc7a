//! `/api/v1/organizations`: profiles, their bodies and offices, and their news.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, ids};

#[actix_web::test]
async fn the_demo_profile_is_the_seed_page() {
    let app = TestApp::demo().await;
    let org = app.get("/api/v1/organizations/interpol").await.json();
    assert_eq!(org["name"], "INTERPOL");
    assert_eq!(org["full_name"], "International Criminal Police Organization");
    assert_eq!(org["kind"], "inter-governmental organization");
    assert_eq!(org["member_count"], 195);
    assert_eq!(org["headquarters"], json!({"city": "Lyon", "country": "FR"}));
    assert_eq!(org["website"], Value::Null, "not on the page: left empty");
    assert!(org["description"].as_str().unwrap().contains("National Central Bureau"));

    let bodies = app.get("/api/v1/organizations/interpol/bodies").await.json();
    let summary: Vec<(&str, &str)> = bodies["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["name"].as_str().unwrap(), b["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("General Assembly", "governing_body"),
            ("General Secretariat", "secretariat"),
            ("National Central Bureaus", "national_bureau")
        ]
    );
    assert_eq!(bodies["items"][0]["meeting_cadence"], "once a year");
    assert_eq!(bodies["items"][1]["leader_title"], "Secretary General");

    let offices = app.get("/api/v1/organizations/interpol/offices").await.json();
    let places: Vec<(&str, Value)> =
        offices["items"].as_array().unwrap().iter().map(|o| (o["kind"].as_str().unwrap(), o["city"].clone())).collect();
    assert_eq!(
        places,
        [("headquarters", json!("Lyon")), ("innovation_centre", json!("Singapore")), ("satellite_office", Value::Null)]
    );
    assert_eq!(app.get("/api/v1/organizations").await.json()["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn an_organizations_news_takes_every_listing_parameter() {
    let app = TestApp::demo().await;
    app.post("/api/v1/organizations", &json!({"name": "Europol"})).await.assert_status(201);
    let other = app.news("Europol item", Some("2023-06-15T00:00:00Z"), json!({"organization": "europol"})).await;
    assert_eq!(other["organization"], "europol");

    let june = app.get("/api/v1/organizations/interpol/news?on=2023-06").await.json();
    assert_eq!(june["total"], 9);
    assert!(june["items"].as_array().unwrap().iter().all(|i| i["organization"] == "interpol"));
    assert_eq!(ids(&app.get("/api/v1/organizations/europol/news").await.json()), [other["id"].as_i64().unwrap()]);
    assert_eq!(app.get("/api/v1/news?on=2023-06").await.json()["total"], 10);
    let page = app.get("/api/v1/organizations/interpol/news?limit=2&topic=human-trafficking&fields=id,title").await;
    assert_eq!(page.json()["total"], 3);
    assert!(page.next_link().unwrap().starts_with(&format!("<{PUBLIC_URL}/api/v1/organizations/interpol/news?")));
    app.get("/api/v1/organizations/interpol/news?limit=0").await.problem(400);
    app.get("/api/v1/organizations/nobody/news").await.problem(404);
}

#[actix_web::test]
async fn a_second_organization_with_bodies_and_offices() {
    let app = TestApp::demo().await;
    let res = app
        .post(
            "/api/v1/organizations",
            &json!({"name": "Europol", "full_name": "European Union Agency for Law Enforcement Cooperation",
                    "kind": "EU agency", "member_count": 27, "website": "https://www.europol.europa.eu",
                    "headquarters": {"city": "The Hague", "country": "NL"}}),
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.header("location"), Some(format!("{PUBLIC_URL}/api/v1/organizations/europol").as_str()));
    let org = res.json();
    assert_eq!(org["slug"], "europol");

    let res = app
        .post(
            "/api/v1/organizations/europol/bodies",
            &json!({"name": "Management Board", "kind": "governing_body", "meeting_cadence": "twice a year"}),
        )
        .await;
    res.assert_status(201);
    let body = res.json();
    let body_uri = format!("/api/v1/organizations/europol/bodies/{}", body["id"]);
    assert_eq!(res.header("location"), Some(format!("{PUBLIC_URL}{body_uri}").as_str()));
    assert_eq!(body["sort_order"], 0);
    let patched = app.patch(&body_uri, &json!({"leader_title": "Chair", "meeting_cadence": null})).await.json();
    assert_eq!((patched["leader_title"].clone(), patched["meeting_cadence"].clone()), (json!("Chair"), Value::Null));
    let replaced = app.put(&body_uri, &json!({"name": "Board", "kind": "executive_committee"})).await.json();
    assert_eq!(replaced["leader_title"], Value::Null);

    let res = app
        .post(
            "/api/v1/organizations/europol/offices",
            &json!({"name": "HQ", "kind": "headquarters", "city": "The Hague", "country": "NL", "region": "global"}),
        )
        .await;
    res.assert_status(201);
    let office = res.json();
    assert_eq!(office["region"], "global");
    let office_uri = format!("/api/v1/organizations/europol/offices/{}", office["id"]);
    let moved = app.patch(&office_uri, &json!({"city": "Amsterdam", "region": null})).await.json();
    assert_eq!(
        (moved["city"].clone(), moved["country"].clone(), moved["region"].clone()),
        (json!("Amsterdam"), json!("NL"), Value::Null)
    );

    let renamed =
        app.patch("/api/v1/organizations/europol", &json!({"tagline": "Safer Europe", "website": null})).await.json();
    assert_eq!(renamed["tagline"], "Safer Europe");
    assert_eq!(renamed["website"], Value::Null);
    assert_eq!(renamed["member_count"], 27);
    let replaced = app.put("/api/v1/organizations/europol", &json!({"name": "Europol"})).await.json();
    assert_eq!((replaced["headquarters"].clone(), replaced["member_count"].clone()), (Value::Null, Value::Null));

    app.delete(&office_uri).await.assert_status(204);
    app.get(&office_uri).await.problem(404);
    app.delete("/api/v1/organizations/europol").await.assert_status(204);
    app.get("/api/v1/organizations/europol").await.problem(404);
    app.get(&body_uri).await.problem(404);
}

#[actix_web::test]
async fn an_organization_with_news_cannot_be_deleted() {
    let app = TestApp::demo().await;
    let res = app.delete("/api/v1/organizations/interpol").await;
    assert!(res.problem(409)["detail"].as_str().unwrap().contains("news"));
    assert_eq!(app.get("/api/v1/organizations/interpol/bodies").await.json()["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn nested_ids_of_another_organization_are_404() {
    let app = TestApp::demo().await;
    app.post("/api/v1/organizations", &json!({"name": "Europol"})).await.assert_status(201);
    for uri in [
        "/api/v1/organizations/europol/bodies/1",
        "/api/v1/organizations/europol/offices/1",
        "/api/v1/organizations/interpol/bodies/abc",
        "/api/v1/organizations/nobody/bodies",
    ] {
        app.get(uri).await.problem(404);
    }
    app.patch("/api/v1/organizations/europol/bodies/1", &json!({"name": "Hijacked"})).await.problem(404);
    app.delete("/api/v1/organizations/europol/offices/1").await.problem(404);
    assert_eq!(app.get("/api/v1/organizations/interpol/bodies/1").await.json()["name"], "General Assembly");
}

#[actix_web::test]
async fn profiles_are_validated() {
    let app = TestApp::demo().await;
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": "X", "member_count": -1}), "member_count"),
        (json!({"name": "X", "member_count": "many"}), "member_count"),
        (json!({"name": "X", "website": "not a url"}), "website"),
        (json!({"name": "X", "website": "javascript:alert(1)"}), "website"),
        (json!({"name": "X", "headquarters": {"city": "Paris", "country": "France"}}), "headquarters.country"),
        (json!({"name": "X", "headquarters": {"city": "Paris", "country": "fr"}}), "headquarters.country"),
        (json!({"name": "X", "headquarters": {"town": "Paris"}}), "headquarters"),
        (json!({"name": "X", "headquarters": ["Paris", "FR"]}), "headquarters"),
        (json!({"name": "X", "slug": "Bad Slug"}), "slug"),
        (json!({"name": "X", "description": "\u{0}"}), "description"),
    ] {
        let res = app.post("/api/v1/organizations", &body).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}");
    }
    app.post("/api/v1/organizations", &json!({"name": "Interpol"})).await.problem(409);
    app.patch("/api/v1/organizations/interpol", &json!({"member_count": -5})).await.problem(422);
    assert_eq!(app.get("/api/v1/organizations/interpol").await.json()["member_count"], 195);

    for (uri, body, field) in [
        ("bodies", json!({"name": "B", "kind": "parliament"}), "kind"),
        ("bodies", json!({"name": "B"}), "kind"),
        ("bodies", json!({"name": "", "kind": "committee"}), "name"),
        ("bodies", json!({"name": "B", "kind": "committee", "sort_order": 1e12}), "sort_order"),
        ("offices", json!({"name": "O", "kind": "headquarters", "country": "XX"}), "country"),
        ("offices", json!({"name": "O", "kind": "castle"}), "kind"),
        ("offices", json!({"name": "O", "kind": "headquarters", "region": "atlantis"}), "region"),
    ] {
        let res = app.post(&format!("/api/v1/organizations/interpol/{uri}"), &body).await;
        res.problem(422);
        assert_eq!(res.error_fields(), [field], "{body}");
    }
    assert_eq!(app.get("/api/v1/organizations/interpol/offices").await.json()["items"].as_array().unwrap().len(), 3);
}

#[actix_web::test]
async fn profiles_are_cached_and_guarded_like_news() {
    let app = TestApp::demo().await;
    for uri in [
        "/api/v1/organizations/interpol",
        "/api/v1/organizations/interpol/bodies",
        "/api/v1/organizations/interpol/offices/1",
    ] {
        let first = app.get(uri).await;
        assert_eq!(first.header("cache-control"), Some("public, max-age=30"));
        let etag = first.header("etag").unwrap().to_owned();
        let again = app.send(TestRequest::get().uri(uri).insert_header(("if-none-match", etag.as_str()))).await;
        again.assert_status(304);
    }
    let stale = app.authed(
        TestRequest::patch()
            .uri("/api/v1/organizations/interpol")
            .insert_header(("if-match", "\"stale\""))
            .set_json(json!({"tagline": "x"})),
    );
    app.send(stale).await.problem(412);
    let etag = app.get("/api/v1/organizations/interpol/bodies/1").await.header("etag").unwrap().to_owned();
    let fresh = app.authed(
        TestRequest::patch()
            .uri("/api/v1/organizations/interpol/bodies/1")
            .insert_header(("if-match", etag.as_str()))
            .set_json(json!({"sort_order": 5})),
    );
    app.send(fresh).await.assert_status(200);
    app.send(TestRequest::post().uri("/api/v1/organizations").set_json(json!({"name": "Anon"}))).await.problem(401);
}

#[actix_web::test]
async fn a_region_used_by_an_office_cannot_be_deleted() {
    let app = TestApp::demo().await;
    app.post("/api/v1/regions", &json!({"name": "Oceania"})).await.assert_status(201);
    let office = json!({"name": "Pacific office", "kind": "regional_office", "region": "oceania"});
    app.post("/api/v1/organizations/interpol/offices", &office).await.assert_status(201);
    let res = app.delete("/api/v1/regions/oceania").await;
    assert!(res.problem(409)["detail"].as_str().unwrap().contains("offices"));
    app.get("/api/v1/regions/oceania").await.assert_status(200);
}
