//! Video hashing for Vigie: Meta's vPDQ, computed on frames decoded by the `ffmpeg` program.
//!
//! vPDQ is the PDQ hash of a video's frames (every frame, or one every `seconds_per_hash`),
//! each with its frame number, quality and timestamp; two videos match when enough of their
//! unique frames are close. The pure parts (frame hashing, text format, matching) are in
//! [`vigie_hash::vpdq`]; this crate decodes videos.
//!
//! Decoding runs the `ffmpeg` program (Debian package `ffmpeg`, found on `PATH` or through
//! `$VIGIE_FFMPEG`), the way Meta's reference decodes with the same libraries: the first video
//! stream, every decoded frame in decoding order, no rotation, converted to RGB by swscale with
//! its `area` method at the stream's size (or resized, like the reference's `-s`). Frames come
//! through a pipe one at a time and are hashed on worker threads while ffmpeg decodes the next
//! ones; memory holds a few frames, never the whole video.
//!
//! ```no_run
//! use vigie_video::{Ffmpeg, HashOptions, hash_video};
//!
//! let ffmpeg = Ffmpeg::locate()?; // a clear error when ffmpeg is not installed
//! let options = HashOptions { seconds_per_hash: 0.0, ..HashOptions::default() }; // every frame
//! let video = hash_video(std::path::Path::new("clip.mp4"), &ffmpeg, &options)?;
//! print!("{}", vigie_hash::vpdq::format_text(&video.frames));
//! # Ok::<(), vigie_video::Error>(())
//! ```
//!
//! Two things besides hashes, for the people who review reported videos:
//! [`hash_video_keeping_frames`] keeps a few evenly spaced frames as thumbnails while hashing
//! (only those frames are converted, row by row, into a downscaler), and [`muted_copy`]
//! re-encodes a video without its sound, other streams or metadata, for playing.
//!
//! Every input is checked against [`VideoLimits`]: file size before anything runs, resolution,
//! duration and frame count from the header before decoding, and again while decoding (a
//! header can lie). A child that produces nothing for a while, or runs too long, is killed.
//! A corrupt video gives an [`Error`] naming the file.

#![deny(missing_docs)]

mod copy;
mod detect;
mod error;
mod ffmpeg;
mod samples;
mod yuv;

use std::ffi::OsString;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vigie_hash::vpdq::{self, VpdqFrame};

pub use copy::{CopyOptions, muted_copy};
pub use detect::{VIDEO_EXTENSIONS, detect_video, has_video_extension};
pub use error::{Error, ErrorKind};
pub use ffmpeg::Ffmpeg;
pub use samples::{FrameSample, FrameSampling};

use ffmpeg::{Deadlines, Running, summarize_stderr};
use samples::Sampler;
use vigie_hash::LumaHasher;
use yuv::{ChromaRow, Yuv420ToRgb};

/// Resource limits for one video.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoLimits {
    /// Largest file accepted, in bytes. Default 4 GiB.
    pub max_bytes: u64,
    /// Largest frame accepted, in pixels (width x height). Default 4096 x 4096 (16.8 MP):
    /// 4K and portrait 4K pass, 8K does not.
    pub max_pixels: u64,
    /// Longest video accepted, in seconds. Default 4 hours.
    pub max_duration_seconds: f64,
    /// Most frames decoded. Default 1,000,000 (4.6 hours at 60 frames a second).
    pub max_frames: u64,
    /// ffmpeg is stopped when it gives nothing for this long. Default 60 s.
    pub stall_timeout: Duration,
    /// ffmpeg is stopped when one video takes longer than this. Default 4 hours.
    pub max_wall_time: Duration,
}

impl VideoLimits {
    /// 4 GiB.
    pub const DEFAULT_MAX_BYTES: u64 = 4 << 30;
    /// 4096 x 4096.
    pub const DEFAULT_MAX_PIXELS: u64 = 4096 * 4096;
    /// 4 hours.
    pub const DEFAULT_MAX_DURATION_SECONDS: f64 = 4.0 * 3600.0;
    /// One million.
    pub const DEFAULT_MAX_FRAMES: u64 = 1_000_000;
    /// 60 seconds.
    pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);
    /// 4 hours.
    pub const DEFAULT_MAX_WALL_TIME: Duration = Duration::from_secs(4 * 3600);

    /// Checks a file size against [`VideoLimits::max_bytes`].
    pub fn check_bytes(&self, bytes: u64) -> Result<(), ErrorKind> {
        if bytes > self.max_bytes {
            return Err(ErrorKind::TooLarge { bytes, max_bytes: self.max_bytes });
        }
        Ok(())
    }
}

impl Default for VideoLimits {
    fn default() -> Self {
        VideoLimits {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_pixels: Self::DEFAULT_MAX_PIXELS,
            max_duration_seconds: Self::DEFAULT_MAX_DURATION_SECONDS,
            max_frames: Self::DEFAULT_MAX_FRAMES,
            stall_timeout: Self::DEFAULT_STALL_TIMEOUT,
            max_wall_time: Self::DEFAULT_MAX_WALL_TIME,
        }
    }
}

