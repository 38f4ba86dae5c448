// Helpers for the stock drivers' tests on emulated platforms.
#pragma once

#include <cxlfw/core/core.hpp>
#include <cxlfw/drivers/drivers.hpp>
#include <cxlfw/emu/emu.hpp>
#include <cxlfw/testing/machine.hpp>
#include <cxlfw/units.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cxlfw::drivers::test_support {

using namespace cxlfw::literals;

inline std::unique_ptr<emu::platform> make_platform(emu::topology const& t) {
    emu::build_diagnostic diag;
    auto p = emu::build(t, &diag);
    INFO(diag.message());
    REQUIRE(p);
    return std::move(*p);
}

/// testing::machine booted (a platform with the stock drivers, settled), with its pieces at
/// hand for the tests.
inline std::unique_ptr<cxlfw::testing::machine>
boot(emu::topology const& t, cxlfw::testing::machine_options const& o = {}) {
    std::string why;
    auto m = cxlfw::testing::machine::boot(t, o, &why);
    INFO(why);
    REQUIRE(m);
    return std::move(*m);
}

struct machine {
    std::unique_ptr<cxlfw::testing::machine> m;
    emu::platform* p;
    cxlfw::testing::platform_host* ph;

    explicit machine(emu::topology const& t, base::host_options opts = {})
        : m{boot(t, {.host = opts})}, p{&m->platform()}, ph{&m->glue()} {}

    core::cxl_core& cxl() { return ph->cxl(); }
    base::host& host() { return ph->host(); }

    /// The memdev of the function named `pci`.
    core::memdev* memdev_of(std::string const& pci) { return m->memdev_of(pci); }
    emu::node& node(std::string_view name) {
        auto* n = p->find(name);
        REQUIRE(n);
        return *n;
    }
    /// Decoder 0 of a memdev's endpoint with `size` bytes of `mode`.
    core::decoder& dpa(core::memdev& md, std::uint64_t size, core::partition_mode mode) {
        REQUIRE(md.endpoint());
        auto& d = *md.endpoint()->find_decoder(static_cast<unsigned>(md.endpoint()->hdm_end() + 1));
        REQUIRE(core::dpa_set_mode(d, mode));
        REQUIRE(core::dpa_alloc(d, size));
        return d;
    }
};

} // namespace cxlfw::drivers::test_support
