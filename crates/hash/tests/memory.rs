//! Memory: decompression bombs and images too large to hold are refused from their headers,
//! or decoded within the budget. A counting allocator records the most bytes a call had
//! allocated at once, on the calling thread (each test runs on its own thread). libjpeg
//! allocates through C's malloc, unseen here: JPEG is checked through its refusals.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Cursor;

use common::craft::*;
use common::read;
use vigie_hash::{ErrorKind, Limits, hash_image_bytes, hash_image_reader, read_image_info};

struct Counting;

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn count(delta: i64) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters move.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `f`'s result, and the most bytes it had allocated at once on this thread.
fn peak<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let top = PEAK.with(Cell::get);
    (out, u64::try_from(top - base).unwrap_or(0))
}

const MIB: u64 = 1 << 20;

/// Hashes `bytes` from memory and through a reader, and reads its header; returns the
/// hashing's peak memory (the larger of the two ways).
fn hash_both_ways(bytes: &[u8], limits: &Limits) -> (Result<vigie_hash::ImageHashes, vigie_hash::Error>, u64) {
    let (from_bytes, peak_bytes) = peak(|| hash_image_bytes(bytes, limits));
    let (from_reader, peak_reader) = peak(|| hash_image_reader(Cursor::new(bytes), limits));
    assert_eq!(
        from_bytes.as_ref().map_err(|e| e.kind().clone()),
        from_reader.as_ref().map_err(|e| e.kind().clone()),
        "bytes and reader disagree"
    );
    (from_bytes, peak_bytes.max(peak_reader))
}

fn memory_limit(result: Result<impl std::fmt::Debug, vigie_hash::Error>) -> (String, Option<u64>, String) {
    let error = result.expect_err("refused");
    match error.kind() {
        ErrorKind::MemoryLimit { what, needed, .. } => (what.clone(), *needed, error.to_string()),
        other => panic!("expected a memory limit error, got {other:?}: {error}"),
    }
}

#[test]
fn an_icc_profile_bomb_is_not_inflated() {
    // The bomb: a 1x1 PNG whose iCCP profile is zlib-compressed zeros (here 256 MiB
    // in about 250 KB; the iCCP chunk comes before the image data, where `image`'s header
    // reading inflated it whole).
    let mut iccp = b"bomb\0\0".to_vec();
    iccp.extend(zlib_zeros(256 * MIB));
    assert!(iccp.len() < 400_000, "{}", iccp.len());
    let bytes = png(1, 1, 8, RGB, false, &[png_chunk(b"iCCP", &iccp)], &zlib(&[0, 10, 20, 30]));
    let (hashed, used) = hash_both_ways(&bytes, &Limits::default());
    let hashed = hashed.expect("a 1x1 image with an ICC profile is hashed");
    assert_eq!((hashed.width, hashed.height), (1, 1));
    assert!(used < MIB, "{used} bytes for a 1x1 image");
    let (info, used) = peak(|| read_image_info(Cursor::new(&bytes), &Limits::default()));
    assert_eq!(info.expect("header").width, 1);
    assert!(used < MIB, "{used} bytes to read a header");
}

#[test]
fn text_chunks_are_neither_inflated_nor_kept() {
    let mut ztxt = b"Comment\0\0".to_vec();
    ztxt.extend(zlib_zeros(64 * MIB));
    let mut itxt = b"XML:com.adobe.xmp\0\x01\0\0\0".to_vec();
    itxt.extend(zlib_zeros(64 * MIB));
    let mut text = b"Comment\0".to_vec();
    text.extend(vec![b'a'; 8 << 20]);
    let chunks = [png_chunk(b"zTXt", &ztxt), png_chunk(b"iTXt", &itxt), png_chunk(b"tEXt", &text)];
    let pixels = noise(64 * 64 * 3, 1);
    let plain = plain_png(64, 64, 8, RGB, 3, &pixels);
    let with_text = png(64, 64, 8, RGB, false, &chunks, &plain_idat(&plain));
    let (hashed, used) = hash_both_ways(&with_text, &Limits::default());
    assert_eq!(hashed.expect("hashed").pdq, hash_image_bytes(&plain, &Limits::default()).unwrap().pdq);
    assert!(used < 2 * MIB, "{used} bytes: text chunks kept");
}

