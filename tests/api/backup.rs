//! `newsdesk backup PATH` on a live database, run as the binary while the app writes, and
//! `newsdesk export` / `newsdesk import` between databases.

use std::process::{Command, Stdio};

use serde_json::json;
use tempfile::TempDir;

use newsdesk::config::Seed;

use crate::database::TestDb;
use crate::helpers::{PUBLIC_URL, TestApp, ids};

/// `newsdesk COMMAND PATH` on `db` and its media store.
fn newsdesk(command: &str, path: &std::path::Path, db: &TestDb) -> std::process::Child {
    let media = db.media_location().to_string();
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args([command, path.to_str().unwrap(), "--database-url", &db.url(), "--media-store", &media])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn backup(db: &TestDb, path: &std::path::Path) -> std::process::Child {
    newsdesk("backup", path, db)
}

/// Backups and exports hold password hashes and drafts: only their owner may read them.
fn assert_private(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} is {mode:o}", path.display());
}

/// Runs a command to its end: its success and what it printed (stdout, then stderr).
fn run(command: &str, path: &std::path::Path, db: &TestDb) -> (bool, String) {
    let out = newsdesk(command, path, db).wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[actix_web::test]
async fn a_backup_taken_under_writes_has_every_write_acknowledged_before_it() {
    let app = TestApp::demo().await;
    if app.db.is_postgres() {
        // Copies of PostgreSQL databases are pg_dump's job; the command says so.
        let target = TempDir::new().unwrap();
        let (ok, out) = run("backup", &target.path().join("copy.db"), &app.db);
        assert!(!ok && out.contains("pg_dump"), "{out}");
        return;
    }
    for i in 0..20 {
        app.news(&format!("Before the backup {i}"), Some("2024-01-01T00:00:00Z"), json!({})).await;
    }
    let acknowledged = ids(&app.get("/api/v1/news?limit=100").await.json());
    assert_eq!(acknowledged.len(), 32);

    let target = TestDb::sqlite();
    let TestDb::Sqlite(dir) = &target else { unreachable!() };
    let path = dir.path().join("newsdesk.db");
    let mut running = backup(&app.db, &path);
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
    assert_private(&path);

    let restored = TestApp::builder().on(target).seed(Seed::None).start().await;
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
    if app.db.is_postgres() {
        return;
    }
    let target = TempDir::new().unwrap();
    let path = target.path().join("taken.db");
    std::fs::write(&path, b"precious").unwrap();
    let out = backup(&app.db, &path).wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

/// The definitions of a database's indexes, and on SQLite its journal mode. An import sets
/// indexes aside and leaves WAL mode for its own time: after it, whether it succeeded or
/// failed, both must be as the migrations made them.
fn indexes(db: &TestDb) -> String {
    if db.is_postgres() {
        db.column("SELECT indexdef AS value FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname")
    } else {
        let mode = db.column("SELECT journal_mode AS value FROM pragma_journal_mode");
        let indexes =
            db.column("SELECT sql AS value FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name");
        format!("{mode}: {indexes}")
    }
}

/// `indexes` of a new database of the same kind as `db`, made by the migrations.
fn migrated_indexes(db: &TestDb) -> String {
    let migrated = match db {
        TestDb::Sqlite(_) => TestDb::sqlite(),
        TestDb::Postgres { server, .. } => TestDb::postgres(server),
    };
    newsdesk::db::open_alone(&migrated.url()).unwrap();
    indexes(&migrated)
}

/// Moves a populated database (with revisions, trash, a purge, accounts, odd text, stories in
/// several languages, right-to-left text, profile translations) from `source` to the empty
/// `target` by export and import, and checks that nothing changed.
async fn moves_with_every_row(source: TestDb, target: TestDb) {
    const LANGUAGES: &str = "en,fr,es,ar";
    let app = TestApp::builder().on(source).languages(LANGUAGES).start().await;
    app.user("eve", "editor").await;
    app.post("/api/v1/keys", &json!({"name": "Partner", "scopes": ["read", "preview"]})).await.assert_status(201);
    let hook =
        json!({"url": "https://93.184.216.34/hook", "events": ["news.updated"], "filters": {"topic": ["terrorism"]}});
    app.post("/api/v1/webhooks", &hook).await.assert_status(201);
    app.patch("/api/v1/news/1", &json!({"title": "Changed once"})).await.assert_status(200);
    app.patch("/api/v1/organizations/interpol", &json!({"tagline": "Changed"})).await.assert_status(200);
    app.delete("/api/v1/news/2").await.assert_status(204);
    app.delete("/api/v1/news/3").await.assert_status(204);
    app.delete("/api/v1/trash/3").await.assert_status(204);
    app.news("Zürich — 東京 ✓ \"quoted\"", None, json!({"body": "line\nbreaks and \u{1F600}"})).await;
    let arabic = json!({"lang": "ar", "translation_of": 1, "body": "تعاون الشرطة الدولية"});
    app.news("الإنتربول يدعم التعاون الشرطي", Some("2023-07-10T00:00:00Z"), arabic).await;

    let files = TempDir::new().unwrap();
    let first = files.path().join("first.jsonl");
    let (ok, out) = run("export", &first, &app.db);
    assert!(ok, "{out}");
    assert!(out.contains("13 news_items") && out.contains("2 users") && out.contains("36 media files"), "{out}");
    assert_private(&first);

    let (ok, out) = run("import", &first, &target);
    assert!(ok, "{out}");
    assert!(out.contains("audit_log"), "the audit trail moves too: {out}");
    let expected = migrated_indexes(&target);
    assert!(expected.starts_with("CREATE") || expected.starts_with("wal: CREATE"), "{expected}");
    assert_eq!(indexes(&target), expected);
    let verify = crate::server::run(&["audit", "verify", "--database-url", &target.url()], &[]);
    assert!(verify.status.success(), "its chain holds: {}", String::from_utf8_lossy(&verify.stderr));
    let second = files.path().join("second.jsonl");
    assert!(run("export", &second, &target).0);
    assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&second).unwrap(), "every row round-trips");

    let (ok, out) = run("import", &first, &target);
    assert!(!ok && out.contains("empty"), "a second import is refused: {out}");

    let copy = TestApp::builder().on(target).seed(Seed::None).languages(LANGUAGES).start().await;
    for uri in [
        "/api/v1/news?limit=100",
        // Relevance ranks differ between backends (BM25, ts_rank); matches do not.
        "/api/v1/news?q=operation&sort=-published_at",
        "/api/v1/news/1/revisions",
        "/api/v1/trash",
        "/api/v1/news/changes?limit=1000",
        "/api/v1/organizations/interpol/revisions",
        "/api/v1/users",
        "/api/v1/keys",
        "/api/v1/webhooks",
        "/feeds/news.json",
        "/feeds/news.json?lang=ar",
        "/api/v1/news?lang=ar&limit=100",
        "/api/v1/news?q=%D8%A7%D9%84%D8%B4%D8%B1%D8%B7%D8%A9&sort=-published_at",
        "/api/v1/news/1",
        "/api/v1/organizations/interpol?lang=ar",
        "/api/v1/organizations/interpol/translations",
    ] {
        assert_eq!(copy.get_authed(uri).await.json(), app.get_authed(uri).await.json(), "{uri}");
    }
    // The images' files moved too, into the target's own store, byte for byte.
    let image = app.get("/api/v1/news/1").await.json()["image"].clone();
    let logo = app.get("/api/v1/organizations/interpol").await.json()["logo"].clone();
    for file in [&image, &logo].into_iter().chain(image["variants"].as_array().unwrap()) {
        let path = file["url"].as_str().unwrap().strip_prefix(PUBLIC_URL).unwrap();
        let (moved, original) = (copy.get(path).await, app.get(path).await);
        original.assert_status(200);
        assert_eq!(moved.body, original.body, "{path}");
    }
    assert!(copy.news("After the move", None, json!({})).await["id"].as_i64().unwrap() > 14, "ids are not reused");
    copy.post("/api/v1/topics", &json!({"name": "New after the move"})).await.assert_status(201);
}

