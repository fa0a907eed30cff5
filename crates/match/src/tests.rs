//! Property tests: the index returns exactly the brute-force result, for random and clustered data, at several
//! thresholds, after bulk builds and after interleaved inserts, removals and compactions.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::bits::{self, SEGMENTS};
use crate::pdq::Tuning;
use crate::{EntryId, PdqIndex, PdqMatch, brute_force_search};

const THRESHOLDS: [u32; 9] = [0, 1, 8, 16, 31, 32, 48, 64, 100];

/// Small thresholds so that small sets exercise tables, sealing, inline merges and compaction.
const SMALL: Tuning = Tuning { min_table_entries: 0, delta_max: 5, inline_merge_max: 40 };

/// A deterministic generator (splitmix64), for the larger non-proptest cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn hash(&mut self) -> [u8; 32] {
        let words = [self.next(), self.next(), self.next(), self.next()];
        bits::to_bytes(&words)
    }

    fn flip(&mut self, hash: &[u8; 32], count: u32) -> [u8; 32] {
        let mut out = *hash;
        for _ in 0..count {
            let bit = (self.next() % 256) as usize;
            out[bit / 8] ^= 1 << (bit % 8);
        }
        out
    }
}

fn flip_bits(hash: &[u8; 32], bits_to_flip: &[u8]) -> [u8; 32] {
    let mut out = *hash;
    for &bit in bits_to_flip {
        out[bit as usize / 8] ^= 1 << (bit % 8);
    }
    out
}

fn check(index: &PdqIndex, model: &[(EntryId, [u8; 32])], query: &[u8; 32]) -> Result<(), TestCaseError> {
    for threshold in THRESHOLDS {
        let expected = brute_force_search(model, query, threshold);
        let got = index.search(query, threshold);
        prop_assert_eq!(got, expected, "threshold {}", threshold);
    }
    Ok(())
}

fn model_entries(model: &BTreeMap<EntryId, [u8; 32]>) -> Vec<(EntryId, [u8; 32])> {
    model.iter().map(|(id, hash)| (*id, *hash)).collect()
}

fn hash_strategy() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

/// Families: a seed and members within 0..=30 flipped bits of it.
fn clustered_strategy() -> impl Strategy<Value = Vec<[u8; 32]>> {
    prop::collection::vec(
        (hash_strategy(), prop::collection::vec(prop::collection::vec(any::<u8>(), 0..=30), 1..40)),
        1..8,
    )
    .prop_map(|families| {
        families
            .into_iter()
            .flat_map(|(seed, members)| members.into_iter().map(move |m| flip_bits(&seed, &m)))
            .collect()
    })
}

fn data_strategy() -> impl Strategy<Value = Vec<[u8; 32]>> {
    prop_oneof![prop::collection::vec(hash_strategy(), 0..200), clustered_strategy()]
}

/// Queries: near-duplicates of entries (0..=40 flips) and random hashes.
fn queries_for(data: &[[u8; 32]], picks: &[(usize, Vec<u8>)], random: &[[u8; 32]]) -> Vec<[u8; 32]> {
    let mut queries: Vec<[u8; 32]> = random.to_vec();
    if !data.is_empty() {
        queries.extend(picks.iter().map(|(i, flips)| flip_bits(&data[i % data.len()], flips)));
    }
    queries
}

#[derive(Clone, Debug)]
enum Action {
    Insert(EntryId, usize, Vec<u8>),
    Remove(EntryId),
    Compact,
    CompactAll,
}

