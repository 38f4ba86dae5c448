# The README shows what `cxlfw-probe` prints; this keeps it true. The first ``` block after
# the heading "## What the first command shows" must equal the golden output of `run` on
# the demo platform, which tests/examples/probe_views.cpp checks against the tool.
# Usage: cmake -DREADME=README.md -DGOLDEN=tests/examples/golden/run-demo.txt -P ...
file(READ "${README}" readme)
file(READ "${GOLDEN}" golden)
string(FIND "${readme}" "## What the first command shows" at)
if(at EQUAL -1)
    message(FATAL_ERROR "${README}: no heading '## What the first command shows'")
endif()
string(SUBSTRING "${readme}" ${at} -1 rest)
string(FIND "${rest}" "```\n" open)
if(open EQUAL -1)
    message(FATAL_ERROR "${README}: no code block after '## What the first command shows'")
endif()
math(EXPR from "${open} + 4")
string(SUBSTRING "${rest}" ${from} -1 rest)
string(FIND "${rest}" "```" close)
string(SUBSTRING "${rest}" 0 ${close} shown)
if(NOT shown STREQUAL golden)
    message(FATAL_ERROR "${README} shows another `cxlfw-probe` output than ${GOLDEN}; "
                        "paste the golden file into the README's block")
endif()
