//! A few frames kept as small thumbnails while a video is hashed, evenly spaced over its
//! length, for people who must see what a video shows without playing it.
//!
//! The length is not trusted from the header (a header can lie, or say nothing): frames are
//! kept at a stride over the frames read, and when twice the wanted number are kept, every
//! other one is dropped and the stride doubles. At the end, the wanted number are chosen
//! evenly among those kept. Only kept frames are converted, one row of RGB at a time, straight
//! into a downscaler: about `2 × count × log2(frames / count)` conversions for a whole video,
//! and no RGB frame is ever made.

use vigie_hash::{Downscaler, Thumbnail};

use crate::yuv::Yuv420ToRgb;
use crate::{FramePlan, PipeFormat};

/// Which frames to keep as thumbnails while hashing ([`crate::hash_video_keeping_frames`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameSampling {
    /// How many frames, evenly spaced over the video (fewer for a video with fewer frames
    /// hashed). 0 keeps none.
    pub count: usize,
    /// The longer side of each thumbnail, in pixels (frames are never enlarged).
    pub max_side: u32,
}

impl Default for FrameSampling {
    /// Six thumbnails of at most 480 pixels a side.
    fn default() -> Self {
        FrameSampling { count: 6, max_side: 480 }
    }
}

/// A frame kept as a thumbnail.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FrameSample {
    /// Its number in the video (decoding order, from 0).
    pub frame_number: u64,
    /// Its time from the start, in seconds (the vPDQ frame's timestamp).
    pub timestamp_seconds: f64,
    /// The frame, scaled down.
    pub thumbnail: Thumbnail,
}

/// Keeps evenly spaced frames as they are read.
pub(crate) struct Sampler {
    sampling: FrameSampling,
    plan: FramePlan,
    frame_rate: f64,
    yuv: Option<Yuv420ToRgb>,
    /// Frames offered so far.
    offered: u64,
    /// Every `stride`-th offered frame is kept.
    stride: u64,
    /// Kept frames with their position among the offered ones.
    kept: Vec<(u64, FrameSample)>,
    /// One row of RGB, for 4:2:0 frames.
    row: Vec<u8>,
}

impl Sampler {
    pub(crate) fn new(sampling: FrameSampling, plan: &FramePlan, frame_rate: f64) -> Sampler {
        let yuv = match plan.pipe {
            PipeFormat::Yuv420 { full_range } => {
                Some(Yuv420ToRgb::new(plan.width as usize, plan.height as usize, full_range))
            }
            PipeFormat::Rgb24 => None,
        };
        Sampler { sampling, plan: *plan, frame_rate, yuv, offered: 0, stride: 1, kept: Vec::new(), row: Vec::new() }
    }

    /// Looks at the next frame read from the pipe ([`FramePlan::pipe_frame_size`] bytes), and
    /// keeps a thumbnail of it if it falls on the stride.
    pub(crate) fn offer(&mut self, frame_number: u64, raw: &[u8]) {
        let position = self.offered;
        self.offered += 1;
        if self.sampling.count == 0 || self.sampling.max_side == 0 || !position.is_multiple_of(self.stride) {
            return;
        }
        let Some(thumbnail) = self.thumbnail(raw) else { return };
        let timestamp_seconds = vigie_hash::vpdq::frame_timestamp(frame_number, self.frame_rate);
        self.kept.push((position, FrameSample { frame_number, timestamp_seconds, thumbnail }));
        if self.kept.len() >= 2 * self.sampling.count {
            let wider = self.stride * 2;
            self.kept.retain(|(position, _)| position.is_multiple_of(wider));
            self.stride = wider;
        }
    }

    /// The frame scaled down, or `None` when `raw` is not a whole frame.
    fn thumbnail(&mut self, raw: &[u8]) -> Option<Thumbnail> {
        if raw.len() != self.plan.pipe_frame_size() {
            return None;
        }
        let (width, height) = (self.plan.width as usize, self.plan.height as usize);
        let mut scaler = Downscaler::new(self.plan.width, self.plan.height, self.sampling.max_side).ok()?;
        match &self.yuv {
            Some(yuv) => {
                self.row.resize(width * 3, 0);
                for y in 0..height {
                    yuv.convert_row(raw, y, &mut self.row);
                    scaler.push_rgb_row(&self.row);
                }
            }
            None => {
                for row in raw.chunks_exact(width * 3).take(height) {
                    scaler.push_rgb_row(row);
                }
            }
        }
        Some(scaler.finish())
    }

    /// The frames chosen: `count` evenly spaced among those kept (all of them when fewer were
    /// kept), in frame order.
    pub(crate) fn finish(self) -> Vec<FrameSample> {
        let (count, kept) = (self.sampling.count, self.kept.len());
        if kept <= count {
            return self.kept.into_iter().map(|(_, sample)| sample).collect();
        }
        // The kept frames are evenly spaced: take the middle one of each of `count` equal parts.
        let chosen: Vec<usize> = (0..count).map(|part| (2 * part + 1) * kept / (2 * count)).collect();
        self.kept
            .into_iter()
            .enumerate()
            .filter(|(index, _)| chosen.contains(index))
            .map(|(_, (_, sample))| sample)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampler(count: usize) -> Sampler {
        let plan = FramePlan { width: 8, height: 6, step: 1, pipe: PipeFormat::Rgb24, resized: false };
        Sampler::new(FrameSampling { count, max_side: 4 }, &plan, 10.0)
    }

    /// The frame numbers chosen from a video of `frames` frames.
    fn chosen(count: usize, frames: u64) -> Vec<u64> {
        let mut sampler = sampler(count);
        let frame = vec![7u8; 8 * 6 * 3];
        for n in 0..frames {
            sampler.offer(n, &frame);
        }
        assert!(sampler.kept.len() < 2 * count.max(1), "the kept frames stay bounded");
        sampler.finish().iter().map(|sample| sample.frame_number).collect()
    }

    #[test]
    fn frames_are_spread_over_the_whole_video() {
        assert_eq!(chosen(6, 3), [0, 1, 2]);
        assert_eq!(chosen(6, 12), [0, 2, 4, 6, 8, 10]);
        let long = chosen(6, 10_000);
        assert_eq!(long.len(), 6);
        assert!(long.windows(2).all(|pair| pair[0] < pair[1]), "{long:?}");
        // Each within a sixth of the video, from its first to its last part.
        for (part, frame) in long.iter().enumerate() {
            let (start, end) = (part as u64 * 10_000 / 6, (part as u64 + 1) * 10_000 / 6);
            assert!((start..end).contains(frame), "{long:?}");
        }
        assert!(chosen(0, 100).is_empty());
    }

    #[test]
    fn thumbnails_are_scaled_frames_with_their_timestamps() {
        let mut sampler = sampler(1);
        sampler.offer(5, &[200u8; 8 * 6 * 3]);
        sampler.offer(6, &[1, 2, 3]); // not a whole frame: not kept
        let samples = sampler.finish();
        assert_eq!(samples.len(), 1);
        let sample = &samples[0];
        assert_eq!((sample.frame_number, sample.timestamp_seconds), (5, 0.5));
        assert_eq!((sample.thumbnail.width, sample.thumbnail.height), (4, 3));
        assert!(sample.thumbnail.rgb.iter().all(|&v| v == 200));
    }
}
