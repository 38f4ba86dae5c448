#!/usr/bin/env bash
# Builds everything and runs the whole test suite (installing missing Debian packages
# first). Arguments are passed to ctest, e.g. `scripts/test.sh -R spec`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cxlfw_need_packages "${CXLFW_TEST_PACKAGES[@]}"
cxlfw_build default
cxlfw_log "running the test suite"
ctest --preset default -j "$(nproc)" "$@"
