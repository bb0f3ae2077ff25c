"""Several `paperboy serve` nodes on one real PostgreSQL server (python3 stdlib unittest).

What an instance behind a load balancer must hold to, tested with real parts: a PostgreSQL 15
server started by the test (tests/support/postgres_server.py), real `paperboy serve` processes,
the real CLI, the test SMTP server, and nginx in front (the configuration docs/deploy.md shows).

  - votes of 50 members spread over two nodes count exactly, on both nodes and in the database;
  - a vote, a comment and a submission made through one node show on the other; a paper the CLI
    ingests while both run is found by both;
  - one node killed under load: the other keeps answering, without errors;
  - PostgreSQL restarted under load: requests during the outage fail fast (503, Retry-After),
    never hang; the nodes reconnect by themselves; every vote answered 2xx is in the database;
  - digests go out exactly once with the scheduler on in both nodes, one killed with SIGKILL
    mid-run: the other takes the digest lease over when it runs out, and finishes the run;
  - nginx with the documented configuration spreads requests over both nodes and keeps
    answering when one dies.

Latencies are printed, never asserted (bench/ measures). Skips, with one line, when PostgreSQL
is not installed.
"""
import concurrent.futures
import datetime
import hashlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

from mail_harness import (MAIL_FROM, PUBLIC_URL, Paperboy, Serve, SmtpServer, TempDir, header,
                          ingest, paper_item, wait_for, write_corpus)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from postgres_server import PostgresServer  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
NGINX_CONF = os.path.join(ROOT, "docs", "deploy", "nginx-paperboy.conf")


def today(offset=0):
    return (datetime.datetime.now(datetime.timezone.utc).date() +
            datetime.timedelta(days=offset)).isoformat()


def request(port, method, path, body=None, token=None, timeout=20.0):
    """One request on a fresh connection: (status, headers dict, body bytes, seconds)."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        payload = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, payload, \
            time.monotonic() - started
    finally:
        conn.close()


def get_json(port, path):
    status, _, body, _ = request(port, "GET", path)
    if status != 200:
        raise AssertionError(f"GET {path}: {status} {body[:200]!r}")
    return json.loads(body)


class NodesTestCase(unittest.TestCase):
    databases = 0

    @classmethod
    def setUpClass(cls):
        cls.pg = PostgresServer.start_or_skip()
        cls.paperboy = Paperboy()

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()

    def setUp(self):
        self.tmp = TempDir()
        NodesTestCase.databases += 1
        self.db_name = f"nodes{NodesTestCase.databases}"
        self.url = self.pg.create_database(self.db_name)
        self.day = today(-1)
        self.papers = [f"2410.{n:05d}" for n in range(1, 31)]
        items = [paper_item(n, f"Paper number {n} on sparse attention", "An abstract about "
                            "attention and routing for long contexts.", self.day, 10 + n)
                 for n in range(1, 31)]
        ingest(self.paperboy, self.url, write_corpus(self.tmp.file("corpus.json"), items))
        self.nodes = []

    def tearDown(self):
        for node in self.nodes:
            node.stop()
        failed = any(error for _, error in (self._outcome.result.errors +
                                             self._outcome.result.failures)
                     if _ is self) if hasattr(self._outcome, "result") else False
        if failed:
            for node in self.nodes:
                print(f"\n--- {node.name} log ---\n{node.log()[-4000:]}", file=sys.stderr)
        self.tmp.cleanup()

    def start_node(self, name, *extra, env=None):
        # Every test client is 127.0.0.1: the per-client limits would see one client.
        node = Serve(self.paperboy, self.url, self.tmp.file(f"{name}.log"), "--index",
                     self.tmp.file(f"{name}.index"), "--search-rate", "0",
                     "--max-connections-per-client", "0", *extra,
                     env=dict(env or {}, PAPERBOY_NODE_NAME=name))
        node.name = name
        self.nodes.append(node)
        return node

    def sql(self, statement):
        return self.pg.psql(self.db_name, statement)

    def add_members(self, count):
        """`count` members with an API token each, inserted with SQL (test setup: signing up is
        tested over HTTP elsewhere; 50 argon2 hashes would only slow this down). Their tokens."""
        tokens = [secrets.token_urlsafe(32) for _ in range(count)]
        rows = ", ".join(f"('m{i}', 'm{i}@example.org', 'x', 'member', '2024-01-01T00:00:00Z')"
                         for i in range(count))
        self.sql(f"INSERT INTO users (handle, email, password_hash, role, created_at) "
                 f"VALUES {rows}")
        token_rows = ", ".join(
            f"((SELECT id FROM users WHERE handle = 'm{i}'), "
            f"'{hashlib.sha256(t.encode()).hexdigest()}', 'test', '2024-01-01T00:00:00Z')"
            for i, t in enumerate(tokens))
        self.sql(f"INSERT INTO api_tokens (user_id, token_digest, name, created_at) "
                 f"VALUES {token_rows}")
        return tokens

    def upvotes_on(self, node, paper):
        return get_json(node.port, f"/api/papers/{paper}")["upvotes"]

    def wait_until_found(self, nodes, query, paper, timeout=30.0):
        """Polls each node's search until `paper` is a hit; the seconds each took."""
        started = time.monotonic()
        took = {}
        for node in nodes:
            def found():
                hits = get_json(node.port, f"/api/papers/search?q={query}")
                return any(h["paper"]["id"] == paper for h in hits)
            wait_for(found, timeout=timeout, interval=0.02, what=f"{paper} on {node.name}")
            took[node.name] = time.monotonic() - started
        return took


