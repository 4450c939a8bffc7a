//! Group commit for SQLite. Writers of one database take turns anyway (SQLite has one write
//! lock), and most of a small write's cost is its commit: the pages it touched (the item, its
//! indexes, the search index, the clock row) go to the log again for every transaction. So the
//! writer whose turn it is runs every write queued meanwhile in one transaction, each in its
//! own savepoint (a refused write rolls back alone), commits once, and only then gives each
//! its answer: what is acknowledged is committed, as with one transaction each.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Condvar, Mutex, MutexGuard};

use diesel::Connection;

use super::DbConn;

/// A queued write: runs in the batch's transaction and returns how to answer its writer once
/// the batch has committed (`None`) or failed to (`Some`).
type Job = Box<dyn FnOnce(&mut DbConn) -> Answer + Send>;
type Answer = Box<dyn FnOnce(Option<&diesel::result::Error>) + Send>;

/// The write queue of one database.
#[derive(Default)]
pub struct Committer {
    queue: Mutex<Queue>,
    turn: Condvar,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    /// A writer is running a batch now.
    running: bool,
}

impl Committer {
    /// Runs `f` as `super::write` does, committed together with the writes queued beside it
    /// on SQLite; on PostgreSQL, alone (replicas cannot share a transaction).
    pub fn write<T, E>(
        &self,
        conn: &mut DbConn,
        f: impl FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
    {
        if super::is_postgres(conn) {
            return super::write(conn, f);
        }
        let (answer, result) = mpsc::channel();
        let job: Job = Box::new(move |conn| {
            // Nested in the batch's transaction: a savepoint.
            let outcome = conn.transaction(|conn| {
                super::stamp_clock(conn)?;
                f(conn)
            });
            Box::new(move |failed: Option<&diesel::result::Error>| {
                let outcome = match (outcome, failed) {
                    (Ok(_), Some(err)) => Err(E::from(not_committed(err))),
                    (outcome, _) => outcome,
                };
                // The writer waits for its answer unless it has gone (a panic).
                let _ = answer.send(outcome);
            })
        });
        let mut queue = self.lock();
        queue.jobs.push(job);
        loop {
            if let Some(outcome) = answered(&result) {
                return outcome;
            }
            if !queue.running {
                let batch = std::mem::take(&mut queue.jobs);
                queue.running = true;
                drop(queue);
                let turn = Turn(self);
                run(conn, batch);
                drop(turn);
                queue = self.lock();
                continue;
            }
            queue = self.turn.wait(queue).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The turn of the writer running a batch: given back when the batch is done, even by a panic.
struct Turn<'a>(&'a Committer);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.0.lock().running = false;
        self.0.turn.notify_all();
    }
}

/// Runs a batch in one transaction, then answers each of its writers.
fn run(conn: &mut DbConn, batch: Vec<Job>) {
    let mut answers = Vec::with_capacity(batch.len());
    let committed = conn.transaction(|conn| {
        answers.extend(batch.into_iter().map(|job| job(conn)));
        Ok::<_, diesel::result::Error>(())
    });
    for answer in answers {
        answer(committed.as_ref().err());
    }
}

/// The writer's answer, if it has come. A batch that panicked dropped it: an error then.
fn answered<T, E: From<diesel::result::Error>>(result: &Receiver<Result<T, E>>) -> Option<Result<T, E>> {
    match result.try_recv() {
        Ok(outcome) => Some(outcome),
        Err(TryRecvError::Empty) => None,
        Err(TryRecvError::Disconnected) => Some(Err(E::from(diesel::result::Error::RollbackTransaction))),
    }
}

fn not_committed(err: &diesel::result::Error) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(format!("the transaction did not commit: {err}").into())
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
        let committer = Arc::new(Committer::default());
        let writers = 8;
        let start = Arc::new(Barrier::new(writers));
        let threads: Vec<_> = (0..writers)
            .map(|i| {
                let (pool, committer, start) = (pool.clone(), committer.clone(), start.clone());
                std::thread::spawn(move || {
                    let mut conn = pool.get().unwrap();
                    start.wait();
                    committer.write(&mut conn, move |c| {
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
                    })
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
}
