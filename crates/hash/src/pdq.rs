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
//! row by row ([`Filter::next_row_mut`], [`Filter::commit_row`]):
//!
//! 1. horizontal box #1 on each row, `LANES` (16) rows at a time: the batch is transposed so
//!    that each column of 16 rows is one vector, and the 16 independent running sums advance
//!    together, lane by lane; a block of 64 columns at a time is transposed, filtered and
//!    transposed back, so that it stays in the first-level cache;
//! 2. vertical box #1 as running sums across the row width (contiguous, vectorisable), 64
//!    columns at a time over the rows of a batch so that their sums stay in registers,
//!    keeping only the last `window + 17` filtered rows in a ring;
//! 3. horizontal box #2, transposed the same way: its running sums must still visit every
//!    pixel (up to the last sampled column), but its quotients are only needed at the 64
//!    columns that decimation samples;
//! 4. vertical box #2 on those 64 columns, as their rows come (a ring of `window + 17` rows
//!    of 64), divided only at the 64 sampled rows.
//!
//! Vectorising across rows or columns never mixes lanes: each lane performs exactly the
//! reference's `f32` operations on its own row or column, in the reference's order (no
//! reassociation), so the portable, AVX2 and AVX-512 kernels (chosen at run time, see
//! [`Kernels`]) give the same bits, which the tests check against a direct transcription of
//! the reference. One operation is computed differently with the same result: the vector
//! kernels divide the running sums of passes #1 by multiplying with the reciprocal and
//! correcting with two fused multiply-adds ([`quotient`]), which gives the correctly rounded
//! quotient, the same as `/`, for every divisor used (checked exhaustively) and every input
//! the filter can see from pixels ([`reciprocal_safe`]; other inputs are checked and divide).
//!
//! Flat bands (a batch of rows each equal to the one before, as padding and letterboxing give)
//! skip the horizontal passes: they are functions of the row alone, so the previous row's
//! output is copied.
//!
//! Memory is `O(window x width)` instead of three full-size copies of the image.

// Index loops mirror the reference's (row, column, lane) arithmetic, which is the point here.
#![allow(clippy::needless_range_loop)]

use std::ops::Range;

/// Images with a side below this give the all-zero hash and quality 0, as in the reference.
pub(crate) const MIN_HASHABLE_DIM: usize = 5;

/// Rows filtered together by the horizontal passes: their running sums are independent, so
/// they advance together (16 lanes: two AVX2 vectors, whose sums are two independent chains of
/// additions, which hides the adder's latency).
const LANES: usize = 16;

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

/// One column of the `LANES` rows filtered together: element `l` belongs to row `l`.
type Lanes = [f32; LANES];

/// The lane-wise `f32` operations of the horizontal running sums: each is one IEEE operation
/// per lane (no reordered arithmetic; the one fused computation, [`quotient`], is exact), so
/// every implementation gives the same bits.
trait Simd: Copy {
    fn zero() -> Self;
    fn load(x: &Lanes) -> Self;
    fn store(self, d: &mut Lanes);
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn div(self, c: f32) -> Self;
    /// `self / c` given `reciprocal = 1 / c`, with the same result as [`Simd::div`] (see
    /// [`quotient`]); only called when [`exact_reciprocal_division`] holds for `c`.
    fn div_by_reciprocal(self, c: f32, reciprocal: f32) -> Self {
        let _ = reciprocal;
        self.div(c)
    }
}

/// The largest window for which the filter divides by multiplying with the reciprocal:
/// [`quotient`] is checked against `/` for every divisor up to this and every `f32` mantissa
/// (`exact_reciprocal_division_for_every_window_divisor`). Windows are `ceil(side / 128)`, so
/// this covers images up to 65,000 pixels on a side; larger ones divide.
pub(crate) const RECIPROCAL_DIVISION_MAX_WINDOW: usize = 512;

/// Whether the filter may divide through [`quotient`] for an image whose luminance includes
/// `row`: every value 0 or of magnitude within `2^-20..=2^40` (luminance from 8-bit pixels is
/// 0 or at least 0.114, at most 255.0001).
///
/// [`quotient`] is exact for normal numbers (not for infinities, NaN or subnormal results).
/// With such inputs, every running sum of pass #1 is a multiple of `2^-43`, so its quotients
/// (by at most [`RECIPROCAL_DIVISION_MAX_WINDOW`]) are 0 or above `2^-52`; the sums of those
/// in the vertical pass are multiples of `2^-75`, their quotients 0 or above `2^-84`, and
/// every remainder a multiple of `2^-107`: all normal, all finite. Other images (possible
/// only through [`crate::hash_luma`] and [`crate::LumaHasher`], which take any `f32`)
/// divide from the first row that is not.
#[inline]
fn reciprocal_safe(row: &[f32]) -> bool {
    const SMALLEST: f32 = 1.0 / (1u32 << 20) as f32;
    const LARGEST: f32 = (1u64 << 40) as f32;
    // On the bits of the magnitudes, as integers (same order as the numbers, NaN above
    // infinity): the largest must be at most LARGEST's; and 0 becomes the largest integer once
    // 1 is subtracted, so the smallest of those is below SMALLEST's only if a value is. Two
    // reductions, which vectorise (unlike `all`, which stops early).
    let (mut largest, mut smallest_nonzero) = (0u32, u32::MAX);
    for &v in row {
        let bits = v.to_bits() & 0x7fff_ffff;
        largest = largest.max(bits);
        smallest_nonzero = smallest_nonzero.min(bits.wrapping_sub(1));
    }
    largest <= LARGEST.to_bits() && smallest_nonzero >= SMALLEST.to_bits() - 1
}

/// Whether every row of `batch` (rows of `width`) is bit for bit the row before it, the first
/// being compared with `previous`. Compared as bytes (`memcmp`, vectorised): equal rows are
/// read whole, and rows that differ usually do so at once.
fn rows_repeat(previous: &[f32], batch: &[f32], width: usize) -> bool {
    let mut last: &[u8] = bytemuck::cast_slice(previous);
    for row in batch.chunks_exact(width).map(bytemuck::cast_slice::<f32, u8>) {
        if last != row {
            return false;
        }
        last = row;
    }
    true
}

/// `s / c`, correctly rounded, from `reciprocal = 1 / c` (rounded) with two fused
/// multiply-adds: the remainder `s - q c` of the first guess `q = s * reciprocal` is exact in a
/// fused multiply-add, and one correction step gives the correctly rounded quotient
/// (Markstein's method). A vector division costs about four times as much as the three
/// multiply-adds, and the filter divides twice per pixel. Compiled with FMA only.
#[inline(always)]
fn quotient(s: f32, c: f32, reciprocal: f32) -> f32 {
    let q = s * reciprocal;
    let remainder = (-q).mul_add(c, s);
    remainder.mul_add(reciprocal, q)
}