class VotesAndVisibility(NodesTestCase):
    def test_fifty_members_voting_over_two_nodes_count_exactly_everywhere(self):
        a, b = self.start_node("node-a"), self.start_node("node-b")
        tokens = self.add_members(50)
        targets = self.papers[:5]
        base = {p: self.upvotes_on(a, p) for p in targets}
        final = {}  # (member, paper) -> voted, by the last answered request
        errors = []

        def member(i):
            rng = random.Random(i)
            for step in range(30):
                paper = rng.choice(targets)
                up = rng.random() < 0.6
                node = (a, b)[(i + step) % 2]
                status, _, body, _ = request(node.port, "POST" if up else "DELETE",
                                             f"/api/papers/{paper}/upvote", token=tokens[i])
                if status != 200:
                    errors.append((i, step, status, body[:200]))
                    return
                self.assertEqual(json.loads(body)["upvoted"], up)
                final[(i, paper)] = up

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            list(pool.map(member, range(50)))
        self.assertEqual(errors, [])
        expected = {p: sum(1 for (i, q), up in final.items() if q == p and up) for p in targets}
        in_db = dict(self.sql("SELECT paper_id, count(*) FROM votes GROUP BY paper_id"))
        self.assertEqual({p: int(in_db.get(p, 0)) for p in targets}, expected)
        counted = dict(self.sql("SELECT id, votes FROM papers WHERE votes > 0"))
        self.assertEqual({p: int(counted.get(p, 0)) for p in targets}, expected)
        # Both nodes show the exact counts once their caches have followed the feed.
        started = time.monotonic()
        for node in (a, b):
            for p in targets:
                wait_for(lambda: self.upvotes_on(node, p) == base[p] + expected[p],
                         timeout=10, what=f"{p}'s count on {node.name}")
        print(f"\n  counts exact on both nodes {time.monotonic() - started:.3f} s after the "
              f"last vote", file=sys.stderr)

    def test_what_one_node_writes_the_other_shows(self):
        a, b = self.start_node("node-a"), self.start_node("node-b")
        token = self.add_members(1)[0]
        paper = self.papers[3]
        before = self.upvotes_on(b, paper)
        status, _, body, _ = request(a.port, "POST", f"/api/papers/{paper}/upvote", token=token)
        self.assertEqual(status, 200, body)
        started = time.monotonic()
        wait_for(lambda: self.upvotes_on(b, paper) == before + 1, timeout=10,
                 what="the vote on node b")
        vote_seen = time.monotonic() - started
        status, _, body, _ = request(a.port, "POST", f"/api/papers/{paper}/comments",
                                     {"body": "Seen from the other node?"}, token=token)
        self.assertEqual(status, 201, body)
        started = time.monotonic()
        wait_for(lambda: any(c.get("body") == "Seen from the other node?" or
                             "Seen from the other node?" in json.dumps(c)
                             for c in get_json(b.port, f"/api/papers/{paper}/comments")),
                 timeout=10, what="the comment on node b")
        comment_seen = time.monotonic() - started
        # A submission to today's list through node b shows in node a's list of today.
        submitted = self.papers[7]
        status, _, body, _ = request(b.port, "POST", "/api/papers/submit", {"arxivId": submitted},
                                     token=token)
        self.assertIn(status, (200, 201), body)
        started = time.monotonic()
        wait_for(lambda: any(item["paper"]["id"] == submitted for item in
                             get_json(a.port, f"/api/daily_papers?date={today()}")),
                 timeout=10, what="the submission on node a")
        submission_seen = time.monotonic() - started
        print(f"\n  seen on the other node after: vote {vote_seen:.3f} s, comment "
              f"{comment_seen:.3f} s, submission {submission_seen:.3f} s", file=sys.stderr)

    def test_a_paper_the_cli_ingests_is_found_on_both_nodes(self):
        a, b = self.start_node("node-a"), self.start_node("node-b")
        item = paper_item(777, "Zanzibarian lattices for quantized retrieval",
                          "We study zanzibarian lattices.", self.day, 3)
        ingest(self.paperboy, self.url, write_corpus(self.tmp.file("new.json"), [item]))
        took = self.wait_until_found((a, b), "zanzibarian", "2410.00777")
        print("\n  ingested paper found after " +
              ", ".join(f"{k} {v:.3f} s" for k, v in took.items()), file=sys.stderr)


