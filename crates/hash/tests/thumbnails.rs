//! Thumbnails: decoded by the hashing decoders under the same limits, scaled by area
//! averaging, and never a panic on any input.

mod common;

use std::io::Cursor;

use common::craft::*;
use common::*;
use proptest::prelude::*;
use vigie_hash::{ErrorKind, Limits, thumbnail_bytes, thumbnail_reader};

/// The mean of the pixels each output pixel covers, computed over the whole decoded image
/// (written independently of the streaming downscaler, as the oracle).
fn area_average(width: usize, height: usize, rgb: &[u8], out_w: usize, out_h: usize) -> Vec<u8> {
    let first = |o: usize, input: usize, output: usize| (o * input).div_ceil(output);
    let mut out = Vec::with_capacity(out_w * out_h * 3);
    for oy in 0..out_h {
        let (y0, y1) = (first(oy, height, out_h), first(oy + 1, height, out_h).min(height));
        for ox in 0..out_w {
            let (x0, x1) = (first(ox, width, out_w), first(ox + 1, width, out_w).min(width));
            let count = ((y1 - y0) * (x1 - x0)) as u64;
            for c in 0..3 {
                let sum: u64 =
                    (y0..y1).flat_map(|y| (x0..x1).map(move |x| u64::from(rgb[(y * width + x) * 3 + c]))).sum();
                out.push(((sum + count / 2) / count) as u8);
            }
        }
    }
    out
}

#[test]
fn a_jpeg_photo_is_the_area_average_of_libjpegs_pixels() {
    let bytes = read("pdq/data/reg-test-input/dih/bridge-1-original.jpg");
    let (info, small) = thumbnail_bytes(&bytes, 480, &Limits::default()).unwrap();
    assert_eq!((info.width, info.height), (1600, 1004));
    assert_eq!((small.width, small.height), (480, 301));
    let (w, h, channels, pixels) = vigie_hash::__internal::decode_jpeg_pixels(&bytes).unwrap();
    assert_eq!(channels, 3);
    assert_eq!(small.rgb, area_average(w as usize, h as usize, &pixels, 480, 301));
    // Read from a stream, the same pixels.
    let (_, streamed) =
        thumbnail_reader(std::io::BufReader::new(Cursor::new(&bytes)), 480, &Limits::default()).unwrap();
    assert_eq!(streamed, small);
}

#[test]
fn every_format_gives_the_same_thumbnail_of_the_same_pixels() {
    let (w, h) = (333u32, 250u32);
    let rgb = noise(w as usize * h as usize * 3, 11);
    let image = image::RgbImage::from_raw(w, h, rgb.clone()).unwrap();
    let expected = area_average(w as usize, h as usize, &rgb, 160, 120);
    for format in [image::ImageFormat::Png, image::ImageFormat::Bmp, image::ImageFormat::Tiff, image::ImageFormat::WebP]
    {
        let mut bytes = Vec::new();
        image.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
        let (_, small) = thumbnail_bytes(&bytes, 160, &Limits::default()).unwrap();
        assert_eq!((small.width, small.height), (160, 120), "{format:?}");
        assert_eq!(small.rgb, expected, "{format:?}");
    }
    // Interlaced PNG: the same pixels.
    let interlaced = interlaced_png(w, h, 8, RGB, 3, &rgb);
    assert_eq!(thumbnail_bytes(&interlaced, 160, &Limits::default()).unwrap().1.rgb, expected);
}

#[test]
fn grey_and_sixteen_bit_images_look_as_a_viewer_shows_them() {
    // 16-bit grey, a gradient with real low bits: the thumbnail keeps the high byte (the hash
    // keeps the low one, as the reference does).
    let (w, h) = (64u32, 8u32);
    let grey16 =
        image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_fn(w, h, |x, _| image::Luma([x as u16 * 1000 + 7]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma16(grey16).write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    let (_, small) = thumbnail_bytes(&bytes, 64, &Limits::default()).unwrap();
    for (x, pixel) in small.rgb.chunks_exact(3).take(w as usize).enumerate() {
        let expected = ((x as u32 * 1000 + 7) >> 8) as u8;
        assert_eq!(pixel, [expected; 3], "column {x}");
    }
}

#[test]
fn gif_first_frames_are_drawn_on_their_screen() {
    // A 2x2 red frame at (1, 1) on a 4x4 screen: the rest of the screen is black.
    let frame =
        gif::Frame { left: 1, top: 1, width: 2, height: 2, buffer: vec![1u8; 4].into(), ..gif::Frame::default() };
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, 4, 4, &[0, 0, 0, 255, 0, 0]).unwrap();
        encoder.write_frame(&frame).unwrap();
    }
    let (_, small) = thumbnail_bytes(&bytes, 4, &Limits::default()).unwrap();
    let reds: Vec<u8> = small.rgb.chunks_exact(3).map(|p| p[0]).collect();
    assert_eq!(reds, [0, 0, 0, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0, 0]);
}

