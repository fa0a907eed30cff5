"""Runs the PDQ benchmark and prints a markdown table (see run.sh).

For each class of images (size x format), in the same run and on the same files:
the reference (pdqhash + Pillow, see reference.py) and Vigie (the pdq_bench example), each on
one core and on all cores. Every measurement is the best of --repeat runs (the machine may be
busy); hashes and qualities of both are compared file by file.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(cmd, repeat):
    results = [run(cmd) for _ in range(repeat)]
    fastest = min(results, key=lambda r: r["seconds"])
    fastest["peak_rss_mib"] = max(r["peak_rss_mib"] for r in results)
    return fastest


def read_tsv(path):
    rows = {}
    for line in Path(path).read_text().splitlines():
        f, h, q = line.split("\t")
        rows[f] = (h, int(q))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigie", required=True, help="path to the pdq_bench binary")
    ap.add_argument("--images", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 1

    classes = defaultdict(list)
    for p in sorted(Path(args.images).iterdir()):
        m = re.match(r"([0-9.]+MP)-\d+\.(jpg|png)$", p.name)
        if m:
            classes[(m.group(1), m.group(2))].append(str(p))
    order = sorted(classes, key=lambda k: (k[1], float(k[0][:-2])))

    # Warm the page cache so both sides read from memory.
    for files in classes.values():
        for f in files:
            Path(f).read_bytes()

    py = sys.executable
    ref = str(Path(__file__).with_name("reference.py"))
    rows = []
    all_same = True
    for label, ext in order:
        files = classes[(label, ext)]
        tag = f"{label}-{ext}"
        r1 = best([py, ref, "--procs", "1", "--out", str(out / f"ref-{tag}.tsv"), *files], args.repeat)
        v1 = best([args.vigie, "--threads", "1", "--out", str(out / f"vigie-{tag}.tsv"), *files], args.repeat)
        rn = best([py, ref, "--procs", str(cores), *files], args.repeat)
        vn = best([args.vigie, "--threads", str(cores), "--out", str(out / f"vigie-n-{tag}.tsv"), *files], args.repeat)
        ref_h = read_tsv(out / f"ref-{tag}.tsv")
        vig_h = read_tsv(out / f"vigie-{tag}.tsv")
        vig_n = read_tsv(out / f"vigie-n-{tag}.tsv")
        same = sum(1 for f in files if ref_h[f] == vig_h[f] == vig_n[f])
        all_same &= same == len(files)
        rows.append((label, ext, len(files), r1, v1, rn, vn, same))

    lines = [
        f"PDQ end to end (read + decode + hash), {cores} cores; best of {args.repeat} runs.",
        "Reference: pdqhash " + ref_version() + " (Meta's C++ PDQ) with Pillow decoding, as python-threatexchange calls it.",
        "",
        "| images | n | reference 1 core | Vigie 1 core | speed-up 1 core | reference all cores | Vigie all cores | speed-up all cores | peak RSS ref / Vigie (1 core) | identical hash+quality |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, ext, n, r1, v1, rn, vn, same in rows:
        fmt = lambda r: f"{r['images_per_s']:.1f} img/s, {r['mp_per_s']:.1f} MP/s"
        lines.append(
            f"| {label} {ext.upper()} | {n} | {fmt(r1)} | {fmt(v1)} | {v1['seconds'] and r1['seconds'] / v1['seconds']:.2f}x "
            f"| {fmt(rn)} | {fmt(vn)} | {rn['seconds'] / vn['seconds']:.2f}x "
            f"| {r1['peak_rss_mib']:.0f} / {v1['peak_rss_mib']:.0f} MiB | {same}/{n} |"
        )
    big = [r for r in rows if r[0] != "0.1MP"]
    worst = min(r[3]["seconds"] / r[4]["seconds"] for r in big)
    lines += [
        "",
        f"Slowest single-core speed-up on images of 1 MP and more: {worst:.2f}x (target 2.0x).",
        "Hashes and qualities: " + ("identical on every image." if all_same else "DIFFERENCES, see the .tsv files in " + str(out)),
    ]
    text = "\n".join(lines)
    print(text)
    (out / "results.md").write_text(text + "\n")
    if not all_same:
        sys.exit(1)


def ref_version():
    try:
        from importlib.metadata import version

        return version("pdqhash") + ", Pillow " + version("Pillow")
    except Exception:
        return "?"


if __name__ == "__main__":
    main()