/// The portable implementation (the compiler may or may not vectorise it).
impl Simd for Lanes {
    #[inline(always)]
    fn zero() -> Self {
        [0.0; LANES]
    }
    #[inline(always)]
    fn load(x: &Lanes) -> Self {
        *x
    }
    #[inline(always)]
    fn store(self, d: &mut Lanes) {
        *d = self;
    }
    #[inline(always)]
    fn add(mut self, o: Self) -> Self {
        for l in 0..LANES {
            self[l] += o[l];
        }
        self
    }
    #[inline(always)]
    fn sub(mut self, o: Self) -> Self {
        for l in 0..LANES {
            self[l] -= o[l];
        }
        self
    }
    #[inline(always)]
    fn div(mut self, c: f32) -> Self {
        for l in 0..LANES {
            self[l] /= c;
        }
        self
    }
}

/// Interleaves columns `cols` of `LANES` rows: `t[x][l] = rows[l][x]`, so that the horizontal
/// running sums of the `LANES` rows advance together, one vector per column.
#[inline(always)]
fn interleave<const AVX2: bool>(rows: &[&[f32]; LANES], cols: Range<usize>, t: &mut [Lanes]) {
    let n = cols.end;
    let t = &mut t[..n];
    #[allow(unused_mut)]
    let mut x = cols.start;
    #[cfg(target_arch = "x86_64")]
    if AVX2 {
        while x + 8 <= n {
            for g in 0..LANES / 8 {
                // SAFETY: `AVX2` is true only in code compiled with AVX2 enabled, which runs
                // only when the CPU has it.
                unsafe { x86::interleave8(&rows[8 * g..8 * g + 8], x, &mut t[x..x + 8], 8 * g) };
            }
            x += 8;
        }
    }
    for (x, t) in t.iter_mut().enumerate().skip(x) {
        for l in 0..LANES {
            t[l] = rows[l][x];
        }
    }
}

/// The inverse of [`interleave`] for columns `cols`: each row given gets its lane,
/// `row[x] = t[x][l]` (lanes without a row are dropped).
#[inline(always)]
fn deinterleave<const AVX2: bool>(t: &[Lanes], cols: Range<usize>, rows: &mut [Option<&mut [f32]>; LANES]) {
    let n = cols.end;
    let t = &t[..n];
    #[allow(unused_mut)]
    let mut x = cols.start;
    #[cfg(target_arch = "x86_64")]
    if AVX2 && rows.iter().all(Option::is_some) {
        // A loop rather than `map`, which the compiler does not always inline here.
        let mut out: [&mut [f32]; LANES] = Default::default();
        for (o, r) in out.iter_mut().zip(rows.iter_mut()) {
            *o = r.as_deref_mut().unwrap_or_default();
        }
        while x + 8 <= n {
            for (g, group) in out.chunks_exact_mut(8).enumerate() {
                // SAFETY: as in `interleave`.
                unsafe { x86::deinterleave8(&t[x..x + 8], x, group, 8 * g) };
            }
            x += 8;
        }
    }
    for (l, row) in rows.iter_mut().enumerate() {
        if let Some(row) = row {
            for (o, v) in row[x..n].iter_mut().zip(&t[x..]) {
                *o = v[l];
            }
        }
    }
}

/// The box filter of geometry `g` along interleaved rows (`t[i]` holds input `i` of every
/// lane), outputs `outs` (`out[o][l] = window sum / count`), continuing the running sums in
/// `sum` from the previous call (which computed the outputs just before `outs.start`). Output
/// `o` reads inputs up to `o + half - 1`; the caller interleaves them first, a block at a time,
/// so that each block is filtered while it is still in the cache.
///
/// Per lane, this is the reference's running sum: `sum += in[i + half - 1]`, then
/// `sum -= in[i + half - 1 - w]`, then `out = sum / count`, in that order. With `RECIPROCAL`,
/// the quotients are computed by [`Simd::div_by_reciprocal`] (same bits).
#[inline(always)]
fn scan_outputs<S: Simd, const RECIPROCAL: bool>(
    t: &[Lanes],
    g: BoxGeom,
    out: &mut [Lanes],
    sum: &mut S,
    outs: Range<usize>,
) {
    let BoxGeom { n, w, half } = g;
    let div = |sum: S, count: usize| {
        let c = count as f32;
        if RECIPROCAL { sum.div_by_reciprocal(c, 1.0 / c) } else { sum.div(c) }
    };
    if outs.start == 0 {
        *sum = S::zero();
        for x in &t[..half - 1] {
            *sum = sum.add(S::load(x));
        }
    }
    // Output `o` is in the growing phase up to `w - half`, the full one up to `n - half`.
    let (grow_end, full_end) = (w - half + 1, n - half + 1);
    let grow = outs.start..outs.end.min(grow_end);
    for o in grow.clone() {
        *sum = sum.add(S::load(&t[o + half - 1]));
        div(*sum, o + half).store(&mut out[o]);
    }
    let full = outs.start.max(grow.end)..outs.end.min(full_end);
    let (count, reciprocal) = (w as f32, 1.0 / w as f32);
    for o in full.clone() {
        let i = o + half - 1;
        *sum = sum.add(S::load(&t[i])).sub(S::load(&t[i - w]));
        let q = if RECIPROCAL { sum.div_by_reciprocal(count, reciprocal) } else { sum.div(count) };
        q.store(&mut out[o]);
    }
    for o in outs.start.max(full.end)..outs.end {
        *sum = sum.sub(S::load(&t[o + half - 1 - w]));
        div(*sum, w - 1 - (o - full_end)).store(&mut out[o]);
    }
}

/// The same running sums as [`scan_outputs`], divided only at the output indices in `cols`
/// (non-decreasing, repeats allowed): `emit(k, sums / count)` for each `k`. Outputs after the
/// last sampled one are not needed, so their sums are not computed.
#[inline(always)]
fn scan_sampled<S: Simd>(t: &[Lanes], g: BoxGeom, cols: &[usize; 64], mut emit: impl FnMut(usize, &Lanes)) {
    let BoxGeom { n, w, half } = g;
    let t = &t[..n];
    let mut sum = S::zero();
    for x in &t[..half - 1] {
        sum = sum.add(S::load(x));
    }
    // Output `o` is in the growing phase up to `w - half`, the full one up to `n - half`.
    let (grow_end, full_end) = (w - half + 1, n - half + 1);
    let mut o = 0usize;
    let mut k = 0usize;
    let mut out = [0f32; LANES];
    while k < 64 {
        let c = cols[k];
        // Advance the sums through outputs `o..=c`, phase by phase.
        let end = c + 1;
        if o < grow_end.min(end) {
            for x in &t[o + half - 1..grow_end.min(end) + half - 1] {
                sum = sum.add(S::load(x));
            }
            o = grow_end.min(end);
        }
        if o < full_end.min(end) {
            let e = full_end.min(end);
            for (x, y) in t[o + half - 1..e + half - 1].iter().zip(&t[o + half - 1 - w..e + half - 1 - w]) {
                sum = sum.add(S::load(x)).sub(S::load(y));
            }
            o = e;
        }
        if o < end {
            for y in &t[o + half - 1 - w..end + half - 1 - w] {
                sum = sum.sub(S::load(y));
            }
            o = end;
        }
        let count = if c < grow_end {
            (c + half) as f32
        } else if c < full_end {
            w as f32
        } else {
            (w - 1 - (c - full_end)) as f32
        };
        sum.div(count).store(&mut out);
        while k < 64 && cols[k] == c {
            emit(k, &out);
            k += 1;
        }
    }
}

