//! A look at a TIFF's first directory before the `tiff` crate reads it.
//!
//! Why by hand: `tiff::decoder::Decoder::new` reads the first directory and the tag values the
//! image needs (strip and tile offsets and byte counts, bits per sample, JPEG tables) with its
//! default limits, up to 256 MiB a value, before a caller can set its own; every element
//! becomes a [`tiff::decoder::ifd::Value`] (a 4-byte offset takes 6 times its size in memory, a
//! byte 24 times). Walking the directory's fixed-size entries (tag, type, count) tells what
//! those values will take, so that the budget can refuse them before the crate allocates. It
//! also tells the compression: JPEG-compressed TIFF is refused, because the `tiff` crate hands
//! each strip to a JPEG decoder that trusts the strip's own header for its dimensions (up to
//! 16384x16384, whatever the TIFF declares) and holds the whole result.

use std::io::{Read, Seek, SeekFrom};

use crate::{Error, ErrorKind, Format};

/// The tags `tiff` reads when it opens an image (`Image::from_reader` in tiff 0.11), and
/// `image`'s TIFF decoder after it (SampleFormat).
const READ_TAGS: [u16; 19] =
    [256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 322, 323, 324, 325, 338, 339, 347, 530];
const COMPRESSION: u16 = 259;
/// Old-style and modern JPEG compression.
const JPEG_COMPRESSIONS: [u16; 2] = [6, 7];

/// What the first directory will cost.
pub(crate) struct Directory {
    /// Memory the tag values `tiff` reads will take, at most.
    pub(crate) tag_bytes: u64,
}

fn corrupt(message: &str) -> Error {
    Error::decode(Format::Tiff, message)
}

fn io(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        Error::new(ErrorKind::Truncated { format: Format::Tiff })
    } else {
        Error::new(ErrorKind::Read { message: e.to_string() })
    }
}

/// Walks the first directory of the TIFF at the reader's position (`len` bytes long), and
/// leaves the reader there.
pub(crate) fn scan<R: Read + Seek>(r: &mut R, len: u64) -> Result<Directory, Error> {
    let start = r.stream_position().map_err(io)?;
    let directory = walk(r, len, start);
    r.seek(SeekFrom::Start(start)).map_err(io)?;
    directory
}

fn walk<R: Read + Seek>(r: &mut R, len: u64, start: u64) -> Result<Directory, Error> {
    let mut header = [0u8; 16];
    r.read_exact(&mut header[..8]).map_err(io)?;
    let little = match &header[..2] {
        b"II" => true,
        b"MM" => false,
        _ => return Err(corrupt("no byte order mark")),
    };
    let u16_at = |b: &[u8]| if little { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) };
    let u32_at = |b: &[u8]| {
        let a = [b[0], b[1], b[2], b[3]];
        if little { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) }
    };
    let u64_at = |b: &[u8]| {
        let a = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
        if little { u64::from_le_bytes(a) } else { u64::from_be_bytes(a) }
    };
    let big = match u16_at(&header[2..4]) {
        42 => false,
        43 => true,
        _ => return Err(corrupt("not a TIFF signature")),
    };
    let ifd = if big {
        r.read_exact(&mut header[8..16]).map_err(io)?;
        u64_at(&header[8..16])
    } else {
        u64::from(u32_at(&header[4..8]))
    };
    if ifd >= len {
        return Err(corrupt("the first directory lies past the end of the file"));
    }
    r.seek(SeekFrom::Start(start + ifd)).map_err(io)?;
    let (count_size, entry_size) = if big { (8, 20) } else { (2, 12) };
    let mut count = [0u8; 8];
    r.read_exact(&mut count[..count_size]).map_err(io)?;
    let entries = if big { u64_at(&count) } else { u64::from(u16_at(&count)) };
    // Entries the file can hold: a larger count is met by the end of the file, as the crate
    // would meet it.
    let room = len.saturating_sub(ifd + count_size as u64) / entry_size as u64;
    let value_size = std::mem::size_of::<tiff::decoder::ifd::Value>() as u64;
    let mut tag_bytes = 0u64;
    let mut entry = [0u8; 20];
    for _ in 0..entries.min(room) {
        r.read_exact(&mut entry[..entry_size]).map_err(io)?;
        let tag = u16_at(&entry[0..2]);
        let kind = u16_at(&entry[2..4]);
        let values = if big { u64_at(&entry[4..12]) } else { u64::from(u32_at(&entry[4..8])) };
        // A single value sits left-justified in the entry's value field.
        let field = &entry[if big { 12 } else { 8 }..];
        let compression = match kind {
            3 => Some(u16_at(field)),
            4 => u16::try_from(u32_at(field)).ok(),
            _ => None,
        };
        if tag == COMPRESSION && values == 1 && compression.is_some_and(|c| JPEG_COMPRESSIONS.contains(&c)) {
            return Err(corrupt(
                "JPEG-compressed TIFF is not supported (its strips are decoded with no bound on memory)",
            ));
        }
        if READ_TAGS.contains(&tag) {
            // Each element as a `Value`, its bytes as read, and the converted list.
            let element = match kind {
                3 | 8 => 2,
                4 | 9 | 11 | 13 => 4,
                5 | 10 | 12 | 16 | 17 | 18 => 8,
                _ => 1,
            };
            tag_bytes = tag_bytes.saturating_add(values.saturating_mul(value_size + element + 8));
        }
    }
    Ok(Directory { tag_bytes })
}
