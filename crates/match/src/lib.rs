//! Vigie's matching library: exact Hamming range search over 256-bit PDQ hashes ([`PdqIndex`]) and exact lookup
//! of cryptographic digests ([`DigestIndex`]). Pure: no I/O, no async, no global state.
//!
//! # Hashes
//! A PDQ hash is a `[u8; 32]`: the 256-bit number written as 64 lowercase hex digits, big-endian, so byte 0
//! is the first two hex digits (what `hex::decode` returns). Distances are Hamming distances (0..=256); PDQ
//! matches at distance <= 31.
//!
//! # Why [`PdqIndex::search`] is exact: multi-index hashing with the pigeonhole principle
//! The 256 bits are cut into 11 disjoint segments (three of 24 bits, eight of 23). For a search radius `r`,
//! segment `i` gets a radius `t[i]` with `sum(t) >= r + 1 - 11`. If an entry had every segment `i` at
//! distance `>= t[i] + 1` from the query's, its total distance would be `>= sum(t) + 11 > r`. So every entry
//! within `r` has some segment `i` within `t[i]` of the query's segment, and segment `i`'s table, probed for
//! every value within `t[i]` of the query's segment, yields it as a candidate; each candidate is then verified
//! on the full 256 bits. For `r = 31`: `t = 2` on ten segments and `1` on the last (`sum = 21`, and
//! `21 + 11 = 32 > 31`). Up to `r = 32` segments need at most radius 2; larger radii fall back to a scan.
//! A candidate is reported only by the first table whose segment is within its radius, so no result repeats,
//! with no per-query visited set.
//!
//! Each table is a directory on the segment's first bits (4 to 7 entries per directory range) into an array of
//! `u32` slots (entry position + the next bits of the segment, used as a pre-filter that can only keep
//! candidates the full segment test would keep); each directory entry also summarises which suffixes its range
//! holds, so most probes are answered from the directory alone. Memory is about 88-92 bytes per entry: 32 for
//! the hash, 4 for the id (its low 32 bits; the high bits are stored once per run), 44 for the slots of the 11
//! tables, at most 12 for the directories.
//!
//! The brute-force [`brute_force_search`] is the oracle: property tests check the index against it.
//!
//! # Live updates
//! [`PdqIndex::insert`] and [`PdqIndex::remove`] are visible to every search that starts after they return:
//! removals set a tombstone bit; inserts go to a small brute-forced delta that is sealed into small immutable
//! levels. [`PdqIndex::compact`] (call it from a background thread) merges levels without blocking searches.
//!
//! # Example
//! ```
//! use vigie_match::{PdqIndex, PdqMatch};
//!
//! let seed = [0x5a; 32];
//! let mut near = seed;
//! near[0] ^= 0b111; // 3 bits away
//! let index = PdqIndex::from_entries(vec![(1, seed), (2, [0xff; 32])]);
//! index.insert(3, near);
//!
//! assert_eq!(
//!     index.search(&seed, 31),
//!     vec![PdqMatch { id: 1, distance: 0 }, PdqMatch { id: 3, distance: 3 }]
//! );
//! assert!(index.remove(1));
//! assert_eq!(index.search(&seed, 31), vec![PdqMatch { id: 3, distance: 3 }]);
//! ```
#![deny(missing_docs)]

mod base;
mod bits;
mod digest;
mod pdq;
#[cfg(test)]
mod tests;

pub use digest::DigestIndex;
pub use pdq::PdqIndex;

/// Caller-chosen id of an entry (the store's signal row id).
pub type EntryId = u64;

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PdqMatch {
    /// The entry's id.
    pub id: EntryId,
    /// Hamming distance between the entry's hash and the query (0..=256).
    pub distance: u32,
}

/// Hamming distance between two PDQ hashes (0..=256).
pub fn hamming_distance(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// The oracle: every entry within `max_distance` (inclusive), sorted by distance then id, by comparing the
/// query with each entry. Entries are taken as given (a repeated id is reported once per occurrence).
pub fn brute_force_search(entries: &[(EntryId, [u8; 32])], query: &[u8; 32], max_distance: u32) -> Vec<PdqMatch> {
    let query = bits::to_words(query);
    let mut out: Vec<PdqMatch> = entries
        .iter()
        .filter_map(|(id, hash)| {
            let distance = bits::distance(&bits::to_words(hash), &query);
            (distance <= max_distance).then_some(PdqMatch { id: *id, distance })
        })
        .collect();
    out.sort_unstable_by_key(|m| (m.distance, m.id));
    out
}

/// Parses a PDQ hash written as 64 hex digits (either case) into its byte form; `None` if malformed.
pub fn parse_pdq_hex(text: &str) -> Option<[u8; 32]> {
    let text = text.as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    for (byte, pair) in hash.iter_mut().zip(text.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *byte = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(hash)
}
