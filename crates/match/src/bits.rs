//! Bit-level layout shared by the index: 256-bit hashes as four big-endian `u64` words, the eleven substrings
//! ("segments") of the multi-index, and the per-query search radius of each segment.
//!
//! Bit numbering: global bit 0 is the most significant bit of the 256-bit big-endian number, i.e. the top bit
//! of byte 0 of the `[u8; 32]` array, which is the top bit of word 0.

/// A 256-bit hash as four words, word 0 holding bytes 0..8 big-endian.
pub(crate) type Words = [u64; 4];

/// Converts the byte form (byte 0 = first two hex digits) into words.
#[inline]
pub(crate) fn to_words(hash: &[u8; 32]) -> Words {
    let mut words = [0u64; 4];
    for (word, chunk) in words.iter_mut().zip(hash.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        *word = u64::from_be_bytes(bytes);
    }
    words
}

/// Converts words back into the byte form.
#[cfg(test)]
#[inline]
pub(crate) fn to_bytes(words: &Words) -> [u8; 32] {
    let mut hash = [0u8; 32];
    for (chunk, word) in hash.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    hash
}

/// Hamming distance between two hashes.
#[inline(always)]
pub(crate) fn distance(a: &Words, b: &Words) -> u32 {
    (a[0] ^ b[0]).count_ones() + (a[1] ^ b[1]).count_ones() + (a[2] ^ b[2]).count_ones() + (a[3] ^ b[3]).count_ones()
}

/// Number of segments of the multi-index.
pub(crate) const SEGMENTS: usize = 11;

/// `(first global bit, length)` of each segment: three of 24 bits, then eight of 23 bits (3*24 + 8*23 = 256).
/// The longer segments come first because they receive the extra unit of radius first (see [`radii`]): one more
/// unit of radius on a 24-bit segment adds about half the candidates it adds on a 23-bit one.
pub(crate) const SEGMENT_BITS: [(u32, u32); SEGMENTS] =
    [(0, 24), (24, 24), (48, 24), (72, 23), (95, 23), (118, 23), (141, 23), (164, 23), (187, 23), (210, 23), (233, 23)];

/// Shortest segment length; the directory prefix is always shorter than this.
pub(crate) const MIN_SEGMENT_BITS: u32 = 23;

/// The largest per-segment radius the multi-index path enumerates; beyond it, searches scan.
pub(crate) const MAX_SEGMENT_RADIUS: u32 = 2;

/// Bits `start..start+len` (global numbering) as an integer, most significant first. `len` is 0..=32.
#[inline(always)]
pub(crate) fn extract(hash: &Words, start: u32, len: u32) -> u32 {
    if len == 0 || start >= 256 {
        return 0;
    }
    let word = (start / 64) as usize;
    let offset = start % 64;
    let high = hash[word] as u128;
    let low = if word + 1 < 4 { hash[word + 1] as u128 } else { 0 };
    let both = (high << 64) | low;
    ((both << offset) >> (128 - len.min(32))) as u32
}

const fn build_masks() -> [Words; SEGMENTS] {
    let mut masks = [[0u64; 4]; SEGMENTS];
    let mut segment = 0;
    while segment < SEGMENTS {
        let (start, len) = SEGMENT_BITS[segment];
        let mut bit = start;
        while bit < start + len {
            masks[segment][(bit / 64) as usize] |= 1u64 << (63 - bit % 64);
            bit += 1;
        }
        segment += 1;
    }
    masks
}

/// For each segment, the words with exactly that segment's bits set.
pub(crate) const SEGMENT_MASKS: [Words; SEGMENTS] = build_masks();

