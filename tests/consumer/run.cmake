# Installs the cxlfw build tree to a temporary prefix, then configures, builds and runs the
# consumer project against that prefix only (find_package(cxlfw CONFIG REQUIRED)), three times:
#   1. header-only (cxlfw::cxlfw, cxlfw::report) with the report component;
#   2. separately compiled (cxlfw::compiled, cxlfw::report_compiled) with it;
#   3. separately compiled without it, with nlohmann-json hidden from CMake: only the report
#      component may need it.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
    execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        string(REPLACE ";" " " cmd "${ARGV}")
        message(FATAL_ERROR "`${cmd}` failed:\n${out}")
    endif()
    message(STATUS "${out}")
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")

function(consumer name)
    set(build "${WORK_DIR}/${name}")
    run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${build}"
        -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${prefix}
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${ARGN})
    run(${CMAKE_COMMAND} --build "${build}")
    run("${build}/consumer")
    if(EXISTS "${build}/consumer_report")
        run("${build}/consumer_report")
    endif()
endfunction()

consumer(header-only -DCONSUMER_MODE=header-only -DCONSUMER_REPORT=ON)
consumer(compiled -DCONSUMER_MODE=compiled -DCONSUMER_REPORT=ON)
consumer(compiled-without-json -DCONSUMER_MODE=compiled -DCONSUMER_REPORT=OFF
         -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
message(STATUS "the consumer built and ran against ${prefix}, header-only and compiled")
