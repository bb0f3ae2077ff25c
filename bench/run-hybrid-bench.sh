#!/usr/bin/env bash
# Hybrid search benchmark: the same queries ranked by words only and by words and meaning, on
# the same database in the same run.
#   1. `paperboy search --queries` over the 1,000 benchmark queries (bench/data/queries-1000.tsv)
#      at N papers, --mode lexical against --mode hybrid: p50/p99 per query, one thread
#      (target: hybrid p99 <= 1.5x lexical);
#   2. the search API under 64 connections (wrk --latency) at N_API papers, mode=lexical
#      against mode=hybrid (target: hybrid p99 <= 20 ms).
# The papers are synthetic (bench/gen_snapshot.cpp), embedded with the real static model
# ../shared/models/potion-base-4M-int8: the timings are real, the meaning of synthetic
# abstracts is not (quality is measured on SciFact by `paperboy eval`, docs/ranking.md).
#
#   bash bench/run-hybrid-bench.sh [N [N_API]]     defaults 1000000 and 100000
#
# Environment: PAPERBOY_BUILD (default build), PAPERBOY_SHARED_DIR (default ../shared),
# BENCH_SECONDS (per wrk run, default 10), BENCH_RESULTS (JSON, default
# bench/results/hybrid-N.json; "-" for none), TMPDIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-1000000}
N_API=${2:-100000}
BUILD=${PAPERBOY_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
SHARED=${PAPERBOY_SHARED_DIR:-$ROOT/../shared}
MODEL="$SHARED/models/potion-base-4M-int8"
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/hybrid-$N.json}
PAPERBOY="$BUILD/paperboy"
GEN="$BUILD/bench/paperboy-gen-snapshot"
QUERIES="$ROOT/bench/data/queries-1000.tsv"

[ -d "$MODEL" ] || { echo "run-hybrid-bench: the model $MODEL is missing (../shared)" >&2; exit 1; }
for bin in "$PAPERBOY" "$GEN"; do
    [ -x "$bin" ] || { echo "run-hybrid-bench: $bin not found; build first (make build)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "run-hybrid-bench: wrk is missing (scripts/install-deps.sh)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-hybrid-bench.XXXXXX")
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

load() {  # load N DB: synthetic papers, embedded
    local n=$1 db=$2
    echo "hybrid-bench: generating, loading and embedding $n papers" >&2
    "$GEN" --records "$n" --seed 1 --out "$WORK/snapshot-$n.jsonl" >/dev/null
    "$PAPERBOY" ingest --db "$db" -q "$WORK/snapshot-$n.jsonl"
    rm -f "$WORK/snapshot-$n.jsonl"
    local t0 t1
    t0=$(now)
    "$PAPERBOY" embed --db "$db" --model "$MODEL" -q
    t1=$(now)
    EMBED_SECONDS=$(python3 -c "print(round($t1 - $t0, 1))")
}

# 1. Batch queries at N papers.
DB="$WORK/papers-$N.db"
load "$N" "$DB"
EMBED_N_SECONDS=$EMBED_SECONDS
echo "hybrid-bench: building the indexes (lexical and vectors) and their snapshots" >&2
t0=$(now)
"$PAPERBOY" search --db "$DB" --mode lexical "warm up" >/dev/null
t1=$(now)
OPEN_SECONDS=$(python3 -c "print(round($t1 - $t0, 1))")
stats() {  # stats MODE -> the JSON line of --stats
    "$PAPERBOY" search --db "$DB" --mode "$1" --queries "$QUERIES" --run "$WORK/run-$1.txt" \
        --limit 10 --stats 2>&1 >/dev/null | grep '^{' | tail -1
}
stats lexical >/dev/null  # the page cache, the query cache of neither: a warm start
LEXICAL=$(stats lexical)
HYBRID=$(stats hybrid)
SEMANTIC=$(stats semantic)

# 2. The search API at N_API papers.
DB_API="$WORK/papers-$N_API.db"
load "$N_API" "$DB_API"
PORT=$(free_port)
"$PAPERBOY" serve --db "$DB_API" --listen "127.0.0.1:$PORT" --access-log off --api-rate 0 \
    --search-rate 0 --max-connections-per-client 0 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 1200); do
    grep -q "serving" "$WORK/serve.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "serving" "$WORK/serve.log" || { cat "$WORK/serve.log" >&2; exit 1; }
