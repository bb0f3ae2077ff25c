#!/usr/bin/env bash
# Runs the browser tests (ctest label e2e): `node --test` over site, xss and mail.test.mjs. Exits 77, which
# ctest counts as skipped, when playwright-core is not installed in tests/e2e/node_modules.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/playwright-core ]; then
    echo "e2e: skipped: tests/e2e/node_modules is missing."
    echo "e2e: install it with 'make deps' (or 'npm ci' in tests/e2e) and run ctest -L e2e again."
    exit 77
fi
# One file at a time: each starts its own server and browser.
exec node --test --test-reporter=spec --test-concurrency=1 site.test.mjs xss.test.mjs mail.test.mjs
