//! Running the `ffmpeg` and `ffprobe` programs: finding them, probing a video, and streaming
//! its decoded frames from the child's standard output, with a watchdog that stops a stalled
//! or slow child.

use std::ffi::OsString;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind};

/// The last bytes of ffmpeg's error output kept for error messages.
const STDERR_KEEP: usize = 4096;

/// Where the `ffmpeg` and `ffprobe` programs are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ffmpeg {
    ffmpeg: PathBuf,
    ffprobe: PathBuf,
}

impl Ffmpeg {
    /// Environment variable naming the `ffmpeg` program to use.
    pub const ENV_FFMPEG: &'static str = "VIGIE_FFMPEG";
    /// Environment variable naming the `ffprobe` program to use.
    pub const ENV_FFPROBE: &'static str = "VIGIE_FFPROBE";

    /// Finds the programs: `$VIGIE_FFMPEG`, else `ffmpeg` on `PATH`; `$VIGIE_FFPROBE`, else the
    /// `ffprobe` next to that ffmpeg, else `ffprobe` on `PATH`. Both come with the Debian
    /// package `ffmpeg`.
    pub fn locate() -> Result<Ffmpeg, Error> {
        let ffmpeg = match std::env::var_os(Self::ENV_FFMPEG).filter(|v| !v.is_empty()) {
            Some(p) => {
                let p = PathBuf::from(p);
                if !is_executable(&p) {
                    return Err(not_found(
                        "ffmpeg",
                        format!("{}={} is not an executable file", Self::ENV_FFMPEG, p.display()),
                    ));
                }
                p
            }
            None => find_on_path("ffmpeg").ok_or_else(|| not_found("ffmpeg", "not on PATH".into()))?,
        };
        let sibling = ffmpeg.parent().map(|d| d.join(format!("ffprobe{}", std::env::consts::EXE_SUFFIX)));
        let ffprobe = match std::env::var_os(Self::ENV_FFPROBE).filter(|v| !v.is_empty()) {
            Some(p) => {
                let p = PathBuf::from(p);
                if !is_executable(&p) {
                    return Err(not_found(
                        "ffprobe",
                        format!("{}={} is not an executable file", Self::ENV_FFPROBE, p.display()),
                    ));
                }
                p
            }
            None => match sibling.filter(|p| is_executable(p)) {
                Some(p) => p,
                None => find_on_path("ffprobe").ok_or_else(|| not_found("ffprobe", "not on PATH".into()))?,
            },
        };
        Ok(Ffmpeg { ffmpeg, ffprobe })
    }

    /// Uses these programs, without checking them.
    pub fn with_paths(ffmpeg: impl Into<PathBuf>, ffprobe: impl Into<PathBuf>) -> Ffmpeg {
        Ffmpeg { ffmpeg: ffmpeg.into(), ffprobe: ffprobe.into() }
    }

    /// The `ffmpeg` program.
    pub fn ffmpeg_path(&self) -> &Path {
        &self.ffmpeg
    }

    /// The `ffprobe` program.
    pub fn ffprobe_path(&self) -> &Path {
        &self.ffprobe
    }
}

fn not_found(program: &str, detail: String) -> Error {
    Error::new(ErrorKind::FfmpegNotFound { program: program.into(), detail })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&path).map(|d| d.join(&file)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    match std::fs::metadata(p) {
        #[cfg(unix)]
        Ok(m) => {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        }
        #[cfg(not(unix))]
        Ok(m) => m.is_file(),
        Err(_) => false,
    }
}

/// Time allowed to a child: no output for `stall`, or more than `total` in all.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadlines {
    pub stall: Duration,
    pub total: Duration,
}

/// A running child with its stdout, a thread keeping the tail of its stderr and a watchdog.
pub(crate) struct Running {
    child: Arc<Mutex<Child>>,
    /// Open when the child was started with [`Running::spawn_with_input`].
    stdin: Option<ChildStdin>,
    stdout: Option<Output>,
    /// Bytes the child can write ahead of this process's reads (the socket's send buffer).
    output_buffer: usize,
    stderr: Option<JoinHandle<Vec<u8>>>,
    watchdog: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    progress: Arc<AtomicU64>,
    timed_out: Arc<Mutex<Option<ErrorKind>>>,
    finished: bool,
}

impl Running {
    /// Starts `program args`, stdin closed, stdout to this process ([`output_channel`]),
    /// stderr piped.
    pub(crate) fn spawn(program: &Path, args: &[OsString], deadlines: Deadlines) -> Result<Running, Error> {
        Self::start(program, args, deadlines, false)
    }

    /// [`Running::spawn`] with a pipe to the child's standard input, for
    /// [`Running::send_input`].
    pub(crate) fn spawn_with_input(program: &Path, args: &[OsString], deadlines: Deadlines) -> Result<Running, Error> {
        Self::start(program, args, deadlines, true)
    }

