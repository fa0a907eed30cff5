//! Frames kept as thumbnails while hashing Meta's sample videos (`testdata/vpdq/videos`): evenly
//! spaced, the frames' own pixels scaled down, and the hashes unchanged. These tests need the
//! `ffmpeg` program and fail, rather than skip, without it.

use std::path::PathBuf;

use vigie_hash::Downscaler;
use vigie_video::{
    Ffmpeg, FrameConverter, FrameSampling, FrameStream, HashOptions, hash_video, hash_video_keeping_frames,
};

fn video(name: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vpdq/videos")).join(name);
    assert!(path.is_file(), "{} is missing (the repository's testdata/)", path.display());
    path
}

fn ffmpeg() -> Ffmpeg {
    Ffmpeg::locate().unwrap_or_else(|e| {
        panic!("{e}\nThese tests need ffmpeg and ffprobe (CI installs the Debian package `ffmpeg`); they do not skip.")
    })
}

#[test]
fn frames_spread_over_the_video_with_the_same_hashes() {
    let ffmpeg = ffmpeg();
    for name in ["chair-19-sd-bar.mp4", "doorknob-hd-no-bar.mp4", "test-padded-dimensions.mp4"] {
        let path = video(name);
        let sampling = FrameSampling { count: 6, max_side: 480 };
        let sampled = hash_video_keeping_frames(&path, &ffmpeg, &HashOptions::default(), &sampling).unwrap();
        let plain = hash_video(&path, &ffmpeg, &HashOptions::default()).unwrap();
        assert_eq!(sampled.frames, plain.frames, "{name}: keeping frames changed the hashes");
        assert!(plain.samples.is_empty());

        // Six, or every frame hashed when fewer were (one a second: a 4-second clip gives 4).
        let samples = &sampled.samples;
        assert_eq!(samples.len(), sampled.frames.len().min(6), "{name}");
        assert!(samples.len() >= 4, "{name}: {} frames", samples.len());
        let last = sampled.frames.last().unwrap().timestamp_seconds;
        let times: Vec<f64> = samples.iter().map(|sample| sample.timestamp_seconds).collect();
        assert!(times.windows(2).all(|pair| pair[0] < pair[1]), "{name}: {times:?}");
        let latest = times[times.len() - 1];
        assert!(times[0] <= last / 3.0 && latest >= last * 2.0 / 3.0, "{name}: {times:?} over {last} s");
        let (width, height) = (sampled.info.width, sampled.info.height);
        for sample in samples {
            let thumbnail = &sample.thumbnail;
            assert_eq!((thumbnail.width, thumbnail.height), vigie_hash::thumbnail_size(width, height, 480), "{name}");
            assert_eq!(thumbnail.rgb.len(), thumbnail.width as usize * thumbnail.height as usize * 3);
        }
    }
}

#[test]
fn a_thumbnail_is_the_frame_as_hashed_scaled_down() {
    let ffmpeg = ffmpeg();
    let path = video("pattern-sd-grey-bar.mp4");
    let sampling = FrameSampling { count: 3, max_side: 160 };
    let sampled = hash_video_keeping_frames(&path, &ffmpeg, &HashOptions::default(), &sampling).unwrap();
    assert_eq!(sampled.samples.len(), 3);
    // The same frames read again, converted whole to RGB (the pixels that are hashed), then
    // scaled down.
    let mut stream = FrameStream::open(&path, &ffmpeg, &HashOptions::default()).unwrap();
    let plan = *stream.plan();
    let converter = FrameConverter::new(&plan);
    let (mut raw, mut scratch) = (Vec::new(), Vec::new());
    let mut wanted = sampled.samples.iter().peekable();
    while let Some(frame_number) = stream.next_frame(&mut raw).unwrap() {
        let Some(sample) = wanted.next_if(|sample| sample.frame_number == frame_number) else { continue };
        let rgb = converter.to_rgb(&raw, &mut scratch);
        let mut scaler = Downscaler::new(plan.width, plan.height, 160).unwrap();
        for row in rgb.chunks_exact(plan.width as usize * 3) {
            scaler.push_rgb_row(row);
        }
        assert_eq!(scaler.finish(), sample.thumbnail, "frame {frame_number}");
    }
    assert!(wanted.next().is_none(), "every sample's frame was read again");
}