#[actix_web::test]
async fn an_export_imported_elsewhere_keeps_every_row() {
    moves_with_every_row(TestDb::new(), TestDb::new()).await;
}

/// The documented way from the embedded default to the scale-out backend.
#[actix_web::test]
async fn a_populated_sqlite_database_moves_to_postgresql_with_every_row() {
    let Some(server) = TestDb::postgres_server() else { return };
    moves_with_every_row(TestDb::sqlite(), TestDb::postgres(&server)).await;
}

#[actix_web::test]
async fn a_bad_export_imports_nothing() {
    let app = TestApp::demo().await;
    let files = TempDir::new().unwrap();
    let good = files.path().join("good.jsonl");
    assert!(run("export", &good, &app.db).0);
    let text = std::fs::read_to_string(&good).unwrap();
    let cut = text.lines().take(30).collect::<Vec<_>>().join("\n");
    let garbled = text.replacen(r#""table":"news_items""#, r#""table":"news_itemz""#, 1);
    // Rows are inserted a hundred at a time: a row that cannot be read is named by its line,
    // a statement the database refuses by the lines of its rows.
    let lines: Vec<&str> = text.lines().collect();
    let first_item = lines.iter().position(|l| l.starts_with(r#"{"table":"news_items""#)).unwrap();
    let mistyped =
        text.replacen(r#""table":"news_items","row":{"id":"#, r#""table":"news_items","row":{"id":"seven","was":"#, 1);
    let mut twice = lines.clone();
    twice.insert(first_item + 1, lines[first_item]);
    let twice = twice.join("\n");
    let first_file = lines.iter().position(|l| l.starts_with(r#"{"file":"#)).unwrap();
    let stray = text.replacen(r#"{"file":""#, r#"{"file":"../../"#, 1);
    // An export that carries no files, imported where the files are not.
    let rows_only = lines.iter().filter(|l| !l.starts_with(r#"{"file":"#)).copied().collect::<Vec<_>>().join("\n");
    for (name, content, says) in [
        ("empty", String::new(), "not a newsdesk export".to_owned()),
        ("foreign", "{\"a\": 1}\n".into(), "not a newsdesk export".to_owned()),
        ("cut", cut, "incomplete".to_owned()),
        ("garbled", garbled, "unknown table `news_itemz`".to_owned()),
        ("mistyped", mistyped, format!("line {}: invalid type: string \"seven\"", first_item + 1)),
        ("twice", twice, format!("lines {}-", first_item + 1)),
        ("stray file", stray, format!("line {}: no image names the file `../../", first_file + 1)),
        (
            "garbled file",
            text.replacen(r#""base64":""#, r#""base64":"*"#, 1),
            format!("line {}: `base64`", first_file + 1),
        ),
        ("rows only", rows_only, "is neither in the export nor in the media store".to_owned()),
    ] {
        let path = files.path().join(name);
        std::fs::write(&path, content).unwrap();
        let target = TestDb::new();
        let (ok, out) = run("import", &path, &target);
        assert!(!ok && out.contains(&says), "{name}: {out}");
        assert_eq!(indexes(&target), migrated_indexes(&target), "{name}");
        let empty = TestApp::builder().on(target).seed(Seed::None).start().await;
        assert_eq!(empty.get("/api/v1/news").await.json()["total"], 0, "{name}: nothing was imported");
    }
}
