//! Group commit. Writers of one database take turns anyway (SQLite has one write lock; on
//! PostgreSQL every content write locks the clock's row), and much of a small write's cost is
//! its commit: on SQLite the pages it touched (the item, its indexes, the search index, the
//! clock row) go to the log again for every transaction, on PostgreSQL each commit waits for
//! its log to reach the disk. So one thread per process, with a connection of its own, runs
//! every write queued while it was busy in one transaction, each in its own savepoint (a
//! refused write rolls back alone), commits once, and only then gives each its answer: what
//! is acknowledged is committed, as with one transaction each. Writers wait for their answer
//! without holding a thread or a connection, so as many writes as there are clients can share
//! a commit. (Replicas on PostgreSQL each have theirs; their batches take turns on the clock.)
//!
//! On SQLite another thread copies the log into the database file (a checkpoint) soon after
//! each commit. A checkpoint waits for the disk (it syncs both files), and when the writer ran
//! it the writes queued meanwhile waited too.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use tokio::sync::oneshot;

use super::webhooks::ActiveWebhook;
use super::{DbConn, DbPool};
use crate::domain::audit::{Entry, Reach};
use crate::domain::ids::NewsId;

/// What the writes of the batch running on this thread leave for it to do once, for all of
/// them, before it commits: bring the kept counts and search stamps of the stories they wrote
/// up to date, and append their audit entries. Most of a write's statements were these (on
/// PostgreSQL at four languages, 28 of 50, each a round trip), while the writes of a batch
/// mostly move the same counts. Also what the batch's writes need not read again: the last
/// news item id and change number given (no other writer can give one while the batch holds
/// the clock's lock), and the active webhooks.
#[derive(Default)]
struct Deferred {
    stories: Vec<NewsId>,
    audit: Vec<(Entry, NaiveDateTime)>,
    last_news_id: Option<NewsId>,
    /// The last number of the change feed given, and whether the clock holds it.
    last_change: Option<(i64, bool)>,
    /// The active webhooks as a write of the batch read them, until one is written.
    active_webhooks: Option<Vec<ActiveWebhook>>,
}

thread_local! {
    /// `None` off the writer thread, and between its batches.
    static DEFERRED: RefCell<Option<Deferred>> = const { RefCell::new(None) };
}

/// Within a batch: keeps `stories` for the batch to settle before it commits
/// (`news::settle_changed`) and returns true. Elsewhere (an import, a test's own transaction)
/// returns false: the caller settles them at once.
pub fn defer_changed(stories: &[NewsId]) -> bool {
    DEFERRED.with_borrow_mut(|deferred| deferred.as_mut().map(|d| d.stories.extend_from_slice(stories)).is_some())
}

/// Within a batch: keeps `entry` for the batch to append to the audit trail before it commits
/// and returns true. Elsewhere returns false: the caller appends it at once.
pub fn defer_audit(entry: &Entry, at: NaiveDateTime) -> bool {
    DEFERRED.with_borrow_mut(|deferred| deferred.as_mut().map(|d| d.audit.push((entry.clone(), at))).is_some())
}

/// The id for a new news item: one past the last given, which `last` reads unless a write of
/// this batch gave one. (An id given to a write then refused is skipped: ids need not be dense.)
pub fn next_news_id(last: impl FnOnce() -> diesel::QueryResult<NewsId>) -> diesel::QueryResult<NewsId> {
    let given = DEFERRED.with_borrow(|deferred| deferred.as_ref().and_then(|d| d.last_news_id));
    let next = NewsId(given.map_or_else(last, Ok)?.0 + 1);
    DEFERRED.with_borrow_mut(|deferred| {
        if let Some(d) = deferred {
            d.last_news_id = Some(next);
        }
    });
    Ok(next)
}

