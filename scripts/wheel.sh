#!/usr/bin/env bash
# Builds the Python wheel of the fer-rs tools (fer-cli/pyproject.toml: maturin's `bin` bindings,
# the `fer` and `fer-emulator` programs) and tries it as a vendor without Rust would: installed
# into a fresh virtual environment, then `fer --help`, `fer-emulator` answering one request, and
# `fer conformance` against the example webhook.
#
#   scripts/wheel.sh                 # the CI check: a dev-profile wheel (reuses the test build)
#   PROFILE=release scripts/wheel.sh # the wheel to publish
#
# maturin is installed into target/wheel/build-venv on first use. When PyPI cannot be reached the
# script prints SKIPPED and exits 0, unless CI=true (then it fails).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/wheel"
BUILD_VENV="$OUT/build-venv"
TRY_VENV="$OUT/try-venv"
PROFILE="${PROFILE:-dev}"
MATURIN_VERSION="${MATURIN_VERSION:-1.16.0}"
cd "$ROOT"

# skip and address_of.
source "$ROOT/scripts/lib.sh"

# 1. maturin, pinned, in its own virtual environment.
if [[ ! -x "$BUILD_VENV/bin/maturin" ]] || ! "$BUILD_VENV/bin/maturin" --version | grep -qF "$MATURIN_VERSION"; then
    rm -rf "$BUILD_VENV"
    python3 -m venv "$BUILD_VENV" || skip "python3 -m venv failed (is python3-venv installed?)"
    if ! "$BUILD_VENV/bin/pip" install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION"; then
        rm -rf "$BUILD_VENV"
        skip "pip could not install maturin: PyPI is not reachable from here"
    fi
fi
"$BUILD_VENV/bin/maturin" --version

# 2. The wheel: both programs, stripped.
rm -rf "$OUT/dist"
"$BUILD_VENV/bin/maturin" build --locked --strip --profile "$PROFILE" -m fer-cli/Cargo.toml --out "$OUT/dist"
WHEEL="$(ls "$OUT"/dist/fer_rs-*.whl)"
echo "wheel: $WHEEL ($(du -h "$WHEEL" | cut -f1))"

# 3. A fresh virtual environment with nothing but the wheel.
rm -rf "$TRY_VENV"
python3 -m venv "$TRY_VENV"
"$TRY_VENV/bin/pip" install --quiet --disable-pip-version-check --no-index "$WHEEL"
PATH="$TRY_VENV/bin:$PATH"
for program in fer fer-emulator; do
    [[ "$(command -v "$program")" == "$TRY_VENV/bin/$program" ]] || { echo "$program is not the wheel's" >&2; exit 1; }
done
fer --help >/dev/null
fer-emulator --version

LOGS="$(mktemp -d)"
PIDS=()
stop() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$LOGS"
}
trap stop EXIT

# 4. The wheel's emulator answers a login with a token.
fer-emulator --listen 127.0.0.1:0 >"$LOGS/emulator.log" 2>"$LOGS/emulator.err" &
PIDS+=($!)
EMULATOR="$(address_of "$LOGS/emulator.log")"
USERNAME="$(sed -n 's/^ *username: //p' "$LOGS/emulator.log")"
PASSWORD="$(sed -n 's/^ *password: //p' "$LOGS/emulator.log")"
curl -sf "$EMULATOR/auth.svc" -H 'content-type: application/json' \
    -d "{\"username\": \"$USERNAME\", \"password\": \"$PASSWORD\"}" |
    python3 -c 'import json, sys; token = json.load(sys.stdin)["Result"]["Value"]; assert token; print("emulator: login answered with a token")'

# 5. The wheel's conformance runner against the example webhook (built from this repository: it
#    stands for the vendor's own webhook).
cargo build --quiet --locked -p fer-examples --example webhook_server
target/debug/examples/webhook_server --listen 127.0.0.1:0 >"$LOGS/webhook.log" 2>"$LOGS/webhook.err" &
PIDS+=($!)
WEBHOOK="$(address_of "$LOGS/webhook.log")"
fer conformance --webhook "$WEBHOOK"
echo "wheel: ok"
