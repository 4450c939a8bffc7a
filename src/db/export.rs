//! All content as JSON lines, and back: every row of every table, ids and timestamps kept, so
//! that a database can move to another file or another backend and lose nothing.
//!
//! The first line names the format; each other line is `{"table": NAME, "row": {...}}`, the
//! tables in an order in which every reference points to a row already imported. Webhooks and
//! WebSub subscriptions move with their secrets; their pending deliveries and delivery log do
//! not (events still pending are in the change feed). Then come the images' files, each as
//! `{"file": NAME, "base64": BYTES}`, so that an export moves between media stores too (a
//! directory, a bucket); an import writes them to its store before its rows commit.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::sync::mpsc::SyncSender;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::audit::{AuditRow, HeadRow};
use super::authors::AuthorRow;
use super::keys::KeyRow;
use super::media::MediaRow;
use super::news::ExportedNews;
use super::organizations::{BodyRow, OfficeRow, OrganizationRow, TranslationRow};
use super::schema::{
    api_keys, audit_head, audit_log, authors, content_clock, media, news_changes, news_items, news_tags,
    organization_bodies, organization_offices, organization_translations, organizations, revisions, terms, users,
    webhooks, websub_subscriptions,
};
use super::terms::TermRow;
use super::users::UserRow;
use super::webhooks::WebhookRow;
use super::websub::SubscriptionRow;
use super::{Backend, DbConn};
use crate::domain::ids::NewsId;

/// The first line of every export.
const HEADER: &str = r#"{"format":"newsdesk-export","version":1}"#;

#[derive(Debug, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = news_tags, check_for_backend(Backend), treat_none_as_default_value = false)]
struct TagRow {
    news_id: NewsId,
    tag: String,
}

#[derive(Debug, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = news_changes, check_for_backend(Backend), treat_none_as_default_value = false)]
struct ChangeRow {
    news_id: NewsId,
    change_seq: i64,
    change_at: NaiveDateTime,
    public: bool,
    ever_public: bool,
}

#[derive(Debug, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = revisions, check_for_backend(Backend), treat_none_as_null = true, treat_none_as_default_value = false)]
struct RevisionRecord {
    id: i64,
    entity: String,
    entity_id: i64,
    revision: i64,
    created_at: NaiveDateTime,
    username: Option<String>,
    restored_from: Option<i64>,
    snapshot: String,
}

#[derive(Debug, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = content_clock, check_for_backend(Backend))]
struct ClockRow {
    id: i64,
    changed_at: NaiveDateTime,
    change_seq: i64,
    // Exports written before the column existed import as version 0.
    #[serde(default)]
    version: i64,
}

#[derive(Serialize)]
struct Line<'a, T> {
    table: &'a str,
    row: T,
}

#[derive(Serialize)]
struct FileLine<'a> {
    file: &'a str,
    base64: &'a str,
}

/// A line: a row of a table, or a media file.
#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    table: String,
    #[serde(default)]
    row: serde_json::Value,
    file: Option<String>,
    #[serde(default)]
    base64: String,
}

/// The media store an export reads the images' files from, or an import writes them to.
pub trait MediaFiles {
    /// The bytes of the file `name`, if the store has it.
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, String>;
    fn write(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), String>;
    fn has(&mut self, name: &str) -> Result<bool, String>;
}

/// Why an export or an import failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("lines {first}-{last}: {message}")]
    Lines { first: usize, last: usize, message: String },
    #[error("the database already holds content, accounts or audit entries; import only into a new, empty one")]
    NotEmpty,
    #[error("the media store: {0}")]
    Files(String),
}

/// Consecutive rows of one table, each with its line (counted from 1), inserted together.
struct Batch {
    table: String,
    rows: Vec<(usize, serde_json::Value)>,
}

impl Batch {
    /// Rows per statement: many fewer round trips and statements than one a row, far below
    /// either backend's limit of bound values (32,766 on SQLite, 65,535 on PostgreSQL).
    const ROWS: usize = 100;

    fn rows<R: serde::de::DeserializeOwned>(&self) -> Result<Vec<R>, TransferError> {
        self.rows
            .iter()
            .map(|(line, row)| {
                R::deserialize(row).map_err(|e| TransferError::Line { line: *line, message: e.to_string() })
            })
            .collect()
    }

