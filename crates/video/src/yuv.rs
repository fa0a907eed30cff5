//! YUV 4:2:0 to RGB24 exactly as libswscale's portable C converter does it.
//!
//! The vPDQ reference converts decoded frames with swscale. For 8-bit 4:2:0 frames at their own
//! size, swscale uses a special unscaled converter: a lookup-table conversion with nearest
//! chroma (each chroma sample colours a 2x2 block), BT.601 coefficients, studio or full range
//! from the pixel format. Its x86 SIMD version rounds differently (1-6 bits of PDQ distance on
//! the sample videos, more on flat frames), so the pixels depend on the machine. Meta's sample
//! hash files (except `test-padded-dimensions`) were made with the portable C version; this is
//! the same arithmetic, so the frames, and the hashes, are the same on every machine and with
//! every ffmpeg build: ffmpeg only decodes, its output being the bit-exact YUV of the codec.
//!
//! The tables are built as swscale builds them (16.16 fixed point in 64-bit integers, C's
//! truncating division and arithmetic shifts, which Rust's `/` and `>>` on `i64` match).

/// swscale's BT.601 coefficients (its default colourspace, which the reference never changes):
/// V to R, U to B, U to G, V to G, in 16.16 fixed point.
const BT601: [i64; 4] = [104_597, 132_201, 25_675, 53_279];

/// A 4:2:0 to RGB24 converter for one frame size.
#[derive(Clone, Debug)]
pub(crate) struct Yuv420ToRgb {
    width: usize,
    height: usize,
    /// Output byte for a luma index (already offset and clipped).
    clip: Vec<u8>,
    /// Where index 0 of the conceptual table sits in `clip`.
    zero: i64,
    r_v: [i32; 256],
    g_u: [i32; 256],
    g_v: [i32; 256],
    b_u: [i32; 256],
}

impl Yuv420ToRgb {
    pub(crate) fn new(width: usize, height: usize, full_range: bool) -> Self {
        let [mut crv, mut cbu, mut cgu, mut cgv] = [BT601[0], BT601[1], -BT601[2], -BT601[3]];
        let (mut cy, mut oy): (i64, i64) = (1 << 16, 0);
        if full_range {
            crv = crv * 224 / 255;
            cbu = cbu * 224 / 255;
            cgu = cgu * 224 / 255;
            cgv = cgv * 224 / 255;
        } else {
            cy = cy * 255 / 219;
            oy = 16 << 16;
        }
        // Contrast and saturation are 1.0 (1 << 16) and brightness 0: those steps are identities.
        let scale = |c: i64| ((c << 16) + 0x8000) / cy;
        let (crv, cbu, cgu, cgv) = (scale(crv), scale(cbu), scale(cgu), scale(cgv));
        let yoffs: i64 = if full_range { 384 } else { 326 };

        // Luma table entry `i` is clip((-(384 << 16) - oy + i * cy + 0x8000) >> 16). Indices used
        // below stay within -1024..2048 for any 8-bit input; build that range.
        let (lo, hi) = (-1024i64, 2048i64);
        let clip = (lo..hi)
            .map(|i| {
                let yb = -(384i64 << 16) - oy + i * cy;
                ((yb + 0x8000) >> 16).clamp(0, 255) as u8
            })
            .collect();
        let table = |inc: i64, base: i64| -> [i32; 256] {
            std::array::from_fn(|i| (base - (inc >> 9) + ((i as i64 * inc) >> 16)) as i32)
        };
        Yuv420ToRgb {
            width,
            height,
            clip,
            zero: -lo,
            r_v: table(crv, yoffs),
            g_u: table(cgu, yoffs),
            g_v: table(cgv, 0),
            b_u: table(cbu, yoffs),
        }
    }

    /// Bytes of one packed 4:2:0 frame: the luma plane, then U and V at half size rounded up
    /// (what ffmpeg's rawvideo output holds).
    pub(crate) fn input_size(&self) -> usize {
        let (cw, ch) = (self.width.div_ceil(2), self.height.div_ceil(2));
        self.width * self.height + 2 * cw * ch
    }

    /// Converts one frame (`input_size` bytes) to packed RGB (`width * height * 3` bytes).
    pub(crate) fn convert(&self, yuv: &[u8], rgb: &mut Vec<u8>) {
        let (w, h) = (self.width, self.height);
        let cw = w.div_ceil(2);
        let ch = h.div_ceil(2);
        rgb.resize(w * h * 3, 0);
        if yuv.len() < self.input_size() || w == 0 {
            return;
        }
        let (y_plane, rest) = yuv.split_at(w * h);
        let (u_plane, v_plane) = rest.split_at(cw * ch);
        // Table offsets are shifted by `zero` so that every index is a plain `usize`; for 8-bit
        // inputs they stay inside `clip` (checked by `get`, never out of range in practice).
        let zero = self.zero as i32;
        let at = |i: i32| -> u8 { self.clip.get((i + zero) as usize).copied().unwrap_or(0) };
        for (row, out) in rgb.chunks_exact_mut(w * 3).enumerate() {
            let luma = &y_plane[row * w..(row + 1) * w];
            let crow = row / 2;
            let us = &u_plane[crow * cw..(crow + 1) * cw];
            let vs = &v_plane[crow * cw..(crow + 1) * cw];
            // Two pixels share a chroma sample.
            for ((px2, y2), (&u, &v)) in out.chunks_mut(6).zip(luma.chunks(2)).zip(us.iter().zip(vs)) {
                let (u, v) = (usize::from(u), usize::from(v));
                let (r, g, b) = (self.r_v[v], self.g_u[u] + self.g_v[v], self.b_u[u]);
                for (px, &y) in px2.chunks_exact_mut(3).zip(y2) {
                    let y = i32::from(y);
                    px[0] = at(r + y);
                    px[1] = at(g + y);
                    px[2] = at(b + y);
                }
            }
        }
    }
}
