#!/usr/bin/env bash
# HTTP benchmark: a release `vigie serve` holding a PDQ bank of N hashes (default 1,000,000),
# loaded from this same machine with wrk.
#
#   bench/http/run.sh            # N=1000000 DURATION=30 CONNECTIONS=32
#
# Measures: single-hash POST /v1/match (lookups/s, latency percentiles), hash-and-match of an
# uploaded 1600x1004 JPEG (requests/s), bank load time at start-up, and the server's resident
# memory. Needs wrk (Debian package `wrk`); installs it when missing and run as root.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
count="${N:-1000000}"
duration="${DURATION:-30}"
connections="${CONNECTIONS:-32}"
port="${PORT:-18080}"
out="$root/bench/out/http"
image="${IMAGE:-$root/testdata/pdq/data/bridge-mods/aaa-orig.jpg}"
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

if [ -z "${VIGIE_BIN:-}" ]; then
  cargo build --quiet --release -p vigie --manifest-path "$root/Cargo.toml"
fi
vigie="${VIGIE_BIN:-$root/target/release/vigie}"
data="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$data"' EXIT

echo "== generating $count synthetic PDQ hashes"
python3 "$here/make_bank.py" "$count" "$out/bank.txt" "$out/queries.txt"
"$vigie" --data-dir "$data" org create "Bench" --kind platform --country FR >/dev/null 2>&1
"$vigie" --data-dir "$data" bank create bench --type pdq --org Bench >/dev/null 2>&1
start=$(date +%s%N)
"$vigie" --data-dir "$data" bank import bench "$out/bank.txt" 2>&1 | tail -n 1
echo "import: $(( ($(date +%s%N) - start) / 1000000 )) ms"
token=$("$vigie" --data-dir "$data" token create --org Bench --role reviewer --expires 1d 2>/dev/null)

VIGIE_ADMIN_PASSWORD="bench admin password" "$vigie" --data-dir "$data" serve --listen "127.0.0.1:$port" \
  --log-format json >"$out/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
grep -o '"seconds":[0-9.]*' "$out/server.log" | head -n1 | sed 's/"seconds":/bank load at start-up (s): /'
echo "RSS after load: $(grep VmRSS /proc/$server/status)"

echo "== single-hash POST /v1/match, $connections connections, ${duration}s"
VIGIE_TOKEN="$token" QUERIES="$out/queries.txt" wrk -t1 -c"$connections" -d"${duration}s" --latency \
  -s "$here/match.lua" "http://127.0.0.1:$port" | tee "$out/match.txt"
echo "RSS after lookups: $(grep VmRSS /proc/$server/status) (peak: $(grep VmHWM /proc/$server/status))"

echo "== hash-and-match of $(basename "$image"), ${duration}s (edited copies looked for: the default)"
VIGIE_TOKEN="$token" IMAGE="$image" wrk -t1 -c8 -d"${duration}s" --latency \
  -s "$here/media.lua" "http://127.0.0.1:$port" | tee "$out/media.txt"
echo "== hash-and-match of $(basename "$image"), ${duration}s, exact_only (plain PDQ)"
VIGIE_TOKEN="$token" IMAGE="$image" EXACT_ONLY=true wrk -t1 -c8 -d"${duration}s" --latency \
  -s "$here/media.lua" "http://127.0.0.1:$port" | tee "$out/media-exact.txt"
echo "RSS after uploads: $(grep VmRSS /proc/$server/status) (peak: $(grep VmHWM /proc/$server/status))"
kill -TERM "$server"
wait "$server" || true
