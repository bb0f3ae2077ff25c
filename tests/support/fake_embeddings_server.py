#!/usr/bin/env python3
"""A stand-in for an OpenAI-compatible embeddings server (llama-server, Ollama, TEI, vLLM).

Started by tests/embed/test_openai_client.cpp on the loopback interface. Python 3 standard
library only.

  fake_embeddings_server.py [--dims 16] [--log requests.tsv] [--api-key KEY]
                            [--fail SPEC]... [--max-batch N] [--shuffle] [--delay-ms MS]

Listens on 127.0.0.1 on a free port and prints "listening on port N" once it does. Answers
POST /v1/embeddings (and /embeddings, /api/v1/embeddings) with deterministic vectors: each
text's vector is derived from the SHA-256 of the text (dims floats in [-1, 1), not
normalised, times 3 so a client must normalise). GET /health answers 200.

--fail SPEC, repeatable, takes the next requests in order, one per SPEC:
  429:S        429 Too Many Requests with "Retry-After: S"
  500          500 with an OpenAI-style {"error": {"message"}} body
  503          503 with a TEI-style {"error": "...", "error_type"} body
  400          400 {"error": {"message": "model not found"}}
  slow:MS      sleep MS milliseconds, then answer normally
  dims:N       answer vectors of N dimensions
  badjson      a body that is not JSON
  shape        valid JSON without "data"
  nan          one vector with a string in it
  close        close the connection without an answer
Every request (failures included) is logged as one tab-separated line:
  <path>\t<status>\t<number of inputs>\t<model or ->\t<Authorization or ->
--max-batch N answers 422 "batch size X > maximum allowed batch size N" like TEI.
--shuffle answers the data entries in reverse order (clients must use "index").
"""

import argparse
import hashlib
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def vector(text, dims):
    out = []
    counter = 0
    while len(out) < dims:
        digest = hashlib.sha256(f"{counter}:{text}".encode("utf-8")).digest()
        for i in range(0, len(digest), 4):
            (u,) = struct.unpack("<I", digest[i : i + 4])
            out.append((u / 2**32 * 2 - 1) * 3)
        counter += 1
    return out[:dims]


class State:
    def __init__(self, args):
        self.args = args
        self.fails = list(args.fail or [])
        self.lock = threading.Lock()
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None

    def next_fail(self):
        with self.lock:
            return self.fails.pop(0) if self.fails else None

    def record(self, path, status, count, model, auth):
        if self.log is None:
            return
        with self.lock:
            self.log.write(f"{path}\t{status}\t{count}\t{model or '-'}\t{auth or '-'}\n")
            self.log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeEmbeddings/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            self.send(200, {"status": "ok"})
        else:
            self.send(404, {"error": "not found"})

    def do_POST(self):
        state = self.server.state
        args = state.args
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        auth = self.headers.get("Authorization")
        if self.path not in ("/v1/embeddings", "/embeddings", "/api/v1/embeddings"):
            state.record(self.path, 404, 0, None, auth)
            self.send(404, {"error": f"no route {self.path}"})
            return
        try:
            request = json.loads(raw)
            inputs = request["input"]
            if isinstance(inputs, str):
                inputs = [inputs]
            model = request.get("model")
        except (ValueError, KeyError, TypeError) as e:
            state.record(self.path, 400, 0, None, auth)
            self.send(400, {"error": {"message": f"bad request: {e}"}})
            return
        if args.api_key and auth != f"Bearer {args.api_key}":
            state.record(self.path, 401, len(inputs), model, auth)
            self.send(401, {"error": {"message": "Incorrect API key provided"}})
            return
        if any(not isinstance(t, str) or t == "" for t in inputs):
            state.record(self.path, 400, len(inputs), model, auth)
            self.send(400, {"error": {"message": "input must be non-empty strings"}})
            return
        if args.max_batch and len(inputs) > args.max_batch:
            state.record(self.path, 422, len(inputs), model, auth)
            self.send(422, {"error": f"batch size {len(inputs)} > maximum allowed batch size "
                                     f"{args.max_batch}", "error_type": "Validation"})
            return
        dims = args.dims
        fail = state.next_fail()
        if args.delay_ms:
            time.sleep(args.delay_ms / 1000)
        if fail is not None:
            kind, _, arg = fail.partition(":")
            if kind == "429":
                state.record(self.path, 429, len(inputs), model, auth)
                self.send(429, {"error": {"message": "rate limited"}}, [("Retry-After", arg)])
                return
            if kind in ("500", "503", "400"):
                status = int(kind)
                body = {
                    "500": {"error": {"message": "internal failure", "type": "server_error"}},
                    "503": {"error": "model is loading", "error_type": "Overloaded"},
                    "400": {"error": {"message": "model not found", "type": "invalid_request"}},
                }[kind]
                state.record(self.path, status, len(inputs), model, auth)
                self.send(status, body)
                return
            if kind == "slow":
                time.sleep(int(arg) / 1000)
            elif kind == "dims":
                dims = int(arg)
            elif kind == "badjson":
                state.record(self.path, 200, len(inputs), model, auth)
                self.send(200, b'{"data": [{"index": 0, "embedding": [0.1, 0.2,')
                return
            elif kind == "shape":
                state.record(self.path, 200, len(inputs), model, auth)
                self.send(200, {"object": "list", "results": []})
                return
            elif kind == "close":
                state.record(self.path, 0, len(inputs), model, auth)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
        data = [
            {"object": "embedding", "index": i, "embedding": vector(t, dims)}
            for i, t in enumerate(inputs)
        ]
        if fail == "nan" and data:
            data[-1]["embedding"][0] = "NaN"
        if args.shuffle:
            data.reverse()
        state.record(self.path, 200, len(inputs), model, auth)
        self.send(200, {"object": "list", "data": data, "model": model or "fake-model",
                        "usage": {"prompt_tokens": 0, "total_tokens": 0}})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dims", type=int, default=16)
    parser.add_argument("--log")
    parser.add_argument("--api-key")
    parser.add_argument("--fail", action="append")
    parser.add_argument("--max-batch", type=int, default=0)
    parser.add_argument("--shuffle", action="store_true")
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args)
    print(f"listening on port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
