#!/usr/bin/env python3
"""A stand-in for the Hugging Face hub's model API, serving one folder as a repository.

Started by tests/embed/test_hub.cpp (and the model CLI test) on the loopback interface.
Python 3 standard library only.

  fake_hf_hub.py --repo ORG/NAME --dir FOLDER [--log requests.tsv] [--page-size N]
                 [--cut-after BYTES] [--cut-times N] [--corrupt PATH] [--ignore-range]
                 [--token T]

Listens on 127.0.0.1 on a free port and prints "listening on port N". Serves, as the hub does
(huggingface_hub's hf_api.py and file_download.py):
  GET /api/models/ORG/NAME/revision/REV    {"id", "sha": COMMIT, "siblings": [...]}; REV is
                                           "main" or COMMIT, else 404 RevisionNotFound
  GET /api/models/ORG/NAME/tree/REV?recursive=true
                                           [{"type": "file"|"directory", "oid", "size",
                                             "path", "lfs": {"oid": sha256, "size",
                                             "pointerSize"}}]; *.safetensors and files over
                                           1000 bytes are LFS files. With --page-size, pages
                                           linked by Link: <...&cursor=K>; rel="next"
  GET /ORG/NAME/resolve/REV/PATH           regular files: 200 with ETag and X-Repo-Commit;
                                           LFS files: 302 to /cdn/SHA256 with X-Linked-Etag,
                                           X-Linked-Size and X-Repo-Commit
  GET /cdn/SHA256                          the bytes; Range: bytes=N- gives 206 with
                                           Content-Range (unless --ignore-range)
An unknown repository is 401 with X-Error-Code: RepoNotFound, like the hub for anonymous
callers. --cut-after BYTES: the first --cut-times answers of /cdn/ send the full
Content-Length but close the connection after BYTES bytes of body. --corrupt PATH: serve PATH
with its last byte changed (the listing keeps the true digest). --token: require
"Authorization: Bearer T" on the hub's own routes.
Every request is logged as one tab-separated line: <method>\t<path>\t<Range or ->\t<status>
"""

