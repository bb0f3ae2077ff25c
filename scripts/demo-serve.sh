#!/usr/bin/env bash
# Serves the demo database with working mail: a local SMTP sink (tests/support/smtp_server.py,
# Debian's python3-aiosmtpd) takes every message the site sends — subscription confirmations,
# account mail, digests — and keeps it as a .eml file, so that subscribing can be tried out
# without a real relay. Stops the sink when the server stops (Ctrl-C).
#
#   bash scripts/demo-serve.sh BINARY DB PORT MAILDIR
set -euo pipefail
PAPERBOY=$1 DB=$2 PORT=$3 MAILDIR=$4
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

PYTHON=python3
"$PYTHON" -c 'import aiosmtpd' 2>/dev/null || PYTHON=/usr/bin/python3
rm -rf "$MAILDIR"
mkdir -p "$MAILDIR"
coproc SINK { exec "$PYTHON" "$ROOT/tests/support/smtp_server.py" --dir "$MAILDIR" --port 0; }
trap 'kill "$SINK_PID" 2>/dev/null || true' EXIT
if ! read -r line <&"${SINK[0]}"; then  # "listening on PORT"
    echo "demo: the local SMTP sink did not start (python3-aiosmtpd missing? run make deps)" >&2
    exit 1
fi
SMTP_PORT=${line##* }

echo "==> Mail the demo sends (try Subscribe in the banner) lands in $MAILDIR/ as .eml files;"
echo "    open the confirmation link from it. Digest of the demo's Hugging Face day, by hand:"
echo "    $PAPERBOY digest send --db $DB --period daily --as-of 2025-11-03 \\"
echo "        --smtp-url smtp://127.0.0.1:$SMTP_PORT --mail-from papers@paperboy.example --public-url http://127.0.0.1:$PORT"
echo
"$PAPERBOY" serve --db "$DB" --listen "127.0.0.1:$PORT" --access-log off \
    --smtp-url "smtp://127.0.0.1:$SMTP_PORT" --mail-from papers@paperboy.example \
    --public-url "http://127.0.0.1:$PORT"
