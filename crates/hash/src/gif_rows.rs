//! GIF through the `gif` crate: the first frame, row by row into the PDQ filter.
//!
//! What `image`'s GIF decoder gave (and so the hashes): the first frame drawn on the logical
//! screen, zero (transparent black) outside the frame, each pixel its palette colour (alpha,
//! which the hash ignores, aside). That decoder allocates the whole screen in RGBA, plus the
//! whole frame again when it does not span the screen's width; here the frame's palette
//! indices are read one row at a time and drawn on one screen row. An interlaced frame stores
//! its rows out of order: its indices (one byte a pixel) are held whole, within the budget.
//! The XMP and ICC data `gif` keeps from the header count against the budget too.

use std::io::Read;

use crate::budget::Budget;
use crate::sink::{HashTarget, RowSink, Target};
use crate::{Error, ErrorKind, Format, Limits};

/// The first frame, where it lies on the screen.
struct Layout {
    screen_width: u32,
    screen_height: u32,
    left: u32,
    top: u32,
    width: u32,
    height: u32,
    interlaced: bool,
}

/// Reads the header and the first frame's descriptor, checks the limits and plans the memory.
fn open<R: Read>(
    r: R,
    limits: &Limits,
    budget: &mut Budget,
    target: &impl Target,
) -> Result<(gif::Decoder<R>, Layout), Error> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    // `gif` keeps XMP and ICC data from the header, each growing (by doubling) to this.
    let keep = std::num::NonZeroU64::new(budget.max() / 4).unwrap_or(std::num::NonZeroU64::MIN);
    options.set_memory_limit(gif::MemoryLimit::Bytes(keep));
    let mut decoder = options.read_info(r).map_err(|e| map_error(e, budget))?;
    let (screen_width, screen_height) = (u32::from(decoder.width()), u32::from(decoder.height()));
    limits.check_pixels(u64::from(screen_width), u64::from(screen_height))?;
    let metadata = decoder.xmp_metadata().map_or(0, <[u8]>::len) + decoder.icc_profile().map_or(0, <[u8]>::len);
    budget.take(2 * metadata as u64, || "the XMP and ICC data of this GIF".into())?;
    let frame = decoder
        .next_frame_info()
        .map_err(|e| map_error(e, budget))?
        .ok_or_else(|| Error::decode(Format::Gif, "no image in the file"))?;
    let layout = Layout {
        screen_width,
        screen_height,
        left: u32::from(frame.left),
        top: u32::from(frame.top),
        width: u32::from(frame.width),
        height: u32::from(frame.height),
        interlaced: frame.interlaced,
    };
    limits.check_pixels(u64::from(layout.width), u64::from(layout.height))?;
    let (sw, sh, fw, fh) = (screen_width, screen_height, layout.width, layout.height);
    target.plan(budget, sw, sh)?;
    // A screen row in RGB, a frame row of indices, the LZW decoder's tables and buffer.
    let rows = u64::from(sw) * 3 + u64::from(fw) + (256 << 10);
    budget.take(rows, || format!("the rows of a {sw}-pixel-wide GIF"))?;
    if layout.interlaced {
        let whole = u64::from(fw) * u64::from(fh);
        budget.take(whole, || format!("a {fw}x{fh} interlaced GIF frame, held whole"))?;
    }
    Ok((decoder, layout))
}

/// Reads the header and the first frame's descriptor and checks the limits.
pub(crate) fn probe<R: Read>(r: R, limits: &Limits) -> Result<(u32, u32), Error> {
    let (_, layout) = open(r, limits, &mut Budget::new(limits), &HashTarget)?;
    Ok((layout.screen_width, layout.screen_height))
}

/// Decodes the first frame into `target`'s sink.
pub(crate) fn decode<R: Read, T: Target>(r: R, limits: &Limits, target: &T) -> Result<(u32, u32, T::Sink), Error> {
    let mut budget = Budget::new(limits);
    let (mut decoder, layout) = open(r, limits, &mut budget, target)?;
    let (sw, sh) = (layout.screen_width as usize, layout.screen_height as usize);
    let (left, top) = (layout.left as usize, layout.top as usize);
    let (fw, fh) = (layout.width as usize, layout.height as usize);
    let mut sink = target.sink(layout.screen_width, layout.screen_height);
    if sw == 0 || sh == 0 {
        return Ok((layout.screen_width, layout.screen_height, sink));
    }
    let palette = decoder.palette().map_err(|e| map_error(e, &budget))?.to_vec();
    // The frame's columns that fall on the screen.
    let visible = fw.min(sw.saturating_sub(left));
    let mut screen_row = vec![0u8; sw * 3];
    let mut draw = |sink: &mut T::Sink, indices: Option<&[u8]>| {
        screen_row.fill(0);
        if let Some(indices) = indices {
            let out = &mut screen_row[left.min(sw) * 3..];
            for (px, &i) in out.chunks_exact_mut(3).zip(&indices[..visible]) {
                // An index past the palette leaves the pixel as it was: zero.
                if let Some(rgb) = palette.get(3 * usize::from(i)..3 * usize::from(i) + 3) {
                    px.copy_from_slice(rgb);
                }
            }
        }
        sink.push(&screen_row, 3);
    };
    let err = |e| map_error(e, &budget);
    // Frame rows that land on the screen; the rest need not be decoded.
    let frame_rows = fh.min(sh.saturating_sub(top));
    if layout.interlaced {
        let mut indices = vec![0u8; fw * fh];
        if fw > 0 && fh > 0 {
            decoder.read_into_buffer(&mut indices).map_err(err)?;
        }
        for y in 0..sh {
            let row = (y >= top && y - top < frame_rows).then(|| &indices[(y - top) * fw..][..fw]);
            draw(&mut sink, row);
        }
    } else {
        let mut indices = vec![0u8; fw];
        for y in 0..sh {
            if y >= top && y - top < frame_rows {
                if !decoder.fill_buffer(&mut indices).map_err(err)? {
                    return Err(Error::new(ErrorKind::Truncated { format: Format::Gif }));
                }
                draw(&mut sink, Some(&indices));
            } else {
                draw(&mut sink, None);
            }
        }
    }
    Ok((layout.screen_width, layout.screen_height, sink))
}

fn map_error(e: gif::DecodingError, budget: &Budget) -> Error {
    use gif::DecodingError as E;
    match e {
        E::UnexpectedEof => Error::new(ErrorKind::Truncated { format: Format::Gif }),
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::new(ErrorKind::Truncated { format: Format::Gif })
        }
        E::Io(io) => Error::new(ErrorKind::Read { message: io.to_string() }),
        E::MemoryLimit | E::OutOfMemory => budget.exceeded("the XMP and ICC data of this GIF"),
        other => {
            let msg = other.to_string();
            if msg.to_ascii_lowercase().contains("truncated") {
                Error::new(ErrorKind::Truncated { format: Format::Gif })
            } else {
                Error::decode(Format::Gif, msg)
            }
        }
    }
}
