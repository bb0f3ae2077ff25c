#!/usr/bin/env python3
"""A stand-in for export.arxiv.org and huggingface.co that serves canned responses.

Started by the integration tests (tests/integration/test_harvest_cli.cpp) on the loopback
interface, so that `paperboy harvest` runs end to end over real HTTP without the internet.
Python 3 standard library only.

  fake_arxiv_server.py --data tests/testdata/harvest --log requests.tsv [--oai-503 1]

Listens on 127.0.0.1 on a free port and prints the port as the first line of stdout. Serves:
  /oai2                 OAI-PMH ListRecords: the first --oai-503 requests are answered
                        "503 Service Unavailable" with "Retry-After: --retry-after"; then a
                        two-page resumption chain (page 1 ends with the token 6960524|1001,
                        page 2 with an empty token). Any other token is answered with the
                        OAI-PMH error badResumptionToken, a request without metadataPrefix with
                        badArgument.
  /api/query            arXiv API Atom pages for start=0 and start=10.
  /api/daily_papers     Hugging Face daily papers for date=2024-10-25; "[]" for other dates.
Every request is appended to the --log file as one tab-separated line:
  <unix time>\t<status>\t<path>\t<raw query>\t<User-Agent>
"""

import argparse
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OAI_TOKEN = "6960524|1001"

OAI_ERROR = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2017-12-14T13:00:41Z</responseDate>
<request verb="ListRecords">http://export.arxiv.org/oai2</request>
<error code="{code}">{message}</error>
</OAI-PMH>
"""


class State:
    def __init__(self, args):
        self.data = args.data
        self.oai_503_left = args.oai_503
        self.retry_after = args.retry_after
        self.lock = threading.Lock()
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None

    def read(self, name):
        with open(os.path.join(self.data, name), "rb") as f:
            return f.read()

    def take_oai_503(self):
        with self.lock:
            if self.oai_503_left > 0:
                self.oai_503_left -= 1
                return True
            return False

    def record(self, status, path, query, user_agent):
        if self.log is None:
            return
        line = "\t".join([f"{time.time():.3f}", str(status), path, query,
                          (user_agent or "").replace("\t", " ")])
        with self.lock:
            self.log.write(line + "\n")
            self.log.flush()


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeArxiv/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # the --log file is the record; stderr stays quiet

    def do_GET(self):  # noqa: N802 - the base class's name
        state = self.server.state
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        status, headers, body = self.route(state, url.path, params)
        state.record(status, url.path, url.query, self.headers.get("User-Agent"))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route(self, state, path, params):
        one = lambda name: params.get(name, [""])[0]  # noqa: E731
        xml = ("Content-Type", "text/xml; charset=utf-8")
        if path == "/oai2":
            if state.take_oai_503():
                return 503, [("Retry-After", str(state.retry_after)),
                             ("Content-Type", "text/plain")], b"Retry after the pause\n"
            if "resumptionToken" in params:
                if one("resumptionToken") == OAI_TOKEN:
                    return 200, [xml], state.read("oai_list_records_page2.xml")
                body = OAI_ERROR.format(code="badResumptionToken",
                                        message="The value of the resumptionToken argument "
                                                "is invalid or expired.")
                return 200, [xml], body.encode()
            if one("verb") == "ListRecords" and one("metadataPrefix"):
                return 200, [xml], state.read("oai_list_records_page1.xml")
            body = OAI_ERROR.format(code="badArgument", message="Illegal arguments")
            return 200, [xml], body.encode()
        if path == "/api/query":
            pages = {"0": "api_query_testing_s0_m10.xml", "10": "api_query_testing_s10_m10.xml"}
            name = pages.get(one("start"))
            if name is None:
                return 400, [("Content-Type", "text/plain")], b"no such page\n"
            return 200, [("Content-Type", "application/atom+xml; charset=utf-8")], state.read(name)
        if path == "/api/daily_papers":
            body = b"[]"
            if one("date") == "2024-10-25":
                body = state.read("handmade_daily_papers_2024-10-25.json")
            return 200, [("Content-Type", "application/json; charset=utf-8")], body
        return 404, [("Content-Type", "text/plain")], b"not found\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the canned responses (testdata/harvest)")
    parser.add_argument("--log", help="append one line per request to this file")
    parser.add_argument("--oai-503", type=int, default=1,
                        help="answer this many /oai2 requests with 503 first")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
