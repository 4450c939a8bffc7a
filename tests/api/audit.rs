//! The audit trail: every sign-in attempt and every write, with who, what, when, from where
//! and the outcome, listed by `GET /api/v1/audit` and chained by hashes that
//! `newsdesk audit verify` checks.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, TestApp};
use crate::server;

/// A request from this address.
fn from(req: TestRequest, address: &str) -> TestRequest {
    req.peer_addr(format!("{address}:40000").parse().unwrap())
}

fn actions(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn sign_ins_and_writes_are_recorded_with_who_what_and_from_where() {
    let app = TestApp::demo().await;
    let wrong = json!({"username": "Admin", "password": "not the password"});
    let res = app.send(from(TestRequest::post().uri("/api/v1/auth/token").set_json(wrong), "192.0.2.7")).await;
    res.assert_status(401);
    let alice = app.user("alice", "editor").await;
    let create = TestRequest::post()
        .uri("/api/v1/news")
        .insert_header(("authorization", format!("Bearer {alice}")))
        .set_json(json!({"title": "Audited", "body": "Words."}));
    let res = app.send(from(create, "198.51.100.4")).await;
    res.assert_status(201);
    let id = res.json()["id"].to_string();

    let trail = app.get_authed("/api/v1/audit?limit=100").await;
    trail.assert_status(200);
    let trail = trail.json();
    let newest = &trail["items"][0];
    assert_eq!(newest["actor"], "alice");
    assert_eq!(newest["action"], "news.create");
    assert_eq!(newest["resource"], "news");
    assert_eq!(newest["resource_id"], id.as_str());
    assert_eq!(newest["address"], "198.51.100.4");
    assert_eq!(newest["outcome"], "success");
    let failure = trail["items"].as_array().unwrap().iter().find(|e| e["outcome"] == "failure").unwrap();
    assert_eq!(failure["action"], "auth.sign_in");
    assert_eq!(failure["actor"], ADMIN.0, "the name given, as accounts are named");
    assert_eq!(failure["address"], "192.0.2.7");
    // Newest first, each chained to the one before.
    let items = trail["items"].as_array().unwrap();
    assert_eq!(trail["total"], items.len());
    for pair in items.windows(2) {
        assert_eq!(pair[0]["seq"].as_i64().unwrap(), pair[1]["seq"].as_i64().unwrap() + 1);
        assert_eq!(pair[0]["prev_hash"], pair[1]["hash"]);
    }

    let alices = app.get_authed("/api/v1/audit?actor=alice").await.json();
    assert_eq!(actions(&alices), ["news.create", "auth.sign_in"]);
    let sign_ins = app.get_authed("/api/v1/audit?action=auth.sign_in").await.json();
    assert!(actions(&sign_ins).iter().all(|a| a == "auth.sign_in"));
    assert_eq!(app.get_authed("/api/v1/audit?action=auth").await.json()["total"], sign_ins["total"]);
    assert_eq!(app.get_authed("/api/v1/audit?since=2999-01-01").await.json()["total"], 0);
    assert_eq!(app.get_authed("/api/v1/audit?since=2000-01-01T00:00:00Z").await.json()["total"], trail["total"]);
    for (query, param) in [("since=yesterday", "since"), ("action=News", "action"), ("action=news.", "action")] {
        let res = app.get_authed(&format!("/api/v1/audit?{query}")).await;
        assert_eq!(res.problem(400)["errors"][0]["field"], param, "{query}");
    }

    app.get("/api/v1/audit").await.assert_status(401);
    let as_alice = TestRequest::get().uri("/api/v1/audit").insert_header(("authorization", format!("Bearer {alice}")));
    app.send(as_alice).await.assert_status(403);
}

#[actix_web::test]
async fn verify_names_the_entry_edited_or_removed_behind_the_service_s_back() {
    let app = TestApp::demo().await;
    app.news("One", None, json!({})).await;
    app.news("Two", None, json!({})).await;
    let url = app.database_url();
    let verify = || {
        let out = server::run(&["audit", "verify", "--database-url", &url], &[]);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = verify();
    assert!(ok, "{out}");
    assert!(out.contains("the audit trail holds"), "{out}");

    app.db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2");
    let (ok, out) = verify();
    assert!(!ok);
    assert!(out.contains("entry 2 was changed"), "{out}");
    app.db.execute("UPDATE audit_log SET actor = NULL WHERE seq = 2");
    assert!(verify().0, "the entry as it was");

    let newest = app.db.audit_trail()[0].seq;
    app.db.execute(&format!("DELETE FROM audit_log WHERE seq = {newest}"));
    let (ok, out) = verify();
    assert!(!ok);
    assert!(out.contains(&format!("entries after {} are missing", newest - 1)), "{out}");

    app.db.execute("DELETE FROM audit_log WHERE seq = 2");
    let (ok, out) = verify();
    assert!(!ok);
    assert!(out.contains("entry 2 is missing"), "{out}");
}

#[actix_web::test]
async fn retention_cuts_the_oldest_entries_and_the_rest_stays_anchored() {
    let app = TestApp::demo().await;
    app.news("Kept", None, json!({})).await;
    let trail = app.db.audit_trail();
    let cut = trail[1].seq;
    app.db.execute(&format!("UPDATE audit_log SET at = '2001-01-01 00:00:00' WHERE seq <= {cut}"));
    let app = TestApp::builder().on(app.db).audit_retention_days(365).start().await;

    let trail = app.get_authed("/api/v1/audit?limit=100").await.json();
    let seqs: Vec<i64> = trail["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.iter().all(|&seq| seq > cut), "{seqs:?}");
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "audit.prune" && e["resource_id"] == cut.to_string().as_str())
    );
    let out = server::run(&["audit", "verify", "--database-url", &app.database_url()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
