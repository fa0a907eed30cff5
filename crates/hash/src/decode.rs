//! Format detection, the choice of decoder, and the decoders that hold the whole image (WebP
//! through `image-webp`, BMP and TIFF through `image`), each planned against the memory
//! budget from its header before it allocates.
//!
//! JPEG ([`crate::jpeg`]), PNG ([`crate::png_rows`]) and GIF ([`crate::gif_rows`]) stream rows
//! into the hash. The others cannot: `image-webp` decodes a WebP whole (and an animated one on
//! a canvas), and `image`'s BMP and TIFF decoders fill one buffer for the whole image (TIFF a
//! second one in the file's own sample format). Their costs per pixel below were measured
//! with a counting allocator (`tests/memory.rs`), rounded up.

use std::fmt;
use std::io::{BufRead, Cursor, Seek};

use image::{DynamicImage, ImageDecoder};

use crate::budget::Budget;
use crate::pdq::Filtered;
use crate::sink::{HashTarget, RowSink, Target};
use crate::{Error, ErrorKind, Limits, gif_rows, jpeg, png_rows, tiff_ifd, webp_lossless};

/// Image formats Vigie decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JPEG (decoded with libjpeg-turbo, like the reference).
    Jpeg,
    /// PNG, all colour types and bit depths.
    Png,
    /// GIF (the first frame).
    Gif,
    /// WebP, lossy or lossless (the first frame).
    WebP,
    /// Windows bitmap.
    Bmp,
    /// TIFF (the first page).
    Tiff,
}

impl Format {
    /// Short lowercase name (`"jpeg"`, `"png"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::WebP => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::WebP => "WebP",
            Format::Bmp => "BMP",
            Format::Tiff => "TIFF",
        })
    }
}

/// Recognises an image format from the first bytes of a file (its "magic number"); file names
/// are not consulted. 16 bytes are enough.
pub fn detect_format(bytes: &[u8]) -> Option<Format> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some(Format::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Format::Png),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Format::Gif),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(Format::WebP),
        [b'B', b'M', ..] if bytes.len() >= 14 => Some(Format::Bmp),
        [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => Some(Format::Tiff),
        _ => None,
    }
}

/// What a decoder hands the hashing stage: the dimensions and the filtered 64x64 buffer.
pub(crate) type Decoded = (u32, u32, Option<Filtered>);

/// Decodes an image held in memory for hashing.
pub(crate) fn decode_bytes(format: Format, bytes: &[u8], limits: &Limits) -> Result<Decoded, Error> {
    let (width, height, filter) = match format {
        Format::Jpeg => jpeg::decode(jpeg::Input::Bytes(bytes), limits, &HashTarget)?,
        other => decode_into(other, Cursor::new(bytes), bytes.len() as u64, limits, &HashTarget)?,
    };
    Ok((width, height, filter.finish()))
}

/// Decodes an image read from `r` (`len` bytes from its position) for hashing.
pub(crate) fn decode_stream<R: BufRead + Seek>(
    format: Format,
    r: R,
    len: u64,
    limits: &Limits,
) -> Result<Decoded, Error> {
    let (width, height, filter) = decode_into(format, r, len, limits, &HashTarget)?;
    Ok((width, height, filter.finish()))
}

