#!/usr/bin/env bash
# PostgreSQL against SQLite, side by side in one run on one machine (make bench-pg). Starts a
# private PostgreSQL server with its default durability (fsync and synchronous_commit on) and
# measures, on the same data:
#   1. ingest of a synthetic arXiv snapshot of N records into an empty database, and an
#      idempotent re-ingest of the same file: `paperboy ingest --db postgresql://...` against
#      `paperboy ingest --db FILE.db`;
#   2. the JSON API under wrk on a smaller corpus (BENCH_HTTP_RECORDS papers): votes per second
#      (POST/DELETE /api/papers/{id}/upvote as many members with API tokens) and search
#      (/api/papers/search, p50/p99), two `paperboy serve` nodes on PostgreSQL against one on
#      SQLite;
#   3. pgbench's simple-update throughput (`pgbench -N`) on the same server: the ceiling the
#      vote path is compared with.
# See bench/README.md ("PostgreSQL against SQLite").
#
#   bash bench/run-pg-bench.sh [N]         N defaults to $BENCH_RECORDS, else 1000000
#
# Environment: BENCH_RECORDS (N), BENCH_REPEAT (ingest rounds, default 3), BENCH_SEED (default
# 1), BENCH_HTTP_RECORDS (papers behind the API runs, default 100000, generated apart with the
# same seed: the corpus of bench/http/run-http-bench.sh), BENCH_SECONDS (per wrk run, default 15), BENCH_CONNECTIONS (wrk connections in all, default
# 64), BENCH_MEMBERS (members with API tokens, default 2000), BENCH_DB_POOL (serve --db-pool on
# PostgreSQL, default 8), BENCH_PGBENCH_SCALE (default 10), BENCH_PGBENCH_SECONDS (default 30),
# BENCH_PGBENCH_CLIENTS (default 16), BENCH_SHARED_BUFFERS (default 512MB), PAPERBOY_BUILD
# (build directory, default build), PAPERBOY_PG_BIN (default the newest
# /usr/lib/postgresql/*/bin), BENCH_RESULTS (JSON output, default bench/results/pg-N.json; "-"
# for none), TMPDIR (snapshots, databases and the server's data directory; removed at the end).
# Smoke test (~1 minute):
#   BENCH_RECORDS=2000 BENCH_HTTP_RECORDS=2000 BENCH_REPEAT=1 BENCH_SECONDS=2 BENCH_MEMBERS=50 \
#     BENCH_PGBENCH_SCALE=1 BENCH_PGBENCH_SECONDS=2 BENCH_RESULTS=- bash bench/run-pg-bench.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-${BENCH_RECORDS:-1000000}}
REPEAT=${BENCH_REPEAT:-3}
SEED=${BENCH_SEED:-1}
HTTP_N=${BENCH_HTTP_RECORDS:-100000}
WRK_SECONDS=${BENCH_SECONDS:-15}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
MEMBERS=${BENCH_MEMBERS:-2000}
DB_POOL=${BENCH_DB_POOL:-8}
PGBENCH_SCALE=${BENCH_PGBENCH_SCALE:-10}
PGBENCH_SECONDS=${BENCH_PGBENCH_SECONDS:-30}
PGBENCH_CLIENTS=${BENCH_PGBENCH_CLIENTS:-16}
SHARED_BUFFERS=${BENCH_SHARED_BUFFERS:-512MB}
BUILD=${PAPERBOY_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/pg-$N.json}
PAPERBOY="$BUILD/paperboy"
GEN="$BUILD/bench/paperboy-gen-snapshot"

PG_BIN=${PAPERBOY_PG_BIN:-}
if [ -z "$PG_BIN" ]; then
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi
for bin in "$PAPERBOY" "$GEN"; do
    if [ ! -x "$bin" ]; then
        echo "run-pg-bench: $bin not found; build it first:" >&2
        echo "  cmake --build $BUILD --target paperboy paperboy-gen-snapshot" >&2
        exit 1
    fi
done
for tool in initdb pg_ctl psql pgbench; do
    [ -x "$PG_BIN/$tool" ] || { echo "run-pg-bench: $PG_BIN/$tool not found (Debian: postgresql-15; PAPERBOY_PG_BIN)" >&2; exit 1; }
done
for tool in wrk sqlite3 python3; do
    command -v "$tool" >/dev/null || { echo "run-pg-bench: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-pg-bench.XXXXXX")
