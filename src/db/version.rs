//! The version of the stored content, as the response cache and the listing totals compare
//! it: while it stays the same, so does every answer computed from the database.
//!
//! - SQLite: one process serves the file. It counts its own writes as they complete, which
//!   costs no query, and polls the database's version every second to notice writes by other
//!   processes (an import, a second server during a restart).
//! - PostgreSQL: replicas share the database. Each write notifies the others of the version it
//!   made (`NOTIFY` on `CHANNEL`, delivered as it commits), and each replica listens on a
//!   connection of its own, looking for notifications every `NOTICE_INTERVAL` and reading the
//!   version itself every `POLL_INTERVAL` (which also catches writers that do not notify). A
//!   replica's own writes count as they complete. While the listening connection has not
//!   answered for `TRUSTED_FOR`, readers ask the database for the version each time, as if
//!   nothing were known.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::schema::content_clock;

/// How often a process serving SQLite looks for writes by other processes; how often a
/// replica reads the version on its listening connection.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How often a replica looks for notifications: what another replica's write may take to end
/// the answers kept here, besides the notification's trip.
pub const NOTICE_INTERVAL: Duration = Duration::from_millis(20);

/// How long a replica trusts what it knows after its listening connection last answered.
pub const TRUSTED_FOR: Duration = Duration::from_secs(3);

/// The notification channel of content writes; the payload is the version the write made.
pub const CHANNEL: &str = "newsdesk_content";

pub enum ContentVersion {
    /// This process's own count of changes, and the database's version as last polled.
    Process { changes: AtomicI64, polled: AtomicI64 },
    /// The database's version as last learned, and when the listening connection last
    /// answered (milliseconds after `since`, plus one; 0: never).
    Notified { url: String, latest: AtomicI64, since: Instant, answered: AtomicU64 },
}

impl ContentVersion {
    /// Where this process is the only one that writes (SQLite).
    pub fn process() -> Self {
        Self::Process { changes: AtomicI64::new(0), polled: AtomicI64::new(-1) }
    }

    /// Where replicas share the PostgreSQL database at `url`.
    pub fn notified(url: &str) -> Self {
        Self::Notified {
            url: url.to_owned(),
            latest: AtomicI64::new(-1),
            since: Instant::now(),
            answered: AtomicU64::new(0),
        }
    }

    /// The version without a query, where it is known.
    pub fn known(&self) -> Option<i64> {
        match self {
            Self::Process { changes, .. } => Some(changes.load(Ordering::Acquire)),
            Self::Notified { latest, since, answered, .. } => {
                let answered = answered.load(Ordering::Acquire).checked_sub(1)?;
                let trusted = since.elapsed().saturating_sub(Duration::from_millis(answered)) < TRUSTED_FOR;
                trusted.then(|| latest.load(Ordering::Acquire))
            }
        }
    }

    /// A write of this process has completed; `made` is the database's version after it, where
    /// replicas share the database.
    pub fn changed(&self, made: Option<i64>) {
        match self {
            Self::Process { changes, .. } => drop(changes.fetch_add(1, Ordering::AcqRel)),
            Self::Notified { .. } => made.into_iter().for_each(|version| self.saw(version)),
        }
    }

    /// The database's version as just read: a change since the last poll came from another
    /// process, or from this one (then it costs kept answers one extra computation).
    pub fn polled(&self, database: i64) {
        match self {
            Self::Process { polled, .. } => {
                if polled.swap(database, Ordering::AcqRel) != database {
                    self.changed(None);
                }
            }
            Self::Notified { .. } => self.saw(database),
        }
    }

    /// Versions only go forward: a notification that arrives after a later poll is old news.
    fn saw(&self, version: i64) {
        if let Self::Notified { latest, .. } = self {
            latest.fetch_max(version, Ordering::AcqRel);
        }
    }

    /// Starts listening on a thread of its own, where replicas share the database; the thread
    /// ends with the last holder of `this`. Returns at once.
    pub fn listen(this: &Arc<Self>) {
        if !matches!(**this, Self::Notified { .. }) {
            return;
        }
        let weak = Arc::downgrade(this);
        let spawned = std::thread::Builder::new().name("newsdesk-listener".into()).spawn(move || {
            while let Some(version) = weak.upgrade() {
                let Self::Notified { url, .. } = &*version else { return };
                let url = url.clone();
                drop(version);
                if let Err(err) = listen_until_dropped(&weak, &url) {
                    log::warn!("not listening for other replicas' writes (kept answers wait for a read of the version meanwhile): {err}");
                }
                std::thread::sleep(POLL_INTERVAL);
            }
        });
        if let Err(err) = spawned {
            log::error!("cannot start listening for other replicas' writes: {err}");
        }
    }

    /// The listening connection answered: what is known can be trusted for a while.
    fn answered(&self) {
        if let Self::Notified { since, answered, .. } = self {
            let millis = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
            answered.store(millis + 1, Ordering::Release);
        }
    }
}

/// Listens on one connection until it fails (`Err`) or nobody holds the version any more.
fn listen_until_dropped(weak: &Weak<ContentVersion>, url: &str) -> Result<(), String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    // Named, for whoever looks at the server's connections.
    conn.batch_execute(&format!("SET application_name = 'newsdesk-listener'; LISTEN {CHANNEL}"))
        .map_err(|e| e.to_string())?;
    let mut next_poll = Instant::now();
    loop {
        let Some(version) = weak.upgrade() else { return Ok(()) };
        for notification in conn.notifications_iter() {
            if let Ok(made) = notification.map_err(|e| e.to_string())?.payload.parse() {
                version.saw(made);
            }
        }
        if Instant::now() >= next_poll {
            // After LISTEN: a write that committed before it is in this read.
            let database = content_clock::table.select(content_clock::version).first(&mut conn);
            version.saw(database.map_err(|e| e.to_string())?);
            version.answered();
            next_poll = Instant::now() + POLL_INTERVAL;
        }
        drop(version);
        std::thread::sleep(NOTICE_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_counts_its_writes_and_what_the_poll_finds() {
        let version = ContentVersion::process();
        let start = version.known().unwrap();
        version.polled(7);
        let after_first_poll = version.known().unwrap();
        version.polled(7);
        assert_eq!(version.known(), Some(after_first_poll), "nothing new");
        version.changed(None);
        assert!(version.known().unwrap() > after_first_poll);
        let before = version.known().unwrap();
        version.polled(8);
        assert!(version.known().unwrap() > before, "another process wrote");
        assert!(after_first_poll >= start);
    }

    #[test]
    fn a_replica_knows_the_latest_version_only_while_its_listener_answers() {
        let version = ContentVersion::notified("postgres://unused");
        version.saw(5);
        assert_eq!(version.known(), None, "the listener never answered");
        version.answered();
        assert_eq!(version.known(), Some(5));
        version.changed(Some(7));
        version.polled(6);
        assert_eq!(version.known(), Some(7), "an older version read later changes nothing");

        let long_ago = Instant::now().checked_sub(TRUSTED_FOR + Duration::from_secs(1)).unwrap();
        let silent = ContentVersion::Notified {
            url: String::new(),
            latest: AtomicI64::new(5),
            since: long_ago,
            answered: AtomicU64::new(1),
        };
        assert_eq!(silent.known(), None, "the listener last answered too long ago");
    }
}
