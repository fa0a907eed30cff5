//! Finding the picture inside uniform borders: letterbox and pillarbox bars and padding, of any
//! colour, so that a copy with bars added can be hashed without them (issue 16). Written by
//! hand because it is a few loops over rows and columns; no crate does just this.
//!
//! A side's border is the run of rows (or columns) from that edge in which every pixel is within
//! [`BORDER_TOLERANCE`] of the edge's first line's mean colour, and that line itself is nearly
//! uniform. JPEG ringing and noise stay under the tolerance; a picture's own sky or wall is
//! rarely uniform to that degree over a whole line. Where a JPEG block straddles the bar's
//! edge, the lines next to the picture ring beyond that tolerance here and there: up to
//! [`TRANSITION_LINES`] of them are border still while they stay close to its colour on average. A side uniform over more than
//! [`MAX_SIDE_SHARE`] of the image is left alone: a uniform image, or something other than
//! padding.

/// How far (per channel, 0..=255) a border pixel may be from its side's colour.
pub const BORDER_TOLERANCE: u8 = 24;

/// A side is trimmed only if its border ends within this share of the width or height.
pub const MAX_SIDE_SHARE: f32 = 0.45;

/// The smallest border trimmed, as a share of the side's length: thinner is a frame line or a
/// compression artefact, not padding. A frame of 1 % (3 pixels around a 320-pixel photo) is
/// already enough to move a PDQ hash out of reach.
pub const MIN_BORDER_SHARE: f32 = 0.005;

/// The part of an image inside its uniform borders: `x0..x1`, `y0..y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// First column inside.
    pub x0: u32,
    /// First row inside.
    pub y0: u32,
    /// One past the last column inside.
    pub x1: u32,
    /// One past the last row inside.
    pub y1: u32,
}

impl Bounds {
    /// Width inside.
    pub fn width(&self) -> u32 {
        self.x1 - self.x0
    }

    /// Height inside.
    pub fn height(&self) -> u32 {
        self.y1 - self.y0
    }

    /// Whether nothing is trimmed.
    pub fn is_whole(&self, width: u32, height: u32) -> bool {
        self.x0 == 0 && self.y0 == 0 && self.x1 == width && self.y1 == height
    }
}

/// How many lines past a border's uniform run may still be its edge: JPEG codes 8x8 blocks of
/// brightness and, subsampled, 16x16 blocks of colour, so a bar whose edge falls inside a block
/// rings over up to 15 lines next to the picture, beyond [`BORDER_TOLERANCE`] here and there.
pub const TRANSITION_LINES: u32 = 15;

/// A line of that band is still border when its pixels are this close to the border's colour
/// on average (per channel): ringing is sparse, and a picture's first line is not this close.
pub const TRANSITION_MEAN_DEVIATION: u32 = 8;

/// The bounds of the picture inside `rgb` (`width` x `height`, 3 bytes a pixel) once uniform
/// borders are trimmed; the whole image when it has none, or when the image is uniform.
pub fn content_bounds(width: u32, height: u32, rgb: &[u8]) -> Bounds {
    let whole = Bounds { x0: 0, y0: 0, x1: width, y1: height };
    if width < 8 || height < 8 || rgb.len() < (width as usize) * (height as usize) * 3 {
        return whole;
    }
    let pixel = |x: u32, y: u32| {
        let at = ((y as usize) * (width as usize) + x as usize) * 3;
        [rgb[at], rgb[at + 1], rgb[at + 2]]
    };
    let max_rows = (height as f32 * MAX_SIDE_SHARE) as u32;
    let max_columns = (width as f32 * MAX_SIDE_SHARE) as u32;
    // A side's border: a run of uniform lines from its edge, then the transition band that lossy
    // compression leaves where the bar meets the picture. `line(i, j)` is pixel j of the i-th
    // line from the edge; `length` the side's length, for the smallest border.
    let run = |lines: u32, length: u32, side: u32, line: &dyn Fn(u32, u32) -> [u8; 3]| -> u32 {
        let colour = mean(length, |j| line(0, j));
        let mut count = 0;
        while count < lines && (0..length).all(|j| close(line(count, j), colour)) {
            count += 1;
        }
        // Uniform up to the cap: a uniform image, or a bar wider than any padding; not trimmed.
        if count == lines || (count as f32) < side as f32 * MIN_BORDER_SHARE {
            return 0;
        }
        let band_end = (count + TRANSITION_LINES).min(lines);
        while count < band_end && mean_deviation(length, |j| line(count, j), colour) <= TRANSITION_MEAN_DEVIATION {
            count += 1;
        }
        count
    };
    let top = run(max_rows, width, height, &|i, j| pixel(j, i));
    let bottom = run(max_rows, width, height, &|i, j| pixel(j, height - 1 - i));
    let left = run(max_columns, height, width, &|i, j| pixel(i, j));
    let right = run(max_columns, height, width, &|i, j| pixel(width - 1 - i, j));
    let bounds = Bounds { x0: left, y0: top, x1: width - right, y1: height - bottom };
    if bounds.x1 <= bounds.x0 + 4 || bounds.y1 <= bounds.y0 + 4 { whole } else { bounds }
}

