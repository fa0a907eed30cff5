//! Vigie's vPDQ of Meta's sample videos against the reference's hash files.
//!
//! Data: `testdata/vpdq/` (see `testdata/README.md`): `videos/*.mp4` and, in
//! `expected/`, the reference's output for each (every frame, `frame,quality,pdq_hex,seconds`),
//! at full size and resized to 128x128. These tests need the `ffmpeg` program (Debian package
//! `ffmpeg`) and fail, rather than skip, without it or without the data.
//!
//! Printed per video: frames, the share of frames whose hash is identical to the reference's,
//! and the worst distance. Run with `--nocapture` to see them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use vigie_hash::vpdq::{self, MatchThresholds, VpdqFrame};
use vigie_video::{Ffmpeg, HashOptions, hash_video};

fn vpdq_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vpdq"));
    assert!(
        dir.join("videos").is_dir() && dir.join("expected").is_dir(),
        "the reference videos are missing: expected {} with videos/ and expected/ (the repository's \
         testdata/). These tests need them and do not skip without them.",
        dir.display()
    );
    dir
}

fn ffmpeg() -> Ffmpeg {
    Ffmpeg::locate().unwrap_or_else(|e| {
        panic!("{e}\nThese tests need ffmpeg and ffprobe (CI installs the Debian package `ffmpeg`); they do not skip.")
    })
}

fn videos() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(vpdq_dir().join("videos"))
        .expect("read videos/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .map(|p| (p.file_stem().and_then(|s| s.to_str()).expect("name").to_string(), p))
        .collect();
    out.sort();
    // Four of the reference's ten, chosen small and different: HD without bars, SD with black and
    // with grey bars, and dimensions the encoder pads (testdata/README.md).
    assert_eq!(out.len(), 4, "expected the 4 sample videos of testdata/vpdq/videos, found {}", out.len());
    out
}

