// HDM decoders on hand-built component blocks: enumeration of decoders found committed (and
// the rules they must meet), passthrough decoders, in-order commit, the 20 ms commit poll on
// the virtual clock, Error Not Committed, reset.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace cxlfw;
using namespace cxlfw::core::testing;
namespace core = cxlfw::core;

namespace {

/// One host bridge (its own component block), one root port, one device.
struct small {
    bed b;
    base::platform_device& acpi = b.platform("ACPI0017:00", "ACPI0017");
    base::platform_device& hb = b.platform("pci0000:00", "ACPI0016");
    base::pci_device& rp = b.root_port("0000:00:01.0", hb, 3);
    base::pci_device& ep = b.device("0000:01:00.0", rp);
    fake_component& hb_comp = b.component({.decoders = 2, .target_count = 1});
    fake_component& ep_comp = b.component({.decoders = 4, .target_count = 0});
    core::port* root = nullptr;
    core::port* hbp = nullptr;

    explicit small(bool hb_hdm = true) {
        b.port_driver();
        REQUIRE(b.host.settle());
        root = core::add_root(b.cxl, acpi).value();
        auto* dp = core::add_dport(*root, hb, 0).value();
        hbp = core::add_port(*root, hb, *dp,
                             hb_hdm ? std::optional{hb_comp.block()}
                                    : std::optional{b.component({.hdm = false}).block()})
                  .value();
    }
    core::memdev& mem() { return b.mem(ep, &ep_comp, 1_GiB, 1_GiB); }
};

} // namespace

TEST_CASE("enumeration: decoders found committed in order are enabled, and claim their DPA",
          "[core][hdm]") {
    small s;
    s.ep_comp.preset(0, 0x10'0000'0000, 512_MiB, 1, 256, 0);
    s.ep_comp.preset(1, 0x10'4000'0000, 512_MiB, 2, 4096, 256_MiB); // skip 256 MiB
    auto& md = s.mem();
    REQUIRE(core::enumerate_ports(md));
    auto ep = core::add_endpoint(md);
    REQUIRE(ep);
    auto& d0 = *(*ep)->find_decoder(0);
    auto& d1 = *(*ep)->find_decoder(1);
    REQUIRE(d0.enabled);
    REQUIRE(d0.auto_committed);
    REQUIRE(d0.base == 0x10'0000'0000);
    REQUIRE(d0.size == 512_MiB);
    REQUIRE(*d0.dpa == core::dpa_extent{0, 512_MiB, 0});
    REQUIRE(d0.mode == core::partition_mode::ram);
    REQUIRE(d1.ways == 2);
    REQUIRE(d1.granularity == 4096);
    REQUIRE(*d1.dpa == core::dpa_extent{768_MiB, 256_MiB, 256_MiB});
    REQUIRE_FALSE((*ep)->find_decoder(2)->enabled);
    REQUIRE((*ep)->commit_end() == 1);
    REQUIRE((*ep)->hdm_end() == 1);
}

TEST_CASE("enumeration: a decoder committed out of order fails the port (hdm_invalid)",
          "[core][hdm]") {
    small s;
    s.ep_comp.preset(1, 0x10'0000'0000, 256_MiB, 1, 256, 0);
    auto& md = s.mem();
    REQUIRE(core::enumerate_ports(md));
    auto ep = core::add_endpoint(md);
    REQUIRE(ep.error() == errc::hdm_invalid);
    REQUIRE_THAT(ep.error().detail, Catch::Contains("decoder") && Catch::Contains("out of order"));
    REQUIRE(md.endpoint() == nullptr);
    REQUIRE(s.b.cxl.ports().size() == 2); // the failed endpoint is gone again
}

TEST_CASE("enumeration: a decoder committed with zero size fails the port", "[core][hdm]") {
    small s;
    s.hb_comp.preset(0, 0x10'0000'0000, 0, 1, 256, 3);
    REQUIRE(s.b.host.unbind(*s.hbp));
    auto out = s.b.host.attach(*s.hbp);
    REQUIRE(out.is_failed());
    REQUIRE(out.error() == errc::hdm_invalid);
    REQUIRE_THAT(out.message(), Catch::Contains("zero size"));
    REQUIRE(s.hbp->last_fact()->code == errc::hdm_invalid);
}

