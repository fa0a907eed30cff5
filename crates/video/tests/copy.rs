//! Muted copies for playing: sound, metadata and other streams left out, the picture kept.
//! These tests need the `ffmpeg` program and fail, rather than skip, without it.

use std::path::{Path, PathBuf};
use std::process::Command;

use vigie_video::{CopyOptions, ErrorKind, Ffmpeg, VideoLimits, muted_copy};

fn ffmpeg() -> Ffmpeg {
    Ffmpeg::locate().unwrap_or_else(|e| {
        panic!("{e}\nThese tests need ffmpeg and ffprobe (CI installs the Debian package `ffmpeg`); they do not skip.")
    })
}

/// What ffprobe says of a file's streams and tags, as `key=value` lines.
fn probe(ffmpeg: &Ffmpeg, path: &Path) -> String {
    let out = Command::new(ffmpeg.ffprobe_path())
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,height:format_tags=title",
            "-of",
            "default",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A synthetic clip (a test card, a tone) with a title, made by ffmpeg itself.
fn clip_with_sound(ffmpeg: &Ffmpeg, dir: &Path) -> PathBuf {
    let path = dir.join("card.mp4");
    let status = Command::new(ffmpeg.ffmpeg_path())
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10:duration=2",
        ])
        .args(["-f", "lavfi", "-i", "sine=duration=2", "-shortest", "-c:v", "libx264", "-c:a", "aac"])
        .args(["-metadata", "title=secret-title"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    path
}

#[test]
fn a_copy_has_the_picture_without_sound_or_metadata() {
    let ffmpeg = ffmpeg();
    let dir = tempfile::tempdir().unwrap();
    let input = clip_with_sound(&ffmpeg, dir.path());
    let before = probe(&ffmpeg, &input);
    assert!(before.contains("codec_type=audio") && before.contains("secret-title"), "{before}");
    let output = dir.path().join("copy.mp4");
    let info = muted_copy(&input, &output, &ffmpeg, &CopyOptions::default()).unwrap();
    assert_eq!((info.width, info.height), (320, 240));
    let after = probe(&ffmpeg, &output);
    assert!(after.contains("codec_type=video") && after.contains("codec_name=h264"), "{after}");
    assert!(!after.contains("audio"), "sound left in the copy: {after}");
    assert!(!after.contains("secret-title"), "metadata left in the copy: {after}");
    assert_ne!(std::fs::read(&input).unwrap(), std::fs::read(&output).unwrap());
}

#[test]
fn a_copy_is_scaled_down_and_refused_over_the_limits() {
    let ffmpeg = ffmpeg();
    let dir = tempfile::tempdir().unwrap();
    let input = clip_with_sound(&ffmpeg, dir.path());
    let output = dir.path().join("copy.mp4");
    let small = CopyOptions { max_height: 101, ..CopyOptions::default() };
    muted_copy(&input, &output, &ffmpeg, &small).unwrap();
    assert!(probe(&ffmpeg, &output).contains("height=100"), "{}", probe(&ffmpeg, &output));

    let short = CopyOptions { limits: VideoLimits { max_duration_seconds: 1.0, ..VideoLimits::default() }, ..small };
    let error = muted_copy(&input, &output, &ffmpeg, &short).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::TooLong { .. }), "{error}");
    let not_a_video = dir.path().join("notes.mp4");
    std::fs::write(&not_a_video, b"not a video at all").unwrap();
    let error = muted_copy(&not_a_video, &output, &ffmpeg, &CopyOptions::default()).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Unreadable { .. } | ErrorKind::NoVideoStream), "{error}");
}