fn expected(name: &str) -> Vec<VpdqFrame> {
    let path = vpdq_dir().join("expected").join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    vpdq::parse_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Comparison {
    frames: usize,
    identical: usize,
    worst: u32,
}

/// Frame by frame: same frame numbers, timestamps and qualities-or-close hashes.
fn compare(name: &str, ours: &[VpdqFrame], theirs: &[VpdqFrame]) -> Comparison {
    assert_eq!(ours.len(), theirs.len(), "{name}: number of frames");
    let mut c = Comparison { frames: ours.len(), identical: 0, worst: 0 };
    for (a, b) in ours.iter().zip(theirs) {
        assert_eq!(a.frame_number, b.frame_number, "{name}");
        assert_eq!(format!("{:.3}", a.timestamp_seconds), format!("{:.3}", b.timestamp_seconds), "{name}");
        let d = a.pdq.distance(&b.pdq);
        c.identical += usize::from(d == 0 && a.quality == b.quality);
        c.worst = c.worst.max(d);
    }
    // The required property: each matches the other completely at the reference's rule.
    let m = vpdq::match_videos(ours, theirs, &MatchThresholds::default());
    assert_eq!((m.query_matched_percent, m.candidate_matched_percent), (100.0, 100.0), "{name}: {m:?}");
    println!(
        "  {name:<42} {:>4} frames  identical {:>4} ({:5.1} %)  worst distance {:>2}  match {:.0} % / {:.0} %",
        c.frames,
        c.identical,
        100.0 * c.identical as f64 / c.frames as f64,
        c.worst,
        m.query_matched_percent,
        m.candidate_matched_percent
    );
    c
}

/// `test-padded-dimensions.txt` is the only sample file made by the current reference on an
/// x86 machine, whose SIMD colour conversion rounds differently from swscale's portable C
/// conversion that the other files (and Vigie) use: a few bits differ on some frames.
const SIMD_MADE: &str = "test-padded-dimensions";

#[test]
fn every_sample_video_matches_its_expected_hashes() {
    let ffmpeg = ffmpeg();
    let every_frame = HashOptions { seconds_per_hash: 0.0, ..HashOptions::default() };
    let mut ours: BTreeMap<String, Vec<VpdqFrame>> = BTreeMap::new();
    println!("full size, every frame:");
    for (name, path) in videos() {
        let video = hash_video(&path, &ffmpeg, &every_frame).unwrap_or_else(|e| panic!("{e}"));
        let c = compare(&name, &video.frames, &expected(&name));
        if name == SIMD_MADE {
            assert!(
                c.worst <= 8 && c.identical * 3 >= c.frames,
                "{name}: {} identical, worst {}",
                c.identical,
                c.worst
            );
        } else {
            assert_eq!((c.identical, c.worst), (c.frames, 0), "{name}: not bit-exact");
        }
        ours.insert(name, video.frames);
    }

    // Cross-matching on Vigie's own hashes: unrelated videos never match.
    let t = MatchThresholds::default();
    println!("cross-matching (query -> candidate: query % / candidate %):");
    for (q, qf) in &ours {
        for (c, cf) in &ours {
            let m = vpdq::match_videos(qf, cf, &t);
            let chair = |n: &str| n.starts_with("chair");
            let other = |n: &str| n.starts_with("pattern") || n.starts_with("doorknob");
            if (chair(q) && other(c)) || (other(q) && chair(c)) {
                assert!(!m.is_match && m.query_matched_percent < 10.0, "{q} should not match {c}: {m:?}");
            }
        }
    }
    // And the chair video against the reference's hashes of its other versions (another cut, the
    // original, grey, sepia, a logo), whose videos testdata/ leaves out: each must match both ways.
    let family = ["chair-19-sd-bar"];
    for variant in [
        "chair-20-sd-bar",
        "chair-orig-22-sd-bar",
        "chair-22-sd-grey-bar",
        "chair-22-sd-sepia-bar",
        "chair-22-with-small-logo-bar",
    ] {
        let theirs = expected(variant);
        for name in family {
            let m = vpdq::match_videos(&ours[name], &theirs, &t);
            let back = vpdq::match_videos(&theirs, &ours[name], &t);
            println!(
                "  {name:>24} -> {variant:<30} {:5.1} / {:5.1}",
                m.query_matched_percent, m.candidate_matched_percent
            );
            assert!(m.is_match && back.is_match, "{name} vs {variant}: {m:?} {back:?}");
        }
    }
}

#[test]
fn resized_to_128_matches_the_reference_exactly() {
    let ffmpeg = ffmpeg();
    let options = HashOptions { seconds_per_hash: 0.0, resize: Some((128, 128)), ..HashOptions::default() };
    println!("resized to 128x128, every frame:");
    for (name, path) in videos() {
        let expected_name = format!("{name}-128x128");
        if !vpdq_dir().join("expected").join(format!("{expected_name}.txt")).is_file() {
            continue;
        }
        let video = hash_video(&path, &ffmpeg, &options).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(video.hashed_size, (128, 128));
        let c = compare(&expected_name, &video.frames, &expected(&expected_name));
        assert_eq!((c.identical, c.worst), (c.frames, 0), "{expected_name}: not bit-exact");
    }
}

#[test]
fn seconds_per_hash_keeps_one_frame_in_n() {
    let ffmpeg = ffmpeg();
    let path = vpdq_dir().join("videos/chair-19-sd-bar.mp4");
    let reference = expected("chair-19-sd-bar");
    for (seconds, step) in [(1.0, 30u64), (0.5, 15), (0.01, 1)] {
        let options = HashOptions { seconds_per_hash: seconds, ..HashOptions::default() };
        let video = hash_video(&path, &ffmpeg, &options).unwrap_or_else(|e| panic!("{e}"));
        let wanted: Vec<VpdqFrame> = reference.iter().filter(|f| f.frame_number % step == 0).copied().collect();
        assert_eq!(video.frames, parse_back(&wanted), "every {seconds} s");
    }
    // The default is one frame a second, as python-threatexchange and HMA.
    assert_eq!(HashOptions::default().seconds_per_hash, 1.0);
}

/// The reference's values as text give the same frames as ours after formatting.
fn parse_back(frames: &[VpdqFrame]) -> Vec<VpdqFrame> {
    let ours = vpdq::format_text(frames);
    let mut v = vpdq::parse_text(&ours).expect("parse");
    for (f, orig) in v.iter_mut().zip(frames) {
        f.timestamp_seconds = vpdq::frame_timestamp(orig.frame_number, 30.0);
    }
    v
}

#[test]
fn threads_do_not_change_the_result() {
    let ffmpeg = ffmpeg();
    let path = vpdq_dir().join("videos/doorknob-hd-no-bar.mp4");
    let one = HashOptions { seconds_per_hash: 0.0, threads: 1, ..HashOptions::default() };
    let four = HashOptions { threads: 4, ..one };
    let a = hash_video(&path, &ffmpeg, &one).expect("hash");
    let b = hash_video(&path, &ffmpeg, &four).expect("hash");
    assert_eq!(a, b);
    assert_eq!((a.info.width, a.info.height, a.info.frame_rate), (1280, 720, 30.0));
    assert_eq!(a.info.frame_count, Some(120));
    assert!(a.info.duration_seconds.is_some_and(|d| (d - 4.0).abs() < 0.1));
}
