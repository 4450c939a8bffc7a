//! Partner keys: what a key may do, and the form of a key. A key is `nd_<prefix>_<secret>`:
//! the prefix (8 hex digits) is shown in listings, logs and the audit trail; the secret (256
//! random bits) only once, when the key is made or rotated. Only the SHA-256 of the whole key
//! is stored: random keys need no slow hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::NaiveDateTime;
use subtle::ConstantTimeEq;

use super::ids::KeyId;

closed_set! {
    "lowercase",
    /// What a key may do.
    #[derive(PartialOrd, Ord)]
    pub enum Scope {
        /// What anonymous readers see, at the key's own quota.
        Read,
        /// Drafts and scheduled items too, in item reads and listings.
        Preview,
        /// News writes, as an editor.
        Write,
    }
}

/// What every key starts with.
pub const MARK: &str = "nd_";
const PREFIX_DIGITS: usize = 8;

/// A key as it is handed out once: the whole key, and the prefix it is known by.
pub struct NewKey {
    pub key: String,
    pub prefix: String,
}

impl NewKey {
    /// A key with a fresh prefix and secret.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut random = [0u8; 4 + 32];
        getrandom::fill(&mut random)?;
        let prefix = format!("{MARK}{}", super::hex(&random[..4]));
        let key = format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(&random[4..]));
        Ok(Self { key, prefix })
    }

    /// A new secret under the same prefix (a rotation).
    pub fn rotate(prefix: &str) -> Result<Self, getrandom::Error> {
        let fresh = Self::generate()?;
        // The secret may hold `_` itself (base64url): it is everything after the prefix's `_`.
        let secret = &fresh.key[fresh.prefix.len() + 1..];
        Ok(Self { key: format!("{prefix}_{secret}"), prefix: prefix.to_owned() })
    }
}

/// The prefix of something that has a key's form (`nd_` and 8 hex digits, then `_` and the
/// secret); `None` for anything else.
pub fn prefix_of(token: &str) -> Option<&str> {
    let (prefix, secret) = token.get(..MARK.len() + PREFIX_DIGITS).zip(token.get(MARK.len() + PREFIX_DIGITS..))?;
    let digits = &prefix[MARK.len()..];
    let well_formed = prefix.starts_with(MARK)
        && digits.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && secret.strip_prefix('_').is_some_and(|s| (32..=64).contains(&s.len()));
    well_formed.then_some(prefix)
}

/// A partner key as requests are checked against it.
#[derive(Debug)]
pub struct KnownKey {
    pub id: KeyId,
    /// What the key is known by (`nd_3f9a01bc`).
    pub prefix: String,
    pub scopes: Vec<Scope>,
    /// Requests per minute.
    pub rate_limit: u32,
    pub secret_hash: String,
    /// The hash of the key before the last rotation, and until when it works.
    pub previous: Option<(String, NaiveDateTime)>,
    pub expires_at: Option<NaiveDateTime>,
    /// The second (Unix time) of the last use noted, so that a busy key is noted once a
    /// second, not on every request.
    pub noted: AtomicI64,
}

impl KnownKey {
    /// Whether a use at `now` is worth noting: the first in its second.
    pub fn first_use_in_second(&self, now: NaiveDateTime) -> bool {
        let second = now.and_utc().timestamp();
        self.noted.swap(second, Ordering::Relaxed) != second
    }

    /// Whether `key` is this key's current secret, or its previous one within the grace, at
    /// `now`, and the key has not expired.
    pub fn accepts(&self, key: &str, now: NaiveDateTime) -> bool {
        let sent = hash(key);
        let matches = |stored: &str| bool::from(sent.as_bytes().ct_eq(stored.as_bytes()));
        let previous = self.previous.as_ref().is_some_and(|(stored, until)| now < *until && matches(stored));
        (matches(&self.secret_hash) || previous) && self.expires_at.is_none_or(|t| now < t)
    }

    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// What is stored of a key.
pub fn hash(key: &str) -> String {
    super::sha256_hex(key.as_bytes())
}

/// Scopes as stored: a comma list in their order, each once.
pub fn stored(scopes: &[Scope]) -> String {
    let mut scopes = scopes.to_vec();
    scopes.sort();
    scopes.dedup();
    scopes.iter().map(|s| <&str>::from(*s)).collect::<Vec<_>>().join(",")
}

/// A stored scope the service does not know.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope `{0}` in the database")]
pub struct UnknownScope(String);

/// Scopes from their stored form.
pub fn from_stored(text: &str) -> Result<Vec<Scope>, UnknownScope> {
    text.split(',').filter(|s| !s.is_empty()).map(|s| s.parse().map_err(|_| UnknownScope(s.to_owned()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_known_by_their_prefix() {
        let new = NewKey::generate().unwrap();
        assert_eq!(prefix_of(&new.key), Some(new.prefix.as_str()));
        assert_eq!(new.prefix.len(), 11);
        for _ in 0..100 {
            let rotated = NewKey::rotate(&new.prefix).unwrap();
            assert_eq!(prefix_of(&rotated.key), Some(new.prefix.as_str()), "{}", rotated.key);
            assert_eq!(rotated.key.len(), new.key.len());
        }
        let rotated = NewKey::rotate(&new.prefix).unwrap();
        assert_ne!(hash(&rotated.key), hash(&new.key));
        for other in
            ["eyJhbGciOi.x.y", "nd_", "nd_3F9A01BC_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "nd_3f9a01bc_short"]
        {
            assert_eq!(prefix_of(other), None, "{other}");
        }
    }

    #[test]
    fn scopes_are_stored_as_a_set() {
        assert_eq!(stored(&[Scope::Write, Scope::Read, Scope::Write]), "read,write");
        assert_eq!(from_stored("read,write"), Ok(vec![Scope::Read, Scope::Write]));
        assert!(from_stored("read,admin").is_err());
    }
}
