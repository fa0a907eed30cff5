//! The 256-bit PDQ hash value: hex form, bits and Hamming distance.

use std::fmt;
use std::str::FromStr;

/// A 256-bit PDQ hash.
///
/// Stored as 32 bytes of a big-endian 256-bit number: bit `k` (0 = least significant) is the
/// reference's bit `k`, i.e. DCT coefficient `(k / 16, k % 16)`. This is the order of the
/// reference's hex output (`uint16 w[16]`, printed from word 15 down to word 0), so
/// [`PdqHash::to_hex`] gives the 64 lowercase hex digits that HMA, python-threatexchange and
/// GIFCT hash lists use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PdqHash([u8; 32]);

impl PdqHash {
    /// The all-zero hash (what images under 5 pixels on a side get).
    pub const ZERO: PdqHash = PdqHash([0; 32]);

    /// A hash from its 32 big-endian bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        PdqHash(bytes)
    }

    /// The 32 big-endian bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Bit `k` (0..256) of the hash, `k = 16 * row + column` of the DCT coefficient.
    ///
    /// # Panics
    /// If `k >= 256`.
    pub fn bit(&self, k: usize) -> bool {
        assert!(k < 256, "PDQ bit index {k} out of range");
        self.0[31 - k / 8] >> (k % 8) & 1 == 1
    }

    /// The same hash with bit `k` (0..256) inverted.
    ///
    /// # Panics
    /// If `k >= 256`.
    pub fn with_bit_flipped(mut self, k: usize) -> Self {
        assert!(k < 256, "PDQ bit index {k} out of range");
        self.0[31 - k / 8] ^= 1 << (k % 8);
        self
    }

    /// Hamming distance: the number of differing bits, 0..=256. PDQ treats a distance of 31 or
    /// less as a match.
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0.iter().zip(other.0.iter()).map(|(a, b)| (a ^ b).count_ones()).sum()
    }

    /// Number of bits set (a well-formed PDQ hash of a real image has about 128).
    pub fn count_ones(&self) -> u32 {
        self.0.iter().map(|b| b.count_ones()).sum()
    }

    /// The 64 lowercase hexadecimal digits.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(DIGITS[usize::from(b >> 4)] as char);
            s.push(DIGITS[usize::from(b & 15)] as char);
        }
        s
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PdqHash({})", self.to_hex())
    }
}

/// Why a string is not a PDQ hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseHashError {
    reason: &'static str,
}

impl fmt::Display for ParseHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid PDQ hash: {}", self.reason)
    }
}

impl std::error::Error for ParseHashError {}

impl FromStr for PdqHash {
    type Err = ParseHashError;

    /// Parses exactly 64 hexadecimal digits (either case, no prefix, no spaces).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(ParseHashError { reason: "expected 64 hexadecimal digits" });
        }
        let nibble = |c: u8| -> Result<u8, ParseHashError> {
            match c {
                b'0'..=b'9' => Ok(c - b'0'),
                b'a'..=b'f' => Ok(c - b'a' + 10),
                b'A'..=b'F' => Ok(c - b'A' + 10),
                _ => Err(ParseHashError { reason: "not a hexadecimal digit" }),
            }
        };
        let mut out = [0u8; 32];
        for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *o = nibble(pair[0])? << 4 | nibble(pair[1])?;
        }
        Ok(PdqHash(out))
    }
}

/// The eight hashes of the image's rotations and flips, computed from one DCT as the reference
/// does, so that a rotated or mirrored copy can be matched without decoding it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dihedral {
    /// In the reference's order: original, rotate 90, rotate 180, rotate 270, flip x,
    /// flip y, flip about the main diagonal (`flipplus1`), flip about the other
    /// (`flipminus1`). See [`Dihedral::NAMES`].
    pub hashes: [PdqHash; 8],
    /// The quality computed alongside them. It equals the image's quality except for images of
    /// exactly 64x64 pixels, where the reference's dihedral routine filters the luminance and
    /// its plain routine does not.
    pub quality: u8,
}

impl Dihedral {
    /// Names of the eight variants, in the order of [`Dihedral::hashes`], as the reference
    /// and its test vectors spell them.
    pub const NAMES: [&'static str; 8] =
        ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"];
}
