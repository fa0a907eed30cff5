//! Perceptual and cryptographic hashes of images, for matching known terrorist content.
//!
//! The perceptual hash is [PDQ], the one platforms exchange through GIFCT's hash-sharing
//! database, Meta's Hasher-Matcher-Actioner (HMA) and python-threatexchange. Vigie's PDQ gives
//! the same 256 bits and the same 0..=100 quality as Meta's C++ reference for the same pixels,
//! including the eight rotated and flipped variants, and decodes JPEG with libjpeg-turbo (as the
//! reference, Pillow and HMA do) so that the pixels are the same too.
//!
//! The library is pure: it takes bytes or pixels and returns values. Reading files, walking
//! folders and printing are the job of the `vigie hash` command.
//!
//! ```
//! use vigie_hash::{Limits, PdqHash, hash_image_bytes, hash_rgb, sha256_hex};
//!
//! // From pixels: a 64x48 gradient.
//! let (w, h) = (64u32, 48u32);
//! let rgb: Vec<u8> = (0..w * h).flat_map(|i| {
//!     let (x, y) = (i % w, i / w);
//!     [(x * 4) as u8, (y * 5) as u8, 128]
//! }).collect();
//! let out = hash_rgb(w, h, &rgb)?;
//! assert_eq!(out.hash.to_hex().len(), 64);
//! assert!(out.quality <= 100);
//!
//! // From a file's bytes (here a PNG made on the spot).
//! let mut png = Vec::new();
//! image::RgbImage::from_raw(w, h, rgb.clone()).unwrap()
//!     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
//! let hashes = hash_image_bytes(&png, &Limits::default())?;
//! assert_eq!(hashes.pdq, out.hash);
//! assert_eq!((hashes.width, hashes.height), (w, h));
//!
//! // Hex round trip and distance (a match is a distance of 31 or less).
//! let parsed: PdqHash = hashes.pdq.to_hex().parse().unwrap();
//! assert_eq!(parsed.distance(&hashes.pdq), 0);
//! assert_eq!(sha256_hex(b"abc").len(), 64);
//! # Ok::<(), vigie_hash::Error>(())
//! ```
//!
//! What is decoded, and how:
//! * JPEG through libjpeg-turbo, integer IDCT, fancy upsampling; EXIF orientation is ignored,
//!   as by the reference (a rotated copy is found through the [`Dihedral`] hashes instead).
//!   CMYK JPEGs are converted to RGB the way Pillow does (the reference cannot read them).
//! * PNG, GIF (first frame), WebP, BMP, TIFF through the `image` crate. Palette images are
//!   hashed on their colours; alpha is ignored; grey images use the grey level as luminance,
//!   as the reference does. 16-bit samples: see the crate README.
//! * Images under 5 pixels on a side hash to all zeros with quality 0, as in the reference.
//!
//! Every input is checked against [`Limits`]: its size; then, from the header and before any
//! pixel memory is allocated, its pixel count and the memory decoding will take, counting
//! pixels as decoded (bit depth and channels) and everything a decoder inflates or keeps (ICC
//! profiles, text and metadata chunks, TIFF tag values, libjpeg's coefficient buffer for
//! progressive JPEGs). JPEG and non-interlaced PNG and GIF stream row by row into the hash, so
//! their memory is a few dozen rows whatever the image's height. No input makes the library
//! panic.
//!
//! [PDQ]: https://github.com/facebook/ThreatExchange/tree/main/pdq

#![deny(missing_docs)]

pub mod borders;
mod budget;
pub mod crops;
mod decode;
mod digest;
mod error;
mod gif_rows;
mod hash;
mod jpeg;
mod pdq;
mod png_rows;
pub mod robust;
mod sink;
mod thumbnail;
mod tiff_ifd;
pub mod vpdq;
mod webp_lossless;

pub use decode::{Format, detect_format};
pub use digest::{md5_hex, sha256_hex};
pub use error::{Error, ErrorKind};
pub use hash::{Dihedral, ParseHashError, PdqHash};
pub use thumbnail::{Downscaler, Thumbnail, thumbnail_size};

use std::io::{BufRead, Seek, SeekFrom};

