//! JPEG decoding with libjpeg-turbo's decoder.
//!
//! Why this decoder: the PDQ reference (through CImg), Pillow, HMA and python-threatexchange all
//! decode JPEG with libjpeg-turbo, and hashes only match if the pixels do. The pure-Rust
//! decoders (zune-jpeg, jpeg-decoder) differ by a few levels and move hashes by up to 6 bits
//! (`shared/testdata/pdq-reference/rust-crates-vs-reference.tsv`).
//!
//! Why `mozjpeg-sys`: it compiles the libjpeg-turbo code base (mozjpeg 4 is a libjpeg-turbo fork
//! whose decompressor is libjpeg-turbo's) from source with the `cc` crate, so a fresh machine
//! needs only a C compiler: no cmake, no nasm, no system library. With its default features off
//! it builds without the nasm SIMD code; the C integer IDCT and fancy upsampling are specified
//! to give the same pixels as the SIMD ones, which the tests check against the reference's
//! decoded pixels (`decoded-png/`). The `turbojpeg-sys` crate needs cmake; the other wrappers
//! link a system library. We call libjpeg through `csrc/jpeg_shim.c` (see `build.rs`) so that
//! libjpeg's `longjmp`-based error handling never crosses into Rust.

use std::ffi::{CStr, c_char, c_int, c_uint, c_ulong};

use crate::pdq::{Filter, Filtered, Luminance, luma_row_gray, luma_row_rgb};
use crate::{Error, ErrorKind, Format, Limits};

// Link libjpeg itself: the shim refers to its symbols, Rust code does not.
use mozjpeg_sys as _;

#[repr(C)]
#[derive(Default)]
struct Info {
    width: c_uint,
    height: c_uint,
    num_components: c_int,
    color_space: c_int,
    adobe_marker: c_int,
}

#[repr(C)]
struct Handle {
    _private: [u8; 0],
}

unsafe extern "C" {
    fn vigie_jpeg_new() -> *mut Handle;
    fn vigie_jpeg_message(h: *const Handle) -> *const c_char;
    fn vigie_jpeg_read_header(h: *mut Handle, data: *const u8, len: c_ulong, info: *mut Info) -> c_int;
    fn vigie_jpeg_start(
        h: *mut Handle,
        out_color_space: c_int,
        out_width: *mut c_uint,
        out_height: *mut c_uint,
        out_components: *mut c_int,
    ) -> c_int;
    fn vigie_jpeg_read(
        h: *mut Handle,
        buf: *mut u8,
        stride: c_ulong,
        max_lines: c_uint,
        lines_read: *mut c_uint,
    ) -> c_int;
    fn vigie_jpeg_free(h: *mut Handle);
}

// libjpeg's J_COLOR_SPACE values.
const JCS_GRAYSCALE: c_int = 1;
const JCS_RGB: c_int = 2;
const JCS_CMYK: c_int = 4;
const JCS_YCCK: c_int = 5;

/// Owns a decompressor; frees it on drop.
struct Decompressor(*mut Handle);

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: the pointer came from vigie_jpeg_new and is freed exactly once.
        unsafe { vigie_jpeg_free(self.0) }
    }
}

impl Decompressor {
    /// Turns a shim status code into an error (0 is success).
    fn check(&self, rc: c_int) -> Result<(), Error> {
        match rc {
            0 => Ok(()),
            2 => Err(Error::new(ErrorKind::Truncated { format: Format::Jpeg })),
            _ => {
                // SAFETY: the handle is live; the message is a NUL-terminated buffer inside it.
                let msg = unsafe { CStr::from_ptr(vigie_jpeg_message(self.0)) };
                let msg = msg.to_string_lossy();
                let msg = if msg.is_empty() { "unknown libjpeg error".into() } else { msg };
                Err(Error::decode(Format::Jpeg, msg))
            }
        }
    }
}

/// An open JPEG decoder positioned after `jpeg_start_decompress`.
pub(crate) struct Reader<'a> {
    dec: Decompressor,
    _data: std::marker::PhantomData<&'a [u8]>,
    width: u32,
    height: u32,
    out_space: c_int,
    invert_cmyk: bool,
    stride: usize,
    rows_read: u32,
}

