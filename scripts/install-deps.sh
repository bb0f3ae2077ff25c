#!/usr/bin/env bash
# Installs every Debian package that Paperboy's build, tests and benchmarks need, and the browser
# test's npm packages (tests/e2e).
#
#   scripts/install-deps.sh          everything (make test)
#   scripts/install-deps.sh --demo   only what building and serving the paperboy binary needs
#                                    (make demo): no test tools, sanitizers, browser or npm
#
# Idempotent: when everything is present it only checks and exits (well under a second).
set -euo pipefail

DEMO_ONLY=0
case "${1:-}" in
    --demo) DEMO_ONLY=1 ;;
    "") ;;
    *) echo "usage: $0 [--demo]" >&2; exit 2 ;;
esac

# What the paperboy binary needs to build, and the demo to run (its mail sink is Python).
PACKAGES=(
    # toolchain
    build-essential g++ cmake ninja-build ccache pkg-config make git
    # libraries
    libsqlite3-dev libpq-dev libsimdjson-dev libpugixml-dev libcurl4-openssl-dev zlib1g-dev
    libcli11-dev libutf8proc-dev libstemmer-dev libroaring-dev
    # the web server (Boost.Beast/Asio, headers only) and its templates
    libboost-dev libkainjow-mustache-dev
    # accounts: argon2id, random tokens, SHA-256; comments: CommonMark
    libsodium-dev libcmark-dev
    # search by meaning: the vector index (HNSW), the BERT encoder's matrix products
    libhnswlib-dev libopenblas-dev
    # the demo's local SMTP sink (tests/support/smtp_server.py); its harvests need CA roots
    python3 python3-aiosmtpd ca-certificates
)

# What the tests and benchmarks add.
TEST_PACKAGES=(
    # sanitizer and fuzz builds, format and lint
    clang-14 libclang-rt-14-dev clang-format clang-tidy
    # the search benchmark's peer (SQLite FTS5 comes with libsqlite3)
    libxapian-dev
    # tests and benchmarks
    libgtest-dev libgmock-dev googletest libbenchmark-dev python3 procps
    # the PostgreSQL store's tests start a server of their own (tests/support/postgres_server.h)
    postgresql-15
    # benchmarks: GNU time for peak RSS, the sqlite3 shell as the ingest peer
    time sqlite3
    # the embedding benchmark's peer: the Python reading of the Model2Vec recipe
    python3-numpy
    # web tests: a real feed parser, a real browser; the HTTP benchmark's peer and load generator
    python3-feedparser chromium nginx-light wrk
)

if [ "$DEMO_ONLY" = 0 ]; then
    PACKAGES+=("${TEST_PACKAGES[@]}")
    # The browser test's runner (node) and package manager, from Debian unless some npm is there.
    if ! command -v npm >/dev/null 2>&1; then
        PACKAGES+=(nodejs npm)
    fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        SUDO=sudo
    else
        SUDO=
    fi
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser test's npm packages (playwright-core), installed when node_modules is missing or
# package-lock.json changed since the last install. Without them only that test is skipped, so
# a failure here (no registry) is a warning, not the end of the build.
[ "$DEMO_ONLY" = 1 ] && exit 0
e2e="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e"
stamp="$e2e/node_modules/.paperboy-lock.sha256"
lock_sum="$(sha256sum "$e2e/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    echo "install-deps: npm ci in tests/e2e"
    if (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error); then
        echo "$lock_sum" >"$stamp"
    else
        echo "install-deps: warning: npm ci failed in tests/e2e; the browser test will be skipped" >&2
    fi
fi
