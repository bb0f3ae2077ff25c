#!/usr/bin/env python3
"""Measures ingest of one snapshot file: Paperboy against the sqlite3 shell (the peer), in the
same run, on the same file. Called by bench/run-ingest-bench.sh, which generates the file and
removes the work directory; see bench/README.md.

Each round, on fresh databases:
  paperboy_ingest    paperboy ingest --db DB -q FILE
  paperboy_reingest  the same command again on the same DB (every record unchanged)
  peer_import        sqlite3: .import of the raw lines into a TEMP staging table, then one
                     INSERT OR REPLACE ... SELECT json_extract(line, '$.field') ... in one
                     transaction (WAL, synchronous=NORMAL): the "raw SQLite floor"
  peer_reimport      the same script again on the same DB (every row replaced)
Wall time and CPU time of each process, and its peak RSS (ru_maxrss from wait4), are recorded;
the report gives median [min, max] over the rounds and the ratios of the medians.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

TARGET_RECORDS_PER_S = 50000
HAVE_GNU_TIME = os.access("/usr/bin/time", os.X_OK)

FIELDS = [("id", "id"), ("submitter", "submitter"), ("authors", "authors"), ("title", "title"),
          ("comments", "comments"), ("journal_ref", "journal-ref"), ("doi", "doi"),
          ("report_no", "report-no"), ("categories", "categories"), ("license", "license"),
          ("abstract", "abstract"), ("versions", "versions"), ("update_date", "update_date"),
          ("authors_parsed", "authors_parsed")]


def peer_script(snapshot):
    columns = ", ".join(f"{c} TEXT" for c, _ in FIELDS[1:])
    extracts = ", ".join(f"json_extract(line, '$.{k}')" for _, k in FIELDS)
    # .mode ascii splits on \x1f (never in JSON text: control characters are escaped) and,
    # with the row separator set back to \n, reads one raw JSON line per row.
    return f"""PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS papers (id TEXT PRIMARY KEY NOT NULL, {columns});
