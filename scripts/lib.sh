# Shared by the check scripts of scripts/ (sourced, never run): how a check is skipped, and how a
# server started in the background tells its address.

# skip REASON: prints SKIPPED and exits 0, unless the run is required (CI=true, or REQUIRED=1 set
# by the caller from its own variable): then a skip is a failure, as for every server a test needs.
skip() {
    echo "SKIPPED: $1" >&2
    if [[ "${REQUIRED:-0}" == 1 || "${CI:-}" == true ]]; then exit 1; fi
    exit 0
}

# address_of LOG [PATTERN]: waits (10 s at most) until LOG has a line matching PATTERN (default: a
# loopback http:// URL), prints the match; exits 2 with the log when the server does not start.
address_of() {
    local log="$1" pattern="${2:-http://127\.0\.0\.1:[0-9]*}"
    for _ in $(seq 1 100); do
        local url
        url="$(grep -o "$pattern" "$log" | head -n1 || true)"
        if [[ -n "$url" ]]; then echo "$url"; return 0; fi
        sleep 0.1
    done
    echo "server did not start; its log:" >&2
    cat "$log" >&2
    exit 2
}
