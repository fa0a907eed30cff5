//! `vigie hash PATH...`: PDQ, MD5 and SHA-256 of image files, and vPDQ of video files (decoded
//! by the `ffmpeg` program), one record per line.
//!
//! Dependencies this module needs in `crates/cli/Cargo.toml`:
//!
//! ```toml
//! vigie-hash = { path = "../hash" }
//! vigie-video = { path = "../video" }
//! clap = { version = "4", features = ["derive"] }
//! anyhow = "1"
//! serde = { version = "1", features = ["derive"] }
//! serde_json = "1"
//! rayon = "1"
//! walkdir = "2"
//! indicatif = "0.18"
//! csv = "1"
//! ```

use std::ffi::OsStr;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use vigie_hash::vpdq::VpdqFrame;
use vigie_hash::{Dihedral, Limits};
use vigie_video::{Ffmpeg, HashOptions, VideoLimits};

/// Extensions that mark a file as meant to be an image even when its content is not
/// recognised (so a broken `.jpg` in a folder is reported, not silently skipped).
const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "bmp", "dib", "tif", "tiff"];

/// Below this many files, no progress bar.
const PROGRESS_MIN_FILES: usize = 20;

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per line.
    #[default]
    Json,
    /// CSV with a header row (images only: a video's hash has one line per frame).
    Csv,
    /// The vPDQ reference's text for ONE video: `frame,quality,pdq_hex,seconds` per line.
    Vpdq,
}

/// Hash images (PDQ, bit-exact with Meta's reference) and videos (vPDQ), with MD5 and SHA-256.
#[derive(clap::Args, Debug)]
#[command(after_long_help = HASH_HELP)]
pub struct HashArgs {
    /// Image or video files, or folders (walked recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,

    /// Also output the PDQ hashes of the eight rotations and flips (orig, rot90, rot180, rot270,
    /// flipx, flipy, flipplus1, flipminus1).
    #[arg(long)]
    pub dihedral: bool,

    /// Refuse files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT_MAX_BYTES)]
    pub max_bytes: u64,

    /// Refuse images with more pixels than this (width x height, read from the header before
    /// decoding).
    #[arg(long, value_name = "PIXELS", default_value_t = Limits::DEFAULT_MAX_PIXELS)]
    pub max_pixels: u64,

    /// Refuse images whose decoding would take more memory than this many bytes (images held
    /// whole: interlaced PNG and GIF, WebP, BMP, TIFF, progressive JPEG; ICC profiles and
    /// metadata; checked from the header before decoding). Each parallel job may take this
    /// much.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT_MAX_MEMORY_BYTES)]
    pub max_memory_bytes: u64,

    /// Files hashed in parallel [default: the number of CPU cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Videos: hash one frame every this many seconds; 0 hashes every frame (as Meta's sample
    /// hash files). The default, 1, is python-threatexchange's and HMA's.
    #[arg(long, value_name = "SECONDS", default_value_t = HashOptions::DEFAULT_SECONDS_PER_HASH)]
    pub seconds_per_hash: f64,

    /// Videos: hash each frame without its uniform borders (letterbox, pillarbox, padding of
    /// any colour), so that a copy with bars added matches the original. The hashes are then no
    /// longer the reference's.
    #[arg(long)]
    pub trim_borders: bool,

    /// Videos: refuse files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = VideoLimits::DEFAULT_MAX_BYTES)]
    pub max_video_bytes: u64,

    /// Videos: refuse videos longer than this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = VideoLimits::DEFAULT_MAX_DURATION_SECONDS)]
    pub max_video_seconds: f64,

    /// Videos: refuse frames with more pixels than this (width x height).
    #[arg(long, value_name = "PIXELS", default_value_t = VideoLimits::DEFAULT_MAX_PIXELS)]
    pub max_video_pixels: u64,

    /// Videos: refuse videos with more frames than this.
    #[arg(long, value_name = "N", default_value_t = VideoLimits::DEFAULT_MAX_FRAMES)]
    pub max_video_frames: u64,

    /// Videos: stop ffmpeg when it produces nothing for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = VideoLimits::DEFAULT_STALL_TIMEOUT.as_secs())]
    pub video_stall_timeout: u64,
}

