//! Group commit for SQLite. Writers of one database take turns anyway (SQLite has one write
//! lock), and much of a small write's cost is its commit: the pages it touched (the item, its
//! indexes, the search index, the clock row) go to the log again for every transaction. So one
//! thread, with a connection of its own, runs every write queued while it was busy in one
//! transaction, each in its own savepoint (a refused write rolls back alone), commits once, and
//! only then gives each its answer: what is acknowledged is committed, as with one transaction
//! each. Writers wait for their answer without holding a thread or a connection, so as many
//! writes as there are clients can share a commit.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use tokio::sync::oneshot;

use super::{DbConn, DbPool};

/// A queued write: runs in the batch's transaction (or, given no connection, not at all: the
/// batch could not start) and returns whether it is to be kept, and how to answer its writer
/// once the batch has committed (`None`) or failed to (`Some`).
type Job = Box<dyn FnOnce(Option<&mut DbConn>) -> (bool, Answer) + Send>;
type Answer = Box<dyn FnOnce(Option<&diesel::result::Error>) + Send>;

/// The write queue of one SQLite database.
pub struct Committer {
    queue: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the thread that runs the queued writes, on a connection of the pool's that it
    /// keeps.
    pub fn start(pool: DbPool) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel();
        std::thread::Builder::new().name("newsdesk-writer".into()).spawn(move || serve(&pool, &jobs))?;
        Ok(Self { queue })
    }

    /// Runs `f` as `super::write` does, committed together with the writes queued beside it.
    pub async fn write<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
    {
        let (answer, outcome) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // Nested in the batch's transaction: a savepoint.
            let result = conn.map(|conn| conn.transaction(f));
            let kept = matches!(result, Some(Ok(_)));
            let answer: Answer = Box::new(move |failed: Option<&diesel::result::Error>| {
                let result = match (result, failed) {
                    (Some(Err(refused)), _) => Err(refused),
                    (Some(Ok(value)), None) => Ok(value),
                    (_, Some(err)) => Err(E::from(not_committed(err))),
                    (None, None) => Err(E::from(not_committed(&diesel::result::Error::RollbackTransaction))),
                };
                // The writer waits for its answer unless it has gone (its request was dropped).
                let _ = answer.send(result);
            });
            (kept, answer)
        });
        // The writer thread ends only with the process; a job it dropped (a batch that
        // panicked) or never got is answered as not committed.
        let gone = || E::from(not_committed(&diesel::result::Error::RollbackTransaction));
        self.queue.send(job).map_err(|_| gone())?;
        outcome.await.unwrap_or_else(|_| Err(gone()))
    }
}

/// The writer thread: runs each batch of what is queued, until the queue is dropped.
fn serve(pool: &DbPool, jobs: &mpsc::Receiver<Job>) {
    let mut conn = None;
    while let Ok(first) = jobs.recv() {
        let batch: Vec<Job> = std::iter::once(first).chain(jobs.try_iter()).collect();
        let conn = match &mut conn {
            Some(conn) => conn,
            None => conn.insert(connect(pool)),
        };
        // A panic drops the batch's answers (its writers hear "not committed") and leaves the
        // transaction open, so the connection goes back to the pool, which discards it.
        let ran = panic::catch_unwind(AssertUnwindSafe(|| run(conn, batch)));
        if ran.is_err() {
            log::error!("a batch of writes panicked; it was not committed");
        }
        if ran.is_err() || conn.is_broken() {
            *conn = connect(pool);
        }
    }
}

