# Checks that every C++ file of the tree is formatted with the house .clang-format.
# Run as:  cmake -DCLANG_FORMAT=... -DROOT=... -P check_format.cmake
if(NOT CLANG_FORMAT)
    message(FATAL_ERROR "clang-format 14 was not found at configure time; install the Debian "
                        "package `clang-format` (scripts/test.sh does) and reconfigure")
endif()
file(GLOB_RECURSE files
    "${ROOT}/include/*.hpp" "${ROOT}/include/*.ipp" "${ROOT}/src/*.cpp"
    "${ROOT}/tests/*.hpp" "${ROOT}/tests/*.cpp"
    "${ROOT}/examples/*.hpp" "${ROOT}/examples/*.cpp"
    "${ROOT}/benchmarks/*.hpp" "${ROOT}/benchmarks/*.cpp")
list(FILTER files EXCLUDE REGEX "/tests/data/")
execute_process(
    COMMAND "${CLANG_FORMAT}" --dry-run --Werror --style=file ${files}
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "These files are not formatted; run `scripts/format.sh`:\n${out}")
endif()
list(LENGTH files n)
message(STATUS "${n} files formatted")
