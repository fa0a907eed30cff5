//! `HashOptions::trim_borders` (issue 16): a copy with bars added matches its original once
//! each frame's uniform borders are trimmed, and a video without bars hashes the same either
//! way. Needs the `ffmpeg` program (fails, rather than skips, without it).

use std::path::Path;
use std::process::Command;

use vigie_hash::vpdq::{MatchThresholds, match_videos};
use vigie_video::{Ffmpeg, HashOptions, hash_video};

fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).status().expect("ffmpeg runs");
    assert!(status.success(), "ffmpeg {args:?}");
}

#[test]
fn bars_added_to_a_video_are_trimmed_before_hashing() {
    let located = Ffmpeg::locate().unwrap_or_else(|error| panic!("{error}: these tests need ffmpeg"));
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.mp4");
    let letterboxed = dir.path().join("letterboxed.mp4");
    let path = |p: &Path| p.to_str().unwrap().to_owned();
    ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "3", "-pix_fmt", "yuv420p", &path(&original)]);
    ffmpeg(&[
        "-i",
        &path(&original),
        "-vf",
        "pad=iw:ih*4/3:0:(oh-ih)/2:white",
        "-pix_fmt",
        "yuv420p",
        &path(&letterboxed),
    ]);
    let hash = |file: &Path, trim_borders: bool| {
        hash_video(file, &located, &HashOptions { trim_borders, ..HashOptions::default() }).unwrap().frames
    };
    let known = hash(&original, false);
    assert_eq!(hash(&original, true), known, "no bars: trimming changes nothing");
    let thresholds = MatchThresholds::default();
    assert!(!match_videos(&hash(&letterboxed, false), &known, &thresholds).is_match, "bars move every frame's hash");
    let trimmed = match_videos(&hash(&letterboxed, true), &known, &thresholds);
    assert!(trimmed.is_match, "{trimmed:?}");
}
