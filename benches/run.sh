#!/usr/bin/env bash
# Regenerates the figures of BENCHMARKS.md: runs every bench of fer-benches (short criterion
# settings, a few minutes in all), then rewrites the part of BENCHMARKS.md between the
# `figures:start` and `figures:end` markers with the machine, the load and the report table.
#
#   benches/run.sh            # every bench, then the report
#   benches/run.sh --report   # only the report, from the results already in target/criterion
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
doc="$root/BENCHMARKS.md"

# The run's window and load are kept beside the results, so that `--report` states the run's.
run_info="${CARGO_TARGET_DIR:-$root/target}/fer-benches/run.txt"
if [[ "${1:-}" != "--report" ]]; then
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    started="$(date -u '+%Y-%m-%d %H:%M')"
    # validate.rs keeps criterion's default config, so its short settings come from the command line;
    # the other benches carry theirs (sample size 10-20, a few seconds each) in their config.
    cargo bench -p fer-benches --bench validate -- --warm-up-time 1 --measurement-time 5 --sample-size 10
    cargo bench -p fer-benches --bench codec --bench schema --bench webhook --bench webhook_ab --bench upload
    load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
    mkdir -p "$(dirname "$run_info")"
    {
        echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores" \
            "(shared with other builds), $(rustc -V | cut -d' ' -f1-2), run $started–$(date -u '+%H:%M') UTC."
        echo "Load average (1, 5, 15 min) before the run: $load_before; after: $load_after."
    } >"$run_info"
fi

figures="$(mktemp)"
trap 'rm -f "$figures"' EXIT
{
    if [[ -f "$run_info" ]]; then cat "$run_info"; else echo "(run.sh was not run in this target folder: machine and load unknown)"; fi
    echo
    cargo run -q --profile bench -p fer-benches --bin report
} >"$figures"

awk -v figures="$figures" '
    /<!-- figures:start -->/ { print; while ((getline line < figures) > 0) print line; skip = 1; next }
    /<!-- figures:end -->/ { skip = 0 }
    !skip { print }
' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
echo "BENCHMARKS.md updated"
