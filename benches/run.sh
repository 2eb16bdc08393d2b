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
    # The region case: about a million slots, generated once and cached under the target folder;
    # wall time and peak RSS of `fer validate` and of the JSON Schema route on the same files,
    # medians of three runs each. FER_BEFORE=<an older fer binary> adds its row for comparison.
    target="${CARGO_TARGET_DIR:-$root/target}"
    region="$target/region-1m"
    cargo build -q --release -p fer-cli --bin fer
    cargo build -q --release -p fer-benches --bin region --bin emulator_region
    if [[ ! -f "$region/slot.json" ]]; then
        "$target/release/fer" sample --mos 250 --slots 32 --days 30 --out "$region" >/dev/null
    fi
    # The same region for one organisation: what one `fer push` (one login) sends.
    org=1.2.643.5.1.13.13.12.2.77.7777
    if [[ ! -f "$region-one/slot.json" ]]; then
        "$target/release/fer" sample --mos 250 --slots 32 --days 30 --org "$org" --out "$region-one" >/dev/null
    fi
    # `fer push` to an emulator on this machine (its own process, started before the timing, so
    # that the peak RSS is the CLI's; the second and third runs re-send the same records).
    export FER_BENCH_PASSWORD=bench
    emulator_log="$(mktemp)"
    "$target/release/fer" emulator --listen 127.0.0.1:0 --password bench >"$emulator_log" 2>/dev/null &
    emulator_pid=$!
    for _ in $(seq 1 100); do
        emulator_url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$emulator_log" | head -n1 || true)"
        [[ -n "$emulator_url" ]] && break
        sleep 0.1
    done

    timing="$(mktemp)"
    median() { sort -n | sed -n 2p; }
    measure() {
        local label="$1" runs
        shift
        runs="$(for _ in 1 2 3; do
            /usr/bin/time -f "%e %M" -o "$timing" "$@" >/dev/null 2>&1 || true
            tail -1 "$timing"
        done)"
        printf '| %s | %s s | %s MB |\n' "$label" "$(cut -d' ' -f1 <<<"$runs" | median)" \
            "$(( $(cut -d' ' -f2 <<<"$runs" | median) / 1024 ))"
    }
    slots="$(grep -c '"visit_time"' "$region/slot.json" || true)"
    mkdir -p "$target/fer-benches"
    {
        echo "| region of $slots slots, $(du -sm "$region" | cut -f1) MB of JSON | wall (median of 3) | peak RSS (median of 3) |"
        echo "|---|---:|---:|"
        if [[ -n "${FER_BEFORE:-}" ]]; then measure "fer validate, before (streaming off: whole files and trees)" "$FER_BEFORE" validate "$region"; fi
        measure "fer validate (record by record)" "$target/release/fer" validate "$region"
        measure "jsonschema: parse to Value + iter_errors, file by file" "$target/release/region" jsonschema "$region"
        measure "fer push to the emulator on this machine (one organisation; the CLI's RSS)" \
            "$target/release/fer" push "$region-one" --url "$emulator_url" --username "$org" --password-env FER_BENCH_PASSWORD
    } >"$target/fer-benches/region.md"
    kill "$emulator_pid"; wait "$emulator_pid" 2>/dev/null || true
    rm -f "$emulator_log"
    # The emulator holding the region: its memory, a busy resource's list, a cascade delete.
    "$target/release/emulator_region" "$region" 50 >"$target/fer-benches/emulator_region.txt"
    rm -f "$timing"
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
    region_md="${CARGO_TARGET_DIR:-$root/target}/fer-benches/region.md"
    if [[ -f "$region_md" ]]; then echo; cat "$region_md"; fi
} >"$figures"

awk -v figures="$figures" '
    /<!-- figures:start -->/ { print; while ((getline line < figures) > 0) print line; skip = 1; next }
    /<!-- figures:end -->/ { skip = 0 }
    !skip { print }
' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
echo "BENCHMARKS.md updated"
