//! `AppState`: what every part of the service shares, built once at start-up: the pool, the
//! one write path, the content version and what is kept while it stays the same. It imports
//! nothing of `api`, `auth` or `http`, which all import it.

pub mod keys;
pub mod totals;

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use actix_web::web;
use diesel::Connection;
use tokio::sync::Notify;

use crate::config::Settings;
use crate::db::revisions::Origin;
use crate::db::{self, DbConn, DbPool};
use crate::domain::audit::{Actor, Entry, Reach};
use crate::domain::language::Languages;
use crate::domain::webhooks::Policy;
use crate::error::ApiError;
use crate::media::Library;
use crate::search::SearchIndex;
use keys::KeyState;
use totals::Totals;

/// Everything a handler needs, built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    /// Base of absolute links, without a trailing slash.
    pub public_url: String,
    /// How long trashed items stay restorable; `None`: until purged by hand.
    pub trash_retention: Option<chrono::Duration>,
    /// How long audit entries are kept; `None`: for ever.
    pub audit_retention: Option<chrono::Duration>,
    /// Commits queued writes together.
    committer: Arc<db::commit::Committer>,
    /// Whether other processes (replicas) serve the same database: PostgreSQL.
    shared: bool,
    /// The version of the stored content, for what is kept while it stays the same.
    content: Arc<db::version::ContentVersion>,
    /// Listing totals kept per filter; `None` when caching is off.
    pub totals: Option<Arc<Totals>>,
    /// Revisions kept per news item or profile; `None`: all.
    revisions_keep: Option<u32>,
    /// Partner keys kept between requests, and their uses not yet written.
    pub keys: Arc<KeyState>,
    /// Where and how webhook deliveries go.
    pub push: Policy,
    /// Wakes this process's deliveries after a write (which may have written events).
    pub outbox: Arc<Notify>,
    /// An external WebSub hub that feeds name beside this service's own, and that is told
    /// when they change.
    pub external_hub: Option<String>,
    /// The site's languages, in fallback order.
    pub languages: Arc<Languages>,
    /// Where uploaded images are kept, and how they are made ready.
    pub media: Library,
    /// This process's search index; `None` where it cannot be opened (searches then go to the
    /// database).
    pub search: Option<Arc<SearchIndex>>,
    /// The instant (microseconds since the epoch) of the last look for scheduled items that
    /// came due, after which every item due by then was announced; 0: none yet this run.
    pub due_checked: Arc<AtomicI64>,
}

/// The state as handlers extract it.
pub type State = web::Data<AppState>;

impl AppState {
    /// Opens the store (applying migrations) and, on SQLite, starts its writer thread.
    pub fn open(settings: &Settings) -> Result<Self, db::OpenError> {
        let pool = db::open(&settings.database_url)?;
        let shared = db::is_postgres(&*pool.get()?);
        let committer = Arc::new(db::commit::Committer::start(pool.clone(), !shared)?);
        let content = Arc::new(if shared {
            db::version::ContentVersion::notified(&settings.database_url)
        } else {
            db::version::ContentVersion::process()
        });
        let version = {
            let content = content.clone();
            crate::media::ContentVersion::new(move || content.known())
        };
        Ok(Self {
            pool,
            public_url: settings.public_url(),
            trash_retention: settings.trash_retention(),
            audit_retention: settings.audit_retention(),
            committer,
            shared,
            content,
            totals: Totals::new(settings.cache_mb).map(Arc::new),
            revisions_keep: settings.revisions_keep,
            keys: Arc::new(KeyState::new(shared)),
            push: settings.push_policy(),
            outbox: Arc::new(Notify::new()),
            external_hub: settings.websub_hub.clone(),
            languages: Arc::new(settings.languages.clone()),
            media: Library::open(
                &settings.media_location(),
                settings.media_rules(),
                settings.media_max_bytes,
                settings.media_public_url.as_deref().unwrap_or(&settings.public_url()),
                version,
            )?,
            search: open_search_index(&settings.search_index_dir()),
            due_checked: Arc::new(AtomicI64::new(0)),
        })
    }