/// Not part of the API: hooks for this crate's tests and benchmarks.
#[doc(hidden)]
pub mod __internal {
    use crate::{Error, Limits, jpeg, pdq};

    /// Decodes a JPEG to its pixels (grey or RGB): `(width, height, channels, bytes)`.
    pub fn decode_jpeg_pixels(bytes: &[u8]) -> Result<(u32, u32, usize, Vec<u8>), Error> {
        let mut reader = jpeg::Reader::open(jpeg::Input::Bytes(bytes), &Limits::default(), &crate::sink::HashTarget)?;
        let mut buf = reader.row_buffer();
        let mut out = Vec::new();
        while reader.read_rows(&mut buf, |row| match row {
            jpeg::Row::Gray(p) | jpeg::Row::Rgb(p) => out.extend_from_slice(p),
        })? > 0
        {}
        Ok((reader.width(), reader.height(), reader.channels(), out))
    }

    /// The reference's debugging taps for the plain hash of an image file.
    pub struct Intermediates {
        /// The 64x64 buffer (row-major) the DCT reads.
        pub buffer64: Vec<f32>,
        /// The 16x16 DCT output (row-major).
        pub dct16: Vec<f32>,
        /// The median of `dct16`.
        pub median: f32,
    }

    /// Computes [`Intermediates`] for an image file's bytes.
    pub fn intermediates(bytes: &[u8]) -> Result<Intermediates, Error> {
        let limits = Limits::default();
        let format = crate::detect_format(bytes).ok_or_else(|| Error::new(crate::ErrorKind::UnsupportedFormat))?;
        let (_, _, filtered) = crate::decode::decode_bytes(format, bytes, &limits)?;
        let f = filtered.ok_or_else(|| Error::decode(format, "image too small"))?;
        let buf = f.raw64.as_deref().unwrap_or(&f.filtered);
        let dct = pdq::dct64_to_16(buf);
        Ok(Intermediates {
            buffer64: buf.iter().flatten().copied().collect(),
            dct16: dct.iter().flatten().copied().collect(),
            median: pdq::median(&dct),
        })
    }
}

/// Resource limits applied before decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes. Default: 64 MiB.
    pub max_bytes: u64,
    /// Largest image accepted, in pixels (width x height, as declared by the header).
    /// Default: 100 megapixels, well above any camera photo or screenshot.
    pub max_pixels: u64,
    /// Most memory one decode may take, in bytes, besides the input itself when it is passed
    /// in memory: pixels that must be held whole (interlaced PNG and GIF, WebP, BMP, TIFF; a
    /// progressive JPEG's coefficients), everything a decoder inflates or keeps (ICC profiles,
    /// text and EXIF chunks, TIFF tag values), decoder buffers, and the hashing filter. JPEG
    /// and non-interlaced PNG and GIF are streamed row by row and take a few MiB at most, so
    /// this limit bounds the other formats: at the default, 96 MiB, a WebP photo of about
    /// 12 megapixels, a BMP or interlaced PNG of 30, a TIFF of 15, a progressive JPEG of 30
    /// (4:2:0) or 15 (4:4:4). Two decodes at this limit, plus a server's own memory, fit in
    /// 300 MB.
    pub max_memory_bytes: u64,
}

impl Limits {
    /// 64 MiB.
    pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;
    /// 100 megapixels.
    pub const DEFAULT_MAX_PIXELS: u64 = 100_000_000;
    /// 96 MiB.
    pub const DEFAULT_MAX_MEMORY_BYTES: u64 = 96 << 20;

    /// Checks an input size against [`Limits::max_bytes`]. Callers reading files can call this
    /// with the file's length before reading it.
    pub fn check_bytes(&self, bytes: u64) -> Result<(), Error> {
        if bytes > self.max_bytes {
            return Err(Error::new(ErrorKind::TooLarge { bytes, max_bytes: self.max_bytes }));
        }
        Ok(())
    }

    /// Checks declared dimensions against [`Limits::max_pixels`].
    pub fn check_pixels(&self, width: u64, height: u64) -> Result<(), Error> {
        match width.checked_mul(height) {
            Some(p) if p <= self.max_pixels => Ok(()),
            _ => Err(Error::new(ErrorKind::TooManyPixels { width, height, max_pixels: self.max_pixels })),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_pixels: Self::DEFAULT_MAX_PIXELS,
            max_memory_bytes: Self::DEFAULT_MAX_MEMORY_BYTES,
        }
    }
}

