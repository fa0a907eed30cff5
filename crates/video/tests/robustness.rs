//! Limits, corrupt files, a missing ffmpeg and a hanging one: clear errors, no panic, no hang.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vigie_video::{ErrorKind, Ffmpeg, HashOptions, VideoLimits, hash_video, probe};

fn sample(name: &str) -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vpdq/videos")).join(name);
    assert!(p.is_file(), "missing {}: the reference videos in testdata/ are needed (no skipping)", p.display());
    p
}

fn ffmpeg() -> Ffmpeg {
    Ffmpeg::locate().unwrap_or_else(|e| panic!("{e}\nThese tests need ffmpeg (CI installs it); they do not skip."))
}

fn options(limits: VideoLimits) -> HashOptions {
    HashOptions { limits, ..HashOptions::default() }
}

#[test]
fn limits_are_enforced_before_decoding() {
    let ffmpeg = ffmpeg();
    let video = sample("chair-19-sd-bar.mp4"); // 480x720, 18.8 s, 564 frames, 1.1 MB
    let base = VideoLimits::default();
    type Check = fn(&ErrorKind) -> bool;
    let cases: [(VideoLimits, Check); 4] = [
        (VideoLimits { max_bytes: 1000, ..base }, |k| matches!(k, ErrorKind::TooLarge { max_bytes: 1000, .. })),
        (VideoLimits { max_pixels: 480 * 719, ..base }, |k| matches!(k, ErrorKind::TooManyPixels { width: 480, .. })),
        (VideoLimits { max_duration_seconds: 10.0, ..base }, |k| matches!(k, ErrorKind::TooLong { .. })),
        (VideoLimits { max_frames: 100, ..base }, |k| matches!(k, ErrorKind::TooManyFrames { max_frames: 100 })),
    ];
    for (limits, check) in cases {
        let e = hash_video(&video, &ffmpeg, &options(limits)).expect_err("over a limit");
        assert!(check(e.kind()), "{e}");
        assert!(e.to_string().contains("chair-19-sd-bar.mp4"), "the message names the file: {e}");
    }
    let e = hash_video(&video, &ffmpeg, &HashOptions { seconds_per_hash: -1.0, ..HashOptions::default() });
    assert!(matches!(e.expect_err("negative").kind(), ErrorKind::InvalidOption { .. }));
    let e = hash_video(&video, &ffmpeg, &HashOptions { resize: Some((4, 4)), ..HashOptions::default() });
    assert!(matches!(e.expect_err("tiny").kind(), ErrorKind::InvalidOption { .. }));
}

#[test]
fn corrupt_and_odd_files_fail_with_the_file_named() {
    let ffmpeg = ffmpeg();
    let dir = tempfile::tempdir().expect("tempdir");
    let original = std::fs::read(sample("pattern-sd-grey-bar.mp4")).expect("read");
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.mp4", Vec::new()),
        ("garbage.mp4", (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
        ("truncated.mp4", original[..original.len() / 3].to_vec()),
        ("-dash.mp4", original[..100].to_vec()),
    ];
    // A PNG is not a video.
    cases.push(("image.mp4", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0".to_vec()));
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        let start = Instant::now();
        let e = hash_video(&path, &ffmpeg, &HashOptions::default()).expect_err(name);
        assert!(start.elapsed() < Duration::from_secs(30), "{name} took {:?}", start.elapsed());
        assert!(e.to_string().contains(name), "{e}");
        assert!(
            matches!(e.kind(), ErrorKind::Unreadable { .. } | ErrorKind::Decode { .. } | ErrorKind::NoVideoStream),
            "{name}: {e}"
        );
    }
    // Damage in the middle: ffmpeg conceals it; either way, a result or an error, no panic.
    let mut damaged = original.clone();
    let mid = damaged.len() / 2;
    damaged[mid..mid + 5000].iter_mut().for_each(|b| *b = !*b);
    let path = dir.path().join("damaged.mp4");
    std::fs::write(&path, &damaged).expect("write");
    let _ = hash_video(&path, &ffmpeg, &HashOptions::default());
    // Not a file.
    let e = hash_video(dir.path(), &ffmpeg, &HashOptions::default()).expect_err("a folder");
    assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
    let e = probe(&dir.path().join("missing.mp4"), &ffmpeg, &VideoLimits::default()).expect_err("missing");
    assert!(matches!(e.kind(), ErrorKind::Io { .. }), "{e}");
}

#[test]
fn a_missing_ffmpeg_is_a_clear_error() {
    let missing = Ffmpeg::with_paths("/nonexistent/ffmpeg", "/nonexistent/ffprobe");
    let e = hash_video(&sample("doorknob-hd-no-bar.mp4"), &missing, &HashOptions::default()).expect_err("missing");
    assert!(matches!(e.kind(), ErrorKind::FfmpegNotFound { .. }), "{e}");
    let message = e.to_string();
    assert!(
        message.contains("apt-get install ffmpeg") && message.contains("image hashing works without it"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn a_stalled_ffmpeg_is_killed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("stuck");
    std::fs::write(&script, "#!/bin/sh\nexec sleep 30\n").expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let stuck = Ffmpeg::with_paths(&script, &script);
    let limits = VideoLimits { stall_timeout: Duration::from_millis(500), ..VideoLimits::default() };
    let start = Instant::now();
    let e = hash_video(&sample("doorknob-hd-no-bar.mp4"), &stuck, &options(limits)).expect_err("stuck");
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert!(matches!(e.kind(), ErrorKind::Timeout { stalled: true, .. }), "{e}");

    // The real ffprobe, then a decoder that stops producing frames.
    let real = ffmpeg();
    let slow = dir.path().join("slow");
    std::fs::write(&slow, "#!/bin/sh\nexec sleep 30\n").expect("write");
    std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let half = Ffmpeg::with_paths(&slow, real.ffprobe_path());
    let start = Instant::now();
    let e = hash_video(&sample("doorknob-hd-no-bar.mp4"), &half, &options(limits)).expect_err("stuck");
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert!(matches!(e.kind(), ErrorKind::Timeout { stalled: true, .. }), "{e}");
    assert!(e.to_string().contains("doorknob-hd-no-bar.mp4"), "{e}");
}

/// Vigie starts ffmpeg before ffprobe answers, with the filter graph on standard input
/// (`-filter_script:v`); an ffmpeg without that option is run again with the graph on its
/// command line, with the same result.
#[cfg(unix)]
#[test]
fn an_ffmpeg_without_filter_scripts_still_works() {
    use std::os::unix::fs::PermissionsExt;
    let real = ffmpeg();
    let dir = tempfile::tempdir().expect("tempdir");
    let wrapper = dir.path().join("ffmpeg");
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = -filter_script:v ]; then\n    \
         echo \"Unrecognized option 'filter_script:v'.\" >&2\n    exit 1\n  fi\ndone\nexec '{}' \"$@\"\n",
        real.ffmpeg_path().display()
    );
    std::fs::write(&wrapper, script).expect("write");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let old = Ffmpeg::with_paths(&wrapper, real.ffprobe_path());
    let video = sample("doorknob-hd-no-bar.mp4");
    for seconds_per_hash in [0.0, 1.0] {
        let options = HashOptions { seconds_per_hash, ..HashOptions::default() };
        let want = hash_video(&video, &real, &options).expect("hash");
        let got = hash_video(&video, &old, &options).expect("hash without filter scripts");
        assert_eq!(got, want);
    }
}
