//! PNG through the `png` crate, row by row into the PDQ filter.
//!
//! Why not the `image` crate's PNG decoder: it decodes the whole image into one buffer of its
//! own sample type (8 bytes a pixel for 16-bit RGBA: 800 MB for a 777 KB file of 9999x9999
//! pixels), and reads the chunks before the image data with whatever memory limit it is given,
//! inflating compressed ICC profiles whole (a 1 MB iCCP chunk of zeros inflates to 1 GB). Here
//! text and iCCP chunks are skipped unread (the hash uses neither), what the `png` crate still
//! keeps (an eXIf chunk, the palette) is capped by the memory budget, and each row goes to the
//! filter as soon as it is unfiltered, 16-bit samples narrowed as [`crate::decode::narrow16`]
//! says for PNG (the low byte). An interlaced image has no complete row before its last pass:
//! it is held whole, but narrowed to 8-bit grey or RGB (alpha dropped), within the budget.

use std::io::{BufRead, Seek};

use crate::budget::Budget;
use crate::sink::{HashTarget, RowSink, Target};
use crate::{Error, ErrorKind, Format, Limits};

/// What the header (IHDR) says, and what decoding will hold.
struct Layout {
    width: u32,
    height: u32,
    interlaced: bool,
    /// Bytes of one row as the decoder hands it over (after palette and bit-depth expansion),
    /// at most: the transparency chunk that may add alpha comes after the header.
    row_bytes: u64,
    /// Channels kept for an interlaced image: 1 (grey) or 3 (RGB).
    kept_channels: u64,
}

impl Layout {
    fn of(info: &png::Info<'_>) -> Layout {
        let (width, height) = info.size();
        let grey = matches!(info.color_type, png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha);
        let samples = if grey { 2 } else { 4 };
        let sample_bytes = if info.bit_depth == png::BitDepth::Sixteen { 2 } else { 1 };
        Layout {
            width,
            height,
            interlaced: info.interlaced,
            row_bytes: u64::from(width) * samples * sample_bytes,
            kept_channels: if grey { 1 } else { 3 },
        }
    }

    /// Plans the memory of a decode: the target's sink, the decoder's rows (the row handed over, the
    /// unfiltering buffer with its 32 KiB inflate window, the narrowed row) and, for an
    /// interlaced image, the whole image kept as 8-bit grey or RGB.
    fn plan(&self, budget: &mut Budget, target: &impl Target) -> Result<(), Error> {
        let (w, h) = (self.width, self.height);
        target.plan(budget, w, h)?;
        let rows = self.row_bytes.saturating_mul(10).saturating_add(512 << 10);
        budget.take(rows, || format!("the rows of a {w}-pixel-wide PNG"))?;
        if self.interlaced {
            let whole = (u64::from(w) * u64::from(h)).saturating_mul(self.kept_channels);
            let kept = if self.kept_channels == 1 { "8-bit grey" } else { "8-bit RGB" };
            budget.take(whole, || format!("a {w}x{h} interlaced PNG, held whole as {kept}"))?;
        }
        Ok(())
    }
}

fn decoder<R: BufRead + Seek>(r: R, limits: &Limits) -> Result<(png::Decoder<R>, Layout), Error> {
    // No limit yet: reading the header allocates nothing; the limit is set from the plan.
    let mut decoder = png::Decoder::new_with_limits(r, png::Limits { bytes: usize::MAX });
    decoder.set_ignore_iccp_chunk(true);
    decoder.set_ignore_text_chunk(true);
    // Palette to RGB(A), grey under 8 bits to 8 bits, tRNS to alpha: what `image` asked for.
    decoder.set_transformations(png::Transformations::EXPAND);
    let layout = Layout::of(decoder.read_header_info().map_err(|e| map_error(e, None))?);
    limits.check_pixels(u64::from(layout.width), u64::from(layout.height))?;
    Ok((decoder, layout))
}

/// Reads the header (IHDR) and checks the limits, without reading further.
pub(crate) fn probe<R: BufRead + Seek>(r: R, limits: &Limits) -> Result<(u32, u32), Error> {
    let (_, layout) = decoder(r, limits)?;
    layout.plan(&mut Budget::new(limits), &HashTarget)?;
    Ok((layout.width, layout.height))
}

