//! Playing a reported video, muted, on a reviewer's explicit request: a copy re-encoded by
//! ffmpeg without sound (`vigie_video::muted_copy`), never the uploaded bytes.
//!
//! A copy takes a while to make (seconds for a short clip, minutes for a long one), longer
//! than a request may wait: the first request starts it in the background and waits a few
//! seconds; a request that finds it still running is told to come back (503 with
//! `Retry-After`). One copy is made at a time per video, at most
//! [`PlaybackSettings::concurrent`] at once on the node; a finished copy is kept under
//! `renditions/<sha256>/muted.mp4` and served from there (with byte ranges, for seeking). A
//! copy that failed is not tried again for [`PlaybackSettings::retry_failed_after`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};

use crate::intake::media::MediaStore;

/// How muted copies are made.
#[derive(Clone, Debug)]
pub struct PlaybackSettings {
    /// What ffmpeg is asked for, with the limits on the input (by default an hour at most) and
    /// on the run (no progress for a minute, or ten minutes in all, stops it).
    pub copy: vigie_video::CopyOptions,
    /// How long a request waits for a copy being made before being told to come back.
    pub wait: Duration,
    /// How long a failed copy is reported as failed before it is tried again.
    pub retry_failed_after: Duration,
    /// Copies made at once on this node (ffmpeg uses every core while encoding).
    pub concurrent: usize,
}

impl Default for PlaybackSettings {
    fn default() -> Self {
        let copy = vigie_video::CopyOptions::default();
        let limits = vigie_video::VideoLimits { max_wall_time: Duration::from_secs(10 * 60), ..copy.limits };
        PlaybackSettings {
            copy: vigie_video::CopyOptions { limits, ..copy },
            wait: Duration::from_secs(10),
            retry_failed_after: Duration::from_secs(5 * 60),
            concurrent: 1,
        }
    }
}

/// Why a video cannot be played.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlaybackFailure {
    /// ffmpeg is not installed (or cannot be started) on this server.
    ToolMissing(String),
    /// The video cannot be copied: corrupt, unsupported, or over the limits.
    NotPlayable(String),
    /// The disk failed.
    Storage(String),
}

/// Where a muted copy stands.
#[derive(Debug)]
pub enum Prepared {
    /// Made: the file to serve.
    Ready(PathBuf),
    /// Being made; ask again shortly.
    Pending,
    /// Cannot be made.
    Failed(PlaybackFailure),
}

enum Job {
    /// Being made; the value turns true when it ends.
    Running(watch::Receiver<bool>),
    /// Failed at this time.
    Failed(PlaybackFailure, Instant),
}

/// The node's muted copies being made.
pub struct Playback {
    settings: PlaybackSettings,
    jobs: Mutex<HashMap<String, Job>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Playback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Playback").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// The muted copy of a video, once made.
pub fn copy_path(media: &MediaStore, sha256: &str) -> PathBuf {
    media.renditions_dir(sha256).join("muted.mp4")
}

impl Playback {
    /// Copies made with `settings`.
    pub fn new(settings: PlaybackSettings) -> Self {
        let permits = Arc::new(Semaphore::new(settings.concurrent.max(1)));
        Playback { settings, jobs: Mutex::default(), permits }
    }

    fn jobs(&self) -> MutexGuard<'_, HashMap<String, Job>> {
        // Entries change in single statements: a panic elsewhere leaves them consistent.
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The muted copy of the video stored under `sha256`: made already, or started now (or
    /// joined, if another request started it) and waited for up to [`PlaybackSettings::wait`].
    pub async fn prepare(self: &Arc<Self>, media: &MediaStore, sha256: &str) -> Prepared {
        let path = copy_path(media, sha256);
        if path.is_file() {
            return Prepared::Ready(path);
        }
        let mut ended = {
            let mut jobs = self.jobs();
            match jobs.get(sha256) {
                Some(Job::Running(ended)) => ended.clone(),
                Some(Job::Failed(failure, at)) if at.elapsed() < self.settings.retry_failed_after => {
                    return Prepared::Failed(failure.clone());
                }
                _ => {
                    let (done, ended) = watch::channel(false);
                    jobs.insert(sha256.to_owned(), Job::Running(ended.clone()));
                    let (playback, media, sha256) = (self.clone(), media.clone(), sha256.to_owned());
                    // Outlives the request on purpose (a copy takes longer than a request may
                    // wait); bounded by the permits and by the copy's own time limits.
                    tokio::spawn(async move { playback.make(media, sha256, done).await });
                    ended
                }
            }
        };
        let _ = tokio::time::timeout(self.settings.wait, ended.wait_for(|ended| *ended)).await;
        if path.is_file() {
            return Prepared::Ready(path);
        }
        match self.jobs().get(sha256) {
            Some(Job::Failed(failure, _)) => Prepared::Failed(failure.clone()),
            _ => Prepared::Pending,
        }
    }

    /// Makes one copy, records how it ended, and wakes the requests waiting for it.
    async fn make(self: Arc<Self>, media: MediaStore, sha256: String, done: watch::Sender<bool>) {
        let outcome = match self.permits.clone().acquire_owned().await {
            Ok(permit) => {
                let (options, sha) = (self.settings.copy, sha256.clone());
                let made = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    make_copy(&media, &sha, &options)
                })
                .await;
                made.unwrap_or_else(|error| Err(PlaybackFailure::Storage(format!("the copy task failed: {error}"))))
            }
            Err(_) => Err(PlaybackFailure::Storage("the server is stopping".into())),
        };
        {
            let mut jobs = self.jobs();
            match &outcome {
                Ok(()) => {
                    jobs.remove(&sha256);
                }
                Err(failure) => {
                    tracing::warn!(sha256, failure = ?failure, "a muted copy of a video could not be made");
                    jobs.insert(sha256.clone(), Job::Failed(failure.clone(), Instant::now()));
                }
            }
        }
        let _ = done.send(true);
    }
}

/// Runs ffmpeg into a temporary file beside the copy's place, then renames it there.
fn make_copy(media: &MediaStore, sha256: &str, options: &vigie_video::CopyOptions) -> Result<(), PlaybackFailure> {
    let ffmpeg = vigie_video::Ffmpeg::locate().map_err(|error| PlaybackFailure::ToolMissing(error.to_string()))?;
    let storage = |error: std::io::Error| PlaybackFailure::Storage(error.to_string());
    let dir = media.renditions_dir(sha256);
    std::fs::create_dir_all(&dir).map_err(storage)?;
    let partial = tempfile::Builder::new().prefix(".muted").suffix(".mp4").tempfile_in(&dir).map_err(storage)?;
    vigie_video::muted_copy(&media.path_of(sha256), partial.path(), &ffmpeg, options).map_err(|error| {
        match error.kind() {
            vigie_video::ErrorKind::FfmpegNotFound { .. } => PlaybackFailure::ToolMissing(error.to_string()),
            vigie_video::ErrorKind::Io { message } => PlaybackFailure::Storage(message.clone()),
            _ => PlaybackFailure::NotPlayable(without_path(&error)),
        }
    })?;
    partial.as_file().sync_all().map_err(storage)?;
    partial.persist(copy_path(media, sha256)).map_err(|error| storage(error.error))?;
    Ok(())
}

/// The error's words without the file's path (a server path, of no use to the reviewer).
fn without_path(error: &vigie_video::Error) -> String {
    let text = error.to_string();
    match error.path() {
        Some(path) => text.strip_prefix(&format!("{}: ", path.display())).map_or(text.clone(), str::to_owned),
        None => text,
    }
}
