//! JPEG decoding with libjpeg-turbo's decoder.
//!
//! Why this decoder: the PDQ reference (through CImg), Pillow, HMA and python-threatexchange all
//! decode JPEG with libjpeg-turbo, and hashes only match if the pixels do. The pure-Rust
//! decoders (zune-jpeg, jpeg-decoder) differ by a few levels and move hashes by up to 6 bits
//! (`testdata/pdq-reference/rust-crates-vs-reference.tsv`).
//!
//! Why `mozjpeg-sys`: it compiles the libjpeg-turbo code base (mozjpeg 4 is a libjpeg-turbo fork
//! whose decompressor is libjpeg-turbo's) from source with the `cc` crate, so a fresh machine
//! needs only a C compiler: no cmake, no nasm, no system library. With its default features off
//! it builds without the nasm SIMD code; the C integer IDCT and fancy upsampling are specified
//! to give the same pixels as the SIMD ones, which the tests check against the reference's
//! decoded pixels (`decoded-png/`). The `turbojpeg-sys` crate needs cmake; the other wrappers
//! link a system library. We call libjpeg through `csrc/jpeg_shim.c` (see `build.rs`) so that
//! libjpeg's `longjmp`-based error handling never crosses into Rust.

use std::ffi::{CStr, c_char, c_int, c_uint, c_ulong, c_ulonglong, c_void};
use std::io::Read;

use crate::budget::Budget;
use crate::sink::{HashTarget, RowSink, Target};
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
    progressive: c_int,
    coefficient_bytes: c_ulonglong,
}

#[repr(C)]
struct Handle {
    _private: [u8; 0],
}

unsafe extern "C" {
    fn vigie_jpeg_new() -> *mut Handle;
    fn vigie_jpeg_message(h: *const Handle) -> *const c_char;
    fn vigie_jpeg_read_header(h: *mut Handle, data: *const u8, len: c_ulong, info: *mut Info) -> c_int;
    fn vigie_jpeg_read_header_from(h: *mut Handle, read: ReadFn, ctx: *mut c_void, info: *mut Info) -> c_int;
    fn vigie_jpeg_start(
        h: *mut Handle,
        out_color_space: c_int,
        max_memory: c_ulong,
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

type ReadFn = unsafe extern "C" fn(ctx: *mut c_void, buf: *mut u8, len: usize) -> usize;

/// What the read callback reads from, and the first read error it met (libjpeg only sees the
/// end of the data).
struct Source<'a> {
    reader: &'a mut dyn Read,
    error: Option<std::io::Error>,
}

/// The shim's read callback: fills `buf` from the [`Source`] behind `ctx`. Returns 0 at the end
/// of the data or after an error (kept in the source). Never unwinds into C.
unsafe extern "C" fn read_source(ctx: *mut c_void, buf: *mut u8, len: usize) -> usize {
    // SAFETY: `ctx` is the `Source` the Reader boxed and keeps alive for as long as libjpeg
    // may call back; nothing else touches it during a libjpeg call.
    let source = unsafe { &mut *ctx.cast::<Source<'_>>() };
    if source.error.is_some() {
        return 0;
    }
    // SAFETY: libjpeg passes its own buffer of `len` bytes.
    let buf = unsafe { std::slice::from_raw_parts_mut(buf, len) };
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        loop {
            match source.reader.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        }
    }));
    match read {
        Ok(Ok(n)) => n.min(len),
        Ok(Err(e)) => {
            source.error = Some(e);
            0
        }
        Err(_) => {
            source.error = Some(std::io::Error::other("the reader panicked"));
            0
        }
    }
}

/// The boxed [`Source`] libjpeg calls back into, owned through a raw pointer so that no Rust
/// reference to it is alive while libjpeg holds the pointer.
struct SourcePtr<'a>(*mut Source<'a>);

impl Drop for SourcePtr<'_> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from Box::into_raw and is freed exactly once, after the
        // decompressor that used it (see `Header`'s field order).
        drop(unsafe { Box::from_raw(self.0) });
    }
}

