//! The store: the connection pool, embedded migrations, and one module of query functions
//! per resource. Query functions take a connection and return diesel results; they know
//! nothing of HTTP.

/// Gives a type defined elsewhere (an id, a closed set) diesel's own derives, so that it binds
/// and loads as `$sql`; its `ToSql` and `FromSql` are written beside each use.
macro_rules! stored_as {
    ($sql:ident: $($ty:ty),*) => {$(
        const _: () = {
            #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
            #[diesel(foreign_derive, sql_type = $sql)]
            #[expect(dead_code, reason = "only carries the derives for the type it wraps")]
            struct Stored($ty);
        };
    )*};
}

/// Runs a statement on the backend's own connection (`|c| statement.execute(c)`), for the
/// statements every write runs. Through the multi-backend connection diesel writes out the SQL
/// of every statement anew, to find it in its cache by the text: a third of the writer's time
/// on a create. On the backend's own connection a statement of a fixed shape is found in its
/// cache by its type, and only its values are bound.
macro_rules! native {
    ($conn:expr, |$c:ident| $statement:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $statement,
            $crate::db::DbConn::Postgres($c) => $statement,
        }
    };
}

pub mod audit;
pub mod authors;
pub mod commit;
pub mod counts;
pub mod export;
mod ids;
pub mod indexed;
mod kept;
pub mod keys;
pub mod media;
mod names;
pub mod news;
pub mod organizations;
pub mod revisions;
pub mod schema;
pub mod search;
pub mod terms;
pub mod users;
pub mod version;
pub mod webhooks;
pub mod websub;

use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use kept::Kept;

use crate::domain::audit::Reach;

/// A connection to the store: the embedded SQLite file, or a PostgreSQL server shared by
/// several replicas. Queries are written once, for both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend every query is written for (either of the two).
pub type Backend = <DbConn as Connection>::Backend;
/// The shared pool of connections.
pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Connections each process keeps open: as many store calls run at once.
pub const POOL_SIZE: u32 = 8;

/// Statements a connection keeps prepared before the pool replaces it. Diesel keeps each
/// statement it caches for the connection's life, and `Kept` statements are cached by their
/// text, which varies with a listing's filters: this bounds what they hold whatever the
/// requests (200 listings with up to 25 filter values each, repeated on every connection, took
/// the server from 55 to 76 MB at 1M items, and no further; docs/PERFORMANCE.md).
const MAX_PREPARED: usize = 128;

/// Held while a process migrates and seeds a PostgreSQL database, so that replicas starting
/// together take turns (the key is arbitrary, the same in every replica).
const STARTUP_LOCK: i64 = 0x6e65_7773_6465_736b;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("unsupported database URL {0:?}: expected sqlite://PATH or postgres://...")]
    Url(String),
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("cannot open the database: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("cannot apply migrations: {0}")]
    Migrations(String),
    #[error("cannot prepare the database: {0}")]
    Prepare(#[from] diesel::result::Error),
    #[error("cannot check the database file: {0}")]
    Check(String),
    #[error("cannot start the writer thread: {0}")]
    Writer(#[from] std::io::Error),
    #[error("cannot open the media store: {0}")]
    Media(#[from] crate::media::store::StoreError),
}

/// Where the store is, read from `NEWSDESK_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The path of an SQLite file.
    Sqlite(String),
    /// A `postgres://` connection URL.
    Postgres(String),
}

impl Location {
    /// `postgres://...` (or `postgresql://...`), `sqlite://PATH`, or a bare path.
    pub fn parse(url: &str) -> Result<Self, OpenError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(OpenError::Url(url.to_owned()));
        }
        Ok(Self::Sqlite(path.to_owned()))
    }

    /// A new connection set up for the service. The backend is chosen here, from the URL:
    /// diesel's own `establish` would try each in turn and hide why the right one failed.
    pub fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        let mut conn = self.establish()?;
        conn.set_instrumentation(Watch::default());
        Ok(conn)
    }

    fn establish(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self {
            Self::Postgres(url) => PgConnection::establish(url).map(DbConn::Postgres),
            Self::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // Wait for the write lock rather than fail; synchronous=NORMAL in WAL mode loses
                // no committed transaction when the process dies (see the README). Each
                // connection's page cache is 500 KiB instead of 2 MiB: the operating system
                // caches the file anyway, and with 8 connections the larger caches took about 25 MiB
                // more of the server's memory at 100,000 items and made counts and searches
                // slower (bench/, docs/PERFORMANCE.md).
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -500;",
                )
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// What the pool needs to know of a connection, noted as its statements run: how many it has
/// prepared to keep (`MAX_PREPARED`), and when the server last answered one (`None` once one
/// failed: the connection may be what failed).
#[derive(Debug)]
struct Watch {
    prepared: usize,
    answered: Option<Instant>,
}

impl Default for Watch {
    fn default() -> Self {
        Self { prepared: 0, answered: Some(Instant::now()) }
    }
}

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::CacheQuery { .. } => self.prepared += 1,
            InstrumentationEvent::FinishQuery { error, .. } => {
                self.answered = error.is_none().then(Instant::now);
            }
            _ => {}
        }
    }
}

