"""The reference side of the PDQ benchmark: Meta's C++ PDQ as the `pdqhash` PyPI package, with
Pillow decoding, called the way python-threatexchange calls it
(threatexchange/extensions/.../pdq/pdq_utils.py: `np.asarray(Image.open(path))`, grey images
stacked to three channels, `pdqhash.compute`, the bit vector printed as a big-endian hex number).

    python reference.py [--procs N] [--out HASHES.tsv] FILE...

Prints one JSON object like the Rust driver's: images, megapixels, seconds, images_per_s,
mp_per_s, peak_rss_mib (largest single process: this one, or the largest worker).
"""

import argparse
import json
import multiprocessing
import resource
import time

import numpy as np
import pdqhash
from PIL import Image


def pdq_file(path: str):
    array = np.asarray(Image.open(path))
    if array.ndim == 2:
        array = np.concatenate([array[..., np.newaxis]] * 3, axis=2)
    vector, quality = pdqhash.compute(array)
    bits = "".join(str(int(x)) for x in vector)
    return path, "%064x" % int(bits, 2), int(quality), array.shape[0] * array.shape[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    if args.procs == 1:
        start = time.perf_counter()
        results = [pdq_file(f) for f in args.files]
        seconds = time.perf_counter() - start
    else:
        # Workers are started (and have imported everything) before the clock starts.
        with multiprocessing.Pool(args.procs) as pool:
            pool.map(abs, range(args.procs * 4), chunksize=1)
            start = time.perf_counter()
            results = pool.map(pdq_file, args.files, chunksize=1)
            seconds = time.perf_counter() - start

    pixels = sum(r[3] for r in results)
    if args.out:
        with open(args.out, "w") as f:
            for path, hex_hash, quality, _ in results:
                f.write(f"{path}\t{hex_hash}\t{quality}\n")
    peak_kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(json.dumps({
        "images": len(results),
        "megapixels": round(pixels / 1e6, 3),
        "seconds": round(seconds, 4),
        "images_per_s": round(len(results) / seconds, 3),
        "mp_per_s": round(pixels / 1e6 / seconds, 3),
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }))


if __name__ == "__main__":
    main()
