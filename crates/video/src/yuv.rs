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

use vigie_hash::LumaHasher;

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
    /// The same conversion as arithmetic, for [`Yuv420ToRgb::hash_luma`] (see [`Arith`]).
    arith: Arith,
}

/// swscale's table conversion as integer arithmetic, which vectorises (no lookups).
///
/// The output byte for (conceptual) luma-table index `i` is `clamp((i * cy + k) >> 16, 0, 255)`,
/// and a channel's index is `y` plus a chroma term: `r_v[v]`, `g_u[u] + g_v[v]` or `b_u[u]`,
/// where a chroma table entry is `base + ((c * inc) >> 16)`. So a channel is
/// `clamp((y * cy + term * cy + k) >> 16, 0, 255)`, the same integers as the tables'. For 8-bit
/// inputs the indices stay within -1024..2048 and `cy < 2^17`, so nothing here exceeds `2^31`
/// in magnitude (checked exhaustively by the tests, with overflow checks on).
#[derive(Clone, Copy, Debug)]
struct Arith {
    cy: i32,
    k: i32,
    /// `(inc, base)` of `r_v`, `g_u`, `g_v`, `b_u`.
    r_v: (i32, i32),
    g_u: (i32, i32),
    g_v: (i32, i32),
    b_u: (i32, i32),
}

impl Arith {
    /// The chroma terms of one chroma sample, times `cy`, plus `k`: what `y * cy` is added to.
    #[inline(always)]
    fn terms(&self, u: u8, v: u8) -> [i32; 3] {
        let (u, v) = (i32::from(u), i32::from(v));
        let entry = |(inc, base): (i32, i32), c: i32| base + ((c * inc) >> 16);
        let r = entry(self.r_v, v);
        let g = entry(self.g_u, u) + entry(self.g_v, v);
        let b = entry(self.b_u, u);
        [r * self.cy + self.k, g * self.cy + self.k, b * self.cy + self.k]
    }
}

/// Where [`Yuv420ToRgb::hash_luma`] writes rows of luminance.
pub(crate) trait LumaRows {
    /// The next row to fill (`width` values).
    fn row(&mut self) -> &mut [f32];
    /// The row is filled.
    fn commit_row(&mut self);
    /// The next row is the same as the previous one.
    fn repeat_row(&mut self);
}

impl LumaRows for LumaHasher {
    fn row(&mut self) -> &mut [f32] {
        LumaHasher::row(self)
    }
    fn commit_row(&mut self) {
        LumaHasher::commit_row(self);
    }
    fn repeat_row(&mut self) {
        LumaHasher::repeat_row(self);
    }
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
        let k = -(384i64 << 16) - oy + 0x8000;
        let inc_base = |inc: i64, base: i64| (inc as i32, (base - (inc >> 9)) as i32);
        let arith = Arith {
            cy: cy as i32,
            k: k as i32,
            r_v: inc_base(crv, yoffs),
            g_u: inc_base(cgu, yoffs),
            g_v: inc_base(cgv, 0),
            b_u: inc_base(cbu, yoffs),
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
            arith,
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
        rgb.resize(w * h * 3, 0);
        if yuv.len() < self.input_size() || w == 0 {
            return;
        }
        for (row, out) in rgb.chunks_exact_mut(w * 3).enumerate() {
            self.convert_row(yuv, row, out);
        }
    }

