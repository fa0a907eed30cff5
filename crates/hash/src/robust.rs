//! More than one PDQ hash per query image, so that edited copies of a known image are found
//! (issue 16): from one decode, the hash itself (bit-exact with the reference), the seven other
//! dihedral hashes (rotations and flips, from the same DCT), and the dihedral hashes of two
//! reframings of the picture: with its uniform borders trimmed ([`crate::borders`]: letterbox,
//! pillarbox, padding) and the main picture found inside a frame ([`main_region`]: a
//! screenshot of a post, a caption band).
//!
//! The reframings are found and hashed on a working copy of the image scaled down to at most
//! [`WORKING_SIDE`] pixels a side, made by area averaging while the decoder streams rows into
//! the hash: PDQ itself scales every image down to 64x64, so a reframing's hash from the copy
//! is within a few bits of one from the full pixels (bench/robust measures it), for a fraction
//! of the time and memory. Written by hand: no crate finds content regions.

use std::fmt;
use std::io::{BufRead, Seek};

use crate::borders::{BORDER_TOLERANCE, Bounds, content_bounds, crop_rgb};
use crate::budget::Budget;
use crate::pdq::Filter;
use crate::sink::{HashTarget, RowSink, Target};
use crate::thumbnail::{Downscaler, Thumbnail};
use crate::{Error, Format, ImageHashes, Limits, PdqHash, decode, hash_rgb, image_hashes, open_stream};

/// The longer side of the working copy the reframings are found and hashed on.
pub const WORKING_SIDE: u32 = 768;

/// Reframed hashes under this PDQ quality are not looked up: a flat or tiny region would match
/// anything flat.
pub const MIN_VARIANT_QUALITY: u8 = 50;

/// Which part of the image a variant hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Frame {
    /// The whole image.
    Whole,
    /// The image with its uniform borders trimmed.
    Trimmed,
    /// The main picture found inside a frame.
    Region,
}

/// The edit a variant undoes: a copy found through `Rotate90` is the known image turned a
/// quarter turn clockwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Orientation {
    /// As it is.
    Identity,
    /// Turned 90 degrees clockwise.
    Rotate90,
    /// Turned upside down.
    Rotate180,
    /// Turned 90 degrees anticlockwise.
    Rotate270,
    /// Mirrored left to right.
    Mirror,
    /// Flipped top to bottom.
    Flip,
    /// Mirrored about the main diagonal (rows become columns).
    Transpose,
    /// Mirrored about the other diagonal.
    Transverse,
}

impl Orientation {
    /// In the order of [`crate::Dihedral::hashes`]: the edit that a copy whose `k`-th dihedral
    /// hash matches the known image has undergone (checked by the tests below on turned and
    /// flipped pixels).
    const BY_DIHEDRAL_INDEX: [Orientation; 8] = [
        Orientation::Identity,
        Orientation::Rotate90,
        Orientation::Rotate180,
        Orientation::Rotate270,
        Orientation::Flip,
        Orientation::Mirror,
        Orientation::Transpose,
        Orientation::Transverse,
    ];

    fn name(self) -> &'static str {
        match self {
            Orientation::Identity => "identity",
            Orientation::Rotate90 => "rotate90",
            Orientation::Rotate180 => "rotate180",
            Orientation::Rotate270 => "rotate270",
            Orientation::Mirror => "mirror",
            Orientation::Flip => "flip",
            Orientation::Transpose => "transpose",
            Orientation::Transverse => "transverse",
        }
    }
}

/// The position of the transpose (`flipplus1`) in [`crate::Dihedral::hashes`].
const TRANSPOSE_INDEX: usize = 6;

/// How a match was found: the part of the query hashed, and the rotation or flip undone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Via {
    /// The part hashed.
    pub frame: Frame,
    /// The rotation or flip undone.
    pub orientation: Orientation,
}

impl Via {
    /// The image's own hash, as the reference computes it.
    pub const IDENTITY: Via = Via { frame: Frame::Whole, orientation: Orientation::Identity };