#[test]
fn decompression_bombs_are_refused_as_for_hashing() {
    // 100 megapixels declared by a 57-byte header: refused before any pixel memory.
    let declared = png(20_000, 20_000, 8, RGB, false, &[], &zlib(&[0; 16]));
    let error = thumbnail_bytes(&declared, 480, &Limits::default()).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::TooManyPixels { .. }), "{error}");
    // An interlaced 9999x9999 image is held whole: refused from its header.
    let interlaced = png(9999, 9999, 16, RGBA, true, &[], &zlib(&[0; 16]));
    let error = thumbnail_bytes(&interlaced, 480, &Limits::default()).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::MemoryLimit { .. }), "{error}");
    // A progressive JPEG whose coefficients would take 585 MB.
    let jpeg = jpeg_with_size(&read("pdq/data/misc-images/wee.jpg"), 65_000, 1500);
    let error = thumbnail_bytes(&jpeg, 480, &Limits::default()).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::MemoryLimit { .. }), "{error}");
    // A lossless WebP naming 65536 Huffman groups.
    let error = thumbnail_bytes(&webp_huffman_group_bomb(65_536), 480, &Limits::default()).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::MemoryLimit { .. }), "{error}");
    // A 1x1 PNG with a 256 MiB ICC profile: the profile is skipped, the pixel shown.
    let mut iccp = b"bomb\0\0".to_vec();
    iccp.extend(zlib_zeros(256 << 20));
    let icc = png(1, 1, 8, RGB, false, &[png_chunk(b"iCCP", &iccp)], &zlib(&[0, 10, 20, 30]));
    let (_, small) = thumbnail_bytes(&icc, 480, &Limits::default()).unwrap();
    assert_eq!(small.rgb, [10, 20, 30]);
}

#[test]
fn a_thumbnail_is_refused_under_a_budget_its_own_output_exceeds() {
    let bytes = read("pdq/data/reg-test-input/dih/bridge-1-original.jpg");
    let tight = Limits { max_memory_bytes: 200 << 10, ..Limits::default() };
    let error = thumbnail_bytes(&bytes, 480, &tight).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::MemoryLimit { .. }), "{error}");
    assert!(thumbnail_bytes(&bytes, 0, &Limits::default()).is_err());
}

#[test]
fn non_images_and_truncated_files_are_errors() {
    for bytes in [&b""[..], b"hello", b"%PDF-1.7"] {
        assert_eq!(thumbnail_bytes(bytes, 480, &Limits::default()).unwrap_err().kind(), &ErrorKind::UnsupportedFormat);
    }
    let jpeg = read("pdq/data/bridge-mods/aaa-orig.jpg");
    let error = thumbnail_bytes(&jpeg[..jpeg.len() / 2], 480, &Limits::default()).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Truncated { .. }), "{error}");
}

/// Every reference image, with bytes overwritten at several places: Ok or Err, never a panic.
#[test]
fn corrupted_reference_images_never_panic() {
    for expected in expected_hashes().iter().step_by(3) {
        let bytes = read(&expected.file);
        for k in 1..6 {
            let mut damaged = bytes.clone();
            let at = damaged.len() * k / 7;
            for (i, x) in damaged[at..].iter_mut().take(64).enumerate() {
                *x = x.wrapping_mul(31).wrapping_add(i as u8);
            }
            let _ = thumbnail_bytes(&damaged, 480, &Limits::default());
        }
    }
}

const MAGICS: [&[u8]; 7] =
    [b"\xFF\xD8\xFF", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x10\x00\x00WEBPVP8 ", b"BM", b"II*\x00", b"MM\x00*"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Random bytes behind every magic number: an error, not a panic or a hang.
    #[test]
    fn random_bytes_never_panic(magic in 0usize..7, tail in proptest::collection::vec(any::<u8>(), 0..2048),
                                max_side in 1u32..600) {
        let mut bytes = MAGICS[magic].to_vec();
        bytes.extend_from_slice(&tail);
        let _ = thumbnail_bytes(&bytes, max_side, &Limits::default());
    }
}
