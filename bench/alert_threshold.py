#!/usr/bin/python3
"""Where a semantic topic alert should draw its line, and how a member's taste vector should be
made, measured on SciFact with the static model (docs/ranking.md, "For you").

    /usr/bin/python3 bench/alert_threshold.py [--model DIR] [--beir DIR] [--seed N]

1. Alert threshold. For every test query of SciFact, the cosine of the query's vector and each
   of its relevant abstracts (relevant pairs), and of the query and 1000 random abstracts
   (random pairs). Printed: percentiles of both, and for a few thresholds the share of relevant
   pairs above it (recall) and of random pairs above it (the false alarms an alert would send).
   Topics people type are short, so the same is done with each query cut to its first 4 words.
2. Taste vector. Queries with at least 2 relevant abstracts stand for members: one relevant
   abstract is "upvoted", the corpus is ranked by the taste vector made from it and the rest is
   looked for in the top 10 (recall@10), for taste = normalise(mean(upvoted) - gamma *
   mean(500 random abstracts)) over a few gammas (gamma 0 is the plain centroid).

The embedding recipe is bench/embed_static_ref.py's (the same vectors as src/embed/static_model).
Needs only /usr/bin/python3 with numpy.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import embed_static_ref as ref  # noqa: E402

MAX_TOKENS = 512


class Model:
    def __init__(self, folder):
        self.tok = ref.Tokenizer(os.path.join(folder, "tokenizer.json"))
        self.rows = ref.read_embeddings(os.path.join(folder, "model.safetensors"))
        lengths = sorted(len(t) for t in self.tok.vocab)
        self.max_chars = MAX_TOKENS * int(np.median(lengths))

    def embed(self, texts):
        out = np.zeros((len(texts), self.rows.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = [t for t in self.tok.encode(text[:self.max_chars]) if t != self.tok.unk]
            ids = ids[:MAX_TOKENS]
            if ids:
                v = self.rows[ids].mean(axis=0)
                out[i] = v / (np.linalg.norm(v) + 1e-32)
        return out


def pct(values, ps=(1, 5, 25, 50, 75, 95, 99)):
    return "  ".join(f"p{p}={np.percentile(values, p):.3f}" for p in ps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ref.SHARED, "models", "potion-base-4M-int8"))
    ap.add_argument("--beir", default=os.path.join(ref.SHARED, "data", "scifact", "beir"))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    doc_ids, texts = [], []
    with gzip.open(os.path.join(args.beir, "corpus.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            title, text = rec["title"], rec["text"]
            doc_ids.append(rec["_id"])
            texts.append(title + (". " if title and text else "") + text)
    row_of = {d: i for i, d in enumerate(doc_ids)}
    queries = {}
    with open(os.path.join(args.beir, "queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            queries[rec["_id"]] = rec["text"]
    qrels = {}
    with open(os.path.join(args.beir, "qrels", "test.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            q, d, score = line.split()
            if int(score) > 0 and d in row_of:
                qrels.setdefault(q, []).append(row_of[d])

    model = Model(args.model)
    docs = model.embed(texts)
    qids = sorted(qrels)
    print(f"SciFact: {len(docs)} abstracts, {len(qids)} test queries, "
          f"{sum(len(v) for v in qrels.values())} relevant pairs, "
          f"{docs.shape[1]} dimensions")

    for label, cut in (("whole queries", None), ("queries cut to 4 words", 4)):
        qtexts = [queries[q] if cut is None else " ".join(queries[q].split()[:cut]) for q in qids]
        qv = model.embed(qtexts)
        relevant, random_pairs = [], []
        for i, q in enumerate(qids):
            sims = docs @ qv[i]
            relevant.extend(sims[qrels[q]].tolist())
            others = np.setdiff1d(np.arange(len(docs)), qrels[q])
            random_pairs.extend(sims[rng.choice(others, 1000, replace=False)].tolist())
        relevant, random_pairs = np.array(relevant), np.array(random_pairs)
        print(f"\n{label}:")
        print(f"  relevant pairs ({len(relevant)}): {pct(relevant)}")
        print(f"  random pairs ({len(random_pairs)}): {pct(random_pairs)}")
        for t in (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65):
            print(f"  cosine >= {t:.2f}: recall {np.mean(relevant >= t):.3f}, "
                  f"random pairs above {np.mean(random_pairs >= t):.4f}")

    print("\ntaste vector from one upvoted abstract (queries with >= 2 relevant abstracts):")
    members = [q for q in qids if len(qrels[q]) >= 2]
    negatives = docs[rng.choice(len(docs), 500, replace=False)]
    neg_mean = negatives.mean(axis=0)
    for gamma in (0.0, 0.25, 0.5, 0.75, 1.0):
        hits, total = 0, 0
        for q in members:
            upvoted, rest = qrels[q][0], qrels[q][1:]
            taste = docs[upvoted] - gamma * neg_mean
            taste = taste / np.linalg.norm(taste)
            scores = docs @ taste
            scores[upvoted] = -np.inf
            top = np.argpartition(-scores, 10)[:10]
            hits += len(set(top.tolist()) & set(rest))
            total += len(rest)
        print(f"  gamma {gamma:.2f}: recall@10 {hits / total:.3f} ({len(members)} members, "
              f"{total} held-out abstracts)")


if __name__ == "__main__":
    sys.exit(main())
