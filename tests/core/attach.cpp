// Attach paths: the memdev with an attach callback (Linux 7.0), direct attach, the Type-2
// "give me N bytes" helper, and what a lost link does to all of them.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <functional>

using namespace cxlfw;
using namespace cxlfw::core::testing;
namespace core = cxlfw::core;

namespace {

/// An accelerator's PCI driver as a test double: its probe is a lambda.
struct accel final : base::pci_driver {
    std::function<base::probe_outcome(base::pci_device&)> on_probe;
    int removes = 0;
    explicit accel(std::function<base::probe_outcome(base::pci_device&)> f)
        : pci_driver{"accel", {{0x1924, 0x0B03}}}, on_probe{std::move(f)} {}
    base::probe_outcome probe(base::device& dev) override {
        return on_probe(dynamic_cast<base::pci_device&>(dev));
    }
    void remove(base::device&) override { ++removes; }
};

/// The interleaved cxl_test half plus a Type-2 accelerator (512 MiB) below HB0's first
/// switch... in place of mem0's device: a device of its own below root port 1's switch.
struct with_accel {
    bed b;
    cxl_test_half t{b, false};
    base::pci_device* dev = nullptr;
    fake_component* comp = nullptr;

    with_accel() {
        comp = &b.component({.decoders = 1, .target_count = 0});
        dev = &b.pci("0000:40:00.0", t.dsps[0],
                     {.vendor = 0x1924, .device = 0x0B03, .class_code = 0x120000}, nullptr);
    }
    core::memdev_desc desc(bool direct = false) {
        core::memdev_desc d;
        d.type = core::memdev_type::type2;
        d.ram_size = 512_MiB;
        d.component = comp->block();
        d.direct = direct;
        return d;
    }
    accel& driver(std::function<base::probe_outcome(base::pci_device&)> f) {
        return *b.host.register_driver(std::make_unique<accel>(std::move(f))).value();
    }
};

base::probe_outcome outcome(core::fact_result<core::memdev*> const& r) {
    if (r) return base::bound();
    return base::failed(r.error().code, r.error().message());
}

} // namespace

TEST_CASE("add_memdev with a callback: no cxl_mem is no_mem_driver, and the memdev goes",
          "[core][attach]") {
    with_accel a;
    a.b.port_driver();
    a.t.add_root();
    core::fact_result<core::memdev*> got = core::fact{};
    a.driver([&](base::pci_device& pdev) {
        got = core::add_memdev(pdev, a.desc(), [](core::memdev&) { return status{}; });
        return outcome(got);
    });
    REQUIRE(a.b.host.settle());
    REQUIRE(got.error() == errc::no_mem_driver);
    REQUIRE(got.error().missing == base::dep_key::driver("cxl_mem"));
    REQUIRE(a.b.cxl.memdevs().empty());
    REQUIRE(a.b.host.find_device("mem0") == nullptr);
    REQUIRE(a.dev->state() == base::device_state::failed);
}

TEST_CASE("add_memdev with a callback: cxl_mem's failure is returned, and the memdev goes",
          "[core][attach]") {
    with_accel a;
    a.b.drivers(); // no root
    core::fact_result<core::memdev*> got = core::fact{};
    bool called = false;
    a.driver([&](base::pci_device& pdev) {
        got = core::add_memdev(pdev, a.desc(), [&](core::memdev&) {
            called = true;
            return status{};
        });
        return outcome(got);
    });
    REQUIRE(a.b.host.settle());
    REQUIRE(got.error() == errc::root_absent);
    REQUIRE(got.error().missing == base::dep_key::event("cxl_root:root0"));
    REQUIRE_FALSE(called);
    REQUIRE(a.b.cxl.memdevs().empty());
}

TEST_CASE("add_memdev with a callback: a failing callback fails the attach", "[core][attach]") {
    with_accel a;
    a.b.drivers();
    a.t.add_root();
    core::fact_result<core::memdev*> got = core::fact{};
    a.driver([&](base::pci_device& pdev) {
        got = core::add_memdev(pdev, a.desc(), [](core::memdev& md) -> status {
            REQUIRE(md.endpoint()); // the endpoint is attached when it runs
            return errc::no_capacity;
        });
        return outcome(got);
    });
    REQUIRE(a.b.host.settle());
    REQUIRE(got.error() == errc::no_capacity);
    REQUIRE(a.b.cxl.memdevs().empty());
    REQUIRE(a.b.cxl.find_port("port2") == nullptr); // its switch port went with it
}

