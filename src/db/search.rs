//! Full-text search, the one place with backend-specific SQL: SQLite's FTS5 index `news_fts`
//! ranked by BM25, or PostgreSQL's `search` tsvector column (GIN-indexed) ranked by
//! `ts_rank`. Both index the words the service made of each item (`domain::words`: stemmed in
//! the item's language, diacritics folded) as they are, so both match the same items: those
//! that have every search word as their own language stems it.

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text};

use super::Backend;
use super::schema::news_items;
use crate::domain::ids::NewsId;
use crate::domain::listing::SearchTerms;
use crate::domain::words;

type NewsExpression<T> = Box<dyn BoxableExpression<news_items::table, Backend, SqlType = T>>;

/// A search matching fewer than one item in this many looks its matches up by id (`prepare`).
const FEW_MATCHES_ONE_IN: i64 = 10;

/// A search made ready for the queries of one listing on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// SQLite: every match and its rank are in the connection's `temp.search_rank`; `few`
    /// when the matches are few enough to look up by id.
    Fts5 { few: bool },
    /// PostgreSQL: the planner has statistics, and each query matches by itself.
    Tsquery,
}

/// For each language, its items that have every word as it stems them. Words are letters and
/// digits only (`SearchTerms`), and each is quoted, so that nothing reads as an FTS5 operator.
fn fts5_query(terms: &SearchTerms) -> String {
    let quoted = |words: &[String]| words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" AND ");
    let per_language: Vec<String> = terms
        .by_language()
        .iter()
        .map(|(lang, words)| format!("(lang : \"{lang}\" AND {{search_title search_text}} : ({}))", quoted(words)))
        .collect();
    per_language.join(" OR ")
}

/// The same on PostgreSQL: the item's language, and its words (letters and digits only, and
/// site language tags letters, digits and hyphens: nothing to escape, nothing that reads as a
/// tsquery operator).
fn tsquery_condition(terms: &SearchTerms) -> String {
    let per_language: Vec<String> = terms
        .by_language()
        .iter()
        .map(|(lang, words)| {
            format!(
                "(news_items.lang = '{lang}' AND news_items.search @@ to_tsquery('simple', '{}'))",
                words.join(" & ")
            )
        })
        .collect();
    format!("({})", per_language.join(" OR "))
}

/// Every language's words at once, for ranking on PostgreSQL.
fn tsquery_any(terms: &SearchTerms) -> String {
    let per_language: Vec<String> =
        terms.by_language().iter().map(|(_, words)| format!("({})", words.join(" & "))).collect();
    per_language.join(" | ")
}

/// Makes a search ready on this connection. On SQLite it finds every match once (with its
/// BM25 rank when `ranked`) into the connection's own temporary table, which the count, the
/// page and the ordering then read: FTS5 ranks in one pass only inside its own query, and a
/// rank subquery per row would run the whole search again for each match.
///
/// Knowing how many match also tells the way to reach them. SQLite has no statistics and
/// would walk the public index, probing each entry against the matches (969,794 entries for
/// 28,778 matches at a million items); looking up a few matches by id costs far less, and
/// walking the index less for a word that many items contain.
pub fn prepare(conn: &mut super::DbConn, terms: &SearchTerms, ranked: bool) -> QueryResult<Search> {
    let super::DbConn::Sqlite(conn) = conn else { return Ok(Search::Tsquery) };
    conn.batch_execute(
        "CREATE TEMP TABLE IF NOT EXISTS search_rank (id INTEGER PRIMARY KEY, rank REAL NOT NULL); \
         DELETE FROM temp.search_rank;",
    )?;
    let find = if ranked {
        "INSERT INTO temp.search_rank (id, rank) SELECT rowid, rank FROM news_fts WHERE news_fts MATCH ?"
    } else {
        "INSERT INTO temp.search_rank (id, rank) SELECT rowid, 0 FROM news_fts WHERE news_fts MATCH ?"
    };
    let matches = diesel::sql_query(find).bind::<Text, _>(fts5_query(terms)).execute(conn)?;
    // Ids are never given twice, so the highest is the number of items, or a little more.
    let items: Option<NewsId> = news_items::table.select(diesel::dsl::max(news_items::id)).first(conn)?;
    let matches = i64::try_from(matches).unwrap_or(i64::MAX);
    Ok(Search::Fts5 { few: matches.saturating_mul(FEW_MATCHES_ONE_IN) < items.map_or(0, |id| id.0) })
}