api() {  # api MODE -> "rps p50 p99"
    local out
    out=$(cd "$ROOT" && SEARCH_MODE=$1 BENCH_QUERIES="$QUERIES" wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" \
        --latency -s bench/http/search_queries.lua "http://127.0.0.1:$PORT")
    if echo "$out" | grep -q "Non-2xx"; then echo "$out" >&2; echo "run-hybrid-bench: errors" >&2; exit 1; fi
    python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    v = float(m.group(1)); return {"us": v / 1000, "ms": v, "s": v * 1000}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
print(f"{rps:.0f} {ms('50'):.2f} {ms('99'):.2f}")
PY
}
read -r API_LEX_RPS API_LEX_P50 API_LEX_P99 <<<"$(api lexical)"
read -r API_HYB_RPS API_HYB_P50 API_HYB_P99 <<<"$(api hybrid)"

python3 - "$N" "$N_API" "$LEXICAL" "$HYBRID" "$SEMANTIC" "$EMBED_N_SECONDS" "$OPEN_SECONDS" \
    "$API_LEX_RPS" "$API_LEX_P50" "$API_LEX_P99" "$API_HYB_RPS" "$API_HYB_P50" "$API_HYB_P99" \
    "$RESULTS" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY'
import json, sys, platform, os
(n, n_api, lex, hyb, sem, embed_s, open_s, alr, al50, al99, ahr, ah50, ah99, results, commit) = sys.argv[1:]
lex, hyb, sem = json.loads(lex), json.loads(hyb), json.loads(sem)
ratio = hyb["p99_ms"] / lex["p99_ms"] if lex["p99_ms"] else float("nan")
print(f"\nHybrid search benchmark: {int(n):,} papers (queries), {int(n_api):,} papers (API), potion-base-4M-int8")
print(f"  embed {int(n):,} papers: {embed_s} s; open (build lexical + vectors): {open_s} s")
print(f"  1,000 queries, one thread   lexical  p50 {lex['p50_ms']:.2f} ms  p99 {lex['p99_ms']:.2f} ms")
print(f"                              hybrid   p50 {hyb['p50_ms']:.2f} ms  p99 {hyb['p99_ms']:.2f} ms  ({ratio:.2f}x lexical p99; target <= 1.5x)")
print(f"                              semantic p50 {sem['p50_ms']:.2f} ms  p99 {sem['p99_ms']:.2f} ms")
print(f"  search API, 64 connections  lexical  {alr} req/s  p50 {al50} ms  p99 {al99} ms")
print(f"                              hybrid   {ahr} req/s  p50 {ah50} ms  p99 {ah99} ms (target <= 20)")
if results != "-":
    doc = {"papers": int(n), "papers_api": int(n_api), "model": "potion-base-4M-int8", "commit": commit,
           "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
           "embed_seconds": float(embed_s), "open_seconds": float(open_s),
           "queries": {"lexical": lex, "hybrid": hyb, "semantic": sem, "hybrid_p99_over_lexical": round(ratio, 3)},
           "search_api": {"lexical": {"rps": float(alr), "p50_ms": float(al50), "p99_ms": float(al99)},
                          "hybrid": {"rps": float(ahr), "p50_ms": float(ah50), "p99_ms": float(ah99)}}}
    with open(results, "w") as f: json.dump(doc, f, indent=2); f.write("\n")
    print(f"  written to {results}")
PY