impl SourcePtr<'_> {
    /// The read error the callback met, if any (only called between libjpeg calls).
    fn take_error(&self) -> Option<std::io::Error> {
        // SAFETY: live pointer; libjpeg is not running, so nothing else accesses the Source.
        unsafe { (*self.0).error.take() }
    }
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
    /// Turns a shim status code into an error (0 is success). A read error met by the callback
    /// comes first: libjpeg saw it as the end of the data.
    fn check(&self, rc: c_int, source: Option<&SourcePtr<'_>>, budget: &Budget) -> Result<(), Error> {
        if rc != 0
            && let Some(error) = source.and_then(SourcePtr::take_error)
        {
            return Err(Error::new(ErrorKind::Read { message: error.to_string() }));
        }
        match rc {
            0 => Ok(()),
            2 => Err(Error::new(ErrorKind::Truncated { format: Format::Jpeg })),
            3 => Err(budget.exceeded("libjpeg's buffers for this JPEG")),
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

/// Where the compressed data comes from.
pub(crate) enum Input<'a> {
    /// All of it in memory.
    Bytes(&'a [u8]),
    /// A stream, read through libjpeg's 64 KiB buffer.
    Reader(&'a mut dyn Read),
}

/// A JPEG whose header has been read (markers up to the first scan): dimensions and the memory
/// decoding will take are known, no pixel memory is allocated yet.
pub(crate) struct Header<'a> {
    dec: Decompressor,
    // Declared after `dec` so that it outlives the decompressor that calls back into it.
    source: Option<SourcePtr<'a>>,
    _data: std::marker::PhantomData<&'a [u8]>,
    info: Info,
}

/// libjpeg's working buffers besides a multi-scan file's coefficients: a few dozen rows of every
/// component (the main buffer with its context rows, the upsampler's rows; up to 4 components
/// with sampling factors up to 4), plus its tables and pools.
fn libjpeg_working_bytes(width: u32, components: c_int) -> u64 {
    let padded = u64::from(width).div_ceil(32) * 32;
    padded * u64::try_from(components.max(1)).unwrap_or(4) * 64 + (1 << 20)
}

impl<'a> Header<'a> {
    /// Reads the header and checks the dimensions against the limits.
    pub(crate) fn read(input: Input<'a>, limits: &Limits) -> Result<Self, Error> {
        // SAFETY: plain constructor; null means out of memory.
        let raw = unsafe { vigie_jpeg_new() };
        if raw.is_null() {
            return Err(Error::decode(Format::Jpeg, "out of memory"));
        }
        let dec = Decompressor(raw);
        let mut info = Info::default();
        let budget = Budget::new(limits);
        let mut source = None;
        let rc = match input {
            Input::Bytes(data) => {
                let len = c_ulong::try_from(data.len()).map_err(|_| Error::decode(Format::Jpeg, "input too long"))?;
                // SAFETY: `data` outlives the Header (its lifetime `'a`), which owns `dec`; libjpeg
                // only reads `len` bytes from it.
                unsafe { vigie_jpeg_read_header(dec.0, data.as_ptr(), len, &mut info) }
            }
            Input::Reader(reader) => {
                let ptr = source.insert(SourcePtr(Box::into_raw(Box::new(Source { reader, error: None })))).0;
                // SAFETY: the Source is boxed (its address is stable) and owned by the Header,
                // which frees the decompressor before it; the callback only touches it while
                // libjpeg runs on this thread.
                unsafe { vigie_jpeg_read_header_from(dec.0, read_source, ptr.cast(), &mut info) }
            }
        };
        dec.check(rc, source.as_ref(), &budget)?;
        limits.check_pixels(u64::from(info.width), u64::from(info.height))?;
        Ok(Header { dec, source, _data: std::marker::PhantomData, info })
    }

    pub(crate) fn width(&self) -> u32 {
        self.info.width
    }

    pub(crate) fn height(&self) -> u32 {
        self.info.height
    }

    fn out_space(&self) -> c_int {
        match self.info.color_space {
            JCS_GRAYSCALE => JCS_GRAYSCALE,
            JCS_CMYK | JCS_YCCK => JCS_CMYK,
            _ => JCS_RGB,
        }
    }

    fn out_components(&self) -> usize {
        match self.out_space() {
            JCS_GRAYSCALE => 1,
            JCS_CMYK => 4,
            _ => 3,
        }
    }

    /// Plans the memory decoding takes: libjpeg's buffers (for a progressive file, every
    /// coefficient of the image), the rows handed over, and the hashing filter. Returns what
    /// libjpeg may allocate.
    pub(crate) fn plan(&self, budget: &mut Budget, target: &impl Target) -> Result<u64, Error> {
        let (w, h) = (self.info.width, self.info.height);
        let coefficients = self.info.coefficient_bytes;
        if self.info.progressive != 0 {
            budget.take(coefficients, || {
                format!("the coefficients of a {w}x{h} progressive JPEG, held whole by libjpeg")
            })?;
        }
        let working = libjpeg_working_bytes(w, self.info.num_components);
        budget.take(working, || format!("libjpeg's row buffers for a {w}-pixel-wide JPEG"))?;
        let rows = (u64::from(w) * self.out_components() as u64).saturating_mul(LINES as u64);
        budget.take(rows, || format!("the rows of a {w}-pixel-wide JPEG"))?;
        target.plan(budget, w, h)?;
        Ok(coefficients + working + budget.left())
    }

    /// Starts decompression with libjpeg's memory capped at `libjpeg_memory` (see
    /// [`Header::plan`]).
    pub(crate) fn start(self, libjpeg_memory: u64, budget: &Budget) -> Result<Reader<'a>, Error> {
        let out_space = self.out_space();
        let (mut width, mut height, mut comps) = (0, 0, 0);
        // Zero would mean "no limit" to libjpeg.
        let cap = c_ulong::try_from(libjpeg_memory.max(1)).unwrap_or(c_ulong::MAX);
        // SAFETY: live handle, valid out-pointers.
        let rc = unsafe { vigie_jpeg_start(self.dec.0, out_space, cap, &mut width, &mut height, &mut comps) };
        self.dec.check(rc, self.source.as_ref(), budget)?;
        let expected_comps = self.out_components();
        if usize::try_from(comps).ok() != Some(expected_comps)
            || width != self.info.width
            || height != self.info.height
            || width == 0
            || height == 0
        {
            return Err(Error::decode(Format::Jpeg, "unexpected output format from libjpeg"));
        }
        let stride = (width as usize)
            .checked_mul(expected_comps)
            .ok_or_else(|| Error::decode(Format::Jpeg, "image too wide"))?;
        Ok(Reader { header: self, width, height, out_space, stride, rows_read: 0, max_memory_bytes: budget.max() })
    }
}

/// An open JPEG decoder positioned after `jpeg_start_decompress`.
pub(crate) struct Reader<'a> {
    header: Header<'a>,
    width: u32,
    height: u32,
    out_space: c_int,
    stride: usize,
    rows_read: u32,
    max_memory_bytes: u64,
}

