//! One immutable level of the index: entries sorted by id, plus one multi-index table per segment.
//!
//! Table layout (per segment of 23 or 24 bits): the segment's top `prefix_bits` bits address a directory (CSR
//! offsets) into `slots`, an array of one `u32` per entry holding the entry's position in the low bits and the
//! next up-to-8 bits of its segment (the "suffix") in the high bits. A probe for a prefix variant at distance
//! `d` from the query's prefix scans its directory range and keeps slots whose suffix is within `radius - d`
//! of the query's suffix: a necessary condition for the segment to be within `radius`, so no match is lost,
//! while most non-matches are rejected without touching the 32-byte hash. Each directory entry also holds a
//! 32-bit summary of the suffixes in its range; probes that need the exact suffix (the `d = radius` ones, most
//! of them) check it first and usually skip the range. `prefix_bits` is the largest that keeps the directories
//! within 12 bytes per entry (4 to 7.3 entries per range).
//!
//! Memory per entry: 32 (hash) + 4 (id) + 11 * 4 (slots) + at most 12 (directories) + 1/8 (tombstone bit).

use crate::PdqMatch;
use crate::bits::{self, BitSet, MIN_SEGMENT_BITS, SEGMENT_BITS, SEGMENTS, Words};

/// Levels smaller than this are searched by scanning: a table probe costs about as much as the scan.
pub(crate) const DEFAULT_MIN_TABLE_ENTRIES: usize = 8192;

/// The largest level: positions are packed into `u32` slots with at most 31 bits.
pub(crate) const MAX_LEVEL_ENTRIES: usize = 1 << 30;

/// An immutable level. `ids` is sorted and has no duplicates; `hashes[i]` belongs to `ids[i]`.
#[derive(Debug)]
pub(crate) struct Base {
    pub(crate) ids: IdColumn,
    pub(crate) hashes: Vec<Words>,
    tables: Option<Tables>,
}

#[derive(Debug)]
struct Tables {
    prefix_bits: u32,
    position_bits: u32,
    position_mask: u32,
    /// The slots of the tables, one after the other (`len()` per table).
    slots: Vec<u32>,
    tables: Vec<Table>,
}

#[derive(Debug)]
struct Table {
    suffix_bits: u32,
    /// Low 32 bits: `offset(v)..offset(v + 1)` is the range of the table's slots whose prefix is `v`. High 32
    /// bits: a summary of the suffixes present in that range (bit `suffix % 32` set for each), which lets a probe
    /// that needs the exact suffix skip the range without reading its slots (most probes are of that kind).
    directory: Vec<u64>,
}

/// Sorted unique ids in 4 bytes each: the low 32 bits per entry, plus the positions where the high 32 bits
/// change (one run for ids below 2^32, as database row ids are).
#[derive(Debug)]
pub(crate) struct IdColumn {
    low: Vec<u32>,
    /// `(first position, high bits)` of each run, ascending in both.
    runs: Vec<(u32, u32)>,
}

impl IdColumn {
    fn new(ids: &[u64]) -> Self {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for (position, id) in ids.iter().enumerate() {
            let high = (id >> 32) as u32;
            if runs.last().is_none_or(|run| run.1 != high) {
                runs.push((position as u32, high));
            }
        }
        let mut low = Vec::with_capacity(ids.len());
        advise_huge_pages(&low);
        low.extend(ids.iter().map(|&id| id as u32));
        IdColumn { low, runs }
    }

    fn len(&self) -> usize {
        self.low.len()
    }

    #[inline(always)]
    pub(crate) fn get(&self, position: usize) -> Option<u64> {
        let low = *self.low.get(position)?;
        let run = self.runs.partition_point(|run| run.0 as usize <= position).checked_sub(1)?;
        let high = self.runs.get(run)?.1;
        Some(u64::from(high) << 32 | u64::from(low))
    }

    fn position(&self, id: u64) -> Option<usize> {
        let high = (id >> 32) as u32;
        let run = self.runs.binary_search_by_key(&high, |run| run.1).ok()?;
        let begin = self.runs.get(run)?.0 as usize;
        let end = self.runs.get(run + 1).map_or(self.low.len(), |next| next.0 as usize);
        let found = self.low.get(begin..end)?.binary_search(&(id as u32)).ok()?;
        Some(begin + found)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().enumerate().flat_map(move |(run, &(begin, high))| {
            let end = self.runs.get(run + 1).map_or(self.low.len(), |next| next.0 as usize);
            self.low
                .get(begin as usize..end)
                .unwrap_or_default()
                .iter()
                .map(move |&low| u64::from(high) << 32 | u64::from(low))
        })
    }

