//! Several stateless replicas on one PostgreSQL database, run as real server processes: they
//! start together without racing on migrations or the demo data, and what one writes the
//! other serves within moments (it is notified), with the same ETags, though each keeps
//! answers in its own cache; the audit trail stays one chain, and a partner key's revocation
//! and quota hold on both. Runs when the suite has a PostgreSQL server.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::database::TestDb;
use crate::helpers::ADMIN;
use crate::server::Server;

/// Two replicas started together on a new, empty database (both migrate and seed, one after
/// the other), and the admin's `Authorization` header; `None` when the suite has no
/// PostgreSQL server.
fn two_replicas() -> Option<(TestDb, Server, Server, String)> {
    let db = TestDb::postgres(&TestDb::postgres_server()?);
    let demo = ["--seed", "demo"];
    let (mut a, mut b) = (Server::spawn(&db.url(), &demo), Server::spawn(&db.url(), &demo));
    a.wait_ready();
    b.wait_ready();
    let credentials = json!({"username": ADMIN.0, "password": ADMIN.1});
    let res = a.http("POST", "/api/v1/auth/token", &[], Some(&credentials));
    let token = format!("Bearer {}", res.json()["access_token"].as_str().unwrap());
    Some((db, a, b, token))
}

/// How soon a replica serves what another wrote: it looks for notifications every 20 ms; the
/// rest is room for a loaded machine. (Its fallback, a read of the version each second, would
/// miss this bound about half the time.)
const STALE_AT_MOST: Duration = Duration::from_millis(500);

