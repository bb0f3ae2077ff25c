#!/usr/bin/python3
"""Writes a BERT-base-sized sentence encoder with random weights, for bench/embed_bert_bench.

    /usr/bin/python3 bench/make_bert_model.py OUT_DIR [--tokenizer DIR] [--seed N]

OUT_DIR gets the folder layout sentence-transformers saves (config.json, model.safetensors,
modules.json, 1_Pooling/config.json, sentence_bert_config.json) with hidden 768, 12 layers,
12 heads, intermediate 3072, 512 positions, max_seq_length 256: the shape of BERT-base,
MiniLM-L12's big sibling, bge-base and e5-base. The weights are random (normal, std 0.02 as
BERT initialises them; LayerNorm gains near 1), so the vectors mean nothing: only the speed
is real. The tokenizer files are copied from --tokenizer (default: the tiny-bert fixture in
../shared/fixtures), so the vocabulary is that fixture's 3,000 tokens, not BERT's 30,522;
vocab_size only changes the size of one lookup table, not the encoder's work.

model.safetensors is written by hand (an 8-byte header length, a JSON header, then little-endian
float32 data), with numpy only: no torch. About 350 MB; write it to a temporary directory,
never into the repository.
"""

import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np

HIDDEN = 768
LAYERS = 12
HEADS = 12
INTERMEDIATE = 3072
POSITIONS = 512
MAX_SEQ_LENGTH = 256


def tensor_shapes(vocab_size):
    """(name, shape) of every tensor, in the order transformers saves them."""
    h, i = HIDDEN, INTERMEDIATE
    shapes = [
        ("embeddings.word_embeddings.weight", (vocab_size, h)),
        ("embeddings.position_embeddings.weight", (POSITIONS, h)),
        ("embeddings.token_type_embeddings.weight", (2, h)),
        ("embeddings.LayerNorm.weight", (h,)),
        ("embeddings.LayerNorm.bias", (h,)),
    ]
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        for part in ("query", "key", "value"):
            shapes += [(p + f"attention.self.{part}.weight", (h, h)),
                       (p + f"attention.self.{part}.bias", (h,))]
        shapes += [
            (p + "attention.output.dense.weight", (h, h)),
            (p + "attention.output.dense.bias", (h,)),
            (p + "attention.output.LayerNorm.weight", (h,)),
            (p + "attention.output.LayerNorm.bias", (h,)),
            (p + "intermediate.dense.weight", (i, h)),
            (p + "intermediate.dense.bias", (i,)),
            (p + "output.dense.weight", (h, i)),
            (p + "output.dense.bias", (h,)),
            (p + "output.LayerNorm.weight", (h,)),
            (p + "output.LayerNorm.bias", (h,)),
        ]
    shapes += [("pooler.dense.weight", (h, h)), ("pooler.dense.bias", (h,))]
    return shapes


def write_safetensors(path, shapes, rng):
    header = {}
    offset = 0
    for name, shape in shapes:
        size = int(np.prod(shape)) * 4
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt"}
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(blob)))
        out.write(blob)
        for name, shape in shapes:
            if name.endswith("LayerNorm.weight"):
                values = 1.0 + 0.02 * rng.standard_normal(shape, dtype=np.float32)
            else:
                values = 0.02 * rng.standard_normal(shape, dtype=np.float32)
            out.write(values.astype("<f4", copy=False).tobytes())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_tokenizer = os.path.join(here, "..", "..", "shared", "fixtures", "tiny-bert")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--tokenizer", default=default_tokenizer,
                        help="folder with vocab.txt, tokenizer.json, tokenizer_config.json")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    repo = os.path.realpath(os.path.join(here, ".."))
    out = os.path.realpath(args.out_dir)
    if out == repo or out.startswith(repo + os.sep):
        sys.exit(f"{args.out_dir}: inside the repository; write the model to a temporary directory")
    vocab_path = os.path.join(args.tokenizer, "vocab.txt")
    if not os.path.exists(vocab_path):
        sys.exit(f"{vocab_path}: missing (pass --tokenizer DIR)")
    with open(vocab_path, encoding="utf-8") as f:
        vocab_size = sum(1 for _ in f)

    os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json"):
        source = os.path.join(args.tokenizer, name)
        if os.path.exists(source):
            shutil.copyfile(source, os.path.join(out, name))
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": vocab_size,
        "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
        "intermediate_size": INTERMEDIATE, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
        "max_position_embeddings": POSITIONS, "type_vocab_size": 2, "pad_token_id": 0,
        "position_embedding_type": "absolute",
    }
    files = {
        "config.json": config,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "1_Pooling/config.json": {
            "word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
        "sentence_bert_config.json": {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": True},
    }
    for name, value in files.items():
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"), tensor_shapes(vocab_size),
                      np.random.default_rng(args.seed))
    print(out)


if __name__ == "__main__":
    main()