fn action_strategy() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (0u64..120, any::<usize>(), prop::collection::vec(any::<u8>(), 0..=30)).prop_map(|(id, i, f)| Action::Insert(id, i, f)),
        3 => (0u64..120).prop_map(Action::Remove),
        1 => Just(Action::Compact),
        1 => Just(Action::CompactAll),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn bulk_build_equals_brute_force(
        data in data_strategy(),
        picks in prop::collection::vec((any::<usize>(), prop::collection::vec(any::<u8>(), 0..=40)), 1..12),
        random in prop::collection::vec(hash_strategy(), 1..4),
        default_tuning in any::<bool>(),
    ) {
        let entries: Vec<(EntryId, [u8; 32])> = data.iter().enumerate().map(|(i, h)| (i as EntryId * 3, *h)).collect();
        let tuning = if default_tuning { Tuning::default() } else { SMALL };
        let index = PdqIndex::from_entries_tuned(entries.clone(), tuning);
        prop_assert_eq!(index.len(), entries.len());
        for query in queries_for(&data, &picks, &random) {
            check(&index, &entries, &query)?;
        }
    }

    #[test]
    fn live_updates_equal_brute_force(
        data in data_strategy(),
        actions in prop::collection::vec(action_strategy(), 0..120),
        picks in prop::collection::vec((any::<usize>(), prop::collection::vec(any::<u8>(), 0..=40)), 1..8),
        random in prop::collection::vec(hash_strategy(), 1..3),
    ) {
        let mut model: BTreeMap<EntryId, [u8; 32]> = data.iter().enumerate().map(|(i, h)| (i as EntryId, *h)).collect();
        let index = PdqIndex::from_entries_tuned(model_entries(&model), SMALL);
        for (step, action) in actions.iter().enumerate() {
            match action {
                Action::Insert(id, i, flips) => {
                    let hash = if data.is_empty() { flip_bits(&[0; 32], flips) } else { flip_bits(&data[i % data.len()], flips) };
                    index.insert(*id, hash);
                    model.insert(*id, hash);
                }
                Action::Remove(id) => prop_assert_eq!(index.remove(*id), model.remove(id).is_some()),
                Action::Compact => index.compact(),
                Action::CompactAll => index.compact_all(),
            }
            prop_assert_eq!(index.len(), model.len());
            if step % 16 == 15 {
                let entries = model_entries(&model);
                for query in queries_for(&data, &picks, &random) {
                    check(&index, &entries, &query)?;
                }
            }
        }
        let entries = model_entries(&model);
        for query in queries_for(&data, &picks, &random) {
            check(&index, &entries, &query)?;
        }
        index.compact();
        index.compact();
        prop_assert_eq!(index.len(), model.len());
        for query in queries_for(&data, &picks, &random) {
            check(&index, &entries, &query)?;
        }
    }

    #[test]
    fn every_radius_is_exact(data in clustered_strategy(), pick in any::<usize>(), flips in prop::collection::vec(any::<u8>(), 0..=60)) {
        let entries: Vec<(EntryId, [u8; 32])> = data.iter().enumerate().map(|(i, h)| (i as EntryId, *h)).collect();
        let index = PdqIndex::from_entries_tuned(entries.clone(), SMALL);
        let query = flip_bits(&data[pick % data.len()], &flips);
        for threshold in [2, 10, 11, 12, 21, 22, 30, 33, 40, 128, 255, 256, 257, u32::MAX] {
            prop_assert_eq!(index.search(&query, threshold), brute_force_search(&entries, &query, threshold.min(256)));
        }
    }
}

/// Larger sets, so directories have many prefix bits (the realistic shape), with the default tuning.
#[test]
fn large_clustered_and_uniform_sets_equal_brute_force() {
    let mut rng = Rng(7);
    let mut entries: Vec<(EntryId, [u8; 32])> = Vec::new();
    // Uniform part.
    for _ in 0..30_000 {
        let hash = rng.hash();
        entries.push((rng.next() >> 20, hash));
    }
    // Clustered part: dense families, including a very large one, so some directory ranges are crowded.
    for family in 0..200 {
        let seed = rng.hash();
        let size = if family == 0 { 3_000 } else { 1 + rng.next() % 100 };
        for _ in 0..size {
            let flips = (rng.next() % 31) as u32;
            let hash = rng.flip(&seed, flips);
            entries.push((rng.next() >> 20, hash));
        }
    }
    // Repeated hashes under different ids, and repeated ids (last wins).
    entries.push((1, entries[0].1));
    entries.push((2, entries[0].1));
    entries.push((2, entries[1].1));
    let index = PdqIndex::from_entries(entries.clone());
    let mut model: BTreeMap<EntryId, [u8; 32]> = BTreeMap::new();
    for (id, hash) in &entries {
        model.insert(*id, *hash);
    }
    let model = model_entries(&model);
    assert_eq!(index.len(), model.len());
    let mut queries: Vec<[u8; 32]> = (0..10).map(|_| rng.hash()).collect();
    for _ in 0..40 {
        let i = (rng.next() % entries.len() as u64) as usize;
        let flips = (rng.next() % 40) as u32;
        queries.push(rng.flip(&entries[i].1, flips));
    }
    for query in &queries {
        for threshold in THRESHOLDS {
            assert_eq!(index.search(query, threshold), brute_force_search(&model, query, threshold), "t={threshold}");
        }
    }
    // Live updates on the big index: removals, replacements, inserts near a family, then a compaction.
    let mut live: BTreeMap<EntryId, [u8; 32]> = model.iter().copied().collect();
    for step in 0..3_000u64 {
        let (id, hash) = model[(rng.next() % model.len() as u64) as usize];
        match step % 3 {
            0 => assert_eq!(index.remove(id), live.remove(&id).is_some()),
            1 => {
                let new = rng.flip(&hash, 5);
                index.insert(id, new);
                live.insert(id, new);
            }
            _ => {
                let new_id = (1 << 60) + step;
                let new = rng.flip(&hash, 12);
                index.insert(new_id, new);
                live.insert(new_id, new);
            }
        }
    }
    let check_all = |index: &PdqIndex, live: &BTreeMap<EntryId, [u8; 32]>| {
        let entries = model_entries(live);
        assert_eq!(index.len(), entries.len());
        for query in &queries {
            for threshold in [0, 16, 31, 32, 40] {
                assert_eq!(index.search(query, threshold), brute_force_search(&entries, query, threshold));
            }
        }
    };
    check_all(&index, &live);
    assert!(index.needs_compaction());
    while index.needs_compaction() {
        index.compact();
    }
    check_all(&index, &live);
    index.compact_all();
    assert_eq!(index.level_count(), 1);
    assert!(!index.needs_compaction());
    check_all(&index, &live);
}

