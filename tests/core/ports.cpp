// Port enumeration and endpoints on hand-built hardware: the facts that name what is missing,
// top-down port creation, lazy dports, RCDs, garbage collection and deterministic names.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::core::testing;
namespace core = cxlfw::core;

namespace {

/// A platform driver that binds the ACPI0017 device without doing anything (core tests build
/// the root themselves).
struct acpi_stub final : base::platform_driver {
    acpi_stub() : platform_driver{"acpi_stub", {"ACPI0017"}} {}
    base::probe_outcome probe(base::device&) override { return base::bound(); }
};

} // namespace

TEST_CASE("enumerate_ports: no root is root_absent, naming the root's event", "[core][ports]") {
    bed b;
    cxl_test_half t{b};
    auto r = core::enumerate_ports(*t.mems[0]);
    REQUIRE_FALSE(r);
    REQUIRE(r.error() == errc::root_absent);
    REQUIRE(r.error().missing == base::dep_key::event("cxl_root:root0"));
}

TEST_CASE("enumerate_ports: a host bridge without its port is port_absent naming it",
          "[core][ports]") {
    bed b;
    cxl_test_half t{b};
    auto* root = core::add_root(b.cxl, *t.acpi).value();
    (void)core::add_dport(*root, *t.hbs[0], 0).value();
    auto r = core::enumerate_ports(*t.mems[0]);
    REQUIRE(r.error() == errc::port_absent);
    REQUIRE(r.error().missing == base::dep_key::event("cxl_port:pci0000:00"));
    // A host bridge the root has no dport for is absent too; the fact says why.
    auto r4 = core::enumerate_ports(*t.mems[4]);
    REQUIRE(r4.error() == errc::port_absent);
    REQUIRE(r4.error().missing == base::dep_key::event("cxl_port:pci0000:01"));
    REQUIRE_THAT(r4.error().detail, Catch::Contains("not a CXL host bridge"));
}

TEST_CASE("enumerate_ports: switch ports appear top-down, dports lazily, the memdev registers "
          "with every port",
          "[core][ports]") {
    bed b;
    b.port_driver();
    REQUIRE(b.host.settle());
    cxl_test_half t{b};
    t.add_root();
    REQUIRE(core::enumerate_ports(*t.mems[0]));
    core::port* hb = b.cxl.port_by_uport("pci0000:00");
    core::port* sw = b.cxl.port_by_uport(t.usps[0]->name());
    REQUIRE(hb);
    REQUIRE(sw);
    REQUIRE(hb->name() == "port1");
    REQUIRE(sw->name() == "port2");
    REQUIRE(sw->kind() == core::port_kind::switch_port);
    REQUIRE(sw->parent_port() == hb);
    REQUIRE(sw->parent_dport()->dev == t.rps[0]->name());
    REQUIRE(sw->depth() == 2);
    REQUIRE(sw->is_bound());
    // Only the dports memdevs came through exist.
    REQUIRE(hb->dports().size() == 1);
    REQUIRE(sw->dports().size() == 1);
    REQUIRE(sw->dports()[0]->dev == t.dsps[0]->name());
    REQUIRE(sw->dports()[0]->port_id == 0);
    REQUIRE(hb->endpoints().contains("mem0"));
    REQUIRE(sw->endpoints().contains("mem0"));
    // The switch's decoders came from its component registers.
    REQUIRE(sw->decoders().size() == 4);
    REQUIRE(spec::hdm::hdm_decoder_enable::get(t.usp_comps[0]->global_control()) == 1);

    REQUIRE(core::enumerate_ports(*t.mems[1]));
    REQUIRE(sw->dports().size() == 2);
    REQUIRE(sw->dports()[1]->port_id == 1);
    REQUIRE(b.cxl.port_by_uport(t.usps[0]->name()) == sw);

    REQUIRE(core::enumerate_ports(*t.mems[2]));
    REQUIRE(hb->dports().size() == 2);
    REQUIRE(b.cxl.port_by_uport(t.usps[1]->name())->name() == "port3");
}

