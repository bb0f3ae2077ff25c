#!/usr/bin/env python3
"""Writes the search benchmark's query sets, bench/data/queries-*.tsv, from real titles.

The words come from real scientific titles: the 5,183 SciFact titles and the 200 arXiv titles of
the demo snapshot. The synthetic corpus's vocabulary is learned mostly from SciFact, so these
words occur in it with realistic frequencies. Each query is a run of consecutive words of one
title, none of them a stopword, lower-cased (so that no engine treats a capitalised word as a
proper noun).

Outputs (qid<TAB>text, one query a line, in Paperboy's query language):
  * queries-1000.tsv: 1,000 ranked-OR queries of 2-4 words;
  * queries-phrase.tsv: 200 two-word phrases, quoted: "gene expression";
  * queries-filtered.tsv: 200 queries of 2-3 words and one filter, a third each of
    cat:<category> (drawn by the generator's category weights), after:<year>-01-01 (2016-2024;
    the generator's papers span 2015-2025) and has:code.

Usage (stdlib only; the output depends only on the inputs and --seed):
  python3 bench/make_queries.py
"""
import argparse
import gzip
import json
import os
import pathlib
import random
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(os.environ.get("PAPERBOY_SHARED_DIR") or ROOT.parent / "shared")
# Plain words only: tokenisers differ on hyphens, digits and symbols, and the point is to time
# the same work in every engine, not to test tokenisation.
WORD = re.compile(r"^[a-z]{2,}$")
# Common English stopwords (the Snowball list plus a few, such as "can" and "will").
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves
""".split())


def read_titles(scifact: pathlib.Path, arxiv: pathlib.Path) -> list[str]:
    titles = []
    with gzip.open(scifact, "rt", encoding="utf-8") as f:
        for line in f:
            titles.append(json.loads(line)["title"])
    with open(arxiv, encoding="utf-8") as f:
        for line in f:
            titles.append(json.loads(line)["title"])
    return titles


def runs(title: str) -> list[list[str]]:
    """The runs of consecutive plain non-stopword words of a title."""
    out, current = [], []
    for raw in title.split():
        word = raw.strip(".,;:()[]{}\"'`?!").lower()
        if WORD.match(word) and word not in STOPWORDS and raw[-1] not in ".,;:?!)":
            current.append(word)
        elif WORD.match(word) and word not in STOPWORDS:
            # The word ends a clause: keep it, but do not let a run cross the punctuation.
            current.append(word)
            out.append(current)
            current = []
        else:
            if current:
                out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def pick(rng: random.Random, titles: list[str], length: int, seen: set[str]) -> list[str]:
    """`length` consecutive words from a random title, not seen before."""
    while True:
        candidates = [r for r in runs(rng.choice(titles)) if len(r) >= length]
        if not candidates:
            continue
        run = rng.choice(candidates)
        start = rng.randrange(len(run) - length + 1)
        words = run[start:start + length]
        key = " ".join(words)
        if key not in seen:
            seen.add(key)
            return words


def read_categories(model: pathlib.Path) -> tuple[list[str], list[float]]:
    names, weights = [], []
    for line in model.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == "category":
            names.append(parts[1])
            weights.append(float(parts[2]))
    return names, weights


def write(path: pathlib.Path, prefix: str, queries: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for i, q in enumerate(queries, 1):
            f.write(f"{prefix}{i:04d}\t{q}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scifact", type=pathlib.Path,
                    default=SHARED / "data/scifact/beir/corpus.jsonl.gz")
    ap.add_argument("--arxiv", type=pathlib.Path,
                    default=SHARED / "data/arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.sample200.jsonl")
    ap.add_argument("--model", type=pathlib.Path, default=ROOT / "bench/data/model.tsv")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "bench/data")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    titles = read_titles(args.scifact, args.arxiv)
    rng = random.Random(args.seed)
    seen: set[str] = set()

    ranked = [" ".join(pick(rng, titles, rng.choice((2, 2, 3, 3, 4)), seen))
              for _ in range(1000)]
    phrases = ['"' + " ".join(pick(rng, titles, 2, seen)) + '"' for _ in range(200)]

    categories, weights = read_categories(args.model)
    filtered = []
    for i in range(200):
        words = " ".join(pick(rng, titles, rng.choice((2, 3)), seen))
        kind = i % 3
        if kind == 0:
            flt = "cat:" + rng.choices(categories, weights)[0]
        elif kind == 1:
            flt = f"after:{rng.randint(2016, 2024)}-01-01"
        else:
            flt = "has:code"
        filtered.append(f"{words} {flt}")

    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "queries-1000.tsv", "q", ranked)
    write(args.out / "queries-phrase.tsv", "p", phrases)
    write(args.out / "queries-filtered.tsv", "f", filtered)
    print(f"wrote {len(ranked)} ranked, {len(phrases)} phrase and {len(filtered)} filtered "
          f"queries from {len(titles)} titles to {args.out}")


if __name__ == "__main__":
    main()
