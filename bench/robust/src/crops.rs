//! A prototype of finding cropped copies (issue 16), measured before it is built into Vigie:
//! the bank keeps a small grey thumbnail of each image it holds; a query is aligned with each
//! thumbnail by its brightness profiles (the mean of each column and of each row: a crop of
//! the original is a stretch of those profiles, found by a search over scale and offset, one
//! axis at a time), and the aligned region of the thumbnail is hashed with PDQ and compared
//! with the query's own thumbnail hash at the usual threshold. The search only proposes; the
//! PDQ comparison decides, so an unrelated image gets one comparison, like any lookup.

use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage};
use vigie_hash::PdqHash;

/// The longer side of the thumbnails compared.
pub const THUMBNAIL_SIDE: u32 = 256;

/// The smallest share of the original's width (or height) a copy may keep: crops up to 28 %.
const MIN_KEPT: f32 = 0.72;

/// A grey thumbnail and its PDQ hash.
pub struct Thumbnail {
    grey: GrayImage,
    hash: PdqHash,
}

pub fn thumbnail(image: &RgbImage) -> Thumbnail {
    let scale = THUMBNAIL_SIDE as f32 / image.width().max(image.height()) as f32;
    let (w, h) = if scale < 1.0 {
        (((image.width() as f32 * scale) as u32).max(8), ((image.height() as f32 * scale) as u32).max(8))
    } else {
        (image.width(), image.height())
    };
    let grey = imageops::grayscale(&imageops::resize(image, w, h, FilterType::Triangle));
    let hash = grey_hash(&grey);
    Thumbnail { grey, hash }
}

fn grey_hash(grey: &GrayImage) -> PdqHash {
    let rgb: Vec<u8> = grey.as_raw().iter().flat_map(|&v| [v, v, v]).collect();
    vigie_hash::hash_rgb(grey.width(), grey.height(), &rgb).map(|output| output.hash).unwrap_or_default()
}

/// Column means over rows `rows` (or row means over columns, `columns_of == false`).
fn profile(grey: &GrayImage, along_x: bool, across: (f32, f32)) -> Vec<f32> {
    let (w, h) = grey.dimensions();
    let (length, other) = if along_x { (w, h) } else { (h, w) };
    let from = ((across.0 * other as f32) as u32).min(other - 1);
    let to = ((across.1 * other as f32).ceil() as u32).clamp(from + 1, other);
    (0..length)
        .map(|i| {
            let sum: u32 = (from..to)
                .map(|j| u32::from(if along_x { grey.get_pixel(i, j)[0] } else { grey.get_pixel(j, i)[0] }))
                .sum();
            sum as f32 / (to - from) as f32
        })
        .collect()
}

/// First differences, centred and scaled to unit norm: what the alignment compares, so that
/// brightness and contrast do not matter and edges weigh more than slow gradients.
fn shape(profile: &[f32]) -> Vec<f32> {
    let diffs: Vec<f32> = profile.windows(2).map(|pair| pair[1] - pair[0]).collect();
    let mean = diffs.iter().sum::<f32>() / diffs.len().max(1) as f32;
    let centred: Vec<f32> = diffs.iter().map(|d| d - mean).collect();
    let norm = centred.iter().map(|d| d * d).sum::<f32>().sqrt().max(1e-6);
    centred.iter().map(|d| d / norm).collect()
}

/// `profile` read over `[start, start + kept)` of its length, at `samples` points.
fn stretch(profile: &[f32], start: f32, kept: f32, samples: usize) -> Vec<f32> {
    let m = profile.len() as f32;
    (0..samples)
        .map(|i| {
            let x = (start + kept * (i as f32 + 0.5) / samples as f32) * m - 0.5;
            let x = x.clamp(0.0, m - 1.0);
            let (low, t) = (x.floor() as usize, x.fract());
            let high = (low + 1).min(profile.len() - 1);
            profile[low] * (1.0 - t) + profile[high] * t
        })
        .collect()
}

/// The stretch of the original's profile that best explains the copy's: (start, kept, score).
/// A coarse search over the whole range, then a fine one around the best.
fn align(copy: &[f32], original: &[f32]) -> (f32, f32, f32) {
    let copy = stretch(copy, 0.0, 1.0, PROFILE_SAMPLES);
    let target = shape(&copy);
    let score = |start: f32, kept: f32| -> f32 {
        let candidate = shape(&stretch(original, start, kept, PROFILE_SAMPLES));
        candidate.iter().zip(&target).map(|(a, b)| a * b).sum()
    };
    let search = |best: &mut (f32, f32, f32),
                  kept_range: (f32, f32),
                  kept_step: f32,
                  start_range: (f32, f32),
                  start_step: f32| {
        let mut kept = kept_range.0.max(MIN_KEPT);
        while kept <= kept_range.1.min(1.0) + 1e-6 {
            let mut start = start_range.0.max(0.0);
            while start <= start_range.1.min(1.0 - kept) + 1e-6 {
                let value = score(start, kept);
                if value > best.2 {
                    *best = (start, kept, value);
                }
                start += start_step;
            }
            kept += kept_step;
        }
    };
    let mut best = (0.0, 1.0, score(0.0, 1.0));
    search(&mut best, (MIN_KEPT, 1.0), 0.02, (0.0, 1.0), 0.01);
    let (start, kept, _) = best;
    search(&mut best, (kept - 0.02, kept + 0.02), 0.004, (start - 0.01, start + 0.01), 0.002);
    best
}

/// Samples of a profile compared in the alignment.
const PROFILE_SAMPLES: usize = 128;

/// How a copy compares with an original as a crop of it.
pub struct CropMatch {
    /// The PDQ distance between the copy's thumbnail and the aligned region of the original's.
    pub distance: u32,
    /// How well the profiles agree before any refinement (the lower of the two axes' scores,
    /// -1..=1), from the original's whole-image profiles only: what an index could hold in
    /// memory to pass over unrelated images before loading any thumbnail.
    pub gate: f32,
}

/// The nearest the copy comes to the original as a crop of it.
pub fn crop_distance(copy: &Thumbnail, original: &Thumbnail) -> CropMatch {
    let copy_x = profile(&copy.grey, true, (0.0, 1.0));
    let copy_y = profile(&copy.grey, false, (0.0, 1.0));
    let (x_start, x_kept, x_score) = align(&copy_x, &profile(&original.grey, true, (0.0, 1.0)));
    let (y_start, y_kept, y_score) = align(&copy_y, &profile(&original.grey, false, (0.0, 1.0)));
    let gate = x_score.min(y_score);
    // Each axis again, over the stretch of the other that the copy kept.
    let x = align(&copy_x, &profile(&original.grey, true, (y_start, y_start + y_kept)));
    let y = align(&copy_y, &profile(&original.grey, false, (x_start, x_start + x_kept)));
    let (w, h) = original.grey.dimensions();
    let (x0, y0) = ((x.0 * w as f32).round() as u32, (y.0 * h as f32).round() as u32);
    let (cw, ch) = ((x.1 * w as f32).round() as u32, (y.1 * h as f32).round() as u32);
    let (cw, ch) = (cw.min(w - x0.min(w - 8)).max(8), ch.min(h - y0.min(h - 8)).max(8));
    let region = imageops::crop_imm(&original.grey, x0.min(w - cw), y0.min(h - ch), cw, ch).to_image();
    CropMatch { distance: grey_hash(&region).distance(&copy.hash), gate }
}
