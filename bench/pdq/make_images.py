"""Generates the PDQ benchmark image set: natural-looking synthetic photos (multi-octave smooth
noise, gradients and a few hard-edged shapes) in JPEG and PNG, from 0.1 to 24 megapixels.

Deterministic (fixed seeds), so every run hashes the same pixels. Usage:
    python make_images.py OUT_DIR
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# (label, width, height, number of JPEGs, number of PNGs)
SIZES = [
    ("0.1MP", 384, 256, 24, 12),
    ("1MP", 1280, 800, 8, 4),
    ("12MP", 4000, 3000, 3, 1),
    ("24MP", 6000, 4000, 2, 1),
]


def photo(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), dtype=np.float32)
    # Octaves of smooth noise: coarse structure plus finer texture.
    for cells, weight in [(4, 90.0), (16, 45.0), (64, 22.0), (256, 10.0)]:
        ch = max(2, cells * height // max(width, height))
        cw = max(2, cells * width // max(width, height))
        small = rng.normal(0.0, 1.0, (ch, cw, 3)).astype(np.float32)
        for c in range(3):
            layer = Image.fromarray(small[:, :, c], mode="F").resize((width, height), Image.BICUBIC)
            acc[:, :, c] += weight * np.asarray(layer, dtype=np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    acc += (60.0 * xx / width - 30.0)[:, :, None]
    acc += (40.0 * yy / height)[:, :, None] * np.array([1.0, 0.6, 0.2], dtype=np.float32)
    acc += 128.0
    # Fine grain, like sensor noise.
    acc += rng.normal(0.0, 4.0, acc.shape).astype(np.float32)
    img = Image.fromarray(np.clip(acc, 0, 255).astype(np.uint8), mode="RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1 = x0 + int(rng.integers(width // 20, width // 4))
        y1 = y0 + int(rng.integers(height // 20, height // 4))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
    return img


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    seed = 1
    for label, w, h, n_jpeg, n_png in SIZES:
        for i in range(max(n_jpeg, n_png)):
            seed += 1
            jpg = out / f"{label}-{i:02d}.jpg"
            png = out / f"{label}-{i:02d}.png"
            if (i >= n_jpeg or jpg.exists()) and (i >= n_png or png.exists()):
                continue
            img = photo(w, h, seed)
            if i < n_jpeg:
                img.save(jpg, quality=90)
            if i < n_png:
                img.save(png, compress_level=6)
    print(f"images in {out}")


if __name__ == "__main__":
    main()
