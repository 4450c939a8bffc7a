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
//!
//! Besides the version, each process knows at which version the answers about each
//! organization last changed (`Reach`): a write to one organization's items or profile leaves
//! the answers kept about the others. Writes it cannot place (another process's, found by a
//! poll) count as changing everything.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::schema::content_clock;
use crate::domain::audit::Reach;

/// How often a process serving SQLite looks for writes by other processes; how often a
/// replica reads the version on its listening connection.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How often a replica looks for notifications: what another replica's write may take to end
/// the answers kept here, besides the notification's trip.
pub const NOTICE_INTERVAL: Duration = Duration::from_millis(20);

/// How long a replica trusts what it knows after its listening connection last answered.
pub const TRUSTED_FOR: Duration = Duration::from_secs(3);

/// The notification channel of content writes: each transaction sends the version it made and
/// what its writes reached (`reach_payload`).
pub const CHANNEL: &str = "newsdesk_content";

pub struct ContentVersion {
    source: Source,
    reached: Mutex<Reached>,
}

enum Source {
    /// This process's own count of changes, and the database's version as last polled.
    Process { changes: AtomicI64, polled: AtomicI64 },
    /// The database's version as last learned, and when the listening connection last
    /// answered (milliseconds after `since`, plus one; 0: never).
    Notified { url: String, latest: AtomicI64, since: Instant, answered: AtomicU64 },
}

/// At which version the answers about each organization last changed.
#[derive(Debug, Default)]
struct Reached {
    /// The last version that changed every answer.
    everything: i64,
    /// Later versions that changed the answers about an organization, by its slug.
    organizations: HashMap<String, i64>,
}

impl Reached {
    fn record(&mut self, version: i64, reach: &Reach) {
        match reach {
            Reach::Nobody => {}
            Reach::Everyone => {
                self.everything = self.everything.max(version);
                let everything = self.everything;
                self.organizations.retain(|_, changed| *changed > everything);
            }
            Reach::Organizations(slugs) => {
                for slug in slugs {
                    let changed = self.organizations.entry(slug.clone()).or_insert(version);
                    *changed = (*changed).max(version);
                }
            }
        }
    }

    fn of(&self, organization: &str) -> i64 {
        self.organizations.get(organization).map_or(self.everything, |&changed| changed.max(self.everything))
    }
}

impl ContentVersion {
    /// Where this process is the only one that writes (SQLite).
    pub fn process() -> Self {
        Self::new(Source::Process { changes: AtomicI64::new(0), polled: AtomicI64::new(-1) })
    }

    /// Where replicas share the PostgreSQL database at `url`.
    pub fn notified(url: &str) -> Self {
        Self::new(Source::Notified {
            url: url.to_owned(),
            latest: AtomicI64::new(-1),
            since: Instant::now(),
            answered: AtomicU64::new(0),
        })
    }

    fn new(source: Source) -> Self {
        Self { source, reached: Mutex::default() }
    }

    fn reached(&self) -> std::sync::MutexGuard<'_, Reached> {
        self.reached.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The version without a query, where it is known.
    pub fn known(&self) -> Option<i64> {
        match &self.source {
            Source::Process { changes, .. } => Some(changes.load(Ordering::Acquire)),
            Source::Notified { latest, since, answered, .. } => {
                let answered = answered.load(Ordering::Acquire).checked_sub(1)?;
                let trusted = since.elapsed().saturating_sub(Duration::from_millis(answered)) < TRUSTED_FOR;
                trusted.then(|| latest.load(Ordering::Acquire))
            }
        }
    }

    /// The version at which the answers about `organization` last changed (about none: the
    /// version), without a query, where it is known.
    pub fn known_for(&self, organization: Option<&str>) -> Option<i64> {
        let version = self.known()?;
        Some(organization.map_or(version, |slug| self.reached().of(slug)))
    }

    /// A write of this process has completed, changing the answers `reach` names; `made` is
    /// the database's version after it, where replicas share the database.
    pub fn changed(&self, made: Option<i64>, reach: &Reach) {
        // Held while the version moves, so that no reader sees the new version without what it
        // reached.
        let mut reached = self.reached();
        match &self.source {
            Source::Process { changes, .. } => {
                let version = changes.fetch_add(1, Ordering::AcqRel) + 1;
                reached.record(version, reach);
            }
            Source::Notified { latest, .. } => {
                if let Some(version) = made {
                    reached.record(version, reach);
                    latest.fetch_max(version, Ordering::AcqRel);
                }
            }
        }
    }

