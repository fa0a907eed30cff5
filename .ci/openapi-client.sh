#!/usr/bin/env bash
# Checks that a client generated from the OpenAPI document works: openapi-python-client (from
# PyPI, pinned) generates a typed Python client from /v1/openapi.json of `vigie serve --demo`,
# and .ci/openapi_client_check.py uses it as an integrator would (lists with query parameters,
# a removal order built from the generated models, its receipt, a match, a problem body).
#
#   .ci/openapi-client.sh        (VIGIE selects the binary; default target/debug/vigie)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
VIGIE=${VIGIE:-$root/target/debug/vigie}
[ -x "$VIGIE" ] || cargo build -p vigie --locked

venv=$root/target/openapi-client-venv
if [ ! -x "$venv/bin/openapi-python-client" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'openapi-python-client==0.29.1'
fi

work=$(mktemp -d)
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
VIGIE_ADMIN_PASSWORD=openapi-client-password "$VIGIE" serve --demo --data-dir "$work/data" \
  --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/v1/openapi.json" >"$work/openapi.json"
# Warnings name what the generator skips; the check below fails if anything it uses is missing.
(cd "$work" && "$venv/bin/openapi-python-client" generate --path openapi.json --meta none \
  --output-path vigie_client >generate.log 2>&1) || { cat "$work/generate.log"; exit 1; }
grep -A2 WARNING "$work/generate.log" || true
referrer=$("$VIGIE" token create --data-dir "$work/data" --org unite-nationale-de-signalement \
  --role referrer --name client-check 2>/dev/null)
reviewer=$("$VIGIE" token create --data-dir "$work/data" --org videoshare --role reviewer --name client-check 2>/dev/null)
# The demo platform by its slug, as the order's `platform` and the queue's `?platform=` take it.
PYTHONPATH="$work" "$venv/bin/python" .ci/openapi_client_check.py "http://127.0.0.1:$port" "$referrer" "$reviewer" videoshare
