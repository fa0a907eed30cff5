//! Images scaled down for display: rows of pixels in, a small RGB image out, by area averaging
//! (each output pixel is the mean of the input pixels it covers), one input row at a time.
//!
//! The decoders are the hashing ones, under the same [`Limits`](crate::Limits): only the sink
//! differs ([`crate::sink`]). A thumbnail holds its output (at most `max_side²` pixels) and
//! one row of sums, whatever the image's size.

use crate::budget::Budget;
use crate::sink::{RowSink, Target};
use crate::{Error, ErrorKind, Format};

/// An RGB image made by Vigie from decoded pixels: 8 bits a channel, row-major, no alpha.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Thumbnail {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 3` bytes.
    pub rgb: Vec<u8>,
}

impl std::fmt::Debug for Thumbnail {
    // The pixels may show reported content: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Thumbnail").field("width", &self.width).field("height", &self.height).finish_non_exhaustive()
    }
}

/// The size of a `width x height` image scaled so that its longer side is at most `max_side`
/// (never enlarged; each side at least 1 pixel).
pub fn thumbnail_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longer = width.max(height);
    if longer <= max_side || longer == 0 {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(max_side) + u64::from(longer) / 2) / u64::from(longer);
        u32::try_from(scaled).unwrap_or(max_side).clamp(1, max_side)
    };
    (scale(width), scale(height))
}

/// Scales an image down as its rows arrive (area averaging), to at most `max_side` pixels on
/// its longer side. Grey rows become grey RGB; alpha is ignored.
///
/// ```
/// use vigie_hash::Downscaler;
///
/// // A 4x2 image, left half black, right half white, to 2x1.
/// let mut scaler = Downscaler::new(4, 2, 2)?;
/// for _ in 0..2 {
///     scaler.push_rgb_row(&[0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
/// }
/// let small = scaler.finish();
/// assert_eq!((small.width, small.height), (2, 1));
/// assert_eq!(small.rgb, [0, 0, 0, 255, 255, 255]);
/// # Ok::<(), vigie_hash::Error>(())
/// ```
pub struct Downscaler {
    in_width: u32,
    in_height: u32,
    out_width: u32,
    out_height: u32,
    /// Sums of the current output row's pixels, 3 per output column.
    sums: Vec<u64>,
    /// Input rows summed into `sums` so far.
    rows_summed: u32,
    /// Input rows received.
    rows_in: u32,
    /// The output row `sums` belongs to.
    out_row: u32,
    rgb: Vec<u8>,
}

impl std::fmt::Debug for Downscaler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downscaler")
            .field("from", &(self.in_width, self.in_height))
            .field("to", &(self.out_width, self.out_height))
            .finish_non_exhaustive()
    }
}

/// The first input index (of `input` along a side) that output index `out` (of `output`)
/// covers: `ceil(out * input / output)`.
fn first_covered(out: u32, input: u32, output: u32) -> u32 {
    let start = (u64::from(out) * u64::from(input)).div_ceil(u64::from(output.max(1)));
    u32::try_from(start).unwrap_or(u32::MAX)
}

impl Downscaler {
    /// A downscaler for a `width x height` image to at most `max_side` pixels on its longer
    /// side. Refuses `max_side` 0.
    pub fn new(width: u32, height: u32, max_side: u32) -> Result<Downscaler, Error> {
        if max_side == 0 {
            return Err(Error::new(ErrorKind::InvalidInput { message: "a thumbnail needs at least 1 pixel".into() }));
        }
        Ok(Self::new_unchecked(width, height, max_side))
    }

    pub(crate) fn new_unchecked(width: u32, height: u32, max_side: u32) -> Downscaler {
        let (out_width, out_height) = thumbnail_size(width, height, max_side.max(1));
        Downscaler {
            in_width: width,
            in_height: height,
            out_width,
            out_height,
            sums: vec![0; out_width as usize * 3],
            rows_summed: 0,
            rows_in: 0,
            out_row: 0,
            rgb: vec![0; out_width as usize * out_height as usize * 3],
        }
    }

    /// The bytes [`Downscaler::new`] allocates, for a decoder's plan.
    pub(crate) fn memory_bytes(width: u32, height: u32, max_side: u32) -> u64 {
        let (w, h) = thumbnail_size(width, height, max_side.max(1));
        u64::from(w) * u64::from(h) * 3 + u64::from(w) * 3 * 8
    }

    /// The output's size.
    pub fn output_size(&self) -> (u32, u32) {
        (self.out_width, self.out_height)
    }

    /// Adds the next row of packed RGB pixels (`width * 3` bytes; a shorter row leaves the
    /// missing pixels black). Rows beyond the image's height are ignored.
    pub fn push_rgb_row(&mut self, row: &[u8]) {
        self.push(row, 3);
    }

    /// The thumbnail. Rows never pushed are black.
    pub fn finish(mut self) -> Thumbnail {
        if self.rows_summed > 0 {
            self.flush_row();
        }
        Thumbnail { width: self.out_width, height: self.out_height, rgb: self.rgb }
    }

