//! Hand-made files for the memory tests: decompression bombs and headers that declare more
//! than they hold. Everything is generated here; nothing is read from disk.
#![allow(dead_code)]

use std::io::Write;

pub fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// A PNG chunk: length, type, data, CRC.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    out
}

/// PNG colour types.
pub const GREY: u8 = 0;
pub const RGB: u8 = 2;
pub const PALETTE: u8 = 3;
pub const GREY_ALPHA: u8 = 4;
pub const RGBA: u8 = 6;

/// A PNG: signature, IHDR, `chunks` (placed before the image data), IDAT, IEND.
pub fn png(
    width: u32,
    height: u32,
    depth: u8,
    color: u8,
    interlaced: bool,
    chunks: &[Vec<u8>],
    idat: &[u8],
) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, color, 0, 0, u8::from(interlaced)]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    for chunk in chunks {
        out.extend_from_slice(chunk);
    }
    out.extend(png_chunk(b"IDAT", idat));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// `n` zero bytes, zlib-compressed at the best ratio (about 1000 to 1), without holding them.
pub fn zlib_zeros(n: u64) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let take = left.min(block.len() as u64) as usize;
        z.write_all(&block[..take]).unwrap();
        left -= take as u64;
    }
    z.finish().unwrap()
}

pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// The IDAT of a non-interlaced image whose `height` rows of `row_bytes` are all zero (filter
/// type 0), compressed without holding them.
pub fn zlib_zero_rows(height: u32, row_bytes: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let row = vec![0u8; row_bytes + 1];
    for _ in 0..height {
        z.write_all(&row).unwrap();
    }
    z.finish().unwrap()
}

/// The Adam7 passes: (x offset, y offset, x step, y step).
const ADAM7: [(usize, usize, usize, usize); 7] =
    [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

/// An interlaced PNG of 8- or 16-bit samples (`pixels`: rows of `width * bytes_per_pixel`
/// bytes, big-endian samples), encoded by hand: neither `png` nor `image` writes Adam7.
pub fn interlaced_png(width: u32, height: u32, depth: u8, color: u8, bytes_per_pixel: usize, pixels: &[u8]) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in ADAM7 {
        if x0 >= w || y0 >= h {
            continue;
        }
        for y in (y0..h).step_by(dy) {
            raw.push(0);
            for x in (x0..w).step_by(dx) {
                let at = (y * w + x) * bytes_per_pixel;
                raw.extend_from_slice(&pixels[at..at + bytes_per_pixel]);
            }
        }
    }
    png(width, height, depth, color, true, &[], &zlib(&raw))
}

/// The same pixels, not interlaced.
pub fn plain_png(width: u32, height: u32, depth: u8, color: u8, bytes_per_pixel: usize, pixels: &[u8]) -> Vec<u8> {
    let row = width as usize * bytes_per_pixel;
    let mut raw = Vec::new();
    for line in pixels.chunks_exact(row) {
        raw.push(0);
        raw.extend_from_slice(line);
    }
    png(width, height, depth, color, false, &[], &zlib(&raw))
}

/// Deterministic noise.
pub fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Offset of a JPEG's SOFn marker, walking the marker segments.
pub fn jpeg_sof(jpeg: &[u8]) -> usize {
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

/// `jpeg` with its SOF declaring `width x height`.
pub fn jpeg_with_size(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = jpeg_sof(&out);
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}

/// `jpeg` with `count` APPn segments of the largest size (65533 data bytes) after its SOI.
pub fn jpeg_with_app_segments(jpeg: &[u8], count: usize) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let data = noise(65533, 7);
    for i in 0..count {
        out.extend_from_slice(&[0xFF, 0xE1 + (i % 14) as u8, 0xFF, 0xFF]);
        out.extend_from_slice(&data);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A GIF with a global palette of two colours and one frame of `frame_width x frame_height`
/// at (`left`, `top`), whose image data is `lzw` (sub-blocks are made here).
pub fn gif(
    screen: (u16, u16),
    frame: (u16, u16, u16, u16),
    interlaced: bool,
    extensions: &[Vec<u8>],
    lzw: &[u8],
) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&screen.0.to_le_bytes());
    out.extend_from_slice(&screen.1.to_le_bytes());
    out.extend_from_slice(&[0x80, 0, 0]); // global table of 2 colours
    out.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    for extension in extensions {
        out.extend_from_slice(extension);
    }
    out.push(0x2C);
    for v in [frame.0, frame.1, frame.2, frame.3] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.push(if interlaced { 0x40 } else { 0 });
    out.push(2); // LZW minimum code size
    for block in lzw.chunks(255) {
        out.push(block.len() as u8);
        out.extend_from_slice(block);
    }
    out.push(0);
    out.push(0x3B);
    out
}