/// The PDQ hash of some pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PdqOutput {
    /// The hash.
    pub hash: PdqHash,
    /// 0..=100; hashes under 50 are usually not used for matching (flat or tiny images).
    pub quality: u8,
    /// The hashes of the eight rotations and flips (the first is the hash itself, except for
    /// images of exactly 64x64 pixels: see [`Dihedral::quality`]).
    pub dihedral: Dihedral,
}

/// Everything [`hash_image_bytes`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageHashes {
    /// The PDQ hash.
    pub pdq: PdqHash,
    /// PDQ quality, 0..=100.
    pub quality: u8,
    /// The eight dihedral hashes (cheap: they come from the same DCT).
    pub dihedral: Dihedral,
    /// Width in pixels, as decoded (EXIF orientation ignored).
    pub width: u32,
    /// Height in pixels, as decoded.
    pub height: u32,
    /// The format recognised from the data.
    pub format: Format,
}

/// Decodes an image file's bytes and computes its PDQ hashes.
///
/// The format is recognised from the bytes (see [`detect_format`]); the size, the declared
/// dimensions and the memory decoding will take are checked against `limits` before decoding.
pub fn hash_image_bytes(bytes: &[u8], limits: &Limits) -> Result<ImageHashes, Error> {
    limits.check_bytes(bytes.len() as u64)?;
    let format = detect_format(bytes).ok_or_else(|| Error::new(ErrorKind::UnsupportedFormat))?;
    let (width, height, filtered) = decode::decode_bytes(format, bytes, limits)?;
    Ok(image_hashes(format, width, height, filtered))
}

/// [`hash_image_bytes`] on an image read from `reader`, e.g. a buffered file: the whole stream,
/// from its start (offsets inside TIFF and WebP files count from there), read as the decoder
/// goes (JPEG through a 64 KiB buffer), never held whole.
///
/// ```
/// use std::io::{BufReader, Cursor};
/// use vigie_hash::{Limits, hash_image_bytes, hash_image_reader};
///
/// let mut png = Vec::new();
/// image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 90]))
///     .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
/// // A file would be `BufReader::new(File::open(path)?)`.
/// let from_reader = hash_image_reader(BufReader::new(Cursor::new(&png)), &Limits::default())?;
/// assert_eq!(from_reader, hash_image_bytes(&png, &Limits::default())?);
/// # Ok::<(), vigie_hash::Error>(())
/// ```
pub fn hash_image_reader<R: BufRead + Seek>(mut reader: R, limits: &Limits) -> Result<ImageHashes, Error> {
    let (format, len) = open_stream(&mut reader, limits)?;
    let (width, height, filtered) = decode::decode_stream(format, reader, len, limits)?;
    Ok(image_hashes(format, width, height, filtered))
}

/// What an image's header says, once checked against the limits ([`read_image_info`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageInfo {
    /// The format recognised from the data.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Reads an image's header from `reader` (the whole stream, from its start) and checks it
/// against `limits` without decoding the pixels: the size, the dimensions, and the memory
/// decoding will take as far as the header tells (whole-image buffers, a progressive JPEG's
/// coefficients, a lossless WebP's Huffman tables, the hashing filter). It allocates no pixel
/// buffer and inflates nothing; only a GIF's XMP and ICC data and a TIFF's tag values are read
/// into memory, within the limit. It suits checking uploads as they arrive;
/// [`hash_image_reader`] may still refuse the image for what only decoding reveals (corrupt
/// data, oversized metadata).
///
/// ```
/// use std::io::Cursor;
/// use vigie_hash::{ErrorKind, Limits, read_image_info};
///
/// let mut png = Vec::new();
/// image::RgbImage::new(300, 200)
///     .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
/// let info = read_image_info(Cursor::new(&png), &Limits::default())?;
/// assert_eq!((info.width, info.height), (300, 200));
/// let small = Limits { max_pixels: 50_000, ..Limits::default() };
/// let refused = read_image_info(Cursor::new(&png), &small).unwrap_err();
/// assert!(matches!(refused.kind(), ErrorKind::TooManyPixels { .. }));
/// # Ok::<(), vigie_hash::Error>(())
/// ```
pub fn read_image_info<R: BufRead + Seek>(mut reader: R, limits: &Limits) -> Result<ImageInfo, Error> {
    let (format, len) = open_stream(&mut reader, limits)?;
    let (width, height) = decode::probe_stream(format, reader, len, limits)?;
    Ok(ImageInfo { format, width, height })
}