TEST_CASE("add_memdev with a callback: bound at once; a lost link releases the PCI driver; "
          "the link back and a rescan attach again",
          "[core][attach]") {
    with_accel a;
    a.b.drivers();
    a.t.add_root();
    core::hpa_range mapped{};
    int callbacks = 0;
    auto& drv = a.driver([&](base::pci_device& pdev) {
        auto got = core::add_memdev(pdev, a.desc(), [&](core::memdev& md) -> status {
            ++callbacks;
            auto range = core::probe_mem(md, 256_MiB);
            if (!range) return range.error().code;
            mapped = *range;
            return {};
        });
        return outcome(got);
    });
    REQUIRE(a.b.host.settle());
    REQUIRE(a.dev->is_bound());
    REQUIRE(callbacks == 1);
    auto* md = a.b.cxl.memdevs().at(0);
    REQUIRE(md->is_bound());
    REQUIRE(md->endpoint());
    REQUIRE(mapped.size == 256_MiB);
    REQUIRE(mapped.start == cxl_test_half::window_base + 8_GiB); // the Type-2 window
    auto* r = a.b.cxl.regions().at(0);
    REQUIRE(r->state() == core::region_state::committed);
    REQUIRE(r->type() == core::target_type::device_coherent);
    REQUIRE(a.comp->committed(0));
    REQUIRE(spec::hdm::target_type::get(a.comp->control(0)) == 0); // device coherent

    core::set_link(a.b.cxl, a.t.dsps[0]->name(), false);
    REQUIRE(a.dev->state() == base::device_state::unbound); // PCIe-removal-like
    REQUIRE(drv.removes == 1);
    REQUIRE(a.b.cxl.memdevs().empty());
    REQUIRE_FALSE(a.t.usp_comps[0]->committed(0)); // the switch's decoder was reset
    REQUIRE_FALSE(a.t.hb_comps[0]->committed(0));

    core::set_link(a.b.cxl, a.t.dsps[0]->name(), true);
    REQUIRE(a.b.host.rescan("pci"));
    REQUIRE(a.b.host.settle());
    REQUIRE(a.dev->is_bound());
    REQUIRE(callbacks == 2);
    REQUIRE(a.b.cxl.memdevs().at(0)->endpoint());
}

TEST_CASE("direct attach: cxl_mem never binds the memdev; the driver enumerates and adds the "
          "endpoint, owned by its own binding",
          "[core][attach]") {
    with_accel a;
    a.b.drivers();
    a.t.add_root();
    core::memdev* md = nullptr;
    a.driver([&](base::pci_device& pdev) -> base::probe_outcome {
        auto got = core::add_memdev(pdev, a.desc(true));
        if (!got) return outcome(got);
        md = *got;
        if (auto ok = core::enumerate_ports(*md, &pdev); !ok)
            return base::failed(ok.error().code, ok.error().message());
        if (auto ep = core::add_endpoint(*md, &pdev); !ep)
            return base::failed(ep.error().code, ep.error().message());
        return base::bound();
    });
    REQUIRE(a.b.host.settle());
    REQUIRE(a.dev->is_bound());
    REQUIRE(md->direct());
    REQUIRE(md->state() == base::device_state::unbound); // no driver matches it
    REQUIRE(md->endpoint());
    REQUIRE(md->endpoint()->is_bound());
    REQUIRE(a.b.host.unbind(*a.dev));
    REQUIRE(a.b.cxl.memdevs().empty());
    REQUIRE(a.b.cxl.find_port("port2") == nullptr);
}

TEST_CASE("probe_mem: no window allowing device memory over the host bridge, or no room",
          "[core][attach]") {
    with_accel a;
    a.b.drivers();
    a.t.add_root();
    core::fact_result<core::hpa_range> first = core::fact{}, second = core::fact{},
                                       third = core::fact{};
    a.driver([&](base::pci_device& pdev) {
        auto got = core::add_memdev(pdev, a.desc(), [&](core::memdev& md) -> status {
            first = core::probe_mem(md, 2_GiB); // more DPA than the device has
            second = core::probe_mem(md, 512_MiB);
            return {};
        });
        return outcome(got);
    });
    REQUIRE(a.b.host.settle());
    REQUIRE(first.error() == errc::no_capacity);
    REQUIRE(second);
    REQUIRE(second->size == 512_MiB);
    // A Type-3 memdev below HB1 finds no Type-2 window there.
    auto& md = a.b.mem(*a.t.eps[4], a.t.ep_comps[4]);
    REQUIRE(a.b.host.settle());
    third = core::probe_mem(md, 256_MiB, core::target_type::device_coherent);
    REQUIRE(third.error() == errc::window_restricted);
    REQUIRE(md.endpoint()->find_decoder(0)->dpa == std::nullopt); // undone
}

TEST_CASE("link down below an endpoint with a committed region: reset, endpoint gone, "
          "memdev detached; link up and the rescan attach it again",
          "[core][attach]") {
    bed b;
    b.drivers();
    cxl_test_half t{b};
    t.add_root();
    REQUIRE(b.host.settle());
    auto* r = &t.commit_two_way();
    REQUIRE(t.hb_comps[0]->committed(0));
    std::string const ep_name = t.mems[0]->endpoint()->name();

    core::set_link(b.cxl, t.dsps[0]->name(), false);
    REQUIRE_FALSE(t.mems[0]->is_bound());
    REQUIRE(t.mems[0]->endpoint() == nullptr);
    REQUIRE(b.cxl.find_port(ep_name) == nullptr);
    REQUIRE(r->state() == core::region_state::sized);
    REQUIRE(r->targets()[0] == nullptr);
    for (auto* c : {t.hb_comps[0], t.hb_comps[1], t.usp_comps[0], t.usp_comps[2], t.ep_comps[4]})
        REQUIRE_FALSE(c->committed(0));
    REQUIRE(t.mems[1]->is_bound()); // its sibling stays

    REQUIRE(b.host.rescan("cxl"));
    REQUIRE(b.host.settle());
    REQUIRE(t.mems[0]->state() == base::device_state::failed);
    REQUIRE(t.mems[0]->last_fact()->code == errc::link_down);

    core::set_link(b.cxl, t.dsps[0]->name(), true);
    REQUIRE(b.host.settle());
    REQUIRE(t.mems[0]->is_bound());
    REQUIRE(t.mems[0]->endpoint());
    REQUIRE(t.mems[0]->endpoint()->name() == ep_name); // the same name again
}
