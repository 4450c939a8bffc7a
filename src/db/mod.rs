//! The store: the connection pool, embedded migrations, and one module of query functions
//! per resource. Query functions take a connection and return diesel results; they know
//! nothing of HTTP.

pub mod authors;
pub mod export;
pub mod news;
pub mod organizations;
pub mod revisions;
pub mod schema;
mod search;
pub mod terms;
pub mod users;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// The backend every query is written for.
pub type Backend = Sqlite;
/// A connection to the store.
pub type DbConn = SqliteConnection;
/// The shared pool of connections.
pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported database URL {0:?}: expected sqlite://PATH")]
    Url(String),
    #[error("cannot open the database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot apply migrations: {0}")]
    Migrations(String),
    #[error("cannot open the database file: {0}")]
    File(String),
    #[error("cannot check the database file: {0}")]
    Check(String),
}

/// Set on every new connection: wait for the write lock rather than fail, keep the WAL
/// durability level, and enforce references.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // synchronous=NORMAL in WAL mode loses no committed transaction when the process dies,
        // only (at worst) the last ones on power loss.
        conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Puts the file in WAL mode (readers run beside the writer) once, before the pool opens: the
/// mode is stored in the file, and switching needs an exclusive lock that connections opening
/// in parallel would contend for.
fn use_wal(path: &str) -> Result<(), OpenError> {
    let mut conn = SqliteConnection::establish(path).map_err(|e| OpenError::File(e.to_string()))?;
    conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
        .map_err(|e| OpenError::File(e.to_string()))
}

/// The file path of a `sqlite://PATH` URL (a bare path is accepted too).
fn sqlite_path(url: &str) -> Result<&str, OpenError> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    if path.is_empty() || path.contains("://") {
        return Err(OpenError::Url(url.to_owned()));
    }
    Ok(path)
}

/// Opens the pool and brings the schema up to date.
pub fn open(url: &str) -> Result<DbPool, OpenError> {
    let path = sqlite_path(url)?;
    use_wal(path)?;
    let manager = ConnectionManager::<DbConn>::new(path);
    let pool = Pool::builder()
        .max_size(8)
        .connection_timeout(Duration::from_secs(5))
        .connection_customizer(Box::new(SqlitePragmas))
        .build(manager)?;
    let mut conn = pool.get()?;
    conn.run_pending_migrations(MIGRATIONS).map_err(|e| OpenError::Migrations(e.to_string()))?;
    Ok(pool)
}

/// Runs `f` in a write transaction and stamps the content clock. SQLite takes the write lock
/// up front (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of failing
/// when a read lock is upgraded.
pub fn write<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.immediate_transaction(|conn| {
        let value = f(conn)?;
        diesel::update(schema::content_clock::table)
            .set(schema::content_clock::changed_at.eq(crate::domain::dates::now().naive_utc()))
            .execute(conn)?;
        Ok(value)
    })
}

/// The next number of the change feed. Taken inside the write transaction, so numbers are
/// handed out in commit order and a reader never skips one that commits later.
pub fn next_change(conn: &mut DbConn) -> diesel::QueryResult<i64> {
    use schema::content_clock::{change_seq, table};
    diesel::update(table).set(change_seq.eq(change_seq + 1)).returning(change_seq).get_result(conn)
}

/// When anything stored last changed (through `write`).
pub fn changed_at(conn: &mut DbConn) -> diesel::QueryResult<chrono::NaiveDateTime> {
    schema::content_clock::table.select(schema::content_clock::changed_at).first(conn)
}

/// Whether nothing at all is stored yet (the demo data fills only an empty database).
pub fn is_empty(conn: &mut DbConn) -> diesel::QueryResult<bool> {
    use diesel::dsl::{exists, select};
    use schema::{authors, news_items, organizations, terms};
    Ok(!select(exists(news_items::table.select(news_items::id))).get_result::<bool>(conn)?
        && !select(exists(terms::table.select(terms::id))).get_result::<bool>(conn)?
        && !select(exists(authors::table.select(authors::id))).get_result::<bool>(conn)?
        && !select(exists(organizations::table.select(organizations::id))).get_result::<bool>(conn)?)
}

/// Writes a consistent snapshot of the database to a new file (`VACUUM INTO` reads inside one
/// transaction, so writers go on while it copies, and the copy is compact).
pub fn backup_to(conn: &mut DbConn, path: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("VACUUM INTO ?").bind::<diesel::sql_types::Text, _>(path).execute(conn).map(drop)
}

/// SQLite's own check of a database file: `ok`, or what is wrong.
pub fn integrity_check(path: &str) -> Result<String, OpenError> {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut conn = SqliteConnection::establish(path).map_err(|e| OpenError::Check(e.to_string()))?;
    let rows: Vec<Check> =
        diesel::sql_query("PRAGMA integrity_check").load(&mut conn).map_err(|e| OpenError::Check(e.to_string()))?;
    Ok(rows.into_iter().map(|r| r.integrity_check).collect::<Vec<_>>().join("; "))
}

/// The size of the database in bytes (its pages; the write-ahead log comes and goes).
pub fn size_bytes(conn: &mut DbConn) -> diesel::QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        bytes: i64,
    }
    let size: Size =
        diesel::sql_query("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()")
            .get_result(conn)?;
    Ok(size.bytes)
}

/// Checks that the database answers.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(sqlite_path("sqlite://newsdesk.db").unwrap(), "newsdesk.db");
        assert_eq!(sqlite_path("sqlite:///var/lib/newsdesk.db").unwrap(), "/var/lib/newsdesk.db");
        assert!(sqlite_path("mysql://x").is_err());
        assert!(sqlite_path("sqlite://").is_err());
    }
}
