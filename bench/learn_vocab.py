#!/usr/bin/env python3
"""Learns the text model that paperboy-gen-snapshot samples from, and writes it to bench/data/.

Inputs (real text; read once, never by the build or the benchmark):
  * the 200 Kaggle arXiv snapshot records (arxiv-metadata-oai-snapshot.sample200.jsonl);
  * the SciFact corpus (BEIR corpus.jsonl.gz): 5,183 scientific titles and abstracts, for volume.

Outputs:
  * vocab.tsv.gz: word<TAB>count<TAB>title_count, most frequent first (title_count: how many of
    the occurrences were in titles, which the generator samples separately since titles have
    fewer function words). Words seen once are left out: their place is taken by the
    generator's synthetic long tail, which is drawn at the same token rate.
  * model.tsv: kind<TAB>value<TAB>weight lines. Length histograms and field rates learned from
    the inputs, the Heaps' law fit of vocabulary growth, names, and a few tables that the 2007
    sample cannot teach about 2015-2025 arXiv (category mix, licenses, author counts); those are
    marked "assumed" below and in the file.

Usage (stdlib only; the output is byte-for-byte reproducible):
  python3 bench/learn_vocab.py \
      --arxiv /work/shared/data/arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.sample200.jsonl \
      --scifact /work/shared/data/scifact/beir/corpus.jsonl.gz --out bench/data
"""
import argparse
import collections
import gzip
import io
import json
import math
import pathlib
import re
import sys

LEADING = "([{\"'`"
TRAILING = ".,;:)]}\"'`?!"
# arXiv abstracts may not exceed 1,920 characters: about 320 words. Longer SciFact abstracts
# (structured medical ones) are left out of the length histogram.
MAX_ABSTRACT_WORDS = 320
MAX_SENTENCE_WORDS = 80

# Assumed, not learned: the 200 records are all from April 2007, before cs.LG grew and before
# arXiv asked for a license. Shares of primary categories roughly follow arXiv's 2015-2025
# submission statistics (computer science about 40%, mathematics 20%, physics the rest).
ASSUMED_CATEGORIES = {
    "cs.LG": 90, "cs.CV": 80, "cs.CL": 55, "cs.AI": 35, "cs.RO": 18, "cs.CR": 14, "cs.IT": 12,
    "cs.DS": 8, "cs.NI": 8, "cs.SE": 8, "cs.HC": 7, "cs.IR": 8, "cs.DC": 7, "cs.SY": 6,
    "cs.NE": 5, "cs.CY": 5, "cs.SI": 5, "cs.GT": 4, "cs.LO": 4, "cs.PL": 3, "cs.DB": 3,
    "cs.CC": 2, "cs.CG": 2, "cs.MA": 2, "cs.SD": 4, "cs.GR": 3, "cs.MM": 2, "cs.DM": 3,
    "stat.ML": 16, "stat.ME": 10, "stat.AP": 5, "stat.TH": 2, "stat.CO": 2,
    "eess.SP": 12, "eess.IV": 9, "eess.AS": 6, "eess.SY": 10,
    "math.OC": 12, "math.PR": 12, "math.AP": 12, "math.NA": 11, "math.CO": 11, "math.AG": 8,
    "math.NT": 7, "math.DG": 7, "math.DS": 6, "math.FA": 6, "math.ST": 6, "math.GT": 4,
    "math.RT": 4, "math.CA": 3, "math.GR": 4, "math.LO": 3, "math.MP": 4, "math.QA": 3,
    "math.RA": 3, "math.CV": 3, "math.AT": 2, "math.OA": 2, "math.SP": 2, "math.AC": 2,
    "quant-ph": 30, "hep-ph": 18, "hep-th": 16, "hep-ex": 6, "hep-lat": 3, "gr-qc": 11,
    "nucl-th": 5, "nucl-ex": 3, "math-ph": 4,
    "astro-ph.GA": 12, "astro-ph.CO": 10, "astro-ph.SR": 10, "astro-ph.HE": 10,
    "astro-ph.EP": 5, "astro-ph.IM": 5,
    "cond-mat.mtrl-sci": 16, "cond-mat.str-el": 10, "cond-mat.mes-hall": 11,
    "cond-mat.stat-mech": 8, "cond-mat.soft": 7, "cond-mat.supr-con": 5,
    "cond-mat.quant-gas": 4, "cond-mat.dis-nn": 3, "cond-mat.other": 2,
    "physics.optics": 10, "physics.flu-dyn": 7, "physics.app-ph": 6, "physics.chem-ph": 5,
    "physics.comp-ph": 4, "physics.soc-ph": 4, "physics.ins-det": 4, "physics.bio-ph": 3,
    "physics.plasm-ph": 3, "physics.atom-ph": 3, "physics.med-ph": 2, "physics.data-an": 2,
    "physics.ao-ph": 2, "physics.geo-ph": 2, "physics.gen-ph": 2, "physics.acc-ph": 1,
    "q-bio.NC": 3, "q-bio.QM": 3, "q-bio.PE": 2, "q-bio.BM": 2, "q-fin.ST": 1,
    "q-fin.MF": 1, "econ.EM": 2, "econ.GN": 1, "nlin.CD": 1, "nlin.PS": 1,
}
# Assumed: since 2015 nearly every submission carries a license; a few records in the snapshot
# still have null.
ASSUMED_LICENSES = {
    "http://arxiv.org/licenses/nonexclusive-distrib/1.0/": 690,
    "http://creativecommons.org/licenses/by/4.0/": 200,
    "http://creativecommons.org/licenses/by-nc-sa/4.0/": 30,
    "http://creativecommons.org/licenses/by-nc-nd/4.0/": 20,
    "http://creativecommons.org/licenses/by-sa/4.0/": 10,
    "http://creativecommons.org/publicdomain/zero/1.0/": 10,
    "null": 40,
}
# Assumed: authors per paper in 2015-2025 (mean about 4.5; the 2007 sample's mean is 2.7).
# Values 9-20 and the rare large collaborations are drawn by the generator's heavy tail.
ASSUMED_AUTHORS = {1: 110, 2: 170, 3: 180, 4: 150, 5: 110, 6: 80, 7: 55, 8: 40, 9: 105}


