//! The database under a test: a temporary SQLite file, or, when `NEWSDESK_TEST_POSTGRES`
//! names a PostgreSQL server (`postgres://USER:PASSWORD@HOST:PORT`, a user who may create
//! databases), a database of its own there. Either is gone when the test ends.

use diesel::connection::SimpleConnection;
use newsdesk::db::Location;
use newsdesk::media::store::Location as MediaLocation;
use tempfile::TempDir;

/// Where the suite's databases live: SQLite files unless a PostgreSQL server is named.
pub const POSTGRES_ENV: &str = "NEWSDESK_TEST_POSTGRES";

/// Where the suite's media files live: a directory per test unless a bucket is named
/// (`s3://bucket`; the standard AWS variables say where it is and how to sign in).
pub const S3_ENV: &str = "NEWSDESK_TEST_S3";

pub enum TestDb {
    Sqlite(TempDir),
    /// `files`: where its media files go; `search`: where its app keeps its search index.
    Postgres {
        server: String,
        name: String,
        files: TempDir,
        search: TempDir,
    },
}

impl TestDb {
    /// A new, empty database on the suite's backend.
    pub fn new() -> Self {
        match Self::postgres_server() {
            Some(server) => Self::postgres(&server),
            None => Self::sqlite(),
        }
    }

    pub fn sqlite() -> Self {
        Self::Sqlite(TempDir::new().expect("temp dir"))
    }

    /// A new database on the PostgreSQL server the suite was given.
    pub fn postgres(server: &str) -> Self {
        let name = format!("newsdesk_test_{:016x}", rand_u64());
        admin_sql(server, &format!("CREATE DATABASE {name}"));
        let (files, search) = (TempDir::new().expect("temp dir"), TempDir::new().expect("temp dir"));
        Self::Postgres { server: server.trim_end_matches('/').to_owned(), name, files, search }
    }

    /// The PostgreSQL server of this run, if the suite runs on PostgreSQL.
    pub fn postgres_server() -> Option<String> {
        std::env::var(POSTGRES_ENV).ok().filter(|url| !url.is_empty())
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// The `NEWSDESK_DATABASE_URL` of this database.
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("newsdesk.db").display()),
            Self::Postgres { server, name, .. } => format!("{server}/{name}"),
        }
    }

    /// Where the app over this database keeps its media files: a directory of its own, or a
    /// prefix of its own in the bucket the suite was given.
    pub fn media_location(&self) -> MediaLocation {
        let (dir, own) = match self {
            Self::Sqlite(dir) => (dir.path().join("media"), dir.path()),
            Self::Postgres { files, .. } => (files.path().to_owned(), files.path()),
        };
        match std::env::var(S3_ENV).ok().filter(|bucket| !bucket.is_empty()) {
            Some(bucket) => {
                let prefix = own.file_name().expect("a temporary directory has a name").to_string_lossy();
                MediaLocation::parse(&format!("{}/{prefix}", bucket.trim_end_matches('/'))).expect("NEWSDESK_TEST_S3")
            }
            None => MediaLocation::Directory(dir),
        }
    }

    /// Where an app over this database keeps its search index: beside the SQLite file (as by
    /// default), or in a directory of its own.
    pub fn search_index(&self) -> std::path::PathBuf {
        match self {
            Self::Sqlite(dir) => dir.path().join("newsdesk.db.search"),
            Self::Postgres { search, .. } => search.path().join("index"),
        }
    }

    /// How many writes the database has committed (`content_clock.version`).
    pub fn content_version(&self) -> i64 {
        let mut conn = Location::parse(&self.url()).unwrap().connect().unwrap();
        newsdesk::db::content_version(&mut conn).unwrap()
    }

    /// The audit trail, newest entry first.
    pub fn audit_trail(&self) -> Vec<newsdesk::db::audit::AuditRow> {
        let mut conn = Location::parse(&self.url()).unwrap().connect().unwrap();
        newsdesk::db::audit::list(&mut conn, &Default::default(), i64::MAX, 0).unwrap().0
    }

    /// The values of a query's one text column, named `value`, joined by commas (`NULL` for
    /// a null).
    pub fn column(&self, sql: &str) -> String {
        #[derive(diesel::QueryableByName)]
        struct Value {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            value: Option<String>,
        }
        use diesel::RunQueryDsl;
        let mut conn = Location::parse(&self.url()).unwrap().connect().unwrap();
        let rows: Vec<Value> = diesel::sql_query(sql).load(&mut conn).unwrap();
        rows.into_iter().map(|row| row.value.unwrap_or_else(|| "NULL".into())).collect::<Vec<_>>().join(",")
    }

    /// Runs SQL on the database behind the app's back.
    pub fn execute(&self, sql: &str) {
        let mut conn = Location::parse(&self.url()).unwrap().connect().unwrap();
        conn.batch_execute(sql).unwrap();
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { server, name, .. } = self {
            // FORCE: the app's pool may still hold connections. A database that cannot be
            // dropped is left behind with a word, not a panic in the middle of a test's end.
            if let Err(err) = try_admin_sql(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
                eprintln!("test database {name} left behind: {err}");
            }
        }
    }
}

/// Runs a statement on the server's `postgres` database (creating and dropping databases).
fn admin_sql(server: &str, sql: &str) {
    try_admin_sql(server, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn try_admin_sql(server: &str, sql: &str) -> Result<(), String> {
    let url = format!("{}/postgres", server.trim_end_matches('/'));
    let mut conn = Location::parse(&url).unwrap().connect().map_err(|e| format!("{url}: {e}"))?;
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

/// A random number for database names: tests run in parallel, and in several processes.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    hasher.finish()
}