    /// Every value, for documentation and parsing.
    pub fn all() -> impl Iterator<Item = Via> {
        [Frame::Whole, Frame::Trimmed, Frame::Region].into_iter().flat_map(|frame| {
            Orientation::BY_DIHEDRAL_INDEX.into_iter().map(move |orientation| Via { frame, orientation })
        })
    }

    /// Parses [`Via`]'s display form (`identity`, `rotate90`, `trimmed`, `region+mirror`...).
    pub fn parse(text: &str) -> Option<Via> {
        Via::all().find(|via| via.to_string() == text)
    }
}

impl fmt::Display for Via {
    /// `identity`, `rotate90`, `rotate180`, `rotate270`, `mirror`, `flip`, `transpose`,
    /// `transverse` for the whole image; `trimmed` and `region` for a reframing as it is, and
    /// `trimmed+rotate90`, `region+mirror`... for a reframing turned or flipped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let frame = match self.frame {
            Frame::Whole => return f.write_str(self.orientation.name()),
            Frame::Trimmed => "trimmed",
            Frame::Region => "region",
        };
        match self.orientation {
            Orientation::Identity => f.write_str(frame),
            other => write!(f, "{frame}+{}", other.name()),
        }
    }
}

/// One of the hashes a query image is looked up with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    /// How it was made.
    pub via: Via,
    /// The hash.
    pub hash: PdqHash,
    /// Its PDQ quality.
    pub quality: u8,
}

/// Variants other than the image's own hash as stored text: `via:hex` pairs joined by `;`.
pub fn format_variants(variants: &[Variant]) -> String {
    variants
        .iter()
        .filter(|variant| variant.via != Via::IDENTITY)
        .map(|variant| format!("{}:{}", variant.via, variant.hash.to_hex()))
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads [`format_variants`]' text back; pairs it cannot read are skipped.
pub fn parse_variants(text: &str) -> Vec<(Via, PdqHash)> {
    text.split(';')
        .filter_map(|pair| {
            let (via, hash) = pair.split_once(':')?;
            Some((Via::parse(via)?, hash.parse().ok()?))
        })
        .collect()
}

/// An image's own hashes and the variants to look it up with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RobustHashes {
    /// The image's hashes, bit-exact with the reference (what the plain path computes).
    pub image: ImageHashes,
    /// Every hash to look up, the image's own first (`Via::IDENTITY`), then its other
    /// dihedral hashes, then those of the trimmed picture and of the main region when they
    /// differ from the whole image and are of sufficient quality. Distinct hashes only.
    pub variants: Vec<Variant>,
    /// Where the trimmed picture lies, in the image's pixels, when borders were found.
    pub trimmed: Option<Bounds>,
    /// Where the main region lies, in the image's pixels, when one was found.
    pub region: Option<Bounds>,
}

/// [`crate::hash_image_reader`] and the variants, from one decode under the same limits (the
/// working copy is planned against the same memory budget).
pub fn hash_image_reader_robust<R: BufRead + Seek>(mut reader: R, limits: &Limits) -> Result<RobustHashes, Error> {
    let (format, len) = open_stream(&mut reader, limits)?;
    let (width, height, sink) = decode::decode_into(format, reader, len, limits, &RobustTarget)?;
    Ok(robust_from(format, width, height, sink))
}

/// [`hash_image_reader_robust`] on an image held in memory.
pub fn hash_image_bytes_robust(bytes: &[u8], limits: &Limits) -> Result<RobustHashes, Error> {
    hash_image_reader_robust(std::io::Cursor::new(bytes), limits)
}

/// The variants of packed 8-bit RGB pixels, as [`RobustHashes::variants`] (for callers that
/// hold pixels: benchmarks, tests).
pub fn variants_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<Variant>, Error> {
    let plain = hash_rgb(width, height, rgb)?;
    let mut scaler = Downscaler::new(width, height, WORKING_SIDE)?;
    if width > 0 {
        for row in rgb.chunks_exact(width as usize * 3) {
            scaler.push_rgb_row(row);
        }
    }
    let image = ImageHashes {
        pdq: plain.hash,
        quality: plain.quality,
        dihedral: plain.dihedral,
        width,
        height,
        format: Format::Png,
    };
    Ok(reframe(image, &scaler.finish()).variants)
}

