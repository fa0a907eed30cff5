//! One immutable level of the index: entries sorted by id, plus one multi-index table per segment.
//!
//! Table layout (per segment of 23 or 24 bits): the segment's top `prefix_bits` bits address a directory of
//! offsets (CSR) into `slots`, an array of one `u32` per entry holding the entry's position in the low bits and
//! the next up-to-8 bits of its segment (the "suffix") in the high bits. A probe for a prefix variant at
//! distance `d` from the query's prefix scans its directory range and keeps slots whose suffix is within
//! `radius - d` of the query's suffix: a necessary condition for the segment to be within `radius`, so no
//! match is lost, while most non-matches are rejected without touching the 32-byte hash. Memory per entry:
//! 32 (hash) + 8 (id) + 11 * 4 (slots) + directories (about 11 * 4 / 8 bytes with 8-16 entries per range).

use crate::PdqMatch;
use crate::bits::{self, BitSet, MIN_SEGMENT_BITS, SEGMENT_BITS, SEGMENTS, Words};

/// Levels smaller than this are searched by scanning: a table probe costs about as much as the scan.
pub(crate) const DEFAULT_MIN_TABLE_ENTRIES: usize = 8192;

/// The largest level: positions are packed into `u32` slots with at most 31 bits.
pub(crate) const MAX_LEVEL_ENTRIES: usize = 1 << 30;

/// An immutable level. `ids` is sorted and has no duplicates; `hashes[i]` belongs to `ids[i]`.
#[derive(Debug)]
pub(crate) struct Base {
    pub(crate) ids: Vec<u64>,
    pub(crate) hashes: Vec<Words>,
    tables: Option<Tables>,
}

#[derive(Debug)]
struct Tables {
    prefix_bits: u32,
    position_bits: u32,
    position_mask: u32,
    tables: Vec<Table>,
}

#[derive(Debug)]
struct Table {
    suffix_bits: u32,
    /// `directory[v]..directory[v + 1]` is the range of `slots` whose prefix is `v`.
    directory: Vec<u32>,
    slots: Vec<u32>,
}

fn floor_log2(n: usize) -> u32 {
    usize::BITS - 1 - n.max(1).leading_zeros()
}

impl Base {
    /// Builds a level. `ids` must be sorted without duplicates, as long as `hashes`, and at most
    /// [`MAX_LEVEL_ENTRIES`] long (callers split larger inputs).
    pub(crate) fn build(ids: Vec<u64>, hashes: Vec<Words>, min_table_entries: usize) -> Base {
        debug_assert!(ids.len() == hashes.len() && ids.len() <= MAX_LEVEL_ENTRIES);
        debug_assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let n = hashes.len();
        let tables = (n >= min_table_entries.max(1) && n <= MAX_LEVEL_ENTRIES).then(|| build_tables(&hashes));
        Base { ids, hashes, tables }
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Position of `id`, if present (dead or alive).
    pub(crate) fn position(&self, id: u64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        let tables = self.tables.as_ref().map_or(0, |t| {
            t.tables.iter().map(|t| (t.directory.capacity() + t.slots.capacity()) * 4).sum::<usize>()
                + t.tables.capacity() * size_of::<Table>()
        });
        self.ids.capacity() * 8 + self.hashes.capacity() * 32 + tables + size_of::<Base>()
    }

    /// Appends every live entry within `max_distance` of `query` to `out` (unsorted).
    #[inline(always)]
    pub(crate) fn search(
        &self,
        query: &Words,
        max_distance: u32,
        radius: Option<&[u32; SEGMENTS]>,
        dead: &BitSet,
        out: &mut Vec<PdqMatch>,
    ) {
        match (&self.tables, radius) {
            (Some(tables), Some(radius)) => self.search_tables(tables, query, max_distance, radius, dead, out),
            _ => self.scan(query, max_distance, dead, out),
        }
    }

    #[inline(always)]
    fn scan(&self, query: &Words, max_distance: u32, dead: &BitSet, out: &mut Vec<PdqMatch>) {
        for (position, (hash, id)) in self.hashes.iter().zip(&self.ids).enumerate() {
            let distance = bits::distance(hash, query);
            if distance <= max_distance && !dead.contains(position) {
                out.push(PdqMatch { id: *id, distance });
            }
        }
    }

    #[inline(always)]
    fn search_tables(
        &self,
        tables: &Tables,
        query: &Words,
        max_distance: u32,
        radius: &[u32; SEGMENTS],
        dead: &BitSet,
        out: &mut Vec<PdqMatch>,
    ) {
        let prefix_bits = tables.prefix_bits;
        for (index, ((table, &(start, _)), &segment_radius)) in
            tables.tables.iter().zip(&SEGMENT_BITS).zip(radius).enumerate()
        {
            let probe = Probe {
                base: self,
                table,
                table_index: index,
                position_bits: tables.position_bits,
                position_mask: tables.position_mask,
                query_suffix: bits::extract(query, start + prefix_bits, table.suffix_bits),
                query,
                max_distance,
                radius,
                dead,
            };
            let prefix = bits::extract(query, start, prefix_bits);
            probe.range(prefix, segment_radius, out);
            if segment_radius == 0 {
                continue;
            }
            for i in 0..prefix_bits {
                let one = prefix ^ (1 << i);
                probe.range(one, segment_radius - 1, out);
                if segment_radius >= 2 {
                    for j in 0..i {
                        probe.range(one ^ (1 << j), segment_radius - 2, out);
                    }
                }
            }
        }
    }
}

/// What one table probe needs, gathered so the inner loops stay small.
struct Probe<'a> {
    base: &'a Base,
    table: &'a Table,
    table_index: usize,
    position_bits: u32,
    position_mask: u32,
    query_suffix: u32,
    query: &'a Words,
    max_distance: u32,
    radius: &'a [u32; SEGMENTS],
    dead: &'a BitSet,
}

