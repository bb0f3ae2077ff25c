#!/usr/bin/env bash
# The layering check must fail on an upward include, on web/ or cli/ reaching past app/ into
# store/, and on a driver header out of place.
set -euo pipefail
script="$1/scripts/check-layering.py"
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/src/core" "$tmp/src/store" "$tmp/src/app"
echo '#include "store/store.h"' > "$tmp/src/core/bad.h"
if python3 "$script" "$tmp" >/dev/null; then echo "upward include not caught"; exit 1; fi
echo '' > "$tmp/src/core/bad.h"
echo '#include <sqlite3.h>' > "$tmp/src/app/bad.cpp"
if python3 "$script" "$tmp" >/dev/null; then echo "driver header not caught"; exit 1; fi
echo '' > "$tmp/src/app/bad.cpp"
mkdir -p "$tmp/src/web" "$tmp/src/cli"
for m in web cli; do
    echo '#include "store/store.h"' > "$tmp/src/$m/bad.cpp"
    if python3 "$script" "$tmp" >/dev/null; then echo "$m/ including store/ not caught"; exit 1; fi
    echo '#include "app/instance.h"' > "$tmp/src/$m/bad.cpp"
done
echo '#include "core/paper.h"' > "$tmp/src/store/good.cpp"
python3 "$script" "$tmp" >/dev/null || { echo "a downward include was refused"; exit 1; }
echo "layering self-test: ok"
