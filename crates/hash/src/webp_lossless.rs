//! What `image-webp`'s lossless decoder will allocate besides the pixels, read from the stream
//! before it runs.
//!
//! Why by hand: a lossless (VP8L) stream names its Huffman groups by the largest index in its
//! "entropy image", and `image-webp` (0.2) builds five lookup tables for every group up to that
//! index, with no limit: a 4x4 image whose entropy image names group 65535, followed by 65536
//! groups of codes that each fill a 1024-entry table, is a 3.8 MB file that takes 1.36 GB
//! (`tests/memory.rs`). Nothing tells the number of groups or the size of their tables but the
//! stream itself, and no crate reads it without decoding. So this reads it as the decoder will,
//! up to the end of the last group's codes: the transforms (their sub-images are decoded only
//! to step over their bits), the colour cache, the entropy image (decoded, for its largest
//! index) and each group's five codes (their code lengths give each table's size), following
//! `image-webp`'s `lossless.rs` and `huffman.rs`. It keeps nothing but counts; the pixels that
//! follow are not read.

use std::io::{BufRead, Read, Seek, SeekFrom};

use crate::{Error, ErrorKind, Format};

/// Bytes `image-webp` keeps for the first frame's lossless streams (the VP8L image, or an
/// alpha plane compressed losslessly), besides the output pixels, of a WebP read from `r`
/// (`len` bytes at its position). Leaves the reader where it was.
pub(crate) fn working_bytes<R: BufRead + Seek>(r: &mut R, len: u64) -> Result<u64, Error> {
    let start = r.stream_position().map_err(io)?;
    let result = scan_file(r, start, len);
    r.seek(SeekFrom::Start(start)).map_err(io)?;
    result
}

fn io(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        Error::new(ErrorKind::Truncated { format: Format::WebP })
    } else {
        Error::new(ErrorKind::Read { message: e.to_string() })
    }
}

fn corrupt(message: &str) -> Error {
    Error::decode(Format::WebP, message)
}

fn read_array<const N: usize>(r: &mut impl Read) -> Result<[u8; N], Error> {
    let mut b = [0u8; N];
    r.read_exact(&mut b).map_err(io)?;
    Ok(b)
}

fn u24(b: &[u8]) -> u32 {
    u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16
}

/// Walks the RIFF chunks as `image-webp` does and scans the lossless streams it will decode
/// for the first frame.
fn scan_file<R: BufRead + Seek>(r: &mut R, start: u64, len: u64) -> Result<u64, Error> {
    let header: [u8; 12] = read_array(r)?;
    if &header[..4] != b"RIFF" || &header[8..] != b"WEBP" {
        return Err(corrupt("not a RIFF WebP"));
    }
    let end = len.min(8 + u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]])));
    let mut at = 12u64;
    let mut total = 0u64;
    let mut first = true;
    let (mut canvas, mut scanned_vp8l, mut scanned_alph) = ((0u16, 0u16), false, false);
    while at + 8 <= end {
        r.seek(SeekFrom::Start(start + at)).map_err(io)?;
        // A chunk header cut short ends the walk, as it ends `image-webp`'s.
        let Ok(chunk) = read_array::<8>(r) else { break };
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        let data = at + 8;
        match &chunk[..4] {
            b"VP8L" if !scanned_vp8l => {
                scanned_vp8l = true;
                total = total.saturating_add(scan_stream(&mut (&mut *r).take(size), None)?);
            }
            b"VP8X" if first => {
                let info: [u8; 10] = read_array(r)?;
                let (w, h) = (u24(&info[4..7]) + 1, u24(&info[7..10]) + 1);
                canvas = (u16::try_from(w).unwrap_or(u16::MAX), u16::try_from(h).unwrap_or(u16::MAX));
            }
            b"ALPH" if !scanned_alph => {
                scanned_alph = true;
                total = total.saturating_add(scan_alpha(&mut (&mut *r).take(size), canvas)?);
            }
            b"ANMF" => {
                // The first frame only: `image-webp` reads one frame for a still hash.
                let frame: [u8; 16] = read_array(r)?;
                let dims = (u24(&frame[6..9]) + 1, u24(&frame[9..12]) + 1);
                let dims = (u16::try_from(dims.0).unwrap_or(u16::MAX), u16::try_from(dims.1).unwrap_or(u16::MAX));
                let frame_end = (data + size).min(end);
                let mut inner = data + 16;
                while inner + 8 <= frame_end {
                    r.seek(SeekFrom::Start(start + inner)).map_err(io)?;
                    let sub: [u8; 8] = read_array(r)?;
                    let sub_size = u64::from(u32::from_le_bytes([sub[4], sub[5], sub[6], sub[7]]));
                    match &sub[..4] {
                        b"VP8L" => {
                            total = total.saturating_add(scan_stream(&mut (&mut *r).take(sub_size), None)?);
                        }
                        b"ALPH" => {
                            total = total.saturating_add(scan_alpha(&mut (&mut *r).take(sub_size), dims)?);
                        }
                        _ => {}
                    }
                    inner += 8 + sub_size + sub_size % 2;
                }
                break;
            }
            _ => {}
        }
        first = false;
        at = data + size + size % 2;
    }
    Ok(total)
}