/// Columns per block of [`h1_blocks`]: a block's interleaved input and output (8 KiB) stay in
/// the first-level cache between the three steps.
const BLOCK: usize = 64;

/// Horizontal pass #1 on a batch of rows, every output, into the rows `dst`: block by block of
/// output columns, interleave the inputs the block needs, filter, deinterleave. Going through
/// the whole width at each step instead reads and writes each intermediate from the
/// second-level cache, which costs more than the arithmetic.
#[inline(always)]
fn h1_blocks<S: Simd, const AVX2: bool, const RECIPROCAL: bool>(
    rows: &[&[f32]; LANES],
    t: &mut [Lanes],
    out: &mut [Lanes],
    g: BoxGeom,
    dst: &mut [Option<&mut [f32]>; LANES],
) {
    let mut sum = S::zero();
    let mut interleaved = 0;
    let mut o = 0;
    while o < g.n {
        let end = (o + BLOCK).min(g.n);
        let needed = (end + g.half - 1).min(g.n);
        interleave::<AVX2>(rows, interleaved..needed, t);
        interleaved = needed;
        scan_outputs::<S, RECIPROCAL>(t, g, out, &mut sum, o..end);
        deinterleave::<AVX2>(out, o..end, dst);
        o = end;
    }
}

/// The `LANES` rows of a batch buffer holding `cap` rows; lanes past `cap` repeat row 0 (their
/// results are discarded).
#[inline(always)]
fn lanes(buf: &[f32], width: usize, cap: usize) -> [&[f32]; LANES] {
    let mut rows: [&[f32]; LANES] = [&[]; LANES];
    for (l, row) in rows.iter_mut().enumerate() {
        let l = if l < cap { l } else { 0 };
        *row = &buf[l * width..(l + 1) * width];
    }
    rows
}

/// AVX2 kernels: 8x8 transposes between row-major rows and interleaved lanes. The arithmetic
/// stays in the generic code (the compiler vectorises it; lanes never mix).
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{LANES, Lanes};
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx2")]
    #[inline]
    fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        [
            _mm256_permute2f128_ps::<0x20>(s0, s4),
            _mm256_permute2f128_ps::<0x20>(s1, s5),
            _mm256_permute2f128_ps::<0x20>(s2, s6),
            _mm256_permute2f128_ps::<0x20>(s3, s7),
            _mm256_permute2f128_ps::<0x31>(s0, s4),
            _mm256_permute2f128_ps::<0x31>(s1, s5),
            _mm256_permute2f128_ps::<0x31>(s2, s6),
            _mm256_permute2f128_ps::<0x31>(s3, s7),
        ]
    }

    /// The running sums' operations on 16 lanes as two 8-lane vectors: `vaddps`, `vsubps`,
    /// `vdivps`, the same IEEE operations as the portable code, lane by lane.
    ///
    /// Only used in functions compiled with AVX2 enabled, which run only on CPUs that have it
    /// (the intrinsics' safety condition).
    impl super::Simd for [__m256; 2] {
        #[inline(always)]
        fn zero() -> Self {
            // SAFETY: see the impl.
            unsafe { [_mm256_setzero_ps(); 2] }
        }
        #[inline(always)]
        fn load(x: &Lanes) -> Self {
            const { assert!(LANES == 16) };
            // SAFETY: `x` holds 16 floats; AVX: see the impl.
            unsafe { [_mm256_loadu_ps(x.as_ptr()), _mm256_loadu_ps(x[8..].as_ptr())] }
        }
        #[inline(always)]
        fn store(self, d: &mut Lanes) {
            // SAFETY: `d` holds 16 floats; AVX: see the impl.
            unsafe {
                _mm256_storeu_ps(d.as_mut_ptr(), self[0]);
                _mm256_storeu_ps(d[8..].as_mut_ptr(), self[1]);
            }
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            // SAFETY: see the impl.
            unsafe { [_mm256_add_ps(self[0], o[0]), _mm256_add_ps(self[1], o[1])] }
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            // SAFETY: see the impl.
            unsafe { [_mm256_sub_ps(self[0], o[0]), _mm256_sub_ps(self[1], o[1])] }
        }
        #[inline(always)]
        fn div(self, c: f32) -> Self {
            // SAFETY: see the impl.
            unsafe {
                let c = _mm256_set1_ps(c);
                [_mm256_div_ps(self[0], c), _mm256_div_ps(self[1], c)]
            }
        }
        #[inline(always)]
        fn div_by_reciprocal(self, c: f32, reciprocal: f32) -> Self {
            // SAFETY: see the impl (the AVX2 kernels are compiled with FMA and run only on
            // CPUs that have it, see `Kernels::detect`).
            unsafe {
                // `super::quotient`, lane by lane.
                let (c, r) = (_mm256_set1_ps(c), _mm256_set1_ps(reciprocal));
                let q = [_mm256_mul_ps(self[0], r), _mm256_mul_ps(self[1], r)];
                let remainder = [_mm256_fnmadd_ps(q[0], c, self[0]), _mm256_fnmadd_ps(q[1], c, self[1])];
                [_mm256_fmadd_ps(remainder[0], r, q[0]), _mm256_fmadd_ps(remainder[1], r, q[1])]
            }
        }
    }

    /// `t[j][off + i] = rows[i][x + j]` for `i`, `j` in `0..8`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn interleave8(rows: &[&[f32]], x: usize, t: &mut [Lanes], off: usize) {
        let mut r = [_mm256_setzero_ps(); 8];
        for (v, row) in r.iter_mut().zip(&rows[..8]) {
            let s = &row[x..x + 8];
            // SAFETY: `s` holds 8 floats.
            *v = unsafe { _mm256_loadu_ps(s.as_ptr()) };
        }
        for (d, v) in t[..8].iter_mut().zip(transpose8(r)) {
            let d = &mut d[off..off + 8];
            // SAFETY: `d` holds 8 floats.
            unsafe { _mm256_storeu_ps(d.as_mut_ptr(), v) };
        }
    }

    /// `rows[i][x + j] = t[j][off + i]` for `i`, `j` in `0..8`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn deinterleave8(t: &[Lanes], x: usize, rows: &mut [&mut [f32]], off: usize) {
        let mut r = [_mm256_setzero_ps(); 8];
        for (v, s) in r.iter_mut().zip(&t[..8]) {
            let s = &s[off..off + 8];
            // SAFETY: `s` holds 8 floats.
            *v = unsafe { _mm256_loadu_ps(s.as_ptr()) };
        }
        for (row, v) in rows[..8].iter_mut().zip(transpose8(r)) {
            let d = &mut row[x..x + 8];
            // SAFETY: `d` holds 8 floats.
            unsafe { _mm256_storeu_ps(d.as_mut_ptr(), v) };
        }
    }
}

