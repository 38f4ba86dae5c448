// Helpers for the stock drivers' tests on emulated platforms.
#pragma once

#include <cxlfw/core/core.hpp>
#include <cxlfw/drivers/drivers.hpp>
#include <cxlfw/emu/emu.hpp>
#include <cxlfw/units.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cxlfw::drivers::testing {

using namespace cxlfw::literals;

inline std::unique_ptr<emu::platform> make_platform(emu::topology const& t) {
    emu::build_diagnostic diag;
    auto p = emu::build(t, &diag);
    INFO(diag.message());
    REQUIRE(p);
    return std::move(*p);
}

/// A platform with the stock drivers, settled.
struct machine {
    std::unique_ptr<emu::platform> p;
    std::unique_ptr<platform_host> ph;

    explicit machine(emu::topology const& t, base::host_options opts = {})
        : p{make_platform(t)}, ph{std::make_unique<platform_host>(*p, opts)} {
        REQUIRE(ph->populate());
        REQUIRE(ph->register_drivers());
        REQUIRE(ph->host().settle());
    }
    ~machine() { ph.reset(); }

    core::cxl_core& cxl() { return ph->cxl(); }
    base::host& host() { return ph->host(); }

    /// The memdev of the function named `pci`.
    core::memdev* memdev_of(std::string const& pci) {
        for (auto* m : cxl().memdevs())
            if (m->parent() && m->parent()->name() == pci) return m;
        return nullptr;
    }
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

} // namespace cxlfw::drivers::testing