/// Asks until the answer passes `fresh`, for at most `STALE_AT_MOST`; the last answer.
fn soon<T>(ask: impl Fn() -> T, fresh: impl Fn(&T) -> bool) -> T {
    let started = Instant::now();
    loop {
        let answer = ask();
        if fresh(&answer) || started.elapsed() > STALE_AT_MOST {
            return answer;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn two_replicas_share_one_database_without_races_or_stale_answers() {
    let Some((db, a, b, token)) = two_replicas() else { return };
    for replica in [&a, &b] {
        let res = replica.http("GET", "/api/v1/news?limit=100", &[], None);
        assert_eq!((res.status, res.json()["total"].clone()), (200, json!(12)), "the demo is loaded once");
        replica.http("GET", "/feeds/news.json", &[], None);
    }

    let auth = [("authorization", token.as_str())];

    // A write through one replica is read through the other within moments, with the same ETag.
    let item = json!({"title": "Written through A", "published_at": "2024-01-01T00:00:00Z"});
    let res = a.http("POST", "/api/v1/news", &auth, Some(&item));
    assert_eq!(res.status, 201);
    let id = res.json()["id"].as_i64().unwrap();
    let res = soon(|| b.http("GET", "/api/v1/news?limit=100", &[], None), |res| res.json()["total"] == json!(13));
    assert_eq!(res.json()["total"], json!(13), "B's kept listing ended with A's write");
    assert_eq!(res.header("age"), "", "answered anew");
    let feed = a.http("GET", "/feeds/news.json", &[], None);
    assert!(String::from_utf8_lossy(&feed.body).contains("Written through A"), "A's own write, at once");
    let feed = soon(
        || b.http("GET", "/feeds/news.json", &[], None),
        |f| String::from_utf8_lossy(&f.body).contains("Written through A"),
    );
    assert!(String::from_utf8_lossy(&feed.body).contains("Written through A"));
    let path = format!("/api/v1/news/{id}");
    let (from_a, from_b) = (a.http("GET", &path, &[], None), b.http("GET", &path, &[], None));
    assert_eq!((from_a.status, from_b.status), (200, 200));
    assert_eq!(from_a.body, from_b.body);
    let etag = from_a.header("etag").to_owned();
    assert_eq!(etag, from_b.header("etag"));

    // B accepts A's ETag for a conditional write, and A then serves B's change.
    let change = json!({"title": "Changed through B"});
    assert_eq!(b.http("PATCH", &path, &[auth[0], ("if-match", &etag)], Some(&change)).status, 200);
    let res = a.http("PATCH", &path, &[auth[0], ("if-match", &etag)], Some(&change));
    assert_eq!(res.status, 412, "A sees that the ETag it issued is stale");
    let res = soon(|| a.http("GET", &path, &[("if-none-match", &etag)], None), |res| res.status == 200);
    assert_eq!(res.json()["title"], "Changed through B");
    assert_ne!(res.header("etag"), etag);

    // Both had kept the feed: both show the change.
    for replica in [&a, &b] {
        let feed = soon(
            || replica.http("GET", "/feeds/news.json", &[], None),
            |f| String::from_utf8_lossy(&f.body).contains("Changed through B"),
        );
        assert!(String::from_utf8_lossy(&feed.body).contains("Changed through B"));
    }

    // B's listening connection dies: B takes a new one within a second, and learns of what
    // was written meanwhile from the version it reads then.
    b.http("GET", &path, &[], None);
    assert_ne!(b.http("GET", &path, &[], None).header("age"), "", "B keeps the item");
    let listeners = "SELECT count(pg_terminate_backend(pid))::text AS value FROM pg_stat_activity \
        WHERE application_name = 'newsdesk-listener' AND datname = current_database()";
    assert_eq!(db.column(listeners), "2", "one listener per replica");
    let change = json!({"title": "Changed while B was deaf"});
    assert_eq!(a.http("PATCH", &path, &auth, Some(&change)).status, 200);
    let started = Instant::now();
    while b.http("GET", &path, &[], None).json()["title"] != "Changed while B was deaf" {
        assert!(started.elapsed() < Duration::from_secs(5), "B never caught up");
        std::thread::sleep(Duration::from_millis(20));
    }

    // A write about one organization ends what B keeps about it, and only that.
    assert_eq!(a.http("POST", "/api/v1/organizations", &auth, Some(&json!({"name": "Europol"}))).status, 201);
    // A new organization reaches every answer: B hears of it before keeping the ones below,
    // which would otherwise end when it did.
    std::thread::sleep(STALE_AT_MOST);
    let (ours, theirs) = ("/api/v1/organizations/interpol/news", "/api/v1/organizations/europol");
    for path in [ours, theirs] {
        let kept = soon(|| b.http("GET", path, &[], None), |res| !res.header("age").is_empty());
        assert_ne!(kept.header("age"), "", "B keeps {path} once it knows of the new organization");
    }
    let first = b.http("GET", ours, &[], None).json()["items"][0]["id"].clone();
    let change = json!({"title": "Changed about INTERPOL"});
    assert_eq!(a.http("PATCH", &format!("/api/v1/news/{first}"), &auth, Some(&change)).status, 200);
    let res = soon(|| b.http("GET", ours, &[], None), |res| res.json()["items"][0]["title"] == change["title"]);
    assert_eq!(res.json()["items"][0]["title"], change["title"]);
    assert_ne!(b.http("GET", theirs, &[], None).header("age"), "", "B still keeps the other organization's profile");

    // Writes through both at once are chained into one audit trail, in commit order.
    std::thread::scope(|scope| {
        for replica in [&a, &b] {
            scope.spawn(move || {
                for n in 0..20 {
                    let item = json!({"title": format!("Concurrent {n}")});
                    assert_eq!(replica.http("POST", "/api/v1/news", &auth, Some(&item)).status, 201);
                }
            });
        }
    });
    let out = crate::server::run(&["audit", "verify", "--database-url", &db.url()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let creates = db.audit_trail().iter().filter(|entry| entry.action == "news.create").count();
    assert_eq!(creates, 41);
}

/// Each replica keeps its own search index and brings it up to date before it searches: a
/// search through one finds what another has just written, with no wait.
#[test]
fn a_search_through_one_replica_finds_what_another_has_just_written() {
    let Some((_db, a, b, token)) = two_replicas() else { return };
    let auth = [("authorization", token.as_str())];
    let total = |replica: &Server, query: &str| {
        let res = replica.http("GET", &format!("/api/v1/news?{query}"), &[], None);
        assert_eq!(res.status, 200);
        res.json()["total"].clone()
    };
    assert_eq!(total(&b, "q=quokka"), json!(0));
    let item = json!({"title": "Quokka sighting", "published_at": "2024-01-01T00:00:00Z"});
    let res = a.http("POST", "/api/v1/news", &auth, Some(&item));
    assert_eq!(res.status, 201);
    let path = format!("/api/v1/news/{}", res.json()["id"]);
    assert_eq!(total(&b, "q=quokka&limit=5"), json!(1), "found through B at once");
    assert_eq!(b.http("PATCH", &path, &auth, Some(&json!({"title": "Wombat sighting"}))).status, 200);
    assert_eq!(total(&a, "q=wombat"), json!(1), "A finds B's change at once");
    assert_eq!(total(&a, "q=quokka&limit=6"), json!(0));
    assert_eq!(b.http("DELETE", &path, &auth, None).status, 204);
    assert_eq!(total(&a, "q=wombat&limit=7"), json!(0));
}

#[test]
fn a_partner_key_is_revoked_and_held_to_its_quota_on_every_replica() {
    let Some((_db, a, b, token)) = two_replicas() else { return };
    let admin = [("authorization", token.as_str())];
    let make = |quota: u32| {
        let res = a.http(
            "POST",
            "/api/v1/keys",
            &admin,
            Some(&json!({"name": "P", "scopes": ["read"], "rate_limit": quota})),
        );
        assert_eq!(res.status, 201);
        let made = res.json();
        (made["id"].as_i64().unwrap(), format!("Bearer {}", made["key"].as_str().unwrap()))
    };

    // Revoked through A: refused by B at once.
    let (id, key) = make(1000);
    assert_eq!(b.http("GET", "/api/v1/topics", &[("authorization", key.as_str())], None).status, 200);
    assert_eq!(a.http("DELETE", &format!("/api/v1/keys/{id}"), &admin, None).status, 204);
    assert_eq!(b.http("GET", "/api/v1/topics", &[("authorization", key.as_str())], None).status, 401);

    // One quota across both: what A admitted counts on B. (Counts are per calendar minute:
    // start well inside one.)
    while chrono::Utc::now().timestamp().rem_euclid(60) > 40 {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let (_, key) = make(30);
    let admitted = |replica: &Server, n: usize| {
        (0..n)
            .filter(|_| replica.http("GET", "/api/v1/topics", &[("authorization", key.as_str())], None).status == 200)
            .count()
    };
    assert_eq!(admitted(&a, 20), 20);
    // A reports within a second.
    std::thread::sleep(std::time::Duration::from_millis(2000));
    assert_eq!(admitted(&b, 20), 10, "B knows of A's 20");
    // B reports within a second, and A reads the total within the next.
    std::thread::sleep(std::time::Duration::from_millis(3000));
    assert_eq!(admitted(&a, 5), 0, "A knows of B's 10");
}