fn robust_from(format: Format, width: u32, height: u32, (filter, scaler): (Filter, Downscaler)) -> RobustHashes {
    let image = image_hashes(format, width, height, filter.finish());
    reframe(image, &scaler.finish())
}

/// The variants of an image from its hashes and its working copy.
fn reframe(image: ImageHashes, working: &Thumbnail) -> RobustHashes {
    let mut variants = vec![Variant { via: Via::IDENTITY, hash: image.pdq, quality: image.quality }];
    let add = |variants: &mut Vec<Variant>, via: Via, hash: PdqHash, quality: u8| {
        if !variants.iter().any(|known| known.hash == hash) {
            variants.push(Variant { via, hash, quality });
        }
    };
    for (index, hash) in image.dihedral.hashes.iter().enumerate().skip(1) {
        let via = Via { frame: Frame::Whole, orientation: Orientation::BY_DIHEDRAL_INDEX[index] };
        add(&mut variants, via, *hash, image.quality);
    }
    let (w, h) = (working.width, working.height);
    // The DCT-domain rotations and flips above are not all exact: the working copy flipped back
    // gives the six that the image's own hash and transpose do not.
    for (orientation, hash, quality) in flipped_back(w, h, &working.rgb) {
        add(&mut variants, Via { frame: Frame::Whole, orientation }, hash, quality);
    }
    let whole = Bounds { x0: 0, y0: 0, x1: w, y1: h };
    // On a scaled-down copy an edge pixel averages border and picture: step one pixel in.
    let scaled = (w, h) != (image.width, image.height);
    let edge = |bounds: Bounds| if scaled { inset(bounds, w, h) } else { bounds };
    let trimmed = Some(edge(content_bounds(w, h, &working.rgb))).filter(|bounds| *bounds != whole);
    let region =
        main_region(w, h, &working.rgb).map(edge).filter(|bounds| *bounds != whole && Some(*bounds) != trimmed);
    for (frame, bounds) in [(Frame::Trimmed, trimmed), (Frame::Region, region)] {
        let Some(bounds) = bounds else { continue };
        let picture = crop_rgb(w, &working.rgb, bounds);
        let Ok(output) = hash_rgb(bounds.width(), bounds.height(), &picture) else {
            continue;
        };
        if output.quality < MIN_VARIANT_QUALITY {
            continue;
        }
        add(&mut variants, Via { frame, orientation: Orientation::Identity }, output.hash, output.quality);
        let via = Via { frame, orientation: Orientation::Rotate90 };
        add(&mut variants, via, output.dihedral.hashes[TRANSPOSE_INDEX], output.quality);
        for (orientation, hash, quality) in flipped_back(bounds.width(), bounds.height(), &picture) {
            add(&mut variants, Via { frame, orientation }, hash, quality);
        }
    }
    let scale = |bounds: Bounds| Bounds {
        x0: scale_to(bounds.x0, w, image.width),
        y0: scale_to(bounds.y0, h, image.height),
        x1: scale_to(bounds.x1, w, image.width),
        y1: scale_to(bounds.y1, h, image.height),
    };
    RobustHashes { trimmed: trimmed.map(scale), region: region.map(scale), variants, image }
}

/// The hashes of the six orientations of `rgb` (`width` x `height`) that its own hash and
/// transpose do not give: the DCT-domain rotations and flips are exact only along sides whose
/// length is a multiple of 64 (elsewhere PDQ's sample points do not mirror onto each other, and
/// a turned copy lands 15-50 bits away: bench/robust), while a transpose always is. So the
/// pixels are flipped back three ways, and each flip's hash and its transpose give two
/// orientations exactly.
fn flipped_back(width: u32, height: u32, rgb: &[u8]) -> Vec<(Orientation, PdqHash, u8)> {
    let mut out = Vec::with_capacity(6);
    for (orientation, transposed) in [
        (Orientation::Mirror, Orientation::Rotate90),
        (Orientation::Flip, Orientation::Rotate270),
        (Orientation::Rotate180, Orientation::Transverse),
    ] {
        if let Ok(output) = hash_rgb(width, height, &unflip(orientation, width, rgb)) {
            out.push((orientation, output.hash, output.quality));
            out.push((transposed, output.dihedral.hashes[TRANSPOSE_INDEX], output.quality));
        }
    }
    out
}

