#!/usr/bin/env bash
# Actions benchmark (issue 15): decisions asking a platform to remove content, to webhook
# deliveries acknowledged by a receiver on this machine (signatures checked), through the
# production router, store and delivery worker. Throughput: events delivered per second by one
# worker with everything queued. Latency: decisions at steady rates (100, 250 and 500 a second,
# 20 s each), p50/p90/p99/max time from a decision's commit to its event's arrival. The bars: at
# least 1,000 events/s, p99 under 1 s.
#
#   bench/actions/run.sh                          # both databases, 10,000 events each
#   BACKENDS=sqlite EVENTS=2000 RATES=100 SECONDS_PER_RATE=5 bench/actions/run.sh
#
# PostgreSQL: a server at PG_URL (default postgres://postgres@127.0.0.1:5432) where the scratch
# database vigie_bench_actions is created, then dropped. Results: stdout and bench/out/actions/.
# Exit status 1 when a bar is missed, 2 on an error.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
backends="${BACKENDS:-sqlite postgres}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
scratch="vigie_bench_actions"
args=(--events "${EVENTS:-10000}" --rates "${RATES:-100,250,500}" --seconds "${SECONDS_PER_RATE:-20}")
out="$root/bench/out/actions"
mkdir -p "$out"

if [ -z "${BENCH_BIN:-}" ]; then
  echo "== building (release)"
  cargo build --quiet --release -p vigie-bench-actions --manifest-path "$root/Cargo.toml"
fi
bench="${BENCH_BIN:-$root/target/release/vigie-bench-actions}"
report="$out/results-$(date +%Y%m%d-%H%M%S).md"
{
  echo "# Actions benchmark, $(date -u +%Y-%m-%dT%H:%MZ): ${args[*]}"
  echo
  echo "| database | run | throughput | p50 | p90 | p99 | max | bad signatures |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
} >"$report"

status=0
for backend in $backends; do
  case "$backend" in
    sqlite)
      dir="$(mktemp -d)"
      "$bench" --database "sqlite://$dir/bench.db" "${args[@]}" --report "$report" || status=$?
      rm -rf "$dir"
      ;;
    postgres)
      psql "$pg_url/postgres" -qc "drop database if exists $scratch" -c "create database $scratch" >/dev/null
      "$bench" --database "$pg_url/$scratch" "${args[@]}" --report "$report" || status=$?
      psql "$pg_url/postgres" -qc "drop database if exists $scratch" >/dev/null
      ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
done
echo "== report: $report"
exit "$status"
