#!/bin/bash
# Minimises the corpus of one fuzz target into fixtures/fuzz/<target>/ (the regression inputs):
# libFuzzer's set-cover merge on edges, then a greedy set cover over each input's features capped at
# MAX inputs (default 300), so the repository keeps a few hundred small files per target.
# Usage: scripts/minimise.sh <target> [MAX]   (run from fuzz/, after `cargo fuzz build <target>`)
set -euo pipefail
target=$1
max=${2:-300}
bin=target/x86_64-unknown-linux-gnu/release/$target
out=../fixtures/fuzz/$target
work=$(mktemp -d)
"$bin" -set_cover_merge=1 -use_counters=0 "$work" "corpus/$target" "$out" > /dev/null 2>&1 || true
mkdir -p "$work/empty"
"$bin" -merge=1 -use_counters=0 -merge_control_file="$work/control" "$work/empty" "$work" > /dev/null 2>&1 || true
python3 scripts/greedy_cover.py "$work/control" "$max" "$out"
rm -rf "$work"