/// Decodes an image read from `reader` (the whole stream, from its start) and scales it down
/// so that its longer side is at most `max_side` pixels (never enlarged): pixels for showing
/// the image, made by Vigie, never the file's own bytes.
///
/// The decoders, limits and memory plan are [`hash_image_reader`]'s, with a downscaler in
/// place of the hashing filter: JPEG and non-interlaced PNG and GIF are streamed row by row,
/// and only the thumbnail and a row of sums are held besides what each decoder holds. Grey
/// images come out grey in RGB; alpha is ignored (as for the hash); 16-bit samples keep their
/// high byte; EXIF orientation is ignored. Returns the image's header facts with it.
///
/// ```
/// use std::io::Cursor;
/// use vigie_hash::{Limits, thumbnail_reader};
///
/// let mut png = Vec::new();
/// image::RgbImage::from_fn(1600, 1000, |x, _| image::Rgb([(x / 7) as u8, 40, 200]))
///     .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
/// let (info, small) = thumbnail_reader(Cursor::new(&png), 480, &Limits::default())?;
/// assert_eq!((info.width, info.height), (1600, 1000));
/// assert_eq!((small.width, small.height), (480, 300));
/// assert_eq!(small.rgb.len(), 480 * 300 * 3);
/// # Ok::<(), vigie_hash::Error>(())
/// ```
pub fn thumbnail_reader<R: BufRead + Seek>(
    mut reader: R,
    max_side: u32,
    limits: &Limits,
) -> Result<(ImageInfo, Thumbnail), Error> {
    if max_side == 0 {
        return Err(Error::new(ErrorKind::InvalidInput { message: "a thumbnail needs at least 1 pixel".into() }));
    }
    let (format, len) = open_stream(&mut reader, limits)?;
    let target = thumbnail::ThumbnailTarget { max_side };
    let (width, height, scaler) = decode::decode_into(format, reader, len, limits, &target)?;
    if width == 0 || height == 0 {
        return Err(Error::decode(format, "the image has no pixels"));
    }
    Ok((ImageInfo { format, width, height }, scaler.finish()))
}

/// [`thumbnail_reader`] on an image held in memory.
pub fn thumbnail_bytes(bytes: &[u8], max_side: u32, limits: &Limits) -> Result<(ImageInfo, Thumbnail), Error> {
    thumbnail_reader(std::io::Cursor::new(bytes), max_side, limits)
}

/// Measures the stream, checks its size and recognises its format; leaves it at its start.
fn open_stream<R: BufRead + Seek>(reader: &mut R, limits: &Limits) -> Result<(Format, u64), Error> {
    let io = |e: std::io::Error| Error::new(ErrorKind::Read { message: e.to_string() });
    let len = reader.seek(SeekFrom::End(0)).map_err(io)?;
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    limits.check_bytes(len)?;
    let mut head = [0u8; 16];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    reader.seek(SeekFrom::Start(0)).map_err(io)?;
    let format = detect_format(&head[..got]).ok_or_else(|| Error::new(ErrorKind::UnsupportedFormat))?;
    Ok((format, len))
}

fn image_hashes(format: Format, width: u32, height: u32, filtered: Option<pdq::Filtered>) -> ImageHashes {
    let out = finish(filtered);
    ImageHashes { pdq: out.hash, quality: out.quality, dihedral: out.dihedral, width, height, format }
}

/// PDQ of packed 8-bit RGB pixels (`width * height * 3` bytes, row-major).
pub fn hash_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<PdqOutput, Error> {
    hash_packed(width, height, rgb, 3)
}

/// PDQ of packed 8-bit RGBA pixels (`width * height * 4` bytes); alpha is ignored.
pub fn hash_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<PdqOutput, Error> {
    hash_packed(width, height, rgba, 4)
}

