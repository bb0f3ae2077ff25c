#!/usr/bin/env bash
# Lexical ranking on collections it was not tuned on: variants of SciFact (no titles, titles only,
# half without abstracts or titles, paragraph-long queries, a document's text as the query; see
# bench/lexical_eval.cpp), each ranked by Paperboy before a change, Paperboy after it, and
# Xapian's BM25 (the search benchmark's peer configuration). Prints nDCG@10 and Recall@100.
#
#   bash bench/lexical_generalization.sh [VARIANT...]      default: every variant
#
# Environment:
#   PAPERBOY_BUILD   build directory holding bench/lexical_eval (default build): "after"
#   BEFORE_BUILD     a build directory of the code to compare against, holding bench/lexical_eval;
#                    unset: BEFORE_REF is exported (git archive, read-only) and built in
#                    $TMPDIR, with this checkout's bench/lexical_eval.cpp and bench/CMakeLists.txt
#   BEFORE_REF       git revision for "before" (default HEAD)
#   SCIFACT          BEIR SciFact directory (default ../shared/data/scifact/beir)
# Build "after" first: cmake --build build --target lexical_eval (PAPERBOY_BUILD_BENCH=ON).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AFTER=${PAPERBOY_BUILD:-build}
[[ "$AFTER" = /* ]] || AFTER="$ROOT/$AFTER"
SCIFACT=${SCIFACT:-$ROOT/../shared/data/scifact/beir}
VARIANTS=("$@")
if [ ${#VARIANTS[@]} -eq 0 ]; then
    VARIANTS=(full no-title no-title-ingest title-only half-abstracts half-titles long-query
              abstract-to-title sibling)
fi

if [ ! -x "$AFTER/bench/lexical_eval" ]; then
    echo "lexical_generalization: $AFTER/bench/lexical_eval not found; build it first:" >&2
    echo "  cmake --build $AFTER --target lexical_eval   (configured with -DPAPERBOY_BUILD_BENCH=ON)" >&2
    exit 1
fi
if [ ! -f "$SCIFACT/corpus.jsonl.gz" ]; then
    echo "lexical_generalization: no SciFact collection at $SCIFACT (set SCIFACT)" >&2
    exit 1
fi

if [ -z "${BEFORE_BUILD:-}" ]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-lexical.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
    ref=${BEFORE_REF:-HEAD}
    echo "building \"before\" from $ref in $WORK" >&2
    mkdir -p "$WORK/src"
    git -C "$ROOT" archive "$ref" | tar -x -C "$WORK/src"
    cp "$ROOT/bench/lexical_eval.cpp" "$ROOT/bench/CMakeLists.txt" "$WORK/src/bench/"
    cmake -S "$WORK/src" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DPAPERBOY_BUILD_BENCH=ON -DPAPERBOY_BUILD_TESTS=OFF >"$WORK/cmake.log" 2>&1 ||
        { cat "$WORK/cmake.log" >&2; exit 1; }
    cmake --build "$WORK/build" --target lexical_eval -j2 >"$WORK/build.log" 2>&1 ||
        { tail -40 "$WORK/build.log" >&2; exit 1; }
    BEFORE_BUILD="$WORK/build"
fi

printf '%-18s %7s | %-15s | %-15s | %-15s\n' "" "" "Paperboy before" "Paperboy after" "Xapian BM25"
printf '%-18s %7s | %7s %7s | %7s %7s | %7s %7s\n' variant queries nDCG@10 R@100 nDCG@10 R@100 \
    nDCG@10 R@100
for v in "${VARIANTS[@]}"; do
    IFS=$'\t' read -r _ _ n b_ndcg b_rec < <("$BEFORE_BUILD/bench/lexical_eval" --beir "$SCIFACT" --variant "$v" --engine paperboy)
    IFS=$'\t' read -r _ _ _ a_ndcg a_rec < <("$AFTER/bench/lexical_eval" --beir "$SCIFACT" --variant "$v" --engine paperboy)
    IFS=$'\t' read -r _ _ _ x_ndcg x_rec < <("$AFTER/bench/lexical_eval" --beir "$SCIFACT" --variant "$v" --engine xapian)
    printf '%-18s %7s | %7s %7s | %7s %7s | %7s %7s\n' "$v" "$n" "$b_ndcg" "$b_rec" "$a_ndcg" \
        "$a_rec" "$x_ndcg" "$x_rec"
done
