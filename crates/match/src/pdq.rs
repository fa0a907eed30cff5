//! [`PdqIndex`]: levels of immutable multi-index tables plus a small mutable delta, behind one `RwLock`.
//!
//! Layout of the live state:
//! - `levels`: immutable [`Base`]s (the bulk-built one first, then smaller ones), each with a tombstone bitset
//!   for removals. Every live id is in exactly one place (a level where its bit is clear, or the delta), so
//!   results from different places never repeat an id.
//! - `delta`: entries inserted since the last seal, searched by brute force (at most `delta_max` of them).
//!   When full, it is sealed into a new level; small trailing levels are merged inline (cheap, bounded).
//! - [`PdqIndex::compact`] merges levels outside the lock: it snapshots them, builds the merged level while
//!   searches and writes go on, then swaps it in and replays the writes logged meanwhile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::base::{Base, DEFAULT_MIN_TABLE_ENTRIES, MAX_LEVEL_ENTRIES, advise_huge_pages};
use crate::bits::{self, BitSet, SEGMENTS, Words};
use crate::{EntryId, PdqMatch};

/// Thresholds of the level structure; only tests change them (to exercise every path on small sets).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    /// Levels with fewer entries have no tables and are scanned.
    pub(crate) min_table_entries: usize,
    /// The delta is sealed into a level when it holds this many entries.
    pub(crate) delta_max: usize,
    /// Trailing levels are merged under the write lock only while the result stays this small.
    pub(crate) inline_merge_max: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning { min_table_entries: DEFAULT_MIN_TABLE_ENTRIES, delta_max: 1024, inline_merge_max: 16 * 1024 }
    }
}

/// Exact Hamming range search over 256-bit PDQ hashes, with live inserts and removals.
///
/// `Send + Sync`: share it behind an `Arc`. Searches take a read lock for their duration (tens of
/// microseconds); [`insert`](Self::insert) and [`remove`](Self::remove) take the write lock for a moment
/// (sealing a full delta into a small level costs well under a millisecond), and [`compact`](Self::compact)
/// does its heavy work without any lock.
///
/// Every write is visible to each search that starts after the write returns. See the crate docs for why
/// searches are exact.
#[derive(Debug)]
pub struct PdqIndex {
    state: RwLock<State>,
    compaction: Mutex<()>,
    tuning: Tuning,
}

#[derive(Debug)]
struct Level {
    base: Arc<Base>,
    dead: BitSet,
    live: usize,
}

#[derive(Debug, Default)]
struct Delta {
    ids: Vec<u64>,
    hashes: Vec<Words>,
    positions: HashMap<u64, usize>,
}

#[derive(Debug)]
enum Op {
    Insert(u64, Words),
    Remove(u64),
}

#[derive(Debug, Default)]
struct State {
    levels: Vec<Level>,
    delta: Delta,
    /// Writes made while a compaction builds, to replay onto its result.
    log: Option<Vec<Op>>,
}