const HASH_HELP: &str = "\
Output: one line per file, in the order the paths were given, folders in sorted order:
  {\"path\",\"media\":\"image\",\"pdq\",\"quality\",\"md5\",\"sha256\",\"width\",\"height\"}
plus \"dihedral\": [8 hashes] with --dihedral; for a video:
  {\"path\",\"media\":\"video\",\"vpdq\":[{\"frame\",\"quality\",\"pdq\",\"seconds\"},...],\"md5\",\"sha256\",
   \"width\",\"height\",\"duration_seconds\",\"frames_hashed\"}
A file that cannot be hashed gives
  {\"path\",\"error\"}
and the command goes on; it exits with 1 at the end if any file failed.

PDQ hashes are 64 hex digits; quality is 0..100 (below 50 is usually too flat to match).
Formats: JPEG, PNG, GIF (first frame), WebP, BMP, TIFF, recognised by content, not by name.
EXIF orientation is ignored, as by Meta's reference: use --dihedral to match rotated copies.

Videos (MP4, MOV, MKV, WebM, AVI, FLV, MPEG-TS..., recognised by content or extension) are
hashed with vPDQ, Meta's video hash: the PDQ of one frame every --seconds-per-hash (0: every
frame), as Meta's reference computes it. This needs the ffmpeg program (Debian: apt-get
install ffmpeg; or set VIGIE_FFMPEG); without it videos fail with that message and images
are still hashed. --format vpdq prints the reference's text format for a single video
(frame,quality,pdq_hex,seconds per line), the format of Meta's sample hash files. CSV output
cannot hold a video's hashes: videos are reported as errors there.

In folders, files that are neither images nor videos (not recognised by their first bytes and
without an image or video extension such as .jpg or .mp4) are skipped and counted on stderr; a file with an image
extension that cannot be decoded is reported as an error. Files named on the command line are
always reported.

Exit codes: 0 all files hashed, 1 some files failed, 2 usage or output error.";

/// One input file and whether it was named explicitly.
struct Input {
    path: PathBuf,
    explicit: bool,
}

#[derive(Serialize)]
struct Record<'a> {
    path: &'a str,
    media: &'static str,
    pdq: String,
    quality: u8,
    md5: String,
    sha256: String,
    width: u32,
    height: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    dihedral: Option<Vec<String>>,
}

#[derive(Serialize)]
struct ErrorRecord<'a> {
    path: &'a str,
    error: &'a str,
}

struct Hashed {
    pdq: String,
    quality: u8,
    md5: String,
    sha256: String,
    width: u32,
    height: u32,
    dihedral: Dihedral,
}

/// A hashed video.
struct VideoHashed {
    frames: Vec<VpdqFrame>,
    md5: String,
    sha256: String,
    width: u32,
    height: u32,
    duration_seconds: Option<f64>,
}

#[derive(Serialize)]
struct VideoRecord<'a> {
    path: &'a str,
    media: &'static str,
    vpdq: Vec<FrameRecord>,
    md5: &'a str,
    sha256: &'a str,
    width: u32,
    height: u32,
    duration_seconds: Option<f64>,
    frames_hashed: usize,
}

#[derive(Serialize)]
struct FrameRecord {
    frame: u64,
    quality: u8,
    pdq: String,
    seconds: f64,
}

impl FrameRecord {
    fn new(f: &VpdqFrame) -> Self {
        // The seconds as the text format rounds them (3 decimals).
        let seconds = format!("{:.3}", f.timestamp_seconds).parse().unwrap_or(f.timestamp_seconds);
        FrameRecord { frame: f.frame_number, quality: f.quality, pdq: f.pdq.to_hex(), seconds }
    }
}

/// How videos are hashed, and the ffmpeg found for them (looked up once, on the first video).
struct Videos {
    options: HashOptions,
    /// CSV output: videos are refused without being decoded.
    csv: bool,
    ffmpeg: OnceLock<Result<Ffmpeg, String>>,
}

impl Videos {
    fn ffmpeg(&self) -> Result<&Ffmpeg, String> {
        self.ffmpeg.get_or_init(|| Ffmpeg::locate().map_err(|e| e.to_string())).as_ref().map_err(Clone::clone)
    }