/// A GIF application extension (`XMP DataXMP` or `ICCRGBG1012`) carrying `data`.
pub fn gif_application(identifier: &[u8; 11], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x21, 0xFF, 11];
    out.extend_from_slice(identifier);
    for block in data.chunks(255) {
        out.push(block.len() as u8);
        out.extend_from_slice(block);
    }
    out.push(0);
    out
}

/// A lossy WebP whose VP8 frame header declares `width x height` (the frame data is absent).
pub fn webp_lossy_header(width: u16, height: u16) -> Vec<u8> {
    let mut vp8 = vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
    vp8.extend_from_slice(&width.to_le_bytes());
    vp8.extend_from_slice(&height.to_le_bytes());
    vp8.extend_from_slice(&[0; 16]);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(4 + 8 + vp8.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WEBPVP8 ");
    out.extend_from_slice(&(vp8.len() as u32).to_le_bytes());
    out.extend_from_slice(&vp8);
    out
}

/// A 24-bit BMP whose header declares `width x height` (the pixels are absent).
pub fn bmp_header(width: i32, height: i32) -> Vec<u8> {
    let mut out = b"BM".to_vec();
    out.extend_from_slice(&(54u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 24]);
    out
}

/// A little-endian TIFF, RGB 8-bit, uncompressed unless `compression` says otherwise, whose
/// strips are `strips` (offset and byte count tags of that many values, all pointing at the
/// same few bytes).
pub fn tiff(width: u32, height: u32, strips: u32, compression: u16) -> Vec<u8> {
    let mut out = b"II\x2A\x00".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    let entries: u16 = 9;
    let ifd_len = 2 + 12 * entries as usize + 4;
    let bits_at = 8 + ifd_len as u32;
    let offsets_at = bits_at + 6;
    let counts_at = offsets_at + 4 * strips;
    let data_at = if strips == 1 { offsets_at } else { counts_at + 4 * strips };
    let rows_per_strip = height.div_ceil(strips.max(1));
    let entry = |out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    };
    out.extend_from_slice(&entries.to_le_bytes());
    entry(&mut out, 256, 4, 1, width);
    entry(&mut out, 257, 4, 1, height);
    entry(&mut out, 258, 3, 3, bits_at);
    entry(&mut out, 259, 3, 1, u32::from(compression));
    entry(&mut out, 262, 3, 1, 2);
    entry(&mut out, 273, 4, strips, if strips == 1 { data_at } else { offsets_at });
    entry(&mut out, 277, 3, 1, 3);
    entry(&mut out, 278, 4, 1, rows_per_strip);
    entry(&mut out, 279, 4, strips, if strips == 1 { 3 } else { counts_at });
    out.extend_from_slice(&0u32.to_le_bytes());
    for _ in 0..3 {
        out.extend_from_slice(&8u16.to_le_bytes());
    }
    if strips > 1 {
        for _ in 0..strips {
            out.extend_from_slice(&data_at.to_le_bytes());
        }
        for _ in 0..strips {
            out.extend_from_slice(&3u32.to_le_bytes());
        }
    }
    out.extend_from_slice(&[0, 0, 0]);
    out
}

/// Writes bits least significant first, as WebP's lossless format reads them.
#[derive(Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    pub fn bits(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, most significant bit first.
    pub fn code(&mut self, code: u32, length: u32) {
        for i in (0..length).rev() {
            self.bits((code >> i) & 1, 1);
        }
    }

    pub fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.bytes.push(self.acc as u8);
        }
        self.bytes
    }
}

