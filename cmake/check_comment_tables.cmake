# Checks that no comment table was reflowed (clang-format wraps table rows unless
# .clang-format's CommentPragmas keeps them whole). Run as:
#   cmake -DROOT=<source dir> -P check_comment_tables.cmake      every .hpp/.ipp/.cpp of the tree
#   cmake [-DROOT=<dir>] -DFILES=<file;...> -P check_comment_tables.cmake   only those files
# ROOT may also name the files itself. A comment table is a run of consecutive `//` comment
# lines whose text (after `//` and spaces) starts with `|`. It is broken when a row does not
# end with `|`, when its rows have different numbers of cells, when its second row is not a
# separator (`|---|...`), or when the comment line right after it contains ` | ` but is not a
# row (a wrapped fragment). A `|` written `\|` is not a cell border (as in GitHub Markdown).
if(FILES)
    set(files "")
    foreach(f IN LISTS FILES)
        if(NOT IS_ABSOLUTE "${f}" AND ROOT AND IS_DIRECTORY "${ROOT}")
            set(f "${ROOT}/${f}")
        endif()
        list(APPEND files "${f}")
    endforeach()
elseif(ROOT AND IS_DIRECTORY "${ROOT}")
    file(GLOB_RECURSE files
        "${ROOT}/include/*.hpp" "${ROOT}/include/*.ipp" "${ROOT}/src/*.cpp"
        "${ROOT}/tests/*.hpp" "${ROOT}/tests/*.cpp"
        "${ROOT}/examples/*.hpp" "${ROOT}/examples/*.cpp"
        "${ROOT}/benchmarks/*.hpp" "${ROOT}/benchmarks/*.cpp")
    # tests/data is copied from elsewhere; tests/harness holds deliberately broken samples.
    list(FILTER files EXCLUDE REGEX "/tests/(data|harness)/")
elseif(ROOT)
    set(files "${ROOT}")
else()
    message(FATAL_ERROR "give -DROOT=<source dir> or -DFILES=<file;...>")
endif()

# The text of a whole-line `//` comment (`///` and `//!` too) after the slashes and spaces.
set(comment_re "^[ \t]*//[/!]?[ \t]*(.*)$")

set(problems "")
set(tables 0)
foreach(file IN LISTS files)
    if(NOT EXISTS "${file}")
        list(APPEND problems "${file}: no such file")
        continue()
    endif()
    file(READ "${file}" text)
    if(NOT text MATCHES "//[/!]?[ \t]*\\|")
        continue()
    endif()
    set(shown "${file}")
    if(ROOT AND IS_DIRECTORY "${ROOT}")
        file(RELATIVE_PATH shown "${ROOT}" "${file}")
    endif()
    # One list element per line: protect what a CMake list would split or join on.
    string(REPLACE "\\" "@CXLFW_BS@" text "${text}")
    string(REPLACE ";" "@CXLFW_SC@" text "${text}")
    string(REPLACE "[" "@CXLFW_LB@" text "${text}")
    string(REPLACE "]" "@CXLFW_RB@" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")

    set(n 0)
    set(in_table FALSE)
    foreach(line IN LISTS lines)
        math(EXPR n "${n} + 1")
        set(row "")
        set(is_comment FALSE)
        if(line MATCHES "${comment_re}")
            set(is_comment TRUE)
            string(STRIP "${CMAKE_MATCH_1}" body)
            if(body MATCHES "^\\|")
                set(row "${body}")
            endif()
        endif()

        if(row STREQUAL "")
            # A line after a table: a comment holding ` | ` is a row that was wrapped.
            if(in_table AND is_comment AND body MATCHES " \\| ")
                list(APPEND problems
                    "${shown}:${n}: a wrapped fragment of the table above (has ` | `, is no row)")
            endif()
            set(in_table FALSE)
            continue()
        endif()

        if(NOT in_table)
            set(in_table TRUE)
            set(table_row 0)
            set(table_cells -1)
            set(table_line ${n})
            math(EXPR tables "${tables} + 1")
        endif()
        math(EXPR table_row "${table_row} + 1")

        if(NOT row MATCHES "\\|$")
            list(APPEND problems "${shown}:${n}: a table row that does not end with `|`")
        endif()
        if(table_row EQUAL 2 AND NOT row MATCHES "^\\|([ \t]*:?-+:?[ \t]*\\|)+$")
            string(CONCAT problem "${shown}:${n}: the second row of the table "
                                  "(line ${table_line}) is no `|---|` separator")
            list(APPEND problems "${problem}")
        endif()
        # Count the cell borders; an escaped `\|` is none.
        string(REPLACE "@CXLFW_BS@|" "" bare "${row}")
        string(REGEX REPLACE "[^|]" "" bars "${bare}")
        string(LENGTH "${bars}" borders)
        math(EXPR cells "${borders} - 1")
        if(table_cells EQUAL -1)
            set(table_cells ${cells})
        elseif(NOT cells EQUAL table_cells)
            string(CONCAT problem "${shown}:${n}: a row of ${cells} cells in a table whose "
                                  "first row (line ${table_line}) has ${table_cells}")
            list(APPEND problems "${problem}")
        endif()
    endforeach()
endforeach()

if(problems)
    list(LENGTH problems count)
    string(REPLACE ";" "\n  " problems "${problems}")
    message(FATAL_ERROR
        "${count} problem(s) in comment tables:\n  ${problems}\n"
        "a comment table was reflowed; repair it (see .clang-format CommentPragmas)")
endif()
list(LENGTH files nfiles)
message(STATUS "${tables} comment tables in ${nfiles} files are intact")