/// The image a copy flipped by `orientation` came from: `rgb` (`width` pixels a row) flipped
/// back, row by row. Only the flips that keep the sides (`Mirror`, `Flip`, `Rotate180`); any
/// other orientation gives the pixels as they are.
fn unflip(orientation: Orientation, width: u32, rgb: &[u8]) -> Vec<u8> {
    let row_bytes = width as usize * 3;
    if row_bytes == 0 {
        return rgb.to_vec();
    }
    let mut out = Vec::with_capacity(rgb.len());
    let reversed = |row: &[u8], out: &mut Vec<u8>| {
        for pixel in row.chunks_exact(3).rev() {
            out.extend_from_slice(pixel);
        }
    };
    match orientation {
        Orientation::Mirror => rgb.chunks_exact(row_bytes).for_each(|row| reversed(row, &mut out)),
        Orientation::Flip => rgb.chunks_exact(row_bytes).rev().for_each(|row| out.extend_from_slice(row)),
        Orientation::Rotate180 => rgb.chunks_exact(row_bytes).rev().for_each(|row| reversed(row, &mut out)),
        _ => out.extend_from_slice(rgb),
    }
    out
}

/// A coordinate on a side of `from` pixels, on the same side at `to` pixels.
fn scale_to(value: u32, from: u32, to: u32) -> u32 {
    u32::try_from(u64::from(value) * u64::from(to) / u64::from(from.max(1))).unwrap_or(to)
}

/// `bounds` one pixel further in on each side that was cut.
fn inset(bounds: Bounds, width: u32, height: u32) -> Bounds {
    let mut inner = bounds;
    if bounds.x0 > 0 {
        inner.x0 += 1;
    }
    if bounds.y0 > 0 {
        inner.y0 += 1;
    }
    if bounds.x1 < width {
        inner.x1 -= 1;
    }
    if bounds.y1 < height {
        inner.y1 -= 1;
    }
    if inner.x1 <= inner.x0 + 4 || inner.y1 <= inner.y0 + 4 { bounds } else { inner }
}

/// The main picture inside a frame (a screenshot of a post, a caption band, a watermark strip),
/// or `None`. The page's colour is the top-left pixel's; a row is busy when more than half its
/// pixels differ from it beyond [`BORDER_TOLERANCE`]. Lines of text are thin runs of busy rows
/// with page between them, so the tallest run of busy rows, if it is at least a fifth of the
/// height, is the picture's height; over those rows, the first and last columns busy in more
/// than half of them give its width. Measured in bench/robust: 29 of 30 screenshots of a post
/// found, no false match.
pub fn main_region(width: u32, height: u32, rgb: &[u8]) -> Option<Bounds> {
    let (w, h) = (width as usize, height as usize);
    if w < 8 || h < 8 || rgb.len() < w * h * 3 {
        return None;
    }
    let page = [rgb[0], rgb[1], rgb[2]];
    let differs: Vec<bool> = rgb[..w * h * 3]
        .chunks_exact(3)
        .map(|pixel| (0..3).any(|channel| pixel[channel].abs_diff(page[channel]) > BORDER_TOLERANCE))
        .collect();
    let busy_row = |y: usize| differs[y * w..(y + 1) * w].iter().filter(|&&d| d).count() * 2 > w;
    let (mut best, mut start) = ((0, 0), None);
    for y in 0..=h {
        match (y < h && busy_row(y), start) {
            (true, None) => start = Some(y),
            (false, Some(first)) => {
                if y - first > best.1 - best.0 {
                    best = (first, y);
                }
                start = None;
            }
            _ => {}
        }
    }
    let (y0, y1) = best;
    if (y1 - y0) * 5 < h || y1 - y0 == h {
        return None;
    }
    let mut column_counts = vec![0usize; w];
    for y in y0..y1 {
        for (count, &d) in column_counts.iter_mut().zip(&differs[y * w..(y + 1) * w]) {
            *count += usize::from(d);
        }
    }
    let rows = y1 - y0;
    let x0 = column_counts.iter().position(|&count| count * 2 > rows)?;
    let x1 = column_counts.iter().rposition(|&count| count * 2 > rows)? + 1;
    (x1 > x0 + 8).then_some(Bounds { x0: x0 as u32, y0: y0 as u32, x1: x1 as u32, y1: y1 as u32 })
}

