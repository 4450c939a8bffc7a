//! `newsdesk backup PATH` on a live database, run as the binary while the app writes.

use std::process::{Command, Stdio};

use serde_json::json;
use tempfile::TempDir;

use crate::helpers::{TestApp, ids};

fn backup(database_url: &str, path: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["backup", path.to_str().unwrap(), "--database-url", database_url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[actix_web::test]
async fn a_backup_taken_under_writes_has_every_write_acknowledged_before_it() {
    let app = TestApp::demo().await;
    for i in 0..20 {
        app.news(&format!("Before the backup {i}"), Some("2024-01-01T00:00:00Z"), json!({})).await;
    }
    let acknowledged = ids(&app.get("/api/v1/news?limit=100").await.json());
    assert_eq!(acknowledged.len(), 32);

    let target = TempDir::new().unwrap();
    let path = target.path().join("newsdesk.db");
    let mut running = backup(&app.database_url(), &path);
    // Writes go on for as long as the copy is being taken.
    let started = std::time::Instant::now();
    let mut during = 0;
    loop {
        app.news(&format!("During the backup {during}"), Some("2024-01-02T00:00:00Z"), json!({})).await;
        during += 1;
        if running.try_wait().unwrap().is_some() || started.elapsed().as_secs() > 30 {
            break;
        }
    }
    let out = running.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity check: ok"));

    let restored = TestApp::open(target).await;
    let found = ids(&restored.get("/api/v1/news?limit=100").await.json());
    for id in &acknowledged {
        assert!(found.contains(id), "item {id} acknowledged before the backup is missing from it");
    }
    let item = restored.get("/api/v1/news/1").await.json();
    assert_eq!(item, app.get("/api/v1/news/1").await.json(), "restored items are intact");
}

#[actix_web::test]
async fn a_backup_never_overwrites_a_file() {
    let app = TestApp::empty().await;
    let target = TempDir::new().unwrap();
    let path = target.path().join("taken.db");
    std::fs::write(&path, b"precious").unwrap();
    let out = backup(&app.database_url(), &path).wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}
