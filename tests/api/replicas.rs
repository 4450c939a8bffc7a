//! Several stateless replicas on one PostgreSQL database, run as real server processes: they
//! start together without racing on migrations or the demo data, and what one writes the
//! other serves at once, with the same ETags, though each keeps answers in its own cache. Runs when the suite has a PostgreSQL server.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::database::TestDb;
use crate::helpers::{ADMIN, SECRET};

/// A server process, killed when dropped.
struct Replica {
    port: u16,
    child: Child,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &TestDb) -> Replica {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--database-url", &db.url(), "--seed", "demo"])
        .args(["--jwt-secret", SECRET, "--admin-username", ADMIN.0, "--admin-password", ADMIN.1])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Replica { port, child }
}

/// One HTTP/1.1 exchange: the status, the headers (lower-case names) and the body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nhost: replica\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    if !body.is_empty() {
        request.push_str("content-type: application/json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

fn wait_ready(replica: &mut Replica) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        assert!(replica.child.try_wait().unwrap().is_none(), "replica on port {} exited while starting", replica.port);
        if TcpStream::connect(("127.0.0.1", replica.port)).is_ok()
            && http(replica.port, "GET", "/ready", &[], None).0 == 200
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("replica on port {} not ready within 30 s", replica.port);
}

#[test]
fn two_replicas_share_one_database_without_races_or_stale_answers() {
    let Some(server) = TestDb::postgres_server() else { return };
    let db = TestDb::postgres(&server);
    // Started together on an empty database: both migrate and seed, one after the other.
    let (mut a, mut b) = (start(&db), start(&db));
    wait_ready(&mut a);
    wait_ready(&mut b);
    for replica in [&a, &b] {
        let (status, _, body) = http(replica.port, "GET", "/api/v1/news?limit=100", &[], None);
        assert_eq!((status, json_of(&body)["total"].clone()), (200, json!(12)), "the demo is loaded once");
        http(replica.port, "GET", "/feeds/news.json", &[], None);
    }

    let credentials = json!({"username": ADMIN.0, "password": ADMIN.1});
    let (_, _, body) = http(a.port, "POST", "/api/v1/auth/token", &[], Some(&credentials));
    let token = format!("Bearer {}", json_of(&body)["access_token"].as_str().unwrap());
    let auth = [("authorization", token.as_str())];

    // A write through one replica is read through the other at once, with the same ETag.
    let item = json!({"title": "Written through A", "published_at": "2024-01-01T00:00:00Z"});
    let (status, _, body) = http(a.port, "POST", "/api/v1/news", &auth, Some(&item));
    assert_eq!(status, 201);
    let id = json_of(&body)["id"].as_i64().unwrap();
    let (_, headers, body) = http(b.port, "GET", "/api/v1/news?limit=100", &[], None);
    assert_eq!(json_of(&body)["total"], json!(13), "B's kept listing ended with A's write");
    assert_eq!(header(&headers, "age"), "", "answered anew");
    for replica in [&a, &b] {
        let (_, _, feed) = http(replica.port, "GET", "/feeds/news.json", &[], None);
        assert!(String::from_utf8_lossy(&feed).contains("Written through A"));
    }
    let path = format!("/api/v1/news/{id}");
    let (status_a, headers_a, body_a) = http(a.port, "GET", &path, &[], None);
    let (status_b, headers_b, body_b) = http(b.port, "GET", &path, &[], None);
    assert_eq!((status_a, status_b), (200, 200));
    assert_eq!(body_a, body_b);
    let etag = header(&headers_a, "etag").to_owned();
    assert_eq!(etag, header(&headers_b, "etag"));

    // B accepts A's ETag for a conditional write, and A then serves B's change.
    let change = json!({"title": "Changed through B"});
    let (status, _, _) = http(b.port, "PATCH", &path, &[auth[0], ("if-match", &etag)], Some(&change));
    assert_eq!(status, 200);
    let (status, _, _) = http(a.port, "PATCH", &path, &[auth[0], ("if-match", &etag)], Some(&change));
    assert_eq!(status, 412, "A sees that the ETag it issued is stale");
    let (_, headers, body) = http(a.port, "GET", &path, &[("if-none-match", &etag)], None);
    assert_eq!(json_of(&body)["title"], "Changed through B");
    assert_ne!(header(&headers, "etag"), etag);

    // Both had kept the feed: both show the change.
    for replica in [&a, &b] {
        let (_, _, feed) = http(replica.port, "GET", "/feeds/news.json", &[], None);
        assert!(String::from_utf8_lossy(&feed).contains("Changed through B"));
    }
}