impl Probe<'_> {
    /// Scans the directory range of `prefix`, keeping slots whose suffix is within `left` of the query's.
    #[inline(always)]
    fn range(&self, prefix: u32, left: u32, out: &mut Vec<PdqMatch>) {
        let prefix = prefix as usize;
        let (Some(&begin), Some(&end)) = (self.table.directory.get(prefix), self.table.directory.get(prefix + 1))
        else {
            return;
        };
        let Some(slots) = self.table.slots.get(begin as usize..end as usize) else {
            return;
        };
        if left >= self.table.suffix_bits {
            for &slot in slots {
                self.verify(slot & self.position_mask, out);
            }
        } else {
            for &slot in slots {
                if ((slot >> self.position_bits) ^ self.query_suffix).count_ones() <= left {
                    self.verify(slot & self.position_mask, out);
                }
            }
        }
    }

    #[inline(always)]
    fn verify(&self, position: u32, out: &mut Vec<PdqMatch>) {
        let position = position as usize;
        let Some(hash) = self.base.hashes.get(position) else {
            return;
        };
        let q = self.query;
        let xor = [hash[0] ^ q[0], hash[1] ^ q[1], hash[2] ^ q[2], hash[3] ^ q[3]];
        let distance = xor[0].count_ones() + xor[1].count_ones() + xor[2].count_ones() + xor[3].count_ones();
        if distance <= self.max_distance && bits::owned_by(&xor, self.table_index, self.radius) && !self.dead.contains(position)
        {
            if let Some(&id) = self.base.ids.get(position) {
                out.push(PdqMatch { id, distance });
            }
        }
    }
}

fn build_tables(hashes: &[Words]) -> Tables {
    let n = hashes.len();
    // About 8 to 16 entries per directory range: fewer ranges to probe vs. fewer slots to scan per range.
    let prefix_bits = floor_log2(n).saturating_sub(3).clamp(4, MIN_SEGMENT_BITS - 1);
    let position_bits = (usize::BITS - (n.max(2) - 1).leading_zeros()).min(31);
    let position_mask = ((1u64 << position_bits) - 1) as u32;
    let directory_len = 1usize << prefix_bits;
    let tables = SEGMENT_BITS
        .iter()
        .map(|&(start, len)| {
            let suffix_bits = (len - prefix_bits).min(8).min(32 - position_bits);
            let mut directory = vec![0u32; directory_len + 1];
            for hash in hashes {
                let prefix = bits::extract(hash, start, prefix_bits) as usize;
                if let Some(count) = directory.get_mut(prefix + 1) {
                    *count += 1;
                }
            }
            let mut total = 0u32;
            for entry in directory.iter_mut() {
                total += *entry;
                *entry = total;
            }
            let mut cursor = directory.clone();
            let mut slots = vec![0u32; n];
            for (position, hash) in hashes.iter().enumerate() {
                let prefix = bits::extract(hash, start, prefix_bits) as usize;
                let suffix = bits::extract(hash, start + prefix_bits, suffix_bits);
                if let Some(next) = cursor.get_mut(prefix) {
                    if let Some(slot) = slots.get_mut(*next as usize) {
                        *slot = (suffix << position_bits) | position as u32;
                    }
                    *next += 1;
                }
            }
            Table { suffix_bits, directory, slots }
        })
        .collect();
    Tables { prefix_bits, position_bits, position_mask, tables }
}
