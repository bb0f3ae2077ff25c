#!/usr/bin/env python3
"""PostgreSQL against SQLite, side by side, in one run on one machine. Called by
bench/run-pg-bench.sh, which starts the PostgreSQL server (default durability), generates the
snapshots, and stops the server and removes the work directory at the end; see bench/README.md.

  1. ingest: `paperboy ingest --db postgresql://.../ingest -q FILE` into an empty database and
     `paperboy ingest --db FILE.db -q FILE`, then each again on the same database (idempotent
     re-ingest: every record unchanged), for --repeat rounds; which backend goes first
     alternates by round. Wall time, records/s, the client's CPU and peak RSS (GNU time) and the
     PostgreSQL server's CPU (its processes in /proc), and what the ingest's backends were
     doing (pg_stat_activity, sampled once a second).
  2. the JSON API on the smaller --http-snapshot corpus, loaded into both databases with the
     same members and API tokens (rows inserted with SQL): one `paperboy serve` on SQLite, then
     one on PostgreSQL, then two on PostgreSQL (the headline); wrk drives votes (bench/pg/votes.lua: POST and DELETE
     /api/papers/{id}/upvote, Bearer tokens, each request a change) and search
     (bench/http/search_queries.lua). One node gets `wrk -t2 -cC`, two nodes one
     `wrk -t1 -cC/2` each: the same load-generating threads and connections in all.
  3. pgbench -N (simple update) on the same server, the ceiling the vote path is compared with.
"""
import argparse
import collections
import hashlib
import json
import os
import pathlib
import re
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import ingest_bench  # noqa: E402  (run_measured, summarize, machine: shared with make bench)

TARGET_PG_RECORDS_PER_S = 50000
PG_USER = "paperboy"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(f"pg-bench: {msg}", file=sys.stderr, flush=True)


# ---- the PostgreSQL server -----------------------------------------------------------------


class Pg:
    def __init__(self, bin_dir, port, data):
        self.bin_dir = bin_dir
        self.port = port
        self.data = data

    def url(self, db):
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{db}"

    def psql(self, db, sql, via_stdin=False):
        """Runs SQL (over TCP, as the clients do); returns the rows as lists of strings. With
        via_stdin the SQL is a script read from standard input (COPY ... FROM STDIN data)."""
        argv = [os.path.join(self.bin_dir, "psql"), "-X", "-q", "-A", "-t", "-F", "\t",
                "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER,
                "-d", db]
        argv += ["-f", "-"] if via_stdin else ["-c", sql]
        done = subprocess.run(argv, input=sql if via_stdin else None, capture_output=True,
                              text=True, timeout=3600)
        if done.returncode != 0:
            sys.exit(f"pg-bench: psql on {db}: {done.stderr.strip()}")
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def value(self, db, sql):
        rows = self.psql(db, sql)
        return rows[0][0] if rows else None

    def recreate(self, db):
        self.psql("postgres", f'DROP DATABASE IF EXISTS "{db}"')
        self.psql("postgres", f'CREATE DATABASE "{db}"')

    def postmaster_pid(self):
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            return int(f.readline())

    def cpu_seconds(self):
        """CPU seconds used by the server so far: the postmaster's own and its reaped children's
        (cutime, cstime), plus its live children's (backends, checkpointer, WAL writer...)."""
        pm = self.postmaster_pid()
        ticks = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ppid = int(fields[1])
            if int(pid) == pm:
                ticks += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
            elif ppid == pm:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / CLK_TCK

    def non_default_settings(self):
        """Every setting the server runs with that is not PostgreSQL's built-in default: ours
        (run-pg-bench.sh) and initdb's, both from postgresql.conf."""
        rows = self.psql("postgres", "SELECT name, current_setting(name), source FROM pg_settings "
                         "WHERE source NOT IN ('default', 'override', 'client', 'session') "
                         "ORDER BY name")
        return {r[0]: {"setting": r[1], "source": r[2]} for r in rows}

    def settings(self, names):
        quoted = ", ".join(f"'{n}'" for n in names)
        rows = self.psql("postgres", f"SELECT name, current_setting(name) FROM pg_settings "
                         f"WHERE name IN ({quoted}) ORDER BY name")
        return {r[0]: r[1] for r in rows}

    def server_stats(self, db):
        """Cumulative counters: WAL written, checkpoints, the database's commits."""
        wal = self.psql("postgres", "SELECT wal_records, wal_bytes, wal_buffers_full, wal_write, "
                        "wal_sync FROM pg_stat_wal")[0]
        ckpt = self.psql("postgres", "SELECT checkpoints_timed, checkpoints_req, "
                         "buffers_checkpoint, buffers_backend FROM pg_stat_bgwriter")[0]
        xact = self.psql("postgres", "SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database "
                         f"WHERE datname = '{db}'")[0]
        return {"wal_records": int(wal[0]), "wal_bytes": int(float(wal[1])),
                "wal_buffers_full": int(wal[2]), "wal_write": int(wal[3]),
                "wal_sync": int(wal[4]), "checkpoints": int(ckpt[0]) + int(ckpt[1]),
                "checkpoints_requested": int(ckpt[1]), "buffers_checkpoint": int(ckpt[2]),
                "buffers_backend": int(ckpt[3]), "xact_commit": int(xact[0])}