/// How to hash a video.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HashOptions {
    /// Hash one frame every this many seconds (`floor(seconds_per_hash * frame_rate)` frames);
    /// 0 hashes every frame. Default 1, as python-threatexchange and HMA (the reference's
    /// command-line tool defaults to 0; its sample hash files use 0).
    pub seconds_per_hash: f64,
    /// Resize frames to `(width, height)` before hashing, as the reference's
    /// `--downsample-frame-dimension` (its `-128x128` sample files). Default: no resizing.
    pub resize: Option<(u32, u32)>,
    /// Hashing threads; 0 (the default) means one per CPU core. With 1, the thread that reads
    /// ffmpeg's output hashes each frame itself (see [`hash_video`]).
    pub threads: usize,
    /// Hash each frame without its uniform borders (letterbox, pillarbox, padding of any colour:
    /// [`vigie_hash::borders::content_bounds`]), so that a copy with bars added matches the
    /// original. Off by default: the hashes are then the reference's (bench/robust measures
    /// both).
    pub trim_borders: bool,
    /// Resource limits.
    pub limits: VideoLimits,
}

impl HashOptions {
    /// Default [`HashOptions::seconds_per_hash`].
    pub const DEFAULT_SECONDS_PER_HASH: f64 = 1.0;
}

impl Default for HashOptions {
    fn default() -> Self {
        HashOptions {
            seconds_per_hash: Self::DEFAULT_SECONDS_PER_HASH,
            resize: None,
            threads: 0,
            trim_borders: false,
            limits: VideoLimits::default(),
        }
    }
}

/// What `ffprobe` says about a video's first video stream.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct VideoInfo {
    /// Frame width in pixels (before any resizing).
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// Frames a second: the stream's average frame rate, or its base rate when the average is
    /// unknown (as the reference).
    pub frame_rate: f64,
    /// Duration in seconds, when the container says.
    pub duration_seconds: Option<f64>,
    /// Number of frames, when the container says.
    pub frame_count: Option<u64>,
    /// The decoder's pixel format (ffmpeg's name, e.g. `yuv420p`), when known.
    pub pixel_format: Option<String>,
}

/// A hashed video.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct VideoHash {
    /// The video's properties.
    pub info: VideoInfo,
    /// The size the frames were hashed at (the video's, unless resized).
    pub hashed_size: (u32, u32),
    /// The hash of every kept frame, in frame order.
    pub frames: Vec<VpdqFrame>,
    /// Frames kept as thumbnails, in frame order: empty unless asked for
    /// ([`hash_video_keeping_frames`]).
    pub samples: Vec<FrameSample>,
}

/// Reads what the hashing needs from a video's header with `ffprobe`, and checks it against
/// `limits` (file size first, then resolution, duration and frame count).
pub fn probe(path: &Path, ffmpeg: &Ffmpeg, limits: &VideoLimits) -> Result<VideoInfo, Error> {
    check_file(path, limits)?;
    let ffprobe = start_probe(path, ffmpeg, limits)?;
    finish_probe(ffprobe, path, limits)
}

/// Starts ffprobe on the video ([`probe`] without the file check, in two steps).
fn start_probe(path: &Path, ffmpeg: &Ffmpeg, limits: &VideoLimits) -> Result<Running, Error> {
    let args: Vec<OsString> = [
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=width,height,avg_frame_rate,r_frame_rate,nb_frames,duration,pix_fmt:format=duration",
        "-of",
        "default",
    ]
    .iter()
    .map(OsString::from)
    .chain([input_arg(path)])
    .collect();
    let deadlines = Deadlines { stall: limits.stall_timeout, total: limits.max_wall_time };
    Running::spawn(ffmpeg.ffprobe_path(), &args, deadlines).map_err(|e| relocate(e, path))
}

/// Reads ffprobe's answer and checks it against `limits`.
fn finish_probe(mut ffprobe: Running, path: &Path, limits: &VideoLimits) -> Result<VideoInfo, Error> {
    let out = ffprobe.read_all(1 << 20);
    let (status, stderr) = ffprobe.finish().map_err(|k| Error::at(path, k))?;
    let out = out.map_err(|e| Error::at(path, ErrorKind::Unreadable { message: format!("reading ffprobe: {e}") }))?;
    if !status.success() {
        return Err(Error::at(path, ErrorKind::Unreadable { message: summarize_stderr(&stderr, Some(status)) }));
    }
    let info = parse_probe(&String::from_utf8_lossy(&out)).map_err(|k| Error::at(path, k))?;
    check_info(&info, limits).map_err(|k| Error::at(path, k))?;
    Ok(info)
}

/// The checks before any program runs: a file, not too large.
fn check_file(path: &Path, limits: &VideoLimits) -> Result<(), Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::at(path, ErrorKind::Io { message: e.to_string() }))?;
    if !meta.is_file() {
        return Err(Error::at(path, ErrorKind::Io { message: "not a file".into() }));
    }
    limits.check_bytes(meta.len()).map_err(|k| Error::at(path, k))
}

/// ffmpeg reads `-i x` as an option when `x` starts with `-`: make such paths relative.
fn input_arg(path: &Path) -> OsString {
    if path.as_os_str().to_string_lossy().starts_with('-') {
        Path::new(".").join(path).into_os_string()
    } else {
        path.as_os_str().to_os_string()
    }
}

fn relocate(e: Error, path: &Path) -> Error {
    match e.kind() {
        ErrorKind::FfmpegNotFound { .. } => e,
        k => Error::at(path, k.clone()),
    }
}

