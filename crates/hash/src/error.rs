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
