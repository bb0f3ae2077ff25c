#!/usr/bin/env python3
"""Writes variants of a BEIR collection (corpus.jsonl, queries.jsonl, qrels/test.tsv), standing in
for collections the ranking was not tuned on, as bench/lexical_eval.cpp describes them:
  no-title        every title empty
  title-only      every abstract replaced by the title (the documents are their titles)
  half-abstracts  every other document without its abstract
  half-titles     every other document without its title
  long-query      the claim followed by the first three sentences of its first relevant
                  document's abstract (a paragraph-long query)
  sibling         ArguAna-like: one relevant document's text as the query, the claim's other
                  relevant documents as the answers (claims with at least two)

  make_beir_variants.py BEIR_DIR OUT_DIR [VARIANT ...]     (default: all of them)
"""
import gzip
import json
import os
import re
import sys

VARIANTS = ["no-title", "title-only", "half-abstracts", "half-titles", "long-query", "sibling"]


def read_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def first(path_base):
    for p in (path_base, path_base + ".gz"):
        if os.path.exists(p):
            return p
    raise SystemExit(f"missing {path_base}")


def write(out, docs, queries, qrels):
    os.makedirs(os.path.join(out, "qrels"), exist_ok=True)
    with open(os.path.join(out, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d) + "\n")
    with open(os.path.join(out, "queries.jsonl"), "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps(q) + "\n")
    with open(os.path.join(out, "qrels", "test.tsv"), "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, rel in qrels.items():
            for did, s in rel.items():
                f.write(f"{qid}\t{did}\t{s}\n")


def sentences(text, n):
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:n])


def main():
    beir, out_root = sys.argv[1], sys.argv[2]
    wanted = sys.argv[3:] or VARIANTS
    docs = read_jsonl(first(os.path.join(beir, "corpus.jsonl")))
    queries = read_jsonl(first(os.path.join(beir, "queries.jsonl")))
    qrels = {}
    with open(os.path.join(beir, "qrels", "test.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, did, score = line.rstrip("\n").split("\t")
            qrels.setdefault(qid, {})[did] = int(score)
    by_id = {d["_id"]: d for d in docs}
    judged = [q for q in queries if q["_id"] in qrels]
    for v in wanted:
        out = os.path.join(out_root, v)
        if v == "no-title":
            write(out, [dict(d, title="") for d in docs], judged, qrels)
        elif v == "title-only":
            write(out, [dict(d, text=d.get("title", "")) for d in docs], judged, qrels)
        elif v == "half-abstracts":
            write(out, [dict(d, text="") if i % 2 else d for i, d in enumerate(docs)], judged, qrels)
        elif v == "half-titles":
            write(out, [dict(d, title="") if i % 2 else d for i, d in enumerate(docs)], judged, qrels)
        elif v == "long-query":
            qs = []
            for q in judged:
                rel = [d for d in qrels[q["_id"]] if d in by_id]
                extra = sentences(by_id[rel[0]]["text"], 3) if rel else ""
                qs.append({"_id": q["_id"], "text": (q["text"] + " " + extra).strip()})
            write(out, docs, qs, qrels)
        elif v == "sibling":
            qs, qr = [], {}
            for q in judged:
                rel = sorted(d for d in qrels[q["_id"]] if d in by_id)
                if len(rel) < 2:
                    continue
                src = rel[0]
                qid = q["_id"] + "-" + src
                qs.append({"_id": qid, "text": by_id[src]["text"]})
                qr[qid] = {d: 1 for d in rel[1:]}
            # The query's own document is left out of the collection, as BEIR does for ArguAna.
            sources = {q["_id"].split("-", 1)[1] for q in qs}
            write(out, [d for d in docs if d["_id"] not in sources], qs, qr)
        else:
            raise SystemExit(f"unknown variant {v}; known: {', '.join(VARIANTS)}")
        print(out)


if __name__ == "__main__":
    main()