    fn lines(&self) -> Lines {
        let line = |row: Option<&(usize, _)>| row.map_or(0, |(line, _)| *line);
        Lines { first: line(self.rows.first()), last: line(self.rows.last()) }
    }
}

/// The lines a batch came from.
#[derive(Clone, Copy)]
struct Lines {
    first: usize,
    last: usize,
}

impl Lines {
    /// The error of a statement, which names the lines it inserted.
    fn failed(self, message: String) -> TransferError {
        match self {
            Lines { first, last } if first == last => TransferError::Line { line: first, message },
            Lines { first, last } => TransferError::Lines { first, last, message },
        }
    }
}

/// What the thread reading an export hands the one importing it, in the order of its lines.
enum Read {
    Rows { rows: Rows, lines: Lines },
    File { line: usize, name: String, bytes: Vec<u8> },
}

/// How many rows of each table were moved, in order.
pub type Counts = Vec<(&'static str, u64)>;

macro_rules! tables {
    ($($table:ident => $row:ty),* $(,)?) => {
        /// Writes every row of every table.
        fn write_rows(conn: &mut DbConn, out: &mut impl Write) -> Result<Counts, TransferError> {
                let mut counts = Counts::new();
                $(
                    let mut count = 0;
                    let rows = $table::table.order($table::table.primary_key()).select(<$row>::as_select());
                    for row in rows.load_iter::<$row, diesel::connection::DefaultLoadingMode>(conn)? {
                        let line = Line { table: stringify!($table), row: row? };
                        serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
                        out.write_all(b"\n")?;
                        count += 1;
                    }
                    counts.push((stringify!($table), count));
                )*
                Ok(counts)
        }

        /// The rows of a batch, typed as their table's.
        #[allow(non_camel_case_types)]
        enum Rows {
            $($table(Vec<$row>),)*
        }

        impl Rows {
            fn of(batch: &Batch) -> Result<Self, TransferError> {
                match batch.table.as_str() {
                    $(stringify!($table) => batch.rows().map(Self::$table),)*
                    other => Err(batch.lines().failed(format!("unknown table `{other}`"))),
                }
            }

            /// Inserts the rows in one statement: their table, and how many.
            fn insert(&self, conn: &mut DbConn) -> QueryResult<(&'static str, u64)> {
                match self {
                    $(
                        Self::$table(rows) => native!(conn, |c| diesel::insert_into($table::table).values(rows).execute(c))
                            .map(|_| (stringify!($table), rows.len() as u64)),
                    )*
                }
            }
        }
    };
}

tables! {
    users => UserRow,
    api_keys => KeyRow,
    terms => TermRow,
    authors => AuthorRow,
    media => MediaRow,
    organizations => OrganizationRow,
    organization_bodies => BodyRow,
    organization_offices => OfficeRow,
    organization_translations => TranslationRow,
    news_items => ExportedNews,
    news_tags => TagRow,
    news_changes => ChangeRow,
    revisions => RevisionRecord,
    content_clock => ClockRow,
    audit_log => AuditRow,
    audit_head => HeadRow,
    webhooks => WebhookRow,
    websub_subscriptions => SubscriptionRow,
}

/// Writes every row, then every image's files, reading in one transaction: a consistent
/// snapshot of a live database.
pub fn export(conn: &mut DbConn, out: &mut impl Write, files: &mut impl MediaFiles) -> Result<Counts, TransferError> {
    conn.transaction(|conn| {
        writeln!(out, "{HEADER}")?;
        let mut counts = write_rows(conn, out)?;
        let mut carried = 0;
        for image in media::table.order(media::id).select(MediaRow::as_select()).load(conn)? {
            for name in image.file_names() {
                let bytes = files.read(&name).map_err(TransferError::Files)?.ok_or_else(|| {
                    TransferError::Files(format!("image {} names the file {name}, which is not there", image.id))
                })?;
                let line = FileLine { file: &name, base64: &BASE64.encode(bytes) };
                serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
                carried += 1;
            }
        }
        counts.push(("media files", carried));
        out.flush()?;
        Ok(counts)
    })
}

/// Reads an export into an empty database, all or nothing (one transaction); the images'
/// files go to `files` as they come, before the rows commit (an import that fails leaves them
/// to the media store's sweep).
pub fn import(
    conn: &mut DbConn,
    input: impl BufRead + Send,
    files: &mut impl MediaFiles,
) -> Result<Counts, TransferError> {
    if let DbConn::Sqlite(conn) = conn {
        // The import is one transaction: statement journals would spill to temporary files.
        // And in WAL mode, every page it writes goes to the log, is read back from it once the
        // page cache is full, and is copied to the database after the commit. With a rollback
        // journal the pages go to the database file at once, and the journal keeps only the
        // pages the empty database had. Leaving WAL mode needs the file to itself: when another
        // connection holds it open, the import runs in WAL mode.
        conn.batch_execute("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY")?;
        let _ = conn.batch_execute("PRAGMA journal_mode = DELETE");
    }
    let imported = import_rows(conn, input, files);
    if let DbConn::Sqlite(conn) = conn {
        conn.batch_execute("PRAGMA journal_mode = WAL")?;
    }
    imported
}

fn import_rows(
    conn: &mut DbConn,
    input: impl BufRead + Send,
    files: &mut impl MediaFiles,
) -> Result<Counts, TransferError> {
    use diesel::dsl::{exists, select};
    conn.transaction(|conn| {
        // The export carries the clock (and the change counter) of its database, and the head
        // of its audit trail. Deleting the current ones first also takes the write lock before
        // anything is read.
        diesel::delete(content_clock::table).execute(conn)?;
        diesel::delete(audit_head::table).execute(conn)?;
        if !super::is_empty(conn)?
            || select(exists(users::table.select(users::id))).get_result::<bool>(conn)?
            || select(exists(audit_log::table.select(audit_log::seq))).get_result::<bool>(conn)?
        {
            return Err(TransferError::NotEmpty);
        }
        let indexes = set_aside_indexes(conn)?;
        let (mut counts, carried) = insert_lines(conn, input, files)?;
        if content_clock::table.count().get_result::<i64>(conn)? != 1 {
            return Err(TransferError::Line { line: 1, message: "the export is incomplete: it has no content_clock row".into() });
        }
        // An export made before files were carried may be imported beside a copy of its store.
        let mut missing = super::media::file_names(conn)?.into_iter().filter(|name| !carried.contains(name)).collect::<Vec<_>>();
        missing.sort_unstable();
        for name in missing {
            if !files.has(&name).map_err(TransferError::Files)? {
                return Err(TransferError::Files(format!(
                    "the file {name} is neither in the export nor in the media store; import the export it came \
                     with, or copy the files of its store into this one first"
                )));
            }
        }
        counts.push(("media files", carried.len() as u64));
        // Items exported before there were groups each tell a story of their own.
        diesel::update(news_items::table.filter(news_items::group_id.eq(super::news::NO_GROUP)))
            .set(news_items::group_id.eq(news_items::id))
            .execute(conn)?;
        // Counts are made by the next start, for its languages.
        super::counts::forget(conn)?;
        // Exports made before the audit trail existed start one.
        if audit_head::table.count().get_result::<i64>(conn)? == 0 {
            diesel::insert_into(audit_head::table).values(&HeadRow::genesis()).execute(conn)?;
        }
        if super::is_postgres(conn) {
            // Rows came with their ids: the sequences must go on after the largest.
            for table in ["users", "api_keys", "terms", "authors", "media", "organizations", "organization_bodies", "organization_offices", "revisions", "webhooks", "websub_subscriptions"] {
                diesel::sql_query(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .execute(conn)?;
            }
        }
        super::indexed::restamp_all(conn)?;
        for definition in indexes {
            diesel::sql_query(definition).execute(conn)?;
        }
        super::search::index_queued(conn)?;
        Ok(counts)
    })
}

/// Inserts the rows of the export's lines and writes its files, as a second thread reads them:
/// parsing the lines and making each item's search words took about as long as inserting them.
/// Returns the rows inserted per table and the files written.
fn insert_lines(
    conn: &mut DbConn,
    input: impl BufRead + Send,
    files: &mut impl MediaFiles,
) -> Result<(Counts, HashSet<String>), TransferError> {
    let (sender, reads) = std::sync::mpsc::sync_channel(16);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Err(e) = read_lines(input, &sender) {
                // The importing thread is gone when it has failed first.
                let _ = sender.send(Err(e));
            }
        });
        let mut counts = Counts::new();
        // The files the images name, once the first file comes (after every row of `media`).
        let mut named: Option<HashSet<String>> = None;
        let mut carried = HashSet::new();
        for read in reads {
            match read? {
                Read::Rows { rows, lines } => {
                    let (table, n) = rows.insert(conn).map_err(|e| lines.failed(e.to_string()))?;
                    match counts.last_mut() {
                        Some((last, count)) if *last == table => *count += n,
                        _ => counts.push((table, n)),
                    }
                }
                Read::File { line, name, bytes } => {
                    let named = match &mut named {
                        Some(named) => named,
                        None => named.insert(super::media::file_names(conn)?),
                    };
                    if !named.contains(&name) {
                        return Err(TransferError::Line { line, message: format!("no image names the file `{name}`") });
                    }
                    files.write(&name, bytes).map_err(|message| TransferError::Line { line, message })?;
                    carried.insert(name);
                }
            }
        }
        Ok((counts, carried))
    })
}