/// Decodes an image read from `r` (`len` bytes from its position) into `target`'s sink: the
/// dimensions and the sink, every row pushed.
pub(crate) fn decode_into<R: BufRead + Seek, T: Target>(
    format: Format,
    mut r: R,
    len: u64,
    limits: &Limits,
    target: &T,
) -> Result<(u32, u32, T::Sink), Error> {
    match format {
        Format::Jpeg => jpeg::decode(jpeg::Input::Reader(&mut r), limits, target),
        Format::Png => png_rows::decode(r, limits, target),
        Format::Gif => gif_rows::decode(r, limits, target),
        Format::WebP => {
            let mut budget = Budget::new(limits);
            let (mut decoder, w, h, channels) = open_webp(r, len, limits, &mut budget, target)?;
            let mut pixels = vec![0u8; w as usize * h as usize * channels];
            decoder.read_image(&mut pixels).map_err(|e| map_webp_error(e, &budget))?;
            let mut sink = target.sink(w, h);
            feed8(&mut sink, &pixels, w as usize, channels);
            Ok((w, h, sink))
        }
        Format::Bmp => {
            let mut budget = Budget::new(limits);
            let decoder = open_bmp(r, limits, &mut budget, target)?;
            let img = DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(Format::Bmp, e, &budget))?;
            Ok((img.width(), img.height(), feed_image(Format::Bmp, &img, target)))
        }
        Format::Tiff => {
            let mut budget = Budget::new(limits);
            let decoder = open_tiff(r, len, limits, &mut budget, target)?;
            let img = DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(Format::Tiff, e, &budget))?;
            Ok((img.width(), img.height(), feed_image(Format::Tiff, &img, target)))
        }
    }
}

/// Reads the header from `r` (`len` bytes from its position) and checks the limits, without
/// decoding: see [`crate::read_image_info`].
pub(crate) fn probe_stream<R: BufRead + Seek>(
    format: Format,
    mut r: R,
    len: u64,
    limits: &Limits,
) -> Result<(u32, u32), Error> {
    let mut budget = Budget::new(limits);
    match format {
        Format::Jpeg => jpeg::probe(jpeg::Input::Reader(&mut r), limits),
        Format::Png => png_rows::probe(r, limits),
        Format::Gif => gif_rows::probe(r, limits),
        Format::WebP => open_webp(r, len, limits, &mut budget, &HashTarget).map(|(_, w, h, _)| (w, h)),
        Format::Bmp => open_bmp(r, limits, &mut budget, &HashTarget).map(|d| d.dimensions()),
        Format::Tiff => open_tiff(r, len, limits, &mut budget, &HashTarget).map(|d| d.dimensions()),
    }
}

/// Opens a WebP and plans its decoding: the output (RGB, or RGBA with alpha), the decoder's
/// planes and canvases, what its lossless streams keep (counted by reading them up to their
/// pixels, see [`webp_lossless`]), and a copy of the compressed data (`image-webp` reads a
/// lossy frame's partitions whole). Returns the decoder, the dimensions and the output's
/// channels.
fn open_webp<R: BufRead + Seek>(
    mut r: R,
    len: u64,
    limits: &Limits,
    budget: &mut Budget,
    target: &impl Target,
) -> Result<(image_webp::WebPDecoder<R>, u32, u32, usize), Error> {
    let lossless = webp_lossless::working_bytes(&mut r, len)?;
    let mut decoder = image_webp::WebPDecoder::new(r).map_err(|e| map_webp_error(e, budget))?;
    let (w, h) = decoder.dimensions();
    limits.check_pixels(u64::from(w), u64::from(h))?;
    let alpha = decoder.has_alpha();
    let channels = if alpha { 4 } else { 3 };
    target.plan(budget, w, h)?;
    let pixels = u64::from(w) * u64::from(h);
    let kind = if alpha { "RGBA" } else { "RGB" };
    budget.take(pixels * channels as u64, || format!("a {w}x{h} WebP, held whole as 8-bit {kind}"))?;
    // Tenths of a byte a pixel besides the output: a lossy frame's YUV planes in 16x16
    // macroblocks (1.5 and more) and an uncompressed alpha plane (1); a lossless image without
    // alpha is decoded in RGBA (4) and then copied; an animation adds a canvas and a frame in
    // RGBA (4 + 4).
    let (what, tenths) = if decoder.is_animated() {
        ("an animated WebP's canvas and first frame", 110)
    } else if decoder.is_lossy() {
        ("the lossy WebP decoder's planes", if alpha { 30 } else { 20 })
    } else {
        ("the lossless WebP decoder's buffers", if alpha { 0 } else { 40 })
    };
    let working = (pixels * tenths).div_ceil(10) + len + (256 << 10);
    budget.take(working, || format!("{what} for {w}x{h} pixels"))?;
    budget.take(lossless, || format!("the Huffman tables and transforms of a {w}x{h} lossless WebP"))?;
    Ok((decoder, w, h, channels))
}

