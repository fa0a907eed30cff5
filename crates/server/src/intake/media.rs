//! Reported media on disk: content-addressed by SHA-256 under `<data dir>/media/`, written
//! through a temporary file while the digests are computed, so that an upload is never held
//! whole in memory and a file under its final name is always complete.
//!
//! One file may serve several requests at once (the same bytes sent twice), so a request that
//! fails may delete its file only if no other request holds it and no media row names it:
//! requests hold the files they received ([`MediaHold`]) until they are answered, and
//! [`MediaStore::remove_if_unrecorded`] checks both. What failed requests could not delete, and
//! what a killed process left in `incoming/`, the collector ([`MediaStore::collect`]) removes
//! once old enough, with what was made from files no row names any more: video frames
//! (`frames/<sha256>/`) and cached renditions (`renditions/<sha256>/`, see
//! [`crate::renditions`]).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use vigie_store::{Store, StoreError};

use md5::Digest as _;
use sha2::Sha256;

/// What kind of media a file is, from its first bytes (never from the sender's word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// A still image Vigie can hash with PDQ.
    Image,
    /// A video container Vigie can hash with vPDQ (when ffmpeg is installed).
    Video,
    /// Anything else (a PDF manual, an archive): stored and matched by digest only.
    Other,
}

impl MediaType {
    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Other => "other",
        }
    }

    /// Sniffs the type from the first bytes of a file.
    pub fn sniff(head: &[u8]) -> Self {
        if vigie_hash::detect_format(head).is_some() {
            Self::Image
        } else if vigie_video::detect_video(head).is_some() {
            Self::Video
        } else {
            Self::Other
        }
    }
}

/// An image's PDQ hashes computed while it was received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImagePdq {
    /// Hex hash.
    pub hash: String,
    /// 0..=100.
    pub quality: u32,
    /// Its extra hashes for edited copies ([`vigie_hash::robust::format_variants`]).
    pub variants: String,
}

/// A file received and stored under its digest.
#[derive(Clone, Debug)]
pub struct StoredFile {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Lower-case hex MD5.
    pub md5: String,
    /// Size in bytes.
    pub byte_size: u64,
    /// What it is.
    pub media_type: MediaType,
    /// An image's PDQ hashes, when it was small enough to hash while received
    /// ([`super::vet_media`]); the media worker then records them without decoding again.
    pub pdq: Option<ImagePdq>,
    /// Keeps the file from being deleted by other requests while this one runs.
    pub hold: MediaHold,
}

/// Why a file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// Over the size limit.
    #[error("is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// No bytes at all.
    #[error("is empty")]
    Empty,
    /// An image whose header cannot be read, or one over the pixel limit.
    #[error("{0}")]
    BadImage(String),
    /// The disk failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The media directory.
#[derive(Clone, Debug)]
pub struct MediaStore {
    root: PathBuf,
    holds: Arc<Holds>,
}

/// Which files requests hold, and a count of holds ever taken: a deletion that saw no hold and
/// no row goes ahead only if no hold was taken since it started looking, so a request that
/// received the same bytes meanwhile (and may be about to name them in a row) keeps its file.
#[derive(Debug, Default)]
struct Holds {
    state: Mutex<HoldState>,
}

#[derive(Debug, Default)]
struct HoldState {
    held: HashMap<String, usize>,
    taken: u64,
}

impl Holds {
    fn lock(&self) -> MutexGuard<'_, HoldState> {
        // The state stays consistent even if a holder panicked: counts change in one statement.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A request's claim on a stored file; released when the last clone is dropped.
#[derive(Clone)]
pub struct MediaHold {
    _guard: Arc<HoldGuard>,
}

struct HoldGuard {
    holds: Arc<Holds>,
    sha256: String,
}

impl Drop for HoldGuard {
    fn drop(&mut self) {
        let mut state = self.holds.lock();
        if let Some(count) = state.held.get_mut(&self.sha256) {
            *count -= 1;
            if *count == 0 {
                state.held.remove(&self.sha256);
            }
        }
    }
}

impl std::fmt::Debug for MediaHold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaHold")
    }
}

/// What one collection removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Partial uploads left in `incoming/` (a process killed while receiving).
    pub temporary: usize,
    /// Complete files that no media row names (a refused or timed-out request's upload).
    pub unrecorded: usize,
    /// Folders of frames and renditions made from media no row names.
    pub derived: usize,
}

/// Digests looked up in the database at once by the collector.
const COLLECT_BATCH: usize = 500;

