//! A muted copy of a video for watching: its first video stream re-encoded by ffmpeg as H.264
//! in MP4, without sound, subtitles, data, chapters or metadata, scaled down to a height.
//!
//! The copy is what a reviewer plays instead of the file as received: its bytes come from the
//! encoder, never from the sender, and what a sender may hide in a container (other streams,
//! attachments, metadata) is left out.

use std::ffi::OsString;
use std::path::Path;

use crate::ffmpeg::{Deadlines, Running, summarize_stderr};
use crate::{Error, ErrorKind, Ffmpeg, VideoInfo, VideoLimits, check_file, finish_probe, input_arg, start_probe};

/// How to make a muted copy ([`muted_copy`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CopyOptions {
    /// Frames taller than this are scaled down to it (aspect kept). Default 720.
    pub max_height: u32,
    /// Bit rate cap of the copy, in bits a second: with
    /// [`VideoLimits::max_duration_seconds`] it bounds the copy's size. Default 2 Mbit/s.
    pub max_bit_rate: u64,
    /// The copy stops growing at this size (ffmpeg's `-fs`), whatever the rate. Default 1 GiB.
    pub max_output_bytes: u64,
    /// Limits on the input (size, resolution, duration) and on ffmpeg's run (no progress for
    /// [`VideoLimits::stall_timeout`], more than [`VideoLimits::max_wall_time`] in all).
    pub limits: VideoLimits,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            max_height: 720,
            max_bit_rate: 2_000_000,
            max_output_bytes: 1 << 30,
            limits: VideoLimits { max_duration_seconds: 3600.0, ..VideoLimits::default() },
        }
    }
}

/// Writes a muted H.264/MP4 copy of `input`'s first video stream to `output` (replaced if it
/// exists; `output` is incomplete until this returns `Ok`, so write to a temporary name).
///
/// The input is probed first and checked against `options.limits` (size, resolution,
/// duration); ffmpeg reports its progress on a pipe, so a run that stops progressing, or takes
/// too long, is killed. Returns what the probe said about the input.
pub fn muted_copy(input: &Path, output: &Path, ffmpeg: &Ffmpeg, options: &CopyOptions) -> Result<VideoInfo, Error> {
    let limits = options.limits;
    if options.max_height < 2 {
        let message = format!("a copy needs at least 2 lines, not {}", options.max_height);
        return Err(Error::at(input, ErrorKind::InvalidOption { message }));
    }
    check_file(input, &limits)?;
    let info = finish_probe(start_probe(input, ffmpeg, &limits)?, input, &limits)?;
    let args = copy_args(input, output, options);
    let deadlines = Deadlines { stall: limits.stall_timeout, total: limits.max_wall_time };
    let mut child = Running::spawn(ffmpeg.ffmpeg_path(), &args, deadlines).map_err(|e| match e.kind() {
        ErrorKind::FfmpegNotFound { .. } => e,
        kind => Error::at(input, kind.clone()),
    })?;
    // Progress reports (`-progress pipe:1`, a few lines every half second) keep the stall
    // watchdog informed; their content is not needed.
    let mut progress = [0u8; 512];
    while child.read_full(&mut progress).map_err(|e| Error::at(input, ErrorKind::Io { message: e.to_string() }))?
        == progress.len()
    {}
    let (status, stderr) = child.finish().map_err(|kind| Error::at(input, kind))?;
    if !status.success() {
        return Err(Error::at(input, ErrorKind::Decode { message: summarize_stderr(&stderr, Some(status)) }));
    }
    let written = std::fs::metadata(output).map_err(|e| Error::at(output, ErrorKind::Io { message: e.to_string() }))?;
    if written.len() == 0 {
        let message = "ffmpeg wrote an empty copy".to_owned();
        return Err(Error::at(input, ErrorKind::Decode { message }));
    }
    Ok(info)
}

fn copy_args(input: &Path, output: &Path, options: &CopyOptions) -> Vec<OsString> {
    let max_pixels = options.limits.max_pixels.min(i32::MAX as u64).to_string();
    let seconds = format!("{:.3}", options.limits.max_duration_seconds);
    let rate = options.max_bit_rate.to_string();
    let buffer = options.max_bit_rate.saturating_mul(2).to_string();
    let bytes = options.max_output_bytes.to_string();
    // Even dimensions (4:2:0), the height at most `max_height`, the width from the aspect.
    let scale = format!("scale=w=-2:h=trunc(min(ih\\,{})/2)*2,format=yuv420p", options.max_height);
    let mut args: Vec<OsString> = [
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        "-max_pixels",
        &max_pixels,
    ]
    .iter()
    .map(OsString::from)
    .collect();
    args.extend(["-i".into(), input_arg(input)]);
    args.extend(
        [
            "-map",
            "0:v:0",
            "-an",
            "-sn",
            "-dn",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-t",
            &seconds,
            "-vf",
            &scale,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "26",
            "-maxrate",
            &rate,
            "-bufsize",
            &buffer,
            "-movflags",
            "+faststart",
            "-fs",
            &bytes,
            "-f",
            "mp4",
            "-y",
        ]
        .iter()
        .map(OsString::from),
    );
    args.push(input_arg(output));
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_has_no_sound_and_bounded_size() {
        let args = copy_args(Path::new("-in.mp4"), Path::new("out.mp4"), &CopyOptions::default());
        let text: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        for flag in ["-an", "-sn", "-dn"] {
            assert!(text.iter().any(|a| a == flag), "{flag} missing: {text:?}");
        }
        let after = |flag: &str| text[text.iter().position(|a| a == flag).unwrap() + 1].clone();
        assert_eq!(after("-map"), "0:v:0");
        assert_eq!(after("-i"), "./-in.mp4", "a name starting with '-' is not read as an option");
        assert_eq!(after("-fs"), (1u64 << 30).to_string());
        assert_eq!(after("-t"), "3600.000");
        assert!(after("-vf").contains("min(ih\\,720)"), "{text:?}");
        assert_eq!(text.last().unwrap(), "out.mp4");
    }
}
