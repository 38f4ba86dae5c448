// Acceptance on Linux's cxl_test topology (emu::cxl_test_topology): the stock drivers find the
// root, the windows, the ports and the memdevs, and a 2-way region commits in the emulated
// decoders.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::drivers::test_support;
namespace core = cxlfw::core;

TEST_CASE("cxl_test: one root with the six windows as root decoders", "[drivers][cxl_test]") {
    machine m{emu::cxl_test_topology()};
    core::port* root = m.cxl().root();
    REQUIRE(root);
    REQUIRE(root->name() == "root0");
    REQUIRE(root->uport() == "ACPI0017:00");
    REQUIRE(m.host().find_device("ACPI0017:00")->is_bound());
    auto table = spec::parse_cedt(m.p->cedt()).value();
    REQUIRE(table.cfmws_list.size() == 6);
    REQUIRE(root->decoders().size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        auto const& w = table.cfmws_list[i];
        auto const& d = *root->decoders()[i];
        REQUIRE(d.name() == "decoder0." + std::to_string(i));
        REQUIRE(d.base == w.base_hpa);
        REQUIRE(d.size == w.window_size);
        REQUIRE(d.ways == w.ways());
        REQUIRE(d.granularity == w.granularity());
        REQUIRE(d.restrictions == w.restrictions);
        REQUIRE(d.qos_class == emu::cxl_test_qtg);
        REQUIRE(d.targets == std::vector<std::uint32_t>(w.targets.begin(), w.targets.end()));
    }
    REQUIRE(root->decoders()[1]->ways == 2);
    // Four dports: host bridges UID 0-3, the last an RCH.
    REQUIRE(root->dports().size() == 4);
    for (std::uint32_t uid = 0; uid < 4; ++uid)
        REQUIRE(root->find_dport(uid));
    REQUIRE(root->find_dport(3)->rch);
    REQUIRE(m.cxl().messages().empty());
}

TEST_CASE("cxl_test: host-bridge and switch ports, 10 memdevs at depth 3, the RCD under the "
          "RCH, each 1 GiB RAM + 1 GiB PMEM",
          "[drivers][cxl_test]") {
    machine m{emu::cxl_test_topology()};
    unsigned hbs = 0, switches = 0, endpoints = 0;
    for (auto* p : m.cxl().ports()) {
        if (p->kind() == core::port_kind::root) continue;
        REQUIRE(p->is_bound());
        switch (p->kind()) {
        case core::port_kind::host_bridge:
            ++hbs;
            REQUIRE(p->depth() == 1);
            REQUIRE(m.node(p->uport()).kind() == emu::node_kind::host_bridge);
            REQUIRE(p->decoders().size() == 8);
            break;
        case core::port_kind::switch_port:
            ++switches;
            REQUIRE(p->depth() == 2);
            REQUIRE(m.node(p->uport()).kind() == emu::node_kind::upstream_port);
            REQUIRE(p->dports().size() == 2);
            break;
        case core::port_kind::endpoint:
            ++endpoints;
            break;
        default:
            break;
        }
    }
    REQUIRE(hbs == 3);
    REQUIRE(switches == 5);
    REQUIRE(endpoints == 11);
    auto mems = m.cxl().memdevs();
    REQUIRE(mems.size() == 11);
    unsigned vh = 0;
    for (auto* md : mems) {
        INFO(md->name());
        REQUIRE(md->is_bound());
        REQUIRE(md->ram_size() == 1_GiB);
        REQUIRE(md->pmem_size() == 1_GiB);
        REQUIRE(md->desc().firmware == "cxlfw-emu 1.0");
        auto* ep = md->endpoint();
        REQUIRE(ep);
        REQUIRE(ep->decoders().size() == 8);
        auto& n = m.node(md->parent()->name());
        REQUIRE(md->desc().serial == n.serial());
        if (md->rcd()) {
            REQUIRE(n.kind() == emu::node_kind::rcd);
            REQUIRE(ep->depth() == 1);
            REQUIRE(ep->parent_port() == m.cxl().root());
            REQUIRE(ep->parent_dport()->rch);
        } else {
            ++vh;
            REQUIRE(ep->depth() == 3);
            REQUIRE(ep->parent_port()->kind() == core::port_kind::switch_port);
        }
    }
    REQUIRE(vh == 10);
    // The Type-2 accelerator has no stock driver: a PCI function, no memdev.
    REQUIRE(m.host().find_device("0000:17:00.0")->state() == base::device_state::unbound);
    REQUIRE(m.host().counters().deferrals == 0);
}