def stats_delta(before, after):
    return {k: after[k] - before[k] for k in before}


class ActivitySampler:
    """Samples pg_stat_activity every `interval` seconds while a client works on `db`: for each of its
    backends, its state and wait event. `active` with no wait event is the server computing;
    `idle` and `idle in transaction` are the server waiting for the client."""

    def __init__(self, pg, db, interval=1.0):
        self.pg, self.db, self.interval = pg, db, interval
        self.counts = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        sql = ("SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM "
               f"pg_stat_activity WHERE datname = '{self.db}' AND pid <> pg_backend_pid() "
               "AND backend_type = 'client backend'")
        while not self._stop.wait(self.interval):
            done = subprocess.run(
                [os.path.join(self.pg.bin_dir, "psql"), "-X", "-q", "-A", "-t", "-F", "\t",
                 "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", PG_USER, "-d", "postgres",
                 "-c", sql], capture_output=True, text=True)
            if done.returncode != 0:
                continue
            self.samples += 1
            for line in done.stdout.splitlines():
                state, wait = (line.split("\t") + [""])[:2]
                key = state if state.startswith("idle") else f"{state} {wait}"
                self.counts[key] += 1

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def report(self):
        """share: of all backend samples; mean_backends: how many backends were in that state
        at a time, on average (the serve nodes' pools hold idle connections too)."""
        total = sum(self.counts.values())
        return {"samples": self.samples, "backend_samples": total,
                "share": {k: round(v / total, 3) for k, v in self.counts.most_common()}
                if total else {},
                "mean_backends": {k: round(v / self.samples, 2)
                                  for k, v in self.counts.most_common()} if self.samples else {}}


