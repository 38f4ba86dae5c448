# CEDT parser: QEMU's real table, plus builder-made tables (tests/fuzz/seeds/cedt: XOR
# interleave with a CXIMS and an RDPAS, an RCH host bridge, and one with many rejections).
file(GLOB cxlfw_cedt_seeds CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/seeds/cedt/*.cedt)
cxlfw_add_fuzzer(cedt ${CMAKE_CURRENT_LIST_DIR}/cedt.cpp
    SEEDS ${PROJECT_SOURCE_DIR}/tests/data/qemu/CEDT.cxl ${cxlfw_cedt_seeds})