    fn memory_bytes(&self) -> usize {
        self.low.capacity() * 4 + self.runs.capacity() * 8
    }
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
        // The id column first, and the `u64` ids freed before the tables are allocated, so the tables can
        // reuse that memory (the resident size then stays close to `memory_bytes`).
        let id_column = IdColumn::new(&ids);
        drop(ids);
        let tables = (n >= min_table_entries.max(1) && n <= MAX_LEVEL_ENTRIES).then(|| build_tables(&hashes));
        Base { ids: id_column, hashes, tables }
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Position of `id`, if present (dead or alive).
    pub(crate) fn position(&self, id: u64) -> Option<usize> {
        self.ids.position(id)
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        let tables = self.tables.as_ref().map_or(0, |t| {
            t.tables.iter().map(|t| t.directory.capacity() * 8).sum::<usize>()
                + t.slots.capacity() * 4
                + t.tables.capacity() * size_of::<Table>()
        });
        self.ids.memory_bytes() + self.hashes.capacity() * 32 + tables + size_of::<Base>()
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
        for (position, (hash, id)) in self.hashes.iter().zip(self.ids.iter()).enumerate() {
            let distance = bits::distance(hash, query);
            if distance <= max_distance && !dead.contains(position) {
                out.push(PdqMatch { id, distance });
            }
        }
    }

    /// The multi-index search, in passes over each table so that memory latency overlaps: list the directory
    /// entries to probe and prefetch them, read the ranges and prefetch their first slots, scan the ranges
    /// into a candidate list while prefetching the candidates' hashes, then verify the candidates.
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
        let position_bits = tables.position_bits;
        let position_mask = tables.position_mask;
        // (directory index, radius left for the suffix), then (begin, end, radius left).
        let mut probes: Vec<(u32, u32)> = Vec::with_capacity(256);
        let mut ranges: Vec<(u32, u32, u32)> = Vec::with_capacity(256);
        // (position, table).
        let mut candidates: Vec<(u32, u32)> = Vec::new();
        for (index, ((table, &(start, _)), &segment_radius)) in
            tables.tables.iter().zip(&SEGMENT_BITS).zip(radius).enumerate()
        {
            let n = self.len();
            let directory = &table.directory;
            let table_slots = tables.slots.get(index * n..(index + 1) * n).unwrap_or_default();
            probes.clear();
            let prefix = bits::extract(query, start, prefix_bits);
            probes.push((prefix, segment_radius));
            if segment_radius >= 1 {
                for i in 0..prefix_bits {
                    let one = prefix ^ (1 << i);
                    probes.push((one, segment_radius - 1));
                    if segment_radius >= 2 {
                        for j in 0..i {
                            probes.push((one ^ (1 << j), segment_radius - 2));
                        }
                    }
                }
            }
            for &(prefix, _) in &probes {
                if let Some(entry) = directory.get(prefix as usize) {
                    prefetch(entry);
                }
            }
            ranges.clear();
            let query_suffix = bits::extract(query, start + prefix_bits, table.suffix_bits);
            for &(prefix, left) in &probes {
                let prefix = prefix as usize;
                if let (Some(&entry), Some(&next)) = (directory.get(prefix), directory.get(prefix + 1))
                    && (left > 0 || (entry >> 32) >> (query_suffix % 32) & 1 == 1)
                {
                    let (begin, end) = (entry as u32, next as u32);
                    if begin >= end {
                        continue;
                    }
                    if let Some(slot) = table_slots.get(begin as usize) {
                        prefetch(slot);
                    }
                    ranges.push((begin, end, left));
                }
            }
            let table_index = index as u32;
            for &(begin, end, left) in &ranges {
                let Some(slots) = table_slots.get(begin as usize..end as usize) else {
                    continue;
                };
                if left >= table.suffix_bits {
                    for &slot in slots {
                        let position = slot & position_mask;
                        self.prefetch_hash(position);
                        candidates.push((position, table_index));
                    }
                } else {
                    for &slot in slots {
                        if ((slot >> position_bits) ^ query_suffix).count_ones() <= left {
                            let position = slot & position_mask;
                            self.prefetch_hash(position);
                            candidates.push((position, table_index));
                        }
                    }
                }
            }
        }
        // Verification, keeping (position, distance) of the matches in place, and prefetching their ids: a
        // query inside a large family has hundreds of matches, each id a cache miss if read one after another.
        let mut matched = 0usize;
        for read in 0..candidates.len() {
            let Some(&(position, table)) = candidates.get(read) else {
                continue;
            };
            if let Some(&(ahead, _)) = candidates.get(read + 16) {
                self.prefetch_hash(ahead);
            }
            let Some(hash) = self.hashes.get(position as usize) else {
                continue;
            };
            let q = query;
            let xor = [hash[0] ^ q[0], hash[1] ^ q[1], hash[2] ^ q[2], hash[3] ^ q[3]];
            let distance = xor[0].count_ones() + xor[1].count_ones() + xor[2].count_ones() + xor[3].count_ones();
            if distance <= max_distance
                && bits::owned_by(&xor, table as usize, radius)
                && let Some(slot) = candidates.get_mut(matched)
            {
                *slot = (position, distance);
                matched += 1;
                if let Some(low) = self.ids.low.get(position as usize) {
                    prefetch(low);
                }
            }
        }
        for &(position, distance) in candidates.get(..matched).unwrap_or_default() {
            let position = position as usize;
            if !dead.contains(position)
                && let Some(id) = self.ids.get(position)
            {
                out.push(PdqMatch { id, distance });
            }
        }
    }

    #[inline(always)]
    fn prefetch_hash(&self, position: u32) {
        if let Some(hash) = self.hashes.get(position as usize) {
            prefetch(hash);
        }
    }
}

