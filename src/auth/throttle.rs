//! Slows down and then refuses repeated failed logins, per username and per client
//! address. This is a lockout policy over failures (a success clears the username's count),
//! not a request rate limit, so it is a few lines over a map rather than a rate limiter.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures that count are those within this window of the last one.
const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures of one username before it is locked.
const USERNAME_LIMIT: u32 = 5;
/// Failures from one address before it is locked (higher: many people may share one).
const ADDRESS_LIMIT: u32 = 20;
/// How long a key stays locked after reaching its limit.
const LOCK: Duration = Duration::from_secs(60);
/// Added to each failed answer per failure already counted, up to `MAX_DELAY`.
const STEP_DELAY: Duration = Duration::from_millis(200);
const MAX_DELAY: Duration = Duration::from_secs(1);
/// Entries kept before old ones are swept.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failure counts by key (`user:NAME`, `addr:IP`).
#[derive(Debug, Default)]
pub struct LoginThrottle(Mutex<HashMap<String, Failures>>);

impl LoginThrottle {
    fn keys(username: &str, address: &str) -> [(String, u32); 2] {
        [(format!("user:{username}"), USERNAME_LIMIT), (format!("addr:{address}"), ADDRESS_LIMIT)]
    }

    /// `Err(retry_after)` when this username or address is locked out.
    pub fn check(&self, username: &str, address: &str) -> Result<(), Duration> {
        let map = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let wait = Self::keys(username, address)
            .iter()
            .filter_map(|(key, limit)| map.get(key).filter(|f| f.count >= *limit))
            .map(|f| LOCK.saturating_sub(now.duration_since(f.last)))
            .max()
            .unwrap_or_default();
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failure and returns how long to wait before answering it.
    pub fn failed(&self, username: &str, address: &str) -> Duration {
        let mut map = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, f| now.duration_since(f.last) < WINDOW);
        }
        let mut most = 0;
        for (key, _) in Self::keys(username, address) {
            let entry = map.entry(key).or_insert(Failures { count: 0, last: now });
            if now.duration_since(entry.last) >= WINDOW {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
            most = most.max(entry.count);
        }
        (STEP_DELAY * (most - 1)).min(MAX_DELAY)
    }

    /// Clears the username's failures after a successful login.
    pub fn succeeded(&self, username: &str) {
        let mut map = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        map.remove(&format!("user:{username}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_locked_after_its_limit_and_cleared_by_success() {
        let throttle = LoginThrottle::default();
        for _ in 0..USERNAME_LIMIT {
            assert!(throttle.check("alice", "1.2.3.4").is_ok());
            throttle.failed("alice", "1.2.3.4");
        }
        let wait = throttle.check("alice", "5.6.7.8").unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= LOCK);
        assert!(throttle.check("bob", "1.2.3.4").is_ok(), "the address is under its own limit");
        throttle.succeeded("alice");
        assert!(throttle.check("alice", "1.2.3.4").is_ok());
    }

    #[test]
    fn failures_are_slowed_down() {
        let throttle = LoginThrottle::default();
        assert_eq!(throttle.failed("carol", "a"), Duration::ZERO);
        assert_eq!(throttle.failed("carol", "a"), STEP_DELAY);
        for _ in 0..10 {
            throttle.failed("carol", "a");
        }
        assert_eq!(throttle.failed("carol", "a"), MAX_DELAY);
    }
}