/// An alpha chunk: a byte of flags, then, when compressed losslessly, a VP8L stream without
/// header whose green channel is the alpha (`image-webp` decodes it into RGBA and copies the
/// green out).
fn scan_alpha(r: &mut impl BufRead, (w, h): (u16, u16)) -> Result<u64, Error> {
    let [flags] = read_array(r)?;
    if flags & 0b11 != 1 {
        return Ok(0);
    }
    let plane = u64::from(w) * u64::from(h);
    Ok(plane * 5 + scan_stream(r, Some((w, h)))?)
}

/// Reads bits least significant first, as VP8L is written.
struct Bits<R> {
    r: R,
    acc: u64,
    n: u32,
}

impl<R: BufRead> Bits<R> {
    fn read(&mut self, count: u32) -> Result<u32, Error> {
        while self.n < count {
            let [byte] = read_array(&mut self.r)?;
            self.acc |= u64::from(byte) << self.n;
            self.n += 8;
        }
        let v = (self.acc & ((1u64 << count) - 1)) as u32;
        self.acc >>= count;
        self.n -= count;
        Ok(v)
    }
}

/// A Huffman code as `image-webp` builds it, enough to read symbols and to tell its size.
enum Code {
    /// One symbol, read with no bit.
    Single(u16),
    /// Two symbols, a bit each (`build_two_node`).
    Two(u16, u16),
    /// Canonical code: symbols by increasing length, and the count of codes of each length.
    Canonical { symbols: Vec<u16>, counts: [u16; 16], max_length: usize },
}

/// `HuffmanTreeNode` (an enum holding a `usize`) and `HuffmanTree` (an enum of two vectors and
/// a mask), as laid out on a 64-bit target, rounded up.
const NODE_BYTES: u64 = 16;
const TREE_BYTES: u64 = 64;
/// `image-webp`'s table bits (MAX_TABLE_BITS).
const TABLE_BITS: usize = 10;

impl Code {
    /// Heap bytes the decoder's table and tree for this code take.
    fn bytes(&self) -> u64 {
        match self {
            Code::Single(_) => 0,
            Code::Two(..) => 3 * NODE_BYTES + 2 * 4,
            Code::Canonical { counts, max_length, .. } => {
                let table_bits = (*max_length).min(TABLE_BITS);
                let long: u64 = counts[table_bits + 1..=*max_length].iter().map(|&c| u64::from(c)).sum();
                // The table, and the tree for codes longer than the table (its capacity, which
                // pushes may double).
                4 * (1u64 << table_bits) + 4 * long * NODE_BYTES
            }
        }
    }

    fn read<R: BufRead>(&self, bits: &mut Bits<R>) -> Result<u16, Error> {
        match self {
            Code::Single(s) => Ok(*s),
            Code::Two(zero, one) => Ok(if bits.read(1)? == 0 { *zero } else { *one }),
            Code::Canonical { symbols, counts, max_length } => {
                let (mut code, mut first, mut index) = (0i64, 0i64, 0usize);
                for &count in &counts[1..=*max_length] {
                    code |= i64::from(bits.read(1)?);
                    let count = i64::from(count);
                    if code - first < count {
                        return Ok(symbols[index + (code - first) as usize]);
                    }
                    index += count as usize;
                    first = (first + count) << 1;
                    code <<= 1;
                }
                Err(corrupt("invalid Huffman code in the lossless stream"))
            }
        }
    }