/// The IDAT data of a PNG made by `plain_png` (its only IDAT chunk).
fn plain_idat(png_bytes: &[u8]) -> Vec<u8> {
    let mut at = 8;
    loop {
        let len = u32::from_be_bytes(png_bytes[at..at + 4].try_into().unwrap()) as usize;
        if &png_bytes[at + 4..at + 8] == b"IDAT" {
            return png_bytes[at + 8..at + 8 + len].to_vec();
        }
        at += 12 + len;
    }
}

#[test]
fn an_exif_chunk_counts_against_the_limit() {
    // The png crate cannot skip eXIf: it keeps it, within the limit it is given.
    let exif = noise(12 << 20, 3);
    let bytes = png(8, 8, 8, GREY, false, &[png_chunk(b"eXIf", &exif)], &zlib(&[0; 8 * 9]));
    let small = Limits { max_memory_bytes: 8 * MIB, ..Limits::default() };
    let (what, _, message) = memory_limit(hash_image_bytes(&bytes, &small));
    assert!(what.contains("EXIF"), "{message}");
    let (hashed, used) = hash_both_ways(&bytes, &Limits::default());
    hashed.expect("hashed within the default limit");
    assert!(used <= Limits::DEFAULT_MAX_MEMORY_BYTES, "{used}");
}

#[test]
fn a_16_bit_rgba_image_of_100_megapixels_streams() {
    // The second case: 9999x9999 16-bit RGBA (800 MB decoded whole), a few MB of file.
    let (w, h) = (9999, 9999);
    let bytes = png(w, h, 16, RGBA, false, &[], &zlib_zero_rows(h, w as usize * 8));
    assert!(bytes.len() < 4 << 20, "{}", bytes.len());
    let (hashed, used) = peak(|| hash_image_bytes(&bytes, &Limits::default()));
    let hashed = hashed.expect("streamed within the limit");
    assert_eq!((hashed.width, hashed.height, hashed.quality), (w, h, 0));
    assert!(used < 16 * MIB, "{used} bytes for a streamed image");
}

#[test]
fn an_interlaced_image_too_large_to_hold_is_refused_from_its_header() {
    // Interlaced rows are only complete after the last pass: the image is held, as 8-bit RGB,
    // 300 MB here. Only the header is needed to refuse it.
    let bytes = png(9999, 9999, 16, RGBA, true, &[], &zlib(&[0; 16]));
    for result in [
        hash_image_bytes(&bytes, &Limits::default()).map(|_| ()),
        read_image_info(Cursor::new(&bytes), &Limits::default()).map(|_| ()),
    ] {
        let (what, needed, message) = memory_limit(result);
        assert!(what.contains("9999x9999 interlaced PNG"), "{message}");
        assert!(needed.unwrap() >= 9999 * 9999 * 3, "{message}");
        assert!(message.contains("the limit is 100663296 bytes"), "{message}");
    }
    let (_, used) = peak(|| hash_image_bytes(&bytes, &Limits::default()));
    assert!(used < MIB, "{used}");
    // The same image with 8-bit grey samples is held as 100 MB: still too large, and the same
    // header under a larger limit passes the header check.
    let grey = png(9999, 9999, 8, GREY, true, &[], &zlib(&[0; 16]));
    memory_limit(read_image_info(Cursor::new(&grey), &Limits::default()));
    let large = Limits { max_memory_bytes: 512 * MIB, ..Limits::default() };
    assert!(read_image_info(Cursor::new(&grey), &large).is_ok());
}

#[test]
fn a_very_wide_image_is_refused_for_the_hashing_filter() {
    // 100 megapixels in 5 rows: the filter interleaves 16 lanes per column (about 2.6 GB).
    let bytes = png(20_000_000, 5, 8, GREY, false, &[], &zlib(&[0; 16]));
    let (what, _, message) = memory_limit(hash_image_bytes(&bytes, &Limits::default()));
    assert!(what.contains("hashing filter"), "{message}");
}