TEST_CASE("cxl_test: a 2-way RAM region over the interleaved host bridges commits in the "
          "emulated decoders, and translates as the spec math does",
          "[drivers][cxl_test]") {
    // Without the firmware region: decoder 0 of every component on both paths is this one's.
    machine m{emu::cxl_test_topology({.auto_region = false})};
    // The first memdev below host bridge 0 and the first below host bridge 1.
    core::memdev* a = nullptr;
    core::memdev* b = nullptr;
    for (auto* md : m.cxl().memdevs()) {
        auto* hb = md->endpoint()->parent_port()->parent_port();
        if (!a && hb->uport() == "pci0000:00") a = md;
        if (!b && hb->uport() == m.p->host_bridge(1)->name()) b = md;
    }
    REQUIRE(a);
    REQUIRE(b);
    auto& root = *m.cxl().root()->find_decoder(1);
    auto r = core::create_region(root, core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r, 4096));
    REQUIRE(core::set_ways(*r, 2));
    REQUIRE(core::set_size(*r, 1_GiB));
    auto& da = m.dpa(*a, 512_MiB, core::partition_mode::ram);
    auto& db = m.dpa(*b, 512_MiB, core::partition_mode::ram);
    REQUIRE(core::attach_target(*r, da, 0));
    REQUIRE(core::attach_target(*r, db, 1));
    auto const before = m.p->clock().now();
    REQUIRE(core::commit_region(*r));
    REQUIRE(m.p->clock().now() > before);
    REQUIRE(r->state() == core::region_state::committed);

    // Every decoder on both paths is committed in the emulated registers.
    for (auto* md : {a, b}) {
        std::vector<std::string> nodes{md->parent()->name()};
        for (auto* p = md->endpoint()->parent_port(); p->kind() != core::port_kind::root;
             p = p->parent_port())
            nodes.push_back(p->uport());
        for (auto const& name : nodes) {
            INFO(name);
            auto dec = m.p->decoder(m.node(name).id(), 0);
            REQUIRE(dec.phase == emu::decoder_phase::committed);
            REQUIRE(dec.base == r->base());
            REQUIRE(dec.size == r->size());
        }
    }
    auto ep = m.p->decoder(m.node(a->parent()->name()).id(), 0);
    REQUIRE(spec::hdm::iw::get(ep.control) == 1);
    REQUIRE(spec::hdm::ig::get(ep.control) == 4);

    for (auto* d : {&da, &db})
        for (std::uint64_t off :
             {std::uint64_t{0}, std::uint64_t{4096}, std::uint64_t{65'537}, 512_MiB - 8}) {
            spec::interleave_geometry g{.ways = 2,
                                        .granularity = 4096,
                                        .position = static_cast<unsigned>(d->pos),
                                        .base = r->base()};
            auto hpa = core::dpa_to_hpa(*r, *d, d->dpa->base + off).value();
            REQUIRE(hpa == spec::dpa_to_hpa(g, off).value());
            auto back = core::hpa_to_dpa(*r, hpa).value();
            REQUIRE(back.target == d);
            REQUIRE(back.dpa == d->dpa->base + off);
            REQUIRE(spec::hpa_to_dpa(g, hpa).value() ==
                    spec::dpa_position{off, static_cast<unsigned>(d->pos)});
        }
}

TEST_CASE("cxl_test: a commit that never completes fails with commit_timeout after 20 ms",
          "[drivers][cxl_test]") {
    machine m{emu::cxl_test_topology({.auto_region = false})}; // decoder 0 is free
    auto* md = m.cxl().memdevs().front();
    auto& root = *m.cxl().root()->find_decoder(0);
    auto r = core::create_region(root, core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r, 256));
    REQUIRE(core::set_ways(*r, 1));
    REQUIRE(core::set_size(*r, 256_MiB));
    REQUIRE(core::attach_target(*r, m.dpa(*md, 256_MiB, core::partition_mode::ram), 0));
    auto const ep_node = m.node(md->parent()->name()).id();
    (void)m.p->faults().never_commit(ep_node, 0);
    auto const before = m.p->clock().now();
    auto c = core::commit_region(*r);
    REQUIRE(c.error() == errc::commit_timeout);
    REQUIRE(m.p->clock().now() - before == core::commit_timeout);
    REQUIRE(r->state() == core::region_state::active);
    REQUIRE(m.p->decoder(ep_node, 0).phase == emu::decoder_phase::idle);
    m.p->faults().clear();
    REQUIRE(core::commit_region(*r));
    REQUIRE(m.p->decoder(ep_node, 0).phase == emu::decoder_phase::committed);
}