TEST_CASE("enumerate_ports: a cascade of switches is added top-down, restarting after each add",
          "[core][ports]") {
    base::recording_sink sink; // outlives the bed
    bed b;
    b.port_driver();
    REQUIRE(b.host.settle());
    auto& acpi = b.platform("ACPI0017:00", "ACPI0017");
    auto& hb = b.platform("pci0000:00", "ACPI0016");
    auto& rp = b.root_port("0000:00:01.0", hb, 0);
    auto& usp_a = b.upstream("0000:01:00.0", rp, b.component());
    auto& dsp_a = b.downstream("0000:02:00.0", usp_a, 0);
    auto& usp_b = b.upstream("0000:03:00.0", dsp_a, b.component());
    auto& dsp_b = b.downstream("0000:04:00.0", usp_b, 0);
    auto& ep = b.device("0000:05:00.0", dsp_b);
    auto& md = b.mem(ep, &b.component({.target_count = 0}));
    auto* root = core::add_root(b.cxl, acpi).value();
    auto* dp = core::add_dport(*root, hb, 7).value();
    REQUIRE(core::add_port(*root, hb, *dp, b.component().block()));
    b.host.set_sink(&sink);
    REQUIRE(core::enumerate_ports(md));
    core::port* a = b.cxl.port_by_uport(usp_a.name());
    core::port* bb = b.cxl.port_by_uport(usp_b.name());
    REQUIRE(a);
    REQUIRE(bb);
    REQUIRE(bb->parent_port() == a);
    REQUIRE(a->depth() == 2);
    REQUIRE(bb->depth() == 3);
    // Added top-down: the upper switch first (lower id, earlier device_added).
    REQUIRE(a->id() < bb->id());
    std::vector<std::string> added;
    for (auto const& e : sink.events())
        if (e.kind == base::trace_kind::device_added) added.push_back(e.device);
    REQUIRE(added == std::vector<std::string>{a->name(), bb->name()});
    for (auto* p : {a, bb})
        REQUIRE(p->endpoints().contains(md.name()));
}

TEST_CASE("enumerate_ports: an unbound parent port is no_port_driver, then port_not_bound",
          "[core][ports]") {
    bed b;
    cxl_test_half t{b};
    t.add_root(); // no cxl_port: the host-bridge ports stay unbound
    auto r = core::enumerate_ports(*t.mems[0]);
    REQUIRE(r.error() == errc::no_port_driver);
    REQUIRE(r.error().missing == base::dep_key::driver("cxl_port"));

    b.port_driver();
    REQUIRE(b.host.settle()); // the waiting host-bridge ports bind now
    REQUIRE(b.cxl.port_by_uport("pci0000:00")->is_bound());
    REQUIRE(core::enumerate_ports(*t.mems[0]));

    // A registered driver that fails to bind the port: the port's own event is missing.
    core::port* hb1 = b.cxl.port_by_uport("pci0000:01");
    REQUIRE(b.host.unbind(*hb1));
    auto r4 = core::enumerate_ports(*t.mems[4]);
    REQUIRE(r4.error() == errc::port_not_bound);
    REQUIRE(r4.error().missing == base::dep_key::event("cxl_port:pci0000:01"));
}

TEST_CASE("enumerate_ports and add_endpoint: a link down on the path is link_down",
          "[core][ports]") {
    bed b;
    b.port_driver();
    REQUIRE(b.host.settle());
    cxl_test_half t{b};
    t.add_root();
    core::set_link(b.cxl, t.dsps[0]->name(), false);
    REQUIRE(b.cxl.link_is_down(t.dsps[0]->name()));
    auto r = core::enumerate_ports(*t.mems[0]);
    REQUIRE(r.error() == errc::link_down);
    REQUIRE(r.error().missing == base::dep_key::event("link_up:" + t.dsps[0]->name()));
    REQUIRE(core::enumerate_ports(*t.mems[1]));
    core::set_link(b.cxl, t.dsps[0]->name(), true);
    REQUIRE(core::enumerate_ports(*t.mems[0]));
}

TEST_CASE("add_endpoint: endpointN under the parent dport, its decoders from the memdev",
          "[core][ports]") {
    bed b;
    b.port_driver();
    REQUIRE(b.host.settle());
    cxl_test_half t{b};
    t.add_root();
    auto& md = *t.mems[0];
    REQUIRE(md.endpoint() == nullptr);
    REQUIRE(core::enumerate_ports(md));
    auto ep = core::add_endpoint(md);
    REQUIRE(ep);
    core::port* e = *ep;
    REQUIRE(md.endpoint() == e);
    REQUIRE(e->name() == "endpoint7");
    REQUIRE(e->kind() == core::port_kind::endpoint);
    REQUIRE(e->uport() == "mem0");
    REQUIRE(e->parent_port() == b.cxl.port_by_uport(t.usps[0]->name()));
    REQUIRE(e->parent_dport()->dev == t.dsps[0]->name());
    REQUIRE(e->depth() == 3);
    REQUIRE(e->is_bound());
    REQUIRE(e->decoders().size() == 4);
    for (auto const& d : e->decoders())
        REQUIRE(d->kind() == core::decoder_kind::endpoint);
    auto again = core::add_endpoint(md);
    REQUIRE(again.error() == errc::already_attached);

    // The parent port lost its driver: the endpoint cannot be added below it.
    REQUIRE(core::enumerate_ports(*t.mems[1]));
    REQUIRE(b.host.unbind(*e->parent_port()));
    auto r = core::add_endpoint(*t.mems[1]);
    REQUIRE(r.error() == errc::port_not_bound);
    REQUIRE(r.error().missing == base::dep_key::event("cxl_port:" + t.usps[0]->name()));
}