/// Parses ffprobe's default output: `[STREAM]` and `[FORMAT]` sections of `key=value` lines.
fn parse_probe(text: &str) -> Result<VideoInfo, ErrorKind> {
    let (mut section, mut has_stream) = ("", false);
    let (mut width, mut height, mut avg, mut base) = (None, None, None, None);
    let (mut stream_duration, mut format_duration, mut frames, mut pixel_format) = (None, None, None, None);
    for line in text.lines().map(str::trim) {
        match line {
            "[STREAM]" => {
                if has_stream {
                    section = "";
                    continue;
                }
                has_stream = true;
                section = "stream";
            }
            "[FORMAT]" => section = "format",
            l if l.starts_with("[/") => section = "",
            l => {
                let Some((key, value)) = l.split_once('=') else { continue };
                match (section, key) {
                    ("stream", "width") => width = value.parse::<u32>().ok(),
                    ("stream", "height") => height = value.parse::<u32>().ok(),
                    ("stream", "avg_frame_rate") => avg = parse_rate(value),
                    ("stream", "r_frame_rate") => base = parse_rate(value),
                    ("stream", "nb_frames") => frames = value.parse::<u64>().ok(),
                    ("stream", "duration") => stream_duration = parse_seconds(value),
                    ("stream", "pix_fmt") => pixel_format = Some(value.to_string()).filter(|v| v != "unknown"),
                    ("format", "duration") => format_duration = parse_seconds(value),
                    _ => {}
                }
            }
        }
    }
    if !has_stream {
        return Err(ErrorKind::NoVideoStream);
    }
    let (Some(width), Some(height)) = (width, height) else {
        return Err(ErrorKind::Unreadable { message: "the video stream has no frame size".into() });
    };
    if width == 0 || height == 0 {
        return Err(ErrorKind::Unreadable { message: "the video stream has no frame size".into() });
    }
    let Some(frame_rate) = avg.or(base) else {
        return Err(ErrorKind::Unreadable { message: "the video stream has no frame rate".into() });
    };
    Ok(VideoInfo {
        width,
        height,
        frame_rate,
        duration_seconds: stream_duration.or(format_duration),
        frame_count: frames,
        pixel_format,
    })
}

/// `num/den` with both positive, as a number.
fn parse_rate(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/')?;
    let (n, d) = (n.trim().parse::<i64>().ok()?, d.trim().parse::<i64>().ok()?);
    (n > 0 && d > 0).then(|| n as f64 / d as f64)
}

fn parse_seconds(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

fn check_info(info: &VideoInfo, limits: &VideoLimits) -> Result<(), ErrorKind> {
    let (w, h) = (u64::from(info.width), u64::from(info.height));
    if w * h > limits.max_pixels {
        return Err(ErrorKind::TooManyPixels { width: w, height: h, max_pixels: limits.max_pixels });
    }
    if w < 5 || h < 5 {
        return Err(ErrorKind::TooSmall { width: w, height: h });
    }
    if let Some(d) = info.duration_seconds.filter(|d| *d > limits.max_duration_seconds) {
        return Err(ErrorKind::TooLong { seconds: d, max_seconds: limits.max_duration_seconds });
    }
    if info.frame_count.is_some_and(|n| n > limits.max_frames) {
        return Err(ErrorKind::TooManyFrames { max_frames: limits.max_frames });
    }
    Ok(())
}

/// How frames travel through ffmpeg's output pipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PipeFormat {
    /// Packed RGB converted by ffmpeg (`rgb24`): resized frames and pixel formats other than
    /// 8-bit 4:2:0.
    Rgb24,
    /// The decoder's own 8-bit 4:2:0 planes, converted to RGB here exactly as swscale's C code
    /// does (see the crate documentation). `full_range`: `yuvj420p`.
    Yuv420 {
        /// Full (JPEG) range rather than studio range.
        full_range: bool,
    },
}

/// What ffmpeg is asked to produce for one video.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FramePlan {
    /// Width of the frames hashed.
    pub width: u32,
    /// Height of the frames hashed.
    pub height: u32,
    /// Every kept frame's number is a multiple of this ([`vpdq::frame_step`]).
    pub step: u64,
    /// The pixel layout in the pipe.
    pub pipe: PipeFormat,
    /// The frames are resized (with swscale's Lanczos filter) rather than hashed at the
    /// video's size.
    pub resized: bool,
}

impl FramePlan {
    /// The plan for a probed video: the video's own size and 4:2:0 planes when possible (the
    /// reference's exact conversion), else RGB from ffmpeg; resized frames use swscale's
    /// Lanczos filter, which reproduces the reference's `-128x128` sample files exactly (the
    /// reference has since moved to its `area` filter).
    pub fn new(info: &VideoInfo, options: &HashOptions) -> FramePlan {
        let step = vpdq::frame_step(options.seconds_per_hash, info.frame_rate);
        // swscale's table converter, which the Yuv420 path reproduces, serves even sizes only.
        let even = info.width.is_multiple_of(2) && info.height.is_multiple_of(2);
        let (width, height, pipe) = match (options.resize, info.pixel_format.as_deref()) {
            (Some((w, h)), _) => (w, h, PipeFormat::Rgb24),
            (None, Some("yuv420p")) if even => (info.width, info.height, PipeFormat::Yuv420 { full_range: false }),
            (None, Some("yuvj420p")) if even => (info.width, info.height, PipeFormat::Yuv420 { full_range: true }),
            (None, _) => (info.width, info.height, PipeFormat::Rgb24),
        };
        FramePlan { width, height, step, pipe, resized: options.resize.is_some() }
    }

