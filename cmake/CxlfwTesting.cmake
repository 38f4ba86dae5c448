# Test harness helpers for cxlfw's own build. Included from tests/CMakeLists.txt.
include_guard(GLOBAL)
include(Catch)

set(CXLFW_CHECK_SCRIPT ${PROJECT_SOURCE_DIR}/cmake/check_compile.cmake)

# The compile definitions every test translation unit gets.
set(CXLFW_TEST_DEFINITIONS
    CXLFW_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    CXLFW_DOCS_DIR="${PROJECT_SOURCE_DIR}/docs")

# cxlfw_add_test_pch(<target> <header>): an object library that owns a precompiled header
# (tests/<header>) with exactly the test executables' flags, for them to reuse.
function(cxlfw_add_test_pch target header)
    add_library(${target} OBJECT ${PROJECT_SOURCE_DIR}/tests/pch.cpp)
    target_link_libraries(${target} PRIVATE cxlfw_catch_main cxlfw::compiled cxlfw_warnings)
    target_compile_definitions(${target} PRIVATE ${CXLFW_TEST_DEFINITIONS})
    target_precompile_headers(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/${header})
endfunction()

# cxlfw_add_catch_tests(<name> <sources...> [PREFIX <p>] [LABELS <labels...>] [PCH <target>]
#                       [LIBRARIES <libs...>])
# One executable per test folder; every TEST_CASE becomes its own CTest test named
# "<prefix><case>", so a failure names the case. PCH names the target whose precompiled header
# it reuses (cxlfw_add_test_pch).
function(cxlfw_add_catch_tests name)
    cmake_parse_arguments(arg "" "PREFIX;PCH" "LABELS;LIBRARIES" ${ARGN})
    add_executable(${name} ${arg_UNPARSED_ARGUMENTS})
    target_link_libraries(${name} PRIVATE cxlfw_catch_main cxlfw::compiled cxlfw_warnings
                                          ${arg_LIBRARIES})
    target_compile_definitions(${name} PRIVATE ${CXLFW_TEST_DEFINITIONS})
    if(arg_PCH)
        target_precompile_headers(${name} REUSE_FROM ${arg_PCH})
    endif()
    set_target_properties(${name} PROPERTIES
        UNITY_BUILD ${CXLFW_UNITY_TESTS}
        UNITY_BUILD_BATCH_SIZE ${CXLFW_UNITY_BATCH})
    catch_discover_tests(${name}
        TEST_PREFIX "${arg_PREFIX}"
        PROPERTIES LABELS "${arg_LABELS}")
endfunction()

# A response file with the exact flags our own targets compile with (C++20, warnings as
# errors, the compiled mode's definition and every include directory cxlfw::compiled brings
# in), for compile-only checks.
function(cxlfw_write_compile_rsp)
    add_library(cxlfw_flags_probe OBJECT ${PROJECT_SOURCE_DIR}/tests/harness/flags_probe.cpp)
    target_link_libraries(cxlfw_flags_probe PRIVATE cxlfw::compiled cxlfw_warnings)
    set(tgt cxlfw_flags_probe)
    # /usr/include is the compiler's own system directory: naming it with -I breaks #include_next.
    set(inc "$<FILTER:$<TARGET_PROPERTY:${tgt},INCLUDE_DIRECTORIES>,EXCLUDE,^/usr/include/?$>")
    set(opt "$<TARGET_PROPERTY:${tgt},COMPILE_OPTIONS>")
    set(def "$<TARGET_PROPERTY:${tgt},COMPILE_DEFINITIONS>")
    file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/cxlfw-compile-check.rsp CONTENT
"-std=c++20
$<JOIN:${opt},
>
$<$<BOOL:${def}>:-D$<JOIN:${def},
-D>>
$<$<BOOL:${inc}>:\"-I$<JOIN:${inc},\"
\"-I>\">
")
    set(CXLFW_COMPILE_RSP ${PROJECT_BINARY_DIR}/cxlfw-compile-check.rsp PARENT_SCOPE)
endfunction()

# cxlfw_add_compile_fail_test(<test name> <source>)
function(cxlfw_add_compile_fail_test test source)
    file(STRINGS "${source}" expect REGEX "^// EXPECT: ")
    if(NOT expect)
        message(FATAL_ERROR "${source}: a compile-fail test needs a `// EXPECT: <regex>` line "
                            "naming the diagnostic it expects")
    endif()
    add_test(NAME "${test}"
        COMMAND ${CMAKE_COMMAND} -DCXX=${CMAKE_CXX_COMPILER} -DRSP=${CXLFW_COMPILE_RSP}
                -DSOURCE=${source} -DMODE=fail -P ${CXLFW_CHECK_SCRIPT})
    set_tests_properties("${test}" PROPERTIES LABELS "static;compile-fail")
endfunction()

# Every tests/fail/**/*.cpp is a compile-fail test named "fail/<area>/<case>".
function(cxlfw_add_compile_fail_tests dir)
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${dir}/*.cpp")
    foreach(source IN LISTS sources)
        file(RELATIVE_PATH rel "${dir}" "${source}")
        string(REGEX REPLACE "\\.cpp$" "" rel "${rel}")
        cxlfw_add_compile_fail_test("fail/${rel}" "${source}")
    endforeach()
endfunction()

# One generated translation unit per public header; each is a test "header/<path>".
function(cxlfw_add_header_checks)
    file(GLOB_RECURSE headers CONFIGURE_DEPENDS
        RELATIVE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/include/cxlfw/*.hpp)
    foreach(header IN LISTS headers)
        string(MAKE_C_IDENTIFIER "${header}" id)
        set(tu ${PROJECT_BINARY_DIR}/header-checks/${id}.cpp)
        # Included twice: the second inclusion checks the include guard.
        file(CONFIGURE OUTPUT ${tu} CONTENT "#include <${header}>\n#include <${header}>\n")
        add_test(NAME "header/${header}"
            COMMAND ${CMAKE_COMMAND} -DCXX=${CMAKE_CXX_COMPILER} -DRSP=${CXLFW_COMPILE_RSP}
                    -DSOURCE=${tu} -DMODE=pass -P ${CXLFW_CHECK_SCRIPT})
        set_tests_properties("header/${header}" PROPERTIES LABELS "static;header")
    endforeach()
endfunction()
