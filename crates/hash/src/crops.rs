//! Finding cropped copies of images Vigie holds (issue 16). PDQ does not survive a crop: 5 % off
//! one side moves a hash 50–90 bits. So for the images it holds, Vigie keeps a small grey
//! sketch, and a query is compared with a sketch as a crop of it:
//!
//! 1. Alignment. The mean of each column (and of each row) of an image is its brightness
//!    profile; a crop of the original keeps a stretch of the original's profiles. For each axis,
//!    a search over the share kept ([`MIN_KEPT`] to all of it) and the offset finds the stretch
//!    whose shape (first differences, centred, unit norm: brightness and contrast do not count)
//!    correlates best with the query's; then each axis again over the rows (columns) the other
//!    one kept.
//! 2. Verification. The aligned region of the sketch is hashed with PDQ and compared with the
//!    query sketch's own hash. The alignment only proposes; PDQ decides, at the caller's
//!    threshold, so an unrelated image gets one comparison as in any lookup.
//!
//! Measured in bench/robust on 30 photographs: 93–100 % of copies cropped 5 to 20 % (one side,
//! two sides, centred) found within 31 bits, no false match among 5,220 unrelated pairs, the
//! nearest unrelated pair 86 bits away after alignment; the first pass's agreement
//! ([`CropMatch::gate`]) is under 0.5 for every unrelated pair and above 0.7 for every crop
//! found. Written by
//! hand: no crate aligns profiles, and it is a few loops.

use crate::borders::Bounds;
use crate::thumbnail::{Downscaler, thumbnail_size};
use crate::{Error, ErrorKind, PdqHash, hash_gray, rgb_luma};

/// The longer side of a sketch, in pixels: enough for PDQ's 64x64 grid on a region of 72 %.
pub const SKETCH_SIDE: u32 = 256;

/// The smallest share of the original's width (or height) a copy may keep: crops of up to 28 %
/// of a side. Deeper crops are out of reach (a crop of 30 % is found one time in ten).
pub const MIN_KEPT: f32 = 0.72;

/// Samples of a profile compared in the alignment.
const PROFILE_SAMPLES: usize = 128;

/// A small grey copy of an image, and its PDQ hash: what a crop is compared with.
#[derive(Clone, PartialEq, Eq)]
pub struct CropSketch {
    // Private: the alignment indexes `grey` by the sides, which `from_grey` checked.
    width: u32,
    height: u32,
    grey: Vec<u8>,
    hash: PdqHash,
}

impl std::fmt::Debug for CropSketch {
    // The pixels may show reported content: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CropSketch").field("width", &self.width).field("height", &self.height).finish_non_exhaustive()
    }
}

impl CropSketch {
    /// The sketch of `rgb` (`width` x `height`, 3 bytes a pixel), scaled by area averaging so
    /// that its longer side is at most [`SKETCH_SIDE`].
    pub fn from_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<CropSketch, Error> {
        let mut scaler = Downscaler::new(width, height, SKETCH_SIDE)?;
        let row_bytes = width as usize * 3;
        for row in rgb.chunks_exact(row_bytes.max(1)).take(height as usize) {
            scaler.push_rgb_row(row);
        }
        let small = scaler.finish();
        let luma: Vec<f32> = small.rgb.chunks_exact(3).map(|pixel| rgb_luma(pixel[0], pixel[1], pixel[2])).collect();
        let grey = smooth(small.width as usize, small.height as usize, &luma);
        CropSketch::from_grey(small.width, small.height, grey)
    }

    /// A sketch from grey pixels already at sketch size (as stored): `width * height` bytes,
    /// row-major; refused when the sizes do not agree or are larger than a sketch's.
    pub fn from_grey(width: u32, height: u32, grey: Vec<u8>) -> Result<CropSketch, Error> {
        if width == 0 || height == 0 || thumbnail_size(width, height, SKETCH_SIDE) != (width, height) {
            let message = format!("a crop sketch is 1 to {SKETCH_SIDE} pixels a side, not {width}x{height}");
            return Err(Error::new(ErrorKind::InvalidInput { message }));
        }
        let hash = hash_gray(width, height, &grey)?.hash;
        Ok(CropSketch { width, height, grey, hash })
    }

