//! Where media files are kept, behind one interface (`object_store`): a directory by default,
//! or S3-compatible object storage that replicas share.
//! Files are named by their content and written before the row that names them commits, so
//! a crash between the two leaves a file no row names, which `sweep` removes, and never a row
//! that names no file.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt};

/// A failure of the store (a full disk, a refused request).
#[derive(Debug, thiserror::Error)]
#[error("the media store failed: {0}")]
pub struct StoreError(#[from] object_store::Error);

/// Where the files are (`NEWSDESK_MEDIA_STORE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Directory(PathBuf),
    /// `s3://bucket/prefix`; credentials, region and endpoint come from the standard AWS
    /// variables (`AWS_ACCESS_KEY_ID`, `AWS_REGION`, `AWS_ENDPOINT_URL`, …).
    S3 {
        bucket: String,
        prefix: String,
    },
}

impl Location {
    /// `s3://bucket[/prefix]`, or else a directory.
    pub fn parse(setting: &str) -> Result<Self, String> {
        let Some(rest) = setting.strip_prefix("s3://") else {
            return Ok(Self::Directory(PathBuf::from(setting)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's rule for bucket names, so that a typo fails at start and not at the first upload.
        let valid = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !valid {
            return Err(format!("`{bucket}` is not a bucket name (3 to 63 of a-z, 0-9, `.` and `-`)"));
        }
        Ok(Self::S3 { bucket: bucket.to_owned(), prefix: prefix.trim_matches('/').to_owned() })
    }
}

/// As the setting is written.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Directory(path) => write!(f, "{}", path.display()),
            Self::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// The media store.
#[derive(Debug, Clone)]
pub struct MediaStore {
    objects: Arc<dyn ObjectStore>,
    /// The directory, when the store is one: its files are read without the interface.
    directory: Option<Arc<Path>>,
}

/// A file opened for reading: its size and the bytes asked for, the first of them read
/// already (all of a small file), the rest as they come.
pub struct Opened {
    pub size: u64,
    pub range: Range<u64>,
    pub first: Bytes,
    pub rest: Option<BoxStream<'static, Result<Bytes, std::io::Error>>>,
}

/// Bytes read from a local file at a time.
const CHUNK: usize = 256 * 1024;

impl MediaStore {
    /// The store at `location`; a directory is created if missing. Nothing is asked of a
    /// bucket here: a wrong credential shows at the first upload (and in `/readyz`'s log).
    pub fn at(location: &Location) -> Result<Self, StoreError> {
        let objects: Arc<dyn ObjectStore> = match location {
            Location::Directory(path) => {
                let objects = Arc::new(directory(path)?);
                return Ok(Self { objects, directory: Some(path.as_path().into()) });
            }
            Location::S3 { bucket, prefix } => {
                crate::tls::install();
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                // A local S3-compatible server (MinIO, Garage) is often reached over plain HTTP.
                if builder.get_config_value(&AmazonS3ConfigKey::Endpoint).is_some_and(|e| e.starts_with("http://")) {
                    builder = builder.with_allow_http(true);
                }
                let bucket = builder.build()?;
                if prefix.is_empty() { Arc::new(bucket) } else { Arc::new(PrefixStore::new(bucket, prefix.as_str())) }
            }
        };
        Ok(Self { objects, directory: None })
    }

    /// Stores `bytes` as `name`. A file of that name has the same content, and is written
    /// again all the same: that renews its time, so the sweep cannot take an orphan of an
    /// earlier upload away between this write and the commit of the row that names it (and
    /// every S3-compatible server can overwrite, where not all can create only if absent).
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.objects.put(&Key::from(name), bytes.into()).await?;
        Ok(())
    }

    /// The file `name`, or `range` of it (a range within the file: callers check it against
    /// `size` first); `None` when there is no such file.
    pub async fn open(&self, name: &str, range: Option<Range<u64>>) -> Result<Option<Opened>, StoreError> {
        if let Some(directory) = &self.directory {
            // Opened and its first chunk read in one trip to the blocking pool (two through
            // the interface): for the variants lists show, that is the whole file.
            let path = directory.join(name);
            let local = move || open_file(&path, range);
            let opened = actix_web::rt::task::spawn_blocking(local).await.map_err(std::io::Error::other);
            return opened.and_then(|opened| opened).map_err(|source| {
                StoreError(object_store::Error::Generic { store: "directory", source: source.into() })
            });
        }
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let found = match self.objects.get_opts(&Key::from(name), options).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let (size, range) = (found.meta.size, found.range.clone());
        let rest = match found.payload {
            GetResultPayload::File(file, _) => read_file(file, range.clone()),
            GetResultPayload::Stream(_) => found.into_stream().map_err(std::io::Error::other).boxed(),
        };
        Ok(Some(Opened { size, range, first: Bytes::new(), rest: Some(rest) }))
    }

    /// The whole file `name`, if there is one.
    pub async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.objects.get(&Key::from(name)).await {
            Ok(found) => Ok(Some(found.bytes().await?.into())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// The size of the file `name`, if there is one.
    pub async fn size(&self, name: &str) -> Result<Option<u64>, StoreError> {
        match self.objects.head(&Key::from(name)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes the file `name` (gone already is fine).
    pub async fn delete(&self, name: &str) -> Result<(), StoreError> {
        match self.objects.delete(&Key::from(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Every file, with when it was written.
    pub async fn files(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let files = self.objects.list(None).map_ok(|meta| (meta.location.to_string(), meta.last_modified));
        Ok(files.try_collect().await?)
    }
}

fn directory(path: &Path) -> Result<LocalFileSystem, StoreError> {
    std::fs::create_dir_all(path)
        .map_err(|source| object_store::Error::Generic { store: "directory", source: source.into() })?;
    Ok(LocalFileSystem::new_with_prefix(path)?)
}

/// The local file at `path` (`None` if there is none) with its first chunk read.
fn open_file(path: &Path, range: Option<Range<u64>>) -> std::io::Result<Option<Opened>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let size = file.metadata()?.len();
    let range = range.unwrap_or(0..size);
    let want = usize::try_from(range.end.saturating_sub(range.start)).unwrap_or(CHUNK).min(CHUNK);
    let first = read_at(&file, range.start, want)?;
    let after = range.start + want as u64;
    let rest = (after < range.end).then(|| read_file(file, after..range.end));
    Ok(Some(Opened { size, range, first, rest }))
}

/// The bytes of `range` of a local file, read off the async workers in large chunks (the
/// crate's own stream reads 8 KiB a hop).
fn read_file(file: std::fs::File, range: Range<u64>) -> BoxStream<'static, Result<Bytes, std::io::Error>> {
    let file = Arc::new(file);
    let end = range.end;
    stream::try_unfold(range.start, move |at| {
        let file = file.clone();
        async move {
            if at >= end {
                return Ok(None);
            }
            let want = usize::try_from(end - at).unwrap_or(CHUNK).min(CHUNK);
            let bytes = actix_web::rt::task::spawn_blocking(move || read_at(&file, at, want))
                .await
                .map_err(std::io::Error::other)??;
            Ok(Some((bytes, at + want as u64)))
        }
    })
    .boxed()
}

fn read_at(file: &std::fs::File, at: u64, want: usize) -> std::io::Result<Bytes> {
    use std::os::unix::fs::FileExt;
    let mut buffer = vec![0; want];
    file.read_exact_at(&mut buffer, at)?;
    Ok(Bytes::from(buffer))
}
