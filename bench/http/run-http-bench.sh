#!/usr/bin/env bash
# HTTP benchmark: Paperboy's web app against nginx on the same machine, in one run.
#   1. the daily page: `paperboy serve` answering GET / versus nginx serving the same bytes as a
#      static file (wrk, 64 connections, keep-alive);
#   2. the search API under 64 connections (wrk --latency; queries from real titles);
#   3. 2,000 idle keep-alive connections held open while another client fetches the daily page.
#
#   bash bench/http/run-http-bench.sh [N]      N papers (default 100000)
#
# Environment: PAPERBOY_BUILD (default build), BENCH_SECONDS (per wrk run, default 10),
# BENCH_RESULTS (JSON output, default bench/results/http-N.json; "-" for none), TMPDIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-100000}
BUILD=${PAPERBOY_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/http-$N.json}
PAPERBOY="$BUILD/paperboy"
GEN="$BUILD/bench/paperboy-gen-snapshot"
for tool in wrk nginx python3; do
    command -v "$tool" >/dev/null || { echo "run-http-bench: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
for bin in "$PAPERBOY" "$GEN"; do
    [ -x "$bin" ] || { echo "run-http-bench: $bin not found; build first (make build)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-http-bench.XXXXXX")
chmod 755 "$WORK"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "http-bench: generating and loading $N papers" >&2
"$GEN" --records "$N" --seed 1 --out "$WORK/snapshot.jsonl" >/dev/null
python3 "$ROOT/bench/http/make_daily.py" "$WORK/snapshot.jsonl" "$WORK/daily.json"
"$PAPERBOY" ingest --db "$WORK/papers.db" -q "$WORK/snapshot.jsonl" "$WORK/daily.json"

PB_PORT=$(free_port)
"$PAPERBOY" serve --db "$WORK/papers.db" --listen "127.0.0.1:$PB_PORT" --access-log off --api-rate 0 \
    --max-connections-per-client 0 \
    2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 600); do
    grep -q "serving" "$WORK/serve.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "serving" "$WORK/serve.log" || { cat "$WORK/serve.log" >&2; exit 1; }

mkdir -p "$WORK/www"
curl -sf "http://127.0.0.1:$PB_PORT/" -o "$WORK/www/index.html"
PAGE_BYTES=$(stat -c %s "$WORK/www/index.html")
NG_PORT=$(free_port)
cat >"$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NG_PORT;
        root $WORK/www;
        location = / { default_type "text/html; charset=utf-8"; try_files /index.html =404; }
    }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK"
sleep 0.3

rps() { awk '/Requests\/sec/ {print $2}'; }
echo "http-bench: daily page, ${SECONDS_PER_RUN}s each, 64 connections" >&2
PB_RPS=$(wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$PB_PORT/" | rps)
NG_RPS=$(wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$NG_PORT/" | rps)

echo "http-bench: search API, 64 connections" >&2
# CPU seconds (user + system) a process has used so far, from /proc (clock ticks).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICKS_BEFORE=$(cpu_ticks "$SERVER_PID")
SEARCH_OUT=$(cd "$ROOT" && wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency \
    -s bench/http/search_queries.lua "http://127.0.0.1:$PB_PORT")
TICKS_AFTER=$(cpu_ticks "$SERVER_PID")
SEARCH_REQUESTS=$(echo "$SEARCH_OUT" | awk '/requests in/ {print $1}')
# The server's CPU time per search request: what throughput and latency come down to when
# the load generator shares the machine, and steadier than either on a busy host.
SEARCH_CPU_US=$(python3 -c "print(round(($TICKS_AFTER - $TICKS_BEFORE) / $(getconf CLK_TCK) * 1e6 / $SEARCH_REQUESTS))")
SEARCH_RPS=$(echo "$SEARCH_OUT" | rps)
if echo "$SEARCH_OUT" | grep -q "Non-2xx"; then echo "$SEARCH_OUT" >&2; echo "run-http-bench: the search API answered errors" >&2; exit 1; fi
to_ms() { awk '{v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}'; }
SEARCH_P50=$(echo "$SEARCH_OUT" | awk '$1=="50%"' | to_ms)
SEARCH_P99=$(echo "$SEARCH_OUT" | awk '$1=="99%"' | to_ms)
SEARCH_P999=$(echo "$SEARCH_OUT" | awk '$1=="tail:" {print $3}')
SEARCH_MAX=$(echo "$SEARCH_OUT" | awk '$1=="tail:" {print $6}')

echo "http-bench: 2000 idle keep-alive connections" >&2
IDLE=$(python3 "$ROOT/bench/http/idle_connections.py" "$PB_PORT" --connections 2000 --path /)

RATIO=$(python3 -c "print(round($PB_RPS / $NG_RPS, 3))")
printf '\nHTTP benchmark: %s papers, page %s bytes, wrk -t2 -c64 -d%ss\n' "$N" "$PAGE_BYTES" "$SECONDS_PER_RUN"
printf '  daily page   paperboy %10.0f req/s   nginx (static file) %10.0f req/s   ratio %s (target >= 0.5)\n' "$PB_RPS" "$NG_RPS" "$RATIO"
printf '  search API   %10.0f req/s   p50 %s ms   p99 %s ms (target <= 20)   p99.9 %s ms   max %s ms   server CPU %s us/request\n' \
    "$SEARCH_RPS" "$SEARCH_P50" "$SEARCH_P99" "$SEARCH_P999" "$SEARCH_MAX" "$SEARCH_CPU_US"
printf '  idle         %s\n' "$IDLE"

if [ "$RESULTS" != "-" ]; then
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    python3 - "$RESULTS" <<PY
import json, sys
json.dump({"papers": $N, "page_bytes": $PAGE_BYTES, "seconds_per_run": $SECONDS_PER_RUN,
           "git": "$commit", "command": "bash bench/http/run-http-bench.sh $N",
           "daily_page": {"paperboy_rps": $PB_RPS, "nginx_static_rps": $NG_RPS, "ratio": $RATIO},
           "search_api": {"rps": $SEARCH_RPS, "p50_ms": $SEARCH_P50, "p99_ms": $SEARCH_P99,
                          "p99_9_ms": $SEARCH_P999, "max_ms": $SEARCH_MAX, "connections": 64, "server_cpu_us_per_request": $SEARCH_CPU_US},
           "idle": json.loads('$IDLE')}, open(sys.argv[1], "w"), indent=2)
PY
    echo "http-bench: wrote $RESULTS" >&2
fi
