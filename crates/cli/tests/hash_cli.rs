//! `vigie hash` as a user runs it: a folder of synthetic images, a broken file, a text file
//! and a declared 20000x20000 PNG.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("vigie-hash-cli-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn vigie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie")).args(args).env_remove("RUST_LOG").output().expect("run vigie")
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("utf-8 stdout")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// A smooth synthetic picture, `w x h` RGB.
fn pixels(w: u32, h: u32, seed: u32) -> Vec<u8> {
    (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            let r = (x * 255 / w) as u8;
            let g = (y * 255 / h) as u8;
            let b = ((x * y / 7 + seed * 40) % 256) as u8;
            [r, g, b]
        })
        .collect()
}

/// 24-bit BMP, bottom-up rows padded to 4 bytes.
fn bmp(w: u32, h: u32, rgb: &[u8]) -> Vec<u8> {
    let row = (w * 3).div_ceil(4) * 4;
    let size = 54 + row * h;
    let mut v = Vec::with_capacity(size as usize);
    v.extend_from_slice(b"BM");
    v.extend_from_slice(&size.to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(&54u32.to_le_bytes());
    v.extend_from_slice(&40u32.to_le_bytes());
    v.extend_from_slice(&(w as i32).to_le_bytes());
    v.extend_from_slice(&(h as i32).to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&24u16.to_le_bytes());
    v.extend_from_slice(&[0; 24]);
    for y in (0..h).rev() {
        for x in 0..w {
            let p = ((y * w + x) * 3) as usize;
            v.extend_from_slice(&[rgb[p + 2], rgb[p + 1], rgb[p]]);
        }
        v.extend(std::iter::repeat_n(0u8, (row - w * 3) as usize));
    }
    v
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

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// RGB PNG with an uncompressed ("stored") zlib stream.
fn png(w: u32, h: u32, rgb: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    for row in rgb.chunks((w * 3) as usize) {
        raw.push(0u8); // filter: none
        raw.extend_from_slice(row);
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut v, b"IHDR", &ihdr);
    chunk(&mut v, b"IDAT", &z);
    chunk(&mut v, b"IEND", &[]);
    v
}

/// A 57-byte PNG that declares 20000x20000 pixels: must be refused before decoding.
fn png_bomb() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut v, b"IHDR", &ihdr);
    chunk(&mut v, b"IDAT", &[0x78, 0x9c, 0x03, 0x00]);
    v
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write fixture");
}

