"""The real parts of Paperboy's mail tests, for test_mail_*.py (python3 stdlib unittest).

  - Paperboy:   the real binary, run to completion (`paperboy digest send ...`) or started in
                the background (so that a test can kill it);
  - SmtpServer: tests/support/smtp_server.py (aiosmtpd) on an ephemeral loopback port; the
                messages it accepted, parsed by tests/support/parse_mail.py (Python's `email`);
  - Serve:      a real `paperboy serve` on an ephemeral loopback port, stopped with SIGTERM;
  - Http:       a small HTTP client over http.client that follows no redirects and keeps the
                cookies it is given (the browser's part, without a browser);
  - a generated Hugging Face daily-papers file with the days the tests need, and confirmed
    subscribers inserted straight into the database (test setup only: the double opt-in
    itself is tested through HTTP in test_mail_flow.py);
  - the database a test runs against (fresh_database): a SQLite file in its temporary directory,
    or, when PAPERBOY_TEST_BACKEND=postgres (CTest's NAME_pg variants), a fresh database of a
    PostgreSQL server started once per test process (tests/support/postgres_server.py; the test
    is skipped when PostgreSQL is absent). query(), execute() and add_confirmed() take either: a
    SQLite path (sqlite3) or a PostgreSQL URL (psql, rows as sqlite3 returns them).

The binary comes from the PAPERBOY_BINARY environment variable (CTest sets it). Every process
is started by a test and stopped by it (or by tearDown), every file is under a temporary
directory removed at the end.
"""
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SUPPORT = os.path.join(HERE, "..", "support")
sys.path.insert(0, SUPPORT)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import parse_mail  # noqa: E402  (tests/support/parse_mail.py)

BINARY = os.environ.get("PAPERBOY_BINARY", "")
# The links in mail start with this; requests go to the real server (Http rewrites them).
PUBLIC_URL = "http://papers.test"
MAIL_FROM = "digest@papers.test"


def wait_for(predicate, timeout=20.0, interval=0.02, what="a condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Paperboy:
    """The binary, with a base environment (the mail settings, as an operator exports them)."""

    def __init__(self, env=None):
        if not BINARY or not os.path.exists(BINARY):
            raise RuntimeError("set PAPERBOY_BINARY to the paperboy binary")
        self.env = dict(os.environ)
        for key in list(self.env):
            if key.startswith("PAPERBOY_") and key != "PAPERBOY_BINARY":
                del self.env[key]
        self.env.update(env or {})

    def run(self, *args, env=None, timeout=120):
        full = dict(self.env)
        full.update(env or {})
        return subprocess.run([BINARY, *args], env=full, capture_output=True, text=True,
                              timeout=timeout)

    def start(self, *args, env=None, log_path=None):
        full = dict(self.env)
        full.update(env or {})
        out = open(log_path, "wb") if log_path else subprocess.DEVNULL
        try:
            return subprocess.Popen([BINARY, *args], env=full, stdout=out, stderr=out)
        finally:
            if log_path:
                out.close()


class SmtpServer:
    """tests/support/smtp_server.py in the background; what it received."""

    def __init__(self, directory, *extra):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(SUPPORT, "smtp_server.py"), "--dir", directory,
             "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        m = re.match(r"listening on (\d+)", line)
        if not m:
            self.process.kill()
            err = self.process.stderr.read()
            self.process.wait()
            raise RuntimeError(f"the SMTP server did not start: {line!r} {err}")
        self.port = int(m.group(1))
        self.url = f"smtp://127.0.0.1:{self.port}"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()

    def log(self):
        """The accepted messages: [{"file", "mail_from", "rcpt_tos", "peer"}], in order."""
        path = os.path.join(self.dir, "log.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            # A line being written may be incomplete: only whole lines count.
            return [json.loads(line) for line in f.read().splitlines(keepends=True)
                    if line.endswith("\n")]

    def count(self):
        return len(self.log())

    def wait_count(self, n, timeout=20.0):
        return wait_for(lambda: self.count() >= n, timeout, what=f"{n} messages")

    def messages(self, since=0):
        """Parsed messages (parse_mail.describe) from the `since`-th on, each with "rcpt"."""
        out = []
        for entry in self.log()[since:]:
            parsed = parse_mail.describe(os.path.join(self.dir, entry["file"]))
            parsed["rcpt"] = entry["rcpt_tos"]
            out.append(parsed)
        return out

    def to(self, address, since=0):
        return [m for m in self.messages(since) if address in m["rcpt"]]


def header(message, name):
    """The first value of header `name` of a parse_mail result ("" when there is none)."""
    for key, value in message["headers"]:
        if key.lower() == name.lower():
            return value
    return ""


class Serve:
    """`paperboy serve` on 127.0.0.1:0, started and waited for until it says where it listens."""

    def __init__(self, paperboy, db, log_path, *extra, env=None):
        self.log_path = log_path
        self.process = paperboy.start("serve", "--db", db, "--listen", "127.0.0.1:0",
                                      "--api-rate", "0", *extra, env=env, log_path=log_path)
        pattern = re.compile(r"serving .* at http://127\.0\.0\.1:(\d+)/")

        def listening():
            m = pattern.search(self.log())
            if m:
                return int(m.group(1))
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.log()}")
            return None

        self.port = wait_for(listening, timeout=60, what="serve to listen")

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, timeout=15):
        """SIGTERM; the exit status (None when it had to be killed)."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def http(self):
        return Http(self.port)


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # [(name, value)]
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class Http:
    """Requests to the server on `port`; URLs under PUBLIC_URL go to it too. Keeps cookies."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def path_of(self, url):
        if url.startswith(PUBLIC_URL):
            url = url[len(PUBLIC_URL):]
        if url.startswith("http"):
            raise AssertionError(f"{url} is not under {PUBLIC_URL}")
        return url or "/"

    def request(self, method, url, body=None, headers=None, cookies=True):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Host": "papers.test"}
        if cookies and self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, self.path_of(url), body=body, headers=all_headers)
        response = conn.getresponse()
        reply = Reply(response.status, response.getheaders(), response.read())
        conn.close()
        if cookies:
            for name, value in reply.headers:
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    if val and "Max-Age=0" not in value:
                        self.cookies[key.strip()] = val.strip()
                    else:
                        self.cookies.pop(key.strip(), None)
        return reply

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post_form(self, url, fields, **kw):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(kw.pop("headers", {}))
        return self.request("POST", url, urllib.parse.urlencode(fields), headers=headers, **kw)

    def post_json(self, url, value, **kw):
        return self.request("POST", url, json.dumps(value),
                            headers={"Content-Type": "application/json"}, **kw)


