"""A real PostgreSQL server for the integration tests (python3 stdlib only).

PostgresServer starts Debian's PostgreSQL (postgresql-15: /usr/lib/postgresql/15/bin) in a
temporary directory on a free loopback port, with trust authentication for the superuser
"paperboy" over TCP on 127.0.0.1 only. initdb refuses to run as root, so under root the cluster
belongs to an unprivileged user (the Debian package's "postgres" user, else "nobody") and the
server runs as that user; otherwise as the current user. stop() (and the atexit hook, for a
test that dies) stops it and removes the directory; restart() stops and starts it again on the
same port and data (the tests that restart the database under load).

Test settings: fsync and full_page_writes are off (the data need not outlive the machine);
synchronous_commit stays on, so that a server killed or restarted by a test loses no commit it
acknowledged. The benchmark (bench/) starts its own server with the defaults.

    server = PostgresServer.start_or_skip()   # raises unittest.SkipTest when unavailable
    url = server.create_database("t1")        # postgresql://paperboy@127.0.0.1:PORT/t1
    server.psql("t1", "SELECT count(*) FROM papers")
"""
import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SUPERUSER = "paperboy"


def _bin_dir():
    override = os.environ.get("PAPERBOY_PG_BIN")
    if override:
        return override
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else ""


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, bin_dir, root, port, run_as):
        self.bin_dir = bin_dir
        self.root = root
        self.data = os.path.join(root, "data")
        self.port = port
        self.run_as = run_as  # None: the current user
        self._running = False

    # ---- starting and stopping ----

    @classmethod
    def start(cls, extra_settings=None):
        """Starts a fresh server; raises RuntimeError (with initdb's or pg_ctl's output) when
        it cannot."""
        bin_dir = _bin_dir()
        if not bin_dir or not os.path.exists(os.path.join(bin_dir, "initdb")):
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql-15)")
        run_as = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    pwd.getpwnam(name)
                    run_as = name
                    break
                except KeyError:
                    continue
            if run_as is None:
                raise RuntimeError("running as root and no unprivileged user to run PostgreSQL")
        root = tempfile.mkdtemp(prefix="paperboy-pg-")
        os.chmod(root, 0o755)
        if run_as:
            entry = pwd.getpwnam(run_as)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        server = cls(bin_dir, root, _free_port(), run_as)
        atexit.register(server.stop)
        server._initdb(extra_settings or {})
        server._start()
        return server

    @classmethod
    def start_or_skip(cls, extra_settings=None):
        try:
            return cls.start(extra_settings)
        except RuntimeError as e:
            reason = f"PostgreSQL: {e}"
            # `make test` lists what was skipped at the end (tests/support/shared_data.h).
            log = os.environ.get("PAPERBOY_SKIP_LOG")
            if log:
                with open(log, "a", encoding="utf-8") as f:
                    f.write(f"{os.path.basename(sys.argv[0])}: {reason.splitlines()[0]}\n")
            raise unittest.SkipTest(reason)

    def _command(self, *args):
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--"] + list(args)
        return list(args)

    def _run(self, *args, timeout=60):
        done = subprocess.run(self._command(*args), capture_output=True, text=True,
                              timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def _initdb(self, extra_settings):
        self._run(os.path.join(self.bin_dir, "initdb"), "-D", self.data, "-U", SUPERUSER,
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", timeout=120)
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "200",
            # The data need not survive the machine, but must survive the server: a commit is
            # in the WAL (the OS's cache) before it is acknowledged, so a test that kills or
            # restarts the server loses nothing it was told was stored.
            "fsync": "off",
            "full_page_writes": "off",
            "shared_buffers": "128MB",
            "log_min_messages": "warning",
        }
        settings.update(extra_settings)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")

    def _start(self):
        self._run(os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, "-l",
                  os.path.join(self.root, "server.log"), "-w", "-t", "60", "start", timeout=90)
        self._running = True

    def stop(self, mode="fast"):
        if self._running:
            try:
                self._run(os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, "-m", mode,
                          "-w", "stop", timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            self._running = False
        if os.path.isdir(self.root) and not getattr(self, "_keep", False):
            shutil.rmtree(self.root, ignore_errors=True)

    def restart(self, down_seconds=0.0, mode="immediate"):
        """Stops the server (`immediate`: as a crash would; connections break at once), waits
        `down_seconds`, and starts it again on the same port with the same data."""
        self._keep = True
        self.stop(mode)
        self._keep = False
        time.sleep(down_seconds)
        self._start()

    def stop_for_restart(self, mode="immediate"):
        self._keep = True
        self.stop(mode)
        self._keep = False

    def start_again(self):
        self._start()

    # ---- databases ----

    def url(self, database):
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)

    def psql(self, database, sql):
        """Runs SQL with psql over TCP; returns the rows as lists of strings."""
        psql = os.path.join(self.bin_dir, "psql")
        done = subprocess.run(
            [psql, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.port), "-U", SUPERUSER, "-d", database, "-c", sql],
            capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"psql: {done.stderr.strip()}")
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def log(self):
        try:
            with open(os.path.join(self.root, "server.log")) as f:
                return f.read()
        except OSError:
            return ""
