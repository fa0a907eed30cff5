#!/usr/bin/env bash
# Posts decompression bombs and oversized images to a `vigie serve --demo` as an attacker would:
# anonymously through the public form (/report, with its CSRF cookie and field) and through the
# API with a token (/v1/submissions, then the background media worker), one fresh server per
# case, and prints the server's peak resident memory (VmHWM) for each, with the answer.
#
# usage: bench/faults/bombs.sh [PORT]      (default 18081; files go to bench/out/faults/)
# Needs: curl, python3; builds target/release/vigie when it is missing (VIGIE=path/to/vigie
# measures another build).
set -euo pipefail

cd "$(dirname "$0")/../.."
port="${1:-18081}"
out=bench/out/faults
vigie="${VIGIE:-target/release/vigie}"
base="http://127.0.0.1:$port"
work=$(mktemp -d /tmp/vigie-faults.XXXXXX)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

[ -x "$vigie" ] || cargo build --release
if [ ! -f "$out/webp-groups.webp" ]; then
    python3 bench/faults/make_bombs.py "$out" testdata
fi

# Starts a fresh server on a new data dir; sets $server and $data.
start() {
    data="$work/$1"
    rm -rf "$data"
    "$vigie" serve --demo --listen "127.0.0.1:$port" --data-dir "$data" >"$data.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        curl -fs "$base/healthz" >/dev/null 2>&1 && return
        sleep 0.1
    done
    echo "server did not start: $(tail -5 "$data.log")" >&2
    exit 1
}

# Waits until the server has used no CPU for a second (the media worker is done).
settle() {
    local before after
    sleep 1
    after=$(awk '{print $14 + $15}' "/proc/$server/stat")
    while true; do
        sleep 1
        before=$after
        after=$(awk '{print $14 + $15}' "/proc/$server/stat")
        [ "$before" = "$after" ] && return
    done
}

peak_mib() {
    awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$server/status"
}

stop() {
    kill "$server"
    wait "$server" 2>/dev/null || true
}

via_form() {
    local file=$1 jar="$work/jar" page csrf
    page=$(curl -fs -c "$jar" "$base/report")
    csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' <<<"$page" | head -1 | sed 's/.*value="//; s/"//')
    curl -s -o "$work/answer" -w '%{http_code}' -b "$jar" \
        -F "csrf=$csrf" -F category=propaganda -F url=https://v.example.net/bomb -F "media=@$file" "$base/report"
}

via_api() {
    local file=$1 token
    token=$("$vigie" token create --org Operator --role admin --expires 1d --data-dir "$data" 2>/dev/null)
    curl -s -o "$work/answer" -w '%{http_code}' -H "Authorization: Bearer $token" \
        -F 'submission={"kind":"user_report","category":"propaganda","url":"https://v.example.net/bomb","seen_where":"video_platform"};type=application/json' \
        -F "media=@$file" "$base/v1/submissions"
}

# What the answer says: the API's problem detail for the file, or the form's error.
outcome() {
    if [ "$(head -c1 "$work/answer")" = "{" ] && grep -q '"errors"' "$work/answer"; then
        python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["errors"][0]; print(e["message"][:150])' "$work/answer"
    elif grep -q 'id="errors"' "$work/answer"; then
        grep -o 'the image cannot be read[^<]*' "$work/answer" | head -1 || echo "form error"
    else
        echo "accepted"
    fi
}

printf '%-30s %10s %-6s %5s %9s  %s\n' file bytes path http "peak MiB" outcome
start idle
settle
printf '%-30s %10s %-6s %5s %9s\n' "(idle demo server)" - - - "$(peak_mib)"
stop
for file in "$out"/*; do
    name=$(basename "$file")
    for path in form api; do
        start "$name-$path"
        settle
        if [ "$path" = form ]; then code=$(via_form "$file"); else code=$(via_api "$file"); fi
        settle
        printf '%-30s %10s %-6s %5s %9s  %s\n' "$name" "$(stat -c %s "$file")" "$path" "$code" "$(peak_mib)" "$(outcome)"
        if grep -q "media identification failed\|panicked" "$data.log"; then
            grep "media identification failed\|panicked" "$data.log" | head -2 | sed 's/^/    log: /'
        fi
        stop
    done
done