/// The folder: two images at the top, one nested, a broken JPEG, a text file, a bomb.
fn fixture() -> (TempDir, Vec<u8>) {
    let dir = TempDir::new("mixed");
    let d = &dir.0;
    std::fs::create_dir_all(d.join("nested/deeper")).unwrap();
    let (w, h) = (320, 200);
    let a = pixels(w, h, 1);
    write(&d.join("a.bmp"), &bmp(w, h, &a));
    write(&d.join("b.png"), &png(w, h, &a)); // same pixels as a.bmp
    write(&d.join("nested/deeper/c.png"), &png(96, 128, &pixels(96, 128, 2)));
    write(&d.join("broken.jpg"), b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xDB");
    write(&d.join("notes.txt"), b"seen on channel X, 2024-05-01\n");
    write(&d.join("nested/huge.png"), &png_bomb());
    (dir, a)
}

#[test]
fn hashes_a_mixed_folder_reports_failures_and_goes_on() {
    let (dir, _) = fixture();
    let root = dir.0.to_str().unwrap();
    let out = vigie(&["hash", root]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    let records = lines(&out);
    let paths: Vec<String> =
        records.iter().map(|r| r["path"].as_str().unwrap().strip_prefix(root).unwrap().to_string()).collect();
    // Sorted walk; the text file is skipped and counted on stderr.
    assert_eq!(paths, ["/a.bmp", "/b.png", "/broken.jpg", "/nested/deeper/c.png", "/nested/huge.png"]);
    assert!(stderr.contains("1 non-image files skipped"), "{stderr}");
    assert!(stderr.contains("3 hashed, 2 failed"), "{stderr}");

    for r in &records {
        if r.get("error").is_some() {
            continue;
        }
        assert_eq!(r["media"], "image");
        let pdq = r["pdq"].as_str().unwrap();
        assert_eq!(pdq.len(), 64);
        assert!(pdq.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(r["md5"].as_str().unwrap().len(), 32);
        let path = r["path"].as_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(r["sha256"], vigie_hash::sha256_hex(&bytes));
        assert_eq!(r["md5"], vigie_hash::md5_hex(&bytes));
        assert!(r["quality"].as_u64().unwrap() <= 100);
        assert!(r.get("dihedral").is_none());
    }
    // Same pixels, different formats: same PDQ, different file digests.
    assert_eq!(records[0]["pdq"], records[1]["pdq"]);
    assert_ne!(records[0]["sha256"], records[1]["sha256"]);
    assert_eq!((records[0]["width"].as_u64(), records[0]["height"].as_u64()), (Some(320), Some(200)));

    let broken = records[2]["error"].as_str().unwrap();
    assert!(broken.contains("JPEG"), "{broken}");
    assert_eq!(records[2].as_object().unwrap().len(), 2, "error lines are {{path, error}}");
    let huge = records[4]["error"].as_str().unwrap();
    assert!(huge.contains("20000x20000") && huge.contains("limit"), "{huge}");
}

#[test]
fn pdq_matches_the_library_on_the_same_pixels() {
    let (dir, a) = fixture();
    let out = vigie(&["hash", dir.0.join("a.bmp").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let r = &lines(&out)[0];
    let want = vigie_hash::hash_rgb(320, 200, &a).unwrap();
    assert_eq!(r["pdq"], want.hash.to_hex());
    assert_eq!(r["quality"].as_u64(), Some(u64::from(want.quality)));
}

#[test]
fn files_named_explicitly_are_always_reported() {
    let (dir, _) = fixture();
    let d = &dir.0;
    let out = vigie(&[
        "hash",
        d.join("notes.txt").to_str().unwrap(),
        d.join("does-not-exist.jpg").to_str().unwrap(),
        d.join("b.png").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let records = lines(&out);
    assert_eq!(records.len(), 3);
    assert!(records[0]["error"].as_str().unwrap().contains("not a supported image"));
    assert!(records[1]["error"].is_string());
    assert!(records[2]["pdq"].is_string());
}

#[test]
fn all_good_exits_zero_and_parallelism_does_not_change_the_output() {
    let (dir, _) = fixture();
    let d = &dir.0;
    let files: Vec<String> =
        ["a.bmp", "b.png", "nested/deeper/c.png"].iter().map(|f| d.join(f).to_str().unwrap().to_string()).collect();
    let mut args = vec!["hash", "--jobs", "1"];
    args.extend(files.iter().map(String::as_str));
    let one = vigie(&args);
    assert_eq!(one.status.code(), Some(0), "{}", String::from_utf8_lossy(&one.stderr));
    args.splice(1..3, ["--jobs", "4"]);
    let four = vigie(&args);
    assert_eq!(four.status.code(), Some(0));
    assert_eq!(one.stdout, four.stdout);
    assert_eq!(lines(&one).len(), 3);
}

#[test]
fn dihedral_and_csv() {
    let (dir, _) = fixture();
    let root = dir.0.to_str().unwrap();
    let out = vigie(&["hash", "--dihedral", root]);
    let records = lines(&out);
    let d = records[0]["dihedral"].as_array().expect("dihedral array");
    assert_eq!(d.len(), 8);
    assert_eq!(d[0], records[0]["pdq"]);

    let out = vigie(&["hash", "--format", "csv", root]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "path,media,pdq,quality,md5,sha256,width,height,error");
    assert_eq!(rows.len(), 1 + 5);
    assert!(rows[1].contains(",image,") && rows[1].ends_with(','));
    assert!(rows[3].contains("broken.jpg") && !rows[3].ends_with(','));
}

#[test]
fn limits_are_flags() {
    let (dir, _) = fixture();
    let png = dir.0.join("b.png");
    let out = vigie(&["hash", "--max-pixels", "1000", png.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(lines(&out)[0]["error"].as_str().unwrap().contains("too large"));
    let out = vigie(&["hash", "--max-bytes", "100", png.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(lines(&out)[0]["error"].as_str().unwrap().contains("bytes"));
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(vigie(&["hash"]).status.code(), Some(2));
    assert_eq!(vigie(&["hash", "--format", "xml", "."]).status.code(), Some(2));
}

// ---- Videos (vPDQ). These need ffmpeg (CI installs the Debian package) and the sample videos
// in testdata/; they fail rather than skip without them.

fn sample_video(name: &str) -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vpdq/videos")).join(name);
    assert!(p.is_file(), "missing {}: the reference videos in testdata/ are needed (no skipping)", p.display());
    p
}

fn sample_expected(name: &str) -> String {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vpdq/expected")).join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn videos_get_vpdq_and_images_still_hash() {
    let (dir, _) = fixture();
    let video = dir.0.join("clip.mp4");
    std::fs::copy(sample_video("doorknob-hd-no-bar.mp4"), &video).expect("copy");
    let bytes = std::fs::read(&video).expect("read");
    // A corrupt video fails alone.
    write(&dir.0.join("broken.mkv"), b"\x1a\x45\xdf\xa3 not really a matroska file");

    let out = vigie(&["hash", "--seconds-per-hash", "0", dir.0.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "the broken video fails: {}", String::from_utf8_lossy(&out.stderr));
    let records = lines(&out);
    let by_name = |n: &str| {
        records.iter().find(|r| r["path"].as_str().is_some_and(|p| p.ends_with(n))).unwrap_or_else(|| panic!("{n}"))
    };
    let v = by_name("clip.mp4");
    assert_eq!(v["media"], "video");
    assert_eq!(v["md5"], vigie_hash::md5_hex(&bytes));
    assert_eq!(v["sha256"], vigie_hash::sha256_hex(&bytes));
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(1280), Some(720)));
    assert!((v["duration_seconds"].as_f64().unwrap() - 4.0).abs() < 0.1);
    assert_eq!(v["frames_hashed"], 120);
    let frames = v["vpdq"].as_array().expect("vpdq");
    let expected = sample_expected("doorknob-hd-no-bar.txt");
    assert_eq!(frames.len(), expected.lines().count());
    for (f, line) in frames.iter().zip(expected.lines()) {
        let seconds = f["seconds"].as_f64().unwrap();
        let text = format!("{},{},{},{seconds:.3}", f["frame"], f["quality"], f["pdq"].as_str().unwrap());
        assert_eq!(text, line);
    }
    assert!(by_name("broken.mkv")["error"].as_str().unwrap().contains("broken.mkv"));
    assert_eq!(by_name("b.png")["media"], "image");

    // Default rate: one frame a second.
    let out = vigie(&["hash", video.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let frames: Vec<u64> =
        lines(&out)[0]["vpdq"].as_array().unwrap().iter().map(|f| f["frame"].as_u64().unwrap()).collect();
    assert_eq!(frames, [0, 30, 60, 90]);
}

#[test]
fn vpdq_format_prints_the_reference_text() {
    let video = sample_video("chair-19-sd-bar.mp4");
    let out = vigie(&["hash", "--format", "vpdq", "--seconds-per-hash", "0", video.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), sample_expected("chair-19-sd-bar.txt"));
    // One video only.
    let out = vigie(&["hash", "--format", "vpdq", video.to_str().unwrap(), video.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn video_limits_and_missing_ffmpeg() {
    let video = sample_video("pattern-sd-grey-bar.mp4");
    let out = vigie(&["hash", "--max-video-seconds", "2", video.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(lines(&out)[0]["error"].as_str().unwrap().contains("too long"));
    let out = vigie(&["hash", "--max-video-pixels", "1000", video.to_str().unwrap()]);
    assert!(lines(&out)[0]["error"].as_str().unwrap().contains("resolution"));

    // Without ffmpeg: the video fails with the install hint, the image is hashed.
    let (dir, _) = fixture();
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["hash", video.to_str().unwrap(), dir.0.join("b.png").to_str().unwrap()])
        .env("VIGIE_FFMPEG", "/nonexistent/ffmpeg")
        .output()
        .expect("run vigie");
    assert_eq!(out.status.code(), Some(1));
    let records = lines(&out);
    assert!(records[0]["error"].as_str().unwrap().contains("apt-get install ffmpeg"), "{}", records[0]);
    assert_eq!(records[1]["media"], "image");

    // CSV cannot hold vPDQ: the video is an error row, not a silent gap.
    let out = vigie(&["hash", "--format", "csv", video.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("CSV cannot hold"));
}