    /// Converts row `row` of a frame (`input_size` bytes) to packed RGB in `out` (`width * 3`
    /// bytes): [`Yuv420ToRgb::convert`]'s bytes for that row, without the rest of the frame.
    /// Leaves `out` as it is when `yuv` is shorter than a frame or `row` is past its height.
    pub(crate) fn convert_row(&self, yuv: &[u8], row: usize, out: &mut [u8]) {
        let (w, h) = (self.width, self.height);
        if yuv.len() < self.input_size() || w == 0 || row >= h || out.len() < w * 3 {
            return;
        }
        let cw = w.div_ceil(2);
        let ch = h.div_ceil(2);
        let (y_plane, rest) = yuv.split_at(w * h);
        let (u_plane, v_plane) = rest.split_at(cw * ch);
        // Table offsets are shifted by `zero` so that every index is a plain `usize`; for 8-bit
        // inputs they stay inside `clip` (checked by `get`, never out of range in practice).
        let zero = self.zero as i32;
        let at = |i: i32| -> u8 { self.clip.get((i + zero) as usize).copied().unwrap_or(0) };
        let luma = &y_plane[row * w..(row + 1) * w];
        let crow = row / 2;
        let us = &u_plane[crow * cw..(crow + 1) * cw];
        let vs = &v_plane[crow * cw..(crow + 1) * cw];
        // Two pixels share a chroma sample.
        for ((px2, y2), (&u, &v)) in out[..w * 3].chunks_mut(6).zip(luma.chunks(2)).zip(us.iter().zip(vs)) {
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

    /// Feeds the luminance of the frame's pixels, row by row, to a PDQ hasher (or any
    /// [`LumaRows`]) for frames of this size: the RGB bytes of [`Yuv420ToRgb::convert`] (same
    /// integers, see [`Arith`]), then the reference's luminance formula, without making the RGB
    /// frame. Nothing is fed when `yuv` is shorter than a frame.
    pub(crate) fn hash_luma(&self, yuv: &[u8], rows: &mut impl LumaRows, chroma: &mut ChromaRow) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the CPU has AVX-512.
            unsafe { self.hash_luma_avx512(yuv, rows, chroma) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            unsafe { self.hash_luma_avx2(yuv, rows, chroma) };
            return;
        }
        self.hash_luma_with(yuv, rows, chroma);
    }

    /// The same code, compiled for AVX2 (8 pixels at a time); the integer and `f32`
    /// operations are the same, lane by lane.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn hash_luma_avx2(&self, yuv: &[u8], rows: &mut impl LumaRows, chroma: &mut ChromaRow) {
        self.hash_luma_with(yuv, rows, chroma);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx2")]
    fn hash_luma_avx512(&self, yuv: &[u8], rows: &mut impl LumaRows, chroma: &mut ChromaRow) {
        self.hash_luma_with(yuv, rows, chroma);
    }

    #[inline(always)]
    fn hash_luma_with(&self, yuv: &[u8], rows: &mut impl LumaRows, chroma: &mut ChromaRow) {
        let (w, h) = (self.width, self.height);
        if yuv.len() < self.input_size() || w == 0 {
            return;
        }
        let cw = w.div_ceil(2);
        let (y_plane, rest) = yuv.split_at(w * h);
        let (u_plane, v_plane) = rest.split_at(cw * (h.div_ceil(2)));
        let ChromaRow { r, g, b } = chroma;
        fn chroma_row(plane: &[u8], cw: usize, crow: usize) -> &[u8] {
            &plane[crow * cw..(crow + 1) * cw]
        }
        let mut previous: &[u8] = &[];
        for (row, luma) in y_plane.chunks_exact(w).enumerate() {
            // A row whose pixels (luma and the chroma it uses) are those of the row before has
            // its luminance too: flat bands, padding. Compared as bytes, which stops at the
            // first difference.
            let crow = row / 2;
            let same_chroma = row % 2 == 1
                || (row > 0
                    && chroma_row(u_plane, cw, crow) == chroma_row(u_plane, cw, crow - 1)
                    && chroma_row(v_plane, cw, crow) == chroma_row(v_plane, cw, crow - 1));
            if row % 2 == 0 {
                chroma_terms(&self.arith, chroma_row(u_plane, cw, crow), chroma_row(v_plane, cw, crow), [r, g, b]);
            }
            if row > 0 && luma == previous && same_chroma {
                rows.repeat_row();
            } else {
                luma_row(luma, r, g, b, self.arith.cy, rows.row());
                rows.commit_row();
            }
            previous = luma;
        }
    }
}

/// The chroma terms of a row pair, one per pixel (each chroma sample covers two).
#[inline(always)]
fn chroma_terms(arith: &Arith, us: &[u8], vs: &[u8], out: [&mut Vec<i32>; 3]) {
    let n = us.len().min(vs.len());
    let [r, g, b] = out;
    for t in [&mut *r, &mut *g, &mut *b] {
        t.resize(2 * n, 0);
    }
    let (r, g, b) =
        (&mut r.as_chunks_mut::<2>().0[..n], &mut g.as_chunks_mut::<2>().0[..n], &mut b.as_chunks_mut::<2>().0[..n]);
    for i in 0..n {
        let [tr, tg, tb] = arith.terms(us[i], vs[i]);
        r[i] = [tr; 2];
        g[i] = [tg; 2];
        b[i] = [tb; 2];
    }
}

/// One row of luminance from its luma bytes and per-pixel chroma terms (a plain loop over
/// equal-length slices, which the compiler vectorises).
#[inline(always)]
fn luma_row(y: &[u8], r: &[i32], g: &[i32], b: &[i32], cy: i32, out: &mut [f32]) {
    let n = out.len();
    let (y, r, g, b) = (&y[..n], &r[..n], &g[..n], &b[..n]);
    for i in 0..n {
        let yc = i32::from(y[i]) * cy;
        let channel = |term: i32| ((yc + term) >> 16).clamp(0, 255) as u8;
        out[i] = vigie_hash::rgb_luma(channel(r[i]), channel(g[i]), channel(b[i]));
    }
}

/// Per-pixel chroma terms of a row pair, reused from frame to frame (see
/// [`Yuv420ToRgb::hash_luma`]).
#[derive(Debug, Default)]
pub(crate) struct ChromaRow {
    r: Vec<i32>,
    g: Vec<i32>,
    b: Vec<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects the rows of luminance.
    struct Collect {
        width: usize,
        rows: Vec<f32>,
        repeats: usize,
    }