    /// Writes the averages of `sums` into the output row `out_row`, and clears the sums.
    fn flush_row(&mut self) {
        let (w, ow) = (self.in_width, self.out_width);
        let row_start = self.out_row as usize * ow as usize * 3;
        let Some(out) = self.rgb.get_mut(row_start..row_start + ow as usize * 3) else { return };
        let rows = u64::from(self.rows_summed.max(1));
        for (ox, (pixel, sum)) in out.chunks_exact_mut(3).zip(self.sums.chunks_exact_mut(3)).enumerate() {
            let ox = ox as u32;
            let columns = first_covered(ox + 1, w, ow).min(w).saturating_sub(first_covered(ox, w, ow));
            let count = rows * u64::from(columns.max(1));
            for (value, total) in pixel.iter_mut().zip(sum.iter_mut()) {
                *value = u8::try_from((*total + count / 2) / count).unwrap_or(u8::MAX);
                *total = 0;
            }
        }
        self.rows_summed = 0;
    }
}

impl RowSink for Downscaler {
    fn push(&mut self, row: &[u8], channels: usize) {
        if self.rows_in >= self.in_height || self.out_width == 0 || channels == 0 {
            return;
        }
        let y = self.rows_in;
        self.rows_in += 1;
        // The output row this input row falls in: the last one whose first input row is at or
        // before it.
        let out_row = if self.out_height == self.in_height {
            y
        } else {
            let mut out_row = self.out_row;
            while out_row + 1 < self.out_height && first_covered(out_row + 1, self.in_height, self.out_height) <= y {
                out_row += 1;
            }
            out_row
        };
        if out_row != self.out_row {
            if self.rows_summed > 0 {
                self.flush_row();
            }
            self.out_row = out_row;
        }
        let (w, ow) = (self.in_width, self.out_width);
        let mut ox = 0u32;
        let mut next = first_covered(1, w, ow);
        for (x, pixel) in row.chunks_exact(channels).take(w as usize).enumerate() {
            let x = x as u32;
            while x >= next && ox + 1 < ow {
                ox += 1;
                next = first_covered(ox + 1, w, ow);
            }
            let sum = &mut self.sums[ox as usize * 3..ox as usize * 3 + 3];
            if channels >= 3 {
                sum[0] += u64::from(pixel[0]);
                sum[1] += u64::from(pixel[1]);
                sum[2] += u64::from(pixel[2]);
            } else {
                let grey = u64::from(pixel[0]);
                sum[0] += grey;
                sum[1] += grey;
                sum[2] += grey;
            }
        }
        self.rows_summed += 1;
    }
}

/// Decoding into a thumbnail of at most `max_side` pixels a side.
pub(crate) struct ThumbnailTarget {
    pub(crate) max_side: u32,
}

impl Target for ThumbnailTarget {
    type Sink = Downscaler;

    fn plan(&self, budget: &mut Budget, width: u32, height: u32) -> Result<(), Error> {
        let bytes = Downscaler::memory_bytes(width, height, self.max_side);
        budget.take(bytes, || format!("the thumbnail of a {width}x{height} image"))
    }

    fn sink(&self, width: u32, height: u32) -> Downscaler {
        Downscaler::new_unchecked(width, height, self.max_side)
    }

    /// The high byte: a thumbnail shows the image as a viewer would, not as the reference
    /// hashes 16-bit PNGs (see [`crate::decode::narrow16`]).
    fn narrow16(&self, _format: Format) -> fn(u16) -> u8 {
        |v| (v >> 8) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale(width: u32, height: u32, max_side: u32, rgb: &[u8]) -> Thumbnail {
        let mut scaler = Downscaler::new(width, height, max_side).unwrap();
        for row in rgb.chunks_exact(width as usize * 3) {
            scaler.push_rgb_row(row);
        }
        scaler.finish()
    }

    #[test]
    fn sizes_keep_the_aspect_and_never_enlarge() {
        assert_eq!(thumbnail_size(1600, 1004, 480), (480, 301));
        assert_eq!(thumbnail_size(1004, 1600, 480), (301, 480));
        assert_eq!(thumbnail_size(300, 200, 480), (300, 200));
        assert_eq!(thumbnail_size(100_000_000, 1, 480), (480, 1));
        assert_eq!(thumbnail_size(0, 0, 480), (0, 0));
        assert!(Downscaler::new(10, 10, 0).is_err());
    }

    #[test]
    fn each_output_pixel_is_the_mean_of_the_pixels_it_covers() {
        // 3x3 to 2x2: output columns cover input columns {0, 1} and {2}; rows the same.
        let rgb: Vec<u8> = (0..9u8).flat_map(|i| [i * 10, 0, 255]).collect();
        let small = scale(3, 3, 2, &rgb);
        assert_eq!((small.width, small.height), (2, 2));
        let red: Vec<u8> = small.rgb.chunks_exact(3).map(|p| p[0]).collect();
        // (0+10+30+40)/4 = 20, (20+50)/2 = 35, (60+70)/2 = 65, 80.
        assert_eq!(red, [20, 35, 65, 80]);
        assert!(small.rgb.chunks_exact(3).all(|p| p[1] == 0 && p[2] == 255));
    }

    #[test]
    fn an_image_within_the_size_is_copied() {
        let rgb: Vec<u8> = (0..5 * 4 * 3).map(|i| (i * 7 % 256) as u8).collect();
        assert_eq!(scale(5, 4, 480, &rgb).rgb, rgb);
    }

    #[test]
    fn grey_rows_become_grey_pixels_and_missing_rows_black() {
        let mut scaler = Downscaler::new(2, 2, 2).unwrap();
        scaler.push(&[9, 255, 200, 255], 2);
        let small = scaler.finish();
        assert_eq!(small.rgb, [9, 9, 9, 200, 200, 200, 0, 0, 0, 0, 0, 0]);
    }
}