    fn hash(&self, path: &Path, explicit_threads: usize) -> Result<VideoHashed, String> {
        if self.csv {
            return Err(CSV_VIDEO_ERROR.to_string());
        }
        let ffmpeg = self.ffmpeg()?;
        let options = HashOptions { threads: explicit_threads, ..self.options };
        let max_bytes = options.limits.max_bytes;
        // The digests read the file while ffmpeg decodes it.
        let (video, digests) = std::thread::scope(|scope| {
            let digests = scope.spawn(|| vigie_video::file_digests(path, max_bytes));
            let video = vigie_video::hash_video(path, ffmpeg, &options);
            (video, digests.join())
        });
        let video = video.map_err(|e| e.to_string())?;
        let digests = digests.map_err(|_| "reading the file failed".to_string())?.map_err(|e| e.to_string())?;
        Ok(VideoHashed {
            md5: digests.md5,
            sha256: digests.sha256,
            width: video.info.width,
            height: video.info.height,
            duration_seconds: video.info.duration_seconds,
            frames: video.frames,
        })
    }
}

enum Outcome {
    Hashed(Box<Hashed>),
    Video(Box<VideoHashed>),
    Failed(String),
    /// Not an image, found while walking a folder.
    Skipped,
}

/// Runs `vigie hash`.
pub fn run(args: HashArgs) -> anyhow::Result<ExitCode> {
    let limits =
        Limits { max_bytes: args.max_bytes, max_pixels: args.max_pixels, max_memory_bytes: args.max_memory_bytes };
    if !(args.seconds_per_hash.is_finite() && args.seconds_per_hash >= 0.0) {
        anyhow::bail!("--seconds-per-hash must be 0 or more");
    }
    let videos = Videos {
        options: HashOptions {
            seconds_per_hash: args.seconds_per_hash,
            trim_borders: args.trim_borders,
            limits: VideoLimits {
                max_bytes: args.max_video_bytes,
                max_pixels: args.max_video_pixels,
                max_duration_seconds: args.max_video_seconds,
                max_frames: args.max_video_frames,
                stall_timeout: Duration::from_secs(args.video_stall_timeout.max(1)),
                ..VideoLimits::default()
            },
            ..HashOptions::default()
        },
        csv: args.format == OutputFormat::Csv,
        ffmpeg: OnceLock::new(),
    };
    if args.format == OutputFormat::Vpdq {
        return run_vpdq_text(&args.paths, &videos);
    }
    let jobs = match args.jobs {
        Some(0) => anyhow::bail!("--jobs must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build().context("starting the worker threads")?;

    // Listing errors (unreadable folder entries) become error lines, in place.
    let mut inputs: Vec<Result<Input, (PathBuf, String)>> = Vec::new();
    for path in &args.paths {
        collect(path, &mut inputs);
    }
    // One video alone gets every core for its frames; several share them file by file.
    let video_threads = if inputs.len() == 1 { 0 } else { 1 };

    let progress = (io::stderr().is_terminal() && inputs.len() >= PROGRESS_MIN_FILES).then(|| {
        let bar = ProgressBar::new(inputs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} files, {elapsed} elapsed, eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });

    let stdout = io::stdout();
    let mut out = Output::new(args.format, args.dihedral, io::BufWriter::new(stdout.lock()))?;
    let (mut hashed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    let done = AtomicUsize::new(0);

    // Results are computed in parallel a chunk at a time and printed in input order.
    let chunk = (jobs * 16).max(64);
    for part in inputs.chunks(chunk) {
        let outcomes: Vec<Outcome> = pool.install(|| {
            part.par_iter()
                .map(|input| {
                    let outcome = match input {
                        Ok(input) => hash_one(input, &limits, &videos, video_threads),
                        Err((_, message)) => Outcome::Failed(message.clone()),
                    };
                    done.fetch_add(1, Ordering::Relaxed);
                    if let Some(bar) = &progress {
                        bar.inc(1);
                    }
                    outcome
                })
                .collect()
        });
        let write = |out: &mut Output<_>| -> io::Result<()> {
            for (input, outcome) in part.iter().zip(&outcomes) {
                let path = match input {
                    Ok(i) => &i.path,
                    Err((p, _)) => p,
                };
                out.write(&path.to_string_lossy(), outcome)?;
            }
            out.flush()
        };
        let result = match &progress {
            Some(bar) => bar.suspend(|| write(&mut out)),
            None => write(&mut out),
        };
        match result {
            Ok(()) => {}
            // `vigie hash ... | head`: stop quietly.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::from(1)),
            Err(e) => return Err(e).context("writing the results"),
        }
        for outcome in &outcomes {
            match outcome {
                Outcome::Hashed(_) | Outcome::Video(_) => hashed += 1,
                Outcome::Failed(_) => failed += 1,
                Outcome::Skipped => skipped += 1,
            }
        }
    }
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }

    if failed > 0 || skipped > 0 || io::stderr().is_terminal() {
        let mut summary = format!("vigie hash: {hashed} hashed, {failed} failed");
        if skipped > 0 {
            summary.push_str(&format!(", {skipped} non-image files skipped"));
        }
        eprintln!("{summary}");
    }
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Expands one command-line path: a file as is, a folder recursively in sorted order.
fn collect(path: &Path, inputs: &mut Vec<Result<Input, (PathBuf, String)>>) {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                match entry {
                    Ok(e) if e.file_type().is_file() => inputs.push(Ok(Input { path: e.into_path(), explicit: false })),
                    Ok(_) => {} // folders, symlinks to elsewhere, sockets...
                    Err(e) => {
                        let p = e.path().unwrap_or(path).to_path_buf();
                        inputs.push(Err((p, describe_walk_error(&e))));
                    }
                }
            }
        }
        // Files, and paths that do not exist (reported when hashed).
        _ => inputs.push(Ok(Input { path: path.to_path_buf(), explicit: true })),
    }
}