/// Whether `conn` keeps more statements prepared than `MAX_PREPARED`.
fn keeps_too_many(conn: &mut DbConn) -> bool {
    conn.instrumentation().downcast_ref::<Watch>().is_some_and(|watch| watch.prepared > MAX_PREPARED)
}

/// How long after its server last answered a connection is handed out without asking it
/// first. On PostgreSQL that question (`SELECT 1`) is a round trip: one of the nine a listing
/// computed anew made, on every request. A connection that answered this recently is as
/// likely to work as one that just answered the question; one quiet for longer (the server
/// may have restarted, a firewall may have dropped it) is asked.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// Whether `conn`'s server answered its last statement, within `TRUSTED_FOR`.
fn answered_lately(conn: &mut DbConn) -> bool {
    conn.instrumentation()
        .downcast_ref::<Watch>()
        .and_then(|watch| watch.answered)
        .is_some_and(|answered| answered.elapsed() < TRUSTED_FOR)
}

/// Hands r2d2 connections to the one backend the URL names.
#[derive(Debug)]
pub struct Manager(Location);

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.0.connect().map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        if answered_lately(conn) {
            return Ok(());
        }
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken() || keeps_too_many(conn)
    }
}

/// Opens the store: brings the schema up to date, then opens the pool.
pub fn open(url: &str) -> Result<DbPool, OpenError> {
    let location = Location::parse(url)?;
    let mut conn = location.connect()?;
    migrate(&mut conn)?;
    Ok(Pool::builder().max_size(POOL_SIZE).connection_timeout(Duration::from_secs(5)).build(Manager(location))?)
}

/// Opens one connection to the store, its schema up to date, for a command that works alone
/// (`newsdesk import`): no pool's other connections hold the file open beside it.
pub fn open_alone(url: &str) -> Result<DbConn, OpenError> {
    let mut conn = Location::parse(url)?.connect()?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Applies the pending migrations of the connection's backend. An SQLite file is first put in
/// WAL mode (readers run beside the writer); the mode is kept in the file, and switching needs
/// an exclusive lock that the pool's connections would contend for. On PostgreSQL, replicas
/// starting together migrate one at a time.
pub fn migrate(conn: &mut DbConn) -> Result<(), OpenError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| OpenError::Migrations(e.to_string());
    match conn {
        DbConn::Sqlite(conn) => {
            conn.batch_execute("PRAGMA journal_mode = WAL;")?;
            conn.run_pending_migrations(SQLITE_MIGRATIONS).map_err(failed)?;
        }
        DbConn::Postgres(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({STARTUP_LOCK})"))?;
            let migrated = conn.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop).map_err(failed);
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK})"))?;
            migrated?;
        }
    }
    Ok(())
}

/// Reverts every applied migration of the connection's backend, newest first (each
/// migration's `down.sql`; the tests run them up, down and up again).
pub fn revert_all(conn: &mut DbConn) -> Result<(), OpenError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| OpenError::Migrations(e.to_string());
    match conn {
        DbConn::Sqlite(conn) => conn.revert_all_migrations(SQLITE_MIGRATIONS).map(drop).map_err(failed),
        DbConn::Postgres(conn) => conn.revert_all_migrations(POSTGRES_MIGRATIONS).map(drop).map_err(failed),
    }
}

/// Held while a process starting on a PostgreSQL database loads the demo data or creates the
/// admin, so that replicas starting at once take turns; released when dropped. On SQLite it
/// holds nothing (one process serves the file).
pub struct StartupLock(Option<PooledConn>);

impl StartupLock {
    /// Waits until no other starting process holds the lock, then holds it.
    pub fn take(pool: &DbPool) -> Result<Self, OpenError> {
        let mut conn = pool.get()?;
        if !is_postgres(&conn) {
            return Ok(Self(None));
        }
        conn.batch_execute(&format!("SELECT pg_advisory_lock({STARTUP_LOCK})"))?;
        Ok(Self(Some(conn)))
    }
}

impl Drop for StartupLock {
    fn drop(&mut self) {
        if let Some(conn) = &mut self.0
            && let Err(err) = conn.batch_execute(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK})"))
        {
            log::warn!("cannot release the start-up lock: {err}");
        }
    }
}

