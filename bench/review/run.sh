#!/usr/bin/env bash
# Review benchmark (issue 14): a new database holding 100,000 open cases and 300,000
# submissions, then the review queue, filtered queues, case pages and the console's pages,
# asked of the production router one at a time; p50/p90/p99/max server time per request, on
# SQLite and on PostgreSQL. The bar: p99 under 100 ms.
#
#   bench/review/run.sh                                   # both databases, full size
#   BACKENDS=sqlite bench/review/run.sh                   # one database
#   CASES=10000 SUBMISSIONS=30000 ROUNDS=100 bench/review/run.sh   # a quick look
#
# PostgreSQL: a server at PG_URL (default postgres://postgres@127.0.0.1:5432) where the scratch
# database vigie_bench_review is created, then dropped. Results: stdout and bench/out/review/.
# Exit status 1 when a request's p99 reached 100 ms, 2 on an error.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
backends="${BACKENDS:-sqlite postgres}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
scratch="vigie_bench_review"
args=(--cases "${CASES:-100000}" --submissions "${SUBMISSIONS:-300000}" --rounds "${ROUNDS:-300}")
out="$root/bench/out/review"
mkdir -p "$out"

if [ -z "${BENCH_BIN:-}" ]; then
  echo "== building (release)"
  cargo build --quiet --release -p vigie-bench-review --manifest-path "$root/Cargo.toml"
fi
bench="${BENCH_BIN:-$root/target/release/vigie-bench-review}"
report="$out/results-$(date +%Y%m%d-%H%M%S).md"
echo "# Review benchmark, $(date -u +%Y-%m-%dT%H:%MZ): ${args[*]}" >"$report"

data=""
cleanup() {
  [ -n "$data" ] && rm -rf "$data"
  if [[ " $backends " == *" postgres "* ]]; then
    psql "$pg_url/postgres" -qc "drop database if exists $scratch" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

status=0
for backend in $backends; do
  case "$backend" in
    sqlite)
      data="$(mktemp -d)"
      url="sqlite://$data/vigie.db"
      ;;
    postgres)
      psql "$pg_url/postgres" -qc "drop database if exists $scratch" -c "create database $scratch"
      url="$pg_url/$scratch"
      ;;
    *) echo "unknown backend $backend (sqlite, postgres)" >&2; exit 2 ;;
  esac
  echo "== $backend"
  started=$(date +%s)
  "$bench" --database "$url" "${args[@]}" --report "$report" || status=$?
  echo "$backend: $(( $(date +%s) - started )) s from empty database to results" | tee -a "$report"
  if [ "$backend" = sqlite ]; then
    echo "SQLite file: $(du -sh "$data" | cut -f1)" | tee -a "$report"
    rm -rf "$data"
    data=""
  else
    psql "$pg_url/postgres" -qc "drop database $scratch"
  fi
  [ "$status" -le 1 ] || break
done
echo "report: $report"
exit "$status"
