#!/usr/bin/env python3
"""Mail benchmark: one daily digest run to N confirmed subscribers through a local SMTP server.

    python3 bench/mail/mail_bench.py --paperboy build/paperboy [--subscribers 10000]
                                     [--results bench/results/mail-10000.json] [--rounds 3]

Loads the real Hugging Face day of ../shared (data/hf-daily-papers/daily_papers_2024-10-25.json,
29 papers; $PAPERBOY_SHARED_DIR for another layout) into a
new database, inserts N confirmed subscriptions with SQL (the double opt-in is not what is
measured), starts tests/support/smtp_server.py (aiosmtpd, on loopback) and runs

    paperboy digest send --db DB --period daily --as-of 2024-10-25

Each round starts from a fresh send log. Reported per round: wall time and messages/s, the
CLI's own count and seconds, the messages the SMTP server wrote, and the CPU seconds of the
sender and of the SMTP server (where the time goes). The peer is the relay's own ceiling: the
same server fed the same number of messages (one of Paperboy's, replayed) by Python's smtplib
over one connection, with no database and no composing.
"""
import argparse
import json
import os
import re
import shutil
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SMTP_SERVER = os.path.join(ROOT, "tests", "support", "smtp_server.py")
SHARED = os.environ.get("PAPERBOY_SHARED_DIR") or os.path.join(os.path.dirname(ROOT), "shared")
CORPUS = os.path.join(SHARED, "data", "hf-daily-papers", "daily_papers_2024-10-25.json")
DAY = "2024-10-25"


