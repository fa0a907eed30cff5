//! The PDQ algorithm, bit-for-bit as Meta's C++ reference computes it.
//!
//! The reference converts the whole image to a float luminance buffer, then runs a "Jarosz"
//! tent filter made of two rounds of a horizontal and a vertical box filter (running sums in
//! `f32`), samples 64x64 points, takes the 16x16 low-frequency corner of a DCT and compares each
//! coefficient with the median. The output bits depend on float comparisons and the quality on
//! float-to-int truncations, so every arithmetic operation here is done in `f32` in the same
//! order as the reference: same running sums, same phases at the edges, same divisions.
//!
//! What differs is the schedule, not the arithmetic. The reference keeps two full-size float
//! buffers and walks columns with a stride of a whole row. Here the image streams through
//! row by row ([`Filter::push_row`]):
//!
//! 1. horizontal box #1 on each row (eight rows at a time, so eight independent sums run side
//!    by side);
//! 2. vertical box #1 as running sums across the whole row width (contiguous, vectorisable),
//!    keeping only the last `window + 8` filtered rows in a ring;
//! 3. horizontal box #2: its running sums must still visit every pixel, but its quotients are
//!    only needed at the 64 columns that decimation samples;
//! 4. vertical box #2 on those 64 columns only, at the end.
//!
//! Memory is `O(window x width)` instead of three full-size copies of the image.

// Index loops mirror the reference's (row, column, lane) arithmetic, which is the point here.
#![allow(clippy::needless_range_loop)]

/// Images with a side below this give the all-zero hash and quality 0, as in the reference.
pub(crate) const MIN_HASHABLE_DIM: usize = 5;

/// Rows filtered together by the horizontal passes.
const LANES: usize = 8;

/// Luminance coefficients: the reference declares them `const float x = 0.299;`, i.e. the
/// double literal rounded to `f32`.
pub(crate) const LUMA_R: f32 = 0.299_f64 as f32;
pub(crate) const LUMA_G: f32 = 0.587_f64 as f32;
pub(crate) const LUMA_B: f32 = 0.114_f64 as f32;

/// `Y = R*0.299 + G*0.587 + B*0.114`, evaluated left to right in `f32` like the reference.
#[inline(always)]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> f32 {
    LUMA_R * f32::from(r) + LUMA_G * f32::from(g) + LUMA_B * f32::from(b)
}

/// Converts one row of packed RGB (3 bytes a pixel, extra channels allowed via `stride`).
pub(crate) fn luma_row_rgb(src: &[u8], channels: usize, out: &mut [f32]) {
    for (o, px) in out.iter_mut().zip(src.chunks_exact(channels)) {
        *o = luma(px[0], px[1], px[2]);
    }
}

/// Converts one row of grey pixels (the reference uses the grey level itself as luminance).
pub(crate) fn luma_row_gray(src: &[u8], channels: usize, out: &mut [f32]) {
    for (o, px) in out.iter_mut().zip(src.chunks_exact(channels)) {
        *o = f32::from(px[0]);
    }
}

/// Box-filter window for a pass along a dimension of `old` samples that will be decimated to
/// `new` samples: half of `old / new`, rounded up (two passes make the full tent).
pub(crate) fn jarosz_window(old: usize, new: usize) -> usize {
    old.div_ceil(2 * new)
}

/// Sample positions of the 64-point decimation along a dimension of `n` samples:
/// `floor((i + 0.5) * n / 64)`, computed in `f64` as the reference does.
fn decimation_indices(n: usize) -> [usize; 64] {
    let mut idx = [0usize; 64];
    for (i, v) in idx.iter_mut().enumerate() {
        *v = ((i as f64 + 0.5) * n as f64 / 64.0) as usize;
    }
    idx
}

/// Geometry of one 1-D box filter of window `w` over `n` samples (`w <= n`).
///
/// The reference's running sum has four phases; written per output index `o`:
/// * `o == 0`: add inputs `0..half`;
/// * `1 <= o <= w - half`: add input `o + half - 1` (window still growing);
/// * `w - half < o <= n - half`: add input `o + half - 1`, then subtract input `o + half - 1 - w`;
/// * `o > n - half`: subtract input `o + half - 1 - w` (window shrinking);
///
/// and the output is the sum divided by the number of inputs currently in the window.
#[derive(Clone, Copy, Debug)]
struct BoxGeom {
    n: usize,
    w: usize,
    half: usize,
}