def fdatasync_latency(directory, seconds=1.5, max_ops=1000):
    """What one durable commit costs the disk: 8 KB written in place and fdatasync'ed, as the WAL
    writer does (wal_sync_method fdatasync, PostgreSQL's default on Linux), in a loop."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, b"\0" * (1 << 20), 0)
        os.fsync(fd)
        buf = os.urandom(8192)
        lat = []
        end = time.monotonic() + seconds
        while time.monotonic() < end and len(lat) < max_ops:
            t = time.monotonic()
            os.pwrite(fd, buf, (len(lat) % 128) * 8192)
            os.fdatasync(fd)
            lat.append(time.monotonic() - t)
    finally:
        os.close(fd)
        os.remove(path)
    lat.sort()
    return {"ops": len(lat), "median_ms": round(statistics.median(lat) * 1000, 3),
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 3),
            "ops_per_s": round(len(lat) / sum(lat), 1)}


# ---- children: serve nodes and wrk ---------------------------------------------------------

CHILDREN = []  # pids written to WORK/children.pids, for run-pg-bench.sh's trap


def note_child(workdir, pid):
    CHILDREN.append(pid)
    with open(os.path.join(workdir, "children.pids"), "a") as f:
        f.write(f"{pid}\n")


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class ServeNode:
    def __init__(self, paperboy, db, port, workdir, name, db_pool, index):
        self.port, self.name = port, name
        self.log_path = os.path.join(workdir, f"serve-{name}.log")
        self.argv = [paperboy, "serve", "--db", db, "--listen", f"127.0.0.1:{port}",
                     "--index", index, "--access-log", "off", "--api-rate", "0",
                     "--search-rate", "0", "--max-connections-per-client", "0"]
        self.command_template = ("paperboy serve --db DB --listen 127.0.0.1:PORT --index FILE "
                                 "--access-log off --api-rate 0 --search-rate 0 "
                                 "--max-connections-per-client 0")
        if db.startswith("postgresql://"):
            self.argv += ["--db-pool", str(db_pool)]
            self.command_template += f" --db-pool {db_pool}"
        self.log = open(self.log_path, "w")
        started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=self.log)
        note_child(workdir, self.proc.pid)
        for _ in range(3000):
            if self.proc.poll() is not None:
                break
            with open(self.log_path) as f:
                if "serving" in f.read():
                    break
            time.sleep(0.05)
        with open(self.log_path) as f:
            text = f.read()
        if "serving" not in text:
            self.stop()
            sys.exit(f"pg-bench: serve {name} did not start:\n{text[-3000:]}")
        self.start_seconds = time.monotonic() - started

    def cpu_seconds(self):
        return process_cpu_seconds(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def to_ms(text):
    m = re.match(r"^([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return None
    v = float(m.group(1))
    return {"us": v / 1000, "ms": v, "s": v * 1000, "m": v * 60000}[m.group(2)]


def parse_wrk(out):
    r = {}
    m = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+),", out, re.M)
    r["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"^Requests/sec:\s*([\d.]+)", out, re.M)
    r["rps"] = float(m.group(1)) if m else 0.0
    for q in ("50", "75", "90", "99"):
        m = re.search(rf"^\s*{q}%\s+(\S+)", out, re.M)
        r[f"p{q}_ms"] = to_ms(m.group(1)) if m else None
    m = re.search(r"^tail: p99\.9 ([\d.]+) ms, max ([\d.]+) ms", out, re.M)
    if m:
        r["p99_9_ms"], r["max_ms"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    r["socket_errors"] = m.group(1).strip() if m else ""
    return r


def run_wrk(workdir, nodes, script, seconds, connections, env_extra, name):
    """One wrk per node, all at once: -t2 for a single node, -t1 each for two. Returns the
    summed req/s, the per-node results, and the servers' CPU per request."""
    threads = 2 if len(nodes) == 1 else 1
    per_node = connections // len(nodes)
    procs = []
    for k, node in enumerate(nodes):
        env = dict(os.environ, BENCH_SLICE=f"{k}/{len(nodes)}", BENCH_WRK_THREADS=str(threads),
                   **env_extra)
        argv = ["wrk", f"-t{threads}", f"-c{per_node}", f"-d{seconds}s", "--latency",
                "-s", script, f"http://127.0.0.1:{node.port}"]
        out_path = os.path.join(workdir, f"wrk-{name}-{k}.out")
        out = open(out_path, "w")
        procs.append((subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                                       cwd=ROOT), out, out_path, argv))
        note_child(workdir, procs[-1][0].pid)
    return procs


def finish_wrk(procs):
    results = []
    for proc, out, out_path, argv in procs:
        proc.wait()
        out.close()
        text = open(out_path).read()
        if proc.returncode != 0:
            sys.exit(f"pg-bench: {' '.join(argv)} failed:\n{text}")
        r = parse_wrk(text)
        r["command"] = " ".join(argv[:-1] + ["http://127.0.0.1:PORT"])
        results.append(r)
    return results


def measure_http(workdir, nodes, pg, script, seconds, connections, env_extra, name,
                 pg_db=None):
    cpu_nodes = [n.cpu_seconds() for n in nodes]
    cpu_pg = pg.cpu_seconds()
    stats = pg.server_stats(pg_db) if pg_db else None
    t0 = time.monotonic()
    procs = run_wrk(workdir, nodes, script, seconds, connections, env_extra, name)
    if pg_db:
        with ActivitySampler(pg, pg_db, interval=0.5) as sampler:
            per_node = finish_wrk(procs)
    else:
        per_node = finish_wrk(procs)
    wall = time.monotonic() - t0
    requests = sum(r["requests"] for r in per_node)
    node_cpu = sum(n.cpu_seconds() - c for n, c in zip(nodes, cpu_nodes))
    pg_cpu = pg.cpu_seconds() - cpu_pg
    out = {
        "rps": round(sum(r["rps"] for r in per_node), 1),
        "requests": requests,
        # The mixture's percentile lies between its parts': the worse node's is an upper bound.
        "p50_ms": max(r["p50_ms"] for r in per_node),
        "p99_ms": max(r["p99_ms"] for r in per_node),
        "p99_9_ms": max(r.get("p99_9_ms", 0) for r in per_node),
        "max_ms": max(r.get("max_ms", 0) for r in per_node),
        "non_2xx": sum(r["non_2xx"] for r in per_node),
        "wall_s": round(wall, 2),
        "paperboy_cpu_us_per_request": round(node_cpu / max(requests, 1) * 1e6),
        "postgres_cpu_us_per_request": round(pg_cpu / max(requests, 1) * 1e6),
        "per_node": per_node,
    }
    if pg_db:
        delta = stats_delta(stats, pg.server_stats(pg_db))
        out["postgres_commits_per_request"] = round(delta["xact_commit"] / max(requests, 1), 2)
        out["postgres_wal_syncs_per_request"] = round(delta["wal_sync"] / max(requests, 1), 3)
        out["postgres_wal_bytes_per_request"] = round(delta["wal_bytes"] / max(requests, 1))
        out["postgres_backend_activity"] = sampler.report()
    if out["non_2xx"]:
        sys.exit(f"pg-bench: {name}: {out['non_2xx']} answers were not 2xx "
                 f"(see {workdir}/wrk-{name}-*.out)")
    return out