import argparse
import hashlib
import json
import os
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class Repo:
    def __init__(self, args):
        self.args = args
        self.id = args.repo
        self.files = {}  # path -> bytes
        for root, _, names in os.walk(args.dir):
            for name in names:
                full = os.path.join(root, name)
                rel = os.path.relpath(full, args.dir).replace(os.sep, "/")
                with open(full, "rb") as f:
                    self.files[rel] = f.read()
        self.lock = threading.Lock()
        self.cuts_left = args.cut_times
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None

    def is_lfs(self, path):
        return path.endswith(".safetensors") or len(self.files[path]) > 1000

    def entries(self):
        out = []
        dirs = set()
        for path in sorted(self.files):
            parts = path.split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    out.append({"type": "directory", "oid": "0" * 40, "size": 0, "path": d})
            data = self.files[path]
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            entry = {"type": "file", "oid": blob, "size": len(data), "path": path}
            if self.is_lfs(path):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data),
                                "pointerSize": 134}
            out.append(entry)
        return out

    def content(self, path):
        data = self.files[path]
        if self.args.corrupt == path and data:
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        return data

    def take_cut(self):
        with self.lock:
            if self.cuts_left > 0:
                self.cuts_left -= 1
                return True
            return False

    def record(self, method, path, rng, status):
        if self.log is None:
            return
        with self.lock:
            self.log.write(f"{method}\t{path}\t{rng or '-'}\t{status}\n")
            self.log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", headers=(), content_type="application/json"):
        repo = self.server.repo
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        repo.record(self.command, self.path, self.headers.get("Range"), status)

    def not_found(self, code, message, status=404):
        self.answer(status, {"error": message},
                    [("X-Error-Code", code), ("X-Error-Message", message)])

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        repo = self.server.repo
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = urllib.parse.parse_qs(url.query)
        if path.startswith("/cdn/"):
            return self.cdn(path[len("/cdn/"):])
        if repo.args.token and self.headers.get("Authorization") != f"Bearer {repo.args.token}":
            return self.not_found("RepoNotFound", "Invalid credentials in Authorization header",
                                  401)
        m = re.fullmatch(r"/api/models/([^/]+/[^/]+)/(revision|tree)/([^/]+)", path)
        if m:
            if m.group(1) != repo.id:
                return self.not_found("RepoNotFound", "Repository not found", 401)
            rev = m.group(3)
            if rev not in ("main", COMMIT):
                return self.not_found("RevisionNotFound", f"Invalid rev id: {rev}")
            if m.group(2) == "revision":
                siblings = [{"rfilename": p} for p in sorted(repo.files)]
                return self.answer(200, {"id": repo.id, "sha": COMMIT, "siblings": siblings})
            if query.get("recursive", ["false"])[0].lower() != "true":
                return self.answer(400, {"error": "this fake only lists recursively"})
            entries = repo.entries()
            size = repo.args.page_size or len(entries) or 1
            start = int(query.get("cursor", ["0"])[0])
            headers = []
            if start + size < len(entries):
                host = self.headers.get("Host")
                nxt = (f"http://{host}{url.path}?recursive=true&cursor={start + size}")
                headers.append(("Link", f'<{nxt}>; rel="next"'))
            return self.answer(200, entries[start:start + size], headers)
        m = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        if m:
            if m.group(1) != repo.id:
                return self.not_found("RepoNotFound", "Repository not found", 401)
            if m.group(2) not in ("main", COMMIT):
                return self.not_found("RevisionNotFound", f"Invalid rev id: {m.group(2)}")
            name = m.group(3)
            if name not in repo.files:
                return self.not_found("EntryNotFound", f"{name} does not exist on \"main\"")
            data = repo.files[name]
            if repo.is_lfs(name):
                sha = hashlib.sha256(data).hexdigest()
                return self.answer(302, b"", [
                    ("Location", f"/cdn/{sha}?name={urllib.parse.quote(name)}"),
                    ("X-Linked-Etag", f'"{sha}"'), ("X-Linked-Size", str(len(data))),
                    ("X-Repo-Commit", COMMIT), ("ETag", '"pointer"')])
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            return self.answer(200, repo.content(name),
                               [("ETag", f'"{blob}"'), ("X-Repo-Commit", COMMIT)],
                               "application/octet-stream")
        self.answer(404, {"error": "Not Found"})

    def cdn(self, sha):
        repo = self.server.repo
        name = next((p for p in repo.files
                     if hashlib.sha256(repo.files[p]).hexdigest() == sha), None)
        if name is None:
            return self.answer(404, b"NoSuchKey", content_type="text/plain")
        data = repo.content(name)
        start = 0
        status = 200
        headers = [("Accept-Ranges", "bytes"), ("ETag", f'"{sha}"')]
        rng = self.headers.get("Range")
        if rng and not repo.args.ignore_range:
            m = re.fullmatch(r"bytes=(\d+)-", rng.strip())
            if not m or int(m.group(1)) >= len(data):
                return self.answer(416, b"", [("Content-Range", f"bytes */{len(data)}")],
                                   "text/plain")
            start = int(m.group(1))
            status = 206
            headers.append(("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}"))
        body = data[start:]
        if repo.args.cut_after is not None and repo.take_cut():
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            for h, v in headers:
                self.send_header(h, v)
            self.end_headers()
            self.wfile.write(body[:repo.args.cut_after])
            self.wfile.flush()
            repo.record(self.command, self.path, rng, f"{status}-cut")
            self.close_connection = True
            return
        self.answer(status, body, headers, "application/octet-stream")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--log")
    parser.add_argument("--page-size", type=int, default=0)
    parser.add_argument("--cut-after", type=int)
    parser.add_argument("--cut-times", type=int, default=1)
    parser.add_argument("--corrupt")
    parser.add_argument("--ignore-range", action="store_true")
    parser.add_argument("--token")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.repo = Repo(args)
    print(f"listening on port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
