#!/usr/bin/env bash
# The main job: builds the examples (installing missing Debian packages first) and runs
# the demo. Arguments are passed to the demo program.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cxlfw_need_packages "${CXLFW_DEMO_PACKAGES[@]}"
cxlfw_build demo >&2
exec build/demo/examples/interleave-table "$@"