/// PDQ of 8-bit grey pixels (`width * height` bytes); the grey level is the luminance, as in
/// the reference.
pub fn hash_gray(width: u32, height: u32, gray: &[u8]) -> Result<PdqOutput, Error> {
    hash_packed(width, height, gray, 1)
}

/// PDQ of a luminance buffer (`width * height` floats, row-major, normally 0..=255), the
/// reference's own entry point. Use it when pixels come from elsewhere (e.g. video frames).
pub fn hash_luma(width: u32, height: u32, luma: &[f32]) -> Result<PdqOutput, Error> {
    let (w, h) = (width as usize, height as usize);
    check_len(w, h, 1, luma.len())?;
    let mut filter = pdq::Filter::new(w, h, pdq::Luminance::Any);
    if w > 0 {
        for row in luma.chunks_exact(w) {
            filter.next_row_mut().copy_from_slice(row);
            filter.commit_row();
        }
    }
    Ok(finish(filter.finish()))
}

/// The reference's luminance of an 8-bit RGB pixel: `0.299 R + 0.587 G + 0.114 B`, in `f32`,
/// left to right (the coefficients are the reference's `f32` constants). For callers that feed
/// [`LumaHasher`] from their own pixel format.
#[inline(always)]
pub fn rgb_luma(r: u8, g: u8, b: u8) -> f32 {
    pdq::luma(r, g, b)
}

/// PDQ of an image supplied one row of luminance at a time, without the whole image in
/// memory: for callers that produce pixels row by row in their own format (e.g. video frames
/// converted from YUV). The result is [`hash_luma`]'s on the same values.
///
/// A hasher is reusable: [`LumaHasher::finish`] returns the image's hashes and starts the next
/// image of the same size with the same buffers.
///
/// ```
/// use vigie_hash::{LumaHasher, Limits, hash_rgb, rgb_luma};
///
/// let (w, h) = (40u32, 30u32);
/// let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
/// let mut hasher = LumaHasher::new(w, h, &Limits::default())?;
/// for row in rgb.chunks_exact(w as usize * 3) {
///     for (out, px) in hasher.row().iter_mut().zip(row.chunks_exact(3)) {
///         *out = rgb_luma(px[0], px[1], px[2]);
///     }
///     hasher.commit_row();
/// }
/// let expected = hash_rgb(w, h, &rgb)?;
/// assert_eq!(hasher.finish(), expected);
/// // The hasher is ready for the next image; `finish_hash` skips the dihedral hashes.
/// for _ in 0..h {
///     hasher.row().fill(128.0);
///     hasher.commit_row();
/// }
/// let (hash, quality) = hasher.finish_hash();
/// assert_eq!((hash, quality), (hash_rgb(w, h, &vec![128; rgb.len()])?.hash, 0));
/// # Ok::<(), vigie_hash::Error>(())
/// ```
pub struct LumaHasher {
    filter: pdq::Filter,
    width: usize,
}

impl LumaHasher {
    /// A hasher for images of `width x height` pixels, checked against `limits`: the pixel
    /// count, and its memory (a few dozen rows plus 64 floats per row of the image) against
    /// [`Limits::max_memory_bytes`].
    pub fn new(width: u32, height: u32, limits: &Limits) -> Result<LumaHasher, Error> {
        limits.check_pixels(u64::from(width), u64::from(height))?;
        budget::Budget::new(limits).take_filter(width, height)?;
        let (w, h) = (width as usize, height as usize);
        Ok(LumaHasher { filter: pdq::Filter::new(w, h, pdq::Luminance::Any), width: w })
    }

    /// [`LumaHasher::new`] for rows of the luminance of 8-bit pixels, [`rgb_luma`]'s values
    /// (0..=255), as decoders of images and videos give. It skips a check that the input
    /// allows the filter's fastest division, which [`LumaHasher::new`] makes for every batch of
    /// rows so as to give the reference's bits for any `f32` (debug builds still check). Other
    /// values (infinities, NaN, magnitudes beyond 2^40 or below 2^-20) may then give hashes
    /// the reference would not.
    pub fn for_pixels(width: u32, height: u32, limits: &Limits) -> Result<LumaHasher, Error> {
        limits.check_pixels(u64::from(width), u64::from(height))?;
        budget::Budget::new(limits).take_filter(width, height)?;
        let (w, h) = (width as usize, height as usize);
        Ok(LumaHasher { filter: pdq::Filter::new(w, h, pdq::Luminance::OfPixels), width: w })
    }