impl BoxGeom {
    fn new(n: usize, w: usize) -> Self {
        debug_assert!(w >= 1 && w <= n);
        BoxGeom { n, w, half: (w + 2) / 2 }
    }
}

/// Runs the box filter over `LANES` interleaved rows at once.
///
/// `input(l)` is row `l` (length `g.n`). For every output index `o` with `want(o)`, calls
/// `emit(o, [sum / count; LANES])`. Running sums are updated for every index regardless, so the
/// emitted values are exactly the reference's.
#[inline(always)]
fn box_rows<F: FnMut(usize, &[f32; LANES])>(
    rows: &[&[f32]; LANES],
    g: BoxGeom,
    mut want: impl FnMut(usize) -> bool,
    mut emit: F,
) {
    let BoxGeom { n, w, half } = g;
    let mut sum = [0f32; LANES];
    let mut out = [0f32; LANES];
    // Phase 1: accumulate without writing.
    for i in 0..half - 1 {
        for l in 0..LANES {
            sum[l] += rows[l][i];
        }
    }
    // Phase 2: growing window.
    for o in 0..=(w - half) {
        let i = o + half - 1;
        for l in 0..LANES {
            sum[l] += rows[l][i];
        }
        if want(o) {
            let count = (i + 1) as f32;
            for l in 0..LANES {
                out[l] = sum[l] / count;
            }
            emit(o, &out);
        }
    }
    // Phase 3: full window.
    let count = w as f32;
    for o in (w - half + 1)..=(n - half) {
        let add = o + half - 1;
        let sub = add - w;
        for l in 0..LANES {
            sum[l] += rows[l][add];
            sum[l] -= rows[l][sub];
        }
        if want(o) {
            for l in 0..LANES {
                out[l] = sum[l] / count;
            }
            emit(o, &out);
        }
    }
    // Phase 4: shrinking window.
    for o in (n - half + 1)..n {
        let sub = o + half - 1 - w;
        for l in 0..LANES {
            sum[l] -= rows[l][sub];
        }
        if want(o) {
            let count = (w - (o - (n - half + 1)) - 1) as f32;
            for l in 0..LANES {
                out[l] = sum[l] / count;
            }
            emit(o, &out);
        }
    }
}

/// The `LANES` rows of a batch buffer holding `cap` rows; lanes past `cap` repeat row 0 (their
/// results are discarded).
fn lanes(buf: &[f32], width: usize, cap: usize) -> [&[f32]; LANES] {
    std::array::from_fn(|l| {
        let l = if l < cap { l } else { 0 };
        &buf[l * width..(l + 1) * width]
    })
}

/// Full horizontal box filter of the `cap` rows of `src` (row-major in `src` and `dst`).
fn box_rows_full(src: &[f32], dst: &mut [f32], width: usize, cap: usize, g: BoxGeom) {
    box_rows(
        &lanes(src, width, cap),
        g,
        |_| true,
        |o, v| {
            for l in 0..cap {
                dst[l * width + o] = v[l];
            }
        },
    );
}

/// Streaming PDQ front end: luminance rows in, the reference's 64x64 buffer out.
pub(crate) struct Filter {
    width: usize,
    height: usize,
    tiny: bool,
    /// Horizontal geometry (window from the width) and vertical geometry (from the height).
    hg: BoxGeom,
    vg: BoxGeom,
    cols64: [usize; 64],
    rows64: [usize; 64],
    /// Rows received so far.
    rows_in: usize,
    /// Rows per batch: `LANES`, or fewer for images not that tall (so that a very wide, very
    /// short image does not allocate more rows than it has).
    batch_cap: usize,
    /// Luminance rows waiting for horizontal pass #1 (`batch_cap x width`).
    batch_in: Vec<f32>,
    batch_in_rows: usize,
    /// Output of horizontal pass #1 for the current batch.
    batch_h1: Vec<f32>,
    /// Ring of the last rows of horizontal pass #1, for the vertical running sums.
    ring: Vec<f32>,
    ring_rows: usize,
    /// Vertical pass #1: running column sums, and the number of rows added so far.
    v1_sum: Vec<f32>,
    v1_rows_in: usize,
    /// Vertical pass #1 output rows waiting for horizontal pass #2 (`batch_cap x width`).
    batch_v1: Vec<f32>,
    batch_v1_rows: usize,
    /// Horizontal pass #2 sampled at the 64 decimation columns: `height x 64`.
    h2: Vec<f32>,
    h2_rows: usize,
    /// The unfiltered luminance when the image is exactly 64x64 (see [`Filtered`]).
    raw64: Option<Vec<f32>>,
    /// Where rows that are not kept (tiny images, surplus rows) are written.
    scratch: Vec<f32>,
}

