//! vPDQ: Meta's video hash, the PDQ hashes of a video's frames, and its matching rule.
//!
//! This module holds the pure parts: hashing one decoded frame, the reference's text format,
//! the quality filter and deduplication, and the video-to-video match. Decoding videos (with
//! the `ffmpeg` program) is the job of the `vigie-video` crate.
//!
//! # What the reference computes
//!
//! Meta's vPDQ ([ThreatExchange `vpdq/`]) decodes every frame of the first video stream,
//! converts it to 8-bit RGB (optionally resized), and keeps frame `n` (counted from 0 in
//! decoding order) when `n % step == 0`, where `step = floor(seconds_per_hash * frame_rate)`
//! (at least 1; a `seconds_per_hash` of 0 keeps every frame, see [`frame_step`]). Each kept
//! frame gets a [`VpdqFrame`]: its number, the PDQ hash and quality of its pixels (the same
//! PDQ as for images, on the whole frame), and its timestamp `n / frame_rate` (computed in
//! `f32`, see [`frame_timestamp`]).
//!
//! # Matching
//!
//! Two videos are compared on their *unique good frames* ([`unique_frames`]): frames with a
//! quality under [`MatchThresholds::quality`] (default 50) are dropped, then frames whose hash
//! is identical to an earlier kept frame. The query's matched share is the percentage of its
//! unique frames within [`MatchThresholds::distance`] (default 31, inclusive) of at least one
//! of the candidate's unique frames; the candidate's share is the same the other way round.
//! The videos match when the query share is at least [`MatchThresholds::query_percent`]
//! (default 80) and the candidate share at least [`MatchThresholds::candidate_percent`]
//! (default 0), which are python-threatexchange's (and so HMA's) defaults. See
//! [`match_videos`].
//!
//! ## Matching against a bank of videos
//!
//! [`match_videos`] is pairwise. Over many videos, use a frame-level PDQ index and
//! [`match_from_hits`], which gives exactly the same result:
//!
//! 1. for every video of the bank, compute [`unique_frames`] and add one index entry per unique
//!    frame, whose id maps back to `(video, position in that video's unique frames)`; keep each
//!    video's number of unique frames;
//! 2. for a query, compute its [`unique_frames`] and search the index for each of them with
//!    radius [`MatchThresholds::distance`];
//! 3. group the hits by video: for video `v`, collect the pairs `(query position, candidate
//!    position)` of every hit;
//! 4. for every video with hits, call [`match_from_hits`] with the query's number of unique
//!    frames, `v`'s number of unique frames and its pairs. Videos without hits match nothing
//!    (0 % both ways), unless the thresholds are both 0.
//!
//! The index must return *every* entry within the radius (an exact range search, such as a
//! brute-force scan or a multi-index hash over all frames); an approximate index finds fewer
//! pairs and so lower percentages.
//!
//! [ThreatExchange `vpdq/`]: https://github.com/facebook/ThreatExchange/tree/main/vpdq
//!
//! ```
//! use vigie_hash::vpdq::{self, MatchThresholds};
//!
//! let text = "0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.000\n\
//!             1,100,c0f11178372c6aaccddea259648fbfd62f434c89c9e99b249772be216c8d055c,0.033\n";
//! let frames = vpdq::parse_text(text)?;
//! assert_eq!(frames.len(), 2);
//! assert_eq!(vpdq::format_text(&frames), text);
//!
//! let m = vpdq::match_videos(&frames, &frames, &MatchThresholds::default());
//! assert!(m.is_match);
//! assert_eq!(m.query_matched_percent, 100.0);
//! # Ok::<(), vpdq::ParseVpdqError>(())
//! ```

use std::collections::HashSet;
use std::fmt;

use crate::{Error, PdqHash};

/// The PDQ hash of one kept video frame, as the vPDQ reference outputs it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VpdqFrame {
    /// The frame's number in decoding order, from 0 (every decoded frame counts, kept or not).
    pub frame_number: u64,
    /// PDQ quality, 0..=100.
    pub quality: u8,
    /// PDQ hash of the frame's pixels.
    pub pdq: PdqHash,
    /// `frame_number / frame_rate`, in seconds (see [`frame_timestamp`]).
    pub timestamp_seconds: f64,
}

impl VpdqFrame {
    /// The line of the reference's text format, without the line break:
    /// `frame_number,quality,pdq_hex,seconds` with 3 decimals, e.g. `1,100,c0f1...055c,0.033`.
    pub fn to_line(&self) -> String {
        format!("{},{},{},{:.3}", self.frame_number, self.quality, self.pdq, self.timestamp_seconds)
    }
}