/// A RIFF WebP around one chunk.
pub fn webp(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let padded = data.len() + data.len() % 2;
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(4 + 8 + padded as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A 4x4 lossless WebP whose entropy image names Huffman group 65535, so that the decoder
/// reads 65536 groups of five codes, each code of lengths 1..10 so that its lookup table has
/// 1024 entries: about 75 bytes of stream for 20 KiB of tables, per group. (The pixels that
/// should follow are left out: the tables are built before they are read.)
pub fn webp_huffman_group_bomb(groups: u32) -> Vec<u8> {
    let mut w = BitWriter::default();
    w.bits(0x2f, 8);
    w.bits(3, 14); // width - 1
    w.bits(3, 14); // height - 1
    w.bits(0, 1); // alpha
    w.bits(0, 3); // version
    w.bits(0, 1); // no transform
    w.bits(0, 1); // no colour cache
    w.bits(1, 1); // meta Huffman codes
    w.bits(0, 3); // entropy image blocks of 4 pixels: 1x1
    // The entropy image: no colour cache, five single-symbol codes, one pixel.
    w.bits(0, 1);
    let group = groups - 1;
    for symbol in [group & 0xFF, group >> 8, 0, 0, 0] {
        w.bits(1, 1); // simple code
        w.bits(0, 1); // one symbol
        w.bits(1, 1); // 8-bit symbol
        w.bits(symbol, 8);
    }
    // Each group: five normal codes.
    // Code-length code lengths, in the format's order (17, 18, 0, 1, ..., 10): symbols 1..6
    // take 3 bits, 7..10 take 4 (canonical codes 000..101, 1100..1111).
    let order_lengths = [0, 0, 0, 3, 3, 3, 3, 3, 0, 3, 4, 4, 4, 4];
    let code_of = |length: u32| if length <= 6 { (length - 1, 3) } else { (12 + length - 7, 4) };
    for _ in 0..groups {
        for _ in 0..5 {
            w.bits(0, 1); // normal code
            w.bits(order_lengths.len() as u32 - 4, 4);
            for l in order_lengths {
                w.bits(l, 3);
            }
            w.bits(1, 1); // max_symbol given
            w.bits(1, 3); // in 4 bits
            w.bits(9, 4); // 11 symbols
            for length in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10] {
                let (code, bits) = code_of(length);
                w.code(code, bits);
            }
        }
    }
    webp(b"VP8L", &w.finish())
}

/// The data of the first `fourcc` chunk of a RIFF WebP.
pub fn webp_chunk(file: &[u8], fourcc: &[u8; 4]) -> Vec<u8> {
    let mut at = 12;
    while at + 8 <= file.len() {
        let size = u32::from_le_bytes(file[at + 4..at + 8].try_into().unwrap()) as usize;
        if &file[at..at + 4] == fourcc {
            return file[at + 8..at + 8 + size].to_vec();
        }
        at += 8 + size + size % 2;
    }
    panic!("no {fourcc:?} chunk")
}

fn riff_chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = fourcc.to_vec();
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn u24le(v: u32) -> [u8; 3] {
    [v as u8, (v >> 8) as u8, (v >> 16) as u8]
}

/// An extended WebP (VP8X with `flags`, a `width x height` canvas) holding `chunks`.
pub fn webp_extended(flags: u8, width: u32, height: u32, chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut vp8x = vec![flags, 0, 0, 0];
    vp8x.extend_from_slice(&u24le(width - 1));
    vp8x.extend_from_slice(&u24le(height - 1));
    let mut body = b"WEBP".to_vec();
    body.extend(riff_chunk(b"VP8X", &vp8x));
    for chunk in chunks {
        body.extend_from_slice(chunk);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// An animated WebP of `frames` lossless frames covering the canvas (VP8L chunks, e.g. from
/// `webp_chunk` of an encoded image).
pub fn webp_animated(width: u32, height: u32, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut chunks = vec![riff_chunk(b"ANIM", &[0, 0, 0, 0, 0, 0])];
    for vp8l in frames {
        let mut anmf = Vec::new();
        anmf.extend_from_slice(&u24le(0));
        anmf.extend_from_slice(&u24le(0));
        anmf.extend_from_slice(&u24le(width - 1));
        anmf.extend_from_slice(&u24le(height - 1));
        anmf.extend_from_slice(&u24le(100));
        anmf.push(0);
        anmf.extend(riff_chunk(b"VP8L", vp8l));
        chunks.push(riff_chunk(b"ANMF", &anmf));
    }
    webp_extended(0x12, width, height, &chunks)
}

/// A lossy WebP with an alpha plane compressed losslessly: `vp8` (a VP8 chunk's data) and
/// `alpha_vp8l` (a VP8L chunk's data whose green channel is the alpha; its 5-byte header is
/// dropped, as the alpha stream has none).
pub fn webp_lossy_with_alpha(width: u32, height: u32, vp8: &[u8], alpha_vp8l: &[u8]) -> Vec<u8> {
    let mut alph = vec![1u8];
    alph.extend_from_slice(&alpha_vp8l[5..]);
    webp_extended(0x10, width, height, &[riff_chunk(b"ALPH", &alph), riff_chunk(b"VP8 ", vp8)])
}
