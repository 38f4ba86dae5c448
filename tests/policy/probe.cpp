// The composed probe beyond the matrix: the hardware checked against the declaration, no code
// (and no register access) for what is not declared, the timed policy, and CXL lost and
// regained under a bound device.
#include <cxlfw/emu/build.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/policy/policy.hpp>
#include <cxlfw/testing/platform.hpp>

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::policy;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view accel_device = "0000:17:00.0"; // cxl_test's Type-2 accelerator

template <class Traits, class Attach = attach::direct, class Policy = when_absent::fail>
struct probe_accel : cxlfw::driver<probe_accel<Traits, Attach, Policy>, Traits, Attach, Policy> {
    static constexpr std::string_view name = "test_accel";
    static constexpr cxlfw::pci_id ids[] = {{0x1924, 0x0b03}};
    static inline int cxl_calls = 0;
    static inline int pcie_calls = 0;
    cxlfw::status on_cxl(cxlfw::cxl_ready<probe_accel>& cxl) {
        if constexpr (has_v<probe_accel, cap::any_hdm>) {
            auto r = cxl.map_region(256_MiB);
            if (!r) return r.error();
        }
        ++cxl_calls;
        return {};
    }
    void on_pcie_only(std::error_code) { ++pcie_calls; }
};

struct probe_rig {
    std::unique_ptr<emu::platform> platform;
    std::unique_ptr<testing::platform_host> ph;

    explicit probe_rig(emu::topology const& t, base::host_options opts = {}) {
        platform = emu::build(t).value();
        ph = std::make_unique<testing::platform_host>(*platform, opts);
        REQUIRE(ph->populate());
        REQUIRE(ph->register_drivers());
        REQUIRE(ph->host().settle());
    }
    base::host& host() { return ph->host(); }
    base::device& dev(std::string_view name) { return *host().find_device(name); }
    emu::access_counts counts(std::string_view name) {
        return platform->counts(platform->find(name)->id());
    }
};

/// A Type-2 driver, and a Type-1 driver, for the Type-1 device of with_type1().
struct wrong : cxlfw::driver<wrong, type2<cap::hdm<1>>, attach::direct, when_absent::degrade> {
    static constexpr std::string_view name = "wrong_type2";
    static constexpr cxlfw::pci_id ids[] = {{0x1e98, 0x0001}};
    cxlfw::status on_cxl(cxlfw::cxl_ready<wrong>&) { return {}; }
    void on_pcie_only(std::error_code) { ++calls; }
    static inline int calls = 0;
};
struct right : cxlfw::driver<right, type1<cap::ras>> {
    static constexpr std::string_view name = "right_type1";
    static constexpr cxlfw::pci_id ids[] = {{0x1e98, 0x0001}};
};

emu::topology cxl_test() {
    return emu::cxl_test_topology({.type2_window = true});
}

/// One host bridge, one root port, one Type-1 cache accelerator.
emu::topology with_type1() {
    emu::topology t;
    auto hb = t.add_host_bridge({.uid = 7});
    auto rp = t.add_root_port(hb);
    t.add_endpoint(rp, emu::endpoint_spec::type1_device());
    return t;
}

} // namespace

TEST_CASE("a Type-2 driver on a device without Mem_Capable fails with capability_mismatch",
          "[policy][probe]") {
    wrong::calls = 0;
    probe_rig r{with_type1()};
    REQUIRE(cxlfw::register_driver<wrong>(r.host()));
    REQUIRE(r.host().settle());
    auto& t1 = r.platform->at(r.platform->endpoints().front());
    auto info = r.host().info(r.dev(t1.name()));
    REQUIRE(info.state == base::device_state::failed);
    REQUIRE(info.error == errc::capability_mismatch);
    REQUIRE(info.message.find("Mem_Capable=0") != std::string::npos);
    REQUIRE(info.message.find("type2<hdm<1>>") != std::string::npos);
    REQUIRE(wrong::calls == 0); // a wrong driver is not absent CXL: it does not degrade

    SECTION("the same device with a Type-1 driver binds") {
        REQUIRE(r.host().unregister_driver(*r.host().find_driver("wrong_type2")));
        REQUIRE(cxlfw::register_driver<right>(r.host()));
        REQUIRE(r.host().settle());
        REQUIRE(r.dev(t1.name()).is_bound());
        REQUIRE(cxlfw::status_of(r.dev(t1.name()))->mode == cxl_mode::none);
    }
}

TEST_CASE("a Type-2 driver asking for more HDM decoders than the device has fails",
          "[policy][probe]") {
    using greedy = probe_accel<type2<cap::hdm<10>>>;
    probe_rig r{cxl_test()};
    REQUIRE(cxlfw::register_driver<greedy>(r.host()));
    REQUIRE(r.host().settle());
    auto info = r.host().info(r.dev(accel_device));
    REQUIRE(info.error == errc::capability_mismatch);
    REQUIRE(info.message.find("decoders") != std::string::npos);
}