/// Per-segment search radii for a total radius `max_distance`, or `None` when some segment would need a radius
/// above [`MAX_SEGMENT_RADIUS`] (the caller then scans).
///
/// The generalised pigeonhole principle: if every segment `i` of an entry differed from the query's in at least
/// `radius[i] + 1` bits, the entry's total distance would be at least `sum(radius) + SEGMENTS`. So with
/// `sum(radius) >= max_distance + 1 - SEGMENTS`, every entry within `max_distance` has at least one segment `i`
/// within `radius[i]` of the query's, and the segment-`i` table finds it. For the PDQ threshold 31 this needs
/// `sum >= 21`: radius 2 on ten segments and 1 on the last.
#[inline]
pub(crate) fn radii(max_distance: u32) -> Option<[u32; SEGMENTS]> {
    let needed = (max_distance + 1).saturating_sub(SEGMENTS as u32);
    let base = needed / SEGMENTS as u32;
    let extra = (needed % SEGMENTS as u32) as usize;
    let top = base + u32::from(extra > 0);
    if top > MAX_SEGMENT_RADIUS {
        return None;
    }
    let mut radius = [base; SEGMENTS];
    for r in radius.iter_mut().take(extra) {
        *r += 1;
    }
    Some(radius)
}

/// Whether the match `xor` (entry XOR query) is reported by segment table `table`: the first table whose segment
/// is within its radius owns the entry, so each match is reported exactly once without a per-query visited set.
/// (A table can also meet entries whose segment is outside its radius, because its slot pre-filter looks at only
/// part of the segment: those are left to their owner.)
#[inline(always)]
pub(crate) fn owned_by(xor: &Words, table: usize, radius: &[u32; SEGMENTS]) -> bool {
    let within = |segment: usize| {
        let mask = &SEGMENT_MASKS[segment];
        let d = (xor[0] & mask[0]).count_ones()
            + (xor[1] & mask[1]).count_ones()
            + (xor[2] & mask[2]).count_ones()
            + (xor[3] & mask[3]).count_ones();
        d <= radius[segment]
    };
    table < SEGMENTS && within(table) && !(0..table).any(within)
}

/// A fixed-size set of positions (tombstones of a level).
#[derive(Clone, Debug, Default)]
pub(crate) struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub(crate) fn new(len: usize) -> Self {
        BitSet { words: vec![0; len.div_ceil(64)] }
    }

    #[inline(always)]
    pub(crate) fn contains(&self, index: usize) -> bool {
        self.words.get(index / 64).is_some_and(|w| w >> (index % 64) & 1 == 1)
    }

    /// Sets the bit; returns whether it was clear.
    pub(crate) fn insert(&mut self, index: usize) -> bool {
        match self.words.get_mut(index / 64) {
            Some(w) => {
                let bit = 1u64 << (index % 64);
                let was_clear = *w & bit == 0;
                *w |= bit;
                was_clear
            }
            None => false,
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_tile_the_hash() {
        let mut covered = [0u64; 4];
        for mask in &SEGMENT_MASKS {
            for w in 0..4 {
                assert_eq!(covered[w] & mask[w], 0, "segments overlap");
                covered[w] |= mask[w];
            }
        }
        assert_eq!(covered, [u64::MAX; 4]);
        assert_eq!(SEGMENT_BITS.iter().map(|s| s.1).sum::<u32>(), 256);
    }

    #[test]
    fn extract_matches_masks() {
        let h = to_words(&[0xA5; 32]);
        for (t, &(start, len)) in SEGMENT_BITS.iter().enumerate() {
            let value = extract(&h, start, len);
            let masked: u32 = (0..4).map(|w| (h[w] & SEGMENT_MASKS[t][w]).count_ones()).sum();
            assert_eq!(value.count_ones(), masked);
        }
        let mut bytes = [0u8; 32];
        bytes[0] = 0x80;
        assert_eq!(extract(&to_words(&bytes), 0, 1), 1);
        bytes[31] = 0x01;
        assert_eq!(extract(&to_words(&bytes), 255, 1), 1);
        assert_eq!(extract(&to_words(&bytes), 233, 23), 1);
    }

    #[test]
    fn radii_satisfy_pigeonhole() {
        for r in 0..=256u32 {
            if let Some(radius) = radii(r) {
                let sum: u32 = radius.iter().sum();
                assert!(sum + SEGMENTS as u32 > r, "r={r}");
            }
        }
        assert_eq!(radii(31), Some([2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1]));
        assert!(radii(32).is_some());
        assert!(radii(33).is_none());
        assert_eq!(radii(0), Some([0; SEGMENTS]));
    }
}