fn describe_walk_error(e: &walkdir::Error) -> String {
    match e.io_error() {
        Some(io) => io.to_string(),
        None => e.to_string(),
    }
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(OsStr::to_str)
        .is_some_and(|ext| IMAGE_EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known)))
}

/// `--format vpdq`: the reference's text for one video file.
fn run_vpdq_text(paths: &[PathBuf], videos: &Videos) -> anyhow::Result<ExitCode> {
    let [path] = paths else { anyhow::bail!("--format vpdq takes exactly one video file") };
    if path.is_dir() {
        anyhow::bail!("--format vpdq takes one video file, not a folder: {}", path.display());
    }
    let hashed = match videos.ffmpeg().and_then(|ffmpeg| {
        vigie_video::hash_video(path, ffmpeg, &HashOptions { threads: 0, ..videos.options }).map_err(|e| e.to_string())
    }) {
        Ok(video) => video,
        Err(message) => {
            eprintln!("vigie hash: {message}");
            return Ok(ExitCode::from(1));
        }
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    match out.write_all(vigie_hash::vpdq::format_text(&hashed.frames).as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::from(1)),
        Err(e) => Err(e).context("writing the results"),
    }
}

/// Bytes read to recognise a file (MPEG-TS needs 189).
const SNIFF_BYTES: usize = 256;

fn hash_one(input: &Input, limits: &Limits, videos: &Videos, video_threads: usize) -> Outcome {
    match read_and_hash(input, limits, videos, video_threads) {
        Ok(Some(outcome)) => outcome,
        Ok(None) => Outcome::Skipped,
        Err(message) => Outcome::Failed(message),
    }
}

