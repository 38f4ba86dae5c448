// Uses the installed package the way a driver project would: a composed driver of its own on
// Linux cxl_test's topology (testing::machine), which must reach CXL.
#include <cxlfw/cxlfw.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/testing/machine.hpp>

#include <cstdio>
#include <string>

using namespace cxlfw::policy;
using namespace cxlfw::literals;

namespace {

struct my_accel
    : cxlfw::driver<my_accel, type2<cap::hdm<1>>, attach::direct, when_absent::degrade> {
    static constexpr std::string_view name = "my_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}}; // cxl_test's accelerator

    cxlfw::status on_cxl(cxlfw::cxl_ready<my_accel>& cxl) {
        auto r = cxl.map_region(256_MiB);
        if (!r) return r.error();
        range = *r;
        return {};
    }
    void on_pcie_only(std::error_code) {}
    cxlfw::core::hpa_range range{};
};

} // namespace

int main() {
    auto ways = cxlfw::spec::eiw_to_ways(9); // 6 ways
    if (!ways || *ways != 6) return 1;
    std::string why;
    auto m = cxlfw::testing::machine::boot(cxlfw::emu::cxl_test_topology({.type2_window = true}),
                                           {}, &why);
    if (!m) {
        std::fprintf(stderr, "consumer: %s\n", why.c_str());
        return 1;
    }
    if (!(*m)->load<my_accel>()) return 1;
    auto* dev = (*m)->find_pci(0x1924, 0x0b03);
    auto* drv = dev ? cxlfw::driver_of<my_accel>(*dev) : nullptr;
    std::printf("consumer: %s\n", dev ? (*m)->describe(dev->name()).c_str() : "no accelerator");
    return drv && drv->range.size == 256_MiB ? 0 : 1;
}
