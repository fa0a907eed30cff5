//! The streaming decoders give the pixels `image`'s whole-image decoders gave (so the same
//! hashes); reading from a stream gives what reading from memory gives; read errors are
//! reported as such; and the memory a decode plans covers what it allocates.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};

use common::craft::*;
use common::read;
use vigie_hash::{
    ErrorKind, Limits, hash_gray, hash_image_bytes, hash_image_reader, hash_rgb, hash_rgba, read_image_info,
};

/// Hash of what `image` decodes from `bytes` (the decoders used before PNG and GIF streamed).
fn hash_through_image(bytes: &[u8]) -> vigie_hash::PdqHash {
    let img = image::load_from_memory(bytes).expect("image decodes it");
    hash_rgba(img.width(), img.height(), img.to_rgba8().as_raw()).unwrap().hash
}

fn hash(bytes: &[u8]) -> vigie_hash::PdqHash {
    let from_bytes = hash_image_bytes(bytes, &Limits::default()).expect("hashed");
    let from_reader = hash_image_reader(BufReader::new(Cursor::new(bytes)), &Limits::default()).expect("hashed");
    assert_eq!(from_bytes, from_reader, "bytes and reader disagree");
    from_bytes.pdq
}

#[test]
fn interlaced_png_hashes_like_the_same_pixels_not_interlaced() {
    // (colour type, bit depth, bytes per pixel), at sizes that leave Adam7 passes empty.
    let modes = [
        (GREY, 8, 1),
        (GREY, 16, 2),
        (GREY_ALPHA, 8, 2),
        (GREY_ALPHA, 16, 4),
        (RGB, 8, 3),
        (RGB, 16, 6),
        (RGBA, 8, 4),
        (RGBA, 16, 8),
    ];
    for (w, h) in [(61u32, 47u32), (9, 1), (1, 9), (3, 2), (130, 66)] {
        for (color, depth, bpp) in modes {
            let pixels = noise(w as usize * h as usize * bpp, w * 31 + h + u32::from(color));
            let interlaced = interlaced_png(w, h, depth, color, bpp, &pixels);
            let plain = plain_png(w, h, depth, color, bpp, &pixels);
            assert_eq!(hash(&interlaced), hash(&plain), "{w}x{h} colour {color} depth {depth}");
            if depth == 8 {
                // (`image` scales 16-bit samples to 8 bits by their high byte; the reference,
                // and so we, keep the low byte: see the next test.)
                assert_eq!(hash(&plain), hash_through_image(&plain), "{w}x{h} colour {color} depth {depth}");
            }
        }
    }
}

#[test]
fn sixteen_bit_png_keeps_the_low_byte_of_each_sample() {
    // Genuinely 16-bit samples: the reference's loader keeps the low byte (see narrow16).
    let (w, h) = (97u32, 71u32);
    let samples = noise(w as usize * h as usize * 8, 11);
    let low: Vec<u8> = samples.chunks_exact(2).map(|s| s[1]).collect();
    let rgba16 = plain_png(w, h, 16, RGBA, 8, &samples);
    assert_eq!(hash(&rgba16), hash_rgba(w, h, &low).unwrap().hash);
    let grey16 = plain_png(w, h, 16, GREY, 2, &samples[..w as usize * h as usize * 2]);
    let low_grey: Vec<u8> = low[..w as usize * h as usize].to_vec();
    assert_eq!(hash(&grey16), hash_gray(w, h, &low_grey).unwrap().hash);
    let interlaced = interlaced_png(w, h, 16, RGBA, 8, &samples);
    assert_eq!(hash(&interlaced), hash_rgba(w, h, &low).unwrap().hash);
}

fn encode_gif(screen: (u16, u16), palette: &[u8], frame: gif::Frame<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut out, screen.0, screen.1, palette).unwrap();
        encoder.write_frame(&frame).unwrap();
    }
    out
}

