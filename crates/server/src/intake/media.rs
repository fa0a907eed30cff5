//! Reported media on disk: content-addressed by SHA-256 under `<data dir>/media/`, written
//! through a temporary file while the digests are computed, so that an upload is never held
//! whole in memory and a file under its final name is always complete.

use std::io::Write;
use std::path::{Path, PathBuf};

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

/// A file received and stored under its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Lower-case hex MD5.
    pub md5: String,
    /// Size in bytes.
    pub byte_size: u64,
    /// What it is.
    pub media_type: MediaType,
    /// An image's PDQ hash and quality, when it was small enough to hash while received
    /// ([`super::vet_media`]); the media worker then records it without decoding again.
    pub pdq: Option<(String, u32)>,
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
}

impl MediaStore {
    /// Media under `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
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
        let target = self.store.path_of(&sha256);
        if !target.exists() {
            let parent = target.parent().unwrap_or(&self.store.root).to_path_buf();
            std::fs::create_dir_all(&parent)?;
            self.file.persist(&target).map_err(|error| error.error)?;
            // The rename is durable only once its directory is.
            std::fs::File::open(&parent)?.sync_all()?;
        }
        Ok(StoredFile { sha256, md5, byte_size: self.size, media_type, pdq: None })
    }
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
}
