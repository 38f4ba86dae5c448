# Shared by scripts/demo.sh and scripts/test.sh: install what is missing, then build.
# shellcheck shell=bash

# Debian 12 packages each command needs (keep README.md in step).
CXLFW_DEMO_PACKAGES=(cmake make g++ libboost1.81-dev libmsgsl-dev nlohmann-json3-dev libcli11-dev)
CXLFW_TEST_PACKAGES=("${CXLFW_DEMO_PACKAGES[@]}" catch2 clang-format)

cxlfw_log() { printf 'cxlfw: %s\n' "$*" >&2; }

# cxlfw_need_packages pkg...: installs the packages that are not installed yet, saying which.
cxlfw_need_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    ((${#missing[@]})) || return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            cxlfw_log "missing Debian packages: ${missing[*]}"
            cxlfw_log "run as root: apt-get install ${missing[*]}"
            return 1
        fi
    fi
    cxlfw_log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine may have no package lists yet.
    if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        "${sudo[@]}" apt-get update -q
        "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

# cxlfw_build preset [target...]: configures (once) and builds (everything, or the targets)
# with every core.
cxlfw_build() {
    local preset=$1
    shift
    if [ ! -f "build/$preset/CMakeCache.txt" ]; then
        cxlfw_log "configuring build/$preset"
        cmake --preset "$preset" >/dev/null
    fi
    cxlfw_log "building build/$preset${*:+ ($*)}"
    if [ $# -gt 0 ]; then
        cmake --build --preset "$preset" -j "$(nproc)" --target "$@"
    else
        cmake --build --preset "$preset" -j "$(nproc)"
    fi
}
