# Stateful: operations on a booted cxl_test with its Type-2 window, the invariant checker after
# each (the encoding is platform.cpp's opening comment). The seeds use every opcode.
file(GLOB cxlfw_platform_seeds CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/seeds/platform/*.bin)
cxlfw_add_fuzzer(platform ${CMAKE_CURRENT_LIST_DIR}/platform.cpp SEEDS ${cxlfw_platform_seeds})

# The whole library runs here, so it is compiled the way cxlfw::compiled is (one translation
# unit per layer, built in parallel), but with the fuzzer's coverage counters and the
# sanitizers: a plain cxlfw::compiled would leave the fuzzer blind and ASan deaf in it.
get_target_property(cxlfw_fuzz_sources cxlfw_compiled SOURCES)
list(TRANSFORM cxlfw_fuzz_sources PREPEND ${PROJECT_SOURCE_DIR}/)
add_library(cxlfw_fuzz_compiled STATIC ${cxlfw_fuzz_sources})
target_compile_definitions(cxlfw_fuzz_compiled PUBLIC CXLFW_SEPARATE_COMPILATION)
target_link_libraries(cxlfw_fuzz_compiled PUBLIC cxlfw::cxlfw PRIVATE cxlfw_warnings)
# -O1: a boot is about 100 ms at -O0, 10 ms at -O1.
target_compile_options(cxlfw_fuzz_compiled PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                       -fno-sanitize-recover=all -fno-omit-frame-pointer -O1)
target_compile_options(fuzz_platform PRIVATE -O1)
target_link_libraries(fuzz_platform PRIVATE cxlfw_fuzz_compiled)