TEST_CASE("add_endpoint: no port for the memdev's switch is port_absent", "[core][ports]") {
    bed b;
    b.port_driver();
    REQUIRE(b.host.settle());
    cxl_test_half t{b};
    t.add_root();
    auto r = core::add_endpoint(*t.mems[0]);
    REQUIRE(r.error() == errc::port_absent);
    REQUIRE(r.error().missing == base::dep_key::event("cxl_port:" + t.usps[0]->name()));
}

TEST_CASE("RCD: no ports to enumerate; the endpoint hangs off the root's RCH dport",
          "[core][ports]") {
    bed b;
    b.port_driver();
    (void)b.host.register_driver(std::make_unique<acpi_stub>());
    auto& acpi = b.platform("ACPI0017:00", "ACPI0017");
    auto& rch = b.platform("pci0000:0f", "ACPI0016");
    auto& rcd = b.pci("0000:10:00.0", &rch, {.port_type = 9});
    core::memdev_desc d;
    d.rcd = true;
    auto& md = b.mem(rcd, &b.component({.target_count = 0}), 256_MiB, 0, d);
    REQUIRE(b.host.settle());
    REQUIRE(core::enumerate_ports(md)); // nothing to do: no root needed
    auto none = core::add_endpoint(md);
    REQUIRE(none.error() == errc::root_absent);
    auto* root = core::add_root(b.cxl, acpi).value();
    (void)core::add_dport(*root, rch, 15, {.rch = true, .rcrb = 0xFED0'0000}).value();
    auto ep = core::add_endpoint(md);
    REQUIRE(ep);
    REQUIRE((*ep)->parent_port() == root);
    REQUIRE((*ep)->parent_dport()->rch);
    REQUIRE((*ep)->depth() == 1);
}

TEST_CASE("cxl_mem fails (it does not wait) without a topology; the rescan attaches",
          "[core][ports]") {
    bed b;
    b.drivers();
    cxl_test_half t{b};
    REQUIRE(b.host.settle());
    for (auto* m : t.mems) {
        REQUIRE(m->state() == base::device_state::failed);
        REQUIRE(m->last_fact()->code == errc::root_absent);
        REQUIRE(m->endpoint() == nullptr);
    }
    REQUIRE(b.host.counters().deferrals == 0);
    t.add_root();
    REQUIRE(b.host.rescan("cxl"));
    REQUIRE(b.host.settle());
    for (auto* m : t.mems) {
        REQUIRE(m->is_bound());
        REQUIRE(m->endpoint());
        REQUIRE_FALSE(m->last_fact());
    }
    REQUIRE(b.host.counters().deferrals == 0);
    REQUIRE(b.cxl.ports().size() == 1 + 2 + 4 + 8);
}

TEST_CASE("a switch port nobody is interested in any more goes; host-bridge ports stay",
          "[core][ports]") {
    bed b;
    b.drivers();
    cxl_test_half t{b};
    t.add_root();
    REQUIRE(b.host.settle());
    std::string const sw = t.usps[0]->name();
    REQUIRE(b.cxl.port_by_uport(sw));
    REQUIRE(b.host.remove_device(*t.mems[0]));
    REQUIRE(b.cxl.port_by_uport(sw));
    REQUIRE(b.cxl.port_by_uport(sw)->endpoints().size() == 1);
    REQUIRE(b.cxl.find_port("endpoint7") == nullptr);
    REQUIRE(b.host.remove_device(*t.mems[1]));
    REQUIRE(b.cxl.port_by_uport(sw) == nullptr);
    REQUIRE(b.cxl.port_by_uport("pci0000:00"));
    REQUIRE(b.host.find_device("port2") == nullptr);
}

TEST_CASE("names: reserved ids whatever the creation order; creation order otherwise",
          "[core][ports]") {
    auto names = [](bool reverse, bool hints) {
        bed b;
        auto& hb = b.platform("pci0000:00", "ACPI0016");
        auto& rp = b.root_port("0000:00:01.0", hb, 0);
        std::vector<base::pci_device*> eps{&b.device("0000:01:00.0", rp),
                                           &b.device("0000:02:00.0", rp)};
        if (hints) {
            b.cxl.name_memdev("0000:01:00.0", 0);
            b.cxl.name_memdev("0000:02:00.0", 1);
        }
        if (reverse) std::swap(eps[0], eps[1]);
        std::vector<std::string> out;
        for (auto* e : eps)
            out.push_back(e->name() + "=" + b.mem(*e, nullptr).name());
        std::sort(out.begin(), out.end());
        return out;
    };
    REQUIRE(names(false, true) == names(true, true));
    REQUIRE(names(false, true) ==
            std::vector<std::string>{"0000:01:00.0=mem0", "0000:02:00.0=mem1"});
    REQUIRE(names(true, false) ==
            std::vector<std::string>{"0000:01:00.0=mem1", "0000:02:00.0=mem0"});
}
