//! Slows down repeated failed sign-ins, per normalized username and client address: after a
//! few free failures, each one makes that pair wait longer (1 s, 2 s, 4 s, ... up to 15 min)
//! before its next attempt. Nobody else is held back: the right password from another address
//! still works, so guessing at a username cannot lock its owner out, and clients sharing an
//! address (behind one proxy) do not lock each other's accounts. An attempt is counted before
//! its password is checked, so concurrent guesses cannot all slip through while the first is
//! still hashing. This is a policy over failures (a success clears the pair), not a request
//! rate, so it is a map rather than a rate limiter; its size is bounded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Failures of a pair answered without delay.
const FREE: u32 = 3;
const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// A pair is forgotten this long after its wait ends with no new attempt.
const FORGET: Duration = Duration::from_secs(15 * 60);
/// Pairs remembered at most (about 200 bytes each).
const MAX_PAIRS: usize = 100_000;

/// Who is signing in: a normalized username and the client's address (see `http::client`).
type Pair = (String, IpAddr);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    /// No attempt of this pair is heard before this instant.
    not_before: Instant,
}

impl Failures {
    fn expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.not_before) >= FORGET
    }
}

/// The wait after `count` failures.
fn delay(count: u32) -> Duration {
    let doublings = count.saturating_sub(FREE + 1).min(16);
    if count <= FREE { Duration::ZERO } else { (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY) }
}

#[derive(Debug, Default)]
pub struct LoginThrottle(Mutex<HashMap<Pair, Failures>>);

/// An attempt under way, already counted as a failure; `succeeded` takes it back.
#[must_use]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    pair: Pair,
}

impl Attempt<'_> {
    /// The password was right: the pair starts afresh.
    pub fn succeeded(self) {
        self.throttle.map().remove(&self.pair);
    }
}

impl LoginThrottle {
    fn map(&self) -> MutexGuard<'_, HashMap<Pair, Failures>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts an attempt of `username` from `address`, or answers how long the pair must
    /// still wait.
    pub fn begin(&self, username: &str, address: IpAddr) -> Result<Attempt<'_>, Duration> {
        let now = Instant::now();
        let mut map = self.map();
        let pair = (username.to_owned(), address);
        if !map.contains_key(&pair) && map.len() >= MAX_PAIRS {
            Self::make_room(&mut map, now);
            if map.len() >= MAX_PAIRS {
                // Every remembered pair is being slowed down: a flood. New pairs wait for the
                // sweep rather than grow the map.
                return Err(Duration::from_secs(60));
            }
        }
        let failures = map.entry(pair.clone()).or_insert(Failures { count: 0, not_before: now });
        if failures.expired(now) {
            failures.count = 0;
        }
        if failures.not_before > now {
            return Err(failures.not_before - now);
        }
        failures.count += 1;
        failures.not_before = now + delay(failures.count);
        Ok(Attempt { throttle: self, pair })
    }

    /// Forgets expired pairs, then those still within their free failures (forgetting them
    /// gives back at most `FREE` attempts).
    fn make_room(map: &mut HashMap<Pair, Failures>, now: Instant) {
        map.retain(|_, f| !f.expired(now));
        if map.len() >= MAX_PAIRS {
            map.retain(|_, f| f.count > FREE);
        }
    }

    /// Forgets expired pairs; the server calls it every minute so that memory follows the
    /// current attempts, not the busiest hour.
    pub fn sweep(&self) {
        self.map().retain(|_, f| !f.expired(Instant::now()));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const ATTACKER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 9));

    #[test]
    fn delays_grow_after_the_free_failures() {
        let waits: Vec<u64> = (1..=8).map(|n| delay(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(delay(1000), MAX_DELAY);
    }

    #[test]
    fn failures_slow_down_only_their_own_pair() {
        let throttle = LoginThrottle::default();
        for _ in 0..=FREE {
            drop(throttle.begin("alice", ATTACKER).unwrap());
        }
        let wait = throttle.begin("alice", ATTACKER).err().unwrap();
        assert!(wait > Duration::ZERO && wait <= FIRST_DELAY);
        throttle.begin("alice", HOME).unwrap().succeeded();
        throttle.begin("bob", ATTACKER).unwrap().succeeded();
    }

    #[test]
    fn attempts_count_before_they_are_checked() {
        let throttle = LoginThrottle::default();
        // Twelve attempts at once, none finished: only the free ones and the first delayed
        // one are let through.
        let started: Vec<_> = (0..12).filter_map(|_| throttle.begin("alice", ATTACKER).ok()).collect();
        assert_eq!(started.len(), FREE as usize + 1);
    }

    #[test]
    fn a_success_clears_the_pair() {
        let throttle = LoginThrottle::default();
        for _ in 0..FREE {
            drop(throttle.begin("carol", HOME).unwrap());
        }
        throttle.begin("carol", HOME).unwrap().succeeded();
        assert_eq!(throttle.len(), 0);
    }

    #[test]
    fn the_map_stays_bounded() {
        let throttle = LoginThrottle::default();
        for n in 0..MAX_PAIRS + 10 {
            let _ = throttle.begin(&format!("user{n}"), ATTACKER);
        }
        assert!(throttle.len() <= MAX_PAIRS);
        throttle.sweep();
        assert!(throttle.len() <= MAX_PAIRS);
    }
}