TEST_CASE("enumeration: a host bridge without HDM registers and one root port passes through",
          "[core][hdm]") {
    small s{false};
    REQUIRE(s.hbp->is_bound());
    REQUIRE(s.hbp->decoders().size() == 1);
    REQUIRE(s.hbp->decoders()[0]->passthrough);
    REQUIRE(core::commit_decoder(*s.hbp->decoders()[0]));
    REQUIRE(s.hbp->decoders()[0]->enabled);
}

TEST_CASE("commit: in decoder order, else decoder_busy naming the expected decoder",
          "[core][hdm]") {
    small s;
    auto& d0 = *s.hbp->find_decoder(0);
    auto& d1 = *s.hbp->find_decoder(1);
    for (auto* d : {&d0, &d1}) {
        d->base = 0x10'0000'0000 + d->id() * 1_GiB;
        d->size = 256_MiB;
        d->targets = {3};
    }
    auto early = core::commit_decoder(d1);
    REQUIRE(early.error() == errc::decoder_busy);
    REQUIRE_THAT(early.error().detail, Catch::Contains("expected decoder1.0"));
    REQUIRE_FALSE(s.hb_comp.committed(1));
    auto const before = s.b.clock.now();
    REQUIRE(core::commit_decoder(d0));
    REQUIRE(s.b.clock.now() - before == std::chrono::milliseconds{1}); // one poll, 100 us commit
    REQUIRE(core::commit_decoder(d1));
    REQUIRE(s.hb_comp.committed(0));
    REQUIRE(s.hb_comp.committed(1));
    REQUIRE(s.hb_comp.base(1) == 0x10'4000'0000);
    REQUIRE(s.hb_comp.size(1) == 256_MiB);
    REQUIRE((s.hb_comp.targets(1) & 0xFF) == 3);
    REQUIRE(s.hbp->commit_end() == 1);

    REQUIRE(core::reset_decoder(d1));
    REQUIRE_FALSE(d1.enabled);
    REQUIRE_FALSE(s.hb_comp.committed(1));
    REQUIRE(s.hb_comp.size(1) == 0);
    REQUIRE(s.hbp->commit_end() == 0);
}

TEST_CASE("commit: a decoder that never commits times out after 20 ms of virtual time",
          "[core][hdm]") {
    small s;
    s.hb_comp.behaviour = fake_component::on_commit::never;
    auto& d0 = *s.hbp->find_decoder(0);
    d0.base = 0x10'0000'0000;
    d0.size = 256_MiB;
    d0.targets = {3};
    auto const before = s.b.clock.now();
    auto r = core::commit_decoder(d0);
    REQUIRE(r.error() == errc::commit_timeout);
    REQUIRE(s.b.clock.now() - before == core::commit_timeout);
    REQUIRE_FALSE(d0.enabled);
    REQUIRE(spec::hdm::commit::get(s.hb_comp.control(0)) == 0); // Commit cleared again
    REQUIRE(s.hbp->commit_end() == -1);
}

TEST_CASE("commit: Error Not Committed is commit_failed", "[core][hdm]") {
    small s;
    s.hb_comp.behaviour = fake_component::on_commit::error;
    auto& d0 = *s.hbp->find_decoder(0);
    d0.base = 0x10'0000'0000;
    d0.size = 256_MiB;
    d0.targets = {3};
    auto r = core::commit_decoder(d0);
    REQUIRE(r.error() == errc::commit_failed);
    REQUIRE_FALSE(d0.enabled);
    REQUIRE(s.hbp->commit_end() == -1);
}

TEST_CASE("commit: a range that is not 256 MiB aligned is invalid_size, nothing written",
          "[core][hdm]") {
    small s;
    auto& d0 = *s.hbp->find_decoder(0);
    d0.base = 0x10'0000'0000 + 4_KiB;
    d0.size = 256_MiB;
    auto r = core::commit_decoder(d0);
    REQUIRE(r.error() == errc::invalid_size);
    REQUIRE(spec::hdm::commit::get(s.hb_comp.control(0)) == 0);
}
