#!/usr/bin/env python3
"""Prints text statistics of arXiv snapshot files (JSON lines, plain or .gz), to compare the
synthetic snapshot with the real one: lengths of titles, abstracts and author lists, and the
vocabulary (distinct words, by learn_vocab.py's tokenisation) at growing corpus sizes.

  python3 bench/text_stats.py FILE [FILE...]
"""
import gzip
import json
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from learn_vocab import tokens_of  # noqa: E402


def open_text(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(
        path, encoding="utf-8")


def describe(path):
    title, abstract, authors, line_bytes = [], [], [], []
    vocab = set()
    tokens = 0
    growth = []
    mark = 1000
    with open_text(path) as f:
        for n, line in enumerate(f, 1):
            r = json.loads(line)
            line_bytes.append(len(line.encode("utf-8")))
            title.append(len(r["title"].split()))
            abstract.append(len(r["abstract"].split()))
            authors.append(len(r["authors_parsed"]))
            for text in (r["title"], r["abstract"]):
                for token, _, _ in tokens_of(text):
                    vocab.add(token.lower())
                    tokens += 1
            if n == mark:
                growth.append(f"{n}:{len(vocab)}")
                mark *= 10

    def summary(xs):
        q = statistics.quantiles(xs, n=10)
        return f"mean {statistics.mean(xs):6.1f}  p10 {q[0]:5.0f}  median " \
               f"{statistics.median(xs):5.0f}  p90 {q[-1]:5.0f}  max {max(xs):5d}"

    print(f"{path}: {len(title)} records, {sum(line_bytes) / len(title):.0f} bytes/record")
    print(f"  title words     {summary(title)}")
    print(f"  abstract words  {summary(abstract)}")
    print(f"  authors         {summary(authors)}")
    print(f"  vocabulary      {len(vocab)} distinct words in {tokens} tokens"
          f" (records:distinct {' '.join(growth)})")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        describe(p)