    impl LumaRows for Collect {
        fn row(&mut self) -> &mut [f32] {
            let n = self.rows.len();
            self.rows.resize(n + self.width, f32::NAN);
            &mut self.rows[n..]
        }
        fn commit_row(&mut self) {}
        fn repeat_row(&mut self) {
            self.repeats += 1;
            let n = self.rows.len();
            self.rows.extend_from_within(n - self.width..);
        }
    }

    /// Repeated rows (flat bands) are repeated, not recomputed, only when their chroma is the
    /// same too: the luminance is still that of the RGB frame.
    #[test]
    fn repeated_rows_keep_the_luminance_of_the_rgb_frame() {
        let (w, h) = (64usize, 48usize);
        let conv = Yuv420ToRgb::new(w, h, false);
        let mut yuv: Vec<u8> = (0..conv.input_size()).map(|i| (i * 7 % 251) as u8).collect();
        // Luma rows 10..30 equal row 10, chroma rows 5..15 equal row 5: rows 10..30 repeat.
        // Luma rows 31..40 equal row 31 but chroma rows differ: no repeat past row 31 on even
        // rows.
        for r in 11..30 {
            yuv.copy_within(10 * w..11 * w, r * w);
        }
        for r in 32..40 {
            yuv.copy_within(31 * w..32 * w, r * w);
        }
        let (cw, ch) = (w / 2, h / 2);
        for plane in [w * h, w * h + cw * ch] {
            for cr in 6..15 {
                yuv.copy_within(plane + 5 * cw..plane + 6 * cw, plane + cr * cw);
            }
        }
        let mut got = Collect { width: w, rows: Vec::new(), repeats: 0 };
        conv.hash_luma(&yuv, &mut got, &mut ChromaRow::default());
        let mut rgb = Vec::new();
        conv.convert(&yuv, &mut rgb);
        assert_eq!(got.rows.len(), w * h);
        for (i, px) in rgb.chunks_exact(3).enumerate() {
            assert_eq!(got.rows[i].to_bits(), vigie_hash::rgb_luma(px[0], px[1], px[2]).to_bits(), "pixel {i}");
        }
        // Rows 11..30, and the odd rows 33..40 (which share their chroma with the row before).
        assert_eq!(got.repeats, 19 + 4);
    }

    /// Every (y, u, v) in both ranges: the luminance fed to the hasher is the reference's
    /// luminance of the RGB pixels `convert` gives, to the bit.
    #[test]
    fn luminance_rows_equal_luminance_of_the_rgb_frame() {
        // 512 x 512: chroma sample (u, v) = (column, row) / 2 covers every pair; each frame
        // gives the four pixels of a block luma values 4f..4f+3, so 64 frames cover every y.
        let (w, h) = (512usize, 512usize);
        for full_range in [false, true] {
            let conv = Yuv420ToRgb::new(w, h, full_range);
            let mut chroma = ChromaRow::default();
            let mut rgb = Vec::new();
            for f in 0..64u32 {
                let mut yuv = vec![0u8; conv.input_size()];
                for (i, y) in yuv[..w * h].iter_mut().enumerate() {
                    let (row, col) = (i / w, i % w);
                    *y = (4 * f + 2 * (row % 2) as u32 + (col % 2) as u32) as u8;
                }
                let (u, v) = yuv[w * h..].split_at_mut(w * h / 4);
                for i in 0..w * h / 4 {
                    u[i] = (i % (w / 2)) as u8;
                    v[i] = (i / (w / 2)) as u8;
                }
                let mut got = Collect { width: w, rows: Vec::new(), repeats: 0 };
                conv.hash_luma(&yuv, &mut got, &mut chroma);
                let mut portable = Collect { width: w, rows: Vec::new(), repeats: 0 };
                conv.hash_luma_with(&yuv, &mut portable, &mut chroma);
                conv.convert(&yuv, &mut rgb);
                assert_eq!(got.rows.len(), w * h);
                for (i, px) in rgb.chunks_exact(3).enumerate() {
                    let want = vigie_hash::rgb_luma(px[0], px[1], px[2]).to_bits();
                    assert_eq!(got.rows[i].to_bits(), want, "range {full_range}, frame {f}, pixel {i}");
                    assert_eq!(portable.rows[i].to_bits(), want, "range {full_range}, frame {f}, pixel {i}");
                }
            }
        }
    }
}
