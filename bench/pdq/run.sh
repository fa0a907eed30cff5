#!/usr/bin/env bash
# PDQ benchmark: Vigie against Meta's reference on the same images, in the same run.
#
#   bench/pdq/run.sh            # from anywhere; takes about 2-3 minutes on 2 cores
#
# Installs the reference (the `pdqhash` PyPI package: Meta's C++ PDQ, with Pillow decoding, as
# python-threatexchange uses it) into bench/.venv, generates a deterministic synthetic image set
# (0.1 to 24 megapixels, JPEG and PNG) into bench/out/pdq/images, builds Vigie's benchmark driver
# (crates/hash/examples/pdq_bench.rs) in release mode, and prints a markdown table, also written to
# bench/out/pdq/results.md. Exits non-zero if any hash or quality differs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/bench/.venv"
out="$root/bench/out/pdq"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

"$venv/bin/python" "$here/make_images.py" "$out/images"

cd "$root"
cargo build --quiet --release -p vigie-hash --example pdq_bench
target_dir="$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

"$venv/bin/python" "$here/bench.py" \
    --vigie "$target_dir/release/examples/pdq_bench" \
    --images "$out/images" \
    --out "$out" \
    --repeat "${REPEAT:-3}"