    /// Bytes of one frame in the pipe.
    pub fn pipe_frame_size(&self) -> usize {
        let (w, h) = (self.width as usize, self.height as usize);
        match self.pipe {
            PipeFormat::Rgb24 => w * h * 3,
            PipeFormat::Yuv420 { .. } => w * h + 2 * w.div_ceil(2) * h.div_ceil(2),
        }
    }

    /// The filter graph that makes the frames of the pipe from the decoded ones (what depends
    /// on the probe):
    ///
    /// * `select` (when `step > 1`): keep frames whose number is a multiple of `step`, before
    ///   any conversion;
    /// * `scale=W:H`: a fixed output size, so that every frame in the pipe has the same size
    ///   (`area`, or `lanczos` when resizing; a no-op at the video's own size and format);
    /// * `format`: the pipe's pixel format.
    pub fn filters(&self) -> String {
        let mut filters = String::new();
        if self.step > 1 {
            filters.push_str(&format!("select=not(mod(n\\,{})),", self.step));
        }
        let (flags, pix_fmt) = match self.pipe {
            PipeFormat::Rgb24 if self.resized => ("lanczos", "rgb24"),
            PipeFormat::Rgb24 => ("area", "rgb24"),
            PipeFormat::Yuv420 { full_range: false } => ("area", "yuv420p"),
            PipeFormat::Yuv420 { full_range: true } => ("area", "yuvj420p"),
        };
        filters.push_str(&format!("scale={}:{}:flags={flags},format={pix_fmt}", self.width, self.height));
        filters
    }

    /// The arguments that make ffmpeg write the kept frames of `input` to `output`, with
    /// [`FramePlan::filters`] inline (`-vf`). Vigie itself runs [`ffmpeg_args_filter_stdin`]
    /// with the same filters on ffmpeg's standard input, which is equivalent.
    pub fn ffmpeg_args(&self, input: &Path, output: &str, max_pixels: u64) -> Vec<OsString> {
        ffmpeg_args_with(input, output, max_pixels, ["-vf".into(), self.filters().into()])
    }
}

/// The arguments that make ffmpeg write the kept frames of `input` to `output` (`pipe:1` for
/// Vigie; benchmarks time ffmpeg alone with `/dev/null`), reading the filter graph
/// ([`FramePlan::filters`]) from its standard input.
///
/// They do not depend on the video, so Vigie starts ffmpeg at once and runs ffprobe meanwhile:
/// ffmpeg loads its libraries and opens the input, then waits for the graph, which depends on
/// what ffprobe says. The two start-ups overlap instead of adding up.
///
/// * `-xerror`: stop at the first decoding error (corrupt or truncated data), as the
///   reference, which gives up when the decoder refuses a packet;
/// * `-noautorotate`: the reference ignores rotation metadata;
/// * `-max_pixels`: the decoder refuses larger frames even if the stream changes size;
/// * `-map 0:v:0`: the first video stream, as the reference;
/// * `-vsync passthrough`: every decoded frame once (the reference counts decoded frames);
/// * `-filter_script:v pipe:0`: the filter graph, from standard input.
///
/// (`-avioflags direct` would not make ffmpeg write a frame at once: the ffmpeg program opens
/// its outputs without that flag, and writes a pipe or socket in 32 KiB pieces, a file in
/// 256 KiB ones, whatever the option says; checked with strace on ffmpeg 5.1.)
pub fn ffmpeg_args_filter_stdin(input: &Path, output: &str, max_pixels: u64) -> Vec<OsString> {
    ffmpeg_args_with(input, output, max_pixels, ["-filter_script:v".into(), "pipe:0".into()])
}

fn ffmpeg_args_with(input: &Path, output: &str, max_pixels: u64, filters: [OsString; 2]) -> Vec<OsString> {
    let max_pixels = max_pixels.min(i32::MAX as u64).to_string();
    let head =
        ["-nostdin", "-hide_banner", "-loglevel", "error", "-xerror", "-noautorotate", "-max_pixels", &max_pixels];
    let mut args: Vec<OsString> = head.iter().map(OsString::from).collect();
    args.extend(["-i".into(), input_arg(input)]);
    args.extend(["-map", "0:v:0", "-an", "-sn", "-dn", "-vsync", "passthrough"].iter().map(OsString::from));
    args.extend(filters);
    args.extend(["-f", "rawvideo", "-y", output].iter().map(OsString::from));
    args
}

/// Turns frames from the pipe into packed RGB. Cheap to clone; usable from several threads.
#[derive(Clone, Debug)]
pub struct FrameConverter {
    yuv: Option<Arc<Yuv420ToRgb>>,
}

impl FrameConverter {
    /// The converter for a plan.
    pub fn new(plan: &FramePlan) -> FrameConverter {
        let yuv = match plan.pipe {
            PipeFormat::Rgb24 => None,
            PipeFormat::Yuv420 { full_range } => {
                Some(Arc::new(Yuv420ToRgb::new(plan.width as usize, plan.height as usize, full_range)))
            }
        };
        FrameConverter { yuv }
    }

