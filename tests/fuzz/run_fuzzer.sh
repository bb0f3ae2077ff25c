#!/usr/bin/env bash
# Runs a libFuzzer binary for a bounded time over a copy of its seed corpus.
# Usage: run_fuzzer.sh FUZZER SEED_CORPUS_DIR ARTIFACT_DIR [libFuzzer flags...]
# The corpus grows while fuzzing, so it is copied to a temporary directory: the source tree is
# never written. Crash inputs go to ARTIFACT_DIR (in the build tree) to be kept for debugging.
set -euo pipefail
fuzzer=$1 seeds=$2 artifacts=$3
shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/paperboy-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$seeds/." "$work/"
mkdir -p "$artifacts"
"$fuzzer" "$@" -artifact_prefix="$artifacts/" "$work"
