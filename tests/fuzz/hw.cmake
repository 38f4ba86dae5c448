# lspci text: the two real pciutils dumps.
cxlfw_add_fuzzer(lspci ${CMAKE_CURRENT_LIST_DIR}/lspci.cpp
    SEEDS ${PROJECT_SOURCE_DIR}/tests/data/pciutils/cap-dvsec-cxl
          ${PROJECT_SOURCE_DIR}/tests/data/pciutils/cap-doe)

# Config space: the raw images of the three real devices in those dumps (4096 bytes, and
# their first 256 bytes as conventional images), extracted at build time by
# config_space_seeds.cpp with the library's own lspci parser.
set(cxlfw_cs_seed_dir ${CMAKE_CURRENT_BINARY_DIR}/seeds/config_space)
set(cxlfw_cs_dumps ${PROJECT_SOURCE_DIR}/tests/data/pciutils/cap-dvsec-cxl
                   ${PROJECT_SOURCE_DIR}/tests/data/pciutils/cap-doe)
set(cxlfw_cs_seeds
    ${cxlfw_cs_seed_dir}/cap-dvsec-cxl.0.bin ${cxlfw_cs_seed_dir}/cap-dvsec-cxl.0.256.bin
    ${cxlfw_cs_seed_dir}/cap-dvsec-cxl.1.bin ${cxlfw_cs_seed_dir}/cap-dvsec-cxl.1.256.bin
    ${cxlfw_cs_seed_dir}/cap-doe.0.bin ${cxlfw_cs_seed_dir}/cap-doe.0.256.bin)
add_executable(config_space_seeds ${CMAKE_CURRENT_LIST_DIR}/config_space_seeds.cpp)
target_link_libraries(config_space_seeds PRIVATE cxlfw::cxlfw cxlfw_warnings)
add_custom_command(OUTPUT ${cxlfw_cs_seeds}
    COMMAND config_space_seeds ${cxlfw_cs_seed_dir} ${cxlfw_cs_dumps}
    DEPENDS config_space_seeds ${cxlfw_cs_dumps}
    COMMENT "Extracting config-space fuzz seeds from the pciutils dumps")
add_custom_target(config_space_seed_files DEPENDS ${cxlfw_cs_seeds})
cxlfw_add_fuzzer(config_space ${CMAKE_CURRENT_LIST_DIR}/config_space.cpp
    SEEDS ${cxlfw_cs_seeds})
add_dependencies(fuzz_config_space config_space_seed_files)