impl MediaStore {
    /// Media under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), holds: Arc::default() }
    }

    /// The media directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Holds the file with this digest for the caller.
    pub fn hold(&self, sha256: &str) -> MediaHold {
        let mut state = self.holds.lock();
        state.taken += 1;
        *state.held.entry(sha256.to_owned()).or_default() += 1;
        MediaHold { _guard: Arc::new(HoldGuard { holds: self.holds.clone(), sha256: sha256.to_owned() }) }
    }

    /// Deletes the file with this digest if no request holds it and no media row names it.
    /// Returns whether it deleted it. Callers drop their own holds first.
    pub async fn remove_if_unrecorded(&self, store: &Store, sha256: &str) -> Result<bool, StoreError> {
        let Some(ticket) = self.deletion_ticket(sha256) else { return Ok(false) };
        if store.find_media(sha256).await?.is_some() {
            return Ok(false);
        }
        self.delete_unless_held_since(sha256, ticket)
            .map_err(|error| StoreError::Other(anyhow::anyhow!("cannot delete an unrecorded media file: {error}")))
    }

    /// The first step of a deletion: `None` if a request holds the file, else the count of holds
    /// taken so far, which the last step compares.
    fn deletion_ticket(&self, sha256: &str) -> Option<u64> {
        let state = self.holds.lock();
        (!state.held.contains_key(sha256)).then_some(state.taken)
    }

    /// The last step: deletes the file if no hold was taken since `ticket`. Under the lock, so
    /// a hold taken after this finds the file gone and writes its own copy.
    fn delete_unless_held_since(&self, sha256: &str, ticket: u64) -> std::io::Result<bool> {
        let state = self.holds.lock();
        if state.taken != ticket || state.held.contains_key(sha256) {
            return Ok(false);
        }
        match std::fs::remove_file(self.path_of(sha256)) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Removes partial uploads and files that no media row names, last modified more than
    /// `min_age` ago (a file received again is touched, so it is never that old while a request
    /// may still name it; see [`Incoming::finish`]).
    pub async fn collect(&self, store: &Store, min_age: Duration) -> Result<Collected, StoreError> {
        let root = self.root.clone();
        let (temporary, candidates, derived) = tokio::task::spawn_blocking(move || scan_for_collection(&root, min_age))
            .await
            .map_err(|error| StoreError::Other(anyhow::anyhow!("media collection task failed: {error}")))?
            .map_err(|error| StoreError::Other(anyhow::anyhow!("cannot scan the media directory: {error}")))?;
        let mut collected = Collected { temporary, unrecorded: 0, derived: 0 };
        for batch in candidates.chunks(COLLECT_BATCH) {
            let recorded = store.recorded_media(batch).await?;
            for sha256 in batch.iter().filter(|sha256| !recorded.contains(*sha256)) {
                if self.remove_if_unrecorded(store, sha256).await? {
                    collected.unrecorded += 1;
                }
            }
        }
        // Frames and renditions are made from recorded media only (the worker writes frames
        // after the row exists): a folder whose media no row names is left from a media removed.
        for batch in derived.chunks(COLLECT_BATCH) {
            let digests: Vec<String> = batch.iter().map(|(sha256, _)| sha256.clone()).collect();
            let recorded = store.recorded_media(&digests).await?;
            for (_, dir) in batch.iter().filter(|(sha256, _)| !recorded.contains(sha256)) {
                match std::fs::remove_dir_all(dir) {
                    Ok(()) => collected.derived += 1,
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => {
                        return Err(StoreError::Other(anyhow::anyhow!("cannot remove derived media files: {error}")));
                    }
                }
            }
        }
        Ok(collected)
    }

    /// Where the file with this SHA-256 lives: `ab/cd/abcd…`, so no directory grows too large.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let (first, second) = (sha256.get(0..2).unwrap_or("00"), sha256.get(2..4).unwrap_or("00"));
        self.root.join(first).join(second).join(sha256)
    }

    /// Starts receiving a file of at most `limit` bytes.
    pub fn begin(&self, limit: u64) -> std::io::Result<Incoming> {
        let dir = self.root.join("incoming");
        std::fs::create_dir_all(&dir)?;
        let file = tempfile::NamedTempFile::new_in(&dir)?;
        Ok(Incoming {
            store: self.clone(),
            file,
            sha256: Sha256::new(),
            md5: md5::Md5::new(),
            size: 0,
            limit,
            head: Vec::with_capacity(HEAD),
        })
    }
}

impl MediaStore {
    /// A scratch file for bytes that are hashed but not stored (`/v1/match/media`), beside
    /// partial uploads: deleted when dropped, or by the collector after a crash.
    pub fn scratch(&self) -> std::io::Result<Scratch> {
        let dir = self.root.join("incoming");
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch {
            file: tempfile::NamedTempFile::new_in(&dir)?,
            sha256: Sha256::new(),
            md5: md5::Md5::new(),
            size: 0,
            head: Vec::with_capacity(HEAD),
        })
    }
}

