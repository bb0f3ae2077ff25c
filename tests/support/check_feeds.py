#!/usr/bin/env python3
"""Fetches a running `paperboy serve`'s feeds over HTTP and parses them with a real feed parser.

Usage: check_feeds.py BASE_URL [--link-base URL] [--query WORDS] [--host HOST]

Each feed must come back 200 with its content type, parse without a `bozo` error (feedparser's
flag for anything not well-formed or not a feed), be the expected version, and have a title and
link; every entry a title, an absolute link under --link-base (default BASE_URL), an id and a
date. With --host, every request sends that Host header (a hostile one must not reach the
links). Also: a bad date is a 400. Needs Debian's python3-feedparser. Exits 1 on any problem,
listing them all.
"""
import argparse
import sys
import urllib.error
import urllib.parse
import urllib.request

import feedparser

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"


def fetch(url, host=None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--link-base")
    ap.add_argument("--query", default="language models")
    ap.add_argument("--host")
    args = ap.parse_args()
    base = args.base.rstrip("/")
    link_base = (args.link_base or base).rstrip("/")
    q = urllib.parse.quote(args.query)
    feeds = [
        ("/feeds/daily.xml", RSS, "rss20"),
        ("/feeds/daily.atom", ATOM, "atom10"),
        ("/feeds/daily.xml?date=2024-10-25", RSS, "rss20"),
        ("/feeds/trending.xml", RSS, "rss20"),
        ("/feeds/trending.atom", ATOM, "atom10"),
        (f"/feeds/search.rss?q={q}", RSS, "rss20"),
        (f"/feeds/search.atom?q={q}", ATOM, "atom10"),
    ]
    problems = []
    for path, content_type, version in feeds:
        status, got_type, body = fetch(base + path, args.host)
        where = path
        if status != 200:
            problems.append(f"{where}: status {status}")
            continue
        if got_type != content_type:
            problems.append(f"{where}: Content-Type {got_type!r}, expected {content_type!r}")
        parsed = feedparser.parse(body, response_headers={"content-type": got_type})
        if parsed.bozo:
            problems.append(f"{where}: not a well-formed feed: {parsed.bozo_exception!r}")
        if parsed.version != version:
            problems.append(f"{where}: version {parsed.version!r}, expected {version!r}")
        feed = parsed.feed
        for key in ("title", "link"):
            if not feed.get(key):
                problems.append(f"{where}: the feed has no {key}")
        if not (feed.get("updated_parsed") or feed.get("published_parsed")):
            problems.append(f"{where}: the feed has no date")
        if not any(l.get("rel") == "self" for l in feed.get("links", [])):
            problems.append(f"{where}: no rel=self link")
        for l in feed.get("links", []):
            if not l.get("href", "").startswith(link_base + "/"):
                problems.append(f"{where}: feed link {l.get('href')!r} is not under {link_base}/")
        if not parsed.entries:
            problems.append(f"{where}: no entries")
        for i, entry in enumerate(parsed.entries):
            at = f"{where} entry {i}"
            for key in ("title", "link", "id"):
                if not entry.get(key):
                    problems.append(f"{at}: no {key}")
            if not entry.get("link", "").startswith(link_base + "/papers/"):
                problems.append(f"{at}: link {entry.get('link')!r} is not under {link_base}/papers/")
            if not (entry.get("published_parsed") or entry.get("updated_parsed")):
                problems.append(f"{at}: no date")
            # Atom (RFC 4287 4.1.1): an entry without an author takes the feed's.
            if version == "atom10" and not (entry.get("authors") or feed.get("authors")):
                problems.append(f"{at}: no author, and the feed has none")
        print(f"{where}: {status} {got_type}, {parsed.version}, {len(parsed.entries)} entries")

    status, got_type, body = fetch(base + "/feeds/daily.xml?date=2024-02-30", args.host)
    if status != 400:
        problems.append(f"/feeds/daily.xml?date=2024-02-30: status {status}, expected 400")

    for p in problems:
        print("PROBLEM:", p)
    print("feeds:", "ok" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
