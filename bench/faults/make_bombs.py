#!/usr/bin/env python3
"""Writes the decompression bombs and oversized images of bench/faults/bombs.sh into a folder.

Standard library only. Each file is what an attacker would post: small on the wire, huge once
decoded. The progressive JPEG and the JPEG with APP segments start from the PDQ reference's
wee.jpg in the repository's testdata/.

usage: make_bombs.py OUT_DIR TESTDATA_DIR
"""

import os
import struct
import sys
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, depth, color, interlaced, chunks, idat):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 1 if interlaced else 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    for c in chunks:
        out += c
    return out + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def zlib_zeros(n, level=9):
    z = zlib.compressobj(level)
    block = bytes(1 << 20)
    out = []
    while n > 0:
        take = min(n, len(block))
        out.append(z.compress(block[:take]))
        n -= take
    out.append(z.flush())
    return b"".join(out)


def zlib_zero_rows(height, row_bytes):
    z = zlib.compressobj(9)
    row = bytes(row_bytes + 1)
    out = [z.compress(row) for _ in range(height)]
    out.append(z.flush())
    return b"".join(out)


class Bits:
    """Bits least significant first, as WebP's lossless format reads them."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, count):
        self.acc |= value << self.n
        self.n += count
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def code(self, code, length):
        for i in reversed(range(length)):
            self.put((code >> i) & 1, 1)

    def finish(self):
        if self.n:
            self.out.append(self.acc & 0xFF)
        return bytes(self.out)


def webp(fourcc, data):
    pad = b"\0" if len(data) % 2 else b""
    return b"RIFF" + struct.pack("<I", 12 + len(data) + len(pad)) + b"WEBP" + fourcc + struct.pack("<I", len(data)) + data + pad


def webp_huffman_groups(groups):
    """A 4x4 lossless WebP naming `groups` Huffman groups of 1024-entry tables (see
    crates/hash/src/webp_lossless.rs)."""
    w = Bits()
    w.put(0x2F, 8)
    w.put(3, 14)
    w.put(3, 14)
    w.put(0, 4)
    w.put(0, 1)  # no transform
    w.put(0, 1)  # no colour cache
    w.put(1, 1)  # meta codes
    w.put(0, 3)  # 4-pixel blocks
    w.put(0, 1)  # entropy image: no cache
    last = groups - 1
    for symbol in (last & 0xFF, last >> 8, 0, 0, 0):
        w.put(1, 1)
        w.put(0, 1)
        w.put(1, 1)
        w.put(symbol, 8)
    order_lengths = [0, 0, 0, 3, 3, 3, 3, 3, 0, 3, 4, 4, 4, 4]
    # One group's bits, gathered in an integer (least significant first) to be repeated.
    pattern, length = 0, 0

    def put(value, count):
        nonlocal pattern, length
        pattern |= value << length
        length += count

    def code(value, count):
        for i in reversed(range(count)):
            put((value >> i) & 1, 1)

    for _ in range(5):
        put(0, 1)
        put(len(order_lengths) - 4, 4)
        for l in order_lengths:
            put(l, 3)
        put(1, 1)
        put(1, 3)
        put(9, 4)
        for l in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10):
            code(l - 1, 3) if l <= 6 else code(12 + l - 7, 4)
    for _ in range(groups):
        for i in range(0, length, 30):
            count = min(30, length - i)
            w.put((pattern >> i) & ((1 << count) - 1), count)
    return webp(b"VP8L", w.finish())


def gif_header(screen, frame, interlaced):
    out = b"GIF89a" + struct.pack("<HH", *screen) + bytes([0x80, 0, 0]) + bytes([0, 0, 0, 255, 255, 255])
    out += b"\x2c" + struct.pack("<HHHH", *frame) + bytes([0x40 if interlaced else 0])
    return out + bytes([2, 2, 0x44, 0x01, 0, 0x3B])


def bmp_header(width, height):
    return b"BM" + struct.pack("<IHHI", 54, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 0, 0, 0, 0)


def tiff_strips(width, height, strips):
    entries = 9
    bits_at = 8 + 2 + 12 * entries + 4
    offsets_at = bits_at + 6
    counts_at = offsets_at + 4 * strips
    data_at = counts_at + 4 * strips
    out = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", entries)
    for tag, kind, count, value in [
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 3, bits_at), (259, 3, 1, 1), (262, 3, 1, 2),
        (273, 4, strips, offsets_at), (277, 3, 1, 3), (278, 4, 1, 1), (279, 4, strips, counts_at),
    ]:
        out += struct.pack("<HHII", tag, kind, count, value)
    out += struct.pack("<I", 0) + struct.pack("<HHH", 8, 8, 8)
    out += struct.pack("<I", data_at) * strips + struct.pack("<I", 3) * strips + b"\0\0\0"
    return out


def jpeg_sof(jpeg):
    at = 2
    while True:
        marker = jpeg[at + 1]
        if 0xC0 <= marker <= 0xC3:
            return at
        at += 2 + struct.unpack(">H", jpeg[at + 2:at + 4])[0]


def main():
    out = sys.argv[1]
    testdata = sys.argv[2]
    os.makedirs(out, exist_ok=True)

    def write(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes", file=sys.stderr)

    gib = 1 << 30
    # Item 2: iCCP profiles of zeros (1 GiB and 4 GiB inflated), a zTXt of 1 GiB.
    write("iccp-1g.png", png(1, 1, 8, 2, False, [chunk(b"iCCP", b"bomb\0\0" + zlib_zeros(gib))], zlib.compress(b"\0\1\2\3")))
    write("iccp-4g.png", png(1, 1, 8, 2, False, [chunk(b"iCCP", b"bomb\0\0" + zlib_zeros(4 * gib))], zlib.compress(b"\0\1\2\3")))
    write("ztxt-1g.png", png(1, 1, 8, 2, False, [chunk(b"zTXt", b"Comment\0\0" + zlib_zeros(gib))], zlib.compress(b"\0\1\2\3")))
    # An eXIf chunk (kept by the PNG decoder, which cannot skip it): 40 MB, within the limit.
    write("exif-40m.png", png(8, 8, 8, 0, False, [chunk(b"eXIf", os.urandom(40 << 20))], zlib.compress(bytes(8 * 9))))
    # Item 11: 9999x9999 RGBA 16-bit, 800 MB decoded whole; streamed now.
    write("rgba16-9999.png", png(9999, 9999, 16, 6, False, [], zlib_zero_rows(9999, 9999 * 8)))
    # The same interlaced (held whole even narrowed: refused), and one just within the limit.
    write("interlaced-rgba16-9999.png", png(9999, 9999, 16, 6, True, [], zlib.compress(bytes(16))))
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    w = h = 5000
    z = zlib.compressobj(9)
    parts = []
    for x0, y0, dx, dy in passes:
        row = bytes(1 + len(range(x0, w, dx)) * 6)
        parts += [z.compress(row) for _ in range(y0, h, dy)]
    parts.append(z.flush())
    write("interlaced-rgb16-5000.png", png(w, h, 16, 2, True, [], b"".join(parts)))
    # 100 megapixels in 5 rows: the hashing filter alone would take 2.6 GB.
    write("wide.png", png(20_000_000, 5, 8, 0, False, [], zlib.compress(bytes(16))))
    # A lossless WebP naming 65536 Huffman groups: 1.36 GB of tables in image-webp.
    write("webp-groups.webp", webp_huffman_groups(65536))
    write("gif-interlaced-giant.gif", gif_header((10000, 9999), (0, 0, 10000, 9999), True))
    write("bmp-giant.bmp", bmp_header(10000, 9999))
    write("tiff-strips.tif", tiff_strips(64, 64, 4_000_000))
    with open(os.path.join(testdata, "pdq/data/misc-images/wee.jpg"), "rb") as f:
        original = f.read()
    sof = jpeg_sof(original)
    progressive = bytearray(original)
    progressive[sof + 5:sof + 9] = struct.pack(">HH", 1500, 65000)
    write("progressive-65000x1500.jpg", bytes(progressive))
    app = original[:2] + (b"\xff\xe1\xff\xff" + os.urandom(65533)) * 400 + original[2:]
    write("app-segments.jpg", app)


if __name__ == "__main__":
    main()