    /// Writes `data` to the child's standard input and closes it.
    pub(crate) fn send_input(&mut self, data: &[u8]) -> io::Result<()> {
        use std::io::Write as _;
        let mut stdin = self.stdin.take().ok_or_else(|| io::Error::other("no input pipe"))?;
        stdin.write_all(data)
    }

    fn start(program: &Path, args: &[OsString], deadlines: Deadlines, input: bool) -> Result<Running, Error> {
        let name = program.file_name().map_or_else(|| "ffmpeg".into(), |n| n.to_string_lossy().into_owned());
        let cannot_start = |e: io::Error| not_found(&name, format!("{} could not be started: {e}", program.display()));
        let (ours, theirs, output_buffer) = output_channel().map_err(cannot_start)?;
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(if input { Stdio::piped() } else { Stdio::null() })
            .stdout(theirs)
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(cannot_start)?;
        // The command holds the child's end of the channel: without this, the output would
        // never end (a reader sees the end only once every writer has closed it).
        drop(command);
        let stdin = child.stdin.take();
        #[cfg(not(unix))]
        let ours = child.stdout.take();
        let stderr = child.stderr.take().map(|mut err| {
            std::thread::spawn(move || {
                // Keep only the tail, so a chatty child cannot fill memory.
                let mut tail = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    match err.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            tail.extend_from_slice(&buf[..n]);
                            if tail.len() > 2 * STDERR_KEEP {
                                tail.drain(..tail.len() - STDERR_KEEP);
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                if tail.len() > STDERR_KEEP {
                    tail.drain(..tail.len() - STDERR_KEEP);
                }
                tail
            })
        });
        let child = Arc::new(Mutex::new(child));
        let progress = Arc::new(AtomicU64::new(0));
        let timed_out = Arc::new(Mutex::new(None));
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let watchdog = {
            let (child, progress, timed_out) = (child.clone(), progress.clone(), timed_out.clone());
            std::thread::spawn(move || {
                let start = Instant::now();
                let (mut last_seen, mut last_change) = (0u64, start);
                let tick = Duration::from_millis(200).min(deadlines.stall).max(Duration::from_millis(10));
                loop {
                    match stop_rx.recv_timeout(tick) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    let now = Instant::now();
                    let seen = progress.load(Ordering::Relaxed);
                    if seen != last_seen {
                        (last_seen, last_change) = (seen, now);
                    }
                    let why = if now.duration_since(last_change) > deadlines.stall {
                        Some(ErrorKind::Timeout { seconds: deadlines.stall.as_secs_f64(), stalled: true })
                    } else if now.duration_since(start) > deadlines.total {
                        Some(ErrorKind::Timeout { seconds: deadlines.total.as_secs_f64(), stalled: false })
                    } else {
                        None
                    };
                    if let Some(why) = why {
                        if let Ok(mut t) = timed_out.lock() {
                            *t = Some(why);
                        }
                        if let Ok(mut c) = child.lock() {
                            let _ = c.kill();
                        }
                        return;
                    }
                }
            })
        };
        Ok(Running {
            child,
            stdin,
            stdout: ours,
            output_buffer,
            stderr,
            watchdog: Some((stop_tx, watchdog)),
            progress,
            timed_out,
            finished: false,
        })
    }

    /// How many bytes the child can write before it waits for this process to read: the
    /// socket's send buffer (0 when unknown).
    pub(crate) fn output_buffer(&self) -> usize {
        self.output_buffer
    }

    /// Reads until `buf` is full. `Ok(0)`: the output ended before the first byte; `Ok(n)`
    /// with `n < buf.len()`: it ended in the middle.
    pub(crate) fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(out) = self.stdout.as_mut() else { return Ok(0) };
        let mut n = 0;
        while n < buf.len() {
            match out.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => {
                    n += k;
                    self.progress.fetch_add(k as u64, Ordering::Relaxed);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(n)
    }

    /// Reads the whole output (for ffprobe), at most `max` bytes.
    pub(crate) fn read_all(&mut self, max: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = self.read_full(&mut buf)?;
            if out.len() + n > max {
                return Err(io::Error::other("too much output"));
            }
            out.extend_from_slice(&buf[..n]);
            if n < buf.len() {
                return Ok(out);
            }
        }
    }

    /// Waits for the child. Returns its status and the tail of its error output, or the
    /// timeout that stopped it.
    pub(crate) fn finish(mut self) -> Result<(ExitStatus, String), ErrorKind> {
        self.finished = true;
        self.stdin = None;
        self.stdout = None; // a child still writing gets a broken pipe (EPIPE) rather than blocking
        // The child closes its error output as it exits: waiting for that (the watchdog can
        // still kill a child that does not exit) ends when the child does, where polling
        // `try_wait` with pauses would notice it up to a pause late.
        let stderr = self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default();
        // Poll rather than block in `wait` with the lock held: the watchdog must still be able
        // to kill a child that closed its error output but does not exit. The child is normally
        // gone already: poll often at first, then back off.
        let mut pause = Duration::from_micros(50);
        let status = loop {
            let polled = match self.child.lock() {
                Ok(mut c) => c.try_wait(),
                Err(_) => Err(io::Error::other("lock poisoned")),
            };
            match polled {
                Ok(None) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(5));
                }
                Ok(Some(s)) => break Ok(s),
                Err(e) => break Err(e),
            }
        };
        self.stop_watchdog();
        if let Some(why) = self.timed_out.lock().ok().and_then(|mut t| t.take()) {
            return Err(why);
        }
        let status = status.map_err(|e| ErrorKind::Decode { message: format!("waiting for ffmpeg: {e}") })?;
        Ok((status, String::from_utf8_lossy(&stderr).trim().to_string()))
    }

    /// The timeout that stopped the child, if it was stopped.
    pub(crate) fn timed_out(&self) -> Option<ErrorKind> {
        self.timed_out.lock().ok().and_then(|t| t.clone())
    }

    fn stop_watchdog(&mut self) {
        if let Some((tx, handle)) = self.watchdog.take() {
            drop(tx);
            let _ = handle.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.finished {
            // Stopped early (an error, a limit): kill the child rather than wait for it.
            if let Ok(mut c) = self.child.lock() {
                let _ = c.kill();
                let _ = c.wait();
            }
            self.stdout = None;
            self.stop_watchdog();
            if let Some(h) = self.stderr.take() {
                let _ = h.join();
            }
        }
    }
}

