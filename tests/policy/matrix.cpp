// Issue 7's matrix: a Type-2 accelerator driver on the cxl_test topology, for every attach
// strategy x absence policy x CXL root {present at probe, arrives later, never arrives}.
// The expected outcomes are the table in docs/policy.md.
#include <cxlfw/drivers/platform.hpp>
#include <cxlfw/emu/build.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/policy/policy.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace cxlfw;
using namespace cxlfw::policy;

namespace {

constexpr std::string_view accel_name = "0000:17:00.0"; // cxl_test's accelerator

struct counts {
    int on_cxl = 0;
    int on_pcie_only = 0;
};

template <class Attach, class Policy>
struct accel : cxlfw::driver<accel<Attach, Policy>, type2<cap::hdm<1>>, Attach, Policy> {
    static constexpr std::string_view name = "test_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    static inline counts calls; // per instantiation: one combination per test

    cxlfw::status on_cxl(cxlfw::cxl_ready<accel>& cxl) {
        auto r = cxl.map_region(256_MiB);
        if (!r) return r.error();
        region = *r;
        ++calls.on_cxl;
        return {};
    }
    void on_pcie_only(std::error_code) { ++calls.on_pcie_only; }

    core::hpa_range region{};
};

enum class root { present, later, never };

/// What the accelerator looks like once everything has settled.
struct expected {
    base::device_state state;
    std::optional<cxl_mode> mode; ///< empty: not bound
    bool attached;                ///< its memdev has an endpoint and a committed region
    counts calls;
};

/// A cxl_test platform (with a Type-2 window for the accelerator), the stock drivers, the
/// test driver, and the ACPI root present, added after the first settle, or never.
template <class D>
struct scenario {
    std::unique_ptr<emu::platform> platform;
    std::unique_ptr<drivers::platform_host> ph;

    explicit scenario(root r) {
        auto topo = emu::cxl_test_topology({.type2_window = true});
        topo.acpi_root_present = r == root::present;
        platform = emu::build(topo).value();
        ph = std::make_unique<drivers::platform_host>(*platform);
        D::calls = {};
        REQUIRE(ph->populate());
        REQUIRE(ph->register_drivers());
        REQUIRE(ph->host().settle());
        REQUIRE(cxlfw::register_driver<D>(ph->host()));
        REQUIRE(ph->host().settle());
        if (r == root::later) {
            REQUIRE(platform->add_acpi_root());
            REQUIRE(ph->host().settle());
        }
    }

    base::device& device() const { return *ph->host().find_device(accel_name); }

    void check(expected const& want) const {
        base::host& h = ph->host();
        auto info = h.info(device());
        INFO("accelerator: " << base::to_string(info.state) << " " << info.error.message() << " "
                             << info.message);
        REQUIRE(info.state == want.state);
        auto st = cxlfw::status_of(device());
        REQUIRE(st.has_value() == want.mode.has_value());
        if (want.mode) REQUIRE(st->mode == *want.mode);
        REQUIRE(D::calls.on_cxl == want.calls.on_cxl);
        REQUIRE(D::calls.on_pcie_only == want.calls.on_pcie_only);

        auto* drv = cxlfw::driver_of<D>(device());
        core::memdev* md = nullptr;
        for (core::memdev* m : core::find(h)->memdevs())
            if (m->parent() == &device()) md = m;
        if (want.attached) {
            REQUIRE(md != nullptr);
            REQUIRE(md->endpoint() != nullptr);
            REQUIRE(drv != nullptr);
            REQUIRE(drv->region.size == 256_MiB);
            bool committed = false;
            for (auto const* reg : core::find(h)->regions())
                committed |= reg->base() == drv->region.start &&
                             reg->state() == core::region_state::committed;
            REQUIRE(committed);
        } else {
            REQUIRE((md == nullptr || md->endpoint() == nullptr));
        }
    }
};

template <class A, class P>
void run(root r, expected const& want) {
    scenario<accel<A, P>> s{r};
    s.check(want);
}

using enum base::device_state;
constexpr counts none{0, 0};
constexpr counts attached_once{1, 0};
constexpr counts degraded{0, 1};
constexpr counts upgraded{1, 1};

} // namespace

TEST_CASE("mediated + defer: deferred on the missing root, attached when it arrives",
          "[policy][matrix]") {
    using A = attach::mediated;
    using P = when_absent::defer;
    SECTION("present") {
        run<A, P>(root::present, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("later") {
        run<A, P>(root::later, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("never") {
        run<A, P>(root::never, {deferred, std::nullopt, false, none});
    }
}

TEST_CASE("mediated + degrade: PCIe only without the root, upgraded when it arrives",
          "[policy][matrix]") {
    using A = attach::mediated;
    using P = when_absent::degrade;
    SECTION("present") {
        run<A, P>(root::present, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("later") {
        run<A, P>(root::later, {bound, cxl_mode::cxl, true, upgraded});
    }
    SECTION("never") {
        run<A, P>(root::never, {bound, cxl_mode::pcie_only, false, degraded});
    }
}

TEST_CASE("mediated + fail: failed without the root, and stays failed", "[policy][matrix]") {
    using A = attach::mediated;
    using P = when_absent::fail;
    SECTION("present") {
        run<A, P>(root::present, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("later") {
        run<A, P>(root::later, {failed, std::nullopt, false, none});
    }
    SECTION("never") {
        run<A, P>(root::never, {failed, std::nullopt, false, none});
    }
}

TEST_CASE("mediated + wait: bound at once, on_cxl when cxl_mem attaches the memdev",
          "[policy][matrix]") {
    using A = attach::mediated;
    using P = when_absent::wait;
    SECTION("present") {
        run<A, P>(root::present, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("later") {
        run<A, P>(root::later, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("never") {
        run<A, P>(root::never, {bound, cxl_mode::waiting, false, none});
    }
}

TEST_CASE("direct + defer: deferred on the missing root, attached when it arrives",
          "[policy][matrix]") {
    using A = attach::direct;
    using P = when_absent::defer;
    SECTION("present") {
        run<A, P>(root::present, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("later") {
        run<A, P>(root::later, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("never") {
        run<A, P>(root::never, {deferred, std::nullopt, false, none});
    }
}

TEST_CASE("direct + degrade: PCIe only without the root, upgraded when it arrives",
          "[policy][matrix]") {
    using A = attach::direct;
    using P = when_absent::degrade;
    SECTION("present") {
        run<A, P>(root::present, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("later") {
        run<A, P>(root::later, {bound, cxl_mode::cxl, true, upgraded});
    }
    SECTION("never") {
        run<A, P>(root::never, {bound, cxl_mode::pcie_only, false, degraded});
    }
}

TEST_CASE("direct + fail: failed without the root, and stays failed", "[policy][matrix]") {
    using A = attach::direct;
    using P = when_absent::fail;
    SECTION("present") {
        run<A, P>(root::present, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("later") {
        run<A, P>(root::later, {failed, std::nullopt, false, none});
    }
    SECTION("never") {
        run<A, P>(root::never, {failed, std::nullopt, false, none});
    }
}

TEST_CASE("direct + wait: bound at once, on_cxl when the root arrives", "[policy][matrix]") {
    using A = attach::direct;
    using P = when_absent::wait;
    SECTION("present") {
        run<A, P>(root::present, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("later") {
        run<A, P>(root::later, {bound, cxl_mode::cxl, true, attached_once});
    }
    SECTION("never") {
        run<A, P>(root::never, {bound, cxl_mode::waiting, false, none});
    }
}