#[test]
fn a_progressive_jpeg_too_large_for_its_coefficients_is_refused_from_its_header() {
    // wee.jpg is progressive: libjpeg keeps every coefficient of such a file (2 bytes per
    // sample of every component), 585 MB at 65000x1500 in 4:4:4. The file is 14 KB.
    let jpeg = jpeg_with_size(&read("pdq/data/misc-images/wee.jpg"), 65_000, 1500);
    for result in [
        hash_image_bytes(&jpeg, &Limits::default()).map(|_| ()),
        hash_image_reader(Cursor::new(&jpeg), &Limits::default()).map(|_| ()),
        read_image_info(Cursor::new(&jpeg), &Limits::default()).map(|_| ()),
    ] {
        let (what, needed, message) = memory_limit(result);
        assert!(what.contains("65000x1500 progressive JPEG"), "{message}");
        assert!(needed.unwrap() > 65_000 * 1500 * 3, "{message}");
    }
    // It is a valid file to libjpeg (the scans that are missing leave zeros): only the budget
    // stands between those 14 KB and the 585 MB. Under a larger limit it is decoded.
    let large = Limits { max_memory_bytes: 1024 * MIB, ..Limits::default() };
    let hashed = hash_image_bytes(&jpeg, &large).expect("decoded under a limit that allows it");
    assert_eq!((hashed.width, hashed.height), (65_000, 1500));
}

#[test]
fn jpeg_app_segments_are_skipped_not_kept() {
    // 200 APPn segments of 64 KiB (13 MB) before the image: libjpeg skips what it does not
    // save, from memory or through the 64 KiB read buffer.
    let original = read("pdq/data/misc-images/wee.jpg");
    let padded = jpeg_with_app_segments(&original, 200);
    let (hashed, used) = hash_both_ways(&padded, &Limits::default());
    assert_eq!(hashed.expect("hashed").pdq, hash_image_bytes(&original, &Limits::default()).unwrap().pdq);
    assert!(used < MIB, "{used}");
}

#[test]
fn an_interlaced_gif_frame_too_large_to_hold_is_refused() {
    let bytes = gif((10_000, 9_999), (0, 0, 10_000, 9_999), true, &[], &[0x44, 0x01]);
    let (what, _, message) = memory_limit(hash_image_bytes(&bytes, &Limits::default()));
    assert!(what.contains("10000x9999 interlaced GIF frame"), "{message}");
    memory_limit(read_image_info(Cursor::new(&bytes), &Limits::default()));
}

#[test]
fn gif_metadata_counts_against_the_limit() {
    let xmp = gif_application(b"XMP DataXMP", &noise(6 << 20, 5));
    let bytes = gif((4, 4), (0, 0, 4, 4), false, &[xmp], &[0x44, 0x01]);
    let small = Limits { max_memory_bytes: 8 * MIB, ..Limits::default() };
    let (what, _, message) = memory_limit(hash_image_bytes(&bytes, &small));
    assert!(what.contains("XMP"), "{message}");
}

#[test]
fn whole_image_formats_too_large_to_hold_are_refused_from_their_headers() {
    let cases: [(&str, Vec<u8>); 3] = [
        ("10000x9999 WebP", webp_lossy_header(10_000, 9_999)),
        ("10000x9999 BMP", bmp_header(10_000, 9_999)),
        ("10000x9999 TIFF", tiff(10_000, 9_999, 1, 1)),
    ];
    for (expected, bytes) in cases {
        for result in [
            hash_image_bytes(&bytes, &Limits::default()).map(|_| ()),
            read_image_info(Cursor::new(&bytes), &Limits::default()).map(|_| ()),
        ] {
            let (what, _, message) = memory_limit(result);
            assert!(what.contains(expected), "{expected}: {message}");
        }
        let (_, used) = peak(|| hash_image_bytes(&bytes, &Limits::default()));
        assert!(used < MIB, "{expected}: {used}");
    }
}

