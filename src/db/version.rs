//! The version of the stored content, as the response cache and the listing totals compare
//! it: while it stays the same, so does every answer computed from the database.
//!
//! - PostgreSQL: replicas share the database, so the version is read from it (`content_clock`,
//!   one row) each time: no replica keeps what another has changed.
//! - SQLite: one process serves the file. It counts its own writes as they complete, which
//!   costs no query, and polls the database's version every second to notice writes by other
//!   processes (an import, a second server during a restart).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// How often a process serving SQLite looks for writes by other processes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

pub enum ContentVersion {
    /// Read from the database each time.
    Shared,
    /// This process's own count of changes, and the database's version as last polled.
    Process { changes: AtomicI64, polled: AtomicI64 },
}

impl ContentVersion {
    /// `shared`: other processes serve the same database (PostgreSQL).
    pub fn new(shared: bool) -> Self {
        if shared { Self::Shared } else { Self::Process { changes: AtomicI64::new(0), polled: AtomicI64::new(-1) } }
    }

    /// The version without a query, where this process counts the changes itself.
    pub fn known(&self) -> Option<i64> {
        match self {
            Self::Shared => None,
            Self::Process { changes, .. } => Some(changes.load(Ordering::Acquire)),
        }
    }

    /// A write of this process has completed.
    pub fn changed(&self) {
        if let Self::Process { changes, .. } = self {
            changes.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Whether the database should be polled (`polled` then reports what it said).
    pub fn needs_polling(&self) -> bool {
        matches!(self, Self::Process { .. })
    }

    /// The database's version as just read: a change since the last poll came from another
    /// process, or from this one (then it costs kept answers one extra computation).
    pub fn polled(&self, database: i64) {
        if let Self::Process { polled, .. } = self
            && polled.swap(database, Ordering::AcqRel) != database
        {
            self.changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_counts_its_writes_and_what_the_poll_finds() {
        let version = ContentVersion::new(false);
        let start = version.known().unwrap();
        version.polled(7);
        let after_first_poll = version.known().unwrap();
        version.polled(7);
        assert_eq!(version.known(), Some(after_first_poll), "nothing new");
        version.changed();
        assert!(version.known().unwrap() > after_first_poll);
        let before = version.known().unwrap();
        version.polled(8);
        assert!(version.known().unwrap() > before, "another process wrote");
        assert!(after_first_poll >= start);
        assert_eq!(ContentVersion::new(true).known(), None);
    }
}