/// Buffers smaller than this keep ordinary pages (a huge page is 2 MiB; small levels stay in cache anyway).
const HUGE_PAGES_MIN_BYTES: usize = 4 << 20;

/// Asks Linux to back the capacity of `buffer` with transparent huge pages, when the system allows it
/// (`madvise` mode, the common default): searches read the hashes, slots, directories and ids at random
/// places, and with 4 KiB pages nearly every such read also misses the TLB. Call it before the buffer is
/// filled (the advice applies to pages touched afterwards; the level's hashes are advised where they are
/// collected, in `pdq.rs`). A hint only: contents and results are unaffected, and a refusal (THP disabled,
/// old kernel, other page size) is ignored.
pub(crate) fn advise_huge_pages<T>(buffer: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const MADV_HUGEPAGE: i32 = 14;
        const PAGE: usize = 4096;
        unsafe extern "C" {
            fn madvise(addr: *mut core::ffi::c_void, len: usize, advice: i32) -> i32;
        }
        let bytes = buffer.capacity().saturating_mul(size_of::<T>());
        if bytes < HUGE_PAGES_MIN_BYTES {
            return;
        }
        let start = buffer.as_ptr() as usize;
        let begin = start.next_multiple_of(PAGE);
        let end = (start + bytes) / PAGE * PAGE;
        if end > begin {
            // SAFETY: the range lies inside `buffer`'s allocation (whole pages only), and MADV_HUGEPAGE changes
            // only how the kernel backs those pages, never their contents; the result is deliberately ignored.
            let _ = unsafe { madvise(begin as *mut core::ffi::c_void, end - begin, MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buffer;
}

/// Asks the CPU to bring `value`'s cache line closer; a hint with no effect on results.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and never changes memory; the pointer comes from a reference, and SSE
    // (which provides the instruction) is part of the x86-64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

fn build_tables(hashes: &[Words]) -> Tables {
    let n = hashes.len();
    // Directory size: the largest power of two with at most 12 bytes of directory per entry (8 bytes per
    // directory entry, 11 tables), i.e. 4 to 7.3 entries per range: short ranges to scan, and most probes
    // rejected by the range's suffix summary without touching its slots.
    let prefix_bits = floor_log2(n.saturating_mul(12) / (8 * SEGMENTS)).clamp(4, MIN_SEGMENT_BITS - 1);
    let position_bits = (usize::BITS - (n.max(2) - 1).leading_zeros()).min(31);
    let position_mask = ((1u64 << position_bits) - 1) as u32;
    let directory_len = 1usize << prefix_bits;
    // One buffer for the slots of all tables, so that huge pages cover them (a huge page must fit whole inside
    // an allocation). The directories stay apart: at most 12 bytes per entry, they fill the memory the
    // caller's `u64` ids leave free rather than growing the process.
    let mut slots = vec![0u32; n * SEGMENTS];
    advise_huge_pages(&slots);
    let tables = SEGMENT_BITS
        .iter()
        .zip(slots.chunks_exact_mut(n.max(1)))
        .map(|(&(start, len), slots)| {
            let suffix_bits = (len - prefix_bits).min(8).min(32 - position_bits);
            let mut offsets = vec![0u32; directory_len + 1];
            let mut summaries = vec![0u32; directory_len];
            for hash in hashes {
                let prefix = bits::extract(hash, start, prefix_bits) as usize;
                let suffix = bits::extract(hash, start + prefix_bits, suffix_bits);
                if let (Some(count), Some(summary)) = (offsets.get_mut(prefix + 1), summaries.get_mut(prefix)) {
                    *count += 1;
                    *summary |= 1 << (suffix % 32);
                }
            }
            let mut total = 0u32;
            for entry in offsets.iter_mut() {
                total += *entry;
                *entry = total;
            }
            {
                let mut cursor = offsets.clone();
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
            }
            let directory = offsets
                .iter()
                .enumerate()
                .map(|(v, &offset)| u64::from(offset) | u64::from(summaries.get(v).copied().unwrap_or(0)) << 32)
                .collect();
            Table { suffix_bits, directory }
        })
        .collect();
    Tables { prefix_bits, position_bits, position_mask, slots, tables }
}