/// What [`Filter::finish`] hands to the DCT stage.
pub(crate) struct Filtered {
    /// The 64x64 buffer after the Jarosz filter and decimation (what the reference's dihedral
    /// entry point always uses).
    pub(crate) filtered: [[f32; 64]; 64],
    /// The reference's plain (non-dihedral) entry point skips the filter when the image is
    /// already 64x64 and uses the luminance as is.
    pub(crate) raw64: Option<Box<[[f32; 64]; 64]>>,
}

impl Filter {
    /// A filter for an image of `width x height` pixels. Allocates `O(window x width)` floats;
    /// the caller has checked the dimensions against its limits.
    pub(crate) fn new(width: usize, height: usize) -> Self {
        let tiny = width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM;
        let (w, h) = if tiny { (MIN_HASHABLE_DIM, MIN_HASHABLE_DIM) } else { (width, height) };
        let hg = BoxGeom::new(w, jarosz_window(w, 64));
        let vg = BoxGeom::new(h, jarosz_window(h, 64));
        let batch_cap = LANES.min(h);
        // The ring must keep `window + 1` rows beyond a batch; an image shorter than that fits
        // whole (no slot is ever reused).
        let ring_rows = (vg.w + 1 + LANES).min(h);
        let alloc = |n: usize| if tiny { Vec::new() } else { vec![0f32; n] };
        Filter {
            width,
            height,
            tiny,
            hg,
            vg,
            cols64: decimation_indices(w),
            rows64: decimation_indices(h),
            rows_in: 0,
            batch_cap,
            batch_in: alloc(batch_cap * w),
            batch_in_rows: 0,
            batch_h1: alloc(batch_cap * w),
            ring: alloc(ring_rows * w),
            ring_rows,
            v1_sum: alloc(w),
            v1_rows_in: 0,
            batch_v1: alloc(batch_cap * w),
            batch_v1_rows: 0,
            h2: alloc(h * 64),
            h2_rows: 0,
            raw64: (width == 64 && height == 64).then(|| vec![0f32; 64 * 64]),
            scratch: Vec::new(),
        }
    }

    /// A buffer the caller may fill with the next luminance row, then pass to
    /// [`Filter::commit_row`]. Avoids a copy compared with [`Filter::push_row`].
    pub(crate) fn next_row_mut(&mut self) -> &mut [f32] {
        if self.tiny || self.rows_in >= self.height {
            // Nothing to keep: hand out a scratch row that commit_row ignores.
            self.scratch.resize(self.width, 0.0);
            return &mut self.scratch;
        }
        let off = self.batch_in_rows * self.width;
        &mut self.batch_in[off..off + self.width]
    }

    /// Takes the row written through [`Filter::next_row_mut`].
    pub(crate) fn commit_row(&mut self) {
        if self.tiny || self.rows_in >= self.height {
            self.rows_in = (self.rows_in + 1).min(self.height);
            return;
        }
        if let Some(raw) = self.raw64.as_mut() {
            let off = self.batch_in_rows * 64;
            raw[self.rows_in * 64..(self.rows_in + 1) * 64].copy_from_slice(&self.batch_in[off..off + 64]);
        }
        self.rows_in += 1;
        self.batch_in_rows += 1;
        if self.batch_in_rows == self.batch_cap {
            self.flush_h1();
        }
    }

    /// Adds the next row of luminance (length `width`).
    #[cfg(test)]
    pub(crate) fn push_row(&mut self, row: &[f32]) {
        self.next_row_mut().copy_from_slice(row);
        self.commit_row();
    }

    fn flush_h1(&mut self) {
        let n = self.batch_in_rows;
        if n == 0 {
            return;
        }
        box_rows_full(&self.batch_in, &mut self.batch_h1, self.width, self.batch_cap, self.hg);
        for l in 0..n {
            self.v1_push(l);
        }
        self.batch_in_rows = 0;
    }