/// Which code the filter runs. All give the same bits: the vector kernels do the portable
/// code's IEEE operations, lane by lane, in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kernels {
    Portable,
    /// AVX2 transposes and running sums, FMA for the quotients.
    Avx2,
    /// The same, with the vectorised loops compiled for AVX-512 (twice the lanes).
    Avx512,
}

impl Kernels {
    /// The best the CPU runs.
    pub(crate) fn detect() -> Kernels {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
            if avx2 && std::arch::is_x86_feature_detected!("avx512f") {
                return Kernels::Avx512;
            }
            if avx2 {
                return Kernels::Avx2;
            }
        }
        Kernels::Portable
    }
}

/// Streaming PDQ front end: luminance rows in, the reference's 64x64 buffer out.
pub(crate) struct Filter {
    width: usize,
    height: usize,
    tiny: bool,
    /// The code to run (never better than the CPU supports).
    kernels: Kernels,
    /// The vector kernels divide by multiplying with reciprocals ([`quotient`]) in the
    /// horizontal pass #1 and the vertical pass #1 (where windows allow).
    reciprocal_h: bool,
    reciprocal_v: bool,
    /// Whether the input needs checking for the reciprocal division.
    luminance: Luminance,
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
    /// The last row of the previous batch, to see whether a batch repeats it.
    last_in: Vec<f32>,
    /// A batch interleaved (`width` columns of `LANES` lanes), and the horizontal pass's output.
    lanes_in: Vec<Lanes>,
    lanes_out: Vec<Lanes>,
    /// Ring of the last rows of horizontal pass #1 (row `i` in slot `i % ring_rows`), for the
    /// vertical running sums.
    ring: Vec<f32>,
    ring_rows: usize,
    /// Vertical pass #1: running column sums, and the number of rows added so far.
    v1_sum: Vec<f32>,
    v1_rows_in: usize,
    /// Vertical pass #1 output rows waiting for horizontal pass #2 (`batch_cap x width`).
    batch_v1: Vec<f32>,
    batch_v1_rows: usize,
    /// The same for horizontal pass #2: its previous input row, and that row's lane in `h2`.
    last_v1: Vec<f32>,
    h2_last_lane: usize,
    /// Horizontal pass #2 of the current batch, sampled at the 64 decimation columns (column
    /// `k` of the batch's row `l` is `h2[k][l]`); rows of it so far.
    h2: Vec<Lanes>,
    h2_rows: usize,
    /// Ring of the last rows of horizontal pass #2 (64 values each, row `i` in slot
    /// `i % v2_ring_rows`), for vertical pass #2, which sums the 64 columns as rows come.
    v2_ring: Vec<f32>,
    v2_ring_rows: usize,
    v2_sum: [f32; 64],
    v2_rows_in: usize,
    /// The 64x64 result: the sampled rows of vertical pass #2, `filtered_rows` of them so far.
    filtered: Box<[[f32; 64]; 64]>,
    filtered_rows: usize,
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

/// What the filter is fed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Luminance {
    /// The luminance of 8-bit pixels ([`luma`]): 0..=255, so the reciprocal division is exact
    /// (see [`reciprocal_safe`]; checked in debug builds only).
    OfPixels,
    /// Any `f32`: each batch of rows is checked before the reciprocal division is used.
    Any,
}

impl Filter {
    /// A filter for an image of `width x height` pixels. Allocates `O(window x width)` floats;
    /// the caller has checked the dimensions against its limits.
    pub(crate) fn new(width: usize, height: usize, luminance: Luminance) -> Self {
        Self::with_kernels(width, height, luminance, Kernels::detect())
    }

    /// The bytes [`Filter::new`] allocates for an image of `width x height` pixels (what
    /// [`Filter::with_kernels`] allocates, plus the scratch row a tiny image's rows go to), so
    /// that decoders can count it before building one: wide images take a lot, as every batch
    /// of rows is interleaved into `LANES` lanes per column.
    pub(crate) fn memory_bytes(width: usize, height: usize) -> u64 {
        let f32s = |n: usize| (n as u64).saturating_mul(4);
        let fixed = f32s(2 * 64 * 64);
        if width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM {
            return fixed + f32s(width);
        }
        let (w, h) = (width, height);
        let vg = BoxGeom::new(h, jarosz_window(h, 64));
        let batch_cap = LANES.min(h);
        let ring_rows = (vg.w + 1 + LANES).min(h);
        let rows = (2 * batch_cap + ring_rows + 3) as u64;
        let lanes = 2 * LANES as u64;
        fixed + f32s(w).saturating_mul(rows + lanes) + f32s(ring_rows * 64) + f32s(64 * LANES)
    }

    /// [`Filter::new`] choosing the kernels (at most what the CPU supports).
    pub(crate) fn with_kernels(width: usize, height: usize, luminance: Luminance, kernels: Kernels) -> Self {
        let tiny = width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM;
        let (w, h) = if tiny { (MIN_HASHABLE_DIM, MIN_HASHABLE_DIM) } else { (width, height) };
        let hg = BoxGeom::new(w, jarosz_window(w, 64));
        let vg = BoxGeom::new(h, jarosz_window(h, 64));
        let kernels = kernels.min(Kernels::detect());
        let reciprocal = |g: BoxGeom| kernels >= Kernels::Avx2 && g.w <= RECIPROCAL_DIVISION_MAX_WINDOW;
        let batch_cap = LANES.min(h);
        // The ring must keep `window + 1` rows beyond a batch; an image shorter than that fits
        // whole (no slot is ever reused).
        let ring_rows = (vg.w + 1 + LANES).min(h);
        let alloc = |n: usize| if tiny { Vec::new() } else { vec![0f32; n] };
        let alloc_lanes = || if tiny { Vec::new() } else { vec![[0f32; LANES]; w] };
        Filter {
            width,
            height,
            tiny,
            kernels,
            luminance,
            reciprocal_h: reciprocal(hg),
            reciprocal_v: reciprocal(vg),
            hg,
            vg,
            cols64: decimation_indices(w),
            rows64: decimation_indices(h),
            rows_in: 0,
            batch_cap,
            batch_in: alloc(batch_cap * w),
            batch_in_rows: 0,
            last_in: alloc(w),
            lanes_in: alloc_lanes(),
            lanes_out: alloc_lanes(),
            ring: alloc(ring_rows * w),
            ring_rows,
            v1_sum: alloc(w),
            v1_rows_in: 0,
            batch_v1: alloc(batch_cap * w),
            batch_v1_rows: 0,
            last_v1: alloc(w),
            h2_last_lane: 0,
            h2: if tiny { Vec::new() } else { vec![[0f32; LANES]; 64] },
            h2_rows: 0,
            v2_ring: alloc(ring_rows * 64),
            v2_ring_rows: ring_rows,
            v2_sum: [0.0; 64],
            v2_rows_in: 0,
            filtered: Box::new([[0.0; 64]; 64]),
            filtered_rows: 0,
            raw64: (width == 64 && height == 64).then(|| vec![0f32; 64 * 64]),
            scratch: Vec::new(),
        }
    }