TEST_CASE("cxl_test: link down below an endpoint with a committed region resets it and "
          "detaches the memdev; link up attaches it again",
          "[drivers][cxl_test]") {
    machine m{emu::cxl_test_topology()};
    auto* md = m.cxl().memdevs().front();
    std::string const pci = md->parent()->name();
    std::string const dsp = md->parent()->parent()->name();
    auto& root = *m.cxl().root()->find_decoder(0);
    auto r = core::create_region(root, core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r, 256));
    REQUIRE(core::set_ways(*r, 1));
    REQUIRE(core::set_size(*r, 256_MiB));
    REQUIRE(core::attach_target(*r, m.dpa(*md, 256_MiB, core::partition_mode::ram), 0));
    REQUIRE(core::commit_region(*r));
    std::string const usp = md->endpoint()->parent_port()->uport();
    std::string const ep_name = md->endpoint()->name();
    REQUIRE(m.p->decoder(m.node(usp).id(), 0).phase == emu::decoder_phase::committed);

    REQUIRE(m.p->set_link(m.node(dsp).id(), false));
    REQUIRE(m.host().settle());
    REQUIRE_FALSE(md->is_bound());
    REQUIRE(md->endpoint() == nullptr);
    REQUIRE(m.cxl().find_port(ep_name) == nullptr);
    REQUIRE(r->state() == core::region_state::sized);
    REQUIRE(m.p->decoder(m.node(usp).id(), 0).phase == emu::decoder_phase::idle);
    REQUIRE(m.p->decoder(m.node("pci0000:00").id(), 0).phase == emu::decoder_phase::idle);

    REQUIRE(m.p->set_link(m.node(dsp).id(), true));
    REQUIRE(m.host().settle());
    REQUIRE(md->is_bound());
    REQUIRE(md->endpoint());
    REQUIRE(md->endpoint()->name() == ep_name);
}

TEST_CASE("cxl_test: surprise removal of a memdev's device tears its endpoint and region down",
          "[drivers][cxl_test]") {
    machine m{emu::cxl_test_topology()};
    auto* md = m.cxl().memdevs().front();
    std::string const pci = md->parent()->name();
    auto& root = *m.cxl().root()->find_decoder(0);
    auto r = core::create_region(root, core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r, 256));
    REQUIRE(core::set_ways(*r, 1));
    REQUIRE(core::set_size(*r, 256_MiB));
    REQUIRE(core::attach_target(*r, m.dpa(*md, 256_MiB, core::partition_mode::ram), 0));
    REQUIRE(core::commit_region(*r));
    std::string const usp = md->endpoint()->parent_port()->uport();
    auto const mems = m.cxl().memdevs().size();
    REQUIRE(m.p->surprise_remove(m.node(pci).id()));
    REQUIRE(m.host().settle());
    REQUIRE(m.host().find_device(pci) == nullptr);
    REQUIRE(m.cxl().memdevs().size() == mems - 1);
    REQUIRE(r->targets()[0] == nullptr);
    REQUIRE(m.p->decoder(m.node(usp).id(), 0).phase == emu::decoder_phase::idle);
    REQUIRE(m.cxl().port_by_uport(usp)); // its sibling still needs the switch
}

TEST_CASE("cxl_test: a region on the RCH's window commits on the RCD's own decoder",
          "[drivers][cxl_test]") {
    machine m{emu::cxl_test_topology()};
    core::memdev* rcd = nullptr;
    for (auto* md : m.cxl().memdevs())
        if (md->rcd()) rcd = md;
    REQUIRE(rcd);
    auto& root = *m.cxl().root()->find_decoder(5); // 256 MiB RAM on the RCH (UID 3)
    REQUIRE(root.targets == std::vector<std::uint32_t>{3});
    auto r = core::create_region(root, core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(*r, root.granularity));
    REQUIRE(core::set_ways(*r, 1));
    REQUIRE(core::set_size(*r, 256_MiB));
    auto& d = m.dpa(*rcd, 256_MiB, core::partition_mode::ram);
    REQUIRE(core::attach_target(*r, d, 0));
    REQUIRE(core::commit_region(*r));
    auto dec = m.p->decoder(m.node(rcd->parent()->name()).id(), 0);
    REQUIRE(dec.phase == emu::decoder_phase::committed);
    REQUIRE(dec.base == root.base);
    // The 256 MiB window is full now.
    auto& other = *core::create_region(root, core::partition_mode::ram).value();
    REQUIRE(core::set_granularity(other, root.granularity));
    REQUIRE(core::set_ways(other, 1));
    REQUIRE(core::set_size(other, 256_MiB).error() == errc::no_capacity);
}