# ---- members with API tokens ---------------------------------------------------------------


def make_members(count):
    """Tokens and the rows for them: users, and api_tokens keyed by the token's SHA-256 in
    lowercase hex (app/auth/crypto.cpp, token_digest)."""
    created = "2026-01-01T00:00:00Z"
    members = []
    for i in range(1, count + 1):
        token = f"pbbench_{i}_{secrets.token_hex(16)}"
        members.append({"id": i, "handle": f"bench-member-{i:06d}",
                        "email": f"bench-member-{i:06d}@bench.invalid",
                        "digest": hashlib.sha256(token.encode()).hexdigest(), "token": token,
                        "created": created})
    return members


def add_members_sqlite(db, members):
    con = sqlite3.connect(db)
    with con:
        con.executemany("INSERT INTO users (id, handle, email, password_hash, role, created_at) "
                        "VALUES (?, ?, ?, '!', 'member', ?)",
                        [(m["id"], m["handle"], m["email"], m["created"]) for m in members])
        con.executemany("INSERT INTO api_tokens (token_digest, user_id, name, created_at) "
                        "VALUES (?, ?, 'bench', ?)",
                        [(m["digest"], m["id"], m["created"]) for m in members])
    con.close()


def add_members_pg(pg, db, members):
    users = "".join(f"{m['id']}\t{m['handle']}\t{m['email']}\t!\tmember\t{m['created']}\n"
                    for m in members)
    tokens = "".join(f"{m['digest']}\t{m['id']}\tbench\t{m['created']}\n" for m in members)
    pg.psql(db, "COPY users (id, handle, email, password_hash, role, created_at) FROM STDIN;\n"
            f"{users}\\.\n"
            "COPY api_tokens (token_digest, user_id, name, created_at) FROM STDIN;\n"
            f"{tokens}\\.\n"
            "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));\n"
            "ANALYZE;\n", via_stdin=True)


# ---- the three parts -----------------------------------------------------------------------