class Failures(NodesTestCase):
    def load(self, ports, seconds, stop_event=None, token=None):
        """Reads (and, with a token, votes) against `ports` from 8 threads for `seconds`;
        the (status, seconds, port) of every request."""
        results = []
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def worker(w):
            rng = random.Random(w)
            while time.monotonic() < deadline and not (stop_event and stop_event.is_set()):
                port = rng.choice(ports)
                path = rng.choice([f"/api/daily_papers?date={self.day}",
                                   "/api/papers/search?q=attention",
                                   f"/api/papers/{rng.choice(self.papers)}"])
                try:
                    status, headers, _, took = request(port, "GET", path, timeout=15)
                except OSError as e:
                    status, headers, took = f"error: {e}", {}, 0.0
                with lock:
                    results.append((status, took, port, headers.get("retry-after")))

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(worker, range(8)))
        return results

    def test_one_node_killed_under_load_the_other_answers_without_errors(self):
        a, b = self.start_node("node-a"), self.start_node("node-b")
        killer = threading.Timer(1.0, lambda: a.process.send_signal(signal.SIGKILL))
        killer.start()
        results = self.load([b.port], seconds=3.0)
        killer.join()
        a.process.wait(timeout=10)
        self.assertGreater(len(results), 50)
        bad = [r for r in results if r[0] != 200]
        self.assertEqual(bad, [])
        took = sorted(r[1] for r in results)
        print(f"\n  node b while node a was killed: {len(results)} requests, all 200, p99 "
              f"{took[int(len(took) * 0.99)] * 1000:.1f} ms", file=sys.stderr)

    def test_postgresql_restarted_under_load_nodes_reconnect_and_lose_no_answered_vote(self):
        a, b = self.start_node("node-a"), self.start_node("node-b")
        tokens = self.add_members(10)
        answered = []  # (member, paper, status, seconds, retry-after)
        lock = threading.Lock()
        outage_over = threading.Event()

        def member(i):
            # Each member upvotes the papers in turn, over both nodes, until the outage is
            # over and it has gone round once more.
            step = 0
            while step < len(self.papers):
                paper = self.papers[step]
                node = (a, b)[(i + step) % 2]
                try:
                    status, headers, _, took = request(node.port, "POST",
                                                       f"/api/papers/{paper}/upvote",
                                                       token=tokens[i], timeout=30)
                    retry = headers.get("retry-after")
                except OSError as e:
                    status, took, retry = f"error: {e}", 0.0, None
                with lock:
                    answered.append((i, paper, status, took, retry))
                if status == 200 or outage_over.is_set():
                    step += 1
                time.sleep(0.05)

        with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
            futures = [pool.submit(member, i) for i in range(10)]
            time.sleep(0.5)
            self.pg.stop_for_restart("immediate")
            time.sleep(3.0)
            self.pg.start_again()
            restarted = time.monotonic()
            # The nodes reconnect by themselves: votes are answered again.
            wait_for(lambda: any(r[2] == 200 for r in answered[-20:]) and
                     time.monotonic() - restarted > 0.5, timeout=60,
                     what="votes answered again after the restart")
            outage_over.set()
            for f in futures:
                f.result()
        statuses = {r[2] for r in answered}
        self.assertTrue(statuses <= {200, 503}, statuses)
        failed = [r for r in answered if r[2] == 503]
        self.assertGreater(len(failed), 0, "no request met the outage")
        self.assertTrue(all(r[4] for r in failed), "a 503 without Retry-After")
        slowest = max(r[3] for r in failed)
        # Every vote answered 2xx is in the database.
        ok = {(f"m{r[0]}", r[1]) for r in answered if r[2] == 200}
        rows = {(h, p) for h, p in self.sql(
            "SELECT u.handle, v.paper_id FROM votes v JOIN users u ON u.id = v.user_id")}
        self.assertEqual(ok - rows, set())
        print(f"\n  restart under load: {len(answered)} votes, {len(failed)} answered 503 "
              f"(slowest {slowest:.2f} s), {len(ok)} answered 200, all of them stored",
              file=sys.stderr)


