// A Type-1 cache accelerator: CXL.io and CXL.cache, no device memory, so no endpoint to
// attach. The driver only checks that the device is what it says (Cache_Capable) and maps
// its RAS registers.
#pragma once

#include <cxlfw/policy/policy.hpp>

namespace examples {

using namespace cxlfw::policy;

struct cache_accel : cxlfw::driver<cache_accel, type1<cap::ras>, attach::none> {
    static constexpr std::string_view name = "cache_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1e98, 0x0001}};
};

} // namespace examples
