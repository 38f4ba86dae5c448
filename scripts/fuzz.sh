#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`, clang-16) and runs each for a bounded time,
# starting from its seed files. Usage: scripts/fuzz.sh [seconds per target, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

seconds=${1:-60}
cxlfw_need_packages "${CXLFW_DEMO_PACKAGES[@]}" clang-16 libclang-rt-16-dev
cxlfw_build fuzz

shopt -s nullglob
targets=(build/fuzz/tests/fuzz/fuzz_*)
ran=0
for bin in "${targets[@]}"; do
    [ -x "$bin" ] && [ -f "$bin.seeds" ] || continue
    name=$(basename "$bin")
    corpus=$(mktemp -d)
    while IFS= read -r seed; do
        [ -n "$seed" ] && cp "$seed" "$corpus/"
    done <"$bin.seeds"
    cxlfw_log "fuzzing $name for ${seconds}s"
    "$bin" -max_total_time="$seconds" -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
    rm -rf "$corpus"
    ran=$((ran + 1))
done
if [ "$ran" -eq 0 ]; then
    cxlfw_log "no fuzz targets were built"
    exit 1
fi
cxlfw_log "$ran fuzz targets ran without a finding"
