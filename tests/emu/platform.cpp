// The platform as the layers above see it: determinism and arrival order, events (hot-add,
// surprise removal, link down/up, the ACPI root), reachability below a down link.
#include "support.hpp"

#include <cxlfw/hw/lspci.hpp> // hw::pci_address, what node::address() returns

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace emu_test;

namespace {

/// Everything a driver could observe at power-on: names, parents, every config byte, the
/// CEDT, BAR addresses.
std::vector<std::uint64_t> fingerprint(emu::platform& p) {
    std::vector<std::uint64_t> f;
    for (auto id : p.enumeration_order()) {
        auto& n = p.at(id);
        for (char c : n.name())
            f.push_back(static_cast<unsigned char>(c));
        f.push_back(index_of(n.parent()));
        f.push_back(n.bar());
        f.push_back(n.chbs_base());
        if (n.is_pci())
            for (std::uint64_t off = 0; off < 0x1000; off += 4)
                f.push_back(n.config().read(off, 4).value());
    }
    for (auto b : p.cedt())
        f.push_back(std::to_integer<unsigned>(b));
    return f;
}

bool parents_first(emu::platform& p, std::vector<emu::node_id> const& order) {
    std::set<emu::node_id> seen;
    for (auto id : order) {
        auto parent = p.at(id).parent();
        if (parent != emu::no_node && !seen.count(parent)) return false;
        seen.insert(id);
    }
    return true;
}

/// One host bridge; root port 0 with a 2-port switch and a device on port 0 only; root port
/// 1 empty (a hot-plug slot).
emu::topology slots() {
    emu::topology t;
    auto hb = t.add_host_bridge({.uid = 5});
    auto sw = t.add_switch(t.add_root_port(hb), {.downstream_ports = 2});
    t.add_endpoint(t.downstream_ports(sw)[0], emu::endpoint_spec::type3_device(1_GiB, 0));
    t.add_root_port(hb);
    return t;
}

} // namespace

TEST_CASE("the same description builds the same platform", "[emu][platform][determinism]") {
    auto a = make(emu::cxl_test_topology());
    auto b = make(emu::cxl_test_topology());
    REQUIRE(a->node_count() == b->node_count());
    REQUIRE(fingerprint(*a) == fingerprint(*b));
    // ... and a different description does not.
    auto c = make(emu::cxl_test_topology({.accelerator = false}));
    REQUIRE(fingerprint(*a) != fingerprint(*c));
}

TEST_CASE("arrival order: the same seed gives the same order, other seeds other orders",
          "[emu][platform][determinism]") {
    auto a = make(emu::cxl_test_topology());
    auto b = make(emu::cxl_test_topology());
    auto const natural = a->enumeration_order();
    REQUIRE(natural.size() == a->node_count());
    REQUIRE(std::is_sorted(natural.begin(), natural.end()));

    std::set<std::vector<emu::node_id>> distinct;
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
        auto const order = a->arrival_order(seed);
        REQUIRE(order == b->arrival_order(seed)); // same seed, same order, on either platform
        REQUIRE(order == a->arrival_order(seed)); // and again
        REQUIRE(parents_first(*a, order));
        auto sorted = order;
        std::sort(sorted.begin(), sorted.end());
        REQUIRE(sorted == natural); // a permutation of every present node
        distinct.insert(order);

        auto const any = a->arrival_order(seed, emu::arrival::any);
        REQUIRE(any == b->arrival_order(seed, emu::arrival::any));
        sorted = any;
        std::sort(sorted.begin(), sorted.end());
        REQUIRE(sorted == natural);
        distinct.insert(any);
    }
    REQUIRE(distinct.size() == 16); // different seeds change the order
    bool some_child_first = false;
    for (std::uint64_t seed = 0; seed < 8; ++seed)
        some_child_first |= !parents_first(*a, a->arrival_order(seed, emu::arrival::any));
    REQUIRE(some_child_first);
}

