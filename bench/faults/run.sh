#!/usr/bin/env bash
# Fault injection against a release `vigie serve`: a full disk under SQLite, and PostgreSQL
# terminated and stopped under load. Eight clients post distinct removal orders throughout;
# every id acknowledged with 201 is then looked up in the database.
#
#   bench/faults/run.sh                  # both scenarios
#   bench/faults/run.sh disk-full        # one (disk-full | database-down)
#
# Prints per phase the answers (201, 503 with Retry-After, other), how fast failures came back,
# what /readyz said, and at the end: acknowledged, stored, missing (the target is 0 missing,
# and 201s again after the fault without restarting the server).
#
# disk-full needs root (it mounts a 256 MiB tmpfs). database-down creates a throwaway PostgreSQL
# cluster of the installed version on its own port (PG_FAULTS_PORT, default 5439) with
# pg_createcluster, stops and restarts only that one, and drops it at the end: the local server on
# 5432, and whatever uses it, is not touched.
# Results: stdout and bench/out/faults/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scenarios="${*:-disk-full database-down}"
port="${PORT:-18095}"
pg_port="${PG_FAULTS_PORT:-5439}"
free_kb="${FREE_KB:-3700}"
out="$root/bench/out/faults"
mkdir -p "$out"
if [ -z "${VIGIE_BIN:-}" ]; then
  cargo build --quiet --release -p vigie --manifest-path "$root/Cargo.toml"
fi
vigie="${VIGIE_BIN:-$root/target/release/vigie}"
url="http://127.0.0.1:$port"
report="$out/results-$(date +%Y%m%d-%H%M%S).txt"
echo "# Faults: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$report"

server=""
poller=""
cleanup() {
  [ -n "$poller" ] && kill "$poller" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
}
trap cleanup EXIT

start_server() { # data dir, log name, extra args...
  local data="$1" log="$2"
  shift 2
  VIGIE_ADMIN_PASSWORD="faults admin password" "$vigie" --data-dir "$data" "$@" serve \
    --listen "127.0.0.1:$port" --log-format json >"$out/$log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -fs "$url/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "the server did not become ready; see $out/$log" >&2
  exit 1
}

start_poller() { # phase file
  python3 "$here/readiness.py" --url "$url" --phase-file "$1" >"$out/readyz.json" &
  poller=$!
}

stop_all() {
  kill -TERM "$poller" && wait "$poller" || true
  poller=""
  tee -a "$report" <"$out/readyz.json"
  kill -TERM "$server"
  wait "$server" || true
  server=""
}

phase() { # phase file, name, seconds, token, ids file
  echo "$2" >"$1"
  python3 "$here/load.py" --url "$url" --token "$4" --seconds "$3" --prefix "$2-$$" --out "$5" | tee -a "$report"
}

summary() { # scenario, ids file, stored ids file
  local acknowledged stored missing
  acknowledged=$(sort -u "$2" | wc -l)
  stored=$(sort -u "$2" | comm -12 - <(sort -u "$3") | wc -l)
  missing=$((acknowledged - stored))
  echo "== $1: acknowledged $acknowledged, stored $stored, missing $missing" | tee -a "$report"
  [ "$missing" -eq 0 ]
}

disk_full() {
  [ "$(id -u)" = 0 ] || { echo "disk-full needs root (to mount a tmpfs)" >&2; return 1; }
  local disk phase_file ids token
  disk="$(mktemp -d)"
  # Large enough that the space given back is not eaten again within the last phase.
  mount -t tmpfs -o size=256m tmpfs "$disk"
  phase_file="$out/phase"
  ids="$out/disk-full-acknowledged.txt"
  : >"$ids"
  echo "== disk-full: SQLite on a 256 MiB tmpfs, filled to ${free_kb} KB free, then freed" | tee -a "$report"
  "$vigie" --data-dir "$disk" org create "Fault Unit" --kind referral_unit --country FR >/dev/null 2>&1
  token=$("$vigie" --data-dir "$disk" token create --org "Fault Unit" --role referrer --expires 1d 2>/dev/null)
  start_server "$disk" server-disk-full.log
  start_poller "$phase_file"
  phase "$phase_file" before 5 "$token" "$ids"
  # Fill the disk, then give back FREE_KB.
  dd if=/dev/zero of="$disk/filler" bs=1M status=none 2>/dev/null || true
  truncate -s "-$((free_kb * 1024))" "$disk/filler"
  phase "$phase_file" full 15 "$token" "$ids"
  rm -f "$disk/filler"
  phase "$phase_file" freed 10 "$token" "$ids"
  stop_all
  python3 -c 'import sqlite3,sys,uuid
for (raw,) in sqlite3.connect(sys.argv[1]).execute("select id from submissions"): print(uuid.UUID(bytes=raw))' \
    "$disk/vigie.db" >"$out/disk-full-stored.txt"
  umount -l "$disk"
  summary disk-full "$ids" "$out/disk-full-stored.txt"
}

database_down() {
  command -v pg_createcluster >/dev/null || { echo "database-down needs pg_createcluster (postgresql-common)" >&2; return 1; }
  local version cluster pg_url data phase_file ids token scratch db
  version="$(ls /etc/postgresql | head -n1)"
  cluster="vigie-faults"
  pg_dropcluster --stop "$version" "$cluster" 2>/dev/null || true
  pg_createcluster "$version" "$cluster" -p "$pg_port" -- --auth=trust >/dev/null
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
  pg_url="postgres://postgres@127.0.0.1:$pg_port"
  data="$(mktemp -d)"
  phase_file="$out/phase"
  ids="$out/database-down-acknowledged.txt"
  : >"$ids"
  scratch="vigie_faults_$$"
  psql "$pg_url/postgres" -qc "drop database if exists $scratch" -c "create database $scratch"
  db="$pg_url/$scratch"
  echo "== database-down: PostgreSQL connections terminated, then the server stopped for 10 s" | tee -a "$report"
  "$vigie" --db "$db" --data-dir "$data" org create "Fault Unit" --kind referral_unit --country FR >/dev/null 2>&1
  token=$("$vigie" --db "$db" --data-dir "$data" token create --org "Fault Unit" --role referrer --expires 1d 2>/dev/null)
  start_server "$data" server-database-down.log --db "$db"
  start_poller "$phase_file"
  phase "$phase_file" before 5 "$token" "$ids"
  (sleep 2; psql "$pg_url/postgres" -qAtc \
    "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = '$scratch'" >/dev/null) &
  local terminator=$!
  phase "$phase_file" terminated 6 "$token" "$ids"
  # Only this job: the server and the readiness poller run in the background too.
  wait "$terminator"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop -m fast
  phase "$phase_file" stopped 10 "$token" "$ids"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
  phase "$phase_file" restarted 10 "$token" "$ids"
  stop_all
  psql "$db" -Atc "select id from submissions" >"$out/database-down-stored.txt"
  pg_dropcluster --stop "$version" "$cluster"
  summary database-down "$ids" "$out/database-down-stored.txt"
}

status=0
for scenario in $scenarios; do
  case "$scenario" in
    disk-full) disk_full || status=1 ;;
    database-down) database_down || status=1 ;;
    *) echo "unknown scenario $scenario (disk-full, database-down)" >&2; exit 2 ;;
  esac
done
echo "Report: $report"
exit "$status"