    /// Vertical pass #1, one input row (row `l` of `batch_h1`).
    fn v1_push(&mut self, l: usize) {
        let width = self.width;
        let i = self.v1_rows_in;
        let slot = i % self.ring_rows;
        let BoxGeom { w, half, .. } = self.vg;
        {
            let (src, ring) = (&self.batch_h1[l * width..(l + 1) * width], &mut self.ring);
            ring[slot * width..(slot + 1) * width].copy_from_slice(src);
        }
        self.v1_rows_in += 1;
        let row = &self.batch_h1[l * width..(l + 1) * width];
        if i < half - 1 {
            for (s, &x) in self.v1_sum.iter_mut().zip(row) {
                *s += x;
            }
        } else if i < w {
            let count = (i + 1) as f32;
            let off = self.batch_v1_rows * width;
            let out = &mut self.batch_v1[off..off + width];
            for ((s, &x), o) in self.v1_sum.iter_mut().zip(row).zip(out) {
                *s += x;
                *o = *s / count;
            }
            self.v1_emitted();
        } else {
            let count = w as f32;
            let old_slot = (i - w) % self.ring_rows;
            let old = &self.ring[old_slot * width..(old_slot + 1) * width];
            let off = self.batch_v1_rows * width;
            let out = &mut self.batch_v1[off..off + width];
            for (((s, &x), &y), o) in self.v1_sum.iter_mut().zip(row).zip(old).zip(out) {
                *s += x;
                *s -= y;
                *o = *s / count;
            }
            self.v1_emitted();
        }
    }

    /// Vertical pass #1, the shrinking window after the last input row.
    fn v1_finish(&mut self) {
        let width = self.width;
        let BoxGeom { n, w, half } = self.vg;
        for k in 0..half - 1 {
            let count = (w - 1 - k) as f32;
            let old_slot = (n - w + k) % self.ring_rows;
            let old = &self.ring[old_slot * width..(old_slot + 1) * width];
            let off = self.batch_v1_rows * width;
            let out = &mut self.batch_v1[off..off + width];
            for ((s, &y), o) in self.v1_sum.iter_mut().zip(old).zip(out) {
                *s -= y;
                *o = *s / count;
            }
            self.v1_emitted();
        }
    }

    fn v1_emitted(&mut self) {
        self.batch_v1_rows += 1;
        if self.batch_v1_rows == self.batch_cap {
            self.flush_h2();
        }
    }

    /// Horizontal pass #2 on the pending vertical-pass rows, sampled at the 64 columns.
    fn flush_h2(&mut self) {
        let n = self.batch_v1_rows;
        if n == 0 {
            return;
        }
        let width = self.width;
        let rows = lanes(&self.batch_v1, width, self.batch_cap);
        let cols = &self.cols64;
        let base = self.h2_rows;
        let h2 = &mut self.h2;
        // `cols` is non-decreasing (with repeats when the width is under 64).
        let next = std::cell::Cell::new(0usize);
        box_rows(
            &rows,
            self.hg,
            |o| next.get() < 64 && cols[next.get()] == o,
            |o, v| {
                let mut k = next.get();
                while k < 64 && cols[k] == o {
                    for l in 0..n {
                        h2[(base + l) * 64 + k] = v[l];
                    }
                    k += 1;
                }
                next.set(k);
            },
        );
        self.h2_rows += n;
        self.batch_v1_rows = 0;
    }

    /// Completes the filter. Rows not supplied count as zero luminance (callers supply them
    /// all; decoders report an error before getting here if the data ran out).
    pub(crate) fn finish(mut self) -> Option<Filtered> {
        if self.tiny {
            return None;
        }
        while self.rows_in < self.height {
            self.next_row_mut().fill(0.0);
            self.commit_row();
        }
        self.flush_h1();
        self.v1_finish();
        self.flush_h2();
        debug_assert_eq!(self.h2_rows, self.height);

        // Vertical pass #2 over the 64 sampled columns, then keep the 64 sampled rows.
        let BoxGeom { n, w, half } = self.vg;
        let h2 = &self.h2;
        let mut sum = [0f32; 64];
        let mut filtered = [[0f32; 64]; 64];
        let mut next = 0usize;
        let rows64 = self.rows64;
        let mut emit = |o: usize, sum: &[f32; 64], count: f32| {
            while next < 64 && rows64[next] == o {
                for (d, s) in filtered[next].iter_mut().zip(sum) {
                    *d = *s / count;
                }
                next += 1;
            }
        };
        let row = |i: usize| -> &[f32] { &h2[i * 64..(i + 1) * 64] };
        for i in 0..half - 1 {
            for (s, x) in sum.iter_mut().zip(row(i)) {
                *s += *x;
            }
        }
        for o in 0..=(w - half) {
            let i = o + half - 1;
            for (s, x) in sum.iter_mut().zip(row(i)) {
                *s += *x;
            }
            emit(o, &sum, (i + 1) as f32);
        }
        for o in (w - half + 1)..=(n - half) {
            let add = o + half - 1;
            for ((s, x), y) in sum.iter_mut().zip(row(add)).zip(row(add - w)) {
                *s += *x;
                *s -= *y;
            }
            emit(o, &sum, w as f32);
        }
        for o in (n - half + 1)..n {
            for (s, y) in sum.iter_mut().zip(row(o + half - 1 - w)) {
                *s -= *y;
            }
            emit(o, &sum, (w - (o - (n - half + 1)) - 1) as f32);
        }

        let raw64 = self.raw64.map(|raw| {
            let mut b = Box::new([[0f32; 64]; 64]);
            for (i, r) in b.iter_mut().enumerate() {
                r.copy_from_slice(&raw[i * 64..(i + 1) * 64]);
            }
            b
        });
        Some(Filtered { filtered, raw64 })
    }
}