class DigestsOnTwoNodes(NodesTestCase):
    def test_a_node_killed_mid_run_the_other_finishes_and_each_digest_goes_once(self):
        readers = [f"reader{i:03d}@example.org" for i in range(200)]
        now = "2024-01-01T00:00:00Z"
        rows = ", ".join(f"('{r}', 'daily', '', 'confirmed', '{now}', '{now}', '{now}')"
                         for r in readers)
        self.sql("INSERT INTO subscriptions (email, frequency, topic, status, created_at, "
                 f"confirmed_at, updated_at) VALUES {rows}")
        smtp = SmtpServer(self.tmp.file("smtp"))
        self.addCleanup(smtp.stop)
        mail = ["--smtp-url", f"smtp://127.0.0.1:{smtp.port}", "--mail-from", MAIL_FROM,
                "--public-url", PUBLIC_URL, "--digest-time", "00:00", "--digest-weekends",
                "--lease-ttl", "3"]
        a = self.start_node("node-a", *mail)
        b = self.start_node("node-b", *mail)
        # One of them holds the digest lease and sends; freeze and kill it mid-run.
        holder = wait_for(lambda: (self.sql("SELECT holder FROM leases WHERE name = 'digest'")
                                   or [[None]])[0][0], timeout=30, what="a sender")
        sender = a if holder.startswith("node-a:") else b
        other = b if sender is a else a
        wait_for(lambda: smtp.count() >= 40, interval=0.001, timeout=60, what="40 messages")
        sender.process.send_signal(signal.SIGSTOP)
        sender.process.send_signal(signal.SIGKILL)
        sender.process.wait()
        at_kill = smtp.count()
        self.assertLess(at_kill, len(readers), "nothing left to send after the kill")
        started = time.monotonic()
        wait_for(lambda: smtp.count() >= len(readers), timeout=90,
                 what=f"{other.name} to finish the run")
        # Exactly once: one distinct Message-ID per reader; at most the message in flight at
        # the kill arrives twice (same Message-ID), and the send log agrees.
        time.sleep(0.5)
        copies = {}
        for message in smtp.messages():
            for rcpt in message["rcpt"]:
                copies.setdefault(rcpt, []).append(header(message, "Message-ID"))
        self.assertEqual(sorted(copies), sorted(readers))
        for rcpt, ids in copies.items():
            self.assertEqual(len(set(ids)), 1, f"{rcpt} got different messages: {ids}")
        duplicated = [r for r, ids in copies.items() if len(ids) > 1]
        self.assertLessEqual(len(duplicated), 1, duplicated)
        sent = self.sql("SELECT count(*) FROM digest_sends WHERE state = 'sent'")[0][0]
        self.assertEqual(int(sent), len(readers))
        print(f"\n  {sender.name} killed after {at_kill} messages; {other.name} finished the "
              f"run {time.monotonic() - started:.1f} s later (lease ttl 3 s); duplicates "
              f"{len(duplicated)}", file=sys.stderr)


