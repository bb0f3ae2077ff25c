#!/usr/bin/env bash
# Search benchmark: generates a synthetic arXiv snapshot of N records and runs search_bench on
# it, which indexes the same papers into Paperboy, Xapian and SQLite FTS5 and runs the same
# query sets (bench/data/queries-*.tsv) against each. See bench/README.md.
#
#   bash bench/run-search-bench.sh [N]         N defaults to $BENCH_RECORDS, else 1000000
#
# Environment: BENCH_RECORDS (N), BENCH_SEED (default 1), PAPERBOY_BUILD (build directory
# holding bench/search_bench and bench/paperboy-gen-snapshot, default build), BENCH_RESULTS
# (JSON output, default bench/results/search-N.json; "-" for none), BENCH_ARGS (more
# search_bench flags, e.g. "--peers fts5" or "--no-paperboy"), TMPDIR (where the snapshot and
# the peers' indexes go; the directory is removed at the end).
# Smoke test: BENCH_RECORDS=2000 BENCH_RESULTS=- bash bench/run-search-bench.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-${BENCH_RECORDS:-1000000}}
SEED=${BENCH_SEED:-1}
BUILD=${PAPERBOY_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/search-$N.json}
BENCH="$BUILD/bench/search_bench"
GEN="$BUILD/bench/paperboy-gen-snapshot"

for bin in "$BENCH" "$GEN"; do
    if [ ! -x "$bin" ]; then
        echo "run-search-bench: $bin not found; build it first:" >&2
        echo "  cmake --build $BUILD --target search_bench paperboy-gen-snapshot" >&2
        exit 1
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-search-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SNAPSHOT="$WORK/arxiv-snapshot-$N.jsonl"
echo "generating $N records (seed $SEED) into $SNAPSHOT" >&2
"$GEN" --records "$N" --seed "$SEED" --out "$SNAPSHOT"
# The snapshot's writeback must not overlap the timed builds.
sync "$SNAPSHOT" 2>/dev/null || sync

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit (modified)"
fi
args=(--snapshot "$SNAPSHOT" --workdir "$WORK" --git "$commit"
      --command "${PAPERBOY_BUILD:+PAPERBOY_BUILD=$PAPERBOY_BUILD }bash bench/run-search-bench.sh $N")
[ "$RESULTS" = "-" ] || args+=(--json "$RESULTS")
# shellcheck disable=SC2086  # BENCH_ARGS is a list of flags
"$BENCH" "${args[@]}" ${BENCH_ARGS:-}