/// What [`Reader::read_rows`] produces.
pub(crate) enum Row<'b> {
    /// One byte a pixel.
    Gray(&'b [u8]),
    /// Three bytes a pixel.
    Rgb(&'b [u8]),
}

impl<'a> Reader<'a> {
    /// Reads the header, checks the limits, and starts decompression.
    pub(crate) fn open(data: &'a [u8], limits: &Limits) -> Result<Self, Error> {
        let len = c_ulong::try_from(data.len()).map_err(|_| Error::decode(Format::Jpeg, "input too long"))?;
        // SAFETY: plain constructor; null means out of memory.
        let raw = unsafe { vigie_jpeg_new() };
        if raw.is_null() {
            return Err(Error::decode(Format::Jpeg, "out of memory"));
        }
        let dec = Decompressor(raw);

        let mut info = Info::default();
        // SAFETY: `data` outlives the Reader (its lifetime `'a`), which owns `dec`; libjpeg only
        // reads `len` bytes from it.
        dec.check(unsafe { vigie_jpeg_read_header(dec.0, data.as_ptr(), len, &mut info) })?;
        limits.check_pixels(u64::from(info.width), u64::from(info.height))?;

        let out_space = match info.color_space {
            JCS_GRAYSCALE => JCS_GRAYSCALE,
            JCS_CMYK | JCS_YCCK => JCS_CMYK,
            _ => JCS_RGB,
        };
        let (mut width, mut height, mut comps) = (0, 0, 0);
        // SAFETY: live handle, valid out-pointers.
        dec.check(unsafe { vigie_jpeg_start(dec.0, out_space, &mut width, &mut height, &mut comps) })?;
        limits.check_pixels(u64::from(width), u64::from(height))?;
        let expected_comps = match out_space {
            JCS_GRAYSCALE => 1,
            JCS_CMYK => 4,
            _ => 3,
        };
        if comps != expected_comps || width == 0 || height == 0 {
            return Err(Error::decode(Format::Jpeg, "unexpected output format from libjpeg"));
        }
        let stride = (width as usize)
            .checked_mul(expected_comps as usize)
            .ok_or_else(|| Error::decode(Format::Jpeg, "image too wide"))?;
        Ok(Reader {
            dec,
            _data: std::marker::PhantomData,
            width,
            height,
            out_space,
            invert_cmyk: info.adobe_marker != 0,
            stride,
            rows_read: 0,
        })
    }

    pub(crate) fn width(&self) -> u32 {
        self.width
    }

    pub(crate) fn height(&self) -> u32 {
        self.height
    }

    /// Bytes per pixel of the rows [`Reader::read_rows`] produces (1 or 3).
    pub(crate) fn channels(&self) -> usize {
        if self.out_space == JCS_GRAYSCALE { 1 } else { 3 }
    }

    /// A scratch buffer big enough for [`Reader::read_rows`].
    pub(crate) fn row_buffer(&self) -> Vec<u8> {
        vec![0u8; self.stride * LINES]
    }

    /// Decodes the next rows (up to 16) into `buf` and calls `f` on each, converted to grey or
    /// RGB. Returns the number of rows, 0 once the image is complete.
    pub(crate) fn read_rows(&mut self, buf: &mut [u8], mut f: impl FnMut(Row<'_>)) -> Result<usize, Error> {
        let left = self.height - self.rows_read;
        if left == 0 {
            return Ok(0);
        }
        let want = left.min(LINES as u32).min((buf.len() / self.stride) as u32);
        let mut got: c_uint = 0;
        // SAFETY: `buf` holds at least `want` rows of `stride` bytes.
        let rc = unsafe { vigie_jpeg_read(self.dec.0, buf.as_mut_ptr(), self.stride as c_ulong, want, &mut got) };
        self.dec.check(rc)?;
        if got == 0 || got > want {
            return Err(Error::new(ErrorKind::Truncated { format: Format::Jpeg }));
        }
        self.rows_read += got;
        let w = self.width as usize;
        for line in buf.chunks_exact_mut(self.stride).take(got as usize) {
            match self.out_space {
                JCS_GRAYSCALE => f(Row::Gray(line)),
                JCS_CMYK => {
                    cmyk_row_to_rgb_in_place(line, self.invert_cmyk);
                    f(Row::Rgb(&line[..w * 3]))
                }
                _ => f(Row::Rgb(line)),
            }
        }
        Ok(got as usize)
    }
}

const LINES: usize = 16;

/// Decodes `data` row by row straight into the PDQ filter (no full-size pixel buffer).
pub(crate) fn decode(data: &[u8], limits: &Limits) -> Result<(u32, u32, Option<Filtered>), Error> {
    let mut reader = Reader::open(data, limits)?;
    let (w, h) = (reader.width(), reader.height());
    let mut filter = Filter::new(w as usize, h as usize, Luminance::OfPixels);
    let mut buf = reader.row_buffer();
    while reader.read_rows(&mut buf, |row| {
        let out = filter.next_row_mut();
        match row {
            Row::Gray(p) => luma_row_gray(p, 1, out),
            Row::Rgb(p) => luma_row_rgb(p, 3, out),
        }
        filter.commit_row();
    })? > 0
    {}
    Ok((w, h, filter.finish()))
}

/// CMYK to RGB the way Pillow (and so python-threatexchange) does it, in place (the RGB
/// pixels end up packed at the start of the row). Files with an Adobe marker store inverted
/// CMYK (Photoshop's convention, which libjpeg passes through), so the channels are inverted
/// back first.
fn cmyk_row_to_rgb_in_place(row: &mut [u8], inverted: bool) {
    // round(a * b / 255) with integers.
    let muldiv255 = |a: u32, b: u32| {
        let t = a * b + 128;
        ((t >> 8) + t) >> 8
    };
    let ch = |v: u8| u32::from(if inverted { 255 - v } else { v });
    let n = row.len() / 4;
    // Pixel i's RGB lands at 3i, which is never past its CMYK at 4i: a forward pass is safe.
    for i in 0..n {
        let px = [row[4 * i], row[4 * i + 1], row[4 * i + 2], row[4 * i + 3]];
        let nk = 255 - ch(px[3]);
        for c in 0..3 {
            row[3 * i + c] = nk.saturating_sub(muldiv255(ch(px[c]), nk)).min(255) as u8;
        }
    }
}