/// The next number of the change feed. `take` takes one from the clock: within a batch only
/// its first write does, the others count on in memory, and the batch gives the clock the
/// last number before it commits (`last_change_given`). Elsewhere `take` takes each. (A number
/// given to a write then refused is skipped: the feed's numbers need only grow, in commit
/// order, which the batch's hold on the clock keeps.)
pub fn next_change(take: impl FnOnce() -> diesel::QueryResult<i64>) -> diesel::QueryResult<i64> {
    let given = DEFERRED.with_borrow(|deferred| deferred.as_ref().map(|d| d.last_change));
    let (next, held) = match given {
        None => return take(),
        Some(None) => (take()?, true),
        Some(Some((last, _))) => (last + 1, false),
    };
    DEFERRED.with_borrow_mut(|deferred| {
        if let Some(d) = deferred {
            d.last_change = Some((next, held));
        }
    });
    Ok(next)
}

/// The active webhooks: as a write of this batch read them (every create asks, to tell whom
/// its event is for), or else from `read`. Elsewhere `read` reads them each time.
pub fn active_webhooks(
    read: impl FnOnce() -> diesel::QueryResult<Vec<ActiveWebhook>>,
) -> diesel::QueryResult<Vec<ActiveWebhook>> {
    if let Some(known) = DEFERRED.with_borrow(|deferred| deferred.as_ref().and_then(|d| d.active_webhooks.clone())) {
        return Ok(known);
    }
    let active = read()?;
    DEFERRED.with_borrow_mut(|deferred| {
        if let Some(d) = deferred {
            d.active_webhooks = Some(active.clone());
        }
    });
    Ok(active)
}

/// Forgets the active webhooks this batch read: a write changed them.
pub fn webhooks_changed() {
    DEFERRED.with_borrow_mut(|deferred| {
        if let Some(d) = deferred {
            d.active_webhooks = None;
        }
    });
}

/// A queued write: whether it changes what readers are shown (the content clock counts those),
/// and what runs in the batch's transaction (or, given no connection, not at all: the batch
/// could not start), returning what it reached if it is to be kept (`None`: refused) and how
/// to answer its writer once the batch has committed (`None`) or failed to (`Some`).
struct Job {
    content: bool,
    run: Run,
}
type Run = Box<dyn FnOnce(Option<&mut DbConn>) -> (Option<Reach>, Answer) + Send>;
type Answer = Box<dyn FnOnce(Option<&diesel::result::Error>) + Send>;

/// The write queue of a process.
pub struct Committer {
    queue: mpsc::Sender<Job>,
}

/// How long after a commit the checkpointer copies the log: what commits meanwhile is copied in
/// the same pass. Creating items at 100k items, 16 clients, 10 s runs: with the writer
/// checkpointing, 2,376 a second (p99 86 ms); 20 ms after, 2,543 (p99 25 ms); at once, 1,896
/// (each pass syncs the disk, and the passes took the writer's processor).
const CHECKPOINT_AFTER: Duration = Duration::from_millis(20);

