# Compiles one translation unit with the project's compiler and flags and checks the outcome.
# Run as a CTest test:  cmake -DCXX=... -DRSP=... -DSOURCE=... -DMODE=fail|pass -P check_compile.cmake
#
# MODE=pass: the unit must compile (header self-containment checks).
# MODE=fail: the unit must NOT compile; every `// EXPECT: <regex>` line of SOURCE must match the
#            compiler output, and the output must stay within the line budget (60 lines, or
#            `// MAX-LINES: N` in SOURCE), so that diagnostics stay readable.
# The regex is a CMake regular expression (string(REGEX MATCH)), matched against the whole
# output with line breaks folded into spaces.

foreach(var CXX RSP SOURCE MODE)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_compile.cmake: -D${var}=... is required")
    endif()
endforeach()

execute_process(
    COMMAND "${CXX}" "@${RSP}" -fsyntax-only -fdiagnostics-color=never "${SOURCE}"
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out)

if(MODE STREQUAL "pass")
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${SOURCE} does not compile on its own:\n${out}")
    endif()
    return()
endif()

if(rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} compiled, but it is a compile-fail test: the misuse it "
                        "describes was accepted by the compiler")
endif()

file(STRINGS "${SOURCE}" expect_lines REGEX "^// EXPECT: ")
file(STRINGS "${SOURCE}" budget_lines REGEX "^// MAX-LINES: [0-9]+")
if(NOT expect_lines)
    message(FATAL_ERROR "${SOURCE} has no `// EXPECT: <regex>` line")
endif()

set(max_lines 60)
if(budget_lines)
    string(REGEX REPLACE "^// MAX-LINES: ([0-9]+).*" "\\1" max_lines "${budget_lines}")
endif()

string(REGEX REPLACE "\n$" "" trimmed "${out}")
string(REGEX MATCHALL "\n" newlines "${trimmed}")
list(LENGTH newlines nl)
math(EXPR lines "${nl} + 1")

string(REPLACE "\n" " " flat "${out}")
foreach(line IN LISTS expect_lines)
    string(REGEX REPLACE "^// EXPECT: " "" regex "${line}")
    if(NOT flat MATCHES "${regex}")
        message(FATAL_ERROR "${SOURCE} failed to compile, but the output does not match "
                            "`${regex}`:\n${out}")
    endif()
endforeach()

if(lines GREATER max_lines)
    message(FATAL_ERROR "${SOURCE}: the diagnostic is ${lines} lines, over the budget of "
                        "${max_lines}; make the error shorter (or raise // MAX-LINES):\n${out}")
endif()
message(STATUS "${SOURCE}: rejected as expected (${lines} lines of diagnostic)")
