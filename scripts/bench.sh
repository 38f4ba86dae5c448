#!/usr/bin/env bash
# Builds the benchmarks with the release preset (installing missing Debian packages first)
# and runs them: prints the markdown tables of docs/benchmarks.md. Arguments are passed to
# cxlfw-bench, e.g. `scripts/bench.sh --only compare,paths` or `scripts/bench.sh --quick`;
# `scripts/bench.sh --help` lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cxlfw_need_packages "${CXLFW_DEMO_PACKAGES[@]}"
if [ ! -f build/release/CMakeCache.txt ]; then
    cxlfw_log "configuring build/release"
    cmake --preset release >/dev/null
fi
cxlfw_log "building cxlfw-bench in build/release"
# Build output goes to stderr: stdout is the markdown.
cmake --build --preset release -j "$(nproc)" --target cxlfw-bench >&2
cxlfw_log "running the benchmarks"
# The source the numbers are of, for the table's header.
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
    git diff --quiet HEAD -- include benchmarks examples/drivers 2>/dev/null ||
        rev+=" with uncommitted changes"
    export CXLFW_BENCH_REVISION="$rev"
fi
exec build/release/benchmarks/cxlfw-bench "$@"
