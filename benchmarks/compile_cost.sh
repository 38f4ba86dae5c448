#!/usr/bin/env bash
# The compile cost of a driver's translation unit, header-only (cxlfw::cxlfw) and separately
# compiled (cxlfw::compiled, -DCXLFW_SEPARATE_COMPILATION) side by side, in one run, with the
# modes interleaved so both see the same machine. Prints a Markdown table (docs/benchmarks.md).
#
#   benchmarks/compile_cost.sh [--runs N] [--opt -O2]      (CXX=... picks the compiler)
#
# Each row is a file of benchmarks/compile/, compiled with `-std=c++20 <opt> -c`: wall time and
# max RSS (median of N runs, from /usr/bin/time) and the object's .text size. "misuse" is the
# -fsyntax-only check of a compile-fail case (its failure is expected). "the library" is what
# the compiled mode pays once: every src/*.cpp of cxlfw::compiled, one after the other.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
opt=-O2
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --opt) opt=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--opt FLAGS]" >&2; exit 2 ;;
    esac
done
cxx=${CXX:-g++}
[ -x /usr/bin/time ] || { echo "compile_cost.sh: needs /usr/bin/time (Debian: time)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure <mode> <source> [extra flags...]: one compile; prints "seconds kilobytes text-bytes".
measure() {
    local mode=$1 src=$2
    shift 2
    local def=()
    [ "$mode" = compiled ] && def=(-DCXLFW_SEPARATE_COMPILATION)
    local obj="$work/out.o" rc=0
    /usr/bin/time -f '%e %M' -o "$work/time" "$cxx" -std=c++20 "$opt" "${def[@]}" -Iinclude "$@" \
        "$src" -o "$obj" 2>"$work/err" || rc=$?
    if [ $rc -ne 0 ] && [ "$*" != "-fsyntax-only" ]; then
        echo "compile_cost.sh: $src ($mode) does not compile:" >&2
        cat "$work/err" >&2
        exit 1
    fi
    local text=0
    if [ -f "$obj" ]; then
        text=$(size -A "$obj" | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }')
        rm -f "$obj"
    fi
    echo "$(tail -1 "$work/time") $text"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

row() { # row <label> <source> [extra flags...]
    local label=$1 src=$2
    shift 2
    : >"$work/h"
    : >"$work/c"
    for ((i = 0; i < runs; i++)); do
        measure header-only "$src" "$@" >>"$work/h"
        measure compiled "$src" "$@" >>"$work/c"
    done
    local hw hm ht cw cm ct
    hw=$(cut -d' ' -f1 "$work/h" | median)
    hm=$(cut -d' ' -f2 "$work/h" | median)
    ht=$(cut -d' ' -f3 "$work/h" | median)
    cw=$(cut -d' ' -f1 "$work/c" | median)
    cm=$(cut -d' ' -f2 "$work/c" | median)
    ct=$(cut -d' ' -f3 "$work/c" | median)
    awk -v l="$label" -v hw="$hw" -v hm="$hm" -v ht="$ht" -v cw="$cw" -v cm="$cm" -v ct="$ct" \
        'BEGIN { printf "| %s | %.1f s | %d MB | %d KB | %.1f s | %d MB | %d KB | %.2f |\n",
                 l, hw, hm / 1024, ht / 1024, cw, cm / 1024, ct / 1024, (hw > 0 ? cw / hw : 0) }'
}

echo "compile_cost.sh: $("$cxx" --version | head -1), $opt, median of $runs, $(nproc) cores" >&2
echo "| translation unit | header-only wall | max RSS | .text | compiled wall | max RSS | .text | compiled / header-only |"
echo "|---|---|---|---|---|---|---|---|"
row "\`#include <cxlfw/cxlfw.hpp>\` only" benchmarks/compile/umbrella.cpp -c
row "cxl_test + stock drivers, no driver of one's own" benchmarks/compile/platform.cpp -c
row "the same + one composed driver" benchmarks/compile/one_driver.cpp -c
row "the same + nine composed drivers" benchmarks/compile/nine_drivers.cpp -c
row "a misuse, \`-fsyntax-only\`" benchmarks/compile/misuse.cpp -fsyntax-only

# What the compiled mode pays once: the library's translation units, one after the other.
total=0
peak=0
for src in src/*.cpp; do
    read -r s kb _ < <(measure compiled "$src" -c)
    total=$(awk -v a="$total" -v b="$s" 'BEGIN { print a + b }')
    [ "$kb" -gt "$peak" ] && peak=$kb
done
n=$(ls src/*.cpp | wc -l)
awk -v t="$total" -v p="$peak" -v n="$n" \
    'BEGIN { printf "| the library (cxlfw::compiled, %d TUs, once) | - | - | - | %.1f s | %d MB | - | - |\n", n, t, p / 1024 }'
