#!/usr/bin/env bash
# Matching benchmark: Vigie's PdqIndex against FAISS on the same PDQ hashes and queries, in the same run.
#
#   bench/match/run.sh                 # 1M and 10M hashes, uniform and clustered; about 10-15 minutes on 2 cores
#   SIZES=1000000 bench/match/run.sh   # 1M only (about 2 minutes)
#
# Installs faiss-cpu and numpy into bench/.venv (reused if present), builds Vigie's driver
# (crates/match/examples/match_bench.rs) in release mode, generates deterministic datasets under
# bench/out/match (raw 32-byte hashes: uniform random, and clustered families of near-duplicates within
# 0-30 bits of a seed, seeded first by testdata/pdq/data/reg-test-input), then for each dataset
# times single-threaded range searches at distance <= 31 with Vigie and with FAISS's IndexBinaryFlat,
# IndexBinaryMultiHash(256,16,16) with 1 flip (as HMA configures it) and IndexBinaryMultiHash(256,12,21) with
# 2 flips. Prints a markdown table, also written to bench/out/match/results.md (raw figures: results.json).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/bench/.venv"
out="$root/bench/out/match"
testdata="$root/testdata/pdq/data/reg-test-input"

if [ ! -d "$testdata" ]; then
    echo "run.sh: missing $testdata (the repository's reference data)" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

cd "$root"
cargo build --quiet --release -p vigie-match --example match_bench
target_dir="$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

mkdir -p "$out"
"$venv/bin/python" "$here/bench.py" \
    --vigie "$target_dir/release/examples/match_bench" \
    --testdata "$testdata" \
    --out "$out" \
    --sizes "${SIZES:-1000000 10000000}" \
    --queries "${QUERIES:-20000}"