TEST_CASE("hot-add into an empty root port", "[emu][platform][events]") {
    auto p = make(slots());
    std::vector<emu::event> seen;
    auto sub = p->subscribe([&](emu::event const& e) { seen.push_back(e); });
    auto slot = p->find("0000:00:01.0");
    REQUIRE(slot);
    REQUIRE(slot->kind() == emu::node_kind::root_port);
    // An empty slot: the link is up but no device answers, so Data Link Layer Active is clear.
    auto const dllla = [&] { return (slot->config().read(0x40 + 0x12, 2).value() >> 13) & 1; };
    REQUIRE(dllla() == 0);

    p->clock().advance(std::chrono::seconds{3});
    auto id = p->hot_add(slot->id(), emu::endpoint_spec::type3_device(2_GiB, 0));
    REQUIRE(id.has_value());
    auto& dev = p->at(*id);
    REQUIRE(dev.parent() == slot->id());
    REQUIRE(dev.name() == hw::pci_address{0, slot->secondary_bus(), 0, 0}.to_string());
    REQUIRE(dev.powered_at() == std::chrono::seconds{3});
    REQUIRE(dllla() == 1);
    REQUIRE(seen == std::vector<emu::event>{
                        {1, std::chrono::seconds{3}, emu::event_kind::device_added, *id}});
    REQUIRE(p->event_log() == seen);
    // A real device: config, BAR and mailbox answer.
    REQUIRE(hw::read_class_code(dev.config()).value() == spec::cxl_memory_class_code);
    REQUIRE(mailbox_of(*p, dev).send(spec::opcode::identify).rc == spec::return_code::success);
    auto const eps = p->endpoints();
    REQUIRE(std::find(eps.begin(), eps.end(), *id) != eps.end());

    REQUIRE(p->hot_add(slot->id(), emu::endpoint_spec::type3_device(1_GiB, 0)).error() ==
            emu::errc::port_occupied);
    REQUIRE(p->hot_add(*id, emu::endpoint_spec::type3_device(1_GiB, 0)).error() ==
            emu::errc::not_a_port);
    REQUIRE(p->hot_add(slot->id(), emu::endpoint_spec::type3_device(1, 0)).error() ==
            emu::errc::invalid_capacity);

    // Removed and plugged in again: a new node with the same name and a new BAR.
    REQUIRE(p->surprise_remove(*id));
    REQUIRE(dllla() == 0);
    auto again = p->hot_add(slot->id(), emu::endpoint_spec::type3_device(1_GiB, 0));
    REQUIRE(again.has_value());
    REQUIRE(*again != *id);
    REQUIRE(p->at(*again).name() == dev.name());
    REQUIRE(p->find(dev.name()) == &p->at(*again));
    REQUIRE(p->at(*again).bar() != dev.bar());
    REQUIRE(p->at(*again).serial() != dev.serial());
    REQUIRE(seen.size() == 3);
    REQUIRE(seen[1].kind == emu::event_kind::device_removed);
    REQUIRE(seen[2].node == *again);

    REQUIRE(p->unsubscribe(sub));
    REQUIRE_FALSE(p->unsubscribe(sub));
    REQUIRE(p->surprise_remove(*again));
    REQUIRE(seen.size() == 3); // no longer subscribed
}

