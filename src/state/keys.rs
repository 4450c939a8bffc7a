//! What the service keeps of partner keys between requests: the keys themselves, where this
//! process makes every change to them (SQLite; on PostgreSQL another replica may revoke a key,
//! so each request reads it), and when each key was last used, written in batches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::domain::ids::KeyId;
use crate::domain::keys::KnownKey;

/// Keys remembered at most; beyond, the least recent lookups are read again.
const KEPT: usize = 10_000;

pub struct KeyState {
    /// Keys by prefix, where this process sees every change to them.
    kept: Option<Mutex<HashMap<String, Arc<KnownKey>>>>,
    /// Keys used since the last flush, with when.
    used: Mutex<HashMap<KeyId, NaiveDateTime>>,
}

impl KeyState {
    /// `shared`: other processes may change the keys (PostgreSQL replicas).
    pub fn new(shared: bool) -> Self {
        Self { kept: (!shared).then(Mutex::default), used: Mutex::default() }
    }

    /// The key kept under this prefix, if any.
    pub fn kept(&self, prefix: &str) -> Option<Arc<KnownKey>> {
        self.kept.as_ref()?.lock().unwrap_or_else(|e| e.into_inner()).get(prefix).cloned()
    }

    /// Keeps a key just read.
    pub fn keep(&self, key: &Arc<KnownKey>) {
        if let Some(kept) = &self.kept {
            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
            if kept.len() >= KEPT {
                kept.clear();
            }
            kept.insert(key.prefix.clone(), key.clone());
        }
    }

    /// Forgets every key kept: one changed.
    pub fn changed(&self) {
        if let Some(kept) = &self.kept {
            kept.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    /// Notes a use of a key.
    pub fn used(&self, id: KeyId, at: NaiveDateTime) {
        self.used.lock().unwrap_or_else(|e| e.into_inner()).insert(id, at);
    }

    /// When the key was last used, if that is not written yet.
    pub fn pending(&self, id: KeyId) -> Option<NaiveDateTime> {
        self.used.lock().unwrap_or_else(|e| e.into_inner()).get(&id).copied()
    }

    /// The uses noted since the last call.
    pub fn take_used(&self) -> Vec<(KeyId, NaiveDateTime)> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let mut taken: Vec<_> = used.drain().collect();
        taken.sort();
        taken
    }
}
