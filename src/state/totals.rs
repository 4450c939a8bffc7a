//! Listing totals kept per filter while the content version stays the same. The pages of one
//! listing share its total, so a client walking a million items page by page pays for the
//! count once, and each page costs its keyset seek.

use std::time::Instant;

use quick_cache::sync::Cache;

use crate::domain::listing::NewsFilter;
use crate::domain::news::Visibility;

/// Filters remembered; each entry is a few hundred bytes.
const FILTERS: usize = 4096;

pub struct Totals(Cache<(Visibility, NewsFilter), Kept>);

#[derive(Clone, Copy)]
struct Kept {
    version: i64,
    /// For anonymous readers, the next scheduled publication changes the total.
    until: Option<Instant>,
    total: i64,
}

impl Totals {
    /// `None` when caching is off (`megabytes` is 0), as for answers.
    pub fn new(megabytes: u64) -> Option<Self> {
        (megabytes > 0).then(|| Self(Cache::new(FILTERS)))
    }

    /// The total kept for these readers and this filter at `version`, if still true.
    pub fn get(&self, visibility: Visibility, filter: &NewsFilter, version: i64) -> Option<i64> {
        let kept = self.0.get(&(visibility, filter.clone()))?;
        let current = kept.version == version && kept.until.is_none_or(|until| Instant::now() < until);
        current.then_some(kept.total)
    }

    pub fn keep(&self, visibility: Visibility, filter: NewsFilter, version: i64, total: i64, until: Option<Instant>) {
        self.0.insert((visibility, filter), Kept { version, until, total });
    }
}