    /// A buffer the caller may fill with the next luminance row, then pass to
    /// [`Filter::commit_row`] (no copy).
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

    /// Adds a row equal to the previous one (the caller saw that its pixels are the same):
    /// copied from where the filter still holds it, with nothing to compute. The first row
    /// has no previous one: zero luminance.
    pub(crate) fn repeat_row(&mut self) {
        if !self.tiny && self.rows_in > 0 && self.rows_in < self.height {
            let width = self.width;
            let to = self.batch_in_rows * width;
            if self.batch_in_rows > 0 {
                self.batch_in.copy_within(to - width..to, to);
            } else {
                self.batch_in[..width].copy_from_slice(&self.last_in);
            }
        } else {
            self.next_row_mut().fill(0.0);
        }
        self.commit_row();
    }

    /// Adds the next row of luminance (length `width`).
    #[cfg(test)]
    pub(crate) fn push_row(&mut self, row: &[f32]) {
        self.next_row_mut().copy_from_slice(row);
        self.commit_row();
    }

    /// Horizontal pass #1 on the pending batch, then everything downstream of it.
    fn flush_h1(&mut self) {
        match self.kernels {
            // SAFETY: `kernels` is never more than the CPU supports (see `with_kernels`).
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx512 => unsafe { self.flush_h1_avx512() },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2 => unsafe { self.flush_h1_avx2() },
            _ => self.flush_h1_with::<false>(),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn flush_h1_avx2(&mut self) {
        self.flush_h1_with::<true>();
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn flush_h1_avx512(&mut self) {
        self.flush_h1_with::<true>();
    }

    #[inline(always)]
    fn flush_h1_with<const AVX2: bool>(&mut self) {
        let n = self.batch_in_rows;
        if n == 0 {
            return;
        }
        let width = self.width;
        if self.reciprocal_h || self.reciprocal_v {
            let batch = &self.batch_in[..n * width];
            if self.luminance == Luminance::Any && !reciprocal_safe(batch) {
                (self.reciprocal_h, self.reciprocal_v) = (false, false);
            }
            debug_assert!(reciprocal_safe(batch) || self.luminance == Luminance::Any, "not the luminance of pixels");
        }
        let (first, ring_rows) = (self.v1_rows_in, self.ring_rows);
        if first > 0 && rows_repeat(&self.last_in, &self.batch_in[..n * width], width) {
            // Every row equals the one before (a flat band: padding, letterboxing). Pass #1 is
            // a function of the row alone, so each output is the previous row's, still in the
            // ring.
            let previous = (first - 1) % ring_rows * width;
            for i in first..first + n {
                self.ring.copy_within(previous..previous + width, i % ring_rows * width);
            }
        } else {
            let rows = lanes(&self.batch_in, width, self.batch_cap);
            // The batch's rows go straight to their ring slots.
            let mut dst: [Option<&mut [f32]>; LANES] = Default::default();
            for (slot, row) in self.ring.chunks_exact_mut(width).enumerate() {
                let l = (slot + ring_rows - first % ring_rows) % ring_rows;
                if l < n {
                    dst[l] = Some(row);
                }
            }
            let (t, out, g) = (&mut self.lanes_in, &mut self.lanes_out, self.hg);
            #[cfg(target_arch = "x86_64")]
            match (AVX2, self.reciprocal_h) {
                (true, true) => h1_blocks::<[std::arch::x86_64::__m256; 2], AVX2, true>(&rows, t, out, g, &mut dst),
                (true, false) => h1_blocks::<[std::arch::x86_64::__m256; 2], AVX2, false>(&rows, t, out, g, &mut dst),
                (false, _) => h1_blocks::<Lanes, AVX2, false>(&rows, t, out, g, &mut dst),
            }
            #[cfg(not(target_arch = "x86_64"))]
            h1_blocks::<Lanes, AVX2, false>(&rows, t, out, g, &mut dst);
        }
        self.last_in.copy_from_slice(&self.batch_in[(n - 1) * width..n * width]);
        // Vertical pass #1: rows still in the growing window one at a time, then the others
        // as many at a time as fit in the pending batch of pass #2.
        let end = self.v1_rows_in + n;
        while self.v1_rows_in < end && self.v1_rows_in < self.vg.w {
            self.v1_push::<AVX2>();
        }
        while self.v1_rows_in < end {
            let rows = (self.batch_cap - self.batch_v1_rows).min(end - self.v1_rows_in);
            if AVX2 && self.reciprocal_v {
                self.v1_full_rows::<true>(rows);
            } else {
                self.v1_full_rows::<false>(rows);
            }
            self.v1_rows_in += rows;
            self.batch_v1_rows += rows;
            if self.batch_v1_rows == self.batch_cap {
                self.flush_h2::<AVX2>();
            }
        }
        self.batch_in_rows = 0;
    }

    /// Vertical pass #1 on the next `rows` input rows (all past the growing window; their
    /// outputs fit in the pending batch of pass #2), 64 columns at a time: the 64 column sums
    /// stay in registers across the rows instead of going through memory at each row.
    /// `RECIPROCAL`: divide with [`quotient`] (only where compiled with FMA).
    #[inline(always)]
    fn v1_full_rows<const RECIPROCAL: bool>(&mut self, rows: usize) {
        const CHUNK: usize = 64;
        let (width, ring_rows, first) = (self.width, self.ring_rows, self.v1_rows_in);
        let w = self.vg.w;
        let (count, reciprocal) = (w as f32, 1.0 / w as f32);
        let out_first = self.batch_v1_rows;
        #[inline(always)]
        fn step<const N: usize, const RECIPROCAL: bool>(
            sums: &mut [f32; N],
            row: &[f32],
            old: &[f32],
            out: &mut [f32],
            count: f32,
            reciprocal: f32,
        ) {
            let (row, old, out) = (&row[..N], &old[..N], &mut out[..N]);
            for j in 0..N {
                sums[j] += row[j];
                sums[j] -= old[j];
                out[j] = if RECIPROCAL { quotient(sums[j], count, reciprocal) } else { sums[j] / count };
            }
        }
        let mut c = 0;
        while c < width {
            let len = (width - c).min(CHUNK);
            let mut sums = [0f32; CHUNK];
            sums[..len].copy_from_slice(&self.v1_sum[c..c + len]);
            for k in 0..rows {
                let i = first + k;
                let row = &self.ring[(i % ring_rows) * width + c..][..len];
                let old = &self.ring[((i - w) % ring_rows) * width + c..][..len];
                let out = &mut self.batch_v1[(out_first + k) * width + c..][..len];
                if len == CHUNK {
                    step::<CHUNK, RECIPROCAL>(&mut sums, row, old, out, count, reciprocal);
                } else {
                    for j in 0..len {
                        sums[j] += row[j];
                        sums[j] -= old[j];
                        out[j] = if RECIPROCAL { quotient(sums[j], count, reciprocal) } else { sums[j] / count };
                    }
                }
            }
            self.v1_sum[c..c + len].copy_from_slice(&sums[..len]);
            c += len;
        }
    }

    /// Vertical pass #1, the next input row (already in its ring slot).
    #[inline(always)]
    fn v1_push<const AVX2: bool>(&mut self) {
        let width = self.width;
        let i = self.v1_rows_in;
        let slot = i % self.ring_rows;
        let BoxGeom { w, half, .. } = self.vg;
        self.v1_rows_in += 1;
        let row = &self.ring[slot * width..(slot + 1) * width];
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
            self.v1_emitted::<AVX2>();
        } else {
            let (count, reciprocal) = (w as f32, 1.0 / w as f32);
            let old_slot = (i - w) % self.ring_rows;
            let old = &self.ring[old_slot * width..(old_slot + 1) * width];
            let off = self.batch_v1_rows * width;
            let out = &mut self.batch_v1[off..off + width];
            let sums = self.v1_sum.iter_mut().zip(row).zip(old).zip(out);
            // Two loops, so that each vectorises without a branch inside; FMA only where the
            // code is compiled with it.
            if AVX2 && self.reciprocal_v {
                for (((s, &x), &y), o) in sums {
                    *s += x;
                    *s -= y;
                    *o = quotient(*s, count, reciprocal);
                }
            } else {
                for (((s, &x), &y), o) in sums {
                    *s += x;
                    *s -= y;
                    *o = *s / count;
                }
            }
            self.v1_emitted::<AVX2>();
        }
    }

    /// Vertical pass #1, the shrinking window after the last input row.
    #[inline(always)]
    fn v1_finish<const AVX2: bool>(&mut self) {
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
            self.v1_emitted::<AVX2>();
        }
    }

    #[inline(always)]
    fn v1_emitted<const AVX2: bool>(&mut self) {
        self.batch_v1_rows += 1;
        if self.batch_v1_rows == self.batch_cap {
            self.flush_h2::<AVX2>();
        }
    }

    /// Horizontal pass #2 on the pending vertical-pass rows, sampled at the 64 columns.
    #[inline(always)]
    fn flush_h2<const AVX2: bool>(&mut self) {
        let n = self.batch_v1_rows;
        if n == 0 {
            return;
        }
        let width = self.width;
        if self.h2_rows > 0 && rows_repeat(&self.last_v1, &self.batch_v1[..n * width], width) {
            // As in pass #1: every row is the previous row's output again.
            let last = self.h2_last_lane;
            for column in self.h2.iter_mut() {
                *column = [column[last]; LANES];
            }
        } else {
            let rows = lanes(&self.batch_v1, width, self.batch_cap);
            interleave::<AVX2>(&rows, 0..width, &mut self.lanes_in);
            let emit = |k: usize, v: &Lanes| self.h2[k] = *v;
            #[cfg(target_arch = "x86_64")]
            if AVX2 {
                scan_sampled::<[std::arch::x86_64::__m256; 2]>(&self.lanes_in, self.hg, &self.cols64, emit);
            } else {
                scan_sampled::<Lanes>(&self.lanes_in, self.hg, &self.cols64, emit);
            }
            #[cfg(not(target_arch = "x86_64"))]
            scan_sampled::<Lanes>(&self.lanes_in, self.hg, &self.cols64, emit);
        }
        self.h2_last_lane = n - 1;
        self.last_v1.copy_from_slice(&self.batch_v1[(n - 1) * width..n * width]);
        // The batch's rows to their ring slots, then into the vertical sums.
        let (first, ring_rows) = (self.h2_rows, self.v2_ring_rows);
        let mut dst: [Option<&mut [f32]>; LANES] = Default::default();
        for (slot, row) in self.v2_ring.chunks_exact_mut(64).enumerate() {
            let l = (slot + ring_rows - first % ring_rows) % ring_rows;
            if l < n {
                dst[l] = Some(row);
            }
        }
        deinterleave::<AVX2>(&self.h2, 0..64, &mut dst);
        for _ in 0..n {
            self.v2_push();
        }
        self.h2_rows += n;
        self.batch_v1_rows = 0;
    }

    /// Vertical pass #2 on the 64 sampled columns, the next input row (already in its ring
    /// slot): the running sums of [`scan_outputs`], divided only at the 64 sampled rows.
    #[inline(always)]
    fn v2_push(&mut self) {
        let i = self.v2_rows_in;
        self.v2_rows_in += 1;
        let BoxGeom { w, half, .. } = self.vg;
        let row = |i: usize| -> &[f32; 64] {
            let slot = i % self.v2_ring_rows;
            self.v2_ring[slot * 64..(slot + 1) * 64].try_into().expect("64 columns")
        };
        let (x, sum) = (row(i), &mut self.v2_sum);
        if i < half - 1 {
            for (s, x) in sum.iter_mut().zip(x) {
                *s += *x;
            }
        } else if i < w {
            for (s, x) in sum.iter_mut().zip(x) {
                *s += *x;
            }
            self.v2_emit(i + 1 - half, i + 1);
        } else {
            let y = row(i - w);
            for ((s, x), y) in sum.iter_mut().zip(x).zip(y) {
                *s += *x;
                *s -= *y;
            }
            self.v2_emit(i + 1 - half, w);
        }
    }

    /// Vertical pass #2, the shrinking window after the last row.
    #[inline(always)]
    fn v2_finish(&mut self) {
        let BoxGeom { n, w, half } = self.vg;
        for k in 0..half - 1 {
            let slot = (n - w + k) % self.v2_ring_rows;
            let y = &self.v2_ring[slot * 64..(slot + 1) * 64];
            for (s, y) in self.v2_sum.iter_mut().zip(y) {
                *s -= *y;
            }
            self.v2_emit(n - half + 1 + k, w - 1 - k);
        }
    }

    /// Output row `o` of vertical pass #2 (the sums over `count` rows): kept if sampled.
    #[inline(always)]
    fn v2_emit(&mut self, o: usize, count: usize) {
        let count = count as f32;
        while self.filtered_rows < 64 && self.rows64[self.filtered_rows] == o {
            for (d, s) in self.filtered[self.filtered_rows].iter_mut().zip(&self.v2_sum) {
                *d = *s / count;
            }
            self.filtered_rows += 1;
        }
    }

    /// Completes the filter. Rows not supplied count as zero luminance (callers supply them
    /// all; decoders report an error before getting here if the data ran out).
    pub(crate) fn finish(mut self) -> Option<Filtered> {
        self.finish_and_reset()
    }

    /// [`Filter::finish`], leaving the filter ready for another image of the same size (its
    /// buffers are reused).
    pub(crate) fn finish_and_reset(&mut self) -> Option<Filtered> {
        let out = self.complete();
        self.rows_in = 0;
        self.batch_in_rows = 0;
        self.v1_rows_in = 0;
        self.batch_v1_rows = 0;
        self.h2_rows = 0;
        self.v2_rows_in = 0;
        self.v2_sum = [0.0; 64];
        self.filtered_rows = 0;
        self.v1_sum.fill(0.0);
        out
    }

    fn complete(&mut self) -> Option<Filtered> {
        match self.kernels {
            // SAFETY: `kernels` is never more than the CPU supports (see `with_kernels`).
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx512 => unsafe { self.complete_avx512() },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2 => unsafe { self.complete_avx2() },
            _ => self.complete_with::<false>(),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn complete_avx2(&mut self) -> Option<Filtered> {
        self.complete_with::<true>()
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn complete_avx512(&mut self) -> Option<Filtered> {
        self.complete_with::<true>()
    }

    #[inline(always)]
    fn complete_with<const AVX2: bool>(&mut self) -> Option<Filtered> {
        if self.tiny {
            self.rows_in = self.height;
            return None;
        }
        while self.rows_in < self.height {
            self.next_row_mut().fill(0.0);
            self.commit_row();
        }
        self.flush_h1_with::<AVX2>();
        self.v1_finish::<AVX2>();
        self.flush_h2::<AVX2>();
        debug_assert_eq!(self.h2_rows, self.height);

        self.v2_finish();
        debug_assert_eq!(self.filtered_rows, 64);
        let filtered = *self.filtered;

        let raw64 = self.raw64.as_ref().map(|raw| {
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
    match Kernels::detect() {
        // SAFETY: the CPU has what the kernels need.
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx2 | Kernels::Avx512 => unsafe { quality_avx2(buf) },
        _ => quality_with::<false>(buf),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn quality_avx2(buf: &[[f32; 64]; 64]) -> u8 {
    quality_with::<true>(buf)
}

/// [`quality`]; with `FMA`, dividing by multiplying with the reciprocal ([`quotient`], same
/// bits), which vectorises better.
///
/// The reference truncates each quantised difference to an `int` and sums them. Here each is
/// truncated in `f32` and summed per column, in `f32`: both vectorise, unlike Rust's
/// saturating `as`. The magnitudes are non-negative, so when every column's sum is below 2^24
/// every partial sum was an integer below 2^24, exact in `f32`, and each term was the `int` the
/// reference takes ([`quotient`] is exact for finite numbers of magnitude 1 or more, and
/// smaller ones truncate to 0 either way). For luminance (`0..=255`) a sum is at most
/// 64 x 101; anything else (a sum that large, infinite or NaN) is counted again the
/// reference's way.
#[inline(always)]
fn quality_with<const FMA: bool>(buf: &[[f32; 64]; 64]) -> u8 {
    let quantised = |u: f32, v: f32| -> f32 {
        // `int d = ((u - v) * 100) / 255;` in f32.
        let x = (u - v) * 100.0f32;
        if FMA { quotient(x, 255.0, 1.0 / 255.0) } else { x / 255.0f32 }
    };
    let mut vertical = [0f32; 64];
    for i in 0..63 {
        for j in 0..64 {
            vertical[j] += quantised(buf[i][j], buf[i + 1][j]).trunc().abs();
        }
    }
    let mut horizontal = [0f32; 63];
    for row in buf.iter() {
        for j in 0..63 {
            horizontal[j] += quantised(row[j], row[j + 1]).trunc().abs();
        }
    }
    const EXACT: f32 = (1 << 24) as f32;
    let sums = vertical.iter().chain(&horizontal);
    let gradient_sum: i64 = if sums.clone().all(|&s| s < EXACT) {
        sums.map(|&s| s as i64).sum()
    } else {
        // The quotient by `/`: `quotient` is not exact for infinities and NaN.
        let step = |u: f32, v: f32| ((((u - v) * 100.0f32) / 255.0f32) as i32).unsigned_abs() as i64;
        let vertical: i64 =
            (0..63).flat_map(|i| (0..64).map(move |j| (i, j))).map(|(i, j)| step(buf[i][j], buf[i + 1][j])).sum();
        let horizontal: i64 = buf.iter().flat_map(|row| (0..63).map(|j| step(row[j], row[j + 1]))).sum();
        vertical + horizontal
    };
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
    match Kernels::detect() {
        // SAFETY: the CPU has what the kernels need.
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx2 | Kernels::Avx512 => unsafe { dct64_to_16_avx2(a) },
        _ => dct64_to_16_with(a),
    }
}

/// [`dct64_to_16`] compiled for AVX2: wider vectors, the same separate multiplications and
/// additions (Rust never fuses them on its own).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dct64_to_16_avx2(a: &[[f32; 64]; 64]) -> [[f32; 16]; 16] {
    dct64_to_16_with(a)
}

#[inline(always)]
fn dct64_to_16_with(a: &[[f32; 64]; 64]) -> [[f32; 16]; 16] {
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
    let mut v: [f32; 256] = [0.0; 256];
    for (d, s) in v.iter_mut().zip(b.iter().flatten()) {
        *d = *s;
    }
    // The 128th smallest in the total order: the same value a full sort puts at index 127.
    *v.select_nth_unstable_by(127, f32::total_cmp).1
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
            (6, 7),
            (8, 8),
            (17, 8),
            (480, 720),
            (1080, 1080),
            // A window above RECIPROCAL_DIVISION_MAX_WINDOW: the vector kernels divide.
            (66_000, 6),
        ] {
            let luma = pseudo_luma(w, h, (w * 31 + h) as u32);
            let want = naive_64x64(&luma, w, h);
            for kernels in [Kernels::Portable, Kernels::Avx2, Kernels::Avx512] {
                // Twice through the same filter: a reused filter starts afresh.
                let mut f = Filter::with_kernels(w, h, Luminance::Any, kernels);
                for round in 0..2 {
                    for r in 0..h {
                        f.push_row(&luma[r * w..(r + 1) * w]);
                    }
                    let got = f.finish_and_reset().expect("hashable").filtered;
                    for i in 0..64 {
                        for j in 0..64 {
                            assert_eq!(
                                got[i][j].to_bits(),
                                want[i][j].to_bits(),
                                "{w}x{h} ({kernels:?}, round {round}) at ({i},{j}): {} vs {}",
                                got[i][j],
                                want[i][j]
                            );
                        }
                    }
                }
            }
        }
    }

    /// Luminance that is not from pixels (any `f32` through the public API): huge and tiny
    /// values, where the reciprocal division would not be exact, still give the reference's
    /// bits.
    #[test]
    fn streaming_filter_is_exact_for_any_luminance() {
        let cases: [(usize, usize, f32, f32); 5] = [
            // (width, height, scale of every value, value put here and there)
            (300, 200, 1.0, 1e30),
            (300, 200, 1.0, f32::INFINITY),
            (300, 200, 1.0, -7e12),
            (100, 160, 1e-41, 3e-44),
            (100, 160, 1e-30, 1e-40),
        ];
        for (w, h, scale, odd) in cases {
            let mut luma = pseudo_luma(w, h, 7);
            // From row 40 on, so that the filter switches while running.
            for (i, v) in luma.iter_mut().enumerate() {
                *v *= scale;
                if i >= 40 * w && i % 37 == 0 {
                    *v = odd;
                }
            }
            let want = naive_64x64(&luma, w, h);
            for kernels in [Kernels::Portable, Kernels::Avx2, Kernels::Avx512] {
                let mut f = Filter::with_kernels(w, h, Luminance::Any, kernels);
                for r in 0..h {
                    f.push_row(&luma[r * w..(r + 1) * w]);
                }
                let got = f.finish().expect("hashable").filtered;
                for i in 0..64 {
                    for j in 0..64 {
                        assert_eq!(got[i][j].to_bits(), want[i][j].to_bits(), "{odd} {kernels:?} ({i},{j})");
                    }
                }
            }
        }
    }

    /// Flat bands (rows equal to the row before, as padding and letterboxing give) reuse the
    /// previous row's horizontal passes: the same bits as filtering every row.
    #[test]
    fn flat_bands_give_the_same_bits() {
        for (w, h, bands) in [
            (300, 200, [(0, 70), (120, 200)]),
            (1080, 1080, [(0, 300), (780, 1080)]),
            (64, 64, [(0, 40), (40, 64)]),
            (100, 33, [(1, 33), (0, 0)]),
        ] {
            let mut luma = pseudo_luma(w, h, 3);
            for (start, end) in bands {
                for r in start + 1..end {
                    luma.copy_within(start * w..(start + 1) * w, r * w);
                }
            }
            let want = naive_64x64(&luma, w, h);
            for kernels in [Kernels::Portable, Kernels::Avx2, Kernels::Avx512] {
                let mut f = Filter::with_kernels(w, h, Luminance::Any, kernels);
                for round in 0..2 {
                    for r in 0..h {
                        f.push_row(&luma[r * w..(r + 1) * w]);
                    }
                    let got = f.finish_and_reset().expect("hashable").filtered;
                    for i in 0..64 {
                        for j in 0..64 {
                            assert_eq!(
                                got[i][j].to_bits(),
                                want[i][j].to_bits(),
                                "{w}x{h} {kernels:?} {round} ({i},{j})"
                            );
                        }
                    }
                }
            }
        }
    }

    /// [`quotient`] is `/` for every divisor the filter hands it (window counts up to
    /// [`RECIPROCAL_DIVISION_MAX_WINDOW`], and 255 for the quality) and every dividend. Scaling
    /// a dividend or a divisor by a power of two scales every step exactly (normal numbers),
    /// so odd divisors and dividends in `[1, 2)` cover all: 2^23 mantissas each.
    #[test]
    fn exact_reciprocal_division_for_every_window_divisor() {
        #[cfg(target_arch = "x86_64")]
        {
            if Kernels::detect() < Kernels::Avx2 {
                eprintln!("no FMA on this CPU: the filter divides, nothing to check");
                return;
            }
            #[target_feature(enable = "fma")]
            fn mismatches(c: u32) -> u32 {
                let (c, r) = (c as f32, 1.0 / c as f32);
                let mut bad = 0;
                for m in 0..1u32 << 23 {
                    let s = f32::from_bits(0x3f80_0000 | m);
                    bad += u32::from(quotient(s, c, r).to_bits() != (s / c).to_bits());
                }
                bad
            }
            let divisors: Vec<u32> = (1..=RECIPROCAL_DIVISION_MAX_WINDOW as u32).step_by(2).chain([255]).collect();
            let halves = divisors.split_at(divisors.len() / 2);
            std::thread::scope(|scope| {
                for part in [halves.0, halves.1] {
                    scope.spawn(move || {
                        for &c in part {
                            // SAFETY: the CPU has FMA (checked above).
                            assert_eq!(unsafe { mismatches(c) }, 0, "divisor {c}");
                        }
                    });
                }
            });
            // Zero and signs.
            for (s, c) in [(0.0f32, 7u32), (-1.5, 3), (-0.0, 5)] {
                let (c, r) = (c as f32, 1.0 / c as f32);
                assert_eq!(quotient(s, c, r), s / c);
            }
        }
    }

    /// The reference's quality, as it is written: an `int` per difference.
    fn quality_reference(buf: &[[f32; 64]; 64]) -> u8 {
        let step = |u: f32, v: f32| (((u - v) * 100.0f32) / 255.0f32) as i32;
        let mut sum: i64 = 0;
        for i in 0..63 {
            for j in 0..64 {
                sum += i64::from(step(buf[i][j], buf[i + 1][j]).unsigned_abs());
            }
        }
        for row in buf {
            for j in 0..63 {
                sum += i64::from(step(row[j], row[j + 1]).unsigned_abs());
            }
        }
        (sum / 90).min(100) as u8
    }

    #[test]
    fn quality_is_the_references_for_any_input() {
        let mut cases: Vec<[[f32; 64]; 64]> = Vec::new();
        for seed in 0..20 {
            let luma = pseudo_luma(64, 64, seed);
            let mut b = [[0f32; 64]; 64];
            for (i, row) in b.iter_mut().enumerate() {
                row.copy_from_slice(&luma[i * 64..(i + 1) * 64]);
            }
            // Smooth versions too, so that qualities other than 100 are covered.
            let mut smooth = b;
            for (i, row) in smooth.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v = ((i * j) as f32 * 0.01 * seed as f32).min(255.0) + b[i][j] * 0.001;
                }
            }
            cases.extend([b, smooth]);
        }
        // Not luminance: sums beyond f32's integers, saturating casts, NaN.
        let mut huge = [[0f32; 64]; 64];
        for (i, row) in huge.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if (i + j) % 2 == 0 { 1e12 } else { -3e7 };
            }
        }
        let mut nan = cases[0];
        nan[3][5] = f32::NAN;
        let mut infinite = cases[1];
        infinite[60][1] = f32::INFINITY;
        cases.extend([huge, nan, infinite]);
        for (n, buf) in cases.iter().enumerate() {
            let want = quality_reference(buf);
            assert_eq!(quality(buf), want, "case {n}");
            assert_eq!(quality_with::<false>(buf), want, "case {n}");
        }
    }
}
