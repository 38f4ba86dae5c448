# Interleave math: DPA -> HPA -> DPA must round-trip on every valid geometry. Seeds include
# rows of ndctl's translation vectors in the target's input layout (see interleave.cpp).
file(GLOB cxlfw_interleave_seeds CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_LIST_DIR}/seeds/interleave/*.bin)
cxlfw_add_fuzzer(interleave ${CMAKE_CURRENT_LIST_DIR}/interleave.cpp
    SEEDS ${cxlfw_interleave_seeds})