/// Opens a BMP and plans its decoding: the whole image in the decoder's output type.
fn open_bmp<R: BufRead + Seek>(
    r: R,
    limits: &Limits,
    budget: &mut Budget,
    target: &impl Target,
) -> Result<image::codecs::bmp::BmpDecoder<R>, Error> {
    let decoder = image::codecs::bmp::BmpDecoder::new(r).map_err(|e| map_image_error(Format::Bmp, e, budget))?;
    let (w, h) = decoder.dimensions();
    limits.check_pixels(u64::from(w), u64::from(h))?;
    target.plan(budget, w, h)?;
    let color = decoder.color_type();
    budget.take(decoder.total_bytes() + (64 << 10), || format!("a {w}x{h} BMP, held whole as {color:?}"))?;
    Ok(decoder)
}

/// Opens a TIFF and plans its decoding: the tag values the `tiff` crate reads (counted from
/// the directory before it reads them, see [`tiff_ifd`]), and the whole image twice (as read,
/// in the file's sample format, and as output).
fn open_tiff<R: BufRead + Seek>(
    mut r: R,
    len: u64,
    limits: &Limits,
    budget: &mut Budget,
    target: &impl Target,
) -> Result<image::codecs::tiff::TiffDecoder<R>, Error> {
    let directory = tiff_ifd::scan(&mut r, len)?;
    budget.take(directory.tag_bytes, || "the tag values of this TIFF (strip offsets and the like)".into())?;
    let mut decoder = image::codecs::tiff::TiffDecoder::new(r).map_err(|e| map_image_error(Format::Tiff, e, budget))?;
    let (w, h) = decoder.dimensions();
    limits.check_pixels(u64::from(w), u64::from(h))?;
    target.plan(budget, w, h)?;
    let color = decoder.color_type();
    let output = decoder.total_bytes();
    budget.take(output, || format!("a {w}x{h} TIFF, held whole as {color:?}"))?;
    // What `image` reads the samples into first (CMYK takes 4 or 8 bytes a pixel).
    let original = decoder.original_color_type();
    let as_read = (u64::from(w) * u64::from(h)).saturating_mul(u64::from(original.bits_per_pixel()).div_ceil(8).max(1));
    budget.take(as_read, || format!("a {w}x{h} TIFF, held whole as read ({original:?})"))?;
    // Strips and tiles are decompressed as they are read (LZW, Deflate, PackBits, Fax), through
    // buffers of at most 32 KiB; the crate's "intermediate buffer" limit only checks a chunk's
    // compressed size, which no file exceeds.
    budget.take(256 << 10, || format!("the TIFF decompressor's buffers for {w}x{h} pixels"))?;
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(as_read.saturating_add(len));
    decoder.set_limits(image_limits).map_err(|e| map_image_error(Format::Tiff, e, budget))?;
    Ok(decoder)
}

fn map_webp_error(e: image_webp::DecodingError, budget: &Budget) -> Error {
    use image_webp::DecodingError as E;
    match e {
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::new(ErrorKind::Truncated { format: Format::WebP })
        }
        E::IoError(io) => Error::new(ErrorKind::Read { message: io.to_string() }),
        E::MemoryLimitExceeded => budget.exceeded("the WebP decoder's buffers"),
        other => Error::decode(Format::WebP, other.to_string()),
    }
}

fn map_image_error(format: Format, e: image::ImageError, budget: &Budget) -> Error {
    use image::ImageError as E;
    match e {
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => Error::new(ErrorKind::Truncated { format }),
        E::IoError(io) if io.kind() != std::io::ErrorKind::InvalidData => {
            Error::new(ErrorKind::Read { message: io.to_string() })
        }
        E::Limits(_) => budget.exceeded(format!("the {format} decoder's buffers")),
        other => {
            let msg = other.to_string();
            if msg.to_ascii_lowercase().contains("unexpected end")
                || msg.to_ascii_lowercase().contains("unexpected eof")
            {
                Error::new(ErrorKind::Truncated { format })
            } else {
                Error::decode(format, msg)
            }
        }
    }
}