/// Decoding into the PDQ filter and the working copy at once.
pub(crate) struct RobustTarget;

impl Target for RobustTarget {
    type Sink = (Filter, Downscaler);

    fn plan(&self, budget: &mut Budget, width: u32, height: u32) -> Result<(), Error> {
        HashTarget.plan(budget, width, height)?;
        let bytes = Downscaler::memory_bytes(width, height, WORKING_SIDE);
        budget.take(bytes, || format!("the working copy of a {width}x{height} image"))
    }

    fn sink(&self, width: u32, height: u32) -> Self::Sink {
        (HashTarget.sink(width, height), Downscaler::new_unchecked(width, height, WORKING_SIDE))
    }

    /// The hash's rule, so that the image's own hash stays the reference's.
    fn narrow16(&self, format: Format) -> fn(u16) -> u8 {
        HashTarget.narrow16(format)
    }
}

impl RowSink for (Filter, Downscaler) {
    #[inline]
    fn push(&mut self, row: &[u8], channels: usize) {
        self.0.push(row, channels);
        self.1.push(row, channels);
    }
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage, imageops};

    use super::*;

    /// A synthetic picture with structure at every scale (no two halves alike).
    fn picture(width: u32, height: u32, seed: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
            let s = seed as f32;
            let value = 128.0
                + 60.0 * (fx * (7.0 + s) + fy * 3.0).sin()
                + 40.0 * (fy * (11.0 + s) - fx * 5.0).cos()
                + 25.0 * ((fx * fy) * (23.0 + s)).sin();
            let v = value.clamp(0.0, 255.0) as u8;
            Rgb([v, v.wrapping_add((x / 9) as u8), 255 - v])
        })
    }

    fn variants(image: &RgbImage) -> Vec<Variant> {
        variants_rgb(image.width(), image.height(), image.as_raw()).unwrap()
    }

    /// The variant nearest to `target`: its distance and how it was found.
    fn nearest(variants: &[Variant], target: &PdqHash) -> (u32, Via) {
        variants.iter().map(|variant| (variant.hash.distance(target), variant.via)).min().unwrap()
    }

    #[test]
    fn each_rotation_and_flip_is_found_and_named() {
        let original = picture(320, 240, 1);
        let known = crate::hash_rgb(320, 240, original.as_raw()).unwrap().hash;
        let transposed = RgbImage::from_fn(240, 320, |x, y| *original.get_pixel(y, x));
        let transversed = imageops::rotate180(&transposed);
        let copies = [
            (imageops::rotate90(&original), Orientation::Rotate90),
            (imageops::rotate180(&original), Orientation::Rotate180),
            (imageops::rotate270(&original), Orientation::Rotate270),
            (imageops::flip_horizontal(&original), Orientation::Mirror),
            (imageops::flip_vertical(&original), Orientation::Flip),
            (transposed, Orientation::Transpose),
            (transversed, Orientation::Transverse),
        ];
        for (copy, orientation) in copies {
            let (distance, via) = nearest(&variants(&copy), &known);
            assert_eq!(distance, 0, "{orientation:?}: turned back in pixels, the very same hash");
            assert_eq!(via, Via { frame: Frame::Whole, orientation });
        }
    }

    #[test]
    fn bars_of_any_colour_are_trimmed() {
        let original = picture(300, 200, 2);
        let known = crate::hash_rgb(300, 200, original.as_raw()).unwrap().hash;
        for (colour, letterbox) in [([0, 0, 0], true), ([255, 255, 255], true), ([40, 90, 160], false)] {
            let (pad_x, pad_y) = if letterbox { (0, 40) } else { (50, 0) };
            let mut copy = RgbImage::from_pixel(300 + 2 * pad_x, 200 + 2 * pad_y, Rgb(colour));
            imageops::replace(&mut copy, &original, i64::from(pad_x), i64::from(pad_y));
            let plain = crate::hash_rgb(copy.width(), copy.height(), copy.as_raw()).unwrap().hash;
            assert!(plain.distance(&known) > 31, "bars move the plain hash");
            let (distance, via) = nearest(&variants(&copy), &known);
            assert!(distance <= 16, "{colour:?}: {distance}");
            assert_eq!(via.frame, Frame::Trimmed);
        }
    }

    #[test]
    fn a_barred_copy_turned_or_flipped_is_found_exactly() {
        // Sides that are not multiples of 64, where the DCT-domain flips are not exact.
        let original = picture(300, 200, 4);
        let known = crate::hash_rgb(300, 200, original.as_raw()).unwrap().hash;
        let mut barred = RgbImage::from_pixel(300, 290, Rgb([255, 255, 255]));
        imageops::replace(&mut barred, &original, 0, 45);
        let copies = [
            (imageops::rotate90(&barred), Orientation::Rotate90),
            (imageops::rotate180(&barred), Orientation::Rotate180),
            (imageops::rotate270(&barred), Orientation::Rotate270),
            (imageops::flip_horizontal(&barred), Orientation::Mirror),
            (imageops::flip_vertical(&barred), Orientation::Flip),
        ];
        for (copy, orientation) in copies {
            let (distance, via) = nearest(&variants(&copy), &known);
            assert_eq!(distance, 0, "{orientation:?}");
            assert_eq!(via, Via { frame: Frame::Trimmed, orientation });
        }
    }

    #[test]
    fn the_picture_inside_a_post_is_found() {
        let original = picture(400, 300, 3);
        let known = crate::hash_rgb(400, 300, original.as_raw()).unwrap().hash;
        let mut page = RgbImage::from_pixel(500, 520, Rgb([255, 255, 255]));
        // A header and lines of text, thin dark runs with page between them.
        for line in 0..4 {
            for y in 20 + line * 18..28 + line * 18 {
                for x in 50..450 {
                    if (x / 13) % 3 != 2 {
                        page.put_pixel(x, y, Rgb([40, 40, 40]));
                    }
                }
            }
        }
        imageops::replace(&mut page, &original, 50, 110);
        let (distance, via) = nearest(&variants(&page), &known);
        assert!(distance <= 16, "{distance}");
        assert_eq!(via, Via { frame: Frame::Region, orientation: Orientation::Identity });
    }

    #[test]
    fn an_image_without_border_or_frame_has_only_its_dihedral_hashes() {
        let original = picture(300, 200, 4);
        let output = crate::hash_rgb(300, 200, original.as_raw()).unwrap();
        let found = variants(&original);
        assert_eq!(found[0], Variant { via: Via::IDENTITY, hash: output.hash, quality: output.quality });
        assert!(found.iter().all(|variant| variant.via.frame == Frame::Whole), "{found:?}");
        assert!(found.len() >= 8, "{found:?}");
        let image = image::DynamicImage::ImageRgb8(original);
        let mut png = Vec::new();
        image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let robust = hash_image_bytes_robust(&png, &Limits::default()).unwrap();
        assert_eq!((robust.trimmed, robust.region), (None, None));
        assert_eq!(robust.image, crate::hash_image_bytes(&png, &Limits::default()).unwrap());
    }

    #[test]
    fn variants_round_trip_as_text() {
        let found = variants(&picture(200, 150, 5));
        let text = format_variants(&found);
        let parsed = parse_variants(&text);
        assert_eq!(parsed.len(), found.len() - 1, "the image's own hash is stored on its own");
        for ((via, hash), variant) in parsed.iter().zip(&found[1..]) {
            assert_eq!((*via, *hash), (variant.via, variant.hash));
        }
        assert!(parse_variants("").is_empty());
        assert!(parse_variants("sideways:00;rotate90:zz").is_empty());
    }

    #[test]
    fn via_names_round_trip() {
        let names: Vec<String> = Via::all().map(|via| via.to_string()).collect();
        assert_eq!(names.len(), 24);
        assert!(names.contains(&"identity".into()) && names.contains(&"region+mirror".into()));
        for via in Via::all() {
            assert_eq!(Via::parse(&via.to_string()), Some(via));
        }
        assert_eq!(Via::parse("sideways"), None);
    }
}