/// The reference's quality metric: the sum of quantised neighbour differences of the 64x64
/// buffer, scaled to 0..=100.
pub(crate) fn quality(buf: &[[f32; 64]; 64]) -> u8 {
    let step = |u: f32, v: f32| -> i64 {
        // `int d = ((u - v) * 100) / 255;` in f32, truncated toward zero.
        let d = ((u - v) * 100.0f32) / 255.0f32;
        (d as i32).unsigned_abs() as i64
    };
    let mut gradient_sum: i64 = 0;
    for i in 0..63 {
        for j in 0..64 {
            gradient_sum += step(buf[i][j], buf[i + 1][j]);
        }
    }
    for row in buf.iter() {
        for j in 0..63 {
            gradient_sum += step(row[j], row[j + 1]);
        }
    }
    (gradient_sum / 90).min(100) as u8
}

/// The 16x64 matrix of DCT-II basis rows 1..=16 for 64 samples, in `f32` as the reference
/// builds it (coefficients computed in `f64`, rounded once).
fn dct_matrix() -> &'static [[f32; 64]; 16] {
    use std::sync::OnceLock;
    static MATRIX: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let scale = (2.0f64 / 64.0).sqrt() as f32;
        let mut m = [[0f32; 64]; 16];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                let angle = (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *v = (f64::from(scale) * angle.cos()) as f32;
            }
        }
        m
    })
}

/// `B = D A D^T`, keeping the 16x16 low-frequency block (the DC term excluded). Each output is
/// a sequential `f32` dot product over k = 0..63, the reference's summation order.
pub(crate) fn dct64_to_16(a: &[[f32; 64]; 64]) -> [[f32; 16]; 16] {
    let d = dct_matrix();
    // T = D A (16 x 64). Accumulating row by row keeps each T[i][j]'s sum in k order.
    let mut t = [[0f32; 64]; 16];
    for (i, trow) in t.iter_mut().enumerate() {
        for (k, arow) in a.iter().enumerate() {
            let dik = d[i][k];
            for (tv, av) in trow.iter_mut().zip(arow) {
                *tv += dik * *av;
            }
        }
    }
    let mut b = [[0f32; 16]; 16];
    for (i, brow) in b.iter_mut().enumerate() {
        for (j, bv) in brow.iter_mut().enumerate() {
            let mut s = 0f32;
            for (tv, dv) in t[i].iter().zip(&d[j]) {
                s += *tv * *dv;
            }
            *bv = s;
        }
    }
    b
}

/// The median the reference compares against: Torben's selection over 256 values returns the
/// 128th smallest (the lower median).
pub(crate) fn median(b: &[[f32; 16]; 16]) -> f32 {
    let mut v: Vec<f32> = b.iter().flatten().copied().collect();
    v.sort_unstable_by(f32::total_cmp);
    v[127]
}

/// One bit per coefficient, set when it is above the median. Bit `16 i + j` is coefficient
/// `(i, j)`; see [`crate::PdqHash`] for the bit order.
pub(crate) fn bits(b: &[[f32; 16]; 16]) -> [u8; 32] {
    let m = median(b);
    let mut out = [0u8; 32];
    for i in 0..16 {
        for j in 0..16 {
            if b[i][j] > m {
                let k = i * 16 + j;
                out[31 - k / 8] |= 1 << (k % 8);
            }
        }
    }
    out
}