/// Bytes written to a temporary file while their digests are computed.
pub struct Scratch {
    file: tempfile::NamedTempFile,
    sha256: Sha256,
    md5: md5::Md5,
    size: u64,
    head: Vec<u8>,
}

impl Scratch {
    /// Appends a chunk.
    pub fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.size += chunk.len() as u64;
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.sha256.update(chunk);
        self.md5.update(chunk);
        self.file.write_all(chunk)
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The first bytes, to sniff the type.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Hex MD5 and SHA-256 of what was written.
    pub fn digests(&self) -> (String, String) {
        (hex::encode(self.md5.clone().finalize()), hex::encode(self.sha256.clone().finalize()))
    }

    /// The file (flushed as it is written: the writes are unbuffered).
    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

/// Bytes kept from the start of a file to sniff its type (MPEG-TS needs 189).
const HEAD: usize = 512;

/// A file being received.
pub struct Incoming {
    store: MediaStore,
    file: tempfile::NamedTempFile,
    sha256: Sha256,
    md5: md5::Md5,
    size: u64,
    limit: u64,
    head: Vec<u8>,
}

impl Incoming {
    /// Appends a chunk.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), ReceiveError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(ReceiveError::TooLarge { limit: self.limit });
        }
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.sha256.update(chunk);
        self.md5.update(chunk);
        self.file.write_all(chunk)?;
        Ok(())
    }

    /// Checks the file, makes it durable and moves it under its digest. An image must have a
    /// readable header within `image_limits` (its pixels are decoded later, off the request).
    pub fn finish(mut self, image_limits: &vigie_hash::Limits) -> Result<StoredFile, ReceiveError> {
        if self.size == 0 {
            return Err(ReceiveError::Empty);
        }
        let media_type = MediaType::sniff(&self.head);
        if media_type == MediaType::Image {
            check_image_header(self.file.path(), image_limits)?;
        }
        self.file.flush()?;
        self.file.as_file().sync_all()?;
        let sha256 = hex::encode(self.sha256.finalize());
        let md5 = hex::encode(self.md5.finalize());
        // Held before looking at the target: a deletion racing with this either finished before
        // (the file is gone and written again below) or sees the hold and stops.
        let hold = self.store.hold(&sha256);
        let target = self.store.path_of(&sha256);
        let kept = target.exists()
            && std::fs::File::options()
                .write(true)
                .open(&target)
                .and_then(|file| file.set_modified(SystemTime::now()))
                .is_ok();
        if !kept {
            let parent = target.parent().unwrap_or(&self.store.root).to_path_buf();
            std::fs::create_dir_all(&parent)?;
            self.file.persist(&target).map_err(|error| error.error)?;
            // The rename is durable only once its directory is.
            std::fs::File::open(&parent)?.sync_all()?;
        }
        Ok(StoredFile { sha256, md5, byte_size: self.size, media_type, pdq: None, hold })
    }
}

/// Folders of files made from media (`<folder>/<sha256>/`), collected with the media.
const DERIVED_FOLDERS: [&str; 2] = ["frames", "renditions"];

/// What a scan of the media directory found: temporary files deleted, digests of complete
/// files, and folders derived from media, each with its digest.
type Scanned = (usize, Vec<String>, Vec<(String, PathBuf)>);

/// 64 lower-case hex digits: the names this store gives files.
fn is_digest(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// Walks the media directory: deletes temporary files older than `min_age` and lists the
/// digests of complete files older than that, and the derived folders (frames, renditions)
/// older than that, for the database to say which are unrecorded.
fn scan_for_collection(root: &Path, min_age: Duration) -> std::io::Result<Scanned> {
    let old_enough = |path: &Path| -> bool {
        std::fs::metadata(path)
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age >= min_age)
    };
    let mut temporary = 0;
    let mut candidates = Vec::new();
    let mut derived = Vec::new();
    let top = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok((0, candidates, derived)),
        Err(error) => return Err(error),
    };
    for first in top {
        let first = first?.path();
        if first.file_name().is_some_and(|name| name == "incoming") {
            for entry in std::fs::read_dir(&first)? {
                let path = entry?.path();
                if path.is_file() && old_enough(&path) && std::fs::remove_file(&path).is_ok() {
                    temporary += 1;
                }
            }
            continue;
        }
        if first.file_name().and_then(|name| name.to_str()).is_some_and(|name| DERIVED_FOLDERS.contains(&name)) {
            for entry in std::fs::read_dir(&first)? {
                let path = entry?.path();
                let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
                if is_digest(name) && path.is_dir() && old_enough(&path) {
                    derived.push((name.to_owned(), path.clone()));
                }
            }
            continue;
        }
        if !first.is_dir() {
            continue;
        }
        for second in std::fs::read_dir(&first)? {
            let second = second?.path();
            if !second.is_dir() {
                continue;
            }
            for entry in std::fs::read_dir(&second)? {
                let path = entry?.path();
                let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
                // Only names this store writes: 64 lower-case hex digits.
                if is_digest(name) && path.is_file() && old_enough(&path) {
                    candidates.push(name.to_owned());
                }
            }
        }
    }
    Ok((temporary, candidates, derived))
}