    /// The database's version as just read: a change since the last poll came from another
    /// process, or from this one (then it costs kept answers one extra computation), and may
    /// have changed anything. So may whatever was written while a replica was not listening:
    /// `listening` is the first read on a new listening connection.
    pub fn polled(&self, database: i64, listening: bool) {
        match &self.source {
            Source::Process { polled, .. } => {
                if polled.swap(database, Ordering::AcqRel) != database {
                    self.changed(None, &Reach::Everyone);
                }
            }
            Source::Notified { latest, .. } => {
                let mut reached = self.reached();
                if listening || database > latest.load(Ordering::Acquire) {
                    reached.record(database, &Reach::Everyone);
                }
                latest.fetch_max(database, Ordering::AcqRel);
            }
        }
    }

    /// Another replica's transaction made `version`, its writes changing `reach`. Versions
    /// only go forward (a notification that arrives after a later version is old news), but
    /// what the writes reached is recorded all the same.
    fn notified_of(&self, version: i64, reach: &Reach) {
        if let Source::Notified { latest, .. } = &self.source {
            let mut reached = self.reached();
            reached.record(version, reach);
            latest.fetch_max(version, Ordering::AcqRel);
        }
    }

    /// Starts listening on a thread of its own, where replicas share the database; the thread
    /// ends with the last holder of `this`. Returns at once.
    pub fn listen(this: &Arc<Self>) {
        if !matches!(this.source, Source::Notified { .. }) {
            return;
        }
        let weak = Arc::downgrade(this);
        let spawned = std::thread::Builder::new().name("newsdesk-listener".into()).spawn(move || {
            while let Some(version) = weak.upgrade() {
                let Source::Notified { url, .. } = &version.source else { return };
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
        if let Source::Notified { since, answered, .. } = &self.source {
            let millis = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
            answered.store(millis + 1, Ordering::Release);
        }
    }
}

/// What a transaction's notification says its writes reached, after the version it made
/// (`None`: nothing readers are shown, and no notification). Nothing more for every answer, as
/// older versions of the service sent; ` organizations` and their slugs (which hold no spaces)
/// for the answers about those. A list too long for a notification says every answer.
pub fn reach_payload(reach: &Reach) -> Option<String> {
    const LONGEST: usize = 4000;
    match reach {
        Reach::Nobody => None,
        Reach::Organizations(slugs) => {
            let payload = slugs.iter().fold(String::from(" organizations"), |payload, slug| payload + " " + slug);
            Some(if payload.len() <= LONGEST { payload } else { String::new() })
        }
        Reach::Everyone => Some(String::new()),
    }
}

/// The version a notification says its transaction made, and what its writes reached.
fn notice(payload: &str) -> Option<(i64, Reach)> {
    let (version, reach) = payload.split_once(' ').unwrap_or((payload, ""));
    let reach = match reach.strip_prefix("organizations") {
        Some(slugs) => Reach::Organizations(slugs.split_whitespace().map(str::to_owned).collect()),
        // Or what a later version of the service may send.
        None => Reach::Everyone,
    };
    Some((version.parse().ok()?, reach))
}

/// Listens on one connection until it fails (`Err`) or nobody holds the version any more.
fn listen_until_dropped(weak: &Weak<ContentVersion>, url: &str) -> Result<(), String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    // Named, for whoever looks at the server's connections.
    conn.batch_execute(&format!("SET application_name = 'newsdesk-listener'; LISTEN {CHANNEL}"))
        .map_err(|e| e.to_string())?;
    let mut next_poll = Instant::now();
    let mut listening = true;
    // A version the last poll read, and the notifications may not have told of yet.
    let mut read = None;
    loop {
        let Some(version) = weak.upgrade() else { return Ok(()) };
        for notification in conn.notifications_iter() {
            if let Some((made, reach)) = notice(&notification.map_err(|e| e.to_string())?.payload) {
                version.notified_of(made, &reach);
            }
        }
        // A write that the poll saw commit, and that the notifications have not told of since,
        // may have changed anything.
        if let Some(database) = read.take() {
            version.polled(database, false);
        }
        if Instant::now() >= next_poll {
            // After LISTEN: a write that committed before it is in this read.
            let database = content_clock::table.select(content_clock::version).first(&mut conn);
            let database = database.map_err(|e| e.to_string())?;
            if listening {
                version.polled(database, true);
            } else {
                read = Some(database);
            }
            version.answered();
            listening = false;
            next_poll = Instant::now() + POLL_INTERVAL;
        }
        drop(version);
        std::thread::sleep(NOTICE_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn organizations(slugs: &[&str]) -> Reach {
        Reach::Organizations(slugs.iter().map(|&slug| slug.to_owned()).collect())
    }

    #[test]
    fn a_process_counts_its_writes_and_what_the_poll_finds() {
        let version = ContentVersion::process();
        let start = version.known().unwrap();
        version.polled(7, false);
        let after_first_poll = version.known().unwrap();
        version.polled(7, false);
        assert_eq!(version.known(), Some(after_first_poll), "nothing new");
        version.changed(None, &Reach::Everyone);
        assert!(version.known().unwrap() > after_first_poll);
        let before = version.known().unwrap();
        version.polled(8, false);
        assert!(version.known().unwrap() > before, "another process wrote");
        assert!(after_first_poll >= start);
    }

    #[test]
    fn a_write_to_one_organization_leaves_the_version_of_the_others() {
        let version = ContentVersion::process();
        version.changed(None, &Reach::Everyone);
        let (interpol, europol) = (version.known_for(Some("interpol")), version.known_for(Some("europol")));
        assert_eq!(interpol, version.known());

        version.changed(None, &organizations(&["interpol"]));
        assert!(version.known_for(Some("interpol")) > interpol);
        assert_eq!(version.known_for(Some("europol")), europol, "another organization's write");
        assert_eq!(version.known_for(None), version.known(), "answers about no one organization");

        let interpol = version.known_for(Some("interpol"));
        version.changed(None, &Reach::Nobody);
        assert!(version.known() > interpol, "a draft's write still counts as a write");
        assert_eq!(version.known_for(Some("interpol")), interpol, "but reaches no answer");

        version.changed(None, &Reach::Everyone);
        assert_eq!(version.known_for(Some("europol")), version.known());
        assert_eq!(version.known_for(Some("interpol")), version.known());
        version.polled(9, false);
        assert_eq!(version.known_for(Some("europol")), version.known(), "another process's write reaches all");
    }

    #[test]
    fn a_replica_knows_the_latest_version_only_while_its_listener_answers() {
        let version = ContentVersion::notified("postgres://unused");
        version.polled(5, true);
        assert_eq!(version.known(), None, "the listener never answered");
        version.answered();
        assert_eq!(version.known(), Some(5));
        version.changed(Some(7), &Reach::Everyone);
        version.polled(6, false);
        assert_eq!(version.known(), Some(7), "an older version read later changes nothing");

        let long_ago = Instant::now().checked_sub(TRUSTED_FOR + Duration::from_secs(1)).unwrap();
        let silent = ContentVersion::new(Source::Notified {
            url: String::new(),
            latest: AtomicI64::new(5),
            since: long_ago,
            answered: AtomicU64::new(1),
        });
        assert_eq!(silent.known(), None, "the listener last answered too long ago");
        assert_eq!(silent.known_for(Some("interpol")), None);
    }

    #[test]
    fn a_replica_learns_what_other_replicas_writes_reached() {
        let version = ContentVersion::notified("postgres://unused");
        version.polled(5, true);
        version.answered();
        assert_eq!(version.known_for(Some("europol")), Some(5));

        let reach = organizations(&["interpol", "un"]);
        let (made, reached) = notice(&format!("9{}", reach_payload(&reach).unwrap())).unwrap();
        assert_eq!((made, &reached), (9, &reach));
        version.notified_of(made, &reached);
        assert_eq!(version.known(), Some(9));
        assert_eq!(version.known_for(Some("interpol")), Some(9));
        assert_eq!(version.known_for(Some("europol")), Some(5));

        // A notification older than what an own write read: its reach still counts.
        version.changed(Some(12), &organizations(&["un"]));
        version.notified_of(11, &organizations(&["europol"]));
        assert_eq!((version.known(), version.known_for(Some("europol"))), (Some(12), Some(11)));

        version.polled(12, false);
        assert_eq!(version.known_for(Some("interpol")), Some(9), "nothing new");
        version.polled(12, true);
        assert_eq!(version.known_for(Some("interpol")), Some(12), "unheard of while not listening");
        assert_eq!(notice(&format!("13{}", reach_payload(&Reach::Everyone).unwrap())), Some((13, Reach::Everyone)));
        assert_eq!(notice("14 organizations"), Some((14, organizations(&[]))), "an item of no organization");
        assert_eq!(notice("newsdesk"), None);
        assert_eq!(reach_payload(&Reach::Nobody), None);
    }
}
