//! Partner-key quotas across replicas that share a PostgreSQL database. Each replica counts
//! what it admits per key and calendar minute; about once a second it adds those counts to
//! the shared row of the key and minute (`api_key_usage`) and learns the total, and it reads
//! the total before a key's first request of a minute. A key whose total for the minute has
//! reached its quota is refused by every replica.
//!
//! Tolerance: a replica learns what another admitted within two seconds (the other reports
//! within a second, and this one reads the total within the next), so over a minute a key gets
//! at most its quota plus what the other replicas admitted in the last two seconds (each
//! replica's own bucket still holds the key to its quota alone). Before a key's first request
//! of a minute a replica reads the total at once, so traffic that moves from one replica to
//! another after a pause of a second is held exactly.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::ids::KeyId;

/// One key's count in one minute.
#[derive(Debug, Default, Clone, Copy)]
struct Window {
    minute: i64,
    /// Every replica's admissions, as last read from the database.
    total: i64,
    /// This replica's admissions being added to the database now.
    reporting: i64,
    /// This replica's admissions not reported yet.
    pending: i64,
}

/// The minute counts of the keys this replica has seen.
#[derive(Debug, Default)]
pub struct SharedWindows(Mutex<HashMap<KeyId, Window>>);

impl SharedWindows {
    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<KeyId, Window>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the key's total for `minute` is known here.
    pub fn knows(&self, key: KeyId, minute: i64) -> bool {
        self.windows().get(&key).is_some_and(|w| w.minute == minute)
    }

    /// The total of every replica for the key in `minute`, as just read (a report included).
    pub fn learn(&self, key: KeyId, minute: i64, total: i64) {
        let mut windows = self.windows();
        let window = windows.entry(key).or_default();
        if window.minute != minute {
            *window = Window { minute, ..Window::default() };
        }
        window.total = window.total.max(total);
        window.reporting = 0;
    }

    /// Admits one more request of the key in `minute` if its quota allows: `Ok` with what is
    /// left, `Err` with the seconds until the minute ends.
    pub fn admit(&self, key: KeyId, minute: i64, second: i64, quota: u32) -> Result<u32, u64> {
        let mut windows = self.windows();
        let window = windows.entry(key).or_default();
        if window.minute != minute {
            *window = Window { minute, ..Window::default() };
        }
        let used = window.total + window.reporting + window.pending;
        if used >= i64::from(quota) {
            return Err(u64::try_from(60 - second).unwrap_or(1).max(1));
        }
        window.pending += 1;
        Ok(u32::try_from(i64::from(quota) - used - 1).unwrap_or(0))
    }

    /// Takes back an admission another limit then refused.
    pub fn release(&self, key: KeyId, minute: i64) {
        if let Some(window) = self.windows().get_mut(&key).filter(|w| w.minute == minute) {
            window.pending = (window.pending - 1).max(0);
        }
    }

    /// The counts to report for `minute`: each key seen in it, with what this replica admitted
    /// since its last report (0 to only learn the total). Keys of earlier minutes are
    /// forgotten.
    pub fn to_report(&self, minute: i64) -> Vec<(KeyId, i64)> {
        let mut windows = self.windows();
        windows.retain(|_, w| w.minute == minute);
        windows
            .iter_mut()
            .map(|(key, w)| {
                w.reporting += w.pending;
                let admitted = std::mem::take(&mut w.pending);
                (*key, admitted)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_of_every_replica_bounds_each() {
        let (a, b) = (SharedWindows::default(), SharedWindows::default());
        let key = KeyId(1);
        for _ in 0..4 {
            assert!(a.admit(key, 100, 0, 6).is_ok());
        }
        // A reports 4; B, seeing the key for the first time this minute, reads the total.
        let reported: i64 = a.to_report(100).iter().map(|(_, n)| n).sum();
        assert_eq!(reported, 4);
        a.learn(key, 100, 4);
        b.learn(key, 100, 4);
        assert_eq!(b.admit(key, 100, 10, 6), Ok(1));
        assert_eq!(b.admit(key, 100, 10, 6), Ok(0));
        assert_eq!(b.admit(key, 100, 10, 6), Err(50));
        // A learns of B's two at its next report.
        a.learn(key, 100, 6);
        assert_eq!(a.admit(key, 100, 20, 6), Err(40));
        // A new minute starts afresh.
        assert_eq!(a.admit(key, 101, 0, 6), Ok(5));
        assert_eq!(a.to_report(101), vec![(key, 1)]);
        assert!(b.to_report(101).is_empty(), "B forgets the old minute");
    }

    #[test]
    fn admissions_during_a_report_still_count() {
        let windows = SharedWindows::default();
        let key = KeyId(1);
        assert!(windows.admit(key, 7, 0, 2).is_ok());
        assert_eq!(windows.to_report(7), vec![(key, 1)]);
        // Admitted while the report is on its way: the reported one still counts.
        assert_eq!(windows.admit(key, 7, 0, 2), Ok(0));
        assert_eq!(windows.admit(key, 7, 0, 2), Err(60));
        windows.learn(key, 7, 1);
        assert_eq!(windows.admit(key, 7, 0, 2), Err(60), "the pending one is still counted");
    }
}
