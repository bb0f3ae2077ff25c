#!/usr/bin/env python3
"""Holds N idle keep-alive connections open to a server and measures another client meanwhile.

Each idle connection sends one request, reads the reply and then stays open and silent (a
browser tab left open). While they are held, a separate client fetches PATH `--probes` times
on fresh connections; the script prints one JSON line: how many idle connections were
established and still open at the end, and the probe latencies (p50, p99, max, ms).

    idle_connections.py PORT [--connections 2000] [--path /healthz] [--probes 200]
"""
import argparse
import json
import resource
import socket
import time


def fetch(sock: socket.socket, path: str) -> None:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        body += chunk


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--connections", type=int, default=2000)
    ap.add_argument("--path", default="/healthz")
    ap.add_argument("--probes", type=int, default=200)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.connections + 256)), hard))

    idle = []
    for _ in range(args.connections):
        s = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        fetch(s, args.path)
        idle.append(s)

    latencies = []
    for _ in range(args.probes):
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", args.port), timeout=10) as s:
            fetch(s, args.path)
        latencies.append((time.perf_counter() - start) * 1000)

    # Still open: a non-blocking peek finds no EOF on a live idle connection.
    alive = 0
    for s in idle:
        s.setblocking(False)
        try:
            alive += 1 if s.recv(1, socket.MSG_PEEK) else 0
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
        s.close()
    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
    print(json.dumps({"idle_connections": args.connections, "idle_still_open": alive,
                      "probes": len(latencies), "p50_ms": round(pct(0.50), 3),
                      "p99_ms": round(pct(0.99), 3), "max_ms": round(latencies[-1], 3)}))


if __name__ == "__main__":
    main()