    /// The RGB pixels of a frame from the pipe: `raw` itself when it is already RGB, else
    /// converted into `scratch`.
    pub fn to_rgb<'a>(&self, raw: &'a [u8], scratch: &'a mut Vec<u8>) -> &'a [u8] {
        match &self.yuv {
            None => raw,
            Some(c) => {
                c.convert(raw, scratch);
                scratch
            }
        }
    }
}

/// Hashes frames from the pipe, reusing its buffers from one frame to the next (one per
/// thread). For 4:2:0 frames, the colour conversion feeds the PDQ filter row by row: no RGB
/// frame is made, and the hashes are those of [`FrameConverter::to_rgb`]'s pixels.
#[derive(Debug)]
pub struct FrameHasher {
    plan: FramePlan,
    frame_rate: f64,
    converter: FrameConverter,
    /// The luminance path (4:2:0 frames).
    luma: Option<(LumaHasher, ChromaRow)>,
    /// The RGB path (RGB frames, and every frame when trimming borders).
    rgb: Vec<u8>,
    /// Hash frames without their uniform borders ([`HashOptions::trim_borders`]).
    trim_borders: bool,
}

impl FrameHasher {
    /// A hasher for the frames of a plan; `frame_rate` gives the timestamps.
    pub fn new(plan: &FramePlan, frame_rate: f64) -> FrameHasher {
        let converter = FrameConverter::new(plan);
        let limits = vigie_hash::Limits { max_pixels: u64::MAX, ..vigie_hash::Limits::default() };
        let luma = match converter.yuv {
            Some(_) => LumaHasher::for_pixels(plan.width, plan.height, &limits).ok().map(|h| (h, ChromaRow::default())),
            None => None,
        };
        FrameHasher { plan: *plan, frame_rate, converter, luma, rgb: Vec::new(), trim_borders: false }
    }

    /// A hasher that hashes each frame without its uniform borders ([`HashOptions::trim_borders`]).
    pub fn trimming_borders(plan: &FramePlan, frame_rate: f64) -> FrameHasher {
        FrameHasher { trim_borders: true, ..FrameHasher::new(plan, frame_rate) }
    }

    /// The vPDQ frame of a frame from the pipe ([`FramePlan::pipe_frame_size`] bytes) with
    /// its number.
    pub fn hash(&mut self, frame_number: u64, raw: &[u8]) -> Result<VpdqFrame, vigie_hash::Error> {
        let timestamp = vpdq::frame_timestamp(frame_number, self.frame_rate);
        if self.trim_borders {
            let (width, height) = (self.plan.width, self.plan.height);
            let rgb = self.converter.to_rgb(raw, &mut self.rgb);
            let bounds = vigie_hash::borders::content_bounds(width, height, rgb);
            if !bounds.is_whole(width, height) {
                let inside = vigie_hash::borders::crop_rgb(width, rgb, bounds);
                return vpdq::hash_frame_rgb(frame_number, timestamp, bounds.width(), bounds.height(), &inside);
            }
            // No border: the frame is hashed as without trimming, by the same path.
        }
        if let (Some(yuv), Some((hasher, chroma))) = (&self.converter.yuv, &mut self.luma)
            && raw.len() == self.plan.pipe_frame_size()
        {
            yuv.hash_luma(raw, hasher, chroma);
            let (pdq, quality) = hasher.finish_hash();
            return Ok(VpdqFrame { frame_number, quality, pdq, timestamp_seconds: timestamp });
        }
        let rgb = self.converter.to_rgb(raw, &mut self.rgb);
        vpdq::hash_frame_rgb(frame_number, timestamp, self.plan.width, self.plan.height, rgb)
    }
}

/// The frame hasher `options` ask for.
fn frame_hasher(plan: &FramePlan, frame_rate: f64, options: &HashOptions) -> FrameHasher {
    if options.trim_borders {
        FrameHasher::trimming_borders(plan, frame_rate)
    } else {
        FrameHasher::new(plan, frame_rate)
    }
}

/// The kept frames of a video as ffmpeg writes them to its pipe, one at a time.
///
/// Each frame is [`FramePlan::pipe_frame_size`] bytes; [`FrameConverter::to_rgb`] turns it into
/// packed RGB. Nothing else is buffered. Dropping the stream kills ffmpeg.
pub struct FrameStream {
    child: Option<Running>,
    path: std::path::PathBuf,
    info: VideoInfo,
    plan: FramePlan,
    limits: VideoLimits,
    next_index: u64,
    deadlines: Deadlines,
    ffmpeg_path: std::path::PathBuf,
    /// ffmpeg reads its filter graph from standard input (`-filter_script:v`).
    graph_on_stdin: bool,
}