def hidden_field(html, name):
    m = re.search(r'<input[^>]*name="' + re.escape(name) + r'"[^>]*value="([^"]*)"', html)
    if not m:
        m = re.search(r'<input[^>]*value="([^"]*)"[^>]*name="' + re.escape(name) + r'"', html)
    return m.group(1) if m else None


# ---- the corpus ----

def paper_item(number, title, summary, day, upvotes):
    """One Hugging Face /api/daily_papers item (late-2024 schema) listed on `day`."""
    return {
        "paper": {
            "id": f"2410.{number:05d}",
            "authors": [{"name": "Ada Lovelace"}, {"name": "Émile Borel"},
                        {"name": "Grace Hopper"}, {"name": "Alan Turing"}],
            "publishedAt": f"{day}T06:00:00.000Z",
            "title": title,
            "summary": summary,
            "upvotes": upvotes,
        },
        "publishedAt": f"{day}T08:00:00.000Z",
        "title": title,
        "numComments": 0,
        "submittedBy": {"name": "akhaliq"},
    }


def write_corpus(path, items):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(items, f, ensure_ascii=False)
    return path


def ingest(paperboy, db, path):
    r = paperboy.run("ingest", "--db", db, "-q", path)
    if r.returncode != 0:
        raise AssertionError(f"ingest failed: {r.stderr}")


# ---- subscribers, straight into the store (test setup) ----

def add_confirmed(db, emails, frequency="daily", topic=""):
    """Confirmed subscriptions, inserted with SQL: the double opt-in is tested over HTTP
    elsewhere; hundreds of subscribers are only needed here to have something to interrupt."""
    now = "2024-10-01T00:00:00Z"
    if is_postgres(db):
        if emails:
            rows = ", ".join(_with_literals("(?, ?, ?, 'confirmed', ?, ?, ?)",
                                            (e, frequency, topic, now, now, now))
                             for e in emails)
            execute(db, "INSERT INTO subscriptions (email, frequency, topic, status, "
                    "created_at, confirmed_at, updated_at) VALUES " + rows)
        return
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO subscriptions (email, frequency, topic, status, created_at, "
            "confirmed_at, updated_at) VALUES (?, ?, ?, 'confirmed', ?, ?, ?)",
            [(e, frequency, topic, now, now, now) for e in emails])
    conn.close()


