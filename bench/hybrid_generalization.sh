#!/usr/bin/env bash
# Hybrid against lexical on SciFact and its variants (bench/make_beir_variants.py): collections
# the fusion was not tuned on, with the static model potion-base-4M-int8. Prints nDCG@10 and
# Recall@100 per variant and mode; hybrid should never fall below lexical.
#
#   bash bench/hybrid_generalization.sh            (PAPERBOY_BUILD, PAPERBOY_SHARED_DIR, TMPDIR)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${PAPERBOY_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
SHARED=${PAPERBOY_SHARED_DIR:-$ROOT/../shared}
BEIR="$SHARED/data/scifact/beir"
MODEL="$SHARED/models/potion-base-4M-int8"
PAPERBOY="$BUILD/paperboy"
[ -d "$BEIR" ] && [ -d "$MODEL" ] || { echo "hybrid_generalization: needs $BEIR and $MODEL" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-hybrid-gen.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/full/qrels"
cp "$BEIR/queries.jsonl" "$WORK/full/"; cp "$BEIR/qrels/test.tsv" "$WORK/full/qrels/"
zcat "$BEIR/corpus.jsonl.gz" > "$WORK/full/corpus.jsonl"
python3 "$ROOT/bench/make_beir_variants.py" "$BEIR" "$WORK" >/dev/null
printf '%-16s %8s   %-17s %-17s %-17s\n' variant queries lexical semantic hybrid
for v in full no-title title-only half-abstracts half-titles long-query sibling; do
    db="$WORK/$v.db"
    "$PAPERBOY" ingest --db "$db" -q --format beir "$WORK/$v/corpus.jsonl" >/dev/null 2>"$WORK/ingest.log" || { cat "$WORK/ingest.log" >&2; exit 1; }
    "$PAPERBOY" embed --db "$db" --model "$MODEL" -q
    line=$(printf '%-16s' "$v")
    for mode in lexical semantic hybrid; do
        out=$("$PAPERBOY" eval --db "$db" --beir "$WORK/$v" --mode "$mode" --json)
        q=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["queries"])')
        m=$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.4f / %.4f" % (d["ndcg@10"], d["recall@100"]))')
        [ "$mode" = lexical ] && line="$line $(printf '%8s' "$q")  "
        line="$line $(printf '%-17s' "$m")"
    done
    echo "$line"
done