/// The first statement of every write transaction: `writes` more changes, and when anything
/// last changed (unless `writes` is 0: the writes change nothing readers are shown, but they
/// still take the clock's lock), and the transaction's number for the search index
/// (`indexed`). Being a write, it makes SQLite take the write lock before
/// anything is read, and PostgreSQL lock the clock's row: writers take turns across replicas,
/// and change numbers follow commit order.
fn stamp_clock(conn: &mut DbConn, writes: usize) -> diesel::QueryResult<()> {
    use schema::content_clock::{changed_at, search_seq, table, version};
    if writes == 0 {
        return native!(conn, |c| Kept(diesel::update(table).set(search_seq.eq(search_seq + 1)).returning(version))
            .get_result(c))
        .map(|_: i64| ());
    }
    let now = crate::domain::dates::now().naive_utc();
    native!(conn, |c| Kept(
        diesel::update(table)
            .set((changed_at.eq(now), version.eq(version + count(writes)), search_seq.eq(search_seq + 1)))
            .returning(version)
    )
    .get_result(c))
    .map(|_: i64| ())
}

/// The last statement of a write transaction, on PostgreSQL: tells the other replicas, as it
/// commits, the version it made and which of their kept answers its writes reached
/// (`db::version`).
fn notify_replicas(conn: &mut DbConn, reached: &Reach) -> diesel::QueryResult<()> {
    let (DbConn::Postgres(conn), Some(reach)) = (conn, version::reach_payload(reached)) else { return Ok(()) };
    diesel::sql_query("SELECT pg_notify($1, version::text || $2) FROM content_clock")
        .bind::<diesel::sql_types::Text, _>(version::CHANNEL)
        .bind::<diesel::sql_types::Text, _>(reach)
        .execute(conn)
        .map(drop)
}

/// Takes back the changes `stamp_clock` counted for writes that were then refused, or that
/// changed nothing anonymous readers see (inside the write's own transaction).
pub fn unstamp_clock(conn: &mut DbConn, refused: usize) -> diesel::QueryResult<()> {
    use schema::content_clock::{table, version};
    diesel::update(table).set(version.eq(version - count(refused))).execute(conn).map(drop)
}

/// Rows in one multi-row insert: their bound values stay under what one statement may hold
/// (32,766 on SQLite, 65,535 on PostgreSQL) at up to 32 columns.
pub const ROWS_PER_INSERT: usize = 1_000;

fn count(writes: usize) -> i64 {
    i64::try_from(writes).unwrap_or(i64::MAX)
}

/// `column IN (ids)` with the ids bound as one value (`column` as written in SQL,
/// `table.column`). The statement's text is then the same whatever the list's length, so that
/// it can stay prepared (`Kept`, run on the backend's own connection): with diesel's `IN` list,
/// the queries that fill a page (its tags, terms, authors, organizations, translations) were
/// each prepared anew at every answer. SQLite reads the ids from a JSON array; PostgreSQL from
/// an array, whose generic plan still looks each id up by index (with a JSON array's rows
/// unknown, it scanned the whole of a small table).
pub fn one_of(
    conn: &DbConn,
    column: &str,
    ids: impl IntoIterator<Item = i64>,
) -> SqlLiteral<Bool, UncheckedBind<SqlLiteral<Bool>, diesel::dsl::AsExprOf<String, Text>>> {
    let list = ids.into_iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",");
    if is_postgres(conn) {
        diesel::dsl::sql::<Bool>(&format!("{column} = ANY(CAST("))
            .bind::<Text, _>(format!("{{{list}}}"))
            .sql(" AS BIGINT[]))")
    } else {
        diesel::dsl::sql::<Bool>(&format!("{column} IN (SELECT value FROM json_each("))
            .bind::<Text, _>(format!("[{list}]"))
            .sql("))")
    }
}

/// Copies all of an SQLite file's log into it and empties the log; nothing on PostgreSQL. After
/// a write as large as making the listing counts of a million items (gigabytes of log), the
/// checkpoint that follows commits would run while the first requests are served.
pub fn checkpoint(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(conn) => conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)"),
        DbConn::Postgres(_) => Ok(()),
    }
}

/// Whether the connection is to PostgreSQL (for the few queries written per backend).
pub fn is_postgres(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Postgres(_))
}

/// The next number of the change feed (`commit::next_change`). Taken inside the write
/// transaction, so numbers are handed out in commit order and a reader never skips one that
/// commits later.
pub fn next_change(conn: &mut DbConn) -> diesel::QueryResult<i64> {
    use schema::content_clock::{change_seq, table};
    commit::next_change(|| {
        native!(conn, |c| Kept(diesel::update(table).set(change_seq.eq(change_seq + 1)).returning(change_seq))
            .get_result(c))
    })
}

