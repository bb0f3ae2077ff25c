#!/usr/bin/env bash
# Loads the demo corpus into a fresh database, then shows a little of it:
#   - the seed page's day (66 papers as the daily list of 2025-11-03), from this repository;
#   - when the machine is online, the latest days of Hugging Face's daily papers and the newest
#     arXiv papers of a few cs categories, harvested with short timeouts and no retries (one
#     line says so when they cannot be reached; the demo goes on with what it has);
#   - when ../shared/data is there (a development checkout), its real samples too;
#   - search by meaning: a small static model pulled from Hugging Face when the machine is online
#     (minishlab/potion-base-8M, ~30 MB, into ~/.cache/paperboy/models), or the development model
#     of ../shared/models when that is there, and every paper embedded with it; with neither, one
#     line says so and search stays by words.
#
#   bash scripts/demo-load.sh BINARY DB
#
# PAPERBOY_DEMO_OFFLINE=1 skips the harvests and the model download; PAPERBOY_DEMO_MODEL names
# another Hugging Face model (ORG/NAME) or a model folder; PAPERBOY_CONTACT is the e-mail arXiv's operators
# see in the User-Agent (default: you@this host).
set -uo pipefail
PAPERBOY=$1 DB=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${PAPERBOY_SHARED_DIR:-$(dirname "$ROOT")/shared}

rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.index" "$DB.index-wal" "$DB.index-shm" "$DB.index.vectors"
step() { printf '==> %s\n' "$*"; }

step "the seed page's day (66 papers, 2025-11-03)"
"$PAPERBOY" ingest --db "$DB" -q "$ROOT/data/demo/seed-page-2025-11-03.json" || exit 1

# One harvest, bounded: no retries, a short timeout per request and a hard cap on the whole run,
# so that an unreachable or slow upstream costs seconds, never a hang. Prints one line.
harvest() {
    local what=$1
    shift
    local log
    log=$(mktemp)
    if timeout 120 "$PAPERBOY" harvest --db "$DB" -q --max-retries 0 --timeout 15 "$@" 2>"$log"; then
        step "$what: $(tail -n 1 "$log")"
    else
        local why
        why=$(grep -v '^$' "$log" | tail -n 1 | sed -E 's/^paperboy: //; s/.*gave up after [0-9]+ attempts?: //')
        step "$what: could not reach it (${why:-timed out}); going on without"
    fi
    rm -f "$log"
}

if [ "${PAPERBOY_DEMO_OFFLINE:-0}" = 1 ]; then
    step "offline (PAPERBOY_DEMO_OFFLINE=1): no harvests"
else
    contact=${PAPERBOY_CONTACT:-$(id -un)@$(hostname)}
    harvest "Hugging Face daily papers, the last 3 days" --source hf-daily \
        --from "$(date -u -d '3 days ago' +%F)" --until "$(date -u +%F)"
    harvest "arXiv's newest cs.CL, cs.LG, cs.CV and cs.AI papers" --source arxiv-api \
        --query 'cat:cs.CL OR cat:cs.LG OR cat:cs.CV OR cat:cs.AI' --max-results 200 \
        --contact "$contact"
fi

if [ -d "$SHARED/data" ]; then
    step "the real samples of $SHARED/data (a development checkout)"
    samples=(
        "$SHARED/data/arxiv-kaggle-snapshot/arxiv-metadata-oai-snapshot.sample200.jsonl"
        "$SHARED/data/arxiv-oai-pmh/litpuvn-arxiv-oai-harvester/ListRecords_arXivRaw_from2016-10-20.xml"
        "$SHARED/data/arxiv-oai-pmh/scrapi-vcr/ListRecords_oai_dc_2014-12-24_2014-12-25.xml"
        "$SHARED/data/arxiv-oai-pmh/hepcrawl/functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-th.xml"
        "$SHARED/data/arxiv-oai-pmh/hepcrawl/functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-ex.xml"
        "$SHARED/data/arxiv-api-atom/xml_from_fixtures/q_testing_s0_m100_cfe7536492ca.xml"
        "$SHARED/data/hf-daily-papers/daily_papers_2024-10-25.json"
    )
    present=()
    for f in "${samples[@]}"; do [ -f "$f" ] && present+=("$f"); done
    if [ ${#present[@]} -gt 0 ]; then
        "$PAPERBOY" ingest --db "$DB" -q "${present[@]}" || step "some samples failed to load (above)"
    fi
fi

# Search by meaning: pull the model (bounded like the harvests), else the development one.
model=""
wanted=${PAPERBOY_DEMO_MODEL:-minishlab/potion-base-8M}
if [ -d "$wanted" ]; then
    model=$wanted
elif [ "${PAPERBOY_DEMO_OFFLINE:-0}" != 1 ]; then
    log=$(mktemp)
    if model=$(timeout 300 "$PAPERBOY" model pull "$wanted" 2>"$log"); then
        step "the model $wanted for search by meaning: $model"
    else
        model=""
        why=$(grep -v '^$' "$log" | tail -n 1 | sed -E 's/^paperboy: //')
        step "the model $wanted: could not fetch it (${why:-timed out})"
    fi
    rm -f "$log"
fi
if [ -z "$model" ] && [ -d "$SHARED/models/potion-base-4M-int8" ]; then
    model="$SHARED/models/potion-base-4M-int8"
    step "the development model $model for search by meaning"
fi
if [ -n "$model" ]; then
    "$PAPERBOY" embed --db "$DB" --model "$model" -q && step "every paper embedded: search by meaning is on" ||
        step "embedding failed (above); search stays by words"
else
    step "no model for search by meaning (offline); search stays by words"
fi

echo
"$PAPERBOY" stats --db "$DB"
echo
"$PAPERBOY" daily --db "$DB" --limit 5
echo
"$PAPERBOY" search --db "$DB" "fine-tuning LLMs for sequence labeling" --limit 5
