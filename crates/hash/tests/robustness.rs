//! Limits, corrupt and truncated input: errors, never panics.

mod common;

use common::*;
use proptest::prelude::*;
use vigie_hash::{ErrorKind, Format, Limits, hash_image_bytes};

fn png_header(width: u32, height: u32) -> Vec<u8> {
    // Signature + IHDR + a tiny IDAT: a 57-byte file that declares 400 megapixels.
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&13u32.to_be_bytes());
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&width.to_be_bytes());
    v.extend_from_slice(&height.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = crc32(&v[12..]);
    v.extend_from_slice(&crc.to_be_bytes());
    // A (meaningless) IDAT so that the decoder reaches the image data.
    let idat_start = v.len() + 4;
    v.extend_from_slice(&4u32.to_be_bytes());
    v.extend_from_slice(b"IDAT\x78\x9c\x03\x00");
    let crc = crc32(&v[idat_start..]);
    v.extend_from_slice(&crc.to_be_bytes());
    v
}

/// Offset of the SOFn marker, walking the marker segments.
fn find_sof(jpeg: &[u8]) -> usize {
    let mut at = 2;
    loop {
        assert_eq!(jpeg[at], 0xFF, "marker expected at {at}");
        let m = jpeg[at + 1];
        if matches!(m, 0xC0..=0xC3) {
            return at;
        }
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let bytes = png_header(20_000, 20_000);
    let err = hash_image_bytes(&bytes, &Limits::default()).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TooManyPixels { width: 20_000, height: 20_000, max_pixels: 100_000_000 });
    assert!(err.to_string().contains("20000x20000"), "{err}");

    // A JPEG whose SOF declares 60000x60000.
    let mut jpeg = read("pdq/data/misc-images/wee.jpg");
    let sof = find_sof(&jpeg);
    jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    let err = hash_image_bytes(&jpeg, &Limits::default()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::TooManyPixels { .. }), "{err}");
}

#[test]
fn limits_are_configurable() {
    let bytes = read("pdq/data/bridge-mods/aaa-orig.jpg");
    let small = Limits { max_bytes: 1000, ..Limits::default() };
    let err = hash_image_bytes(&bytes, &small).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::TooLarge { max_bytes: 1000, .. }), "{err}");
    let few = Limits { max_pixels: 1_000_000, ..Limits::default() };
    let err = hash_image_bytes(&bytes, &few).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::TooManyPixels { .. }), "{err}");
    assert!(hash_image_bytes(&bytes, &Limits { max_pixels: 1600 * 1004, ..few }).is_ok());
}

#[test]
fn truncated_files_are_errors() {
    for (file, format) in [
        ("pdq/data/bridge-mods/aaa-orig.jpg", Format::Jpeg),
        ("pdq/data/misc-images/modes/RGBA.png", Format::Png),
        ("pdq/data/misc-images/modes/F.webp", Format::WebP),
    ] {
        let bytes = read(file);
        for cut in [bytes.len() / 2, bytes.len() - 100, 300] {
            let err = hash_image_bytes(&bytes[..cut], &Limits::default()).expect_err(&format!("{file} cut at {cut}"));
            match err.kind() {
                ErrorKind::Truncated { format: f } | ErrorKind::Decode { format: f, .. } => {
                    assert_eq!(*f, format, "{file}: {err}")
                }
                other => panic!("{file} cut at {cut}: {other:?}"),
            }
        }
    }
    let jpeg = read("pdq/data/bridge-mods/aaa-orig.jpg");
    let err = hash_image_bytes(&jpeg[..jpeg.len() / 2], &Limits::default()).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Truncated { format: Format::Jpeg });
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn non_images_are_unsupported() {
    for bytes in [&b""[..], b"hello, world\n", b"%PDF-1.7", b"\xFF\xD8"] {
        let err = hash_image_bytes(bytes, &Limits::default()).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::UnsupportedFormat);
    }
}

/// Every reference image, with bytes overwritten at several places: Ok or Err, never a panic.
#[test]
fn corrupted_reference_images_never_panic() {
    let mut n = 0;
    for e in expected_hashes().iter().step_by(3) {
        let bytes = read(&e.file);
        for k in 1..6 {
            let mut b = bytes.clone();
            let at = b.len() * k / 7;
            for (i, x) in b[at..].iter_mut().take(64).enumerate() {
                *x = x.wrapping_mul(31).wrapping_add(i as u8);
            }
            let _ = hash_image_bytes(&b, &Limits::default());
            n += 1;
        }
    }
    assert!(n > 50);
}

const MAGICS: [&[u8]; 7] =
    [b"\xFF\xD8\xFF", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x10\x00\x00WEBPVP8 ", b"BM", b"II*\x00", b"MM\x00*"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Random bytes behind every magic number: an error, not a panic or a hang.
    #[test]
    fn random_bytes_never_panic(magic in 0usize..7, tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut bytes = MAGICS[magic].to_vec();
        bytes.extend_from_slice(&tail);
        let _ = hash_image_bytes(&bytes, &Limits::default());
    }

    /// A valid small image with random bytes overwritten.
    #[test]
    fn mutated_small_jpeg_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..20)) {
        let mut bytes = read("pdq/data/misc-images/wee.jpg");
        for (at, v) in edits {
            let len = bytes.len();
            bytes[at % len] = v;
        }
        let _ = hash_image_bytes(&bytes, &Limits::default());
    }
}
