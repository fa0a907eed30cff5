//! The error type.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a video could not be hashed. [`Error::kind`] says which case it is; the message names
/// the file when there is one.
#[derive(Debug)]
pub struct Error {
    path: Option<PathBuf>,
    kind: ErrorKind,
}

/// The cases of [`Error`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The `ffmpeg` or `ffprobe` program could not be found or started.
    FfmpegNotFound {
        /// The program looked for (`ffmpeg` or `ffprobe`).
        program: String,
        /// Where it was looked for, or why it could not start.
        detail: String,
    },
    /// The file could not be read (missing, permissions...).
    Io {
        /// The system's words.
        message: String,
    },
    /// The file is larger than [`VideoLimits::max_bytes`](crate::VideoLimits::max_bytes).
    TooLarge {
        /// Size of the file.
        bytes: u64,
        /// The limit in force.
        max_bytes: u64,
    },
    /// The video's frames have more pixels than
    /// [`VideoLimits::max_pixels`](crate::VideoLimits::max_pixels).
    TooManyPixels {
        /// Frame width.
        width: u64,
        /// Frame height.
        height: u64,
        /// The limit in force.
        max_pixels: u64,
    },
    /// The video lasts longer than
    /// [`VideoLimits::max_duration_seconds`](crate::VideoLimits::max_duration_seconds)
    /// (from its header, or found while decoding).
    TooLong {
        /// The duration found (a lower bound when found while decoding).
        seconds: f64,
        /// The limit in force.
        max_seconds: f64,
    },
    /// The video has more frames than [`VideoLimits::max_frames`](crate::VideoLimits::max_frames).
    TooManyFrames {
        /// The limit in force.
        max_frames: u64,
    },
    /// The frames are under 5 pixels on a side: PDQ cannot hash them (the reference refuses
    /// such videos too).
    TooSmall {
        /// Frame width.
        width: u64,
        /// Frame height.
        height: u64,
    },
    /// The file has no video stream (an audio file, for instance).
    NoVideoStream,
    /// `ffprobe` could not read the file: not a video, or corrupt.
    Unreadable {
        /// What ffprobe said.
        message: String,
    },
    /// `ffmpeg` failed while decoding: corrupt or truncated video, unsupported codec.
    Decode {
        /// What ffmpeg said.
        message: String,
    },
    /// ffmpeg or ffprobe took too long and was stopped.
    Timeout {
        /// The time allowed, in seconds.
        seconds: f64,
        /// `true`: no output for that long (a stall); `false`: the total time was exceeded.
        stalled: bool,
    },
    /// An option is out of range.
    InvalidOption {
        /// What is wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error { path: None, kind }
    }

    pub(crate) fn at(path: &Path, kind: ErrorKind) -> Self {
        Error { path: Some(path.to_path_buf()), kind }
    }

    /// Which case this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The video file concerned, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}: ", p.display())?;
        }
        match &self.kind {
            ErrorKind::FfmpegNotFound { program, detail } => write!(
                f,
                "{program} not found ({detail}): install it (Debian: apt-get install ffmpeg) to hash videos, \
                 or set VIGIE_FFMPEG to its path; image hashing works without it"
            ),
            ErrorKind::Io { message } => write!(f, "cannot read the file: {message}"),
            ErrorKind::TooLarge { bytes, max_bytes } => {
                write!(f, "video file is too large: {bytes} bytes, the limit is {max_bytes} bytes")
            }
            ErrorKind::TooManyPixels { width, height, max_pixels } => write!(
                f,
                "video resolution is too high: {width}x{height} ({:.1} megapixels), the limit is {max_pixels} \
                 pixels ({:.1} megapixels)",
                (*width as f64) * (*height as f64) / 1e6,
                *max_pixels as f64 / 1e6
            ),
            ErrorKind::TooLong { seconds, max_seconds } => {
                write!(f, "video is too long: {seconds:.1} s, the limit is {max_seconds:.1} s")
            }
            ErrorKind::TooManyFrames { max_frames } => write!(f, "video has more than {max_frames} frames, the limit"),
            ErrorKind::TooSmall { width, height } => {
                write!(f, "video frames are too small to hash: {width}x{height}, PDQ needs at least 5x5 pixels")
            }
            ErrorKind::NoVideoStream => f.write_str("no video stream in the file"),
            ErrorKind::Unreadable { message } => write!(f, "not a readable video (corrupt or unsupported): {message}"),
            ErrorKind::Decode { message } => {
                write!(f, "video could not be decoded (corrupt or unsupported): {message}")
            }
            ErrorKind::Timeout { seconds, stalled: true } => {
                write!(f, "ffmpeg produced nothing for {seconds:.0} s and was stopped (corrupt or hostile file?)")
            }
            ErrorKind::Timeout { seconds, stalled: false } => {
                write!(f, "decoding took more than {seconds:.0} s and was stopped")
            }
            ErrorKind::InvalidOption { message } => write!(f, "invalid option: {message}"),
        }
    }
}

impl std::error::Error for Error {}