/// What [`Reader::read_rows`] produces.
pub(crate) enum Row<'b> {
    /// One byte a pixel.
    Gray(&'b [u8]),
    /// Three bytes a pixel.
    Rgb(&'b [u8]),
}

impl<'a> Reader<'a> {
    /// Reads the header, checks the limits (dimensions, then memory), and starts decompression.
    pub(crate) fn open(input: Input<'a>, limits: &Limits, target: &impl Target) -> Result<Self, Error> {
        let header = Header::read(input, limits)?;
        let mut budget = Budget::new(limits);
        let libjpeg_memory = header.plan(&mut budget, target)?;
        header.start(libjpeg_memory, &budget)
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
        let dec = &self.header.dec;
        // SAFETY: `buf` holds at least `want` rows of `stride` bytes.
        let rc = unsafe { vigie_jpeg_read(dec.0, buf.as_mut_ptr(), self.stride as c_ulong, want, &mut got) };
        let budget = Budget::with_max(self.max_memory_bytes);
        dec.check(rc, self.header.source.as_ref(), &budget)?;
        if got == 0 || got > want {
            return Err(Error::new(ErrorKind::Truncated { format: Format::Jpeg }));
        }
        self.rows_read += got;
        let w = self.width as usize;
        let invert_cmyk = self.header.info.adobe_marker != 0;
        for line in buf.chunks_exact_mut(self.stride).take(got as usize) {
            match self.out_space {
                JCS_GRAYSCALE => f(Row::Gray(line)),
                JCS_CMYK => {
                    cmyk_row_to_rgb_in_place(line, invert_cmyk);
                    f(Row::Rgb(&line[..w * 3]))
                }
                _ => f(Row::Rgb(line)),
            }
        }
        Ok(got as usize)
    }
}

const LINES: usize = 16;

/// Decodes row by row straight into `target`'s sink (no full-size pixel buffer).
pub(crate) fn decode<T: Target>(input: Input<'_>, limits: &Limits, target: &T) -> Result<(u32, u32, T::Sink), Error> {
    let mut reader = Reader::open(input, limits, target)?;
    let (w, h) = (reader.width(), reader.height());
    let mut sink = target.sink(w, h);
    let mut buf = reader.row_buffer();
    while reader.read_rows(&mut buf, |row| match row {
        Row::Gray(p) => sink.push(p, 1),
        Row::Rgb(p) => sink.push(p, 3),
    })? > 0
    {}
    Ok((w, h, sink))
}

/// Reads the header and checks that decoding fits the limits, without decoding.
pub(crate) fn probe(input: Input<'_>, limits: &Limits) -> Result<(u32, u32), Error> {
    let header = Header::read(input, limits)?;
    header.plan(&mut Budget::new(limits), &HashTarget)?;
    Ok((header.width(), header.height()))
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
