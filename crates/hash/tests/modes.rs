//! Images the C++ reference cannot hash (its loader rejects alpha, CMYK, WebP and TIFF; see
//! `cpp-pdq-photo-hasher.err`), and what Vigie does instead. Also the size edge cases.

mod common;

use common::*;
use vigie_hash::{Format, Limits, PdqHash, hash_gray, hash_image_bytes, hash_luma, hash_rgb};

fn pytx(e: &Expected) -> (PdqHash, u8) {
    let (h, q) = e.pytx.clone().expect("pytx result");
    (h.parse().unwrap(), q)
}

/// Alpha (RGBA, LA, palette+alpha WebP) is ignored and grey is used as is: the result is what
/// python-threatexchange (Pillow's `convert("RGB")`, then PDQ) computes, to the bit, and what the
/// reference itself computes from the first three channels of an RGBA image. Lossy WebP is
/// decoded by the `image` crate and also gives python-threatexchange's hash exactly.
#[test]
fn alpha_grey_alpha_and_webp_give_python_threatexchanges_hash() {
    let mut checked = 0;
    for e in expected_hashes() {
        if e.cpp_full.is_some() || e.file.ends_with("CMYK.jpg") {
            continue;
        }
        let got =
            hash_image_bytes(&read(&e.file), &Limits::default()).unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let (want, want_q) = pytx(&e);
        assert_eq!(got.pdq, want, "{}: distance {}", e.file, got.pdq.distance(&want));
        assert_eq!(got.quality, want_q, "{}", e.file);
        assert_eq!((got.width, got.height), (e.width, e.height), "{}", e.file);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} images");
}

/// CMYK JPEG: converted to RGB as Pillow's `convert("RGB")` does (Adobe-inverted channels
/// handled), so the hash is the picture's: 2 bits from the RGB original. python-threatexchange
/// hands the C, M and Y planes to PDQ as if they were R, G and B, so its hash is the
/// near-complement of the picture's; we do not reproduce that.
#[test]
fn cmyk_jpeg_hashes_the_visible_picture() {
    let rows = expected_hashes();
    let cmyk = rows.iter().find(|e| e.file.ends_with("modes/CMYK.jpg")).unwrap();
    let original = rows.iter().find(|e| e.file.ends_with("modes/original.jpg")).unwrap();
    let got = hash_image_bytes(&read(&cmyk.file), &Limits::default()).unwrap();
    let original: PdqHash = original.cpp_full.as_ref().unwrap().0.parse().unwrap();
    assert_eq!(got.format, Format::Jpeg);
    assert!(got.pdq.distance(&original) <= 4, "distance {}", got.pdq.distance(&original));
    assert_eq!(got.quality, 100);
    let (p, _) = pytx(cmyk);
    assert!(got.pdq.distance(&p) >= 250, "pytx's CMYK hash is the complement");
}

/// Under 5 pixels on a side: all zeros, quality 0, as the reference.
#[test]
fn tiny_images_hash_to_zero() {
    for (w, h) in [(0u32, 0u32), (1, 1), (4, 100), (100, 4), (4, 4)] {
        let out = hash_rgb(w, h, &vec![200; (w * h * 3) as usize]).unwrap();
        assert_eq!(out.hash, PdqHash::ZERO, "{w}x{h}");
        assert_eq!(out.quality, 0);
        assert_eq!(out.dihedral.hashes, [PdqHash::ZERO; 8]);
    }
    let out = hash_gray(5, 5, &(0..25).map(|i| (i * 10) as u8).collect::<Vec<_>>()).unwrap();
    assert_ne!(out.hash, PdqHash::ZERO);
}

/// 64x64 is the reference's special case: its plain routine hashes the luminance unfiltered,
/// its dihedral routine filters it. We do both, so each matches its counterpart.
#[test]
fn exactly_64x64_uses_the_unfiltered_luminance_for_the_plain_hash() {
    let luma: Vec<f32> = (0..64 * 64)
        .map(|i| {
            let (x, y) = ((i % 64) as f32, (i / 64) as f32);
            (x * 3.7 + y * y * 0.05 + (x * y * 0.01).sin() * 40.0).rem_euclid(255.0)
        })
        .collect();
    let out = hash_luma(64, 64, &luma).unwrap();
    // The same image one pixel wider goes through the filter for both.
    let wider: Vec<f32> = luma.chunks(64).flat_map(|r| r.iter().copied().chain([r[63]])).collect();
    let w = hash_luma(65, 64, &wider).unwrap();
    assert_eq!(w.hash, w.dihedral.hashes[0]);
    assert_eq!(w.quality, w.dihedral.quality);
    // For 64x64 the window is 1 and the filter is (nearly) the identity, so the two paths agree
    // up to float rounding.
    assert!(out.hash.distance(&out.dihedral.hashes[0]) <= 8);
}

/// 16-bit PNG: the reference's loader keeps the low byte of each sample (see the I16.png row of
/// expected-hashes.csv, which we match). For 16-bit data widened from 8 bits (`v * 257`) that is
/// the original 8-bit value, so such a file hashes like its 8-bit original.
#[test]
fn sixteen_bit_png_widened_from_eight_bits_hashes_like_the_original() {
    let (w, h) = (97u32, 61u32);
    let rgb8: Vec<u8> = (0..w * h * 3).map(|i| ((i * 7919) % 251) as u8).collect();
    let rgb16: Vec<u16> = rgb8.iter().map(|&v| u16::from(v) * 257).collect();
    let img = image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(w, h, rgb16).unwrap();
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let got = hash_image_bytes(&png, &Limits::default()).unwrap();
    assert_eq!(got.pdq, hash_rgb(w, h, &rgb8).unwrap().hash);
}

/// Lossless formats give the hash of their pixels.
#[test]
fn every_lossless_format_gives_the_hash_of_its_pixels() {
    let (w, h) = (211u32, 143u32);
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            [(x + y) as u8, (x * 2) as u8, (y * 3 + x / 4) as u8]
        })
        .collect();
    let want = hash_rgb(w, h, &rgb).unwrap();
    let img = image::RgbImage::from_raw(w, h, rgb).unwrap();
    for (fmt, ours) in [
        (image::ImageFormat::Png, Format::Png),
        (image::ImageFormat::Bmp, Format::Bmp),
        (image::ImageFormat::Tiff, Format::Tiff),
        (image::ImageFormat::WebP, Format::WebP),
    ] {
        let mut bytes = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut bytes), fmt).unwrap();
        let got = hash_image_bytes(&bytes, &Limits::default()).unwrap();
        assert_eq!(got.format, ours);
        assert_eq!(got.pdq, want.hash, "{ours}");
        assert_eq!(got.quality, want.quality, "{ours}");
    }
    // GIF: a grey image (at most 256 colours, so the palette is exact).
    let gray: Vec<u8> = (0..w * h).map(|i| ((i % w) + (i / w)) as u8).collect();
    let want = hash_gray(w, h, &gray).unwrap();
    let rgba: Vec<u8> = gray.iter().flat_map(|&g| [g, g, g, 255]).collect();
    let mut bytes = Vec::new();
    image::RgbaImage::from_raw(w, h, rgba)
        .unwrap()
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Gif)
        .unwrap();
    let got = hash_image_bytes(&bytes, &Limits::default()).unwrap();
    assert_eq!(got.format, Format::Gif);
    // Grey given as RGB goes through the luminance formula, which may differ from the grey
    // level by a rounding step; the hash is the same or within a bit or two.
    assert!(got.pdq.distance(&want.hash) <= 4, "GIF distance {}", got.pdq.distance(&want.hash));
}