TEST_CASE("a composition without cap::ras makes no RAS register access", "[policy][probe]") {
    SECTION("without cap::ras: none") {
        probe_rig r{cxl_test()};
        r.platform->clear_counts();
        REQUIRE(cxlfw::register_driver<probe_accel<type2<cap::hdm<1>>>>(r.host()));
        REQUIRE(r.host().settle());
        REQUIRE(r.dev(accel_device).is_bound());
        auto c = r.counts(accel_device);
        REQUIRE(c.in(emu::region::component_hdm) > 0); // it did map and program its decoder
        REQUIRE(c.in(emu::region::component_ras) == 0);
    }
    SECTION("with cap::ras: RAS is unmasked, as Linux cxl_pci does") {
        probe_rig r{cxl_test()};
        r.platform->clear_counts();
        REQUIRE(cxlfw::register_driver<probe_accel<type2<cap::hdm<1>, cap::ras>>>(r.host()));
        REQUIRE(r.host().settle());
        REQUIRE(r.dev(accel_device).is_bound());
        auto c = r.counts(accel_device);
        REQUIRE(c.writes[std::size_t(emu::region::component_ras)] > 0);
    }
}

TEST_CASE("timed<degrade>: deferred until the deferral timeout, then PCIe only, then upgraded",
          "[policy][probe]") {
    using nic =
        probe_accel<type2<cap::hdm<1>>, attach::direct, when_absent::timed<when_absent::degrade>>;
    nic::cxl_calls = nic::pcie_calls = 0;
    auto topo = cxl_test();
    topo.acpi_root_present = false;
    probe_rig r{topo, base::host_options{.deferral_timeout = 10s}};
    REQUIRE(cxlfw::register_driver<nic>(r.host()));
    REQUIRE(r.host().settle());
    auto start = r.host().now();
    REQUIRE(r.host().info(r.dev(accel_device)).state == base::device_state::deferred);

    REQUIRE(r.host().run_until(start + 10s - 1ns));
    REQUIRE(r.host().info(r.dev(accel_device)).state == base::device_state::deferred);
    REQUIRE(nic::pcie_calls == 0);

    REQUIRE(r.host().run_until(start + 10s));
    REQUIRE(r.dev(accel_device).is_bound());
    REQUIRE(cxlfw::status_of(r.dev(accel_device))->mode == cxl_mode::pcie_only);
    REQUIRE(nic::pcie_calls == 1);

    REQUIRE(r.platform->add_acpi_root());
    REQUIRE(r.host().settle());
    REQUIRE(cxlfw::status_of(r.dev(accel_device))->mode == cxl_mode::cxl);
    REQUIRE(nic::cxl_calls == 1);
}

TEST_CASE("CXL lost under a degrading driver: it goes PCIe only at once, and back to CXL when "
          "the link returns",
          "[policy][probe]") {
    using nic = probe_accel<type2<cap::hdm<1>>, attach::direct, when_absent::degrade>;
    nic::cxl_calls = nic::pcie_calls = 0;
    probe_rig r{cxl_test()};
    REQUIRE(cxlfw::register_driver<nic>(r.host()));
    REQUIRE(r.host().settle());
    REQUIRE(cxlfw::status_of(r.dev(accel_device))->mode == cxl_mode::cxl);
    auto const* core = core::find(r.host());
    auto const regions_before = core->regions().size();
    auto const memdevs_before = core->memdevs().size();

    // The policy decides again: its attach (memdev, endpoint, region) is released, the NIC
    // keeps its PCI binding, and on_pcie_only says so.
    std::string const root_port{r.dev(accel_device).parent()->name()};
    REQUIRE(r.platform->set_link(r.platform->find(root_port)->id(), false));
    REQUIRE(r.host().settle());
    REQUIRE(r.dev(accel_device).is_bound());
    auto st = cxlfw::status_of(r.dev(accel_device));
    REQUIRE(st->mode == cxl_mode::pcie_only);
    REQUIRE(st->reason.find("link") != std::string::npos);
    REQUIRE(st->memdev.empty());
    REQUIRE(nic::pcie_calls == 1);
    REQUIRE(core->regions().size() == regions_before - 1);
    REQUIRE(core->memdevs().size() == memdevs_before - 1);

    REQUIRE(r.platform->set_link(r.platform->find(root_port)->id(), true));
    REQUIRE(r.host().settle());
    REQUIRE(cxlfw::status_of(r.dev(accel_device))->mode == cxl_mode::cxl);
    REQUIRE(nic::cxl_calls == 2);
    REQUIRE(core->regions().size() == regions_before);
}