/// Reads the export's lines into batches of typed rows and files, and sends them on, until the
/// end or the first line that cannot be read. Stops early when the importing thread has
/// stopped listening.
fn read_lines(input: impl BufRead, out: &SyncSender<Result<Read, TransferError>>) -> Result<(), TransferError> {
    let mut lines = input.lines().enumerate();
    let bad = |line: usize, message: String| TransferError::Line { line: line + 1, message };
    let header = lines.next().map(|(_, line)| line).transpose()?;
    if header.as_deref().map(str::trim) != Some(HEADER) {
        return Err(bad(0, format!("not a newsdesk export: the first line must be {HEADER}")));
    }
    let mut batch = Batch { table: String::new(), rows: Vec::with_capacity(Batch::ROWS) };
    let send = |batch: &mut Batch| -> Result<bool, TransferError> {
        if batch.rows.is_empty() {
            return Ok(true);
        }
        let read = Read::Rows { rows: Rows::of(batch)?, lines: batch.lines() };
        batch.rows.clear();
        Ok(out.send(Ok(read)).is_ok())
    };
    for (n, line) in lines {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).map_err(|e| bad(n, e.to_string()))?;
        if let Some(name) = record.file {
            let bytes = BASE64.decode(&record.base64).map_err(|e| bad(n, format!("`base64`: {e}")))?;
            if !send(&mut batch)? || out.send(Ok(Read::File { line: n + 1, name, bytes })).is_err() {
                return Ok(());
            }
            continue;
        }
        if record.table != batch.table || batch.rows.len() == Batch::ROWS {
            if !send(&mut batch)? {
                return Ok(());
            }
            batch.table = record.table;
        }
        batch.rows.push((n + 1, record.row));
    }
    send(&mut batch).map(drop)
}

