#!/usr/bin/python3
"""The static (Model2Vec) embedding recipe in plain Python and numpy, timed on SciFact.

    /usr/bin/python3 bench/embed_static_ref.py [--model DIR] [--corpus CORPUS_JSONL_GZ] [--limit N]

The same reading of the recipe as src/embed/static_model.h, written independently of it:
BertNormalizer (clean text, CJK spacing, NFD + drop Mn, lowercase), BertPreTokenizer
(whitespace and punctuation), greedy longest-match WordPiece with "##", literal special tokens
cut out first, [UNK] dropped, model2vec's cuts (512 x median token length characters, then 512
tokens), mean of the rows, L2 normalisation. It prints abstracts/s on one thread, the mean
number of tokens per abstract and a checksum (the sum of every vector's first value), which
bench/embed_static_bench.cpp prints too: equal checksums mean equal vectors.
Needs only /usr/bin/python3 with numpy (Debian's python3-numpy).
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time
import unicodedata

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("PAPERBOY_SHARED_DIR") or os.path.join(HERE, "..", "..", "shared")
MAX_TOKENS = 512


def is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Co")


def is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B920 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


class Tokenizer:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        model = spec["model"]
        assert model["type"] == "WordPiece"
        self.vocab = model["vocab"]
        self.unk = self.vocab[model["unk_token"]]
        self.prefix = model.get("continuing_subword_prefix", "##")
        self.max_chars = model.get("max_input_chars_per_word", 100)
        norm = spec.get("normalizer") or {}
        self.lowercase = norm.get("lowercase", True)
        strip = norm.get("strip_accents")
        self.strip = self.lowercase if strip is None else strip
        self.specials = sorted(((t["content"], t["id"]) for t in spec.get("added_tokens", [])
                                if not t.get("normalized", True)), key=lambda t: -len(t[0]))
        self.max_len = max(len(t) for t in self.vocab)

    def normalize(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or is_control(ch):
                continue
            out.append(" " if ch.isspace() else (" " + ch + " " if is_chinese(cp) else ch))
        text = "".join(out)
        if self.strip:
            text = "".join(c for c in unicodedata.normalize("NFD", text)
                           if unicodedata.category(c) != "Mn")
        if self.lowercase:
            text = "".join(c.lower() for c in text)  # per character, as tokenizers does
        return text

    def words(self, text):
        for chunk in text.split():
            word = []
            for ch in chunk:
                if is_punct(ch):
                    if word:
                        yield "".join(word)
                        word = []
                    yield ch
                else:
                    word.append(ch)
            if word:
                yield "".join(word)

    def wordpiece(self, word):
        if len(word) > self.max_chars:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end = min(len(word), start + self.max_len)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text):
        ids = []
        while text:
            hits = [(text.find(s), -len(s), s, i) for s, i in self.specials if s in text]
            if not hits:
                break
            at, _, s, i = min(hits)
            ids += self.encode_plain(text[:at]) + [i]
            text = text[at + len(s):]
        return ids + self.encode_plain(text)

    def encode_plain(self, text):
        ids = []
        for word in self.words(self.normalize(text)):
            ids += self.wordpiece(word)
        return ids


def read_embeddings(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    t = header["embeddings"]
    dtype = {"F32": np.float32, "F16": np.float16, "I8": np.int8}[t["dtype"]]
    begin, end = t["data_offsets"]
    rows = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=dtype).reshape(t["shape"])
    return rows.astype(np.float64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(SHARED, "models", "potion-base-4M-int8"))
    ap.add_argument("--corpus",
                    default=os.path.join(SHARED, "data", "scifact", "beir", "corpus.jsonl.gz"))
    ap.add_argument("--limit", type=int, default=0, help="embed only the first N abstracts")
    args = ap.parse_args()

    texts = []
    with gzip.open(args.corpus, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            title, text = rec["title"], rec["text"]
            texts.append(title + (". " if title and text else "") + text)
    if args.limit:
        texts = texts[:args.limit]

    tok = Tokenizer(os.path.join(args.model, "tokenizer.json"))
    rows = read_embeddings(os.path.join(args.model, "model.safetensors"))
    lengths = sorted(len(t) for t in tok.vocab)
    max_chars = MAX_TOKENS * int(np.median(lengths))

    start = time.perf_counter()
    cpu_start = time.thread_time()
    tokens = 0
    checksum = 0.0
    for text in texts:
        ids = [i for i in tok.encode(text[:max_chars]) if i != tok.unk][:MAX_TOKENS]
        tokens += len(ids)
        if ids:
            v = rows[ids].mean(axis=0)
            v = v / (np.linalg.norm(v) + 1e-32)
            checksum += v[0]
    wall = time.perf_counter() - start
    cpu = time.thread_time() - cpu_start
    print(f"Python + numpy reference: {len(texts)} abstracts, {tokens / len(texts):.1f} tokens each")
    print(f"  {len(texts) / wall:.0f} abstracts/s on one thread by the wall clock, "
          f"{len(texts) / cpu:.0f} per CPU second; checksum {checksum:.6f}")


if __name__ == "__main__":
    sys.exit(main())
