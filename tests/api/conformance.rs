//! HTTP conformance, through the running binary as a cache, a link checker or `curl -I` meets
//! it: HEAD wherever GET, a strong ETag per content coding, one consistent `Vary`, and tiny
//! bodies left uncoded.

use std::io::Read;

use serde_json::json;

use crate::database::TestDb;
use crate::helpers::ADMIN;
use crate::server::{Reply, Server};

fn demo() -> (TestDb, Server) {
    let db = TestDb::new();
    let server = Server::start(&db.url(), &["--seed", "demo"]);
    (db, server)
}

fn all(reply: &Reply, name: &str) -> Vec<String> {
    reply.headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
}

fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body).read_to_end(&mut out).unwrap();
    out
}

#[test]
fn head_is_answered_wherever_get_is() {
    let (_db, server) = demo();
    // A demo image's file: streamed from the media store, not buffered like the others.
    let item: serde_json::Value =
        serde_json::from_slice(&server.http("GET", "/api/v1/news/1", &[], None).body).unwrap();
    let url = item["image"]["variants"][0]["url"].as_str().unwrap();
    let file = &url[url.find("/media/").unwrap()..];
    for path in [
        file,
        "/api/v1/news/1",
        "/api/v1/news?on=2023-06",
        "/feeds/news.rss",
        "/feeds/news.json",
        "/api/v1/organizations/interpol",
        "/openapi.json",
        "/health",
    ] {
        let get = server.http("GET", path, &[], None);
        let head = server.http("HEAD", path, &[], None);
        assert_eq!((head.status, get.status), (200, 200), "{path}");
        assert!(head.body.is_empty(), "{path}: a HEAD answer has no body");
        assert_eq!(head.header("content-length"), get.body.len().to_string(), "{path}");
        for name in ["etag", "last-modified", "cache-control", "link", "content-type", "vary"] {
            assert_eq!(all(&head, name), all(&get, name), "{path}: {name}");
        }
        let etag = get.header("etag").to_owned();
        let not_modified = server.http("HEAD", path, &[("if-none-match", &etag)], None);
        assert_eq!((not_modified.status, not_modified.header("etag")), (304, etag.as_str()), "{path}");
    }
    let res = server.http("HEAD", "/api/v1/news/9999", &[], None);
    assert!(res.status == 404 && res.body.is_empty());
    let res = server.http("HEAD", "/api/v1/auth/token", &[], None);
    assert_eq!((res.status, res.header("allow")), (405, "POST"));
    let res = server.http("PUT", "/api/v1/news", &[], None);
    assert_eq!((res.status, res.header("allow")), (405, "GET, HEAD, POST"));
}

#[test]
fn each_coding_has_its_own_strong_etag_and_validators_still_work() {
    let (_db, server) = demo();
    let path = "/api/v1/news?on=2023-06";
    let plain = server.http("GET", path, &[], None);
    let gzip = server.http("GET", path, &[("accept-encoding", "gzip")], None);
    let brotli = server.http("GET", path, &[("accept-encoding", "br, gzip")], None);
    assert_eq!(plain.header("content-encoding"), "");
    assert_eq!(gzip.header("content-encoding"), "gzip");
    assert_eq!(brotli.header("content-encoding"), "br");
    assert_eq!(gunzip(&gzip.body), plain.body, "the same representation, coded");
    let tags = [plain.header("etag"), gzip.header("etag"), brotli.header("etag")];
    assert!(tags.iter().all(|t| t.starts_with('"')), "strong tags: {tags:?}");
    assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2], "{tags:?}");

    // If-None-Match: a cache revalidating its gzip copy gets 304 with that copy's tag.
    let res = server.http("GET", path, &[("accept-encoding", "gzip"), ("if-none-match", tags[1])], None);
    assert_eq!((res.status, res.header("etag")), (304, tags[1]));
    let res = server.http("GET", path, &[("if-none-match", tags[1])], None);
    assert_eq!(res.status, 200, "a gzip tag does not validate the identity representation");
    let res = server.http("GET", path, &[("if-none-match", &format!("W/{}", tags[0]))], None);
    assert_eq!(res.status, 304, "weak comparison");

    // If-Match on a write: the current state in any coding, compared strongly.
    let credentials = json!({"username": ADMIN.0, "password": ADMIN.1});
    let token = server.http("POST", "/api/v1/auth/token", &[], Some(&credentials)).json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = format!("Bearer {token}");
    let item = server.http("GET", "/api/v1/news/1", &[("accept-encoding", "gzip"), ("authorization", &bearer)], None);
    let item_tag = item.header("etag").to_owned();
    let change = json!({"summary": "Changed with the tag of a gzip answer."});
    let res =
        server.http("PATCH", "/api/v1/news/1", &[("authorization", &bearer), ("if-match", &item_tag)], Some(&change));
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let res =
        server.http("PATCH", "/api/v1/news/1", &[("authorization", &bearer), ("if-match", &item_tag)], Some(&change));
    assert_eq!(res.status, 412, "the tag is stale now");
    let res = server.http(
        "PATCH",
        "/api/v1/news/1",
        &[("authorization", &bearer), ("if-match", &format!("W/{item_tag}"))],
        Some(&change),
    );
    assert_eq!(res.status, 412, "a weak tag never matches If-Match");
}

#[test]
fn vary_is_one_header_and_the_same_whatever_the_coding() {
    let (_db, server) = demo();
    for path in ["/api/v1/news?on=2023-06", "/api/v1/news/1", "/feeds/news.atom", "/api/v1/news/9999"] {
        let answers: Vec<Vec<String>> = ["identity", "gzip", "br"]
            .iter()
            .map(|coding| all(&server.http("GET", path, &[("accept-encoding", coding)], None), "vary"))
            .collect();
        assert_eq!(answers[0].len(), 1, "{path}: one Vary header: {answers:?}");
        assert!(answers.iter().all(|a| a == &answers[0]), "{path}: {answers:?}");
        let vary = answers[0][0].to_ascii_lowercase();
        assert!(vary.contains("accept-encoding") && vary.contains("authorization"), "{path}: {vary}");
    }
}

#[test]
fn tiny_bodies_are_sent_as_they_are() {
    let (_db, server) = demo();
    let problem = server.http("GET", "/api/v1/news/9999", &[("accept-encoding", "gzip, br")], None);
    assert_eq!((problem.status, problem.header("content-encoding")), (404, ""));
    assert!(problem.body.len() < 1024 && problem.json()["status"] == 404);
    let health = server.http("GET", "/health", &[("accept-encoding", "gzip")], None);
    assert_eq!(health.header("content-encoding"), "");
    let listing = server.http("GET", "/api/v1/news", &[("accept-encoding", "gzip")], None);
    assert_eq!(listing.header("content-encoding"), "gzip", "a large body is still coded");
}