chmod 755 "$WORK"  # the server's user walks through it to its data directory
PGROOT="$WORK/pg"
PGDATA="$PGROOT/data"
mkdir "$PGROOT"
# initdb refuses to run as root: under root the cluster belongs to an unprivileged user.
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
    for user in postgres nobody; do
        if id "$user" >/dev/null 2>&1; then RUN_AS=(runuser -u "$user" --); break; fi
    done
    [ ${#RUN_AS[@]} -gt 0 ] || { echo "run-pg-bench: root, and no postgres or nobody user to run the server" >&2; exit 1; }
    chown "${RUN_AS[2]}:" "$PGROOT"
fi
PG_STARTED=0
HARNESS_PID=""
cleanup() {
    [ -z "$HARNESS_PID" ] || kill "$HARNESS_PID" 2>/dev/null || true
    # The harness's own children (serve nodes, wrk), should it have died before stopping them.
    if [ -f "$WORK/children.pids" ]; then
        while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$WORK/children.pids"
    fi
    if [ "$PG_STARTED" = 1 ]; then
        "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "run-pg-bench: $("$PG_BIN/postgres" --version | sed 's/^postgres (PostgreSQL) /PostgreSQL /') on 127.0.0.1:$PORT in $PGDATA" >&2
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U paperboy --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
# Only where and how big: durability (fsync, synchronous_commit, full_page_writes, wal_sync_method)
# stays at PostgreSQL's defaults. The harness records every setting whose source is not the default.
cat >>"$PGDATA/postgresql.conf" <<CONF
# run-pg-bench.sh
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGROOT'
shared_buffers = $SHARED_BUFFERS
max_connections = 200
CONF
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGROOT/server.log" -w -t 120 start >/dev/null \
    || { cat "$PGROOT/server.log" >&2; exit 1; }
PG_STARTED=1

SNAPSHOT="$WORK/arxiv-snapshot-$N.jsonl"
echo "run-pg-bench: generating $N records (seed $SEED)" >&2
start=$EPOCHREALTIME
"$GEN" --records "$N" --seed "$SEED" --out "$SNAPSHOT"
gen_seconds=$(awk "BEGIN { print $EPOCHREALTIME - $start }")
if [ "$HTTP_N" = "$N" ]; then
    HTTP_SNAPSHOT="$SNAPSHOT"
else
    HTTP_SNAPSHOT="$WORK/arxiv-snapshot-$HTTP_N.jsonl"
    "$GEN" --records "$HTTP_N" --seed "$SEED" --out "$HTTP_SNAPSHOT"
fi

command_line="${PAPERBOY_BUILD:+PAPERBOY_BUILD=$PAPERBOY_BUILD }BENCH_REPEAT=$REPEAT"
[ "$HTTP_N" = 100000 ] || command_line+=" BENCH_HTTP_RECORDS=$HTTP_N"
[ "$WRK_SECONDS" = 15 ] || command_line+=" BENCH_SECONDS=$WRK_SECONDS"
[ "$CONNECTIONS" = 64 ] || command_line+=" BENCH_CONNECTIONS=$CONNECTIONS"
[ "$MEMBERS" = 2000 ] || command_line+=" BENCH_MEMBERS=$MEMBERS"
[ "$DB_POOL" = 8 ] || command_line+=" BENCH_DB_POOL=$DB_POOL"
[ "$PGBENCH_SCALE" = 10 ] || command_line+=" BENCH_PGBENCH_SCALE=$PGBENCH_SCALE"
[ "$PGBENCH_SECONDS" = 30 ] || command_line+=" BENCH_PGBENCH_SECONDS=$PGBENCH_SECONDS"
[ "$PGBENCH_CLIENTS" = 16 ] || command_line+=" BENCH_PGBENCH_CLIENTS=$PGBENCH_CLIENTS"
[ "$SHARED_BUFFERS" = 512MB ] || command_line+=" BENCH_SHARED_BUFFERS=$SHARED_BUFFERS"
command_line+=" bash bench/run-pg-bench.sh $N"

args=(--paperboy "$PAPERBOY" --snapshot "$SNAPSHOT" --records "$N" --repeat "$REPEAT"
      --http-snapshot "$HTTP_SNAPSHOT" --http-records "$HTTP_N" --seed "$SEED"
      --workdir "$WORK" --generate-seconds "$gen_seconds"
      --pg-bin "$PG_BIN" --pg-port "$PORT" --pg-data "$PGDATA"
      --seconds "$WRK_SECONDS" --connections "$CONNECTIONS" --members "$MEMBERS" --db-pool "$DB_POOL"
      --pgbench-scale "$PGBENCH_SCALE" --pgbench-seconds "$PGBENCH_SECONDS"
      --pgbench-clients "$PGBENCH_CLIENTS" --command "$command_line")
[ "$RESULTS" = "-" ] || args+=(--results "$RESULTS")
# In the background, so that a signal to this script runs the trap at once (bash runs traps only
# between foreground commands, but interrupts `wait`).
python3 "$ROOT/bench/pg/pg_bench.py" "${args[@]}" &
HARNESS_PID=$!
wait "$HARNESS_PID"
HARNESS_PID=""