/// Reads an image's header through the hashing library, as its decoder will: the dimensions
/// and the memory decoding will take are checked against `limits`, with a small buffer and
/// nothing inflated (ICC profiles, metadata), so that this costs little memory however many
/// uploads arrive at once. A file over the size limit is kept unhashed (matched by digest), as
/// before: its header is still checked, the size aside.
fn check_image_header(path: &Path, limits: &vigie_hash::Limits) -> Result<(), ReceiveError> {
    let file = std::fs::File::open(path)?;
    let header_limits = vigie_hash::Limits { max_bytes: u64::MAX, ..*limits };
    match vigie_hash::read_image_info(std::io::BufReader::new(file), &header_limits) {
        Ok(_) => Ok(()),
        Err(error) => match error.kind() {
            vigie_hash::ErrorKind::Read { .. } => Err(ReceiveError::Io(std::io::Error::other(error.to_string()))),
            vigie_hash::ErrorKind::TooManyPixels { .. } | vigie_hash::ErrorKind::MemoryLimit { .. } => {
                Err(ReceiveError::BadImage(format!("is refused: {error}")))
            }
            vigie_hash::ErrorKind::UnsupportedFormat => Err(ReceiveError::BadImage("is not a readable image".into())),
            _ => Err(ReceiveError::BadImage("is an image whose header cannot be read (truncated or corrupt)".into())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\n0000"), MediaType::Image);
        assert_eq!(MediaType::sniff(b"\0\0\0\x18ftypisom0000"), MediaType::Video);
        assert_eq!(MediaType::sniff(b"%PDF-1.7"), MediaType::Other);
    }

    #[test]
    fn files_land_under_their_digest_and_limits_hold() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let mut incoming = store.begin(10).unwrap();
        incoming.write(b"%PDF-").unwrap();
        incoming.write(b"1.7").unwrap();
        let stored = incoming.finish(&vigie_hash::Limits::default()).unwrap();
        assert_eq!(stored.sha256, vigie_hash::sha256_hex(b"%PDF-1.7"));
        assert_eq!(stored.md5, vigie_hash::md5_hex(b"%PDF-1.7"));
        assert_eq!(std::fs::read(store.path_of(&stored.sha256)).unwrap(), b"%PDF-1.7");
        let mut big = store.begin(4).unwrap();
        assert!(matches!(big.write(b"12345"), Err(ReceiveError::TooLarge { limit: 4 })));
        assert!(matches!(store.begin(4).unwrap().finish(&vigie_hash::Limits::default()), Err(ReceiveError::Empty)));
        let mut truncated = store.begin(100).unwrap();
        truncated.write(b"\x89PNG\r\n\x1a\n\0\0").unwrap();
        assert!(matches!(truncated.finish(&vigie_hash::Limits::default()), Err(ReceiveError::BadImage(_))));
    }

    fn receive(store: &MediaStore, bytes: &[u8]) -> StoredFile {
        let mut incoming = store.begin(1 << 20).unwrap();
        incoming.write(bytes).unwrap();
        incoming.finish(&vigie_hash::Limits::default()).unwrap()
    }

    #[test]
    fn a_held_file_is_not_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let first = receive(&store, b"%PDF-1.7 manual");
        let second = receive(&store, b"%PDF-1.7 manual");
        let path = store.path_of(&first.sha256);
        drop(first);
        // The second request still holds the same bytes: no deletion may start.
        assert_eq!(store.deletion_ticket(&second.sha256), None);
        let sha256 = second.sha256.clone();
        drop(second);
        let ticket = store.deletion_ticket(&sha256).expect("nobody holds it now");
        assert!(store.delete_unless_held_since(&sha256, ticket).unwrap());
        assert!(!path.exists());
    }

    #[test]
    fn a_hold_taken_during_a_deletion_stops_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let refused = receive(&store, b"%PDF-1.7 same bytes");
        let sha256 = refused.sha256.clone();
        drop(refused);
        let ticket = store.deletion_ticket(&sha256).unwrap();
        // While the deleting request asks the database, another request receives the same bytes
        // and keeps them only briefly (it may already have named them in a row).
        drop(receive(&store, b"%PDF-1.7 same bytes"));
        assert!(!store.delete_unless_held_since(&sha256, ticket).unwrap());
        assert!(store.path_of(&sha256).exists());
    }
}
