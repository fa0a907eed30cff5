#!/usr/bin/env bash
# vPDQ benchmark: frames hashed per second on Meta's sample videos, against ffmpeg decoding
# the same frames alone to /dev/null (the ceiling: Vigie cannot be faster than its decoder).
#
# For each video, with every frame hashed (seconds-per-hash 0):
#   decode  = ffmpeg with exactly the arguments Vigie uses (same filter graph, given on
#             standard input at once, same output pixel format: the decoder's own 4:2:0
#             planes, ffmpeg's default threads), output to /dev/null: the strict ceiling
#   rgb     = the same, converting to packed RGB (`format=rgb24`, swscale's area method):
#             the raw frames the vPDQ reference decodes to and hashes, what hashing the
#             reference's way would have to decode (Vigie converts in Rust instead, because
#             swscale's x86 code rounds differently from the reference's files)
#   vigie   = vigie-video's hash_video (the code behind `vigie hash`: ffprobe and ffmpeg
#             started at once, ffmpeg given its filter graph when ffprobe answers; frames
#             through a Unix socket, hashed on worker threads at a lower priority), through
#             the `vpdq_hash` example, to /dev/null
#   probe   = the ffprobe call Vigie makes, run alone (in vigie it overlaps ffmpeg's start-up)
# Each is run RUNS times (default 5) alternately; the table shows the medians of wall time
# (date, nanoseconds) and of CPU time (user + system, children included, from GNU time, in
# hundredths of a second). Overhead is vigie / decode - 1 (and vigie / rgb - 1).
# Load (uptime) is recorded before and after: the machine may be shared, and a loaded machine
# slows both, unevenly; compare runs made at low load.
#
# Usage: bench/vpdq/run.sh [VIDEO_DIR]    (default testdata/vpdq/videos)
# Needs: ffmpeg, ffprobe, cargo, python3, GNU time (/usr/bin/time). Results: stdout and
# bench/out/vpdq/.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
videos=${1:-$root/testdata/vpdq/videos}
runs=${RUNS:-5}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
out_dir=$root/bench/out/vpdq
mkdir -p "$out_dir"

command -v ffmpeg >/dev/null || { echo "ffmpeg not found: apt-get install ffmpeg" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time not found: apt-get install time" >&2; exit 1; }
(cd "$root" && cargo build --release --quiet -p vigie-video --example vpdq_hash)
bin=$CARGO_TARGET_DIR/release/examples/vpdq_hash
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs a command with $input on its standard input and its output to /dev/null; prints
# "wall cpu" in seconds.
input=
timed() {
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -o "$tmp/t" -f '%U %S' "$@" < <(printf '%s' "$input") >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  read -r u s <"$tmp/t"
  python3 -c "print($t1 - $t0, $u + $s)"
}
median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

load_before=$(uptime)
report=$out_dir/results-$(date +%Y%m%d-%H%M%S).md
{
  echo "# vPDQ hashing vs ffmpeg decoding alone"
  echo
  echo "- machine: $(nproc) cores, $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
  echo "- load before: ${load_before#*load average: }"
  echo "- runs per measure: $runs (median shown), every frame hashed (seconds-per-hash 0)"
  echo "- wall time in seconds; cpu = user + system seconds of all processes"
  echo
  echo "| video | size | frames | decode s | decode fps | rgb s | vigie s | vigie fps | overhead | vs rgb | probe s | decode cpu | vigie cpu |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} | tee "$report"

tot_frames=0; tot_dec=0; tot_rgb=0; tot_vig=0; tot_probe=0; tot_dcpu=0; tot_vcpu=0
for video in "$videos"/*.mp4; do
  name=$(basename "$video" .mp4)
  mapfile -t args < <(VPDQ_PRINT_ARGS=1 "$bin" "$video" 0)
  filters=$(VPDQ_PRINT_ARGS=filters "$bin" "$video" 0)
  frames=$("$bin" "$video" 0 | wc -l)
  size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$video")
  # The ffprobe call of vigie_video::probe.
  probe_args=(-v error -select_streams v:0 -show_entries
    "stream=width,height,avg_frame_rate,r_frame_rate,nb_frames,duration,pix_fmt:format=duration" -of default "$video")
  rgb_filters="scale=${size%x*}:${size#*x}:flags=area,format=rgb24"
  dec=(); rgb=(); vig=(); dcpu=(); vcpu=(); prb=()
  for _ in $(seq "$runs"); do
    input=$filters
    read -r w c < <(timed ffmpeg "${args[@]}"); dec+=("$w"); dcpu+=("$c")
    input=$rgb_filters
    read -r w _ < <(timed ffmpeg "${args[@]}"); rgb+=("$w")
    input=
    read -r w c < <(timed "$bin" "$video" 0); vig+=("$w"); vcpu+=("$c")
    read -r w c < <(timed ffprobe "${probe_args[@]}"); prb+=("$w")
  done
  d=$(median "${dec[@]}"); r=$(median "${rgb[@]}"); v=$(median "${vig[@]}"); p=$(median "${prb[@]}")
  dc=$(median "${dcpu[@]}"); vc=$(median "${vcpu[@]}")
  tot_frames=$((tot_frames + frames))
  read -r tot_dec tot_rgb tot_vig tot_probe tot_dcpu tot_vcpu < <(python3 -c \
    "print($tot_dec + $d, $tot_rgb + $r, $tot_vig + $v, $tot_probe + $p, $tot_dcpu + $dc, $tot_vcpu + $vc)")
  python3 -c "
f,d,r,v,p,dc,vc=$frames,$d,$r,$v,$p,$dc,$vc
print(f'| $name | $size | {f} | {d:.3f} | {f/d:.0f} | {r:.3f} | {v:.3f} | {f/v:.0f} | {100*(v/d-1):+.0f} % | {100*(v/r-1):+.0f} % | {p:.3f} | {dc:.2f} | {vc:.2f} |')" |
    tee -a "$report"
done
python3 -c "
f,d,r,v,p,dc,vc=$tot_frames,$tot_dec,$tot_rgb,$tot_vig,$tot_probe,$tot_dcpu,$tot_vcpu
print(f'| **all** | | {f} | {d:.3f} | {f/d:.0f} | {r:.3f} | {v:.3f} | {f/v:.0f} | {100*(v/d-1):+.0f} % | {100*(v/r-1):+.0f} % | {p:.3f} | {dc:.2f} | {vc:.2f} |')" |
  tee -a "$report"
{
  echo
  echo "- load after: $(uptime | sed 's/.*load average: //')"
  echo "- report: ${report#"$root"/}"
} | tee -a "$report"
