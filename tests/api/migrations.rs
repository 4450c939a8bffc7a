//! The embedded migrations: every one runs up, down and up again on the suite's backend, and
//! the SQLite and PostgreSQL schemas they make have the same tables and columns.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use newsdesk::db::{self, DbConn, Location};

use crate::database::TestDb;

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

/// Every column of the schema as (table, column, type, NOT NULL), types named alike on both
/// backends. Full-text search is built differently on each (see `db::search`): left out.
fn columns(conn: &mut DbConn) -> BTreeSet<(String, String, &'static str, bool)> {
    let query = match conn {
        DbConn::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, p.\"notnull\" <> 0 AS not_null \
             FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\\_\\_%' ESCAPE '\\' \
             AND m.name NOT LIKE 'news_fts%' AND m.name <> 'news_search_queue'"
        }
        DbConn::Postgres(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
             is_nullable = 'NO' AS not_null FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_\\_%' AND data_type <> 'tsvector'"
        }
    };
    let rows: Vec<Column> = diesel::sql_query(query).load(conn).unwrap();
    rows.into_iter()
        .map(|c| {
            let kind = match c.data_type.to_lowercase().as_str() {
                "integer" | "bigint" | "smallint" => "integer",
                "text" | "character varying" => "text",
                "boolean" | "bool" => "boolean",
                "double" | "double precision" => "double",
                "timestamp" | "timestamp without time zone" | "datetime" => "timestamp",
                other => panic!("{}.{}: type {other} is not one both backends share", c.table_name, c.column_name),
            };
            // SQLite reports an INTEGER PRIMARY KEY as nullable; it never is.
            let not_null = c.not_null || c.column_name == "id";
            (c.table_name, c.column_name, kind, not_null)
        })
        .collect()
}

/// Runs every migration up, down and up again, and returns the schema they made.
fn up_down_up(test_db: &TestDb) -> BTreeSet<(String, String, &'static str, bool)> {
    let mut conn = Location::parse(&test_db.url()).unwrap().connect().unwrap();
    db::migrate(&mut conn).unwrap();
    let first = columns(&mut conn);
    assert!(first.iter().any(|(table, ..)| table == "news_items"), "{first:?}");
    db::revert_all(&mut conn).unwrap();
    assert_eq!(columns(&mut conn), BTreeSet::new(), "every down.sql undoes its up.sql");
    db::migrate(&mut conn).unwrap();
    let again = columns(&mut conn);
    assert_eq!(again, first, "the schema is the same the second time up");
    again
}

#[test]
fn migrations_run_up_down_and_up_and_both_backends_agree() {
    let sqlite = up_down_up(&TestDb::sqlite());
    if let Some(server) = TestDb::postgres_server() {
        let postgres = up_down_up(&TestDb::postgres(&server));
        assert_eq!(
            sqlite.symmetric_difference(&postgres).collect::<Vec<_>>(),
            Vec::<&(String, String, &str, bool)>::new(),
            "columns that differ between migrations/sqlite and migrations/postgres"
        );
    }
}