    /// Width in pixels (at most [`SKETCH_SIDE`]).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// `width * height` bytes of luma, row-major: what is stored.
    pub fn grey(&self) -> &[u8] {
        &self.grey
    }

    /// The PDQ hash of the sketch.
    pub fn hash(&self) -> PdqHash {
        self.hash
    }

    /// The mean of each column over rows `from..to` (`along_x`), or of each row over columns.
    fn profile(&self, along_x: bool, (from, to): (f32, f32)) -> Vec<f32> {
        let (length, other) = if along_x { (self.width, self.height) } else { (self.height, self.width) };
        let first = ((from * other as f32) as u32).min(other.saturating_sub(1));
        let last = ((to * other as f32).ceil() as u32).clamp(first + 1, other.max(first + 1));
        let at = |i: u32, j: u32| {
            let (x, y) = if along_x { (i, j) } else { (j, i) };
            f32::from(self.grey[(y * self.width + x) as usize])
        };
        (0..length).map(|i| (first..last).map(|j| at(i, j)).sum::<f32>() / (last - first) as f32).collect()
    }
}

/// `luma` (`width` x `height`) through a [1 2 1] filter each way, edges repeated. Area
/// averaging alone aliases fine patterns differently for a crop and for its original (their
/// pixel grids differ): in bench/robust's small evaluation, smoothing finds 42 of 48
/// synthetic crops instead of 33.
fn smooth(width: usize, height: usize, luma: &[f32]) -> Vec<u8> {
    let at = |x: usize, y: usize| luma[y * width + x];
    let mut across = vec![0.0f32; luma.len()];
    for y in 0..height {
        for x in 0..width {
            let (left, right) = (at(x.saturating_sub(1), y), at((x + 1).min(width - 1), y));
            across[y * width + x] = (left + 2.0 * at(x, y) + right) / 4.0;
        }
    }
    let mut out = vec![0u8; luma.len()];
    for y in 0..height {
        for x in 0..width {
            let (up, down) = (across[y.saturating_sub(1) * width + x], across[(y + 1).min(height - 1) * width + x]);
            out[y * width + x] = ((up + 2.0 * across[y * width + x] + down) / 4.0).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// How a query compares with a sketch as a crop of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CropMatch {
    /// The PDQ distance between the query's sketch and the aligned region of the original's.
    pub distance: u32,
    /// How well the profiles agree in the first pass (the lower of the two axes, -1 to 1), from
    /// the original's whole-image profiles alone.
    pub gate: f32,
    /// The region of the original's sketch the query matches.
    pub region: Bounds,
}

/// The query (`copy`) compared with `original` as a crop of it.
pub fn crop_match(copy: &CropSketch, original: &CropSketch) -> CropMatch {
    let whole = (0.0, 1.0);
    let copy_x = copy.profile(true, whole);
    let copy_y = copy.profile(false, whole);
    let first_x = align(&copy_x, &original.profile(true, whole));
    let first_y = align(&copy_y, &original.profile(false, whole));
    let gate = first_x.score.min(first_y.score);
    // Each axis again, over the stretch of the other that the copy kept.
    let x = align(&copy_x, &original.profile(true, first_y.range()));
    let y = align(&copy_y, &original.profile(false, first_x.range()));
    let region = region_of(original, x, y);
    let mut pixels = Vec::with_capacity((region.width() * region.height()) as usize);
    for row in region.y0..region.y1 {
        let start = (row * original.width + region.x0) as usize;
        pixels.extend_from_slice(&original.grey[start..start + region.width() as usize]);
    }
    let distance = match hash_gray(region.width(), region.height(), &pixels) {
        Ok(output) => output.hash.distance(&copy.hash),
        Err(_) => 256,
    };
    CropMatch { distance, gate, region }
}

/// The best stretch of a profile: the share skipped before it, the share kept, the agreement.
#[derive(Clone, Copy, Debug)]
struct Stretch {
    start: f32,
    kept: f32,
    score: f32,
}

impl Stretch {
    fn range(self) -> (f32, f32) {
        (self.start, self.start + self.kept)
    }
}

/// The stretch of `original` that best explains `copy`: a coarse search over the whole range,
/// then a fine one around the best.
fn align(copy: &[f32], original: &[f32]) -> Stretch {
    let target = shape(&resample(copy, 0.0, 1.0));
    let mut samples = vec![0.0; PROFILE_SAMPLES];
    let mut score = |start: f32, kept: f32| {
        resample_into(original, start, kept, &mut samples);
        let candidate = shape(&samples);
        candidate.iter().zip(&target).map(|(a, b)| a * b).sum::<f32>()
    };
    let mut best = Stretch { start: 0.0, kept: 1.0, score: score(0.0, 1.0) };
    let mut search = |best: &mut Stretch, kept: (f32, f32, f32), start: (f32, f32, f32)| {
        let mut share = kept.0.max(MIN_KEPT);
        while share <= kept.1.min(1.0) + 1e-6 {
            let mut offset = start.0.max(0.0);
            while offset <= start.1.min(1.0 - share) + 1e-6 {
                let value = score(offset, share);
                if value > best.score {
                    *best = Stretch { start: offset, kept: share, score: value };
                }
                offset += start.2;
            }
            share += kept.2;
        }
    };
    search(&mut best, (MIN_KEPT, 1.0, 0.02), (0.0, 1.0, 0.01));
    let coarse = best;
    search(
        &mut best,
        (coarse.kept - 0.02, coarse.kept + 0.02, 0.004),
        (coarse.start - 0.01, coarse.start + 0.01, 0.002),
    );
    best
}

/// `profile` read over `[start, start + kept)` of its length, at [`PROFILE_SAMPLES`] points.
fn resample(profile: &[f32], start: f32, kept: f32) -> Vec<f32> {
    let mut out = vec![0.0; PROFILE_SAMPLES];
    resample_into(profile, start, kept, &mut out);
    out
}

fn resample_into(profile: &[f32], start: f32, kept: f32, out: &mut [f32]) {
    let length = profile.len() as f32;
    let samples = out.len() as f32;
    for (i, value) in out.iter_mut().enumerate() {
        let x = ((start + kept * (i as f32 + 0.5) / samples) * length - 0.5).clamp(0.0, (length - 1.0).max(0.0));
        let low = x.floor() as usize;
        let high = (low + 1).min(profile.len() - 1);
        let t = x - low as f32;
        *value = profile[low] * (1.0 - t) + profile[high] * t;
    }
}

/// First differences, centred and scaled to unit norm.
fn shape(profile: &[f32]) -> Vec<f32> {
    let mut diffs: Vec<f32> = profile.windows(2).map(|pair| pair[1] - pair[0]).collect();
    let mean = diffs.iter().sum::<f32>() / diffs.len().max(1) as f32;
    diffs.iter_mut().for_each(|d| *d -= mean);
    let norm = diffs.iter().map(|d| d * d).sum::<f32>().sqrt().max(1e-6);
    diffs.iter_mut().for_each(|d| *d /= norm);
    diffs
}

/// The pixels of the sketch that stretches `x` and `y` cover, at least 8 a side.
fn region_of(sketch: &CropSketch, x: Stretch, y: Stretch) -> Bounds {
    let span = |stretch: Stretch, side: u32| {
        let length = ((stretch.kept * side as f32).round() as u32).clamp(8.min(side), side);
        let start = ((stretch.start * side as f32).round() as u32).min(side - length);
        (start, start + length)
    };
    let (x0, x1) = span(x, sketch.width);
    let (y0, y1) = span(y, sketch.height);
    Bounds { x0, y0, x1, y1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic photograph: structure at several scales, its own per seed.
    fn picture(width: u32, height: u32, seed: u32) -> Vec<u8> {
        let s = seed as f32;
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height {
            for x in 0..width {
                let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
                let v = 128.0
                    + 60.0 * (fx * (7.0 + s) + fy * 3.0).sin()
                    + 40.0 * (fy * (11.0 + s) - fx * 5.0).cos()
                    + 25.0 * ((fx * fy) * (23.0 + s)).sin();
                let v = v.clamp(0.0, 255.0) as u8;
                rgb.extend_from_slice(&[v, v.wrapping_add((x / 9) as u8), 255 - v]);
            }
        }
        rgb
    }

    fn crop(width: u32, rgb: &[u8], bounds: Bounds) -> Vec<u8> {
        crate::borders::crop_rgb(width, rgb, bounds)
    }

    #[test]
    fn crops_of_each_kind_are_found_and_placed() {
        let (width, height) = (400, 300);
        let rgb = picture(width, height, 1);
        let original = CropSketch::from_rgb(width, height, &rgb).unwrap();
        let crops = [
            ("10 % off the right", Bounds { x0: 0, y0: 0, x1: 360, y1: 300 }),
            ("20 % off the left", Bounds { x0: 80, y0: 0, x1: 400, y1: 300 }),
            ("10 % off the top and the left", Bounds { x0: 40, y0: 30, x1: 400, y1: 300 }),
            ("5 % off every side", Bounds { x0: 20, y0: 15, x1: 380, y1: 285 }),
        ];
        for (name, bounds) in crops {
            let copy = CropSketch::from_rgb(bounds.width(), bounds.height(), &crop(width, &rgb, bounds)).unwrap();
            assert!(copy.hash.distance(&original.hash) > 31, "{name}: a crop moves the hash");
            let found = crop_match(&copy, &original);
            assert!(found.distance <= 31, "{name}: {found:?}");
            // The region found is where the crop was taken, within 2 % of the sketch.
            let scale = original.width as f32 / width as f32;
            let near = |a: u32, b: u32| (a as f32 - b as f32 * scale).abs() <= 0.02 * original.width as f32;
            let r = found.region;
            assert!(
                near(r.x0, bounds.x0) && near(r.x1, bounds.x1) && near(r.y0, bounds.y0) && near(r.y1, bounds.y1),
                "{name}: {r:?} for {bounds:?}"
            );
        }
    }

    #[test]
    fn a_copy_that_is_not_cropped_aligns_whole() {
        let rgb = picture(320, 240, 2);
        let original = CropSketch::from_rgb(320, 240, &rgb).unwrap();
        let found = crop_match(&original, &original);
        assert_eq!(found.distance, 0);
        assert_eq!(found.region, Bounds { x0: 0, y0: 0, x1: original.width, y1: original.height });
    }

    #[test]
    fn an_unrelated_image_is_not_a_crop() {
        let (width, height) = (400, 300);
        let original = CropSketch::from_rgb(width, height, &picture(width, height, 3)).unwrap();
        let other = picture(width, height, 9);
        let bounds = Bounds { x0: 0, y0: 0, x1: 360, y1: 300 };
        let copy = CropSketch::from_rgb(360, 300, &crop(width, &other, bounds)).unwrap();
        let found = crop_match(&copy, &original);
        assert!(found.distance > 31, "{found:?}");
    }

    #[test]
    fn tiny_and_degenerate_images_do_not_panic() {
        for (width, height) in [(1, 1), (1, 300), (300, 1), (9, 9)] {
            let rgb = picture(width, height, 4);
            let sketch = CropSketch::from_rgb(width, height, &rgb).unwrap();
            let _ = crop_match(&sketch, &sketch);
        }
        let flat = CropSketch::from_rgb(50, 50, &vec![128; 50 * 50 * 3]).unwrap();
        let _ = crop_match(&flat, &flat);
        assert!(CropSketch::from_rgb(0, 10, &[]).is_err());
        assert!(CropSketch::from_grey(300, 10, vec![0; 3000]).is_err(), "larger than a sketch");
        assert!(CropSketch::from_grey(10, 10, vec![0; 99]).is_err(), "sizes disagree");
    }
}