def query(db, sql, *params):
    """The rows of `sql` (with `?` parameters), as tuples, from a SQLite path or a PostgreSQL
    URL: numbers, booleans and NULLs come back typed on both (a boolean compares equal to
    SQLite's 0 and 1)."""
    if is_postgres(db):
        # One JSON object per row keeps the types; its pairs keep the columns' order (and
        # duplicate names).
        lines = _psql(db, f"SELECT row_to_json(q) FROM ({_with_literals(sql, params)}) q")
        return [json.loads(line, object_pairs_hook=lambda pairs: tuple(v for _, v in pairs))
                for line in lines]
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def execute(db, sql, *params):
    """Runs one statement (with `?` parameters) on a SQLite path or a PostgreSQL URL."""
    if is_postgres(db):
        _psql(db, _with_literals(sql, params))
        return
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


# ---- the backend: SQLite or PostgreSQL ----

def is_postgres(db):
    return db.startswith(("postgresql://", "postgres://"))


def backend():
    """The backend PAPERBOY_TEST_BACKEND names: "sqlite" (the default) or "postgres"."""
    name = os.environ.get("PAPERBOY_TEST_BACKEND", "") or "sqlite"
    if name == "postgresql":
        name = "postgres"
    if name not in ("sqlite", "postgres"):
        raise RuntimeError(f"PAPERBOY_TEST_BACKEND={name} is neither sqlite nor postgres")
    return name


class Database:
    """What a test runs against. url: what --db takes (a SQLite path or a PostgreSQL URL);
    index: where the search index snapshot goes (the SQLite default, path + ".index", or a
    file in the test's directory: a PostgreSQL database's default is under ~/.cache)."""

    def __init__(self, url, index, directory):
        self.url = url
        self.index = index
        self.dir = directory
        self.postgres = is_postgres(url)

    def index_args(self):
        """--index for the commands that keep a snapshot (serve, digest send, search)."""
        return ["--index", self.index] if self.postgres else []

    def missing(self, name):
        """A database of the same backend that does not exist: a file in the directory, or a
        database never created on the same server."""
        if not self.postgres:
            return os.path.join(self.dir, name)
        base = self.url.split("?", 1)[0].rsplit("/", 1)[0]
        return base + "/" + re.sub(r"[^A-Za-z0-9_]", "_", name)


_pg = {"server": None, "skip": None, "databases": 0}


def postgres_server():
    """This process's PostgreSQL server, started on first use; raises unittest.SkipTest (every
    time) when PostgreSQL is not available."""
    if _pg["skip"] is not None:
        raise _pg["skip"]
    if _pg["server"] is None:
        import unittest
        from postgres_server import PostgresServer  # tests/support/postgres_server.py
        try:
            _pg["server"] = PostgresServer.start_or_skip()
        except unittest.SkipTest as skip:
            _pg["skip"] = skip
            raise
    return _pg["server"]


def fresh_database(directory, name="papers.db"):
    """The calling test's database (a Database): the SQLite file `name` in `directory`, or a
    fresh PostgreSQL database when PAPERBOY_TEST_BACKEND=postgres."""
    if backend() == "sqlite":
        path = os.path.join(directory, name)
        return Database(path, path + ".index", directory)
    server = postgres_server()
    _pg["databases"] += 1
    url = server.create_database(f"t{_pg['databases']}")
    return Database(url, os.path.join(directory, name + ".index"), directory)


def _literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _with_literals(sql, params):
    """`sql` with each `?` outside quotes replaced by its parameter as a SQL literal."""
    out, quote, values = [], None, iter(params)
    for ch in sql:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            ch = _literal(next(values))
        out.append(ch)
    return "".join(out)


def _psql(url, sql):
    """Runs `sql` with psql on the database at `url`; its output lines (one per row)."""
    from postgres_server import _bin_dir  # tests/support/postgres_server.py
    done = subprocess.run(
        [os.path.join(_bin_dir(), "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
         "-d", url, "-c", sql], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError(f"psql: {done.stderr.strip()}\n{sql}")
    return [line for line in done.stdout.splitlines() if line]


def mail_env(smtp):
    """The settings an operator exports, for a relay `smtp` (an SmtpServer or a URL)."""
    return {
        "PAPERBOY_SMTP_URL": smtp if isinstance(smtp, str) else smtp.url,
        "PAPERBOY_MAIL_FROM": MAIL_FROM,
        "PAPERBOY_PUBLIC_URL": PUBLIC_URL,
        "PAPERBOY_SITE_NAME": "Paperboy Test",
        # Retries in milliseconds, not 1 s + 4 s + 16 s.
        "PAPERBOY_SMTP_RETRY_DELAY_MS": "10",
    }


class TempDir:
    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="paperboy-mail-")
        self.path = self._dir.name

    def file(self, name):
        return os.path.join(self.path, name)

    def cleanup(self):
        self._dir.cleanup()