/// Decodes into `target`'s sink.
pub(crate) fn decode<R: BufRead + Seek, T: Target>(
    r: R,
    limits: &Limits,
    target: &T,
) -> Result<(u32, u32, T::Sink), Error> {
    let (mut decoder, layout) = decoder(r, limits)?;
    let mut budget = Budget::new(limits);
    layout.plan(&mut budget, target)?;
    // The png crate counts against the limit it is given the row it hands over (planned above)
    // and what it keeps from the chunks before the image data: in practice an eXIf chunk,
    // which it cannot skip, and then copies once more into its `Info`: half of what is left.
    let keep = layout.row_bytes.saturating_add(budget.left() / 2);
    decoder.set_limits(png::Limits { bytes: usize::try_from(keep).unwrap_or(usize::MAX) });
    let mut reader = decoder.read_info().map_err(|e| map_error(e, Some(&budget)))?;
    let (color, depth) = reader.output_color_type();
    let channels = color.samples();
    if color == png::ColorType::Indexed || !matches!(depth, png::BitDepth::Eight | png::BitDepth::Sixteen) {
        return Err(Error::decode(Format::Png, "unexpected output format from the PNG decoder"));
    }
    let (w, h) = (layout.width as usize, layout.height as usize);
    let mut sink = target.sink(layout.width, layout.height);
    let sixteen = depth == png::BitDepth::Sixteen;
    let narrow = target.narrow16(Format::Png);
    // A row narrowed to 8 bits, for 16-bit images.
    let mut row8 = if sixteen { vec![0u8; w * channels] } else { Vec::new() };
    let err = |e| map_error(e, Some(&budget));
    if layout.interlaced {
        let kept = if channels >= 3 { 3 } else { 1 };
        let mut image = vec![0u8; w * h * kept];
        let mut pass_row = vec![0u8; w * kept];
        while let Some(row) = reader.next_interlaced_row().map_err(err)? {
            let png::InterlaceInfo::Adam7(pass) = row.interlace() else {
                return Err(Error::decode(Format::Png, "interlaced row without its pass"));
            };
            let pixels = row.data().len() / (channels * if sixteen { 2 } else { 1 });
            let out = &mut pass_row[..pixels * kept];
            let data = row.data();
            for (i, px) in out.chunks_exact_mut(kept).enumerate() {
                for (k, v) in px.iter_mut().enumerate() {
                    let s = i * channels + k;
                    *v = if sixteen { narrow(u16::from_be_bytes([data[2 * s], data[2 * s + 1]])) } else { data[s] };
                }
            }
            png::expand_interlaced_row(&mut image, w * kept, out, pass, (8 * kept) as u8);
        }
        if w > 0 {
            for row in image.chunks_exact(w * kept) {
                sink.push(row, kept);
            }
        }
    } else {
        let mut rows = 0usize;
        while let Some(row) = reader.next_row().map_err(err)? {
            let data = row.data();
            let pixels: &[u8] = if sixteen {
                for (t, pair) in row8.iter_mut().zip(data.chunks_exact(2)) {
                    *t = narrow(u16::from_be_bytes([pair[0], pair[1]]));
                }
                &row8
            } else {
                data
            };
            sink.push(pixels, channels);
            rows += 1;
        }
        if rows != h {
            return Err(Error::new(ErrorKind::Truncated { format: Format::Png }));
        }
    }
    Ok((layout.width, layout.height, sink))
}

/// The `png` crate's errors as ours. `budget` is the decode's (None while reading the header),
/// for the decoder stopping on the limit it was given.
fn map_error(e: png::DecodingError, budget: Option<&Budget>) -> Error {
    use png::DecodingError as E;
    match e {
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::new(ErrorKind::Truncated { format: Format::Png })
        }
        E::IoError(io) if io.kind() == std::io::ErrorKind::InvalidData => Error::decode(Format::Png, io.to_string()),
        E::IoError(io) => Error::new(ErrorKind::Read { message: io.to_string() }),
        E::LimitsExceeded => match budget {
            Some(budget) => budget.exceeded("the chunks the PNG decoder keeps (EXIF, palette)"),
            None => Error::decode(Format::Png, "the image's dimensions are too large"),
        },
        other => {
            let msg = other.to_string();
            let lower = msg.to_ascii_lowercase();
            if lower.contains("unexpected end") || lower.contains("unexpected eof") {
                Error::new(ErrorKind::Truncated { format: Format::Png })
            } else {
                Error::decode(Format::Png, msg)
            }
        }
    }
}