def read_arxiv(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_scifact(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def balanced(token):
    if token.count("$") % 2:
        return False
    for open_, close in ("()", "[]", "{}"):
        if token.count(open_) != token.count(close):
            return False
    return True


def clean(raw):
    """Strips surrounding punctuation; returns '' for tokens the generator should not reuse."""
    token = raw
    pairs = {")": "(", "]": "[", "}": "{"}
    changed = True
    while token and changed:
        changed = False
        last, first = token[-1], token[0]
        if last in TRAILING and (last not in pairs or token.count(pairs[last]) < token.count(last)):
            token, changed = token[:-1], True
        elif first in LEADING and (first not in "([{" or not balanced(token)):
            token, changed = token[1:], True
    if not token or not balanced(token) or not any(c.isalnum() for c in token):
        return ""
    return token


def tokens_of(text):
    """Yields (token, sentence_initial, followed_by_comma) for one title or abstract."""
    sentence_start = True
    for raw in text.split():
        token = clean(raw)
        if token:
            yield token, sentence_start, raw.endswith(",")
        sentence_start = raw.endswith((".", "?", "!")) and not raw.endswith("e.g.")


def sentence_lengths(text):
    lengths = []
    for sentence in re.split(r"(?<=[.?!])\s+(?=[A-Z])", " ".join(text.split())):
        n = len(sentence.split())
        if 0 < n <= MAX_SENTENCE_WORDS:
            lengths.append(n)
    return lengths


def heaps_fit(stream):
    """Least-squares fit of log V = log K + beta log T over log-spaced prefixes of the stream."""
    seen = set()
    points = []
    next_mark = 10000
    for t, key in enumerate(stream, 1):
        seen.add(key)
        if t >= next_mark:
            points.append((math.log(t), math.log(len(seen))))
            next_mark = int(next_mark * 1.25)
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    beta = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return math.exp(my - beta * mx), beta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arxiv", required=True, help="Kaggle snapshot sample (JSON lines)")
    ap.add_argument("--scifact", required=True, help="BEIR SciFact corpus.jsonl.gz")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "data"))
    args = ap.parse_args()

    arxiv = read_arxiv(args.arxiv)
    scifact = read_scifact(args.scifact)
    texts = [(r["title"], True) for r in arxiv] + [(r["abstract"], False) for r in arxiv]
    texts += [(r["title"], True) for r in scifact] + [(r["text"], False) for r in scifact]

    counts = collections.Counter()
    title_counts = collections.Counter()
    forms = collections.defaultdict(collections.Counter)
    stream = []
    commas = 0
    for text, is_title in texts:
        for token, initial, comma in tokens_of(text):
            key = token.lower()
            counts[key] += 1
            title_counts[key] += is_title
            stream.append(key)
            commas += comma
            # A capital that only marks a sentence start says nothing about the word's form.
            if initial and token[:1].isupper() and token[1:] == token[1:].lower():
                forms[key][key] += 1
            else:
                forms[key][token] += 1
    total_tokens = len(stream)
    hapax_tokens = sum(1 for n in counts.values() if n == 1)
    heaps_k, heaps_beta = heaps_fit(stream)

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kept = sorted(((n, key) for key, n in counts.items() if n >= 2), key=lambda p: (-p[0], p[1]))
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        for n, key in kept:
            form = forms[key].most_common(1)[0][0]
            gz.write(f"{form}\t{n}\t{title_counts[key]}\n".encode("utf-8"))
    (out / "vocab.tsv.gz").write_bytes(buf.getvalue())

    lines = [
        "# Text model for paperboy-gen-snapshot, written by bench/learn_vocab.py; do not edit.",
        f"# Inputs: {len(arxiv)} Kaggle arXiv records, {len(scifact)} SciFact abstracts;",
        f"# {total_tokens} tokens, {len(counts)} distinct, {len(kept)} kept (seen twice or more).",
        "# kind<TAB>value<TAB>weight",
    ]

    def emit(kind, histogram, note):
        lines.append(f"# {kind}: {note}")
        for value, weight in sorted(histogram.items(), key=lambda kv: str(kv[0]) if isinstance(
                kv[0], str) else f"{kv[0]:08d}"):
            lines.append(f"{kind}\t{value}\t{weight}")

    lines.append("# param: learned. Heaps' law V = K * T^beta over the token stream; tail_fraction"
                 " is the share of tokens that are words seen once; comma_rate the share of words"
                 " followed by a comma.")
    lines.append(f"param\theaps_k\t{heaps_k:.4f}")
    lines.append(f"param\theaps_beta\t{heaps_beta:.4f}")
    lines.append(f"param\ttail_fraction\t{hapax_tokens / total_tokens:.5f}")
    lines.append(f"param\tcomma_rate\t{commas / total_tokens:.5f}")
    for field in ("comments", "journal-ref", "doi", "report-no"):
        present = sum(1 for r in arxiv if r[field] is not None)
        lines.append(f"param\tpresent:{field}\t{present / len(arxiv):.4f}")

    emit("title_words", collections.Counter(len(r["title"].split()) for r in arxiv),
         "learned from the arXiv records")
    abstract_lengths = [len(r["abstract"].split()) for r in arxiv]
    abstract_lengths += [len(r["text"].split()) for r in scifact]
    emit("abstract_words",
         collections.Counter(n for n in abstract_lengths if 0 < n <= MAX_ABSTRACT_WORDS),
         f"learned from arXiv and SciFact abstracts of at most {MAX_ABSTRACT_WORDS} words")
    sentences = collections.Counter()
    for r in arxiv:
        sentences.update(sentence_lengths(r["abstract"]))
    for r in scifact:
        sentences.update(sentence_lengths(r["text"]))
    emit("sentence_words", sentences, "learned from arXiv and SciFact abstracts")
    emit("categories_per_paper", collections.Counter(len(r["categories"].split()) for r in arxiv),
         "learned from the arXiv records")
    emit("versions_per_paper", collections.Counter(len(r["versions"]) for r in arxiv),
         "learned from the arXiv records")
    emit("authors_per_paper", ASSUMED_AUTHORS, "assumed (2015-2025 arXiv); 9 means 9 or more")
    emit("category", ASSUMED_CATEGORIES, "assumed (2015-2025 arXiv primary categories)")
    emit("license", ASSUMED_LICENSES, "assumed (2015-2025 arXiv)")

    surnames = collections.Counter()
    given = collections.Counter()
    for r in arxiv:
        for parts in r["authors_parsed"]:
            last, first = parts[0], parts[1]
            if re.fullmatch(r"[^\W\d_][^\W\d_'\- ]+(?:[-' ][^\W\d_]+)*", last) and \
                    "Collaboration" not in last:
                surnames[last] += 1
            word = first.split(" ")[0]
            if re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?", word):
                given[word] += 1
    emit("surname", surnames, "learned from the arXiv records' authors_parsed")
    emit("given", given, "learned from the arXiv records' authors_parsed (full first names)")
    journals = collections.Counter()
    for r in arxiv:
        ref = r["journal-ref"]
        if ref:
            m = re.match(r"([A-Za-z][A-Za-z. ]*[A-Za-z.])", ref)
            if m and len(m.group(1)) >= 4:
                journals[m.group(1).strip()] += 1
    emit("journal", journals, "learned from the arXiv records' journal-ref")
    (out / "model.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    print(f"{out}/vocab.tsv.gz: {len(kept)} words ({(out / 'vocab.tsv.gz').stat().st_size} bytes);"
          f" {total_tokens} tokens, {len(counts)} distinct; Heaps K={heaps_k:.2f}"
          f" beta={heaps_beta:.3f}; tail fraction {hapax_tokens / total_tokens:.4f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