/// The eight dihedral transforms of the image, applied in the DCT domain: a transpose and/or
/// sign changes of the odd rows or columns, as in the reference. Order: original, rotate 90,
/// rotate 180, rotate 270, flip x, flip y, flip about the main diagonal, flip about the other.
pub(crate) fn dihedral(b: &[[f32; 16]; 16]) -> [[[f32; 16]; 16]; 8] {
    let mut out = [[[0f32; 16]; 16]; 8];
    for i in 0..16 {
        for j in 0..16 {
            let v = b[i][j];
            let neg = |c: bool| if c { -v } else { v };
            out[0][i][j] = v;
            out[1][j][i] = neg(j % 2 == 0);
            out[2][i][j] = neg((i + j) % 2 == 1);
            out[3][j][i] = neg(i % 2 == 0);
            out[4][i][j] = neg(i % 2 == 0);
            out[5][i][j] = neg(j % 2 == 0);
            out[6][j][i] = v;
            out[7][j][i] = neg((i + j) % 2 == 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A direct transcription of the reference's four-phase running sum, for one vector.
    fn box1d_naive(input: &[f32], w: usize) -> Vec<f32> {
        let n = input.len();
        let half = (w + 2) / 2;
        let mut out = vec![0f32; n];
        let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
        let mut sum = 0f32;
        let mut count = 0usize;
        for _ in 0..half - 1 {
            sum += input[ri];
            count += 1;
            ri += 1;
        }
        for _ in 0..(w - half + 1) {
            sum += input[ri];
            count += 1;
            out[oi] = sum / count as f32;
            ri += 1;
            oi += 1;
        }
        for _ in 0..(n - w) {
            sum += input[ri];
            sum -= input[li];
            out[oi] = sum / count as f32;
            li += 1;
            ri += 1;
            oi += 1;
        }
        for _ in 0..half - 1 {
            sum -= input[li];
            count -= 1;
            out[oi] = sum / count as f32;
            li += 1;
            oi += 1;
        }
        out
    }

    fn naive_64x64(luma: &[f32], width: usize, height: usize) -> [[f32; 64]; 64] {
        let wr = jarosz_window(width, 64);
        let wc = jarosz_window(height, 64);
        let mut a = luma.to_vec();
        for _ in 0..2 {
            for r in 0..height {
                let o = box1d_naive(&a[r * width..(r + 1) * width], wr);
                a[r * width..(r + 1) * width].copy_from_slice(&o);
            }
            for c in 0..width {
                let col: Vec<f32> = (0..height).map(|r| a[r * width + c]).collect();
                let o = box1d_naive(&col, wc);
                for r in 0..height {
                    a[r * width + c] = o[r];
                }
            }
        }
        let rows = decimation_indices(height);
        let cols = decimation_indices(width);
        let mut out = [[0f32; 64]; 64];
        for i in 0..64 {
            for j in 0..64 {
                out[i][j] = a[rows[i] * width + cols[j]];
            }
        }
        out
    }

    fn pseudo_luma(width: usize, height: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2654435761).wrapping_add(1);
        (0..width * height)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                luma((x & 255) as u8, ((x >> 8) & 255) as u8, ((x >> 16) & 255) as u8)
            })
            .collect()
    }

    #[test]
    fn streaming_filter_is_bit_identical_to_the_straightforward_one() {
        for &(w, h) in &[
            (5, 5),
            (7, 13),
            (63, 64),
            (64, 64),
            (65, 9),
            (100, 160),
            (129, 257),
            (300, 200),
            (1000, 37),
            (1000, 5),
            (777, 6),
            (2000, 9),
            (5, 300),
        ] {
            let luma = pseudo_luma(w, h, (w * 31 + h) as u32);
            let mut f = Filter::new(w, h);
            for r in 0..h {
                f.push_row(&luma[r * w..(r + 1) * w]);
            }
            let got = f.finish().expect("hashable").filtered;
            let want = naive_64x64(&luma, w, h);
            for i in 0..64 {
                for j in 0..64 {
                    assert_eq!(
                        got[i][j].to_bits(),
                        want[i][j].to_bits(),
                        "{w}x{h} at ({i},{j}): {} vs {}",
                        got[i][j],
                        want[i][j]
                    );
                }
            }
        }
    }
}