impl Search {
    /// True for items that contain every search word.
    pub fn matches(self, terms: &SearchTerms) -> NewsExpression<Bool> {
        match self {
            Self::Fts5 { .. } => Box::new(sql::<Bool>("news_items.id IN (SELECT id FROM temp.search_rank)")),
            Self::Tsquery => Box::new(sql::<Bool>(&tsquery_condition(terms))),
        }
    }

    /// Whether the matches are best looked up by id: the listing's other conditions then tell
    /// SQLite's planner they hold for most items, so it does not walk their indexes instead.
    pub fn looks_up_matches(self) -> bool {
        self == Self::Fts5 { few: true }
    }

    /// How well an item matches, lower being better, for ordering (prepared `ranked`).
    pub fn rank(self, terms: &SearchTerms) -> NewsExpression<Double> {
        match self {
            Self::Fts5 { .. } => {
                Box::new(sql::<Double>("(SELECT rank FROM temp.search_rank WHERE id = news_items.id)"))
            }
            Self::Tsquery => Box::new(
                sql::<Double>("-ts_rank(news_items.search, to_tsquery('simple', ")
                    .bind::<Text, _>(tsquery_any(terms))
                    .sql("))::float8"),
            ),
        }
    }
}

/// Indexes the items changed in the open transaction, each once as it now is, and empties the
/// queue the triggers fill (SQLite; see migration 000009 for why the index is not written by
/// the triggers themselves). Runs last in every transaction that writes news items. An item
/// whose words are not made yet (`search_title` empty) is not in the index. (`CROSS JOIN`
/// keeps SQLite to the queue's few rows: with the condition on the items, it scanned them all.)
/// Nothing to do on PostgreSQL, whose search column is computed with the row.
pub fn index_queued(conn: &mut super::DbConn) -> QueryResult<()> {
    let super::DbConn::Sqlite(conn) = conn else { return Ok(()) };
    conn.batch_execute(
        "INSERT INTO news_fts (news_fts, rowid, lang, search_title, search_text) \
             SELECT 'delete', item_id, lang, search_title, search_text FROM news_search_queue WHERE indexed; \
         INSERT INTO news_fts (rowid, lang, search_title, search_text) \
             SELECT n.id, n.lang, n.search_title, n.search_text FROM news_search_queue q \
             CROSS JOIN news_items n ON n.id = q.item_id WHERE n.search_title <> ''; \
         DELETE FROM news_search_queue;",
    )
}

/// An item stored before its words were made (by an older version, or an import), with what
/// they are made from.
#[derive(Debug, Queryable)]
struct Unmade {
    id: NewsId,
    lang: String,
    title: String,
    summary: String,
    body: String,
}

