//! The error type.

use std::fmt;

use crate::Format;

/// Why an image could not be hashed. [`Error::kind`] says which case it is.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
}

/// The cases of [`Error`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is larger than [`Limits::max_bytes`](crate::Limits::max_bytes).
    TooLarge {
        /// Size of the input in bytes.
        bytes: u64,
        /// The limit in force.
        max_bytes: u64,
    },
    /// The image header declares more pixels than
    /// [`Limits::max_pixels`](crate::Limits::max_pixels) (refused before any pixel memory is
    /// allocated: this is how decompression bombs are stopped).
    TooManyPixels {
        /// Declared width.
        width: u64,
        /// Declared height.
        height: u64,
        /// The limit in force.
        max_pixels: u64,
    },
    /// Decoding would take more memory than
    /// [`Limits::max_memory_bytes`](crate::Limits::max_memory_bytes): pixels that must be held
    /// whole (interlaced PNG, WebP, BMP, TIFF, progressive JPEG), ancillary data a decoder
    /// inflates or keeps (ICC profiles, text, EXIF, TIFF tag values), or the hashing filter of
    /// an extremely wide image. Refused before the memory is allocated when the header tells
    /// (`needed` is then known), or as soon as a decoder reaches the limit.
    MemoryLimit {
        /// What needs the memory, with the image's dimensions when known, e.g. `"a
        /// 9999x9999 interlaced PNG, held whole as 8-bit RGB"`.
        what: String,
        /// Bytes needed, when known before decoding.
        needed: Option<u64>,
        /// The limit in force.
        max_memory_bytes: u64,
    },
    /// The bytes are not in one of the formats Vigie decodes (JPEG, PNG, GIF, WebP, BMP, TIFF).
    UnsupportedFormat,
    /// The data ends before the image does.
    Truncated {
        /// The format the header announced.
        format: Format,
    },
    /// The data is corrupt or uses a feature the decoder does not support.
    Decode {
        /// The format the header announced.
        format: Format,
        /// The decoder's own words.
        message: String,
    },
    /// The input could not be read (an I/O error from the reader, not a problem with the data).
    Read {
        /// The system's words.
        message: String,
    },
    /// A pixel buffer handed to [`hash_rgb`](crate::hash_rgb) and friends does not match its
    /// stated dimensions.
    InvalidInput {
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error { kind }
    }

    pub(crate) fn decode(format: Format, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Decode { format, message: message.into() })
    }

    /// Which case this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::TooLarge { bytes, max_bytes } => {
                write!(f, "file is too large: {bytes} bytes, the limit is {max_bytes} bytes")
            }
            ErrorKind::TooManyPixels { width, height, max_pixels } => write!(
                f,
                "image is too large: {width}x{height} pixels ({:.1} megapixels), the limit is \
                 {max_pixels} pixels ({:.1} megapixels)",
                (*width as f64) * (*height as f64) / 1e6,
                *max_pixels as f64 / 1e6
            ),
            ErrorKind::MemoryLimit { what, needed: Some(needed), max_memory_bytes } => write!(
                f,
                "image needs too much memory to decode ({what}): {needed} bytes in all ({}), the limit is \
                 {max_memory_bytes} bytes ({})",
                mib(*needed),
                mib(*max_memory_bytes)
            ),
            ErrorKind::MemoryLimit { what, needed: None, max_memory_bytes } => write!(
                f,
                "image needs too much memory to decode ({what}): over the limit of {max_memory_bytes} bytes ({})",
                mib(*max_memory_bytes)
            ),
            ErrorKind::Read { message } => write!(f, "cannot read the image: {message}"),
            ErrorKind::UnsupportedFormat => {
                f.write_str("not a supported image: expected JPEG, PNG, GIF, WebP, BMP or TIFF data")
            }
            ErrorKind::Truncated { format } => {
                write!(f, "{format} data is truncated: the file ends before the image does")
            }
            ErrorKind::Decode { format, message } => {
                write!(f, "{format} data is corrupt or unsupported: {message}")
            }
            ErrorKind::InvalidInput { message } => write!(f, "invalid pixel buffer: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// A byte count in MiB, one decimal, for messages.
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
}
