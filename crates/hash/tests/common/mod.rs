//! Shared helpers: where the reference data lives, and how to read it.
#![allow(dead_code)]

use std::path::PathBuf;

pub mod craft;

/// The repository's `testdata/`: Meta's reference images, hashes and videos (see its README).
pub fn testdata() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"));
    assert!(
        dir.join("pdq-reference/expected-hashes.csv").is_file(),
        "the reference data is missing from {} (part of the repository: is the checkout complete?)",
        dir.display()
    );
    dir
}

pub fn reference_dir() -> PathBuf {
    testdata().join("pdq-reference")
}

/// One row of expected-hashes.csv.
#[derive(Debug, Clone)]
pub struct Expected {
    pub file: String,
    pub width: u32,
    pub height: u32,
    /// `None` where the C++ reference could not load the image.
    pub cpp_full: Option<(String, u8)>,
    pub pytx: Option<(String, u8)>,
    pub note: String,
}

pub fn expected_hashes() -> Vec<Expected> {
    let text = std::fs::read_to_string(reference_dir().join("expected-hashes.csv")).expect("read expected-hashes.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (c_file, c_w, c_h) = (col("file"), col("width"), col("height"));
    let (c_hash, c_q) = (col("cpp_full_hash"), col("cpp_full_quality"));
    let (p_hash, p_q) = (col("pytx_pdqhash_hash"), col("pytx_pdqhash_quality"));
    let c_note = col("note");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.splitn(header.len(), ',').collect();
            let pair = |h: usize, q: usize| {
                (!f[h].is_empty()).then(|| (f[h].to_string(), f[q].parse::<u8>().expect("quality")))
            };
            Expected {
                file: f[c_file].to_string(),
                width: f[c_w].parse().expect("width"),
                height: f[c_h].parse().expect("height"),
                cpp_full: pair(c_hash, c_q),
                pytx: pair(p_hash, p_q),
                note: f.get(c_note).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = testdata().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}