    /// The buffer for the next row's luminance (`width` values, normally 0..=255, e.g. from
    /// [`rgb_luma`]); call [`LumaHasher::commit_row`] once it is filled. Rows beyond the
    /// image's height are ignored.
    pub fn row(&mut self) -> &mut [f32] {
        let row = self.filter.next_row_mut();
        debug_assert_eq!(row.len(), self.width);
        row
    }

    /// Takes the row written through [`LumaHasher::row`].
    pub fn commit_row(&mut self) {
        self.filter.commit_row();
    }

    /// Adds a row equal to the previous one, instead of [`LumaHasher::row`] and
    /// [`LumaHasher::commit_row`]: cheaper, for callers that see repeated rows in their pixels
    /// (flat bands, padding). Before any row, a row of zero luminance.
    pub fn repeat_row(&mut self) {
        self.filter.repeat_row();
    }

    /// The hashes of the image (rows not supplied count as zero luminance), and a fresh start
    /// for the next image.
    pub fn finish(&mut self) -> PdqOutput {
        finish(self.filter.finish_and_reset())
    }

    /// [`LumaHasher::finish`] without the dihedral hashes (a quarter of the work after the
    /// filter): the hash and quality, the same as [`PdqOutput::hash`] and
    /// [`PdqOutput::quality`].
    pub fn finish_hash(&mut self) -> (PdqHash, u8) {
        let Some(f) = self.filter.finish_and_reset() else { return (PdqHash::ZERO, 0) };
        let buf = f.raw64.as_deref().unwrap_or(&f.filtered);
        (PdqHash::from_bytes(pdq::bits(&pdq::dct64_to_16(buf))), pdq::quality(buf))
    }
}

impl std::fmt::Debug for LumaHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LumaHasher").field("width", &self.width).finish_non_exhaustive()
    }
}

fn check_len(w: usize, h: usize, c: usize, len: usize) -> Result<(), Error> {
    match w.checked_mul(h).and_then(|p| p.checked_mul(c)) {
        Some(n) if n == len => Ok(()),
        _ => Err(Error::new(ErrorKind::InvalidInput {
            message: format!("{w}x{h} pixels of {c} values need {}, got {len}", w * h * c),
        })),
    }
}

fn hash_packed(width: u32, height: u32, data: &[u8], c: usize) -> Result<PdqOutput, Error> {
    let (w, h) = (width as usize, height as usize);
    check_len(w, h, c, data.len())?;
    let mut filter = pdq::Filter::new(w, h, pdq::Luminance::OfPixels);
    if w > 0 {
        for row in data.chunks_exact(w * c) {
            let out = filter.next_row_mut();
            if c >= 3 {
                pdq::luma_row_rgb(row, c, out)
            } else {
                pdq::luma_row_gray(row, c, out)
            }
            filter.commit_row();
        }
    }
    Ok(finish(filter.finish()))
}

/// DCT, quality and bits from the filtered 64x64 buffer.
fn finish(filtered: Option<pdq::Filtered>) -> PdqOutput {
    let Some(f) = filtered else {
        return PdqOutput {
            hash: PdqHash::ZERO,
            quality: 0,
            dihedral: Dihedral { hashes: [PdqHash::ZERO; 8], quality: 0 },
        };
    };
    let dct = pdq::dct64_to_16(&f.filtered);
    let dihedral = Dihedral {
        hashes: pdq::dihedral(&dct).map(|b| PdqHash::from_bytes(pdq::bits(&b))),
        quality: pdq::quality(&f.filtered),
    };
    let (hash, quality) = match &f.raw64 {
        Some(raw) => (PdqHash::from_bytes(pdq::bits(&pdq::dct64_to_16(raw))), pdq::quality(raw)),
        None => (dihedral.hashes[0], dihedral.quality),
    };
    PdqOutput { hash, quality, dihedral }
}