/// Drops the indexes of the tables that take up to millions of rows (but not those that keep
/// a value unique, so that a duplicate is still named by its lines) for the import's
/// transaction, and returns their definitions, to build them again once every row is in. Kept
/// up to date row by row, an index takes an insert into a B-tree at a random place for each
/// row; built at the end, it is one sort. At 1M items there are 14 of them.
fn set_aside_indexes(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        definition: String,
    }
    const TABLES: &str = "('news_items', 'news_tags', 'news_changes', 'revisions')";
    let query = if super::is_postgres(conn) {
        // Building one sorts every entry: in memory rather than in temporary files.
        diesel::sql_query("SET LOCAL maintenance_work_mem = '256MB'").execute(conn)?;
        format!(
            "SELECT indexname AS name, indexdef AS definition FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename IN {TABLES} AND indexdef NOT LIKE 'CREATE UNIQUE %'"
        )
    } else {
        // Indexes SQLite made for a constraint have no definition, and cannot be dropped.
        format!(
            "SELECT name, sql AS definition FROM sqlite_master \
             WHERE type = 'index' AND tbl_name IN {TABLES} AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %'"
        )
    };
    let indexes: Vec<Index> = diesel::sql_query(query).load(conn)?;
    for index in &indexes {
        diesel::sql_query(format!("DROP INDEX \"{}\"", index.name)).execute(conn)?;
    }
    Ok(indexes.into_iter().map(|index| index.definition).collect())
}