impl fmt::Display for VpdqFrame {
    /// Same as [`VpdqFrame::to_line`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{},{:.3}", self.frame_number, self.quality, self.pdq, self.timestamp_seconds)
    }
}

/// Hashes one decoded frame: packed 8-bit RGB, `width * height * 3` bytes, row-major.
///
/// The hash is the PDQ of the whole frame, exactly as [`crate::hash_rgb`] computes it (which
/// is what the reference's frame hasher does). Frames under 5 pixels on a side get the
/// all-zero hash with quality 0 (the reference refuses such videos altogether).
pub fn hash_frame_rgb(
    frame_number: u64,
    timestamp_seconds: f64,
    width: u32,
    height: u32,
    rgb: &[u8],
) -> Result<VpdqFrame, Error> {
    let out = crate::hash_rgb(width, height, rgb)?;
    Ok(VpdqFrame { frame_number, quality: out.quality, pdq: out.hash, timestamp_seconds })
}

/// Which frames are hashed: frame `n` is kept when `n % frame_step(..) == 0`.
///
/// As in the reference: `floor(seconds_per_hash * frame_rate)`, and 1 (every frame) when that
/// is 0, e.g. for `seconds_per_hash == 0`. Negative, infinite or NaN inputs also give 1.
pub fn frame_step(seconds_per_hash: f64, frame_rate: f64) -> u64 {
    let step = seconds_per_hash * frame_rate;
    if step.is_finite() && step >= 1.0 {
        // `as` saturates for huge values; a step larger than any video keeps frame 0 only.
        step as u64
    } else {
        1
    }
}

/// The reference's timestamp of frame `frame_number`: `frame_number / frame_rate`, computed
/// in `f32` (the reference's frame rate is a `float`), widened to `f64`. A frame rate that is
/// not positive and finite gives 0.
pub fn frame_timestamp(frame_number: u64, frame_rate: f64) -> f64 {
    let rate = frame_rate as f32;
    if !(rate.is_finite() && rate > 0.0) {
        return 0.0;
    }
    f64::from(frame_number as f32 / rate)
}

/// Writes frames in the reference's text format, one `frame,quality,pdq_hex,seconds` line each
/// (the format of the reference's `vpdq-hash-video` output and of its sample hash files).
pub fn format_text(frames: &[VpdqFrame]) -> String {
    let mut s = String::with_capacity(frames.len() * 80);
    for f in frames {
        s.push_str(&f.to_line());
        s.push('\n');
    }
    s
}

/// Why a line of vPDQ text could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseVpdqError {
    line: usize,
    reason: String,
}

impl ParseVpdqError {
    /// The 1-based number of the offending line.
    pub fn line(&self) -> usize {
        self.line
    }
}

impl fmt::Display for ParseVpdqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid vPDQ hash, line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for ParseVpdqError {}

/// Reads vPDQ text: one frame a line. Empty lines are skipped.
///
/// Two line forms are accepted:
/// * the reference's `frame_number,quality,pdq_hex,seconds` (what [`format_text`] writes);
/// * python-threatexchange's compact `pdq_hex,quality,seconds` (the strings of HMA's and
///   ThreatExchange's JSON vPDQ signals), where the frame number is the frame's position
///   among the lines.
///
/// Quality must be 0..=100 and seconds a finite number, not negative.
pub fn parse_text(text: &str) -> Result<Vec<VpdqFrame>, ParseVpdqError> {
    let mut frames = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let position = frames.len() as u64;
        frames.push(parse_line(line, position).map_err(|reason| ParseVpdqError { line: i + 1, reason })?);
    }
    Ok(frames)
}

fn parse_line(line: &str, position: u64) -> Result<VpdqFrame, String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let (frame, quality, hex, seconds) = match fields.as_slice() {
        [frame, quality, hex, seconds] => (Some(*frame), *quality, *hex, *seconds),
        [hex, quality, seconds] => (None, *quality, *hex, *seconds),
        _ => {
            return Err(format!(
                "expected frame,quality,pdq_hex,seconds (or pdq_hex,quality,seconds), got {} fields",
                fields.len()
            ));
        }
    };
    let frame_number = match frame {
        Some(f) => f.parse::<u64>().map_err(|_| format!("frame number {f:?} is not a whole number"))?,
        None => position,
    };
    let quality = match quality.parse::<u8>() {
        Ok(q) if q <= 100 => q,
        _ => return Err(format!("quality {quality:?} is not a whole number from 0 to 100")),
    };
    let pdq = hex.parse::<PdqHash>().map_err(|e| format!("{e} ({hex:?})"))?;
    let timestamp_seconds = match seconds.parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => s,
        _ => return Err(format!("seconds {seconds:?} is not a number of seconds")),
    };
    Ok(VpdqFrame { frame_number, quality, pdq, timestamp_seconds })
}