#[test]
fn tiff_tag_values_are_counted_before_the_tiff_crate_reads_them() {
    // 4 million strips: 32 MB of offsets and byte counts in the file, each value a 24-byte
    // `Value` in memory once read.
    let bytes = tiff(64, 64, 4_000_000, 1);
    let (result, used) = peak(|| hash_image_bytes(&bytes, &Limits::default()));
    let (what, _, message) = memory_limit(result);
    assert!(what.contains("tag values"), "{message}");
    assert!(used < MIB, "{used}");
    // A TIFF whose strips are JPEG is refused: its strips' own headers decide their size.
    let jpeg_strips = tiff(64, 64, 1, 7);
    let error = hash_image_bytes(&jpeg_strips, &Limits::default()).unwrap_err();
    assert!(error.to_string().contains("JPEG-compressed TIFF"), "{error}");
}

#[test]
fn a_lossless_webp_naming_many_huffman_groups_is_refused() {
    // A 4x4 image whose stream names 65536 Huffman groups of 1024-entry tables: 3.8 MB of file
    // for 1.36 GB of tables in image-webp, which sets no limit on them.
    let bytes = webp_huffman_group_bomb(65_536);
    assert!(bytes.len() < 4 << 20, "{}", bytes.len());
    for result in [
        hash_image_bytes(&bytes, &Limits::default()).map(|_| ()),
        read_image_info(Cursor::new(&bytes), &Limits::default()).map(|_| ()),
    ] {
        let (what, needed, message) = memory_limit(result);
        assert!(what.contains("Huffman tables"), "{message}");
        assert!(needed.unwrap() > 65_536 * 5 * 4096, "{message}");
    }
    let (_, used) = peak(|| hash_image_bytes(&bytes, &Limits::default()));
    assert!(used < MIB, "{used}");
    // A few groups are fine: the tables are counted, and the stream (cut before its pixels)
    // reaches the decoder, which finds it short.
    let few = webp_huffman_group_bomb(16);
    let error = hash_image_bytes(&few, &Limits::default()).unwrap_err();
    assert!(!matches!(error.kind(), ErrorKind::MemoryLimit { .. }), "{error}");
}

#[test]
fn a_thumbnail_of_100_megapixels_streams_in_a_few_megabytes() {
    // The 9999x9999 16-bit RGBA PNG (800 MB decoded whole): rows go to the downscaler as they
    // come; the thumbnail (480x480) and a row of sums are all it holds.
    let (w, h) = (9999, 9999);
    let bytes = png(w, h, 16, RGBA, false, &[], &zlib_zero_rows(h, w as usize * 8));
    let (result, used) = peak(|| vigie_hash::thumbnail_bytes(&bytes, 480, &Limits::default()));
    let (info, small) = result.expect("streamed within the limit");
    assert_eq!((info.width, info.height, small.width, small.height), (w, h, 480, 480));
    assert!(used < 8 * MIB, "{used} bytes for a streamed thumbnail");
}

#[test]
fn the_memory_a_thumbnail_plans_covers_what_it_allocates() {
    let (w, h) = (1000u32, 750u32);
    let rgb = image::RgbImage::from_raw(w, h, noise(w as usize * h as usize * 3, 8)).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for format in [image::ImageFormat::Png, image::ImageFormat::Bmp, image::ImageFormat::Tiff, image::ImageFormat::WebP]
    {
        let mut bytes = Vec::new();
        rgb.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
        files.push((format!("{format:?}"), bytes));
    }
    files.push(("interlaced PNG".into(), interlaced_png(w, h, 8, RGB, 3, rgb.as_raw())));
    let succeeds = |bytes: &[u8], max: u64| {
        vigie_hash::thumbnail_bytes(bytes, 480, &Limits { max_memory_bytes: max, ..Limits::default() }).is_ok()
    };
    for (name, bytes) in files {
        // The smallest budget the thumbnail is made under: what it plans.
        let (mut low, mut high) = (0u64, 1 << 30);
        assert!(succeeds(&bytes, high), "{name}");
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if succeeds(&bytes, mid) { high = mid } else { low = mid }
        }
        let limits = Limits { max_memory_bytes: high, ..Limits::default() };
        let (made, used) = peak(|| vigie_hash::thumbnail_reader(Cursor::new(&bytes), 480, &limits));
        made.unwrap_or_else(|e| panic!("{name}: refused under its own plan of {high} bytes: {e}"));
        assert!(used <= high, "{name}: {used} bytes allocated, {high} planned");
    }
}
