// Out-of-line definitions for <cxlfw/emu/devices.hpp>: the stock device descriptions and
// comparing descriptions (a platform shares one profile per distinct description).
#pragma once

#include <cxlfw/emu/devices.hpp>

namespace cxlfw::emu {

CXLFW_DECL endpoint_spec endpoint_spec::type3_device(std::uint64_t ram, std::uint64_t pmem) {
    endpoint_spec s;
    s.ram = ram;
    s.pmem = pmem;
    return s;
}

CXLFW_DECL endpoint_spec endpoint_spec::type2_device(std::uint64_t size) {
    endpoint_spec s;
    s.type = device_type::type2;
    s.ids = default_ids::type2;
    s.class_code = class_codes::accelerator;
    s.ram = size;
    s.partition_align = 0;
    s.hdm = hdm_spec{.decoders = 1};
    s.mailbox = false;
    s.cache = true;
    return s;
}

CXLFW_DECL endpoint_spec endpoint_spec::type1_device() {
    endpoint_spec s;
    s.type = device_type::type1;
    s.ids = default_ids::type1;
    s.class_code = class_codes::accelerator;
    s.partition_align = 0;
    s.hdm.reset();
    s.mailbox = false;
    s.cache = true;
    return s;
}

CXLFW_DECL bool operator==(endpoint_spec const& a, endpoint_spec const& b) {
    return a.type == b.type && a.ids == b.ids && a.class_code == b.class_code && a.ram == b.ram &&
           a.pmem == b.pmem && a.partition_align == b.partition_align && a.lsa_size == b.lsa_size &&
           a.serial_number == b.serial_number && a.hdm == b.hdm && a.ras == b.ras &&
           a.mailbox == b.mailbox && a.payload_log2 == b.payload_log2 && a.cache == b.cache &&
           a.ready == b.ready && a.fw_revision == b.fw_revision &&
           a.firmware_mem_enable == b.firmware_mem_enable &&
           a.firmware_range_base[0] == b.firmware_range_base[0] &&
           a.firmware_range_base[1] == b.firmware_range_base[1];
}

} // namespace cxlfw::emu