CREATE TEMP TABLE staging (line TEXT);
.mode ascii
.separator "\\037" "\\n"
.import --schema temp {snapshot} staging
BEGIN;
INSERT OR REPLACE INTO papers SELECT {extracts} FROM temp.staging;
COMMIT;
"""


GNU_TIME = "/usr/bin/time"


def run_measured(argv, workdir, stdin_path=None, env=None):
    """Runs argv; returns its wall seconds, CPU seconds and peak RSS in MB.

    Peak RSS comes from GNU time, whose child is forked from a 1 MB process. Linux carries a
    forking process's peak RSS over into its child at exec, so ru_maxrss of a child of this
    Python process would never read below Python's own ~14 MB: only the fallback (no GNU time
    installed) uses it, and says so in the report.
    """
    time_file = os.path.join(workdir, "time.out")
    wrapped = [GNU_TIME, "-f", "%U %S %M", "-o", time_file, *argv] if HAVE_GNU_TIME else argv
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        start = time.monotonic()
        proc = subprocess.Popen(wrapped, stdin=stdin, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=env)
        # communicate() would reap the child itself; read stderr, then wait4 for its rusage.
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdin_path:
            stdin.close()
    if proc.returncode != 0:
        sys.exit(f"ingest-bench: {' '.join(argv)} exited with {proc.returncode}:\n"
                 f"{err.decode(errors='replace')[-2000:]}")
    if HAVE_GNU_TIME:
        with open(time_file) as f:
            user, system, max_kb = f.read().split("\n")[-2].split()
        cpu, max_kb = float(user) + float(system), int(max_kb)
    else:
        cpu, max_kb = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": max_kb / 1024.0}


def count_rows(db):
    out = subprocess.run(["sqlite3", db, "SELECT count(*) FROM papers"], check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip())


def db_bytes(db):
    return sum(os.path.getsize(p) for p in (db, db + "-wal", db + "-shm") if os.path.exists(p))


def remove_db(db):
    for p in (db, db + "-wal", db + "-shm"):
        if os.path.exists(p):
            os.remove(p)


def summarize(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def machine(paperboy):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    root = pathlib.Path(__file__).resolve().parent.parent

    def git(*args):
        r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""

    build_type = ""
    cache = pathlib.Path(paperboy).parent / "CMakeCache.txt"
    if cache.exists():
        for line in cache.read_text().splitlines():
            if line.startswith("CMAKE_BUILD_TYPE:"):
                build_type = line.split("=", 1)[1]
    sqlite = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "mem_total_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "sqlite3_shell": sqlite.split()[0] if sqlite else "",
        "paperboy_build_type": build_type,
        # The binary is what was measured; compare its build time with the commit's.
        "paperboy_binary_built": datetime.datetime.fromtimestamp(
            os.path.getmtime(paperboy), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_commit_date": git("log", "-1", "--format=%cI"),
        "git_worktree_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paperboy", required=True)
    ap.add_argument("--snapshot", required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--results", help="JSON file to write")
    ap.add_argument("--generate-seconds", type=float, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--command", default="", help="the command line, for the record")
    args = ap.parse_args()

    work = pathlib.Path(args.workdir)
    script = work / "peer.sql"
    script.write_text(peer_script(args.snapshot))
    env = dict(os.environ, SQLITE_TMPDIR=str(work))  # the TEMP staging table spills here
    n = args.records
    # Both sides read the file from the page cache, and the generator's 2 GB of dirty pages are
    # on disk before the first round (their writeback would slow it down).
    with open(args.snapshot, "rb") as f:
        os.fsync(f.fileno())
        while f.read(1 << 24):
            pass

    # Read before the runs: the tree may move on while they take minutes.
    host = machine(args.paperboy)
    # Other work on the machine skews every number; the load averages show whether there was any.
    load_before = open("/proc/loadavg").read().split()[:3]
    names = ["paperboy_ingest", "paperboy_reingest", "peer_import", "peer_reimport"]
    samples = {k: [] for k in names}
    sizes = {}
    for round_no in range(1, args.repeat + 1):
        db = str(work / "paperboy.db")
        peer_db = str(work / "peer.db")
        remove_db(db)
        remove_db(peer_db)
        ingest = [args.paperboy, "ingest", "--db", db, "-q", args.snapshot]
        samples["paperboy_ingest"].append(run_measured(ingest, work))
        sizes["paperboy_db_bytes"] = db_bytes(db)
        samples["paperboy_reingest"].append(run_measured(ingest, work))
        samples["peer_import"].append(run_measured(["sqlite3", "-bail", peer_db], work, script, env))
        sizes["peer_db_bytes"] = db_bytes(peer_db)
        samples["peer_reimport"].append(run_measured(["sqlite3", "-bail", peer_db], work, script, env))
        for name, path in (("paperboy", db), ("peer", peer_db)):
            rows = count_rows(path)
            if rows != n:
                sys.exit(f"ingest-bench: {name} database has {rows} papers, expected {n}")
        line = "  ".join(f"{k} {samples[k][-1]['wall_s']:.2f}s" for k in names)
        print(f"round {round_no}/{args.repeat}: {line}", file=sys.stderr)
        remove_db(db)
        remove_db(peer_db)

    results = {}
    for k in names:
        walls = [s["wall_s"] for s in samples[k]]
        results[k] = {
            "wall_s": summarize(walls),
            "records_per_s": summarize([n / w for w in walls]),
            "cpu_s": summarize([s["cpu_s"] for s in samples[k]]),
            "peak_rss_mb": summarize([s["peak_rss_mb"] for s in samples[k]]),
        }

    def ratio(a, b, metric):
        return results[a][metric]["median"] / results[b][metric]["median"]

    ratios = {
        "ingest_records_per_s_paperboy_over_peer": ratio("paperboy_ingest", "peer_import",
                                                         "records_per_s"),
        "reingest_records_per_s_paperboy_over_peer": ratio("paperboy_reingest", "peer_reimport",
                                                           "records_per_s"),
        "ingest_peak_rss_paperboy_over_peer": ratio("paperboy_ingest", "peer_import",
                                                    "peak_rss_mb"),
        "db_bytes_paperboy_over_peer": sizes["paperboy_db_bytes"] / sizes["peer_db_bytes"],
    }
    median_rate = results["paperboy_ingest"]["records_per_s"]["median"]
    report = {
        "benchmark": "ingest",
        "command": args.command,
        "records": n,
        "repeat": args.repeat,
        "seed": args.seed,
        "snapshot_bytes": os.path.getsize(args.snapshot),
        "generate_seconds": round(args.generate_seconds, 2),
        "machine": dict(host,
                        loadavg_before=" ".join(load_before),
                        loadavg_after=" ".join(open("/proc/loadavg").read().split()[:3])),
        "peer": "sqlite3 shell: .import into a TEMP staging table + INSERT OR REPLACE ... "
                "SELECT json_extract(...) x14, one transaction, WAL, synchronous=NORMAL",
        "peak_rss_method": "GNU time %M" if HAVE_GNU_TIME else
                           "wait4 ru_maxrss (floor: the harness's own RSS, ~14 MB)",
        "results": results,
        "db_bytes": sizes,
        "ratios": ratios,
        "target": {"records_per_s": TARGET_RECORDS_PER_S,
                   "met": median_rate >= TARGET_RECORDS_PER_S},
    }
    print_table(report)
    if args.results:
        pathlib.Path(args.results).parent.mkdir(parents=True, exist_ok=True)
        with open(args.results, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        print(f"results written to {args.results}")


def print_table(r):
    labels = {
        "paperboy_ingest": "paperboy ingest (new db)",
        "peer_import": "peer: sqlite3 json_extract",
        "paperboy_reingest": "paperboy re-ingest",
        "peer_reimport": "peer: sqlite3 re-import",
    }
    m = r["machine"]
    print(f"ingest benchmark: {r['records']:,} records ({r['snapshot_bytes'] / 1e9:.2f} GB JSON "
          f"lines), {r['repeat']} rounds, median [min - max]")
    print(f"machine: {m['nproc']} x {m['cpu_model']}, {m['mem_total_gb']} GB, "
          f"sqlite3 {m['sqlite3_shell']}, paperboy {m['paperboy_build_type']} @ {m['git_commit']}"
          f"{' (dirty tree)' if m['git_worktree_dirty'] else ''}; load average "
          f"{m['loadavg_before']} before, {m['loadavg_after']} after")
    print(f"{'':28} {'records/s':>28} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    for k in ("paperboy_ingest", "peer_import", "paperboy_reingest", "peer_reimport"):
        x = r["results"][k]
        rate = x["records_per_s"]
        print(f"{labels[k]:28} {rate['median']:>10,.0f} [{rate['min']:>7,.0f} - {rate['max']:>7,.0f}]"
              f" {x['wall_s']['median']:>8.2f} {x['cpu_s']['median']:>8.2f}"
              f" {x['peak_rss_mb']['median']:>12.1f}")
    q = r["ratios"]
    print(f"paperboy / peer (medians): ingest records/s {q['ingest_records_per_s_paperboy_over_peer']:.2f}x, "
          f"re-ingest records/s {q['reingest_records_per_s_paperboy_over_peer']:.2f}x, "
          f"peak RSS {q['ingest_peak_rss_paperboy_over_peer']:.1f}x, "
          f"db size {q['db_bytes_paperboy_over_peer']:.2f}x")
    t = r["target"]
    print(f"target >= {t['records_per_s']:,} records/s: "
          f"{'met' if t['met'] else 'NOT met'} ({r['results']['paperboy_ingest']['records_per_s']['median']:,.0f})")


if __name__ == "__main__":
    main()