/// The mean colour of `length` pixels.
fn mean(length: u32, pixel: impl Fn(u32) -> [u8; 3]) -> [u8; 3] {
    let mut sums = [0u64; 3];
    for j in 0..length {
        let value = pixel(j);
        for channel in 0..3 {
            sums[channel] += u64::from(value[channel]);
        }
    }
    sums.map(|sum| (sum / u64::from(length.max(1))) as u8)
}

/// The mean distance, per channel, of `length` pixels from `colour`.
fn mean_deviation(length: u32, pixel: impl Fn(u32) -> [u8; 3], colour: [u8; 3]) -> u32 {
    let mut sum = 0u64;
    for j in 0..length {
        let value = pixel(j);
        sum += (0..3).map(|channel| u64::from(value[channel].abs_diff(colour[channel]))).sum::<u64>();
    }
    (sum / (3 * u64::from(length.max(1)))) as u32
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    (0..3).all(|channel| a[channel].abs_diff(b[channel]) <= BORDER_TOLERANCE)
}

/// The pixels of `bounds` inside `rgb` (`width` pixels a row), as their own image.
pub fn crop_rgb(width: u32, rgb: &[u8], bounds: Bounds) -> Vec<u8> {
    let mut out = Vec::with_capacity((bounds.width() as usize) * (bounds.height() as usize) * 3);
    for y in bounds.y0..bounds.y1 {
        let start = ((y as usize) * (width as usize) + bounds.x0 as usize) * 3;
        out.extend_from_slice(&rgb[start..start + (bounds.width() as usize) * 3]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A busy picture: every pixel differs from its neighbours.
    fn picture(width: u32, height: u32) -> Vec<u8> {
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height {
            for x in 0..width {
                let value = (x * 37 + y * 91 + (x * y) % 53) % 256;
                rgb.extend_from_slice(&[value as u8, (value * 3 % 256) as u8, (255 - value) as u8]);
            }
        }
        rgb
    }

    /// `rgb` inside bars of `colour`: `top`, `bottom`, `left`, `right` pixels.
    fn framed(width: u32, height: u32, rgb: &[u8], sides: [u32; 4], colour: [u8; 3]) -> (u32, u32, Vec<u8>) {
        let [top, bottom, left, right] = sides;
        let (outer_width, outer_height) = (width + left + right, height + top + bottom);
        let mut out = Vec::new();
        for y in 0..outer_height {
            for x in 0..outer_width {
                let inside = x >= left && x < left + width && y >= top && y < top + height;
                if inside {
                    let at = (((y - top) * width + (x - left)) * 3) as usize;
                    out.extend_from_slice(&rgb[at..at + 3]);
                } else {
                    out.extend_from_slice(&colour);
                }
            }
        }
        (outer_width, outer_height, out)
    }

    #[test]
    fn an_image_without_borders_is_kept_whole() {
        let rgb = picture(120, 80);
        assert!(content_bounds(120, 80, &rgb).is_whole(120, 80));
        let flat = vec![128u8; 50 * 50 * 3];
        assert!(content_bounds(50, 50, &flat).is_whole(50, 50), "a uniform image is not all border");
    }

    #[test]
    fn bars_of_any_colour_are_trimmed_on_each_side() {
        let rgb = picture(120, 80);
        for (sides, colour) in
            [([20, 20, 0, 0], [0, 0, 0]), ([0, 0, 30, 30], [255, 255, 255]), ([12, 0, 0, 25], [200, 30, 90])]
        {
            let (width, height, image) = framed(120, 80, &rgb, sides, colour);
            let bounds = content_bounds(width, height, &image);
            assert_eq!(
                bounds,
                Bounds { x0: sides[2], y0: sides[0], x1: sides[2] + 120, y1: sides[0] + 80 },
                "{sides:?} {colour:?}"
            );
            assert_eq!(crop_rgb(width, &image, bounds), rgb);
        }
    }

    #[test]
    fn the_ringing_band_of_a_compressed_bar_is_trimmed_with_it() {
        let rgb = picture(120, 80);
        let (width, height, mut image) = framed(120, 80, &rgb, [20, 0, 0, 0], [255, 255, 255]);
        // The four lines of the bar next to the picture ring: one pixel in seven 50 below white.
        for y in 16..20u32 {
            for x in (0..width).step_by(7) {
                let at = ((y * width + x) * 3) as usize;
                image[at..at + 3].copy_from_slice(&[205, 205, 205]);
            }
        }
        assert_eq!(content_bounds(width, height, &image), Bounds { x0: 0, y0: 20, x1: 120, y1: 100 });
        // A band alone, with no uniform run before it, is not a border.
        let (width, height, image) = framed(120, 80, &rgb, [0, 0, 0, 0], [255, 255, 255]);
        assert!(content_bounds(width, height, &image).is_whole(width, height));
    }

    #[test]
    fn a_thin_line_or_a_bar_wider_than_its_share_is_not_a_border() {
        let rgb = picture(200, 200);
        let (width, height, image) = framed(200, 200, &rgb, [1, 0, 0, 0], [0, 0, 0]);
        assert!(content_bounds(width, height, &image).is_whole(width, height), "1 pixel of 201 is a line");
        let (width, height, image) = framed(20, 20, &picture(20, 20), [0, 0, 300, 0], [0, 0, 0]);
        assert!(content_bounds(width, height, &image).is_whole(width, height), "94 % of the width is not padding");
    }
}