def cpu_seconds(pid):
    """User + system CPU seconds of a running process (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Relay:
    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory)
        self.process = subprocess.Popen([sys.executable, SMTP_SERVER, "--dir", directory,
                                         "--port", "0"], stdout=subprocess.PIPE, text=True)
        m = re.match(r"listening on (\d+)", self.process.stdout.readline())
        if not m:
            raise SystemExit("mail-bench: the SMTP server did not start")
        self.port = int(m.group(1))

    def count(self):
        with open(os.path.join(self.dir, "log.jsonl")) as f:
            return sum(1 for _ in f)

    def cpu(self):
        return cpu_seconds(self.process.pid)

    def stop(self):
        self.process.terminate()
        self.process.wait()


def send_round(paperboy, db, work, n, round_number):
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM digest_sends")
        conn.execute("DELETE FROM papers_received")
    relay = Relay(os.path.join(work, f"smtp-{round_number}"))
    try:
        env = dict(os.environ, PAPERBOY_SMTP_URL=f"smtp://127.0.0.1:{relay.port}",
                   PAPERBOY_MAIL_FROM="digest@papers.example.org",
                   PAPERBOY_PUBLIC_URL="https://papers.example.org")
        relay_cpu = relay.cpu()
        out_path, err_path = os.path.join(work, "out.json"), os.path.join(work, "err.txt")
        with open(out_path, "w") as out_file, open(err_path, "w") as err_file:
            started = time.monotonic()
            process = subprocess.Popen([paperboy, "digest", "send", "--db", db, "--period",
                                        "daily", "--as-of", DAY, "--json", "-q"], env=env,
                                       stdout=out_file, stderr=err_file)
            # wait4: the exit status and this child's own CPU time.
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.monotonic() - started
            process.returncode = os.waitstatus_to_exitcode(status)
        with open(out_path) as f:
            out = f.read()
        with open(err_path) as f:
            err = f.read()
        if process.returncode != 0:
            raise SystemExit(f"mail-bench: digest send failed ({process.returncode}):\n{err}")
        report = json.loads(out)
        received = relay.count()
        relay_cpu = relay.cpu() - relay_cpu
        sample = os.path.join(relay.dir, "000001.eml")
        kept = os.path.join(work, "sample.eml")
        shutil.copy(sample, kept)
    finally:
        relay.stop()
    if report["sent"] != n or received != n:
        raise SystemExit(f"mail-bench: sent {report['sent']}, received {received}, expected {n}")
    return {"wall_seconds": round(wall, 3), "messages_per_second": round(n / wall, 1),
            "cli_seconds": report["seconds"], "sent": report["sent"], "received": received,
            "relay_cpu_seconds": round(relay_cpu, 2),
            "sender_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "summary": err.strip().splitlines()[-1] if err.strip() else ""}


def peer_round(work, n):
    """smtplib feeding the same server the same number of (identical) messages."""
    with open(os.path.join(work, "sample.eml"), "rb") as f:
        message = f.read()
    relay = Relay(os.path.join(work, "smtp-peer"))
    try:
        relay_cpu = relay.cpu()
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", relay.port) as client:
            for i in range(n):
                client.sendmail("digest@papers.example.org", [f"reader{i:05d}@example.org"],
                                message)
        wall = time.monotonic() - started
        received = relay.count()
        relay_cpu = relay.cpu() - relay_cpu
    finally:
        relay.stop()
    return {"wall_seconds": round(wall, 3), "messages_per_second": round(n / wall, 1),
            "received": received, "relay_cpu_seconds": round(relay_cpu, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paperboy", required=True)
    parser.add_argument("--subscribers", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--results", default="-")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="paperboy-mail-bench-")
    try:
        db = os.path.join(work, "papers.db")
        subprocess.run([args.paperboy, "ingest", "--db", db, "-q", CORPUS], check=True)
        now = "2024-10-01T00:00:00Z"
        with sqlite3.connect(db) as conn:
            conn.executemany(
                "INSERT INTO subscriptions (email, frequency, topic, status, created_at, "
                "confirmed_at, updated_at) VALUES (?, 'daily', '', 'confirmed', ?, ?, ?)",
                [(f"reader{i:05d}@example.org", now, now, now) for i in range(args.subscribers)])
        n = args.subscribers
        print(f"mail-bench: {n:,} confirmed subscribers, daily digest of {DAY}, "
              f"{args.rounds} rounds", file=sys.stderr)
        rounds = []
        for r in range(args.rounds):
            result = send_round(args.paperboy, db, work, n, r)
            sender_cpu = result["sender_cpu_seconds"]
            rounds.append(result)
            print(f"  round {r + 1}: {result['messages_per_second']:,.0f} messages/s "
                  f"({result['wall_seconds']:.2f} s; CPU: paperboy {sender_cpu:.2f} s, "
                  f"SMTP server {result['relay_cpu_seconds']:.2f} s)", file=sys.stderr)
        peer = peer_round(work, n)
        print(f"  peer (smtplib -> same server, no database): "
              f"{peer['messages_per_second']:,.0f} messages/s ({peer['wall_seconds']:.2f} s; "
              f"SMTP server CPU {peer['relay_cpu_seconds']:.2f} s)", file=sys.stderr)
        best = max(rounds, key=lambda x: x["messages_per_second"])
        median = sorted(x["messages_per_second"] for x in rounds)[len(rounds) // 2]
        print(f"\nMail benchmark: {n:,} subscribers, median {median:,.0f} messages/s, best "
              f"{best['messages_per_second']:,.0f} (target >= 200); relay ceiling "
              f"{peer['messages_per_second']:,.0f}/s")
        if args.results != "-":
            commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True).stdout.strip() or "unknown"
            with open(args.results, "w") as f:
                json.dump({"subscribers": n, "day": DAY, "corpus": os.path.relpath(CORPUS, ROOT),
                           "git": commit, "command": f"bash bench/mail/run-mail-bench.sh {n}",
                           "median_messages_per_second": median, "rounds": rounds,
                           "peer_smtplib_same_server": peer, "target_messages_per_second": 200},
                          f, indent=2)
                f.write("\n")
            print(f"mail-bench: wrote {args.results}", file=sys.stderr)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
