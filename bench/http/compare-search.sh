#!/usr/bin/env bash
# Two builds of paperboy against each other on the search API, alternating on one database, so
# that the machine's drift falls on both: how the changes of bench/README.md ("Latest numbers
# (web)") were each measured.
#
#   bash bench/http/compare-search.sh OLD_PAPERBOY NEW_PAPERBOY [ROUNDS] [N]
#
# ROUNDS pairs of runs (default 3) over N papers (default 100000); each run is a 1 s warm-up and
# an 8 s `wrk -t2 -c64 --latency` with search_queries.lua. Per run: p50, p99, req/s and the
# server's CPU time per request (from /proc/PID/stat); then the mean CPU per request of each build.
# Both binaries must read the database format of the newer one's schema (they share the file).
# Environment: PAPERBOY_BUILD (for paperboy-gen-snapshot, default build), TMPDIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 2 ] || { sed -n '2,12p' "${BASH_SOURCE[0]}" >&2; exit 2; }
OLD=$(realpath "$1")
NEW=$(realpath "$2")
ROUNDS=${3:-3}
N=${4:-100000}
BUILD=${PAPERBOY_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
GEN="$BUILD/bench/paperboy-gen-snapshot"
for bin in "$OLD" "$NEW" "$GEN"; do
    [ -x "$bin" ] || { echo "compare-search: $bin is not an executable" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "compare-search: wrk is missing (scripts/install-deps.sh)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-compare.XXXXXX")
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "compare-search: generating and loading $N papers" >&2
"$GEN" --records "$N" --seed 1 --out "$WORK/snapshot.jsonl" >/dev/null
python3 "$ROOT/bench/http/make_daily.py" "$WORK/snapshot.jsonl" "$WORK/daily.json"
"$NEW" ingest --db "$WORK/papers.db" -q "$WORK/snapshot.jsonl" "$WORK/daily.json"
rm "$WORK/snapshot.jsonl"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
declare -A TOTAL_US=([old]=0 [new]=0)
for round in $(seq 1 "$ROUNDS"); do
    for which in old new; do
        bin=$OLD
        [ "$which" = new ] && bin=$NEW
        "$bin" serve --db "$WORK/papers.db" --listen "127.0.0.1:$PORT" --access-log off \
            --api-rate 0 2>"$WORK/serve.log" &
        SERVER_PID=$!
        for _ in $(seq 1 600); do
            grep -q "serving" "$WORK/serve.log" 2>/dev/null && break
            sleep 0.1
        done
        grep -q "serving" "$WORK/serve.log" || { cat "$WORK/serve.log" >&2; exit 1; }
        (cd "$ROOT" && wrk -t1 -c8 -d1s -s bench/http/search_queries.lua "http://127.0.0.1:$PORT" >/dev/null)
        before=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
        out=$(cd "$ROOT" && wrk -t2 -c64 -d8s --latency -s bench/http/search_queries.lua \
            "http://127.0.0.1:$PORT")
        after=$(awk '{print $14 + $15}' "/proc/$SERVER_PID/stat")
        kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
        requests=$(echo "$out" | awk '/requests in/ {print $1}')
        us=$(python3 -c "print(round(($after - $before) / $(getconf CLK_TCK) * 1e6 / $requests))")
        TOTAL_US[$which]=$((TOTAL_US[$which] + us))
        printf 'round %s %-3s p50 %8s  p99 %8s  %9s req/s  %s us/request\n' "$round" "$which" \
            "$(echo "$out" | awk '$1=="50%" {print $2}')" "$(echo "$out" | awk '$1=="99%" {print $2}')" \
            "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" "$us"
    done
done
printf 'mean server CPU per request: old %s us, new %s us\n' \
    "$((TOTAL_US[old] / ROUNDS))" "$((TOTAL_US[new] / ROUNDS))"