def ingest_rounds(args, pg, work):
    n = args.records
    names = ["pg_ingest", "pg_reingest", "sqlite_ingest", "sqlite_reingest"]
    samples = {k: [] for k in names}
    pg_cpu = {"pg_ingest": [], "pg_reingest": []}
    pg_stats = {"pg_ingest": [], "pg_reingest": []}
    activity = {"pg_ingest": [], "pg_reingest": []}
    sizes = {}
    sqlite_db = str(work / "ingest.db")
    for round_no in range(1, args.repeat + 1):
        pg.recreate("ingest")
        ingest_bench.remove_db(sqlite_db)

        def run_pg():
            argv = [args.paperboy, "ingest", "--db", pg.url("ingest"), "-q", args.snapshot]
            for key in ("pg_ingest", "pg_reingest"):
                before_cpu, before = pg.cpu_seconds(), pg.server_stats("ingest")
                with ActivitySampler(pg, "ingest") as sampler:
                    samples[key].append(ingest_bench.run_measured(argv, str(work)))
                pg_cpu[key].append(pg.cpu_seconds() - before_cpu)
                pg_stats[key].append(stats_delta(before, pg.server_stats("ingest")))
                activity[key].append(sampler.report())
                if key == "pg_ingest":
                    sizes["pg_db_bytes"] = int(pg.value(
                        "postgres", "SELECT pg_database_size('ingest')"))
            rows = int(pg.value("ingest", "SELECT count(*) FROM papers"))
            if rows != n:
                sys.exit(f"pg-bench: the PostgreSQL database has {rows} papers, expected {n}")

        def run_sqlite():
            argv = [args.paperboy, "ingest", "--db", sqlite_db, "-q", args.snapshot]
            samples["sqlite_ingest"].append(ingest_bench.run_measured(argv, str(work)))
            sizes["sqlite_db_bytes"] = ingest_bench.db_bytes(sqlite_db)
            samples["sqlite_reingest"].append(ingest_bench.run_measured(argv, str(work)))
            rows = ingest_bench.count_rows(sqlite_db)
            if rows != n:
                sys.exit(f"pg-bench: the SQLite database has {rows} papers, expected {n}")

        # Which goes first alternates: the second may find the page cache fuller, or the disk
        # still writing back the first's database.
        order = [run_pg, run_sqlite] if round_no % 2 == 1 else [run_sqlite, run_pg]
        for step in order:
            step()
        line = "  ".join(f"{k} {samples[k][-1]['wall_s']:.2f}s" for k in names)
        log(f"ingest round {round_no}/{args.repeat}: {line}")
        ingest_bench.remove_db(sqlite_db)
    pg.psql("postgres", 'DROP DATABASE IF EXISTS "ingest"')

    results = {}
    for k in names:
        walls = [s["wall_s"] for s in samples[k]]
        results[k] = {
            "wall_s": ingest_bench.summarize(walls),
            "records_per_s": ingest_bench.summarize([n / w for w in walls]),
            "client_cpu_s": ingest_bench.summarize([s["cpu_s"] for s in samples[k]]),
            "client_peak_rss_mb": ingest_bench.summarize([s["peak_rss_mb"] for s in samples[k]]),
        }
        if k in pg_cpu:
            results[k]["server_cpu_s"] = ingest_bench.summarize(pg_cpu[k])
            results[k]["server_stats_per_round"] = pg_stats[k]
            results[k]["backend_activity_per_round"] = activity[k]

    def med(k, metric="records_per_s"):
        return results[k][metric]["median"]

    ratios = {
        "ingest_records_per_s_pg_over_sqlite": med("pg_ingest") / med("sqlite_ingest"),
        "reingest_records_per_s_pg_over_sqlite": med("pg_reingest") / med("sqlite_reingest"),
        "db_bytes_pg_over_sqlite": sizes["pg_db_bytes"] / sizes["sqlite_db_bytes"],
    }
    return {"results": results, "db_bytes": sizes, "ratios": ratios,
            "target": {"pg_records_per_s": TARGET_PG_RECORDS_PER_S,
                       "met": med("pg_ingest") >= TARGET_PG_RECORDS_PER_S}}


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_part(args, pg, work):
    n = args.http_records
    sqlite_db = str(work / "web.db")
    log(f"API: loading {n:,} papers into both databases")
    pg.recreate("web")
    load = {}
    for name, db in (("pg", pg.url("web")), ("sqlite", sqlite_db)):
        t = time.monotonic()
        subprocess.run([args.paperboy, "ingest", "--db", db, "-q", args.http_snapshot],
                       check=True, stdout=subprocess.DEVNULL)
        load[f"{name}_ingest_s"] = round(time.monotonic() - t, 2)
    members = make_members(args.members)
    add_members_sqlite(sqlite_db, members)
    add_members_pg(pg, "web", members)
    tokens_file = work / "tokens.txt"
    tokens_file.write_text("".join(m["token"] + "\n" for m in members))
    papers_file = work / "papers.txt"
    con = sqlite3.connect(sqlite_db)
    ids = [r[0] for r in con.execute("SELECT id FROM papers ORDER BY id")]
    con.close()
    papers_file.write_text("".join(i + "\n" for i in ids))
    env = {"BENCH_TOKENS": str(tokens_file), "BENCH_PAPERS": str(papers_file)}
    votes_lua = "bench/pg/votes.lua"  # wrk runs in ROOT
    search_lua = "bench/http/search_queries.lua"
    warmup = max(1, min(3, args.seconds // 3))
    setups = {}
    round_no = 0

    def run_setup(label, nodes, pg_db, extra_votes=None):
        nonlocal round_no
        log(f"API: {label}: search warm-up {warmup}s, search {args.seconds}s, votes "
            f"{args.seconds}s, {args.connections} connections")
        measure_http(work, nodes, pg, search_lua, warmup, args.connections, env,
                     f"{label}-warmup")
        out = {"nodes": len(nodes), "start_s": [round(n.start_seconds, 2) for n in nodes],
               "serve_command": nodes[0].command_template}
        out["search"] = measure_http(work, nodes, pg, search_lua, args.seconds, args.connections,
                                     env, f"{label}-search", pg_db)
        round_no += 1
        out["votes"] = measure_http(work, nodes, pg, votes_lua, args.seconds, args.connections,
                                    dict(env, BENCH_ROUND=str(round_no)), f"{label}-votes", pg_db)
        for key, (setting, what) in (extra_votes or {}).items():
            pg.psql("postgres", f"ALTER DATABASE web SET {setting}")
            # The nodes' pooled connections keep the old setting: new nodes.
            for n in nodes:
                n.stop()
            nodes[:] = [ServeNode(args.paperboy, pg.url("web"), free_port(), str(work),
                                  f"{label}-{key}-{i}", args.db_pool,
                                  str(work / f"web-{label}-{i}.index")) for i in range(len(nodes))]
            round_no += 1
            out[key] = measure_http(work, nodes, pg, votes_lua, args.seconds, args.connections,
                                    dict(env, BENCH_ROUND=str(round_no)), f"{label}-{key}", pg_db)
            out[key]["setting"] = setting
            out[key]["what"] = what
            pg.psql("postgres", f"ALTER DATABASE web RESET {setting.split('=')[0].strip()}")
        for n in nodes:
            n.stop()
        setups[label] = out

    node = ServeNode(args.paperboy, sqlite_db, free_port(), str(work), "sqlite", args.db_pool,
                     sqlite_db + ".index")
    run_setup("sqlite_1_node", [node], None)
    # One PostgreSQL node too: what the second node adds, apart from what the backend costs.
    run_setup("pg_1_node", [ServeNode(args.paperboy, pg.url("web"), free_port(), str(work),
                                      "pg-single", args.db_pool, str(work / "web-pg-single.index"))],
              "web")
    nodes = [ServeNode(args.paperboy, pg.url("web"), free_port(), str(work), f"pg-{i}",
                       args.db_pool, str(work / f"web-pg-{i}.index")) for i in range(2)]
    run_setup("pg_2_nodes", nodes, "web", {
        "votes_synchronous_commit_off": (
            "synchronous_commit = off",
            "diagnostic only: the web database's commits do not wait for the WAL flush "
            "(like SQLite's synchronous=NORMAL, a commit may be lost on a crash of the "
            "server or machine); not the default, not the headline")})
    pg_votes = setups["pg_2_nodes"]["votes"]
    sq_votes = setups["sqlite_1_node"]["votes"]
    pg_search = setups["pg_2_nodes"]["search"]
    sq_search = setups["sqlite_1_node"]["search"]
    ratios = {
        "votes_rps_pg2_over_sqlite1": pg_votes["rps"] / sq_votes["rps"],
        "search_rps_pg2_over_sqlite1": pg_search["rps"] / sq_search["rps"],
        "search_p99_pg2_over_sqlite1": pg_search["p99_ms"] / sq_search["p99_ms"],
    }
    return {"papers": n, "members": args.members, "vote_papers": len(ids),
            "seconds_per_run": args.seconds, "connections": args.connections,
            "warmup_seconds": warmup, "db_pool": args.db_pool, "load_seconds": load,
            "setups": setups, "ratios": ratios}


def pgbench_part(args, pg):
    pgbench = os.path.join(args.pg_bin, "pgbench")
    conn = ["-h", "127.0.0.1", "-p", str(args.pg_port), "-U", PG_USER]
    pg.recreate("pgbench")
    init = [pgbench, "-i", "-s", str(args.pgbench_scale), "-q", *conn, "pgbench"]
    t = time.monotonic()
    subprocess.run(init, check=True, capture_output=True)
    init_s = time.monotonic() - t
    run = [pgbench, "-N", "-c", str(args.pgbench_clients), "-j", "2", "-T",
           str(args.pgbench_seconds), *conn, "pgbench"]
    log(f"pgbench: {' '.join(run[:8])} ({args.pgbench_seconds}s)")
    before_cpu = pg.cpu_seconds()
    before = pg.server_stats("pgbench")
    done = subprocess.run(run, check=True, capture_output=True, text=True)
    server_cpu = pg.cpu_seconds() - before_cpu
    delta = stats_delta(before, pg.server_stats("pgbench"))
    out = done.stdout
    tps = float(re.search(r"^tps = ([\d.]+) \(without initial connection time\)", out, re.M)
                .group(1))
    lat = re.search(r"^latency average = ([\d.]+) ms", out, re.M)
    tx = re.search(r"^number of transactions actually processed: (\d+)", out, re.M)
    pg.psql("postgres", 'DROP DATABASE IF EXISTS "pgbench"')
    return {"init_command": " ".join(init[:5]) + " ... pgbench", "init_s": round(init_s, 2),
            "command": " ".join(run[:8]) + " ... pgbench", "clients": args.pgbench_clients,
            "seconds": args.pgbench_seconds, "scale": args.pgbench_scale, "tps": tps,
            "latency_avg_ms": float(lat.group(1)) if lat else None,
            "transactions": int(tx.group(1)) if tx else None,
            "server_cpu_us_per_transaction": round(server_cpu / max(int(tx.group(1)), 1) * 1e6)
            if tx else None,
            "wal_syncs_per_transaction": round(delta["wal_sync"] / max(delta["xact_commit"], 1), 3)}


# ---- the report ----------------------------------------------------------------------------


def versions(pg_bin):
    pg = subprocess.run([os.path.join(pg_bin, "postgres"), "--version"], capture_output=True,
                        text=True).stdout.strip()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    m = re.search(r"\(PostgreSQL\) (\S+)", pg)
    return {"postgresql": m.group(1) if m else pg,
            "wrk": (wrk.stdout or wrk.stderr).split("\n")[0].strip()}


def print_report(r):
    m = r["machine"]
    print(f"\nPostgreSQL vs SQLite: {m['nproc']} x {m['cpu_model']}, {m['mem_total_gb']} GB, "
          f"PostgreSQL {m['postgresql']}, SQLite {m['sqlite3_shell']}, paperboy "
          f"{m['paperboy_build_type']} @ {m['git_commit']}"
          f"{' (dirty tree)' if m['git_worktree_dirty'] else ''}")
    print(f"load average {m['loadavg_before']} before, {m['loadavg_after']} after; "
          f"8 KB write + fdatasync on this disk: {r['disk_fdatasync']['median_ms']} ms median "
          f"({r['disk_fdatasync']['ops_per_s']:.0f}/s)")
    ing = r["ingest"]
    print(f"\n1. ingest: {r['records']:,} records ({r['snapshot_bytes'] / 1e9:.2f} GB), "
          f"{r['repeat']} rounds, median [min - max]")
    print(f"{'':24} {'records/s':>28} {'wall s':>8} {'client CPU s':>13} {'server CPU s':>13}")
    labels = {"pg_ingest": "PostgreSQL ingest", "sqlite_ingest": "SQLite ingest",
              "pg_reingest": "PostgreSQL re-ingest", "sqlite_reingest": "SQLite re-ingest"}
    for k in ("pg_ingest", "sqlite_ingest", "pg_reingest", "sqlite_reingest"):
        x = ing["results"][k]
        rate = x["records_per_s"]
        server = f"{x['server_cpu_s']['median']:>13.2f}" if "server_cpu_s" in x else f"{'-':>13}"
        print(f"{labels[k]:24} {rate['median']:>10,.0f} [{rate['min']:>7,.0f} - "
              f"{rate['max']:>7,.0f}] {x['wall_s']['median']:>8.2f} "
              f"{x['client_cpu_s']['median']:>13.2f} {server}")
    q = ing["ratios"]
    print(f"PostgreSQL / SQLite (medians): ingest {q['ingest_records_per_s_pg_over_sqlite']:.2f}x, "
          f"re-ingest {q['reingest_records_per_s_pg_over_sqlite']:.2f}x, database size "
          f"{q['db_bytes_pg_over_sqlite']:.2f}x")
    act = ing["results"]["pg_ingest"]["backend_activity_per_round"][-1]["share"]
    if act:
        print("PostgreSQL ingest backends, last round (pg_stat_activity, 1/s): " +
              ", ".join(f"{k} {v:.0%}" for k, v in list(act.items())[:6]))
    t = ing["target"]
    print(f"target >= {t['pg_records_per_s']:,} records/s on PostgreSQL: "
          f"{'met' if t['met'] else 'NOT met'} "
          f"({ing['results']['pg_ingest']['records_per_s']['median']:,.0f})")

    h = r["api"]
    print(f"\n2. API: {h['papers']:,} papers, {h['members']:,} members with API tokens, "
          f"wrk {h['connections']} connections, {h['seconds_per_run']} s per run, "
          f"--db-pool {h['db_pool']}")
    print(f"{'':36} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'paperboy us/req':>16} {'postgres us/req':>16}")
    rows = [("votes, SQLite, 1 node", h["setups"]["sqlite_1_node"]["votes"]),
            ("votes, PostgreSQL, 2 nodes", h["setups"]["pg_2_nodes"]["votes"]),
            ("  (diag.) synchronous_commit=off", h["setups"]["pg_2_nodes"].get(
                "votes_synchronous_commit_off")),
            ("votes, PostgreSQL, 1 node", h["setups"]["pg_1_node"]["votes"]),
            ("search, SQLite, 1 node", h["setups"]["sqlite_1_node"]["search"]),
            ("search, PostgreSQL, 2 nodes", h["setups"]["pg_2_nodes"]["search"]),
            ("search, PostgreSQL, 1 node", h["setups"]["pg_1_node"]["search"])]
    for label, x in rows:
        if not x:
            continue
        pg_us = "-" if "SQLite" in label else x["postgres_cpu_us_per_request"]
        print(f"{label:36} {x['rps']:>9,.0f} {x['p50_ms']:>8.2f} {x['p99_ms']:>8.2f} "
              f"{x['max_ms']:>8.2f} {x['paperboy_cpu_us_per_request']:>16} {pg_us:>16}")
    pv = h["setups"]["pg_2_nodes"]["votes"]
    act = pv["postgres_backend_activity"]["mean_backends"]
    if act:
        print("PostgreSQL backends at a time during the 2-node votes (pg_stat_activity, 2/s): " +
              ", ".join(f"{k} {v:.1f}" for k, v in list(act.items())[:7]))
    q = h["ratios"]
    print(f"PostgreSQL 2 nodes / SQLite 1 node: votes/s {q['votes_rps_pg2_over_sqlite1']:.2f}x, "
          f"search req/s {q['search_rps_pg2_over_sqlite1']:.2f}x, search p99 "
          f"{q['search_p99_pg2_over_sqlite1']:.2f}x; per vote on PostgreSQL "
          f"{pv['postgres_commits_per_request']} commits, "
          f"{pv['postgres_wal_syncs_per_request']} WAL flushes")
    p = r["pgbench"]
    print(f"\n3. pgbench -N -c {p['clients']} -j 2 -T {p['seconds']} (scale {p['scale']}): "
          f"{p['tps']:,.0f} tps (latency {p['latency_avg_ms']} ms); votes/s on PostgreSQL are "
          f"{r['votes_over_pgbench_tps']:.1%} of it")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paperboy", required=True)
    ap.add_argument("--snapshot", required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--http-snapshot", required=True)
    ap.add_argument("--http-records", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--generate-seconds", type=float, default=0)
    ap.add_argument("--pg-bin", required=True)
    ap.add_argument("--pg-port", type=int, required=True)
    ap.add_argument("--pg-data", required=True)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--db-pool", type=int, default=8)
    ap.add_argument("--pgbench-scale", type=int, default=10)
    ap.add_argument("--pgbench-seconds", type=int, default=30)
    ap.add_argument("--pgbench-clients", type=int, default=16)
    ap.add_argument("--results")
    ap.add_argument("--command", default="")
    args = ap.parse_args()
    work = pathlib.Path(args.workdir)
    pg = Pg(args.pg_bin, args.pg_port, args.pg_data)

    # Both sides read the snapshot from the page cache, written back before the first round.
    for path in {args.snapshot, args.http_snapshot}:
        with open(path, "rb") as f:
            os.fsync(f.fileno())
            while f.read(1 << 24):
                pass
    host = ingest_bench.machine(args.paperboy)
    host.update(versions(args.pg_bin))
    settings = pg.non_default_settings()
    durability = pg.settings(["fsync", "synchronous_commit", "full_page_writes",
                              "wal_sync_method", "wal_level", "max_wal_size", "checkpoint_timeout",
                              "shared_buffers", "max_connections"])
    disk = fdatasync_latency(str(work))
    load_before = open("/proc/loadavg").read().split()[:3]
    try:
        log(f"ingest: {args.records:,} records, {args.repeat} rounds")
        ingest = ingest_rounds(args, pg, work)
        api = http_part(args, pg, work)
        bench = pgbench_part(args, pg)
    finally:
        for pid in CHILDREN:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    report = {
        "benchmark": "postgresql-vs-sqlite",
        "command": args.command,
        "records": args.records,
        "repeat": args.repeat,
        "seed": args.seed,
        "snapshot_bytes": os.path.getsize(args.snapshot),
        "generate_seconds": round(args.generate_seconds, 2),
        "machine": dict(host, loadavg_before=" ".join(load_before),
                        loadavg_after=" ".join(open("/proc/loadavg").read().split()[:3])),
        "postgresql_server": {
            "durability_and_size": durability,
            "non_default_settings": settings,
            "data_directory": "a temporary directory on the same file system as the snapshot",
            "connection": "TCP over loopback (127.0.0.1), trust authentication",
        },
        "sqlite": "paperboy's own settings: WAL, synchronous=NORMAL (a commit is not fsync'ed; "
                  "the WAL is at checkpoints)",
        "disk_fdatasync": disk,
        "ingest": ingest,
        "api": api,
        "pgbench": bench,
        "votes_over_pgbench_tps": api["setups"]["pg_2_nodes"]["votes"]["rps"] / bench["tps"],
    }
    print_report(report)
    if args.results:
        pathlib.Path(args.results).parent.mkdir(parents=True, exist_ok=True)
        with open(args.results, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        print(f"\nresults written to {args.results}")


if __name__ == "__main__":
    main()
