//! Format detection and the non-JPEG decoders (the `image` crate).

use std::fmt;
use std::io::Cursor;

use image::{DynamicImage, ImageDecoder};

use crate::pdq::{Filter, Filtered, Luminance, luma_row_gray, luma_row_rgb};
use crate::{Error, ErrorKind, Limits};

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

fn map_image_error(format: Format, e: image::ImageError) -> Error {
    use image::ImageError as E;
    match e {
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => Error::new(ErrorKind::Truncated { format }),
        E::Limits(l) => Error::decode(format, format!("decoder memory limit exceeded: {l}")),
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

/// Reads the header, checks the limits, then decodes the whole image.
fn decode_with(format: Format, limits: &Limits, mut dec: impl ImageDecoder) -> Result<DynamicImage, Error> {
    let (w, h) = dec.dimensions();
    limits.check_pixels(u64::from(w), u64::from(h))?;
    let mut lim = image::Limits::default();
    // Decoded bytes for the largest pixel type we accept (RGBA, 32-bit float) plus slack for
    // the decoders' own buffers.
    lim.max_alloc = Some(limits.max_pixels.saturating_mul(16).saturating_add(64 << 20));
    lim.max_image_width = Some(w);
    lim.max_image_height = Some(h);
    dec.set_limits(lim).map_err(|e| map_image_error(format, e))?;
    DynamicImage::from_decoder(dec).map_err(|e| map_image_error(format, e))
}

/// Decodes a non-JPEG image and feeds its luminance to the PDQ filter.
pub(crate) fn decode_other(
    format: Format,
    data: &[u8],
    limits: &Limits,
) -> Result<(u32, u32, Option<Filtered>), Error> {
    use image::codecs;
    let err = |e| map_image_error(format, e);
    let cur = Cursor::new(data);
    let img = match format {
        // The PNG decoder checks its own memory limit while reading the header; give it none there
        // so that an oversized image is reported by our pixel check, which names the dimensions.
        Format::Png => decode_with(
            format,
            limits,
            codecs::png::PngDecoder::with_limits(cur, image::Limits::no_limits()).map_err(err)?,
        )?,
        Format::Gif => decode_with(format, limits, codecs::gif::GifDecoder::new(cur).map_err(err)?)?,
        Format::WebP => decode_with(format, limits, codecs::webp::WebPDecoder::new(cur).map_err(err)?)?,
        Format::Bmp => decode_with(format, limits, codecs::bmp::BmpDecoder::new(cur).map_err(err)?)?,
        Format::Tiff => decode_with(format, limits, codecs::tiff::TiffDecoder::new(cur).map_err(err)?)?,
        Format::Jpeg => return Err(Error::new(ErrorKind::UnsupportedFormat)),
    };
    let (w, h) = (img.width(), img.height());
    Ok((w, h, filter_image(format, &img)))
}

/// How 16-bit samples become 8-bit ones.
///
/// For PNG we do what the reference does: its loader (CImg into `CImg<uint8_t>`) casts each
/// 16-bit sample to `uint8_t`, keeping the low byte. For content widened from 8 bits
/// (`v * 257`, how 8-bit images are usually converted) the low byte is the original value, so
/// such files hash like their 8-bit originals. For genuinely 16-bit content this keeps the
/// noisy low bits, exactly as the reference (and so any hash list it produced) does. The
/// reference cannot read the other formats; for them we keep the high byte, the usual scaling.
fn narrow16(format: Format) -> fn(u16) -> u8 {
    match format {
        Format::Png => |v| (v & 0xFF) as u8,
        _ => |v| (v >> 8) as u8,
    }
}

fn filter_image(format: Format, img: &DynamicImage) -> Option<Filtered> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut filter = Filter::new(w, h, Luminance::OfPixels);
    // Feeds rows of 8-bit pixels with `c` channels; grey when `c < 3`. Alpha is ignored, as the
    // reference (which reads the first three channels) and Pillow's convert("RGB") do.
    fn feed8(filter: &mut Filter, data: &[u8], w: usize, c: usize) {
        for row in data.chunks_exact(w * c) {
            let out = filter.next_row_mut();
            if c >= 3 {
                luma_row_rgb(row, c, out)
            } else {
                luma_row_gray(row, c, out)
            }
            filter.commit_row();
        }
    }
    fn feed16(filter: &mut Filter, data: &[u16], w: usize, c: usize, narrow: fn(u16) -> u8) {
        let mut tmp = vec![0u8; w * c];
        for row in data.chunks_exact(w * c) {
            for (t, &v) in tmp.iter_mut().zip(row) {
                *t = narrow(v);
            }
            let out = filter.next_row_mut();
            if c >= 3 {
                luma_row_rgb(&tmp, c, out)
            } else {
                luma_row_gray(&tmp, c, out)
            }
            filter.commit_row();
        }
    }
    if w > 0 && h > 0 {
        let n16 = narrow16(format);
        match img {
            DynamicImage::ImageLuma8(b) => feed8(&mut filter, b.as_raw(), w, 1),
            DynamicImage::ImageLumaA8(b) => feed8(&mut filter, b.as_raw(), w, 2),
            DynamicImage::ImageRgb8(b) => feed8(&mut filter, b.as_raw(), w, 3),
            DynamicImage::ImageRgba8(b) => feed8(&mut filter, b.as_raw(), w, 4),
            DynamicImage::ImageLuma16(b) => feed16(&mut filter, b.as_raw(), w, 1, n16),
            DynamicImage::ImageLumaA16(b) => feed16(&mut filter, b.as_raw(), w, 2, n16),
            DynamicImage::ImageRgb16(b) => feed16(&mut filter, b.as_raw(), w, 3, n16),
            DynamicImage::ImageRgba16(b) => feed16(&mut filter, b.as_raw(), w, 4, n16),
            // Float images (TIFF): scale 0..1 to 0..255, as image's own conversion does.
            other => feed8(&mut filter, other.to_rgb8().as_raw(), w, 3),
        }
    }
    filter.finish()
}
