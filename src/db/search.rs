//! Full-text search, the one place with backend-specific SQL: SQLite's FTS5 index
//! `news_fts` (see the migration), ranked by BM25.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text};

use super::Backend;
use super::schema::news_items;
use crate::domain::listing::SearchTerms;

type NewsExpression<T> = Box<dyn BoxableExpression<news_items::table, Backend, SqlType = T>>;

/// An FTS5 query matching every word, each quoted so that nothing reads as an operator.
fn fts_query(terms: &SearchTerms) -> String {
    terms.words().iter().map(|w| format!("\"{}\"", w.replace('"', ""))).collect::<Vec<_>>().join(" ")
}

/// True for items that contain every search word.
pub fn matches(terms: &SearchTerms) -> NewsExpression<Bool> {
    Box::new(
        sql::<Bool>("news_items.id IN (SELECT rowid FROM news_fts WHERE news_fts MATCH ")
            .bind::<Text, _>(fts_query(terms))
            .sql(")"),
    )
}

/// The BM25 rank of an item (lower is a better match), for ordering.
pub fn rank(terms: &SearchTerms) -> NewsExpression<Double> {
    Box::new(
        sql::<Double>("(SELECT rank FROM news_fts WHERE news_fts MATCH ")
            .bind::<Text, _>(fts_query(terms))
            .sql(" AND rowid = news_items.id)"),
    )
}