#[test]
fn empty_index() {
    let index = PdqIndex::new();
    assert!(index.is_empty());
    assert_eq!(index.len(), 0);
    assert!(index.search(&[0; 32], 256).is_empty());
    assert!(!index.remove(1));
    index.compact();
    assert!(!index.needs_compaction());
    let index = PdqIndex::from_entries(Vec::new());
    assert!(index.search(&[7; 32], 31).is_empty());
    assert!(index.memory_bytes() > 0);
}

#[test]
fn duplicates_and_replacement() {
    let hash = [0x33; 32];
    let index = PdqIndex::from_entries(vec![(5, hash), (2, hash), (5, [0; 32])]);
    assert_eq!(index.len(), 2);
    // Id 5 was given twice: the last hash wins.
    assert_eq!(index.search(&hash, 0), vec![PdqMatch { id: 2, distance: 0 }]);
    index.insert(9, hash);
    index.insert(5, hash);
    assert_eq!(
        index.search(&hash, 0),
        vec![PdqMatch { id: 2, distance: 0 }, PdqMatch { id: 5, distance: 0 }, PdqMatch { id: 9, distance: 0 }]
    );
    assert!(index.contains(9));
    assert!(index.remove(9));
    assert!(!index.contains(9));
    assert!(!index.remove(9));
    assert_eq!(index.len(), 2);
    index.compact();
    assert_eq!(index.search(&hash, 31).len(), 2);
}

#[test]
fn removal_then_reinsert_across_levels() {
    let mut rng = Rng(11);
    let entries: Vec<(EntryId, [u8; 32])> = (0..20_000).map(|i| (i, rng.hash())).collect();
    let index = PdqIndex::from_entries(entries.clone());
    let (id, hash) = entries[1234];
    assert_eq!(index.search(&hash, 31), vec![PdqMatch { id, distance: 0 }]);
    assert!(index.remove(id));
    assert!(index.search(&hash, 31).is_empty());
    index.insert(id, hash);
    assert_eq!(index.search(&hash, 31), vec![PdqMatch { id, distance: 0 }]);
    assert_eq!(index.len(), entries.len());
}

#[test]
fn searches_see_writes_from_other_threads() {
    let index = std::sync::Arc::new(PdqIndex::new());
    let writer = {
        let index = std::sync::Arc::clone(&index);
        std::thread::spawn(move || {
            for id in 0..3_000u64 {
                index.insert(id, [(id % 251) as u8; 32]);
            }
        })
    };
    for _ in 0..50 {
        let _ = index.search(&[3; 32], 31);
        index.compact();
    }
    index.compact_all();
    assert!(writer.join().is_ok());
    assert_eq!(index.len(), 3_000);
    assert_eq!(index.search(&[3; 32], 0).len(), 12);
    let _ = SEGMENTS;
}

#[test]
fn parses_hex() {
    let text = "f162eb9daab170c0567fe3632d9a5548c5612982dd5e374a7424ebbc8a835c95";
    let hash = crate::parse_pdq_hex(text);
    assert_eq!(hash.map(|h| h[0]), Some(0xf1));
    assert_eq!(hash.map(|h| h[31]), Some(0x95));
    assert_eq!(crate::parse_pdq_hex("zz"), None);
    assert_eq!(crate::parse_pdq_hex(&text.replace('f', "g")), None);
}

/// A level large enough (hashes, slots and directories of several MiB) that its buffers are built in the
/// buffers advised for huge pages, and with families dense enough that queries meet thousands of repeated
/// candidates: still exactly the brute-force result, within the memory budget.
#[test]
fn level_with_huge_page_buffers_equals_brute_force() {
    let mut rng = Rng(23);
    let mut entries: Vec<(EntryId, [u8; 32])> = (0..100_000).map(|i| (i * 2, rng.hash())).collect();
    let mut seeds = Vec::new();
    for family in 0..40u64 {
        let seed = rng.hash();
        seeds.push(seed);
        let size = if family == 0 { 20_000 } else { 1 + rng.next() % 1_000 };
        for _ in 0..size {
            let flips = (rng.next() % 31) as u32;
            entries.push((rng.next() >> 8 | 1, rng.flip(&seed, flips)));
        }
    }
    let index = PdqIndex::from_entries(entries.clone());
    let mut model: BTreeMap<EntryId, [u8; 32]> = BTreeMap::new();
    for (id, hash) in &entries {
        model.insert(*id, *hash);
    }
    let model = model_entries(&model);
    assert_eq!(index.len(), model.len());
    assert!(index.memory_bytes() <= 96 * model.len(), "{} bytes", index.memory_bytes());
    let mut queries: Vec<[u8; 32]> = (0..4).map(|_| rng.hash()).collect();
    for seed in seeds.iter().take(6) {
        let flips = (rng.next() % 20) as u32;
        queries.push(rng.flip(seed, flips));
    }
    for query in &queries {
        for threshold in [16, 31, 32] {
            assert_eq!(index.search(query, threshold), brute_force_search(&model, query, threshold), "t={threshold}");
        }
    }
}