#[test]
fn gif_first_frames_hash_as_image_drew_them() {
    let palette: Vec<u8> = noise(3 * 16, 5);
    let (sw, sh) = (120u16, 90u16);
    let frame =
        |left: u16, top: u16, width: u16, height: u16, interlaced: bool, local: bool, transparent: Option<u8>| {
            // Indices 0..16 plus a few past the palette (drawn as transparent black).
            let buffer: Vec<u8> =
                noise(usize::from(width) * usize::from(height), u32::from(left) + 7).iter().map(|v| v % 20).collect();
            gif::Frame {
                left,
                top,
                width,
                height,
                interlaced,
                transparent,
                palette: local.then(|| noise(3 * 16, 9)),
                buffer: buffer.into(),
                ..gif::Frame::default()
            }
        };
    let cases = [
        ("the whole screen", frame(0, 0, sw, sh, false, false, None)),
        ("interlaced", frame(0, 0, sw, sh, true, false, None)),
        ("full width, lower band", frame(0, 30, sw, 40, false, false, None)),
        ("inside", frame(17, 9, 50, 60, false, true, Some(3))),
        ("interlaced, inside", frame(17, 9, 50, 61, true, false, Some(0))),
        ("over the right and bottom edges", frame(100, 70, 64, 64, false, false, None)),
        ("interlaced, over the edges", frame(90, 80, 64, 33, true, true, None)),
        ("outside", frame(200, 200, 10, 10, false, false, None)),
    ];
    for (name, frame) in cases {
        let bytes = encode_gif((sw, sh), &palette, frame);
        assert_eq!(hash(&bytes), hash_through_image(&bytes), "{name}");
    }
}

#[test]
fn whole_image_formats_read_from_a_stream_hash_as_from_memory() {
    let pixels = noise(83 * 59 * 3, 21);
    let rgb = image::RgbImage::from_raw(83, 59, pixels).unwrap();
    let expected = hash_rgb(83, 59, rgb.as_raw()).unwrap().hash;
    for format in [image::ImageFormat::Bmp, image::ImageFormat::Tiff, image::ImageFormat::WebP] {
        let mut bytes = Vec::new();
        rgb.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
        assert_eq!(hash(&bytes), expected, "{format:?}");
    }
    // Float TIFF: scaled by `image`'s conversion, as when the whole image was converted.
    let float = image::DynamicImage::ImageRgb8(rgb).to_rgb32f();
    let mut tiff = Vec::new();
    float.write_to(&mut Cursor::new(&mut tiff), image::ImageFormat::Tiff).unwrap();
    let converted = image::DynamicImage::ImageRgb32F(float).to_rgb8();
    assert_eq!(hash(&tiff), hash_rgb(83, 59, converted.as_raw()).unwrap().hash);
    for name in
        ["pdq/data/misc-images/modes/PA.webp", "pdq/data/misc-images/modes/F.webp", "pdq/data/misc-images/small.jpg"]
    {
        let bytes = read(name);
        hash(&bytes);
    }
}

/// A reader whose data stops with an error (a failing disk) after `good` bytes.
struct FailingReader {
    data: Cursor<Vec<u8>>,
    good: u64,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.good.saturating_sub(self.data.position());
        if left == 0 {
            return Err(std::io::Error::other("the disk failed"));
        }
        let n = buf.len().min(left as usize);
        self.data.read(&mut buf[..n])
    }
}

impl Seek for FailingReader {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.data.seek(pos)
    }
}

#[test]
fn read_errors_are_reported_as_such() {
    let pixels = noise(300 * 200 * 3, 4);
    let rgb = image::RgbImage::from_raw(300, 200, pixels).unwrap();
    let mut files: Vec<(String, Vec<u8>)> =
        [image::ImageFormat::Png, image::ImageFormat::Bmp, image::ImageFormat::Tiff]
            .into_iter()
            .map(|format| {
                let mut bytes = Vec::new();
                rgb.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
                (format!("{format:?}"), bytes)
            })
            .collect();
    files.push(("JPEG".into(), read("pdq/data/bridge-mods/aaa-orig.jpg")));
    files.push((
        "GIF".into(),
        encode_gif(
            (64, 64),
            &noise(48, 1),
            gif::Frame {
                width: 64,
                height: 64,
                buffer: noise(64 * 64, 2).iter().map(|v| v % 16).collect::<Vec<u8>>().into(),
                ..gif::Frame::default()
            },
        ),
    ));
    for (name, bytes) in files {
        let good = bytes.len() as u64 / 2;
        let reader = BufReader::with_capacity(64, FailingReader { data: Cursor::new(bytes), good });
        let error = hash_image_reader(reader, &Limits::default()).unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Read { .. }), "{name}: {error}");
        assert!(error.to_string().contains("the disk failed"), "{name}: {error}");
    }
}

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

