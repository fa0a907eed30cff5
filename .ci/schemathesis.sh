#!/usr/bin/env bash
# Checks that the OpenAPI document is true: schemathesis (from PyPI, pinned) generates requests
# from /v1/openapi.json against `vigie serve --demo`, on SQLite and then on PostgreSQL, and fails
# on any 5xx, any status or content type the document does not list, any response that does
# not match its schema, any request the schema forbids that is accepted, and any request it
# allows that is refused (the exceptions are in .ci/schemathesis.toml, each with its reason).
#
#   .ci/schemathesis.sh [--all-checks] [sqlite|postgres]...      (default: both)
#
# --all-checks also reports schema-valid requests refused and schema-violating ones accepted
# (see .ci/schemathesis.toml for why CI leaves those two checks out).
#
# VIGIE selects the binary (default: target/debug/vigie, built if missing); VIGIE_TEST_POSTGRES_URL
# the PostgreSQL server (a database `vigie_schemathesis` is created there and dropped after).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
VIGIE=${VIGIE:-$root/target/debug/vigie}
[ -x "$VIGIE" ] || cargo build -p vigie --locked
extra=()
if [ "${1:-}" = --all-checks ]; then
  extra=(--checks all)
  shift
fi
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(sqlite postgres)

venv=$root/target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis==4.32.5'
fi

work=$(mktemp -d)
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

for backend in "${backends[@]}"; do
  echo "==> schemathesis on $backend"
  data="$work/$backend"
  mkdir -p "$data"
  db=()
  if [ "$backend" = postgres ]; then
    base=${VIGIE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
    psql "$base" -qc 'drop database if exists vigie_schemathesis' -c 'create database vigie_schemathesis'
    db=(--db "${base%/*}/vigie_schemathesis")
  fi
  port=$(free_port)
  VIGIE_ADMIN_PASSWORD=schemathesis-password "$VIGIE" serve --demo --data-dir "$data" "${db[@]}" \
    --listen "127.0.0.1:$port" >"$work/$backend.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/$backend.log"; exit 1; }
    sleep 0.2
  done
  token=$("$VIGIE" token create --data-dir "$data" "${db[@]}" --org Operator --role admin --name schemathesis 2>/dev/null)
  status=0
  API_TOKEN=$token "$venv/bin/schemathesis" --config-file .ci/schemathesis.toml \
    run "${extra[@]}" "http://127.0.0.1:$port/v1/openapi.json" || status=$?
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
  if grep -q 'panicked' "$work/$backend.log"; then
    echo "the server panicked:" >&2
    grep -A5 'panicked' "$work/$backend.log" >&2
    status=1
  fi
  if [ "$backend" = postgres ]; then
    psql "$base" -qc 'drop database if exists vigie_schemathesis'
  fi
  [ "$status" -eq 0 ] || { echo "schemathesis found problems on $backend" >&2; exit "$status"; }
done