TEST_CASE("CXL lost under a failing driver releases it, as Linux 7.0 does; it binds again when "
          "the link returns",
          "[policy][probe]") {
    using nic = probe_accel<type2<cap::hdm<1>>, attach::direct, when_absent::fail>;
    nic::cxl_calls = nic::pcie_calls = 0;
    probe_rig r{cxl_test()};
    REQUIRE(cxlfw::register_driver<nic>(r.host()));
    REQUIRE(r.host().settle());
    REQUIRE(cxlfw::status_of(r.dev(accel_device))->mode == cxl_mode::cxl);
    auto const* core = core::find(r.host());
    auto const regions_before = core->regions().size();

    std::string const root_port{r.dev(accel_device).parent()->name()};
    REQUIRE(r.platform->set_link(r.platform->find(root_port)->id(), false));
    REQUIRE(r.host().settle());
    REQUIRE_FALSE(r.dev(accel_device).is_bound());
    REQUIRE_FALSE(cxlfw::status_of(r.dev(accel_device)).has_value());
    REQUIRE(core->regions().size() == regions_before - 1);

    REQUIRE(r.platform->set_link(r.platform->find(root_port)->id(), true));
    REQUIRE(r.host().settle());
    REQUIRE(cxlfw::status_of(r.dev(accel_device))->mode == cxl_mode::cxl);
    REQUIRE(nic::cxl_calls == 2);
    REQUIRE(core->regions().size() == regions_before);
}

TEST_CASE("CXL lost under a deferring driver releases it and defers until the piece returns; "
          "an unbind stays an unbind",
          "[policy][probe]") {
    using nic = probe_accel<type2<cap::hdm<1>>, attach::direct, when_absent::defer>;
    nic::cxl_calls = nic::pcie_calls = 0;
    probe_rig r{cxl_test()};
    REQUIRE(cxlfw::register_driver<nic>(r.host()));
    REQUIRE(r.host().settle());
    REQUIRE(cxlfw::status_of(r.dev(accel_device))->mode == cxl_mode::cxl);

    std::string const root_port{r.dev(accel_device).parent()->name()};
    REQUIRE(r.platform->set_link(r.platform->find(root_port)->id(), false));
    REQUIRE(r.host().settle());
    // Released, probed again, deferred on the link (Linux 7.0 would leave it unbound).
    REQUIRE(r.host().info(r.dev(accel_device)).state == base::device_state::deferred);
    REQUIRE(r.platform->set_link(r.platform->find(root_port)->id(), true));
    REQUIRE(r.host().settle());
    REQUIRE(cxlfw::status_of(r.dev(accel_device))->mode == cxl_mode::cxl);
    REQUIRE(nic::cxl_calls == 2);

    // Releasing the attach as part of an unbind is not losing CXL: no probe follows.
    REQUIRE(r.host().unbind(r.dev(accel_device)));
    REQUIRE(r.host().settle());
    REQUIRE(r.host().info(r.dev(accel_device)).state == base::device_state::unbound);
    REQUIRE(nic::cxl_calls == 2);
}

TEST_CASE("a mediated deferring driver: unbinding its memdev from cxl_mem releases it (the "
          "device link), and no probe follows",
          "[policy][probe]") {
    using nic = probe_accel<type2<cap::hdm<1>>, attach::mediated, when_absent::defer>;
    nic::cxl_calls = nic::pcie_calls = 0;
    probe_rig r{cxl_test()};
    REQUIRE(cxlfw::register_driver<nic>(r.host()));
    REQUIRE(r.host().settle());
    auto st = cxlfw::status_of(r.dev(accel_device));
    REQUIRE(st->mode == cxl_mode::cxl);
    base::device* md = r.host().find_device(st->memdev);
    REQUIRE(md);
    REQUIRE(r.host().unbind(*md));
    REQUIRE(r.host().settle());
    REQUIRE(r.host().info(r.dev(accel_device)).state == base::device_state::unbound);
    REQUIRE(nic::cxl_calls == 1);
}

TEST_CASE("a degraded device upgrades even when the root binds before its watcher first runs",
          "[policy][probe]") {
    // The order a --seed once produced: the NIC probes (no root yet: PCIe only, its watcher
    // queued), then the root binds and signals, then the watcher runs for the first time. The
    // watcher must look again, not wait for a signal that has already happened.
    using nic = probe_accel<type2<cap::hdm<1>>, attach::direct, when_absent::degrade>;
    nic::cxl_calls = nic::pcie_calls = 0;
    auto platform = emu::build(cxl_test()).value();
    testing::platform_host ph{*platform};
    REQUIRE(ph.populate());
    REQUIRE(ph.register_drivers());
    REQUIRE(cxlfw::register_driver<nic>(ph.host()));
    base::host& h = ph.host();

    REQUIRE(h.attach(*h.find_device(accel_device)).is_bound()); // before anything else probes
    REQUIRE(cxlfw::status_of(*h.find_device(accel_device))->mode == cxl_mode::pcie_only);
    REQUIRE(h.find_device(std::string{accel_device} + ":cxl_upgrade") != nullptr);
    REQUIRE(h.attach(*h.find_device("ACPI0017:00")).is_bound()); // the root, and its signal
    REQUIRE(h.settle());

    REQUIRE(cxlfw::status_of(*h.find_device(accel_device))->mode == cxl_mode::cxl);
    REQUIRE(nic::pcie_calls == 1);
    REQUIRE(nic::cxl_calls == 1);
}