    /// From code lengths, as `build_implicit` (which refuses an empty or incomplete code).
    fn from_lengths(lengths: &[u16]) -> Result<Code, Error> {
        let mut counts = [0u16; 16];
        let mut used = 0;
        for &l in lengths.iter().filter(|&&l| l != 0) {
            counts[usize::from(l)] += 1;
            used += 1;
        }
        if used == 0 {
            return Err(corrupt("empty Huffman code in the lossless stream"));
        }
        if used == 1 {
            let symbol = lengths.iter().position(|&l| l != 0).unwrap_or(0) as u16;
            return Ok(Code::Single(symbol));
        }
        let max_length = counts.iter().rposition(|&c| c != 0).unwrap_or(0);
        let mut code = 0u32;
        for &count in &counts[1..=max_length] {
            code = (code + u32::from(count)) << 1;
        }
        if code != 2 << max_length {
            return Err(corrupt("incomplete Huffman code in the lossless stream"));
        }
        let mut symbols = Vec::with_capacity(used);
        for length in 1..=max_length as u16 {
            symbols.extend((0..lengths.len() as u16).filter(|&s| lengths[usize::from(s)] == length));
        }
        Ok(Code::Canonical { symbols, counts, max_length })
    }
}

const CODE_LENGTH_ORDER: [usize; 19] = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/// One Huffman code (`read_huffman_code`).
fn read_code<R: BufRead>(bits: &mut Bits<R>, alphabet: u16) -> Result<Code, Error> {
    if bits.read(1)? == 1 {
        let two = bits.read(1)? == 1;
        let first_bits = if bits.read(1)? == 1 { 8 } else { 1 };
        let zero = bits.read(first_bits)? as u16;
        if zero >= alphabet {
            return Err(corrupt("Huffman symbol out of range"));
        }
        if !two {
            return Ok(Code::Single(zero));
        }
        let one = bits.read(8)? as u16;
        if one >= alphabet {
            return Err(corrupt("Huffman symbol out of range"));
        }
        return Ok(Code::Two(zero, one));
    }
    let mut length_code_lengths = [0u16; 19];
    let count = 4 + bits.read(4)? as usize;
    for &symbol in &CODE_LENGTH_ORDER[..count] {
        length_code_lengths[symbol] = bits.read(3)? as u16;
    }
    let length_code = Code::from_lengths(&length_code_lengths)?;
    let mut max_symbol = if bits.read(1)? == 1 {
        let length_bits = 2 + 2 * bits.read(3)?;
        let max_minus_two = bits.read(length_bits)?;
        if max_minus_two > u32::from(alphabet) - 2 {
            return Err(corrupt("Huffman code too long"));
        }
        2 + max_minus_two as u16
    } else {
        alphabet
    };
    let mut lengths = vec![0u16; usize::from(alphabet)];
    let (mut symbol, mut previous) = (0u16, 8u16);
    while symbol < alphabet && max_symbol > 0 {
        max_symbol -= 1;
        let length = length_code.read(bits)?;
        if length < 16 {
            lengths[usize::from(symbol)] = length;
            symbol += 1;
            if length != 0 {
                previous = length;
            }
        } else {
            let (extra, base, value) = match length {
                16 => (2, 3, previous),
                17 => (3, 3, 0),
                18 => (7, 11, 0),
                _ => return Err(corrupt("invalid code length code")),
            };
            let repeat = bits.read(extra)? as u16 + base;
            if symbol + repeat > alphabet {
                return Err(corrupt("code lengths past the alphabet"));
            }
            for _ in 0..repeat {
                lengths[usize::from(symbol)] = value;
                symbol += 1;
            }
        }
    }
    Code::from_lengths(&lengths)
}

/// `ALPHABET_SIZE`: green (with lengths and cache), red, blue, alpha, distance.
const ALPHABETS: [u16; 5] = [256 + 24, 256, 256, 256, 40];

fn subsample(size: u16, bits: u32) -> u16 {
    ((u32::from(size) + (1 << bits) - 1) >> bits) as u16
}

fn copy_length<R: BufRead>(bits: &mut Bits<R>, prefix: u16) -> Result<usize, Error> {
    if prefix < 4 {
        return Ok(usize::from(prefix) + 1);
    }
    let extra = u32::from((prefix - 2) >> 1);
    let offset = (2 + (usize::from(prefix) & 1)) << extra;
    Ok(offset + bits.read(extra)? as usize + 1)
}

