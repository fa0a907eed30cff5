//! vPDQ text format and matching, on Meta's sample hash files.
//!
//! Data: `testdata/vpdq/expected/*.txt` (see `testdata/README.md`): the reference's
//! output for sample videos, one `frame,quality,pdq_hex,seconds` line per frame. The chair
//! videos are one clip re-encoded, cut (19 s, 20 s, 22 s), letterboxed, greyed, sepia-toned and
//! watermarked; pattern and doorknob videos are other content.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use vigie_hash::PdqHash;
use vigie_hash::vpdq::{self, MatchThresholds, VideoMatch, VpdqFrame};

fn expected_dir() -> PathBuf {
    let dir = common::testdata().join("vpdq/expected");
    assert!(dir.is_dir(), "missing {}: the vPDQ sample hashes (testdata/vpdq) are needed", dir.display());
    dir
}

/// Every expected file at full size (not the `-128x128` ones), by name.
fn expected(size_128: bool) -> BTreeMap<String, Vec<VpdqFrame>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(expected_dir()).expect("read expected/") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name").to_string();
        if path.extension().is_none_or(|e| e != "txt") || name.ends_with("-128x128") != size_128 {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        out.insert(name, vpdq::parse_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    assert!(out.len() >= 15, "expected the 15+ sample hash files, found {}", out.len());
    out
}

#[test]
fn text_format_round_trips_every_sample_file() {
    for entry in std::fs::read_dir(expected_dir()).expect("read expected/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let frames = vpdq::parse_text(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!frames.is_empty());
        assert_eq!(vpdq::format_text(&frames), text, "{}", path.display());
        // The timestamps are the reference's frame_number / frame_rate in f32 (30 fps here).
        for f in &frames {
            assert_eq!(
                format!("{:.3}", vpdq::frame_timestamp(f.frame_number, 30.0)),
                format!("{:.3}", f.timestamp_seconds),
                "{} frame {}",
                path.display(),
                f.frame_number
            );
        }
    }
}

fn is_chair(name: &str) -> bool {
    name.starts_with("chair")
}

fn is_other(name: &str) -> bool {
    name.starts_with("pattern") || name.starts_with("doorknob")
}

/// The letterboxed SD chair family: the 22 s original and its cuts (19 s, 20 s), grey, sepia
/// and small-logo versions.
const CHAIR_FAMILY: &[&str] = &[
    "chair-19-sd-bar",
    "chair-20-sd-bar",
    "chair-orig-22-sd-bar",
    "chair-22-sd-grey-bar",
    "chair-22-sd-sepia-bar",
    "chair-22-with-small-logo-bar",
];

fn base(name: &str) -> &str {
    name.strip_suffix("-128x128").unwrap_or(name)
}

/// Matching at the reference's defaults on the reference's own hashes. What vPDQ does not
/// catch is asserted too, so that a change in matching shows: the large logo covers too much
/// of the frame (about 10 % of frames match), and letterboxing moves the picture (the HD and
/// full-HD originals without bars match each other, not the SD versions with bars).
#[test]
fn chair_variants_match_each_other_and_nothing_else() {
    let t = MatchThresholds::default();
    for size_128 in [false, true] {
        let all = expected(size_128);
        println!("\n{}: query -> candidate, query% / candidate%", if size_128 { "128x128" } else { "full size" });
        for (q, qf) in &all {
            for (c, cf) in &all {
                let m = vpdq::match_videos(qf, cf, &t);
                let (qb, cb) = (base(q), base(c));
                if is_chair(q) && is_chair(c) {
                    println!(
                        "  {qb:>28} -> {cb:<28} {:5.1} / {:5.1}",
                        m.query_matched_percent, m.candidate_matched_percent
                    );
                }
                if q == c {
                    assert_eq!((m.query_matched_percent, m.candidate_matched_percent), (100.0, 100.0), "{q}");
                    assert!(m.is_match);
                } else if CHAIR_FAMILY.contains(&qb) && CHAIR_FAMILY.contains(&cb) {
                    assert!(m.is_match, "{q} should match {c}: {m:?}");
                    assert!(
                        m.query_matched_percent >= 80.0 && m.candidate_matched_percent >= 80.0,
                        "{q} vs {c}: {m:?}"
                    );
                } else if qb.starts_with("chair-orig-22-")
                    && cb.starts_with("chair-orig-22-")
                    && !qb.ends_with("sd-bar")
                    && !cb.ends_with("sd-bar")
                {
                    assert!(m.is_match, "HD and full-HD originals: {q} vs {c}: {m:?}");
                } else if is_chair(q) && is_chair(c) {
                    // Large logo, or bars against no bars.
                    assert!(!m.is_match && m.query_matched_percent < 15.0, "{q} vs {c}: {m:?}");
                }
                if (is_chair(q) && is_other(c)) || (is_other(q) && is_chair(c)) {
                    assert!(!m.is_match, "{q} should not match {c}: {m:?}");
                    assert!(m.query_matched_percent < 10.0, "{q} vs {c}: {m:?}");
                }
            }
        }
    }
}

/// The bank path: one index entry per unique frame of every video, a range search per query
/// frame, hits grouped by video, then `match_from_hits`: the same result as `match_videos`.
#[test]
fn bank_matching_through_a_frame_index_equals_pairwise() {
    let t = MatchThresholds::default();
    let all: Vec<(String, Vec<VpdqFrame>)> = expected(false).into_iter().collect();

    // The "index": (hash, video, position among that video's unique frames). A real bank uses
    // a PDQ index over the same entries; it must return every entry within the radius.
    let mut index: Vec<([u64; 4], usize, usize)> = Vec::new();
    let mut unique_len = Vec::new();
    for (v, (_, frames)) in all.iter().enumerate() {
        let unique = vpdq::unique_frames(frames, t.quality);
        unique_len.push(unique.len());
        index.extend(unique.iter().enumerate().map(|(i, f)| (words(&f.pdq), v, i)));
    }

    for (q_name, q_frames) in &all {
        let query = vpdq::unique_frames(q_frames, t.quality);
        let mut hits: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for (qi, qf) in query.iter().enumerate() {
            let q = words(&qf.pdq);
            for (hash, v, ci) in &index {
                if distance(&q, hash) <= t.distance {
                    hits.entry(*v).or_default().push((qi, *ci));
                }
            }
        }
        for (v, (c_name, c_frames)) in all.iter().enumerate() {
            let pairs = hits.remove(&v).unwrap_or_default();
            let banked = vpdq::match_from_hits(query.len(), unique_len[v], pairs, &t);
            let pairwise = vpdq::match_videos(q_frames, c_frames, &t);
            assert_eq!(banked, pairwise, "{q_name} vs {c_name}");
        }
    }
}

fn words(h: &PdqHash) -> [u64; 4] {
    std::array::from_fn(|i| u64::from_be_bytes(h.as_bytes()[i * 8..i * 8 + 8].try_into().expect("8 bytes")))
}

fn distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

#[test]
fn thresholds_and_filters() {
    let all = expected(false);
    let chair = &all["chair-19-sd-bar"];
    let unique = vpdq::unique_frames(chair, 50);
    assert!(unique.len() <= chair.len());
    let mut seen = std::collections::HashSet::new();
    assert!(unique.iter().all(|f| f.quality >= 50 && seen.insert(f.pdq)));

    // Frames under the quality threshold do not count.
    let mut low = chair.clone();
    for f in &mut low {
        f.quality = 10;
    }
    let m = vpdq::match_videos(&low, chair, &MatchThresholds::default());
    assert_eq!(m, VideoMatch { query_matched_percent: 0.0, candidate_matched_percent: 0.0, is_match: false });

    // A distance of exactly the threshold matches; one more does not.
    let f = chair[0];
    let mut far = f;
    for k in 0..31 {
        far.pdq = far.pdq.with_bit_flipped(k);
    }
    let t = MatchThresholds::default();
    assert!(vpdq::match_videos(&[f], &[far], &t).is_match);
    far.pdq = far.pdq.with_bit_flipped(200);
    assert!(!vpdq::match_videos(&[f], &[far], &t).is_match);

    // The candidate threshold applies too.
    let strict = MatchThresholds { candidate_percent: 100.0, ..t };
    let short = &chair[..chair.len() / 4];
    assert!(vpdq::match_videos(short, chair, &t).is_match);
    assert!(!vpdq::match_videos(short, chair, &strict).is_match);
}