/// How 16-bit samples become 8-bit ones.
///
/// For PNG we do what the reference does: its loader (CImg into `CImg<uint8_t>`) casts each
/// 16-bit sample to `uint8_t`, keeping the low byte. For content widened from 8 bits
/// (`v * 257`, how 8-bit images are usually converted) the low byte is the original value, so
/// such files hash like their 8-bit originals. For genuinely 16-bit content this keeps the
/// noisy low bits, exactly as the reference (and so any hash list it produced) does. The
/// reference cannot read the other formats; for them we keep the high byte, the usual scaling.
pub(crate) fn narrow16(format: Format) -> fn(u16) -> u8 {
    match format {
        Format::Png => |v| (v & 0xFF) as u8,
        _ => |v| (v >> 8) as u8,
    }
}

/// Feeds rows of 8-bit pixels with `c` channels (grey when `c < 3`). Alpha is ignored, as the
/// reference (which reads the first three channels) and Pillow's convert("RGB") do.
fn feed8(sink: &mut impl RowSink, data: &[u8], w: usize, c: usize) {
    if w == 0 {
        return;
    }
    for row in data.chunks_exact(w * c) {
        sink.push(row, c);
    }
}

/// A whole decoded image into `target`'s sink.
fn feed_image<T: Target>(format: Format, img: &DynamicImage, target: &T) -> T::Sink {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut sink = target.sink(img.width(), img.height());
    fn feed16(sink: &mut impl RowSink, data: &[u16], w: usize, c: usize, narrow: fn(u16) -> u8) {
        let mut tmp = vec![0u8; w * c];
        for row in data.chunks_exact(w * c) {
            for (t, &v) in tmp.iter_mut().zip(row) {
                *t = narrow(v);
            }
            sink.push(&tmp, c);
        }
    }
    /// Float images (TIFF): each row scaled from 0..1 to 0..255 by `image`'s own conversion,
    /// one row at a time rather than a converted copy of the whole image.
    fn feed_f32(sink: &mut impl RowSink, data: &[f32], w: usize, c: usize) {
        for row in data.chunks_exact(w * c) {
            let one = match c {
                3 => image::Rgb32FImage::from_raw(w as u32, 1, row.to_vec()).map(DynamicImage::ImageRgb32F),
                _ => image::Rgba32FImage::from_raw(w as u32, 1, row.to_vec()).map(DynamicImage::ImageRgba32F),
            };
            match one {
                Some(one) => sink.push(one.to_rgb8().as_raw(), 3),
                None => sink.push(&vec![0u8; w * 3], 3),
            }
        }
    }
    if w > 0 && h > 0 {
        let n16 = target.narrow16(format);
        let sink = &mut sink;
        match img {
            DynamicImage::ImageLuma8(b) => feed8(sink, b.as_raw(), w, 1),
            DynamicImage::ImageLumaA8(b) => feed8(sink, b.as_raw(), w, 2),
            DynamicImage::ImageRgb8(b) => feed8(sink, b.as_raw(), w, 3),
            DynamicImage::ImageRgba8(b) => feed8(sink, b.as_raw(), w, 4),
            DynamicImage::ImageLuma16(b) => feed16(sink, b.as_raw(), w, 1, n16),
            DynamicImage::ImageLumaA16(b) => feed16(sink, b.as_raw(), w, 2, n16),
            DynamicImage::ImageRgb16(b) => feed16(sink, b.as_raw(), w, 3, n16),
            DynamicImage::ImageRgba16(b) => feed16(sink, b.as_raw(), w, 4, n16),
            DynamicImage::ImageRgb32F(b) => feed_f32(sink, b.as_raw(), w, 3),
            DynamicImage::ImageRgba32F(b) => feed_f32(sink, b.as_raw(), w, 4),
            // Not produced by the decoders used here; converted whole as before.
            other => feed8(sink, other.to_rgb8().as_raw(), w, 3),
        }
    }
    sink
}
