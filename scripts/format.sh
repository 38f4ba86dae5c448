#!/usr/bin/env bash
# Formats the whole tree in place with the house style (.clang-format, clang-format 14).
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format)
dirs=(); for d in include tests examples benchmarks; do [ -d "$d" ] && dirs+=("$d"); done
find "${dirs[@]}" \( -name '*.hpp' -o -name '*.cpp' \) \
    -not -path 'tests/data/*' -print0 | xargs -0 "$cf" -i --style=file
