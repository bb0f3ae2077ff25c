#!/usr/bin/env bash
# Ingest benchmark (make bench): generates a synthetic arXiv snapshot of N records and measures,
# in the same run on the same file, `paperboy ingest` against the sqlite3 shell's own JSON
# loading (the peer), plus an idempotent re-ingest. See bench/README.md.
#
#   bash bench/run-ingest-bench.sh [N]         N defaults to $BENCH_RECORDS, else 1000000
#
# Environment: BENCH_RECORDS (N), BENCH_REPEAT (rounds, default 3), BENCH_SEED (default 1),
# PAPERBOY_BUILD (build directory holding paperboy and bench/paperboy-gen-snapshot, default
# build), BENCH_RESULTS (JSON output, default bench/results/ingest-N.json; "-" for none),
# TMPDIR (where the snapshot and databases go; the directory is removed at the end).
# Smoke test: BENCH_RECORDS=2000 BENCH_REPEAT=1 BENCH_RESULTS=- bash bench/run-ingest-bench.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-${BENCH_RECORDS:-1000000}}
REPEAT=${BENCH_REPEAT:-3}
SEED=${BENCH_SEED:-1}
BUILD=${PAPERBOY_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/ingest-$N.json}
PAPERBOY="$BUILD/paperboy"
GEN="$BUILD/bench/paperboy-gen-snapshot"

for bin in "$PAPERBOY" "$GEN"; do
    if [ ! -x "$bin" ]; then
        echo "run-ingest-bench: $bin not found; build it first:" >&2
        echo "  cmake --build $BUILD --target paperboy paperboy-gen-snapshot" >&2
        exit 1
    fi
done
command -v sqlite3 >/dev/null || { echo "run-ingest-bench: sqlite3 shell not found (make deps)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SNAPSHOT="$WORK/arxiv-snapshot-$N.jsonl"
echo "generating $N records (seed $SEED) into $SNAPSHOT" >&2
start=$EPOCHREALTIME
"$GEN" --records "$N" --seed "$SEED" --out "$SNAPSHOT"
gen_seconds=$(awk "BEGIN { print $EPOCHREALTIME - $start }")

args=(--paperboy "$PAPERBOY" --snapshot "$SNAPSHOT" --records "$N" --repeat "$REPEAT"
      --workdir "$WORK" --seed "$SEED" --generate-seconds "$gen_seconds"
      --command "${PAPERBOY_BUILD:+PAPERBOY_BUILD=$PAPERBOY_BUILD }BENCH_REPEAT=$REPEAT bash bench/run-ingest-bench.sh $N")
[ "$RESULTS" = "-" ] || args+=(--results "$RESULTS")
python3 "$ROOT/bench/ingest_bench.py" "${args[@]}"
