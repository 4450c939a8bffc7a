//! Full-text search, the one place with backend-specific SQL: SQLite's FTS5 index `news_fts`
//! ranked by BM25, or PostgreSQL's `search` tsvector column (GIN-indexed) ranked by
//! `ts_rank`. Both stem English words and need every word to match.

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text};

use super::Backend;
use super::schema::news_items;
use crate::domain::listing::SearchTerms;

type NewsExpression<T> = Box<dyn BoxableExpression<news_items::table, Backend, SqlType = T>>;

/// The search language of a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Fts5,
    Tsquery,
}

impl Dialect {
    pub fn of(conn: &super::DbConn) -> Self {
        if super::is_postgres(conn) { Self::Tsquery } else { Self::Fts5 }
    }

    /// Every word, in a form where nothing reads as an operator: FTS5 quotes each word;
    /// tsquery words are already letters and digits only (`SearchTerms` keeps nothing else).
    fn query(self, terms: &SearchTerms) -> String {
        match self {
            Self::Fts5 => {
                terms.words().iter().map(|w| format!("\"{}\"", w.replace('"', ""))).collect::<Vec<_>>().join(" ")
            }
            Self::Tsquery => terms.words().join(" & "),
        }
    }
}

/// True for items that contain every search word.
pub fn matches(terms: &SearchTerms, dialect: Dialect) -> NewsExpression<Bool> {
    let query = dialect.query(terms);
    Box::new(match dialect {
        Dialect::Fts5 => sql::<Bool>("news_items.id IN (SELECT rowid FROM news_fts WHERE news_fts MATCH ")
            .bind::<Text, _>(query)
            .sql(")"),
        Dialect::Tsquery => sql::<Bool>("news_items.search @@ to_tsquery('english', ").bind::<Text, _>(query).sql(")"),
    })
}

/// Computes the BM25 rank of every match once, into this connection's own temporary table,
/// for `rank` to look up. (FTS5 ranks in one pass only inside its own query: a rank subquery
/// per row would run the whole search again for each match.) Nothing to do on PostgreSQL.
pub fn prepare_rank(conn: &mut super::DbConn, terms: &SearchTerms) -> QueryResult<()> {
    let super::DbConn::Sqlite(conn) = conn else { return Ok(()) };
    conn.batch_execute(
        "CREATE TEMP TABLE IF NOT EXISTS search_rank (id INTEGER PRIMARY KEY, rank REAL NOT NULL); \
         DELETE FROM temp.search_rank;",
    )?;
    diesel::sql_query("INSERT INTO temp.search_rank (id, rank) SELECT rowid, rank FROM news_fts WHERE news_fts MATCH ?")
        .bind::<Text, _>(Dialect::Fts5.query(terms))
        .execute(conn)
        .map(drop)
}

/// How well an item matches, lower being better, for ordering (after `prepare_rank`).
pub fn rank(terms: &SearchTerms, dialect: Dialect) -> NewsExpression<Double> {
    match dialect {
        Dialect::Fts5 => Box::new(sql::<Double>("(SELECT rank FROM temp.search_rank WHERE id = news_items.id)")),
        Dialect::Tsquery => Box::new(
            sql::<Double>("-ts_rank(news_items.search, to_tsquery('english', ")
                .bind::<Text, _>(dialect.query(terms))
                .sql("))::float8"),
        ),
    }
}