impl FrameStream {
    /// Probes the video ([`probe`]), checks the options and limits, and starts ffmpeg.
    ///
    /// ffmpeg starts before ffprobe answers (see [`ffmpeg_args_filter_stdin`]) and gets its
    /// filter graph once the video is known; an ffmpeg that cannot read the graph that way
    /// is started again with the graph on its command line.
    pub fn open(path: &Path, ffmpeg: &Ffmpeg, options: &HashOptions) -> Result<FrameStream, Error> {
        check_options(options).map_err(|k| Error::at(path, k))?;
        let limits = options.limits;
        check_file(path, &limits)?;
        let deadlines = Deadlines { stall: limits.stall_timeout, total: limits.max_wall_time };
        // ffprobe first: ffmpeg's start-up ends waiting for it (see `ffmpeg_args_filter_stdin`).
        let ffprobe = start_probe(path, ffmpeg, &limits)?;
        let early_args = ffmpeg_args_filter_stdin(path, "pipe:1", limits.max_pixels);
        // Any failure here shows again, with its proper message, below.
        let early = Running::spawn_with_input(ffmpeg.ffmpeg_path(), &early_args, deadlines).ok();
        let info = finish_probe(ffprobe, path, &limits)?; // on error, dropping `early` kills it
        let plan = FramePlan::new(&info, options);
        let mut stream = FrameStream {
            child: None,
            path: path.to_path_buf(),
            info,
            plan,
            limits,
            next_index: 0,
            deadlines,
            ffmpeg_path: ffmpeg.ffmpeg_path().to_path_buf(),
            graph_on_stdin: false,
        };
        if let Some(mut child) = early
            && child.send_input(plan.filters().as_bytes()).is_ok()
        {
            stream.child = Some(child);
            stream.graph_on_stdin = true;
        } else {
            stream.spawn_inline()?;
        }
        Ok(stream)
    }

    /// Starts ffmpeg with the filter graph on its command line.
    fn spawn_inline(&mut self) -> Result<(), Error> {
        let args = self.plan.ffmpeg_args(&self.path, "pipe:1", self.limits.max_pixels);
        let child = Running::spawn(&self.ffmpeg_path, &args, self.deadlines).map_err(|e| relocate(e, &self.path))?;
        self.child = Some(child);
        self.graph_on_stdin = false;
        Ok(())
    }

    /// The video's properties.
    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    /// What ffmpeg was asked for.
    pub fn plan(&self) -> &FramePlan {
        &self.plan
    }

    /// How many bytes ffmpeg can write ahead of the reads (0 when unknown or ended).
    pub(crate) fn output_buffer(&self) -> usize {
        self.child.as_ref().map_or(0, Running::output_buffer)
    }

    /// Reads the next kept frame into `buf` (resized to [`FramePlan::pipe_frame_size`]) and
    /// returns its frame number, or `None` at the end of the video. After an error or the
    /// end, ffmpeg has exited or been killed.
    pub fn next_frame(&mut self, buf: &mut Vec<u8>) -> Result<Option<u64>, Error> {
        let frame_size = self.plan.pipe_frame_size();
        let Some(child) = self.child.as_mut() else { return Ok(None) };
        let frame_number = self.next_index.saturating_mul(self.plan.step);
        buf.resize(frame_size, 0);
        let n = match child.read_full(buf) {
            Ok(n) => n,
            Err(e) => return Err(self.fail(ErrorKind::Decode { message: format!("reading ffmpeg's output: {e}") })),
        };
        if n == buf.len() {
            if frame_number >= self.limits.max_frames {
                return Err(self.fail(ErrorKind::TooManyFrames { max_frames: self.limits.max_frames }));
            }
            let seconds = frame_number as f64 / self.info.frame_rate;
            if seconds > self.limits.max_duration_seconds {
                return Err(self.fail(ErrorKind::TooLong { seconds, max_seconds: self.limits.max_duration_seconds }));
            }
            self.next_index += 1;
            return Ok(Some(frame_number));
        }
        // End of output: see how ffmpeg ended.
        let Some(child) = self.child.take() else { return Ok(None) };
        let (status, stderr) = child.finish().map_err(|k| Error::at(&self.path, k))?;
        if !status.success()
            && self.graph_on_stdin
            && self.next_index == 0
            && n == 0
            && stderr.contains("filter_script")
        {
            // An ffmpeg without `-filter_script`: the usual command line instead.
            self.spawn_inline()?;
            return self.next_frame(buf);
        }
        if !status.success() {
            return Err(Error::at(&self.path, ErrorKind::Decode { message: summarize_stderr(&stderr, Some(status)) }));
        }
        if n > 0 {
            let message = format!("ffmpeg's output ended inside a frame ({n} of {} bytes)", buf.len());
            return Err(Error::at(&self.path, ErrorKind::Decode { message }));
        }
        if self.next_index == 0 {
            let why = if stderr.is_empty() { "no frame could be decoded".to_string() } else { stderr };
            return Err(Error::at(&self.path, ErrorKind::Decode { message: why }));
        }
        Ok(None)
    }

    /// Kills ffmpeg and builds the error, preferring the timeout that stopped it, if any.
    fn fail(&mut self, kind: ErrorKind) -> Error {
        let kind = self.child.as_ref().and_then(Running::timed_out).unwrap_or(kind);
        self.child = None; // Drop kills and reaps it.
        Error::at(&self.path, kind)
    }
}

fn check_options(options: &HashOptions) -> Result<(), ErrorKind> {
    let bad = |message: String| Err(ErrorKind::InvalidOption { message });
    if !(options.seconds_per_hash.is_finite() && options.seconds_per_hash >= 0.0) {
        return bad(format!("seconds per hash must be 0 or more, got {}", options.seconds_per_hash));
    }
    if let Some((w, h)) = options.resize {
        if w < 5 || h < 5 {
            return bad(format!("resize to {w}x{h}: PDQ needs at least 5x5 pixels"));
        }
        if u64::from(w) * u64::from(h) > options.limits.max_pixels {
            return bad(format!("resize to {w}x{h}: more pixels than the limit ({})", options.limits.max_pixels));
        }
    }
    Ok(())
}