TEST_CASE("surprise removal of a switch removes what is below it, deepest first",
          "[emu][platform][events]") {
    auto p = make(slots());
    std::vector<emu::event> seen;
    p->subscribe([&](emu::event const& e) { seen.push_back(e); });
    auto const usp = p->of_kind(emu::node_kind::upstream_port).front();
    auto const dsps = p->at(usp).children();
    auto const ep = p->endpoints().front();
    REQUIRE(p->surprise_remove(usp));
    std::vector<emu::node_id> removed;
    for (auto const& e : seen) {
        REQUIRE(e.kind == emu::event_kind::device_removed);
        removed.push_back(e.node);
    }
    REQUIRE(removed == std::vector<emu::node_id>{dsps[1], ep, dsps[0], usp});
    for (auto id : removed)
        REQUIRE_FALSE(p->at(id).present());
    REQUIRE(p->endpoints().empty());
    REQUIRE(hw::read_vendor_id(p->at(ep).config()).value() == 0xFFFF);
    REQUIRE(p->surprise_remove(usp).error() == emu::errc::node_absent);
    REQUIRE(p->surprise_remove(p->of_kind(emu::node_kind::root_port).front()).error() ==
            emu::errc::not_removable);
    REQUIRE(p->surprise_remove(emu::node_id{9999}).error() == emu::errc::no_such_node);
    // Removed nodes are not offered to the driver model any more.
    for (auto id : p->arrival_order(1))
        REQUIRE(p->at(id).present());
}

