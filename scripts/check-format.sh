#!/usr/bin/env bash
# Fails when a tracked C++ file differs from clang-format's output (.clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
while IFS= read -r f; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "needs clang-format: $f"
        status=1
    fi
done < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find src tests bench apps -name '*.cpp' -o -name '*.h')
[ $status -eq 0 ] && echo "format check: ok"
exit $status