impl Committer {
    /// Starts the thread that runs the queued writes, on a connection of the pool's that it
    /// keeps, and on SQLite the one that checkpoints after them.
    pub fn start(pool: DbPool, sqlite: bool) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel();
        // One pending signal is enough: the pass it asks for copies every commit before it.
        let (committed, commits) = mpsc::sync_channel(1);
        if sqlite {
            let checkpointer_pool = pool.clone();
            std::thread::Builder::new()
                .name("newsdesk-checkpointer".into())
                .spawn(move || checkpoint_after_commits(&checkpointer_pool, &commits))?;
        }
        std::thread::Builder::new().name("newsdesk-writer".into()).spawn(move || serve(&pool, &jobs, &committed))?;
        Ok(Self { queue })
    }

    /// Runs `f` in a transaction, committed together with the writes queued beside it; a
    /// content write reaches every answer readers are shown.
    pub async fn write<T, E>(
        &self,
        content: bool,
        f: impl FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
    {
        let reach = if content { Reach::Everyone } else { Reach::Nobody };
        let reaching = move |c: &mut DbConn| f(c).map(|value| (value, reach));
        self.write_reaching(content, reaching).await.map(|(value, _)| value)
    }

    /// Runs `f` as `write` does; `f` says which answers readers are shown it reaches, which
    /// the batch tells the other replicas as it commits (`super::notify_replicas`).
    pub async fn write_reaching<T, E>(
        &self,
        content: bool,
        f: impl FnOnce(&mut DbConn) -> Result<(T, Reach), E> + Send + 'static,
    ) -> Result<(T, Reach), E>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
    {
        let (answer, outcome) = oneshot::channel();
        let run: Run = Box::new(move |conn| {
            // Nested in the batch's transaction: a savepoint.
            let result = conn.map(|conn| conn.transaction(f));
            let kept = match &result {
                Some(Ok((_, reach))) => Some(reach.clone()),
                _ => None,
            };
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
        let job = Job { content, run };
        // The writer thread ends only with the process; a job it dropped (a batch that
        // panicked) or never got is answered as not committed.
        let gone = || E::from(not_committed(&diesel::result::Error::RollbackTransaction));
        self.queue.send(job).map_err(|_| gone())?;
        outcome.await.unwrap_or_else(|_| Err(gone()))
    }
}

/// The writer thread: runs each batch of what is queued, until the queue is dropped, and tells
/// the checkpointer when one committed.
fn serve(pool: &DbPool, jobs: &mpsc::Receiver<Job>, committed: &mpsc::SyncSender<()>) {
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
        match ran {
            // Full: a pass is already due.
            Ok(true) => drop(committed.try_send(())),
            Ok(false) => {}
            Err(_) => log::error!("a batch of writes panicked; it was not committed"),
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
            if super::is_postgres(&conn) {
                return Ok(conn);
            }
            // Each write's savepoint copies the pages it changes to a statement journal, which
            // SQLite spills to a temporary file past 64 KiB: keep it in memory. The writer
            // checkpoints itself only once the log holds 64 MiB (SQLite's default is 4): the
            // checkpointer has copied most of it by then, but only a checkpoint between the
            // writer's transactions can reach the log's end, which lets the next one write the
            // log from its start again instead of growing it.
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

/// Copies the log into the database file a little after each commit, until the writer ends.
fn checkpoint_after_commits(pool: &DbPool, commits: &mpsc::Receiver<()>) {
    while commits.recv().is_ok() {
        std::thread::sleep(CHECKPOINT_AFTER);
        // PASSIVE: copies what no reader still needs, without waiting for anyone, and writers
        // go on meanwhile.
        let copied = pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)").map_err(|e| e.to_string()));
        if let Err(err) = copied {
            log::warn!("the checkpoint failed (the writer will run one later): {err}");
        }
    }
}

/// Runs a batch in one transaction, then answers each of its writers; returns whether it
/// committed anything.
fn run(conn: &mut DbConn, batch: Vec<Job>) -> bool {
    let mut answers = Vec::with_capacity(batch.len());
    let count = batch.len();
    let changes = batch.iter().filter(|job| job.content).count();
    let mut jobs = batch.into_iter();
    // Whatever a batch that failed left.
    DEFERRED.set(Some(Deferred::default()));
    let committed = conn.transaction(|conn| {
        // First, so that the transaction holds the write lock before anything is read.
        super::stamp_clock(conn, changes)?;
        let (mut refused, mut refused_changes) = (0, 0);
        let mut reached = Reach::Nobody;
        for job in jobs.by_ref() {
            let before = DEFERRED.with_borrow(|d| d.as_ref().map(|d| (d.stories.len(), d.audit.len())));
            let (kept, answer) = (job.run)(Some(conn));
            if kept.is_none()
                && let Some((stories, audit)) = before
            {
                // Rolled back: its stories are as they were, and it leaves no entry.
                DEFERRED.with_borrow_mut(|d| {
                    if let Some(d) = d {
                        d.stories.truncate(stories);
                        d.audit.truncate(audit);
                    }
                });
            }
            refused += usize::from(kept.is_none());
            refused_changes += usize::from(kept.is_none() && job.content);
            reached = reached.and(kept.unwrap_or(Reach::Nobody));
            answers.push(answer);
        }
        if refused == count {
            // Nothing to keep: not even the clock changes.
            return Err(diesel::result::Error::RollbackTransaction);
        }
        if refused_changes > 0 {
            super::unstamp_clock(conn, refused_changes)?;
        }
        let Deferred { mut stories, audit, last_change, .. } = DEFERRED.take().unwrap_or_default();
        if let Some((last, false)) = last_change {
            super::last_change_given(conn, last)?;
        }
        stories.sort_unstable();
        stories.dedup();
        super::news::settle_changed(conn, &stories)?;
        super::audit::append(conn, &audit)?;
        super::notify_replicas(conn, &reached)?;
        super::search::index_queued(conn)
    });
    DEFERRED.set(None);
    // Jobs left when the batch could not start (the write lock stayed busy, say) never ran.
    answers.extend(jobs.map(|job| (job.run)(None).1));
    let kept = committed.is_ok();
    let failed = committed.err().filter(|err| !matches!(err, diesel::result::Error::RollbackTransaction));
    for answer in answers {
        answer(failed.as_ref());
    }
    kept
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

    /// Stores a topic (a row of any table would do).
    fn insert_topic(conn: &mut DbConn, slug: &str, description: &str) -> diesel::QueryResult<usize> {
        let now = chrono::Utc::now().naive_utc();
        diesel::insert_into(terms::table)
            .values((
                terms::kind.eq("topic"),
                terms::slug.eq(slug),
                terms::name.eq("T"),
                terms::description.eq(description),
                terms::created_at.eq(now),
                terms::updated_at.eq(now),
            ))
            .execute(conn)
    }

    type Write<T> = Box<dyn FnOnce(&mut DbConn) -> diesel::QueryResult<T> + Send>;

    /// A new SQLite database and its committer: the directory (to keep while the test runs),
    /// the database's URL and pool, and the committer.
    fn started(name: &str) -> (tempfile::TempDir, String, DbPool, Arc<Committer>) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join(format!("{name}.db")).display());
        let pool = crate::db::open(&url).unwrap();
        let committer = Arc::new(Committer::start(pool.clone(), true).unwrap());
        (dir, url, pool, committer)
    }

    /// Writes queued while another connection holds the write lock, so that those queued
    /// together run in one batch once it lets go: `first` alone, then `rest` together.
    fn batched<T: Send + 'static>(
        url: &str,
        committer: &Arc<Committer>,
        first: impl FnOnce(&mut DbConn) -> diesel::QueryResult<T> + Send + 'static,
        rest: Vec<Write<T>>,
    ) -> Vec<diesel::QueryResult<T>> {
        let write = |committer: Arc<Committer>, f: Write<T>| {
            std::thread::spawn(move || actix_web::rt::System::new().block_on(committer.write(true, f)))
        };
        let mut other = crate::db::Location::parse(url).unwrap().connect().unwrap();
        other.batch_execute("BEGIN IMMEDIATE").unwrap();
        let mut threads = vec![write(committer.clone(), Box::new(first))];
        std::thread::sleep(Duration::from_millis(200));
        for f in rest {
            threads.push(write(committer.clone(), f));
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(200));
        other.batch_execute("ROLLBACK").unwrap();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    }

    #[test]
    fn writes_queued_together_commit_together_and_a_refused_one_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&format!("sqlite://{}", dir.path().join("commit.db").display())).unwrap();
        let committer = Arc::new(Committer::start(pool.clone(), true).unwrap());
        let writers = 8;
        let start = Arc::new(Barrier::new(writers));
        let threads: Vec<_> = (0..writers)
            .map(|i| {
                let (committer, start) = (committer.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    actix_web::rt::System::new().block_on(committer.write(true, move |c| {
                        insert_topic(c, &format!("t{i}"), "")?;
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
    fn what_a_refused_write_left_for_its_batch_goes_with_it() {
        use crate::domain::audit::{Action, Actor, Resource, Verb};
        let (_dir, url, pool, committer) = started("deferred");
        // Each write leaves an entry for its batch; "b" is refused after it did.
        let write = |slug: &'static str| {
            Box::new(move |c: &mut DbConn| {
                insert_topic(c, slug, "")?;
                let mut entry = Actor::service().did(Action(Resource::Topic, Verb::Create));
                entry.on(slug);
                assert!(defer_audit(&entry, chrono::Utc::now().naive_utc()));
                if slug == "b" { Err(diesel::result::Error::RollbackTransaction) } else { Ok(()) }
            }) as Write<()>
        };
        let outcomes = batched(&url, &committer, write("a"), vec![write("b"), write("c")]);
        assert!(outcomes[0].is_ok() && outcomes[1].is_err() && outcomes[2].is_ok(), "{outcomes:?}");
        let mut conn = pool.get().unwrap();
        let trail = crate::db::audit::list(&mut conn, &Default::default(), 10, 0).unwrap().0;
        let named: Vec<_> = trail.iter().rev().map(|row| row.resource_id.clone().unwrap()).collect();
        assert_eq!(named, ["a", "c"]);
        assert!(crate::db::audit::verify(&mut conn).unwrap().is_ok());
    }

    #[test]
    fn change_numbers_given_in_memory_grow_in_commit_order_and_the_clock_keeps_the_last() {
        let (_dir, url, _, committer) = started("changes");
        let numbers = |n: usize, refused: bool| {
            Box::new(move |c: &mut DbConn| {
                let taken = (0..n).map(|_| crate::db::next_change(c)).collect::<diesel::QueryResult<Vec<i64>>>()?;
                if refused { Err(diesel::result::Error::RollbackTransaction) } else { Ok(taken) }
            }) as Write<Vec<i64>>
        };
        // The second batch's first write takes two numbers and is refused, the next takes two.
        let outcomes = batched(&url, &committer, numbers(1, false), vec![numbers(2, true), numbers(2, false)]);
        let first = outcomes[0].as_ref().unwrap().clone();
        assert!(outcomes[1].is_err());
        let kept = outcomes[2].as_ref().unwrap().clone();
        assert_eq!(first.len(), 1);
        assert!(first[0] < kept[0] && kept[0] < kept[1], "{first:?} then {kept:?}");
        let next = actix_web::rt::System::new().block_on(committer.write(true, crate::db::next_change)).unwrap();
        assert_eq!(next, kept[1] + 1, "the clock kept the last number its batch gave");
    }

    #[test]
    fn a_webhook_made_in_a_batch_gets_the_events_of_the_writes_after_it() {
        use crate::db::schema::webhook_events;
        use crate::domain::webhooks::EventType;
        let (_dir, url, pool, committer) = started("hooks");
        let event = |subject: &'static str| {
            Box::new(move |c: &mut DbConn| {
                crate::db::webhooks::enqueue(c, EventType::NewsPublished, subject, |_| Ok((None, ())))
            }) as Write<()>
        };
        let hook = Box::new(|c: &mut DbConn| {
            let settings = crate::db::webhooks::WebhookSettings {
                url: "https://partner.example/hook",
                events: "news.published",
                filters: "{}",
                active: true,
                disabled_reason: None,
                failing_since: None,
                updated_at: chrono::Utc::now().naive_utc(),
            };
            crate::db::webhooks::insert(c, "secret", &settings).map(drop)
        }) as Write<()>;
        // In the second batch: an event before the webhook exists, the webhook, an event after.
        let outcomes = batched(&url, &committer, event("alone"), vec![event("before"), hook, event("after")]);
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        let mut conn = pool.get().unwrap();
        let sent: Vec<String> = webhook_events::table.select(webhook_events::subject).load(&mut conn).unwrap();
        assert_eq!(sent, ["after"]);
    }

    #[test]
    fn committed_writes_reach_the_database_file_before_the_log_fills() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint.db");
        let pool = crate::db::open(&format!("sqlite://{}", path.display())).unwrap();
        let committer = Committer::start(pool, true).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        // 2 MiB: far less than the log holds before the writer would checkpoint it itself.
        let description = "x".repeat(2 << 20);
        actix_web::rt::System::new()
            .block_on(committer.write(true, move |c| insert_topic(c, "large", &description)))
            .unwrap();
        let waited = std::time::Instant::now();
        while std::fs::metadata(&path).unwrap().len() < before + (2 << 20) {
            assert!(waited.elapsed() < Duration::from_secs(10), "the write stayed in the log");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_batch_that_cannot_get_the_write_lock_answers_busy_and_the_next_one_commits() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("busy.db").display());
        let pool = crate::db::open(&url).unwrap();
        let committer = Committer::start(pool.clone(), true).unwrap();
        let write = |slug: &'static str| {
            actix_web::rt::System::new().block_on(committer.write(true, move |c| insert_topic(c, slug, "")))
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