/// A connection for the writer, waiting for one as long as it takes.
fn connect(pool: &DbPool) -> super::PooledConn {
    loop {
        match pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            // Each write's savepoint copies the pages it changes to a statement journal, which
            // SQLite spills to a temporary file past 64 KiB: keep it in memory. And copy the log
            // into the database file (a checkpoint, run by the committing connection) once it
            // holds 64 MiB rather than 4: the pages most written (the ends of the indexes) are
            // copied once per checkpoint however often they were logged, and the fsync is rarer.
            // Creating items: about 1,950 a second before, 2,200 after (10k items, 16 clients).
            conn.batch_execute("PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 16384")
                .map_err(|e| e.to_string())?;
            Ok(conn)
        }) {
            Ok(conn) => return conn,
            Err(err) => {
                log::error!("the writer has no database connection: {err}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

/// Runs a batch in one transaction, then answers each of its writers.
fn run(conn: &mut DbConn, batch: Vec<Job>) {
    let mut answers = Vec::with_capacity(batch.len());
    let count = batch.len();
    let mut jobs = batch.into_iter();
    let committed = conn.transaction(|conn| {
        // First, so that the transaction holds the write lock before anything is read.
        super::stamp_clock(conn, count)?;
        let mut refused = 0;
        for job in jobs.by_ref() {
            let (kept, answer) = job(Some(conn));
            refused += usize::from(!kept);
            answers.push(answer);
        }
        if refused == count {
            // Nothing to keep: not even the clock changes.
            return Err(diesel::result::Error::RollbackTransaction);
        }
        if refused > 0 {
            super::unstamp_clock(conn, refused)?;
        }
        super::search::index_queued(conn)
    });
    // Jobs left when the batch could not start (the write lock stayed busy, say) never ran.
    answers.extend(jobs.map(|job| job(None).1));
    let failed = committed.err().filter(|err| !matches!(err, diesel::result::Error::RollbackTransaction));
    for answer in answers {
        answer(failed.as_ref());
    }
}

/// Why a write was not committed: a database error keeps its kind (a busy database is still
/// one: the write can be retried).
fn not_committed(err: &diesel::result::Error) -> diesel::result::Error {
    use diesel::result::Error;
    match err {
        Error::DatabaseError(kind, info) => {
            Error::DatabaseError(*kind, Box::new(format!("the transaction did not commit: {}", info.message())))
        }
        other => Error::QueryBuilderError(format!("the transaction did not commit: {other}").into()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use diesel::prelude::*;

    use super::*;
    use crate::db::schema::terms;

    #[test]
    fn writes_queued_together_commit_together_and_a_refused_one_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&format!("sqlite://{}", dir.path().join("commit.db").display())).unwrap();
        let committer = Arc::new(Committer::start(pool.clone()).unwrap());
        let writers = 8;
        let start = Arc::new(Barrier::new(writers));
        let threads: Vec<_> = (0..writers)
            .map(|i| {
                let (committer, start) = (committer.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    actix_web::rt::System::new().block_on(committer.write(move |c| {
                        let now = chrono::Utc::now().naive_utc();
                        diesel::insert_into(terms::table)
                            .values((
                                terms::kind.eq("topic"),
                                terms::slug.eq(format!("t{i}")),
                                terms::name.eq("T"),
                                terms::description.eq(""),
                                terms::created_at.eq(now),
                                terms::updated_at.eq(now),
                            ))
                            .execute(c)?;
                        // Refused after writing: its row must go, and nobody else's.
                        if i % 2 == 1 { Err(diesel::result::Error::RollbackTransaction) } else { Ok(i) }
                    }))
                })
            })
            .collect();
        let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        for (i, outcome) in outcomes.iter().enumerate() {
            assert_eq!(outcome.as_ref().ok(), (i % 2 == 0).then_some(&i), "writer {i}");
        }
        let mut conn = pool.get().unwrap();
        let mut stored: Vec<String> = terms::table.select(terms::slug).load(&mut conn).unwrap();
        stored.sort();
        assert_eq!(stored, ["t0", "t2", "t4", "t6"]);
        assert_eq!(crate::db::content_version(&mut conn).unwrap(), 4, "one change per acknowledged write");
    }

    #[test]
    fn a_batch_that_cannot_get_the_write_lock_answers_busy_and_the_next_one_commits() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("busy.db").display());
        let pool = crate::db::open(&url).unwrap();
        let committer = Committer::start(pool.clone()).unwrap();
        let write = |slug: &'static str| {
            actix_web::rt::System::new().block_on(committer.write(move |c| {
                let now = chrono::Utc::now().naive_utc();
                diesel::insert_into(terms::table)
                    .values((
                        terms::kind.eq("topic"),
                        terms::slug.eq(slug),
                        terms::name.eq("T"),
                        terms::description.eq(""),
                        terms::created_at.eq(now),
                        terms::updated_at.eq(now),
                    ))
                    .execute(c)
            }))
        };
        // Another process holds the write lock past the busy timeout.
        let mut other = crate::db::Location::parse(&url).unwrap().connect().unwrap();
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        match write("t1") {
            Err(diesel::result::Error::DatabaseError(_, info)) => {
                assert!(info.message().contains("database is locked"), "{}", info.message());
            }
            other => panic!("expected a busy database, got {other:?}"),
        }
        other.batch_execute("ROLLBACK").unwrap();
        assert_eq!(write("t2").unwrap(), 1);
        let mut conn = pool.get().unwrap();
        assert_eq!(terms::table.select(terms::slug).load::<String>(&mut conn).unwrap(), ["t2"]);
        assert_eq!(crate::db::content_version(&mut conn).unwrap(), 1);
    }
}