TEST_CASE("link down: functions below read all ones and drop writes, link up resets them",
          "[emu][platform][events]") {
    auto p = make(slots());
    auto const dsp = p->of_kind(emu::node_kind::downstream_port).front();
    auto& ep = p->at(p->endpoints().front());
    // Program something the reset will clear.
    auto& cfg = ep.config();
    auto loc = hw::find_dvsec(cfg, spec::dvsec_id::cxl_device).value();
    hw::window<emu::config_bus> dv{cfg, loc.offset, loc.length};
    REQUIRE(dv.set<spec::cxl_dvsec::mem_enable>(1));

    std::vector<emu::event> seen;
    p->subscribe([&](emu::event const& e) {
        seen.push_back(e);
        // Listeners run outside the platform's lock: they may read registers.
        (void)p->at(dsp).config().read(0, 4);
    });
    REQUIRE(p->set_link(dsp, false));
    REQUIRE_FALSE(p->at(dsp).link_up());
    REQUIRE_FALSE(p->reachable(ep.id()));
    REQUIRE(cfg.read(0, 4).value() == 0xFFFF'FFFF);
    REQUIRE(cfg.read(spec::pci::command::offset, 2).value() == 0xFFFF);
    REQUIRE(cfg.write(spec::pci::command::offset, 2, 0));
    REQUIRE(p->mmio().read(ep.bar(), 8).value() == ~std::uint64_t{0});
    // The port itself still answers, and says its link is not active.
    REQUIRE(hw::read_vendor_id(p->at(dsp).config()).value() ==
            emu::default_ids::downstream_port.vendor);
    REQUIRE(((p->at(dsp).config().read(0x40 + 0x12, 2).value() >> 13) & 1) == 0);
    REQUIRE(p->set_link(dsp, false)); // no change, no event

    p->clock().advance(std::chrono::seconds{1});
    REQUIRE(p->set_link(dsp, true));
    REQUIRE(p->reachable(ep.id()));
    REQUIRE(dv.get<spec::cxl_dvsec::mem_enable>().value() == 0); // reset by the link-down
    REQUIRE(ep.powered_at() == std::chrono::seconds{1});
    REQUIRE(cfg.read(spec::pci::command::offset, 2).value() != 0);
    REQUIRE(seen.size() == 2);
    REQUIRE(seen[0].kind == emu::event_kind::link_down);
    REQUIRE(seen[0].node == dsp);
    REQUIRE(seen[1].kind == emu::event_kind::link_up);
    REQUIRE(seen[1].sequence == 2);
    REQUIRE(seen[1].time == std::chrono::seconds{1});

    REQUIRE(p->set_link(ep.id(), false).error() == emu::errc::not_a_port);
    REQUIRE(p->set_link(p->of_kind(emu::node_kind::upstream_port).front(), false).error() ==
            emu::errc::not_a_port);
}

TEST_CASE("the ACPI0017 root can be absent at power-on and appear later",
          "[emu][platform][events]") {
    auto t = emu::cxl_test_topology();
    t.acpi_root_present = false;
    auto p = make(t);
    REQUIRE_FALSE(p->acpi_root_present());
    auto order = p->arrival_order(3);
    REQUIRE(std::find(order.begin(), order.end(), p->cxl_root()) == order.end());
    std::vector<emu::event> seen;
    p->subscribe([&](emu::event const& e) { seen.push_back(e); });
    REQUIRE(p->add_acpi_root());
    REQUIRE(p->acpi_root_present());
    REQUIRE(p->add_acpi_root().error() == emu::errc::already_present);
    REQUIRE(seen.size() == 1);
    REQUIRE(seen[0].kind == emu::event_kind::device_added);
    REQUIRE(seen[0].node == p->cxl_root());
    REQUIRE(p->remove_acpi_root());
    REQUIRE(p->remove_acpi_root().error() == emu::errc::node_absent);
    REQUIRE(seen.back().kind == emu::event_kind::device_removed);
    // The CEDT is firmware's and stays whether or not the root object is there.
    REQUIRE(spec::parse_cedt(p->cedt()).has_value());
}

TEST_CASE("node accessors: names, kinds and lookups", "[emu][platform]") {
    auto p = make(emu::cxl_test_topology());
    REQUIRE(p->at(p->cxl_root()).name() == "ACPI0017:00");
    REQUIRE(p->at(p->cxl_root()).kind() == emu::node_kind::cxl_root);
    REQUIRE(p->find("ACPI0017:00")->id() == p->cxl_root());
    REQUIRE(p->find("no such device") == nullptr);
    REQUIRE(p->find(emu::node_id{123456}) == nullptr);
    REQUIRE_THROWS_AS(p->at(emu::node_id{123456}), std::out_of_range);
    std::set<std::string> names;
    for (auto id : p->enumeration_order()) {
        auto& n = p->at(id);
        REQUIRE(names.insert(std::string{n.name()}).second); // unique
        REQUIRE(p->find(n.name()) == &n);
        if (n.kind() == emu::node_kind::host_bridge) {
            REQUIRE(n.name().substr(0, 3) == "pci");
            REQUIRE(n.parent() == emu::no_node);
        }
        if (n.is_pci()) REQUIRE(n.name() == n.address().to_string());
    }
    REQUIRE(emu::node_kind_name(emu::node_kind::rcd) == "RCD");
    REQUIRE(emu::region_name(emu::region::component_ras) == "component RAS");
    REQUIRE(emu::event_kind_name(emu::event_kind::link_up) == "link_up");
}

TEST_CASE("register accesses from several threads are serialised", "[emu][platform][threads]") {
    auto p = make(emu::cxl_test_topology());
    auto const eps = p->endpoints();
    auto const dsp = p->of_kind(emu::node_kind::downstream_port).back();
    constexpr int per_thread = 2000;
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&, t] {
            auto& n = p->at(eps[static_cast<std::size_t>(t)]);
            for (int i = 0; i < per_thread; ++i) {
                auto v = n.config().read(0, 2);
                if (!v || *v != emu::default_ids::type3.vendor) ++wrong;
                p->clock().advance(std::chrono::nanoseconds{1});
            }
        });
    threads.emplace_back([&] { // link flaps elsewhere, with events, meanwhile
        for (int i = 0; i < 200; ++i)
            if (!p->set_link(dsp, i % 2 != 0)) ++wrong;
    });
    for (auto& t : threads)
        t.join();
    REQUIRE(wrong == 0);
    for (int t = 0; t < 3; ++t)
        REQUIRE(p->counts(eps[static_cast<std::size_t>(t)]).in(emu::region::config) == per_thread);
    REQUIRE(p->event_log().size() == 200); // down, up, down, ... each a change
    REQUIRE(p->clock().now() == std::chrono::nanoseconds{3 * per_thread});
}