/// A sub-image (a transform's data, a colour table or the entropy image): its colour cache,
/// its one group of codes and its pixels. Returns the largest `red << 8 | green` of its
/// literal pixels (copies and cache hits only repeat earlier ones) and its memory.
fn sub_image<R: BufRead>(bits: &mut Bits<R>, w: u16, h: u16) -> Result<(u32, u64), Error> {
    let cache_bits = read_cache_bits(bits)?;
    let mut memory = u64::from(w) * u64::from(h) * 4 + cache_bits.map_or(0, |b| 4 << b);
    let codes = read_group(bits, cache_bits)?;
    memory += codes.iter().map(|c| TREE_BYTES + c.bytes()).sum::<u64>();
    let total = usize::from(w) * usize::from(h);
    let (mut index, mut largest) = (0usize, 0u32);
    while index < total {
        let green = codes[0].read(bits)?;
        if green < 256 {
            let red = codes[1].read(bits)?;
            codes[2].read(bits)?;
            codes[3].read(bits)?;
            largest = largest.max(u32::from(red) << 8 | u32::from(green));
            index += 1;
        } else if green < 256 + 24 {
            let length = copy_length(bits, green - 256)?;
            let distance = codes[4].read(bits)?;
            copy_length(bits, distance)?;
            if total - index < length {
                return Err(corrupt("copy past the end of a sub-image"));
            }
            index += length;
        } else {
            if cache_bits.is_none() {
                return Err(corrupt("colour cache symbol without a cache"));
            }
            index += 1;
        }
    }
    Ok((largest, memory))
}

fn read_cache_bits<R: BufRead>(bits: &mut Bits<R>) -> Result<Option<u32>, Error> {
    if bits.read(1)? == 0 {
        return Ok(None);
    }
    match bits.read(4)? {
        b @ 1..=11 => Ok(Some(b)),
        _ => Err(corrupt("invalid colour cache size")),
    }
}

fn read_group<R: BufRead>(bits: &mut Bits<R>, cache_bits: Option<u32>) -> Result<Vec<Code>, Error> {
    ALPHABETS
        .iter()
        .enumerate()
        .map(|(i, &alphabet)| {
            let alphabet = if i == 0 { alphabet + cache_bits.map_or(0, |b| 1 << b) } else { alphabet };
            read_code(bits, alphabet)
        })
        .collect()
}

/// A whole VP8L stream up to its pixels: with its 5-byte header, or (alpha) with `implicit`
/// dimensions. Returns the memory `image-webp` keeps for it besides the output.
fn scan_stream(r: &mut impl BufRead, implicit: Option<(u16, u16)>) -> Result<u64, Error> {
    let mut bits = Bits { r, acc: 0, n: 0 };
    let (width, height) = match implicit {
        Some(dims) => dims,
        None => {
            if bits.read(8)? != 0x2f {
                return Err(corrupt("invalid lossless signature"));
            }
            let w = bits.read(14)? as u16 + 1;
            let h = bits.read(14)? as u16 + 1;
            bits.read(4)?;
            (w, h)
        }
    };
    let mut memory = 0u64;
    let mut xsize = width;
    let mut seen = [false; 4];
    while bits.read(1)? == 1 {
        let kind = bits.read(2)? as usize;
        if std::mem::replace(&mut seen[kind], true) {
            return Err(corrupt("a transform twice"));
        }
        match kind {
            0 | 1 => {
                let size_bits = bits.read(3)? + 2;
                let (_, m) = sub_image(&mut bits, subsample(xsize, size_bits), subsample(height, size_bits))?;
                memory += m;
            }
            3 => {
                let table = bits.read(8)? as u16 + 1;
                let (_, m) = sub_image(&mut bits, table, 1)?;
                memory += m;
                let pack = match table {
                    0..=2 => 3,
                    3..=4 => 2,
                    5..=16 => 1,
                    _ => 0,
                };
                xsize = subsample(xsize, pack);
            }
            _ => {}
        }
    }
    let cache_bits = read_cache_bits(&mut bits)?;
    memory += cache_bits.map_or(0, |b| 4 << b);
    let mut groups = 1u64;
    if bits.read(1)? == 1 {
        let huffman_bits = bits.read(3)? + 2;
        let (hx, hy) = (subsample(xsize, huffman_bits), subsample(height, huffman_bits));
        let (largest, m) = sub_image(&mut bits, hx, hy)?;
        // The decoded entropy image, and its indices as `u16`.
        memory += m + u64::from(hx) * u64::from(hy) * 2;
        groups = u64::from(largest) + 1;
    }
    // The vector of groups (five trees each, grown by doubling), then every group's tables.
    memory += 2 * groups * 5 * TREE_BYTES;
    for _ in 0..groups {
        for code in read_group(&mut bits, cache_bits)? {
            memory += code.bytes();
        }
    }
    Ok(memory)
}