/// `Ok(None)`: neither an image nor a video, found in a folder.
fn read_and_hash(
    input: &Input,
    limits: &Limits,
    videos: &Videos,
    video_threads: usize,
) -> Result<Option<Outcome>, String> {
    let mut file = std::fs::File::open(&input.path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    // Decide from the first bytes before reading a possibly large file.
    let mut head = [0u8; SNIFF_BYTES];
    let n = read_up_to(&mut file, &mut head).map_err(|e| e.to_string())?;
    let head = &head[..n];
    let image = vigie_hash::detect_format(head).is_some();
    let video = !image
        && (vigie_video::detect_video(head).is_some()
            || (!has_image_extension(&input.path) && vigie_video::has_video_extension(&input.path)));
    if video {
        drop(file);
        return videos.hash(&input.path, video_threads).map(|v| Some(Outcome::Video(Box::new(v))));
    }
    if !input.explicit && !image && !has_image_extension(&input.path) {
        return Ok(None);
    }
    drop(file);
    file = std::fs::File::open(&input.path).map_err(|e| e.to_string())?;
    limits.check_bytes(len).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // Read at most one byte past the limit, in case the file grew since we looked.
    file.take(limits.max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let h = vigie_hash::hash_image_bytes(&bytes, limits).map_err(|e| e.to_string())?;
    Ok(Some(Outcome::Hashed(Box::new(Hashed {
        pdq: h.pdq.to_hex(),
        quality: h.quality,
        md5: vigie_hash::md5_hex(&bytes),
        sha256: vigie_hash::sha256_hex(&bytes),
        width: h.width,
        height: h.height,
        dihedral: h.dihedral,
    }))))
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Writes records as JSON lines or CSV.
enum Output<W: Write> {
    Json { w: W, dihedral: bool },
    Csv { w: Box<csv::Writer<W>>, dihedral: bool },
}

impl<W: Write> Output<W> {
    fn new(format: OutputFormat, dihedral: bool, w: W) -> io::Result<Self> {
        Ok(match format {
            // `--format vpdq` is handled before (one video); JSON otherwise.
            OutputFormat::Json | OutputFormat::Vpdq => Output::Json { w, dihedral },
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(w);
                let mut header: Vec<String> = ["path", "media", "pdq", "quality", "md5", "sha256", "width", "height"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                if dihedral {
                    header.extend(Dihedral::NAMES.iter().map(|n| format!("pdq_{n}")));
                }
                header.push("error".to_string());
                w.write_record(&header).map_err(csv_to_io)?;
                Output::Csv { w: Box::new(w), dihedral }
            }
        })
    }

    fn write(&mut self, path: &str, outcome: &Outcome) -> io::Result<()> {
        match self {
            Output::Json { w, dihedral } => {
                match outcome {
                    Outcome::Hashed(h) => {
                        let Hashed { pdq, quality, md5, sha256, width, height, dihedral: d } = &**h;
                        let record = Record {
                            path,
                            media: "image",
                            pdq: pdq.clone(),
                            quality: *quality,
                            md5: md5.clone(),
                            sha256: sha256.clone(),
                            width: *width,
                            height: *height,
                            dihedral: dihedral.then(|| d.hashes.iter().map(|h| h.to_hex()).collect()),
                        };
                        serde_json::to_writer(&mut *w, &record)?;
                    }
                    Outcome::Video(v) => {
                        let record = VideoRecord {
                            path,
                            media: "video",
                            vpdq: v.frames.iter().map(FrameRecord::new).collect(),
                            md5: &v.md5,
                            sha256: &v.sha256,
                            width: v.width,
                            height: v.height,
                            duration_seconds: v.duration_seconds,
                            frames_hashed: v.frames.len(),
                        };
                        serde_json::to_writer(&mut *w, &record)?;
                    }
                    Outcome::Failed(error) => {
                        serde_json::to_writer(&mut *w, &ErrorRecord { path, error })?;
                    }
                    Outcome::Skipped => return Ok(()),
                }
                w.write_all(b"\n")
            }
            Output::Csv { w, dihedral } => {
                let mut row: Vec<String> = vec![path.to_string()];
                match outcome {
                    Outcome::Hashed(h) => {
                        let Hashed { pdq, quality, md5, sha256, width, height, dihedral: d } = &**h;
                        row.extend([
                            "image".to_string(),
                            pdq.clone(),
                            quality.to_string(),
                            md5.clone(),
                            sha256.clone(),
                            width.to_string(),
                            height.to_string(),
                        ]);
                        if *dihedral {
                            row.extend(d.hashes.iter().map(|h| h.to_hex()));
                        }
                        row.push(String::new());
                    }
                    Outcome::Failed(error) => {
                        let empty = 7 + if *dihedral { 8 } else { 0 };
                        row.extend(std::iter::repeat_n(String::new(), empty));
                        row.push(error.clone());
                    }
                    Outcome::Video(_) => {
                        let empty = 7 + if *dihedral { 8 } else { 0 };
                        row.extend(std::iter::repeat_n(String::new(), empty));
                        row.push(CSV_VIDEO_ERROR.to_string());
                    }
                    Outcome::Skipped => return Ok(()),
                }
                w.write_record(&row).map_err(csv_to_io)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Json { w, .. } => w.flush(),
            Output::Csv { w, .. } => w.flush(),
        }
    }
}

/// What a video gets in CSV output.
const CSV_VIDEO_ERROR: &str =
    "a video's vPDQ hash has one line per frame, which CSV cannot hold: use --format json (or --format vpdq)";

fn csv_to_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}