/// Gives the clock the last number of the change feed a batch gave.
fn last_change_given(conn: &mut DbConn, last: i64) -> diesel::QueryResult<()> {
    use schema::content_clock::{change_seq, table};
    native!(conn, |c| Kept(diesel::update(table).set(change_seq.eq(last)).returning(change_seq)).get_result(c))
        .map(|_: i64| ())
}

/// How many writes the database has seen: while it stays the same, so does everything stored.
pub fn content_version(conn: &mut DbConn) -> diesel::QueryResult<i64> {
    schema::content_clock::table.select(schema::content_clock::version).first(conn)
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
pub fn backup_to(conn: &mut DbConn, path: &str) -> Result<(), String> {
    match conn {
        DbConn::Sqlite(conn) => diesel::sql_query("VACUUM INTO ?")
            .bind::<diesel::sql_types::Text, _>(path)
            .execute(conn)
            .map(drop)
            .map_err(|e| e.to_string()),
        DbConn::Postgres(_) => {
            Err("`newsdesk backup` copies SQLite files; for PostgreSQL use pg_dump, or `newsdesk export`".into())
        }
    }
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

/// The size of the database in bytes (SQLite: its pages; the write-ahead log comes and goes).
pub fn size_bytes(conn: &mut DbConn) -> diesel::QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        bytes: i64,
    }
    let query = match conn {
        DbConn::Sqlite(_) => "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()",
        DbConn::Postgres(_) => "SELECT pg_database_size(current_database()) AS bytes",
    };
    let size: Size = diesel::sql_query(query).get_result(conn)?;
    Ok(size.bytes)
}

/// Checks that the database answers.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    conn.ping()
}

impl DbConn {
    fn ping(&mut self) -> diesel::QueryResult<()> {
        self.batch_execute("SELECT 1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        let sqlite = |path: &str| Location::Sqlite(path.to_owned());
        assert_eq!(Location::parse("sqlite://newsdesk.db").unwrap(), sqlite("newsdesk.db"));
        assert_eq!(Location::parse("sqlite:///var/lib/newsdesk.db").unwrap(), sqlite("/var/lib/newsdesk.db"));
        assert_eq!(Location::parse("newsdesk.db").unwrap(), sqlite("newsdesk.db"));
        let url = "postgres://newsdesk:secret@db.internal:5432/newsdesk?sslmode=require";
        assert_eq!(Location::parse(url).unwrap(), Location::Postgres(url.to_owned()));
        assert!(Location::parse("mysql://x").is_err());
        assert!(Location::parse("sqlite://").is_err());
    }

    #[test]
    fn a_connection_that_keeps_too_many_statements_is_replaced() {
        use diesel::sql_types::BigInt;
        let pool = Pool::builder().max_size(1).build(Manager(Location::Sqlite(":memory:".to_owned()))).unwrap();
        let prepared = |conn: &mut DbConn| conn.instrumentation().downcast_ref::<Watch>().unwrap().prepared;
        let mut conn = pool.get().unwrap();
        conn.batch_execute("CREATE TABLE kept_here (n BIGINT)").unwrap();
        for n in 0..=MAX_PREPARED {
            let one: Vec<i64> =
                Kept(diesel::select(diesel::dsl::sql::<BigInt>(&n.to_string()))).load(&mut *conn).unwrap();
            assert_eq!(one, [n as i64]);
        }
        assert_eq!(prepared(&mut conn), MAX_PREPARED + 1);
        drop(conn);
        let mut conn = pool.get().unwrap();
        assert_eq!(prepared(&mut conn), 0);
        assert!(conn.batch_execute("SELECT n FROM kept_here").is_err(), "a new connection");
    }

    #[test]
    fn only_a_connection_quiet_for_a_while_is_asked_before_it_is_handed_out() {
        let manager = Manager(Location::Sqlite(":memory:".to_owned()));
        let mut conn = manager.connect().unwrap();
        let answered = |conn: &mut DbConn| conn.instrumentation().downcast_ref::<Watch>().unwrap().answered;
        conn.batch_execute("SELECT 1").unwrap();
        let last = answered(&mut conn);
        manager.is_valid(&mut conn).unwrap();
        assert_eq!(answered(&mut conn), last, "answered lately: handed out without a question");
        let quiet = Instant::now() - TRUSTED_FOR * 2;
        conn.instrumentation().downcast_mut::<Watch>().unwrap().answered = Some(quiet);
        manager.is_valid(&mut conn).unwrap();
        assert!(answered(&mut conn) > Some(quiet), "quiet for a while: asked, and it answered");
        assert!(conn.batch_execute("SELECT * FROM no_such_table").is_err());
        assert_eq!(answered(&mut conn), None, "a statement failed");
        manager.is_valid(&mut conn).unwrap();
        assert!(answered(&mut conn).is_some(), "asked before it is handed out again");
    }
}