/// Makes the search words of up to `limit` items after `after` that have none yet, in the open
/// transaction; returns the last it made (`None`: none was left). Found by their own index
/// (empty when every item has its words), so a start with nothing to do reads nothing.
pub fn make_missing_words(conn: &mut super::DbConn, after: NewsId, limit: i64) -> QueryResult<Option<NewsId>> {
    // Written out, not bound: SQLite uses a partial index only for the condition as it is written
    // in the index (bound, it walked every row at each start: 1.2 s at a million items).
    let unmade: Vec<Unmade> = news_items::table
        .filter(sql::<Bool>("news_items.search_title = ''"))
        .filter(news_items::id.gt(after))
        .order(news_items::id)
        .limit(limit)
        .select((news_items::id, news_items::lang, news_items::title, news_items::summary, news_items::body))
        .load(conn)?;
    for item in &unmade {
        let (title, text) = words::item_words(&item.lang, &item.title, &item.summary, &item.body);
        native!(conn, |c| diesel::update(news_items::table.find(item.id))
            .set((news_items::search_title.eq(&title), news_items::search_text.eq(&text)))
            .execute(c))?;
    }
    let ids: Vec<NewsId> = unmade.iter().map(|item| item.id).collect();
    if !ids.is_empty() {
        super::indexed::stamp_anew(conn, &ids)?;
    }
    Ok(ids.last().copied())
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use crate::db::DbConn;

    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        rowid: i64,
    }

    fn found(conn: &mut DbConn, word: &str) -> Vec<i64> {
        diesel::sql_query("SELECT rowid FROM news_fts WHERE news_fts MATCH ? ORDER BY rowid")
            .bind::<diesel::sql_types::Text, _>(word)
            .load::<Found>(conn)
            .unwrap()
            .into_iter()
            .map(|f| f.rowid)
            .collect()
    }

    #[test]
    fn the_index_holds_each_item_as_last_committed_however_often_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&format!("sqlite://{}", dir.path().join("search.db").display())).unwrap();
        let mut conn = pool.get().unwrap();
        let write = |conn: &mut DbConn, sql: &str| {
            conn.transaction(|c| {
                c.batch_execute(sql)?;
                crate::db::search::index_queued(c)
            })
            .unwrap();
        };
        // Created and changed twice in one transaction, beside an item created alone.
        write(
            &mut conn,
            "INSERT INTO news_items (id, group_id, slug, title, summary, body, status, reading_time_seconds, created_at, updated_at, search_title, search_text)
             VALUES (1, 1, 'a', 'A', '', '', 'published', 1, '2024-01-01', '2024-01-01', 'alpha', 'shared'),
                    (2, 2, 'b', 'B', '', '', 'published', 1, '2024-01-01', '2024-01-01', 'bravo', 'shared'),
                    (3, 3, 'c', 'C', '', '', 'published', 1, '2024-01-01', '2024-01-01', '', '');
             UPDATE news_items SET search_title = 'charlie' WHERE id = 1;
             UPDATE news_items SET search_title = 'delta' WHERE id = 1;",
        );
        assert_eq!(found(&mut conn, "alpha"), [] as [i64; 0]);
        assert_eq!(found(&mut conn, "charlie"), [] as [i64; 0]);
        assert_eq!(found(&mut conn, "delta"), [1]);
        assert_eq!(found(&mut conn, "shared"), [1, 2]);
        // Indexed items changed twice, and one deleted after a change, in one transaction.
        write(
            &mut conn,
            "UPDATE news_items SET search_title = 'echo' WHERE id = 2;
             UPDATE news_items SET search_text = 'foxtrot' WHERE id = 2;
             UPDATE news_items SET search_title = 'golf' WHERE id = 1;
             DELETE FROM news_items WHERE id = 1;
             UPDATE news_items SET search_title = 'hotel', lang = 'fr' WHERE id = 3;",
        );
        assert_eq!(found(&mut conn, "bravo"), [] as [i64; 0]);
        assert_eq!(found(&mut conn, "echo"), [2]);
        assert_eq!(found(&mut conn, "foxtrot"), [2]);
        assert_eq!(found(&mut conn, "shared OR delta OR golf"), [] as [i64; 0]);
        // Words made for an item that had none: indexed then, never taken out before.
        assert_eq!(found(&mut conn, "hotel AND lang : fr"), [3]);
        // FTS5's own check, against the items (an index given wrong text to delete fails it).
        conn.batch_execute("INSERT INTO news_fts (news_fts, rank) VALUES ('integrity-check', 1)").unwrap();
        let queued: i64 = diesel::sql_query("SELECT count(*) AS rowid FROM news_search_queue")
            .get_result::<Found>(&mut conn)
            .unwrap()
            .rowid;
        assert_eq!(queued, 0, "the queue is empty after each commit");
    }
}
