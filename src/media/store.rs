//! Where media files are kept, behind one interface (`object_store`): a directory by default.
//! Files are named by their content and written before the row that names them commits, so
//! a crash between the two leaves a file no row names, which `sweep` removes, and never a row
//! that names no file.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, PutMode, PutOptions};

/// A failure of the store (a full disk, a refused request).
#[derive(Debug, thiserror::Error)]
#[error("the media store failed: {0}")]
pub struct StoreError(#[from] object_store::Error);

/// The media store.
#[derive(Debug, Clone)]
pub struct MediaStore {
    objects: Arc<dyn ObjectStore>,
}

/// A file opened for reading: its size and the bytes asked for, as they come.
pub struct Opened {
    pub size: u64,
    pub range: Range<u64>,
    pub bytes: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

/// Bytes read from a local file at a time.
const CHUNK: usize = 256 * 1024;

impl MediaStore {
    /// The directory `path`, created if missing.
    pub fn directory(path: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(path)
            .map_err(|source| object_store::Error::Generic { store: "directory", source: source.into() })?;
        Ok(Self { objects: Arc::new(LocalFileSystem::new_with_prefix(path)?) })
    }

    /// Stores `bytes` as `name`, unless a file of that name (and so of that content) is there.
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
        match self.objects.put_opts(&Key::from(name), bytes.into(), options).await {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// The file `name`, or `range` of it (a range within the file: callers check it against
    /// `size` first); `None` when there is no such file.
    pub async fn open(&self, name: &str, range: Option<Range<u64>>) -> Result<Option<Opened>, StoreError> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let found = match self.objects.get_opts(&Key::from(name), options).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        let (size, range) = (found.meta.size, found.range.clone());
        let bytes = match found.payload {
            GetResultPayload::File(file, _) => read_file(file, range.clone()),
            GetResultPayload::Stream(_) => found.into_stream().map_err(std::io::Error::other).boxed(),
        };
        Ok(Some(Opened { size, range, bytes }))
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