impl Default for PdqIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl PdqIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::with_tuning(Tuning::default())
    }

    pub(crate) fn with_tuning(tuning: Tuning) -> Self {
        PdqIndex { state: RwLock::new(State::default()), compaction: Mutex::new(()), tuning }
    }

    /// Bulk build (start-up). When an id appears more than once, the last occurrence wins, as with repeated
    /// [`insert`](Self::insert)s. Input already sorted by id (as a database returns rows by primary key) skips
    /// the sort. 10M entries take a few seconds on one core; peak memory is about twice the final size.
    pub fn from_entries(entries: Vec<(EntryId, [u8; 32])>) -> Self {
        Self::from_entries_tuned(entries, Tuning::default())
    }

    pub(crate) fn from_entries_tuned(mut entries: Vec<(EntryId, [u8; 32])>, tuning: Tuning) -> Self {
        if !entries.is_sorted_by(|a, b| a.0 < b.0) {
            // Stable, so that among equal ids the last one given stays last.
            entries.sort_by_key(|e| e.0);
        }
        let mut ids: Vec<u64> = Vec::with_capacity(entries.len());
        let mut hashes: Vec<Words> = Vec::with_capacity(entries.len());
        advise_huge_pages(&hashes);
        for (id, hash) in &entries {
            let words = bits::to_words(hash);
            match (ids.last(), hashes.last_mut()) {
                (Some(last), Some(last_hash)) if *last == *id => *last_hash = words,
                _ => {
                    ids.push(*id);
                    hashes.push(words);
                }
            }
        }
        drop(entries);
        let levels = build_levels(ids, hashes, tuning.min_table_entries);
        let index = Self::with_tuning(tuning);
        index.write().levels = levels;
        index
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an entry, or replaces the hash of `id` if present; visible to every search that starts after this
    /// returns.
    pub fn insert(&self, id: EntryId, hash: [u8; 32]) {
        let words = bits::to_words(&hash);
        let mut state = self.write();
        if let Some(log) = state.log.as_mut() {
            log.push(Op::Insert(id, words));
        }
        state.insert(id, words, &self.tuning);
    }

    /// Removes an entry; returns whether it was present. Visible to every search that starts after this
    /// returns.
    pub fn remove(&self, id: EntryId) -> bool {
        let mut state = self.write();
        if let Some(log) = state.log.as_mut() {
            log.push(Op::Remove(id));
        }
        state.remove(id)
    }

    /// Whether `id` is present.
    pub fn contains(&self, id: EntryId) -> bool {
        self.read().find(id).is_some()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        let state = self.read();
        state.levels.iter().map(|l| l.live).sum::<usize>() + state.delta.ids.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry within `max_distance` (inclusive) of `query`, sorted by distance then id.
    ///
    /// Exact for any `max_distance` (values above 256 act as 256). Up to 32 it probes the multi-index
    /// tables; above that it scans, still exactly.
    pub fn search(&self, query: &[u8; 32], max_distance: u32) -> Vec<PdqMatch> {
        let mut out = Vec::new();
        self.search_into(query, max_distance, &mut out);
        out
    }

    /// As [`search`](Self::search), but fills `out` (cleared first) to reuse its allocation.
    pub fn search_into(&self, query: &[u8; 32], max_distance: u32, out: &mut Vec<PdqMatch>) {
        out.clear();
        let query = bits::to_words(query);
        let max_distance = max_distance.min(256);
        let radius = bits::radii(max_distance);
        {
            let state = self.read();
            search_state(&state, &query, max_distance, radius.as_ref(), out);
        }
        out.sort_unstable_by_key(|m| (m.distance, m.id));
    }

    /// Approximate heap bytes held by the index.
    pub fn memory_bytes(&self) -> usize {
        let state = self.read();
        let levels: usize = state.levels.iter().map(|l| l.base.memory_bytes() + l.dead.memory_bytes()).sum();
        let delta = &state.delta;
        let delta_bytes = delta.ids.capacity() * 8
            + delta.hashes.capacity() * 32
            // hashbrown: key + value + one control byte per bucket.
            + delta.positions.capacity() * (8 + 8 + 1);
        levels + delta_bytes + state.levels.capacity() * size_of::<Level>() + size_of::<Self>()
    }

    /// Number of immutable levels (1 after a bulk build or a full compaction); more levels make searches
    /// slower, which [`compact`](Self::compact) repairs.
    pub fn level_count(&self) -> usize {
        self.read().levels.len()
    }

    /// Whether [`compact`](Self::compact) has work to do: several small levels or a non-empty delta after the
    /// main level, or many removed entries still held by the main level.
    pub fn needs_compaction(&self) -> bool {
        self.read().compaction_start(false).is_some()
    }

    /// Merges levels so searches stay fast after many writes. Call it from a background thread, e.g. every few
    /// seconds while [`needs_compaction`](Self::needs_compaction) is true.
    ///
    /// Policy (amortised, like a log-structured merge): the small levels after the main one are merged
    /// together with the delta; the main level is rebuilt too only when that tail has grown past 1/8 of it or
    /// 1/8 of it is removed entries. The merged level is built without holding any lock (searches and writes go
    /// on meanwhile, and writes made during the build are replayed onto the result), so it never blocks
    /// searches beyond a short swap. Memory peaks at the size of the levels being merged, twice. Concurrent
    /// calls run one after another.
    pub fn compact(&self) {
        self.compact_with(false);
    }

    /// Merges everything into one level (same locking as [`compact`](Self::compact), but always rebuilds the
    /// main level: O(n), a few seconds at 10M entries).
    pub fn compact_all(&self) {
        self.compact_with(true);
    }

    fn compact_with(&self, all: bool) {
        let _one_at_a_time = self.compaction.lock().unwrap_or_else(PoisonError::into_inner);
        let (keep, merging, delta_ids, delta_hashes) = {
            let mut state = self.write();
            let Some(keep) = state.compaction_start(all) else {
                return;
            };
            let merging: Vec<(Arc<Base>, BitSet)> =
                state.levels[keep..].iter().map(|l| (Arc::clone(&l.base), l.dead.clone())).collect();
            let delta = (state.delta.ids.clone(), state.delta.hashes.clone());
            state.log = Some(Vec::new());
            (keep, merging, delta.0, delta.1)
        };
        let merged = merge(&merging, delta_ids, delta_hashes, self.tuning.min_table_entries);
        drop(merging);
        let mut state = self.write();
        let log = state.log.take().unwrap_or_default();
        // While the log was active no inline merge ran, so `levels[..keep]` are the same levels as at the
        // snapshot (their tombstones may have changed, which the current state already holds).
        state.levels.truncate(keep);
        state.levels.extend(merged);
        state.delta = Delta::default();
        for op in log {
            match op {
                Op::Insert(id, hash) => state.insert(id, hash, &self.tuning),
                Op::Remove(id) => {
                    state.remove(id);
                }
            }
        }
    }
}

impl State {
    fn find(&self, id: u64) -> Option<Words> {
        for level in &self.levels {
            if let Some(position) = level.base.position(id)
                && !level.dead.contains(position)
            {
                return level.base.hashes.get(position).copied();
            }
        }
        self.delta.positions.get(&id).and_then(|&i| self.delta.hashes.get(i).copied())
    }

    fn remove(&mut self, id: u64) -> bool {
        for level in &mut self.levels {
            if let Some(position) = level.base.position(id)
                && level.dead.insert(position)
            {
                level.live -= 1;
                return true;
            }
        }
        let delta = &mut self.delta;
        let Some(index) = delta.positions.remove(&id) else {
            return false;
        };
        if index < delta.ids.len() {
            delta.ids.swap_remove(index);
            delta.hashes.swap_remove(index);
            if let Some(&moved) = delta.ids.get(index) {
                delta.positions.insert(moved, index);
            }
        }
        true
    }

    fn insert(&mut self, id: u64, hash: Words, tuning: &Tuning) {
        self.remove(id);
        if self.delta.ids.len() >= tuning.delta_max.max(1) {
            self.seal(tuning);
        }
        let delta = &mut self.delta;
        delta.positions.insert(id, delta.ids.len());
        delta.ids.push(id);
        delta.hashes.push(hash);
    }

    /// Turns the delta into a level, then merges small trailing levels (never while a compaction is building,
    /// so that the levels it keeps stay where they are).
    fn seal(&mut self, tuning: &Tuning) {
        let delta = std::mem::take(&mut self.delta);
        self.levels.extend(merge(&[], delta.ids, delta.hashes, tuning.min_table_entries));
        if self.log.is_some() {
            return;
        }
        while let [.., previous, last] = self.levels.as_slice() {
            let total = previous.live + last.live;
            if total > tuning.inline_merge_max || last.live * 2 < previous.live {
                break;
            }
            let start = self.levels.len() - 2;
            let merging: Vec<(Arc<Base>, BitSet)> = self.levels.drain(start..).map(|l| (l.base, l.dead)).collect();
            self.levels.extend(merge(&merging, Vec::new(), Vec::new(), tuning.min_table_entries));
        }
    }

    /// Index of the first level that [`PdqIndex::compact`] should merge, or `None` if there is nothing to do.
    fn compaction_start(&self, all: bool) -> Option<usize> {
        let Some(main) = self.levels.first() else {
            return (!self.delta.ids.is_empty()).then_some(0);
        };
        let tail_levels = self.levels.len() - 1;
        let tail: usize = self.levels.iter().skip(1).map(|l| l.live).sum::<usize>() + self.delta.ids.len();
        let removed = main.base.len() - main.live;
        if all || tail * 8 >= main.live || removed * 8 >= main.base.len().max(8) {
            let single_clean_level = tail_levels == 0 && removed == 0 && self.delta.ids.is_empty();
            return (!single_clean_level).then_some(0);
        }
        // Merging the tail only helps if it is made of several levels or has a delta; a single tail level
        // stays until it reaches 1/8 of the main one.
        (tail_levels > 1 || (tail_levels == 1 && !self.delta.ids.is_empty())).then_some(1)
    }
}

/// Live entries of `levels` plus `(ids, hashes)` (disjoint ids), as new levels.
fn merge(levels: &[(Arc<Base>, BitSet)], ids: Vec<u64>, hashes: Vec<Words>, min_table_entries: usize) -> Vec<Level> {
    let mut pairs: Vec<(u64, Words)> = ids.into_iter().zip(hashes).collect();
    for (base, dead) in levels {
        pairs.extend(
            base.ids
                .iter()
                .zip(&base.hashes)
                .enumerate()
                .filter(|(p, _)| !dead.contains(*p))
                .map(|(_, (i, h))| (i, *h)),
        );
    }
    pairs.sort_unstable_by_key(|p| p.0);
    // Defensive: live ids are unique by construction, but never build a level with repeated ids.
    pairs.dedup_by_key(|p| p.0);
    let mut ids = Vec::with_capacity(pairs.len());
    let mut hashes = Vec::with_capacity(pairs.len());
    advise_huge_pages(&hashes);
    for (id, hash) in pairs {
        ids.push(id);
        hashes.push(hash);
    }
    build_levels(ids, hashes, min_table_entries)
}

/// Levels for sorted, unique entries (one level unless there are more than [`MAX_LEVEL_ENTRIES`]).
fn build_levels(mut ids: Vec<u64>, mut hashes: Vec<Words>, min_table_entries: usize) -> Vec<Level> {
    let mut levels = Vec::new();
    while !ids.is_empty() {
        let rest_ids = ids.split_off(ids.len().min(MAX_LEVEL_ENTRIES));
        let rest_hashes = hashes.split_off(hashes.len().min(MAX_LEVEL_ENTRIES));
        let base = Base::build(ids, hashes, min_table_entries);
        let len = base.len();
        levels.push(Level { base: Arc::new(base), dead: BitSet::new(len), live: len });
        ids = rest_ids;
        hashes = rest_hashes;
    }
    levels
}

fn search_state(
    state: &State,
    query: &Words,
    max_distance: u32,
    radius: Option<&[u32; SEGMENTS]>,
    out: &mut Vec<PdqMatch>,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports `popcnt`, as checked just above.
            unsafe { search_state_popcnt(state, query, max_distance, radius, out) };
            return;
        }
    }
    search_state_inline(state, query, max_distance, radius, out);
}

/// The same search compiled with the `popcnt` instruction (the default x86-64 target lacks it, and the
/// software fallback makes verification several times slower).
///
/// # Safety
/// The CPU must support `popcnt`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn search_state_popcnt(
    state: &State,
    query: &Words,
    max_distance: u32,
    radius: Option<&[u32; SEGMENTS]>,
    out: &mut Vec<PdqMatch>,
) {
    search_state_inline(state, query, max_distance, radius, out);
}

#[inline(always)]
fn search_state_inline(
    state: &State,
    query: &Words,
    max_distance: u32,
    radius: Option<&[u32; SEGMENTS]>,
    out: &mut Vec<PdqMatch>,
) {
    for level in &state.levels {
        level.base.search(query, max_distance, radius, &level.dead, out);
    }
    for (hash, id) in state.delta.hashes.iter().zip(&state.delta.ids) {
        let distance = bits::distance(hash, query);
        if distance <= max_distance {
            out.push(PdqMatch { id: *id, distance });
        }
    }
}
