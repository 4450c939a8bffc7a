//! Images: how an upload is made ready for every screen (`process`), where the files are
//! kept (`store`), and the library that does both for the service, a bounded number at a
//! time and off the async workers.

pub mod process;
pub mod store;

use std::sync::Arc;

use actix_web::web;
use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;

use crate::domain::ids::MediaId;
use crate::domain::media::{Media, ShownMedia};
use process::{File, Prepared, Refusal, Rules};
use store::{Location, MediaStore, StoreError};

/// Images whose file names are kept (a few hundred bytes each).
const NAMES_KEPT: usize = 10_000;

/// Images kept as answers show them (a few KiB each, with up to a dozen variants).
const SHOWN_KEPT: usize = 2_000;

/// Path of the media files, outside `/api/v1`: `/media/{id}/{file}`.
pub const PREFIX: &str = "/media/";

/// Where media URLs point: this service (`NEWSDESK_PUBLIC_URL`) or a CDN or public bucket
/// (`NEWSDESK_MEDIA_PUBLIC_URL`). Rows keep names only; URLs are built when answering.
#[derive(Debug, Clone)]
pub struct MediaUrls {
    /// Without a trailing slash.
    base: Arc<str>,
    /// Images answered lately, with these URLs.
    shown: Arc<quick_cache::sync::Cache<MediaId, Kept>>,
    version: Option<ContentVersion>,
}

/// An image as answers showed it, and the content version at which its row was last read.
#[derive(Debug, Clone)]
struct Kept {
    image: ShownMedia,
    read_at: Option<i64>,
}

/// The content version, if this process knows it now (`db::version`): every write to an
/// image's row moves it, so while it stays where it was when a kept image's row was read, the
/// row need not be read again. On PostgreSQL it lags another replica's write as kept answers
/// do (see `docs/DEPLOYMENT.md`).
#[derive(Clone)]
pub struct ContentVersion(Arc<dyn Fn() -> Option<i64> + Send + Sync>);

impl ContentVersion {
    pub fn new(known: impl Fn() -> Option<i64> + Send + Sync + 'static) -> Self {
        Self(Arc::new(known))
    }
}

impl std::fmt::Debug for ContentVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentVersion")
    }
}

impl MediaUrls {
    /// URLs under `base` (a trailing slash is dropped); kept images are trusted while
    /// `version` stays, or checked against their rows each time without one.
    pub fn new(base: &str, version: Option<ContentVersion>) -> Self {
        let shown = Arc::new(quick_cache::sync::Cache::new(SHOWN_KEPT));
        Self { base: base.trim_end_matches('/').into(), shown, version }
    }

    /// The content version as this process knows it now.
    pub fn version(&self) -> Option<i64> {
        self.version.as_ref().and_then(|known| (known.0)())
    }

    /// Image `id` as an earlier answer showed it, if nothing was written since its row was
    /// read at content version `version`.
    pub fn unchanged(&self, id: MediaId, version: i64) -> Option<ShownMedia> {
        self.shown.get(&id).filter(|kept| kept.read_at == Some(version)).map(|kept| kept.image)
    }

    /// Image `id` as an earlier answer showed it, if its row (read at `version`) has not
    /// changed since (its `updated_at` tells, whichever replica wrote it; an id given again
    /// to a new image comes with a later one). A row read at no known version leaves the
    /// image trusted as it was.
    pub fn kept(&self, id: MediaId, updated_at: DateTime<Utc>, version: Option<i64>) -> Option<ShownMedia> {
        let kept = self.shown.get(&id).filter(|kept| kept.image.updated_at == updated_at)?;
        if version.is_some() && kept.read_at != version {
            self.shown.insert(id, Kept { image: kept.image.clone(), read_at: version });
        }
        Some(kept.image)
    }

    /// Image `id`, its row read at `version`, as answers show it: kept, or `render`ed and kept.
    pub fn shown(
        &self,
        id: MediaId,
        updated_at: DateTime<Utc>,
        version: Option<i64>,
        render: impl FnOnce() -> Media,
    ) -> ShownMedia {
        self.kept(id, updated_at, version).unwrap_or_else(|| {
            let image = ShownMedia::new(render());
            self.shown.insert(id, Kept { image: image.clone(), read_at: version });
            image
        })
    }

    /// The URL of the file `name` of image `id`.
    pub fn file(&self, id: MediaId, name: &str) -> String {
        format!("{}{PREFIX}{id}/{name}", self.base)
    }
}

/// The media library: the store, how uploads are made ready, and where their URLs point.
#[derive(Debug, Clone)]
pub struct Library {
    pub store: MediaStore,
    pub rules: Arc<Rules>,
    /// Largest upload, in bytes.
    pub max_bytes: u64,
    /// Where media URLs point.
    pub urls: MediaUrls,
    /// The file names of images served lately, so that serving a file does not read its row.
    /// Names never change; a deleted image is forgotten here (another replica's entry only
    /// answers for files that are gone, or that another image still names, until it is evicted).
    names: Arc<quick_cache::sync::Cache<MediaId, Arc<[String]>>>,
    /// Uploads decoded and encoded at once: each takes a core's time and up to a few hundred
    /// MiB, so a burst of uploads waits its turn instead of starving readers or memory.
    working: Arc<Semaphore>,
}

impl Library {
    /// The library over the store at `store`, its URLs under `base` (without a trailing slash).
    pub fn open(
        store: &Location,
        rules: Rules,
        max_bytes: u64,
        base: &str,
        version: ContentVersion,
    ) -> Result<Self, StoreError> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Self {
            store: MediaStore::at(store)?,
            rules: Arc::new(rules),
            max_bytes,
            urls: MediaUrls::new(base, Some(version)),
            names: Arc::new(quick_cache::sync::Cache::new(NAMES_KEPT)),
            // Each upload encodes on two threads (see `process::prepare`).
            working: Arc::new(Semaphore::new(cores.div_ceil(2))),
        })
    }

    /// The file names of image `id`, if they are kept.
    pub fn names(&self, id: MediaId) -> Option<Arc<[String]>> {
        self.names.get(&id)
    }

    pub fn keep_names(&self, id: MediaId, names: Arc<[String]>) {
        self.names.insert(id, names);
    }

    pub fn forget_names(&self, id: MediaId) {
        self.names.remove(&id);
    }

    /// Makes an upload ready, its crops cut around `focus`, on the blocking pool once a turn
    /// is free.
    pub async fn prepare(
        &self,
        bytes: web::Bytes,
        focus: (f64, f64),
    ) -> Result<Result<Prepared, Refusal>, crate::error::ApiError> {
        let rules = self.rules.clone();
        self.work(move || process::prepare(&bytes, &rules, focus)).await
    }

    /// Cuts the crops of an image again around `focus`, from its file at its own size.
    pub async fn crops(
        &self,
        original: Vec<u8>,
        focus: (f64, f64),
    ) -> Result<Result<Vec<File>, Refusal>, crate::error::ApiError> {
        let rules = self.rules.clone();
        self.work(move || process::crops_of(&original, &rules, focus)).await
    }

    async fn work<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::error::ApiError> {
        let _turn = self.working.acquire().await.map_err(crate::error::ApiError::internal)?;
        Ok(web::block(f).await?)
    }
}