/// Frames ffmpeg must be able to write ahead for [`hash_video`] to read and hash on one thread.
const INLINE_MIN_FRAMES_AHEAD: usize = 3;

/// How much lower than the reading thread's the hashing threads' scheduling priority is (Linux
/// niceness).
const HASHING_NICENESS: i32 = 10;

/// Decodes a video with ffmpeg and computes its vPDQ hash.
///
/// The calling thread reads the frames from ffmpeg, and [`HashOptions::threads`] worker threads
/// hash them, at a lower scheduling priority than ffmpeg and the reading thread (on Linux,
/// [`HASHING_NICENESS`] more): they take the CPU time that ffmpeg's decoding threads leave idle
/// while they wait on each other, rather than compete with them. At most `threads + 2` frames
/// from ffmpeg (plus, per worker, the PDQ filter's few dozen rows) are in memory at once, and
/// ffmpeg's socket holds a few more (see `ffmpeg::output_channel`). On 2 cores, the sample
/// videos took 29.5 % longer than decoding them alone this way, against 32.4 % with one thread
/// that reads and hashes (same run).
///
/// With one hashing thread, the calling thread reads each frame and hashes it, if ffmpeg can
/// write a few frames ahead meanwhile; else a worker thread hashes them. The result is in frame
/// order.
pub fn hash_video(path: &Path, ffmpeg: &Ffmpeg, options: &HashOptions) -> Result<VideoHash, Error> {
    hash_video_keeping_frames(path, ffmpeg, options, &FrameSampling { count: 0, ..FrameSampling::default() })
}

