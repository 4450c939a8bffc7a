//! Statements kept prepared on their connection that diesel would prepare anew at every run.
//!
//! Diesel's statement cache holds a statement only when its SQL cannot vary with its values:
//! every `UPDATE` (a changeset may leave out its `None` fields), upsert, `IN` list and SQL
//! literal is prepared again each time it runs. On a create, the updates and upserts every
//! write runs (change sequence, audit chain head, kept counts) spent 84 µs of the writer's 450
//! in `sqlite3_prepare` (`perf record` of the writer thread during Q7). Wrapped in [`Kept`],
//! such a statement is looked up in the same cache by its SQL text, and prepared once per text.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A statement to keep prepared, found again by its SQL text. Each distinct text stays
/// prepared for the connection's life, and the pool replaces a connection that keeps more than
/// `db::MAX_PREPARED`: texts that vary with a request's filters are kept too, but not an `IN`
/// list whose length grows with the data (`db::one_of` binds one). Run it with `load` or
/// `get_result` (an update or a delete with `returning`): `execute` hands diesel a reference,
/// which hides the wrapper.
#[derive(Debug, Clone, Copy)]
pub struct Kept<Q>(pub Q);

impl<Q: Query> Query for Kept<Q> {
    type SqlType = Q::SqlType;
}

impl<Q: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for Kept<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No identity by type: the cache keys it by its text.
impl<Q> QueryId for Kept<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, Conn> RunQueryDsl<Conn> for Kept<Q> {}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::upsert::excluded;

    use super::Kept;

    diesel::table! {
        tally (id) {
            id -> BigInt,
            n -> BigInt,
        }
    }

    /// A connection with two rows, and the texts of the statements its cache took.
    fn counted() -> (SqliteConnection, Arc<Mutex<Vec<String>>>) {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE tally (id INTEGER PRIMARY KEY, n BIGINT NOT NULL); INSERT INTO tally VALUES (1, 0), (2, 0);",
        )
        .unwrap();
        let cached = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&cached);
        let watch = move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                seen.lock().unwrap().push(sql.to_owned());
            }
        };
        conn.set_instrumentation(Box::new(watch) as Box<dyn Instrumentation>);
        (conn, cached)
    }

    #[test]
    fn a_kept_update_is_prepared_once_and_binds_its_values_anew_at_each_run() {
        let (mut conn, cached) = counted();
        let mut answers = Vec::new();
        for (id, by) in [(1_i64, 5_i64), (2, 7), (1, 1)] {
            let update = diesel::update(tally::table.find(id)).set(tally::n.eq(tally::n + by)).returning(tally::n);
            answers.push(Kept(update).get_result::<i64>(&mut conn).unwrap());
        }
        assert_eq!(answers, [5, 7, 6]);
        assert_eq!(cached.lock().unwrap().len(), 1, "{cached:?}");
    }

    #[test]
    fn a_kept_upsert_is_prepared_once() {
        let (mut conn, cached) = counted();
        let mut answers = Vec::new();
        for by in [2_i64, 3] {
            let n: i64 = Kept(
                diesel::insert_into(tally::table)
                    .values((tally::id.eq(1), tally::n.eq(by)))
                    .on_conflict(tally::id)
                    .do_update()
                    .set(tally::n.eq(tally::n + excluded(tally::n)))
                    .returning(tally::n),
            )
            .get_result(&mut conn)
            .unwrap();
            answers.push(n);
        }
        assert_eq!(answers, [2, 5]);
        assert_eq!(cached.lock().unwrap().len(), 1, "{cached:?}");
    }

    /// The rows every create inserts: derived `Insertable`s write `DEFAULT` for a `None` unless
    /// told not to, so diesel cannot key their statements by type and writes out their SQL to
    /// look them up, at each insert.
    #[test]
    fn the_rows_every_create_inserts_have_statements_kept_by_type() {
        use crate::db::schema::{audit_log, news_items};
        fn by_type<T: Insertable<Tab>, Tab: diesel::Table>() -> bool
        where
            T::Values: diesel::query_builder::QueryId,
        {
            <T::Values as diesel::query_builder::QueryId>::HAS_STATIC_QUERY_ID
        }
        assert!(by_type::<&crate::db::news::NewsForm<'static>, news_items::table>());
        assert!(by_type::<&crate::db::audit::AuditRow, audit_log::table>());
    }

    /// Why a kept statement must be loaded: `execute` passes it on by reference, whose diesel
    /// impl asks the statement inside, not the wrapper.
    #[test]
    fn a_kept_statement_run_by_execute_is_prepared_anew() {
        let (mut conn, cached) = counted();
        for _ in 0..2 {
            Kept(diesel::update(tally::table.find(1)).set(tally::n.eq(tally::n + 1))).execute(&mut conn).unwrap();
        }
        assert!(cached.lock().unwrap().is_empty(), "{cached:?}");
    }

    #[test]
    fn a_list_bound_as_one_value_is_prepared_once_whatever_its_length() {
        let (conn, cached) = counted();
        let mut conn = crate::db::DbConn::Sqlite(conn);
        for (ids, expected) in [(vec![1], vec![1]), (vec![2, 1], vec![1, 2]), (vec![3, 2, 7], vec![2])] {
            let listed = crate::db::one_of(&conn, "tally.id", ids);
            let crate::db::DbConn::Sqlite(c) = &mut conn else { unreachable!("made as SQLite") };
            let found: Vec<i64> = Kept(tally::table.filter(listed).select(tally::id).order(tally::id)).load(c).unwrap();
            assert_eq!(found, expected);
        }
        assert_eq!(cached.lock().unwrap().len(), 1, "{cached:?}");
    }
}