/// The last meaningful line(s) of ffmpeg's error output, for messages.
pub(crate) fn summarize_stderr(stderr: &str, status: Option<ExitStatus>) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let tail = lines.iter().rev().take(3).rev().copied().collect::<Vec<_>>().join("; ");
    match (tail.is_empty(), status) {
        (false, _) => tail,
        (true, Some(s)) => format!("ffmpeg exited with {s}"),
        (true, None) => "no error message".to_string(),
    }
}

/// This process's end of the channel a child writes its standard output to.
#[cfg(unix)]
type Output = std::os::unix::net::UnixStream;
#[cfg(not(unix))]
type Output = std::process::ChildStdout;

/// This process's end of the channel the child's standard output goes to (`None`: take
/// `Child::stdout`), the child's end, and the bytes the child can write ahead of this
/// process's reads.
///
/// On Unix, a socket pair rather than a pipe. Raw frames are large (518 KB for 480x720 4:2:0,
/// 3 MB at 1080p) and a pipe serialises its two ends: one lock covers the pipe, and each of
/// ffmpeg's writes holds it while it copies, so the reader waits, spinning, and the copies in
/// and out take turns. A Unix stream socket queues buffers instead: ffmpeg copies frame n+1 in
/// while this process copies frame n out. Measured on 2 cores: reading the frames of the
/// 1080x1080 sample without hashing them took 38 % more than decoding alone through a 1 MiB
/// pipe, 22 % through the socket; hashing the 10 sample videos, 33.7 % and 28.4 % (same run).
#[cfg(unix)]
fn output_channel() -> io::Result<(Option<Output>, Stdio, usize)> {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    // Best effort: the kernel caps the size at `net.core.wmem_max` (208 KiB by default), and a
    // socket that keeps its default size still works.
    let socket = socket2::SockRef::from(&theirs);
    let _ = socket.set_send_buffer_size(SEND_BUFFER);
    let buffer = socket.send_buffer_size().unwrap_or(0);
    Ok((Some(ours), Stdio::from(std::os::fd::OwnedFd::from(theirs)), buffer))
}

#[cfg(not(unix))]
fn output_channel() -> io::Result<(Option<Output>, Stdio, usize)> {
    Ok((None, Stdio::piped(), 0))
}

/// The send buffer asked for ffmpeg's end of the output socket: 4 MiB, which Linux doubles for
/// its bookkeeping (8 MiB: 16 frames of 480x720, 2 of 1080p). Memory is taken only as frames
/// wait in it. The kernel caps it at twice `net.core.wmem_max` (208 KiB by default); with the
/// hashing threads below the decoder's priority (see `hash_video`) that made no measurable
/// difference on the sample videos, but it lets a single thread read and hash (see
/// `INLINE_MIN_FRAMES_AHEAD`).
#[cfg(unix)]
const SEND_BUFFER: usize = 4 << 20;
