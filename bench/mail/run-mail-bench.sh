#!/usr/bin/env bash
# Mail benchmark: one daily digest run to N confirmed subscribers through a local SMTP server
# (tests/support/smtp_server.py), against that server's own ceiling (bench/mail/mail_bench.py).
#
#   bash bench/mail/run-mail-bench.sh [N]      N subscribers (default 10000)
#
# Environment: PAPERBOY_BUILD (default build), BENCH_ROUNDS (default 3), BENCH_RESULTS (JSON
# output, default bench/results/mail-N.json; "-" for none), TMPDIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${1:-10000}
BUILD=${PAPERBOY_BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results/mail-$N.json}
PAPERBOY="$BUILD/paperboy"
[ -x "$PAPERBOY" ] || { echo "run-mail-bench: $PAPERBOY not found; build first (make build)" >&2; exit 1; }

# The test SMTP server needs Debian's python3-aiosmtpd, which only the system interpreter sees
# when another python3 (pyenv, a venv) comes first in PATH.
PYTHON=python3
if ! "$PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
    PYTHON=/usr/bin/python3
    "$PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
        { echo "run-mail-bench: python3-aiosmtpd is missing (scripts/install-deps.sh)" >&2; exit 1; }
fi
exec "$PYTHON" "$ROOT/bench/mail/mail_bench.py" --paperboy "$PAPERBOY" --subscribers "$N" \
    --rounds "${BENCH_ROUNDS:-3}" --results "$RESULTS"
