#!/usr/bin/env bash
# The main job: builds cxlfw-probe (installing missing Debian packages first) and runs it.
# Without arguments it runs the stock and example drivers on the built-in cxl_test topology
# and prints what happened; arguments go to cxlfw-probe (docs/cxlfw-probe.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cxlfw_need_packages "${CXLFW_DEMO_PACKAGES[@]}"
cxlfw_build demo cxlfw-probe >&2
exec build/demo/examples/cxlfw-probe "$@"
