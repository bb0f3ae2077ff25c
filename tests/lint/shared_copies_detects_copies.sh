#!/usr/bin/env bash
# The shared-copies check must fail on a whole copy and on a copy of the first 4 KB, pass a
# file of our own and the exempt seed page, and skip when there is nothing to compare with.
set -euo pipefail
unset PAPERBOY_SKIP_LOG  # its deliberate skip below is not a skipped test
script="$1/scripts/check-shared-copies.py"
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/shared/data/sample" "$tmp/shared/data/seed-page" "$tmp/repo"
head -c 10000 /dev/urandom > "$tmp/shared/data/sample/big.bin"
echo "a small sample" > "$tmp/shared/data/sample/small.txt"
echo "the seed page" > "$tmp/shared/data/seed-page/papers.json"
cd "$tmp/repo"
git init -q .
echo "ours" > ours.txt
cp "$tmp/shared/data/seed-page/papers.json" seed.json
git add ours.txt seed.json
python3 "$script" "$tmp/repo" "$tmp/shared" >/dev/null || { echo "own files were refused"; exit 1; }

cp "$tmp/shared/data/sample/small.txt" copy.txt
git add copy.txt
if python3 "$script" "$tmp/repo" "$tmp/shared" >/dev/null; then echo "a whole copy was not caught"; exit 1; fi
git rm -q --cached copy.txt

{ head -c 4096 "$tmp/shared/data/sample/big.bin"; echo "changed tail"; } > prefix.bin
git add prefix.bin
if python3 "$script" "$tmp/repo" "$tmp/shared" >/dev/null; then echo "a 4 KB prefix copy was not caught"; exit 1; fi

set +e
python3 "$script" "$tmp/repo" "$tmp/nowhere" >/dev/null
rc=$?
set -e
[ "$rc" -eq 77 ] || { echo "an absent shared directory did not skip (exit $rc)"; exit 1; }
echo "shared-copies self-test: ok"