fn peak<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, u64::try_from(PEAK.with(Cell::get) - base).unwrap_or(0))
}

/// The smallest memory limit under which the header check accepts `bytes`: what the decode
/// plans to allocate.
fn planned(bytes: &[u8]) -> u64 {
    let accepts =
        |max| read_image_info(Cursor::new(bytes), &Limits { max_memory_bytes: max, ..Limits::default() }).is_ok();
    let (mut low, mut high) = (0u64, 1 << 32);
    assert!(accepts(high), "refused even under 4 GiB");
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if accepts(mid) { high = mid } else { low = mid }
    }
    high
}

#[test]
fn the_memory_planned_from_the_header_covers_what_decoding_allocates() {
    let (w, h) = (1000u32, 750u32);
    let rgb = image::RgbImage::from_raw(w, h, noise(w as usize * h as usize * 3, 8)).unwrap();
    let rgba = image::DynamicImage::ImageRgb8(rgb.clone()).to_rgba8();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, img) in [
        ("RGB", image::DynamicImage::ImageRgb8(rgb.clone())),
        ("RGBA", image::DynamicImage::ImageRgba8(rgba)),
        ("RGB16", image::DynamicImage::ImageRgb8(rgb.clone()).to_rgb16().into()),
        ("RGB32F", image::DynamicImage::ImageRgb8(rgb.clone()).to_rgb32f().into()),
    ] {
        for format in
            [image::ImageFormat::Png, image::ImageFormat::Bmp, image::ImageFormat::Tiff, image::ImageFormat::WebP]
        {
            let mut bytes = Vec::new();
            if img.write_to(&mut Cursor::new(&mut bytes), format).is_ok() {
                files.push((format!("{format:?} {name}"), bytes));
            }
        }
    }
    let samples = noise(w as usize * h as usize * 8, 3);
    files.push(("interlaced PNG RGBA16".into(), interlaced_png(w, h, 16, RGBA, 8, &samples)));
    let indices: Vec<u8> = noise(w as usize * h as usize, 6).iter().map(|v| v % 16).collect();
    for interlaced in [false, true] {
        let frame = gif::Frame {
            width: w as u16,
            height: h as u16,
            interlaced,
            buffer: indices.clone().into(),
            ..gif::Frame::default()
        };
        files.push((format!("GIF interlaced={interlaced}"), encode_gif((w as u16, h as u16), &noise(48, 2), frame)));
    }
    // An animation of two lossless frames, and a lossy image with a lossless alpha plane.
    let lossless = |seed: u32, width: u32, height: u32| {
        let rgba =
            image::RgbaImage::from_raw(width, height, noise(width as usize * height as usize * 4, seed)).unwrap();
        let mut bytes = Vec::new();
        rgba.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::WebP).unwrap();
        webp_chunk(&bytes, b"VP8L")
    };
    files.push(("animated WebP".into(), webp_animated(w, h, &[lossless(1, w, h), lossless(2, w, h)])));
    let lossy = read("pdq/data/misc-images/modes/F.webp");
    let decoded = image::load_from_memory(&lossy).unwrap();
    let (lw, lh) = (decoded.width(), decoded.height());
    let with_alpha = webp_lossy_with_alpha(lw, lh, &webp_chunk(&lossy, b"VP8 "), &lossless(3, lw, lh));
    assert!(hash_image_bytes(&with_alpha, &Limits::default()).is_ok(), "the crafted alpha plane decodes");
    files.push(("lossy WebP with lossless alpha".into(), with_alpha));
    for name in [
        "pdq/data/misc-images/modes/PA.webp",
        "pdq/data/misc-images/modes/F.webp",
        "pdq/data/misc-images/modes/HSV.webp",
    ] {
        files.push((name.into(), read(name)));
    }
    for (name, bytes) in files {
        let limit = planned(&bytes);
        let limits = Limits { max_memory_bytes: limit, ..Limits::default() };
        let (hashed, used) = peak(|| hash_image_reader(Cursor::new(&bytes), &limits));
        hashed.unwrap_or_else(|e| panic!("{name}: refused under its own plan of {limit} bytes: {e}"));
        assert!(used <= limit, "{name}: {used} bytes allocated, {limit} planned");
        eprintln!("{name}: {used} bytes allocated of {limit} planned");
    }
}
