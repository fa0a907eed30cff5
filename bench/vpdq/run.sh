#!/usr/bin/env bash
# vPDQ benchmark: frames hashed per second on Meta's sample videos, against ffmpeg decoding
# the same frames alone to /dev/null (the ceiling: Vigie cannot be faster than its decoder).
#
# For each video, with every frame hashed (seconds-per-hash 0):
#   decode  = ffmpeg with exactly the arguments Vigie uses, output to /dev/null
#   vigie   = vigie-video's hash_video (the code behind `vigie hash`), through the
#             `vpdq_hash` example, output to /dev/null
# Each is run RUNS times (default 5) alternately; the table shows the medians. Overhead is
# vigie / decode - 1. Load (uptime) is recorded before and after: the machine may be shared.
#
# Usage: bench/vpdq/run.sh [VIDEO_DIR]    (default ../shared/testdata/vpdq/videos)
# Needs: ffmpeg, ffprobe, cargo, python3. Results: stdout and bench/out/vpdq/.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
videos=${1:-$root/../shared/testdata/vpdq/videos}
runs=${RUNS:-5}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
out_dir=$root/bench/out/vpdq
mkdir -p "$out_dir"

command -v ffmpeg >/dev/null || { echo "ffmpeg not found: apt-get install ffmpeg" >&2; exit 1; }
(cd "$root" && cargo build --release --quiet -p vigie-video --example vpdq_hash)
bin=$CARGO_TARGET_DIR/release/examples/vpdq_hash

now() { date +%s.%N; }
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

load_before=$(uptime)
report=$out_dir/results-$(date +%Y%m%d-%H%M%S).md
{
  echo "# vPDQ hashing vs ffmpeg decoding alone"
  echo
  echo "- machine: $(nproc) cores, $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
  echo "- load before: ${load_before#*load average: }"
  echo "- runs per measure: $runs (median shown), every frame hashed (seconds-per-hash 0)"
  echo
  echo "| video | size | frames | decode s | decode fps | vigie s | vigie fps | overhead |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
} | tee "$report"

tot_frames=0; tot_dec=0; tot_vig=0
for video in "$videos"/*.mp4; do
  name=$(basename "$video" .mp4)
  mapfile -t args < <(VPDQ_PRINT_ARGS=1 "$bin" "$video" 0)
  frames=$("$bin" "$video" 0 | wc -l)
  size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$video")
  dec=(); vig=()
  for _ in $(seq "$runs"); do
    t0=$(now); ffmpeg "${args[@]}" >/dev/null 2>&1; t1=$(now)
    "$bin" "$video" 0 >/dev/null; t2=$(now)
    dec+=("$(python3 -c "print($t1 - $t0)")"); vig+=("$(python3 -c "print($t2 - $t1)")")
  done
  d=$(median "${dec[@]}"); v=$(median "${vig[@]}")
  tot_frames=$((tot_frames + frames)); tot_dec=$(python3 -c "print($tot_dec + $d)"); tot_vig=$(python3 -c "print($tot_vig + $v)")
  python3 -c "
f,d,v=$frames,$d,$v
print(f'| $name | $size | {f} | {d:.3f} | {f/d:.0f} | {v:.3f} | {f/v:.0f} | {100*(v/d-1):+.0f} % |')" | tee -a "$report"
done
python3 -c "
f,d,v=$tot_frames,$tot_dec,$tot_vig
print(f'| **all** | | {f} | {d:.3f} | {f/d:.0f} | {v:.3f} | {f/v:.0f} | {100*(v/d-1):+.0f} % |')" | tee -a "$report"
{
  echo
  echo "- load after: $(uptime | sed 's/.*load average: //')"
  echo "- report: ${report#"$root"/}"
} | tee -a "$report"