    /// Runs store work on the blocking thread pool, never on an actix worker.
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// The one write path: every change to what is stored (from a request, the demo data, the
    /// command line or a timer) runs here, in a transaction that the committer opens and
    /// stamps (the content clock, the search index), shared with the writes queued beside it
    /// in this process (`db::commit`). What every write must record is recorded here:
    /// `entry` goes to the audit trail in the same transaction, once `f` has named what it
    /// wrote (`Entry::on`); a write `f` refuses leaves no entry.
    pub async fn write<T: Send + 'static>(
        &self,
        entry: Entry,
        f: impl FnOnce(&mut DbConn, &mut Entry) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let content = entry.action.changes_content();
        let write = move |c: &mut DbConn| {
            let mut entry = entry;
            let value = f(c, &mut entry)?;
            if content {
                // A draft's write leaves the version as it was: the answers kept for anonymous
                // readers stay, on every replica.
                if entry.reach == Reach::Nobody {
                    db::unstamp_clock(c, 1)?;
                }
            }
            let at = crate::domain::dates::now().naive_utc();
            if !db::commit::defer_audit(&entry, at) {
                db::audit::append(c, &[(entry.clone(), at)])?;
            }
            Ok((value, entry.reach))
        };
        let (value, reach) = self.committer.write_reaching::<_, ApiError>(content, write).await?;
        // Before the writer hears back: from now on, nothing kept shows the old content.
        if content && reach != Reach::Nobody {
            // Where replicas share the database: the version this write made, or a later one,
            // so that this replica's readers need not wait for the notification of its own write.
            // (Committed whatever this read says: if it fails, the notification will do.)
            let made = if self.shared { self.db(|c| Ok(db::content_version(c)?)).await.ok() } else { None };
            self.content.changed(made, &reach);
        }
        self.outbox.notify_one();
        Ok(value)
    }

    /// Writes what the service keeps for itself and no one audits (how deliveries went), in
    /// one transaction: on SQLite committed with the writes queued beside it, on PostgreSQL
    /// alone, without taking the content clock's lock that content writes take turns on.
    pub async fn bookkeep<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        if self.shared { self.db(move |c| c.transaction(f)).await } else { self.committer.write(false, f).await }
    }

    /// Whether other processes (replicas) serve the same database: PostgreSQL.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// The version of the stored content now (a query only where replicas share the database).
    pub async fn content_version(&self) -> Result<i64, ApiError> {
        self.content_version_for(None).await
    }

    /// The version at which the answers about `organization` (about none: any answer) last
    /// changed; where it is not known without a query, the version of the stored content now.
    pub async fn content_version_for(&self, organization: Option<&str>) -> Result<i64, ApiError> {
        match self.content.known_for(organization) {
            Some(version) => Ok(version),
            None => self.db(|c| Ok(db::content_version(c)?)).await,
        }
    }

    /// Notices what other processes write, for ever: on SQLite by polling the database's
    /// content version; on PostgreSQL by listening on a thread of its own (this returns then).
    pub async fn watch_other_processes(self) {
        if self.is_shared() {
            db::version::ContentVersion::listen(&self.content);
            return;
        }
        let mut every = actix_web::rt::time::interval(db::version::POLL_INTERVAL);
        loop {
            every.tick().await;
            match self.db(|c| Ok(db::content_version(c)?)).await {
                Ok(version) => self.content.polled(version, false),
                Err(err) => log::warn!("cannot poll the content version: {err}"),
            }
        }
    }

    /// How a version stored by `actor` is recorded.
    pub fn origin(&self, actor: &Actor) -> Origin {
        Origin { user: actor.name.clone(), restored_from: None, keep: self.revisions_keep }
    }

    /// The WebSub hubs of this service's feeds: its own, and the external one if set.
    pub fn hubs(&self) -> Vec<String> {
        std::iter::once(self.url("/websub")).chain(self.external_hub.clone()).collect()
    }

    /// An absolute URL for a path of this service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }
}

/// Opens this process's search index; without one (another process holds the directory, or it
/// cannot be written) searches go to the database, as the log says.
fn open_search_index(dir: &std::path::Path) -> Option<Arc<SearchIndex>> {
    match SearchIndex::open(dir) {
        Ok(index) => Some(Arc::new(index)),
        Err(err) => {
            log::warn!(
                "searching in the database: cannot open {} ({err}); give each process its own NEWSDESK_SEARCH_INDEX",
                dir.display()
            );
            None
        }
    }
}