/// [`hash_video`], keeping a few frames as thumbnails on the way ([`VideoHash::samples`]):
/// `sampling.count` frames evenly spaced over the video, scaled down to `sampling.max_side`
/// pixels. The frames are taken from ffmpeg's output as it is read for hashing (nothing is
/// decoded twice); only the frames kept are converted to RGB, one row at a time, into the
/// thumbnail. The hashes are [`hash_video`]'s.
pub fn hash_video_keeping_frames(
    path: &Path,
    ffmpeg: &Ffmpeg,
    options: &HashOptions,
    sampling: &FrameSampling,
) -> Result<VideoHash, Error> {
    let mut stream = FrameStream::open(path, ffmpeg, options)?;
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let info = stream.info().clone();
    let plan = *stream.plan();
    let frame_rate = info.frame_rate;
    let hash_error = |e: vigie_hash::Error| Error::at(path, ErrorKind::Decode { message: e.to_string() });
    let mut sampler = Sampler::new(*sampling, &plan, frame_rate);

    // One thread reads and hashes when ffmpeg can write a few frames ahead into the socket
    // meanwhile; otherwise a thread keeps reading while another hashes.
    if threads == 1 && stream.output_buffer() >= INLINE_MIN_FRAMES_AHEAD * plan.pipe_frame_size() {
        let mut hasher = frame_hasher(&plan, frame_rate, options);
        let (mut frames, mut buf) = (Vec::new(), Vec::new());
        while let Some(frame_number) = stream.next_frame(&mut buf)? {
            sampler.offer(frame_number, &buf);
            frames.push(hasher.hash(frame_number, &buf).map_err(hash_error)?);
        }
        let samples = sampler.finish();
        return Ok(VideoHash { info, hashed_size: (plan.width, plan.height), frames, samples });
    }

    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(threads);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    let (done_tx, done_rx) = mpsc::channel::<Result<VpdqFrame, vigie_hash::Error>>();
    let max_buffers = threads + 2;

    let read_result = std::thread::scope(|scope| {
        for _ in 0..threads {
            let (work_rx, free_tx, done_tx) = (work_rx.clone(), free_tx.clone(), done_tx.clone());
            scope.spawn(move || {
                lower_thread_priority(HASHING_NICENESS);
                let mut hasher = frame_hasher(&plan, frame_rate, options);
                loop {
                    let job = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((frame_number, buf)) = job else { return };
                    let hashed = hasher.hash(frame_number, &buf);
                    let _ = free_tx.send(buf);
                    if done_tx.send(hashed).is_err() {
                        return;
                    }
                }
            });
        }
        drop((free_tx, done_tx));
        // This thread reads frames and hands them out, reusing the buffers workers return.
        let mut allocated = 0usize;
        let result = loop {
            let mut buf = match free_rx.try_recv() {
                Ok(b) => b,
                Err(_) if allocated < max_buffers => {
                    allocated += 1;
                    Vec::new()
                }
                Err(_) => match free_rx.recv() {
                    Ok(b) => b,
                    Err(_) => break Ok(()),
                },
            };
            match stream.next_frame(&mut buf) {
                Ok(Some(n)) => {
                    sampler.offer(n, &buf);
                    if work_tx.send((n, buf)).is_err() {
                        break Ok(());
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        // No more work: the workers finish what is queued and stop.
        drop(work_tx);
        result
    });
    read_result?;
    let mut frames = Vec::new();
    for hashed in done_rx.try_iter() {
        frames.push(hashed.map_err(hash_error)?);
    }
    frames.sort_by_key(|f| f.frame_number);
    Ok(VideoHash { info, hashed_size: (plan.width, plan.height), frames, samples: sampler.finish() })
}

/// Makes the calling thread `by` nicer than it is (at most 19), where the system allows.
#[cfg(target_os = "linux")]
fn lower_thread_priority(by: i32) {
    // On Linux, `PRIO_PROCESS` with a thread id sets that thread's niceness alone.
    // SAFETY: `gettid` has no precondition; `getpriority` and `setpriority` on this thread's id
    // read and change only its niceness, or fail (then nothing changes).
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        *libc::__errno_location() = 0;
        let current = libc::getpriority(libc::PRIO_PROCESS, tid);
        if current == -1 && *libc::__errno_location() != 0 {
            return;
        }
        libc::setpriority(libc::PRIO_PROCESS, tid, (current + by).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_thread_priority(_by: i32) {}

/// MD5 and SHA-256 of a file, in lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileDigests {
    /// MD5, 32 hex digits.
    pub md5: String,
    /// SHA-256, 64 hex digits.
    pub sha256: String,
    /// Bytes read.
    pub bytes: u64,
}

/// Digests a file read in 1 MiB chunks (the same values as [`vigie_hash::md5_hex`] and
/// [`vigie_hash::sha256_hex`] of its bytes), refusing files over `max_bytes`.
pub fn file_digests(path: &Path, max_bytes: u64) -> Result<FileDigests, Error> {
    use md5::Digest as _;
    use std::io::Read as _;
    let io = |e: std::io::Error| Error::at(path, ErrorKind::Io { message: e.to_string() });
    let mut file = std::fs::File::open(path).map_err(io)?;
    let (mut md5, mut sha) = (md5::Md5::new(), sha2::Sha256::new());
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        bytes += n as u64;
        if bytes > max_bytes {
            return Err(Error::at(path, ErrorKind::TooLarge { bytes, max_bytes }));
        }
        md5.update(&buf[..n]);
        sha.update(&buf[..n]);
    }
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok(FileDigests { md5: hex(&md5.finalize()), sha256: hex(&sha.finalize()), bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_output() {
        let text = "[STREAM]\nwidth=480\nheight=720\nr_frame_rate=30/1\navg_frame_rate=30/1\nduration=18.800000\n\
                    nb_frames=564\n[/STREAM]\n[FORMAT]\nduration=18.813000\n[/FORMAT]\n";
        let info = parse_probe(text).unwrap();
        assert_eq!((info.width, info.height, info.frame_rate), (480, 720, 30.0));
        assert_eq!((info.duration_seconds, info.frame_count), (Some(18.8), Some(564)));
        let text = "[STREAM]\nwidth=480\nheight=720\nr_frame_rate=25/1\navg_frame_rate=0/0\nduration=N/A\n\
                    nb_frames=N/A\n[/STREAM]\n[FORMAT]\nduration=3.5\n[/FORMAT]\n";
        let info = parse_probe(text).unwrap();
        assert_eq!((info.frame_rate, info.duration_seconds, info.frame_count), (25.0, Some(3.5), None));
        assert_eq!(parse_probe("[FORMAT]\nduration=1\n[/FORMAT]\n"), Err(ErrorKind::NoVideoStream));
        assert!(parse_probe("[STREAM]\nwidth=0\nheight=0\n[/STREAM]").is_err());
        assert!(parse_probe("[STREAM]\nwidth=10\nheight=10\navg_frame_rate=0/0\nr_frame_rate=0/0\n[/STREAM]").is_err());
    }

    /// The hashing threads' lower priority applies to the calling thread alone.
    #[cfg(target_os = "linux")]
    #[test]
    fn hashing_threads_are_nicer_than_the_reader() {
        // SAFETY (the unsafe blocks below): `gettid` has no precondition, `getpriority` reads a
        // thread's niceness.
        let niceness = |tid: libc::id_t| unsafe { libc::getpriority(libc::PRIO_PROCESS, tid) };
        let this_thread = unsafe { libc::gettid() } as libc::id_t;
        let before = niceness(this_thread);
        let lowered = std::thread::spawn(move || {
            lower_thread_priority(HASHING_NICENESS);
            niceness(unsafe { libc::gettid() } as libc::id_t)
        })
        .join()
        .unwrap();
        assert_eq!(lowered, (before + HASHING_NICENESS).min(19));
        assert_eq!(niceness(this_thread), before);
    }

    #[test]
    fn limits_from_the_header() {
        let info = VideoInfo {
            width: 1920,
            height: 1080,
            frame_rate: 30.0,
            duration_seconds: Some(100.0),
            frame_count: Some(3000),
            pixel_format: None,
        };
        let limits = VideoLimits::default();
        assert!(check_info(&info, &limits).is_ok());
        let small = VideoLimits { max_pixels: 1000, ..limits };
        assert!(matches!(check_info(&info, &small), Err(ErrorKind::TooManyPixels { .. })));
        let short = VideoLimits { max_duration_seconds: 10.0, ..limits };
        assert!(matches!(check_info(&info, &short), Err(ErrorKind::TooLong { .. })));
        let few = VideoLimits { max_frames: 10, ..limits };
        assert!(matches!(check_info(&info, &few), Err(ErrorKind::TooManyFrames { .. })));
        let tiny = VideoInfo { width: 4, height: 100, ..info };
        assert!(matches!(check_info(&tiny, &limits), Err(ErrorKind::TooSmall { .. })));
    }
}