/// The parameters of the vPDQ match rule. The defaults are python-threatexchange's (what HMA
/// uses): distance 31, quality 50, query 80 %, candidate 0 %.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatchThresholds {
    /// Two frames match when their hashes differ in at most this many bits. Default 31.
    pub distance: u32,
    /// Frames with a lower quality are ignored. Default 50.
    pub quality: u8,
    /// The share of the query's unique frames that must match, in percent (inclusive).
    /// Default 80.
    pub query_percent: f64,
    /// The share of the candidate's unique frames that must match, in percent (inclusive).
    /// Default 0: a query that is a clip of a longer known video matches it.
    pub candidate_percent: f64,
}

impl MatchThresholds {
    /// Default [`MatchThresholds::distance`].
    pub const DEFAULT_DISTANCE: u32 = 31;
    /// Default [`MatchThresholds::quality`].
    pub const DEFAULT_QUALITY: u8 = 50;
    /// Default [`MatchThresholds::query_percent`].
    pub const DEFAULT_QUERY_PERCENT: f64 = 80.0;
    /// Default [`MatchThresholds::candidate_percent`].
    pub const DEFAULT_CANDIDATE_PERCENT: f64 = 0.0;
}

impl Default for MatchThresholds {
    fn default() -> Self {
        MatchThresholds {
            distance: Self::DEFAULT_DISTANCE,
            quality: Self::DEFAULT_QUALITY,
            query_percent: Self::DEFAULT_QUERY_PERCENT,
            candidate_percent: Self::DEFAULT_CANDIDATE_PERCENT,
        }
    }
}

/// The result of comparing a query video with a candidate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoMatch {
    /// Percentage (0..=100) of the query's unique good frames that match a candidate frame.
    pub query_matched_percent: f64,
    /// Percentage (0..=100) of the candidate's unique good frames that match a query frame.
    pub candidate_matched_percent: f64,
    /// Both percentages reach their thresholds (and both videos have unique good frames).
    pub is_match: bool,
}

/// The frames that take part in matching: those with a quality of at least `min_quality`,
/// without the frames whose hash is identical to an earlier one (the first is kept), in their
/// original order.
///
/// The reference's index (python-threatexchange `prepare_vpdq_feature`) filters then
/// deduplicates; its brute-force matcher deduplicates first. The two differ only when
/// identical hashes come with different qualities, which the same pixels cannot give; Vigie
/// filters first everywhere, so that pairwise and bank matching agree.
pub fn unique_frames(frames: &[VpdqFrame], min_quality: u8) -> Vec<VpdqFrame> {
    let mut seen = HashSet::with_capacity(frames.len());
    frames.iter().filter(|f| f.quality >= min_quality && seen.insert(f.pdq)).copied().collect()
}

/// Compares two videos with the vPDQ rule (see the [module documentation](self)): quality
/// filter and deduplication of both, then the shares of frames matched both ways.
///
/// Brute force, `O(query x candidate)` distance computations on unique frames; for many
/// candidates use an index and [`match_from_hits`].
pub fn match_videos(query: &[VpdqFrame], candidate: &[VpdqFrame], thresholds: &MatchThresholds) -> VideoMatch {
    let q: Vec<PdqHash> = unique_frames(query, thresholds.quality).iter().map(|f| f.pdq).collect();
    let c: Vec<PdqHash> = unique_frames(candidate, thresholds.quality).iter().map(|f| f.pdq).collect();
    match_unique(&q, &c, thresholds)
}

/// [`match_videos`] on hashes already filtered and deduplicated (see [`unique_frames`]).
/// `thresholds.quality` is not used.
pub fn match_unique(query: &[PdqHash], candidate: &[PdqHash], thresholds: &MatchThresholds) -> VideoMatch {
    let candidate_words: Vec<[u64; 4]> = candidate.iter().map(words).collect();
    let mut candidate_hit = vec![false; candidate.len()];
    let mut query_matched = 0usize;
    for q in query.iter().map(words) {
        let mut hit = false;
        for (c, seen) in candidate_words.iter().zip(candidate_hit.iter_mut()) {
            let d: u32 = (0..4).map(|i| (q[i] ^ c[i]).count_ones()).sum();
            if d <= thresholds.distance {
                hit = true;
                *seen = true;
            }
        }
        query_matched += usize::from(hit);
    }
    let candidate_matched = candidate_hit.iter().filter(|&&h| h).count();
    from_counts(query.len(), query_matched, candidate.len(), candidate_matched, thresholds)
}