class BehindNginx(NodesTestCase):
    def test_nginx_spreads_requests_over_both_nodes_and_survives_one(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            self.skipTest("nginx is not installed (Debian package nginx-light)")
        # As docs/deploy.md runs them behind a proxy.
        behind = ["--access-log", "-", "--trust-proxy"]
        a = self.start_node("node-a", *behind)
        b = self.start_node("node-b", *behind)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        root = self.tmp.file("nginx")
        os.makedirs(os.path.join(root, "logs"))
        with open(NGINX_CONF, encoding="utf-8") as f:
            site = f.read()
        # The documented server block, with this test's addresses.
        site = site.replace("server 10.0.0.11:8080", f"server 127.0.0.1:{a.port}")
        site = site.replace("server 10.0.0.12:8080", f"server 127.0.0.1:{b.port}")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
        conf = os.path.join(root, "nginx.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(f"daemon off;\nerror_log {root}/logs/error.log;\npid {root}/nginx.pid;\n"
                    f"events {{}}\nhttp {{\n"
                    f"access_log {root}/logs/access.log;\n"
                    f"client_body_temp_path {root}/body;\nproxy_temp_path {root}/proxy;\n"
                    f"fastcgi_temp_path {root}/fastcgi;\nuwsgi_temp_path {root}/uwsgi;\n"
                    f"scgi_temp_path {root}/scgi;\n{site}\n}}\n")
        proc = subprocess.Popen([nginx, "-p", root, "-c", conf], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        self.addCleanup(lambda: (proc.terminate(), proc.wait()))

        def up():
            try:
                return request(port, "GET", "/healthz", timeout=2)[0] == 200
            except OSError:
                return False
        wait_for(up, timeout=20, what="nginx")
        for _ in range(40):
            status, headers, _, _ = request(port, "GET", f"/api/papers/{self.papers[0]}")
            self.assertEqual(status, 200)
        # Both nodes answered some (their access logs go to their logs).
        served = {a.name: a.log().count("/api/papers/"), b.name: b.log().count("/api/papers/")}
        self.assertTrue(all(served.values()), served)
        results = []
        a.process.send_signal(signal.SIGKILL)
        a.process.wait()
        for _ in range(40):
            results.append(request(port, "GET", f"/api/daily_papers?date={self.day}")[0])
        self.assertEqual(set(results), {200})
        print(f"\n  through nginx: {served}; after node-a died: {len(results)} requests, "
              f"all 200", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
