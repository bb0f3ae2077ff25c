#!/usr/bin/env python3
"""Writes Hugging Face /api/daily_papers-shaped lists for the HTTP benchmark.

Takes the first papers of a generated arXiv snapshot (JSON lines) and puts them on daily lists,
so that the benchmark's daily page looks like a real one: papers per day, upvotes falling
off like a real day's, a submitter.

    make_daily.py SNAPSHOT OUT.json [--days 3] [--per-day 40] [--last-day 2025-11-03]
"""
import argparse
import datetime
import json
import random


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("snapshot")
    ap.add_argument("out")
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--per-day", type=int, default=40)
    ap.add_argument("--last-day", default="2025-11-03")
    args = ap.parse_args()
    rng = random.Random(1)
    last = datetime.date.fromisoformat(args.last_day)
    need = args.days * args.per_day
    records = []
    with open(args.snapshot, encoding="utf-8") as f:
        for line in f:
            records.append(json.loads(line))
            if len(records) == need:
                break
    items = []
    for i, r in enumerate(records):
        day = last - datetime.timedelta(days=i // args.per_day)
        at = datetime.datetime.combine(day, datetime.time(6, 0)) + datetime.timedelta(minutes=7 * (i % args.per_day))
        upvotes = int(200 / (1 + i % args.per_day) ** 0.8 + rng.randint(0, 5))
        authors = [{"_id": f"a{i}-{k}", "name": n.strip(), "hidden": False}
                   for k, n in enumerate(r["authors"].replace(" and ", ", ").split(",")) if n.strip()]
        paper = {"id": r["id"], "authors": authors, "publishedAt": at.isoformat() + ".000Z",
                 "title": r["title"], "summary": r["abstract"].strip(), "upvotes": upvotes}
        items.append({"paper": paper, "publishedAt": at.isoformat() + ".000Z",
                      "title": r["title"], "summary": r["abstract"].strip(), "numComments": i % 4,
                      "submittedBy": {"name": "ak", "fullname": "AK", "type": "user"}})
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(items, f)


if __name__ == "__main__":
    main()