/// The hash as four 64-bit words, for fast distances.
fn words(h: &PdqHash) -> [u64; 4] {
    let b = h.as_bytes();
    std::array::from_fn(|i| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i * 8..i * 8 + 8]);
        u64::from_be_bytes(w)
    })
}

/// The vPDQ match of a query against one candidate from the frame-level hits of an index (see
/// "Matching against a bank of videos" in the [module documentation](self)).
///
/// * `query_unique`: the number of the query's unique good frames ([`unique_frames`]);
/// * `candidate_unique`: the candidate's;
/// * `hits`: `(query position, candidate position)` for every pair of those unique frames
///   within [`MatchThresholds::distance`] (repeats are harmless; positions out of range are
///   ignored).
///
/// Gives the same [`VideoMatch`] as [`match_videos`] on the two videos' frames.
pub fn match_from_hits(
    query_unique: usize,
    candidate_unique: usize,
    hits: impl IntoIterator<Item = (usize, usize)>,
    thresholds: &MatchThresholds,
) -> VideoMatch {
    let mut q_hit = vec![false; query_unique];
    let mut c_hit = vec![false; candidate_unique];
    for (q, c) in hits {
        if q < query_unique && c < candidate_unique {
            q_hit[q] = true;
            c_hit[c] = true;
        }
    }
    let count = |v: &[bool]| v.iter().filter(|&&h| h).count();
    from_counts(query_unique, count(&q_hit), candidate_unique, count(&c_hit), thresholds)
}

fn from_counts(
    query_total: usize,
    query_matched: usize,
    candidate_total: usize,
    candidate_matched: usize,
    thresholds: &MatchThresholds,
) -> VideoMatch {
    // As the reference's C++ matcher: no unique good frame on either side is no match.
    if query_total == 0 || candidate_total == 0 {
        return VideoMatch { query_matched_percent: 0.0, candidate_matched_percent: 0.0, is_match: false };
    }
    let query_matched_percent = query_matched as f64 * 100.0 / query_total as f64;
    let candidate_matched_percent = candidate_matched as f64 * 100.0 / candidate_total as f64;
    VideoMatch {
        query_matched_percent,
        candidate_matched_percent,
        is_match: query_matched_percent >= thresholds.query_percent
            && candidate_matched_percent >= thresholds.candidate_percent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_and_timestamp_follow_the_reference() {
        assert_eq!(frame_step(0.0, 30.0), 1);
        assert_eq!(frame_step(1.0, 30.0), 30);
        assert_eq!(frame_step(1.0, 0.5), 1);
        assert_eq!(frame_step(0.5, 29.97), 14);
        assert_eq!(frame_step(f64::NAN, 30.0), 1);
        assert_eq!(frame_step(-1.0, 30.0), 1);
        assert_eq!(format!("{:.3}", frame_timestamp(1, 30.0)), "0.033");
        assert_eq!(format!("{:.3}", frame_timestamp(2, 30.0)), "0.067");
        assert_eq!(frame_timestamp(5, 0.0), 0.0);
        // An exact tie is rounded to even, as C's printf does.
        assert_eq!(format!("{:.3}", frame_timestamp(1, 16.0)), "0.062");
    }

    #[test]
    fn parse_rejects_bad_lines() {
        let hex = "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c";
        assert!(parse_text(&format!("0,100,{hex},0.000")).is_ok());
        assert!(parse_text(&format!("{hex},100,0.5\n\n{hex},90,1.5")).is_ok_and(|f| f[1].frame_number == 1));
        for bad in [
            format!("0,101,{hex},0.000"),
            format!("x,100,{hex},0.000"),
            format!("0,100,{hex},-1"),
            format!("0,100,{hex},nan"),
            "0,100,abc,0.0".to_string(),
            "0,100".to_string(),
        ] {
            let e = parse_text(&format!("\n{bad}")).unwrap_err();
            assert_eq!(e.line(), 2, "{bad}");
        }
    }

    #[test]
    fn empty_sides_do_not_match() {
        let t = MatchThresholds { query_percent: 0.0, ..MatchThresholds::default() };
        assert!(!match_videos(&[], &[], &t).is_match);
        assert!(!match_from_hits(0, 3, [(0, 0)], &t).is_match);
    }
}
