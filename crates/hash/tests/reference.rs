//! Vigie's PDQ against Meta's C++ reference, on the reference's own images.
//!
//! Data: `testdata/pdq-reference/` (see `testdata/README.md`). Every image the reference
//! could hash must give exactly `cpp_full_hash` and `cpp_full_quality`.

mod common;

use std::collections::BTreeMap;

use common::*;
use vigie_hash::{Dihedral, Limits, PdqHash, hash_image_bytes};

fn hash_file(rel: &str) -> vigie_hash::ImageHashes {
    hash_image_bytes(&read(rel), &Limits::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_image_the_reference_hashes_gives_its_hash_and_quality() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for e in expected_hashes() {
        let Some((want_hash, want_q)) = &e.cpp_full else { continue };
        let got = hash_file(&e.file);
        let want: PdqHash = want_hash.parse().expect("hex");
        checked += 1;
        if got.pdq != want || got.quality != *want_q || (got.width, got.height) != (e.width, e.height) {
            failures.push(format!(
                "{}: got {} q{} {}x{}, want {} q{} {}x{} (distance {})",
                e.file,
                got.pdq,
                got.quality,
                got.width,
                got.height,
                want,
                want_q,
                e.width,
                e.height,
                got.pdq.distance(&want)
            ));
        }
    }
    assert!(checked >= 40, "only {checked} reference rows found");
    assert!(failures.is_empty(), "{} of {checked} differ:\n{}", failures.len(), failures.join("\n"));
}

/// `decoded-png/` holds the exact pixels the reference decoded (libjpeg-turbo) for several
/// JPEGs; hashing them must give the reference hash whatever the JPEG decoder.
#[test]
fn reference_decoded_pixels_give_the_reference_hash() {
    let expected: BTreeMap<String, (String, u8)> =
        expected_hashes().into_iter().filter_map(|e| Some((e.file.replace('/', "_") + ".png", e.cpp_full?))).collect();
    let dir = reference_dir().join("decoded-png");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("decoded-png/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (want_hash, want_q) = expected.get(&name).unwrap_or_else(|| panic!("{name} not in csv"));
        let got = hash_image_bytes(&std::fs::read(&path).unwrap(), &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got.pdq.to_hex(), *want_hash, "{name}");
        assert_eq!(got.quality, *want_q, "{name}");
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} decoded PNGs");
}

/// Our libjpeg-turbo build decodes every reference JPEG to exactly the pixels the reference saw.
#[test]
fn jpeg_decoder_is_pixel_exact_with_the_reference_decoder() {
    let dir = reference_dir().join("decoded-png");
    let mut checked = 0;
    for e in expected_hashes() {
        if !e.file.ends_with(".jpg") && !e.file.ends_with(".jpeg") {
            continue;
        }
        let png_path = dir.join(e.file.replace('/', "_") + ".png");
        if !png_path.exists() {
            continue;
        }
        let (w, h, c, ours) = vigie_hash::__internal::decode_jpeg_pixels(&read(&e.file)).expect("decode");
        let theirs = image::open(&png_path).expect("png");
        let theirs = if c == 1 { theirs.to_luma8().into_raw() } else { theirs.to_rgb8().into_raw() };
        assert_eq!((w, h), (e.width, e.height), "{}", e.file);
        let diff = ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
        assert_eq!(ours.len(), theirs.len(), "{}", e.file);
        assert_eq!(diff, 0, "{}: {diff} samples differ from libjpeg-turbo's", e.file);
        checked += 1;
    }
    assert!(checked >= 14, "only {checked} JPEGs compared");
}

#[test]
fn dihedral_hashes_match_the_reference_vectors() {
    let text = std::fs::read_to_string(reference_dir().join("cpp-core-vectors.jsonl")).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        if v["variant"] != "full" {
            continue;
        }
        let file = v["file"].as_str().unwrap();
        let got = hash_file(file);
        let dih = &v["dihedral"];
        for (k, name) in Dihedral::NAMES.iter().enumerate() {
            let want = dih[name].as_str().unwrap_or_else(|| panic!("{file}: no {name}"));
            if got.dihedral.hashes[k].to_hex() != want {
                failures.push(format!("{file} {name}: got {} want {want}", got.dihedral.hashes[k]));
            }
        }
        if u64::from(got.dihedral.quality) != v["dihedral_quality"].as_u64().unwrap() {
            failures.push(format!("{file}: dihedral quality {}", got.dihedral.quality));
        }
        assert_eq!(got.pdq.to_hex(), v["hash"].as_str().unwrap(), "{file}");
        assert_eq!(u64::from(got.quality), v["quality"].as_u64().unwrap(), "{file}");
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} vectors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Step by step: the 64x64 buffer after the filter, the 16x16 DCT and the median, to the bit.
#[test]
fn intermediate_buffers_match_the_reference() {
    let text = std::fs::read_to_string(reference_dir().join("cpp-intermediates.jsonl")).unwrap();
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        let file = v["file"].as_str().unwrap();
        let inter = vigie_hash::__internal::intermediates(&read(file)).expect("decode");
        let want64: Vec<f32> =
            v["buffer64x64"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        let want16: Vec<f32> = v["dct16x16"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
        assert_eq!(want64.len(), 4096);
        assert_eq!(want16.len(), 256);
        for (k, (a, b)) in inter.buffer64.iter().zip(&want64).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{file} buffer64x64[{k}]: {a} vs {b}");
        }
        for (k, (a, b)) in inter.dct16.iter().zip(&want16).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{file} dct16x16[{k}]: {a} vs {b}");
        }
        let median = v["median"].as_f64().unwrap() as f32;
        assert_eq!(inter.median.to_bits(), median.to_bits(), "{file} median");
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} intermediates");
}
