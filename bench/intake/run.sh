#!/usr/bin/env bash
# Intake load benchmark: sustained JSON submissions per second and p50/p99 latency against a
# release `vigie serve`, on SQLite and on PostgreSQL, with the same server's GET /healthz as the
# ceiling in the same run; then checks that every acknowledged submission (201) is stored.
#
#   bench/intake/run.sh                      # DURATION=20 CONNECTIONS=32, both databases
#   BACKENDS=sqlite bench/intake/run.sh      # one database
#
# Needs wrk (Debian package `wrk`; installed when missing, as root) and, for PostgreSQL, a server
# at PG_URL (default postgres://postgres@127.0.0.1:5432) where a scratch database is created and
# dropped. Results: stdout and bench/out/intake/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration="${DURATION:-20}"
connections="${CONNECTIONS:-32}"
port="${PORT:-18090}"
backends="${BACKENDS:-sqlite postgres}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
out="$root/bench/out/intake"
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ -z "${VIGIE_BIN:-}" ]; then
  cargo build --quiet --release -p vigie --manifest-path "$root/Cargo.toml"
fi
vigie="${VIGIE_BIN:-$root/target/release/vigie}"
report="$out/results-$(date +%Y%m%d-%H%M%S).md"
echo "# Intake load: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg), ${duration}s per run, $connections connections" | tee "$report"

stored_ids() { # backend, data dir, database url: one submission id per line
  if [ "$1" = sqlite ]; then
    python3 -c 'import sqlite3,sys,uuid
for (raw,) in sqlite3.connect(sys.argv[1]).execute("select id from submissions"): print(uuid.UUID(bytes=raw))' "$2/vigie.db"
  else
    psql "$3" -Atc "select id from submissions"
  fi
}

for backend in $backends; do
  data="$(mktemp -d)"
  db_args=()
  db_url=""
  if [ "$backend" = postgres ]; then
    scratch="vigie_bench_$$"
    psql "$pg_url/postgres" -qc "drop database if exists $scratch" -c "create database $scratch"
    db_url="$pg_url/$scratch"
    db_args=(--db "$db_url")
  fi
  "$vigie" --data-dir "$data" "${db_args[@]}" org create "Bench Unit" --kind referral_unit --country FR >/dev/null 2>&1
  token=$("$vigie" --data-dir "$data" "${db_args[@]}" token create --org "Bench Unit" --role referrer --expires 1d 2>/dev/null)
  VIGIE_ADMIN_PASSWORD="bench admin password" "$vigie" --data-dir "$data" "${db_args[@]}" serve \
    --listen "127.0.0.1:$port" --log-format json >"$out/server-$backend.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

  echo "== $backend: ceiling, GET /healthz" | tee -a "$report"
  wrk -t1 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$port/healthz" >"$out/ceiling-$backend.txt"
  grep -E "Requests/sec|  50%|  99%" "$out/ceiling-$backend.txt" | tee -a "$report"

  echo "== $backend: POST /v1/submissions" | tee -a "$report"
  acked_dir="$(mktemp -d)"
  VIGIE_TOKEN="$token" ACKED_DIR="$acked_dir" wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$here/submit.lua" \
    "http://127.0.0.1:$port" >"$out/submit-$backend.txt"
  grep -E "Requests/sec|status|p50_ms|p99_ms|Non-2xx|Socket errors" "$out/submit-$backend.txt" | tee -a "$report"
  kill -TERM "$server"; wait "$server" || true

  # Every id answered 201 must be in the database after the server stopped. (A few more may be
  # stored: requests in flight when wrk stopped reading.)
  stored_ids "$backend" "$data" "$db_url" | sort >"$acked_dir/stored"
  cat "$acked_dir"/acked-*.txt | sort >"$acked_dir/acked"
  missing=$(comm -23 "$acked_dir/acked" "$acked_dir/stored" | wc -l)
  echo "acknowledged (201): $(wc -l <"$acked_dir/acked"), stored: $(wc -l <"$acked_dir/stored"), acknowledged but missing: $missing" | tee -a "$report"
  [ "$missing" = 0 ] || { echo "FAILED: acknowledged submissions are missing" | tee -a "$report"; status=1; }
  rm -rf "$acked_dir"
  [ "$backend" = postgres ] && psql "$pg_url/postgres" -qc "drop database $scratch"
  rm -rf "$data"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); report: $report"
exit "${status:-0}"
