// Every rule build() enforces on a topology description, each with its specific error and a
// diagnostic that names the element or window at fault.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace emu_test;

namespace {

struct failure {
    std::error_code code;
    emu::build_diagnostic diag;
};

failure fails(emu::topology const& t) {
    emu::build_diagnostic diag;
    auto p = emu::build(t, &diag);
    REQUIRE_FALSE(p.has_value());
    REQUIRE(diag.code == p.error());
    return {p.error(), diag};
}

emu::endpoint_spec memdev() {
    return emu::endpoint_spec::type3_device(1_GiB, 0);
}

/// A valid host bridge with one root port and one device, to which a test adds one mistake.
emu::topology base() {
    return single_device(memdev(), {.uid = 1});
}

} // namespace

TEST_CASE("build: two host bridges with one _UID", "[emu][build]") {
    auto t = base();
    auto second = t.add_host_bridge({.uid = 1});
    auto f = fails(t);
    REQUIRE(f.code == emu::errc::duplicate_uid);
    REQUIRE(f.diag.element == second);
    REQUIRE_THAT(f.diag.message(), Catch::Contains("_UID 1") && Catch::Contains("element"));
}

TEST_CASE("build: elements where the hierarchy does not allow them", "[emu][build]") {
    SECTION("a root port below an RCH") {
        emu::topology t;
        t.add_root_port(t.add_host_bridge({.uid = 0, .chbs_version = 0}));
        REQUIRE(fails(t).code == emu::errc::invalid_parent);
    }
    SECTION("a device directly below a VH host bridge") {
        emu::topology t;
        t.add_endpoint(t.add_host_bridge({.uid = 0}), memdev());
        REQUIRE(fails(t).code == emu::errc::invalid_parent);
    }
    SECTION("a switch directly below a host bridge") {
        emu::topology t;
        t.add_switch(t.add_host_bridge({.uid = 0}));
        REQUIRE(fails(t).code == emu::errc::invalid_parent);
    }
    SECTION("a root port below nothing") {
        emu::topology t;
        t.add_host_bridge({.uid = 0});
        auto rp = t.add_root_port(emu::topology::none);
        auto f = fails(t);
        REQUIRE(f.code == emu::errc::invalid_parent);
        REQUIRE(f.diag.element == rp);
    }
    SECTION("a root port below a device") {
        auto t = base();
        t.add_root_port(t.elements().size() - 1);
        REQUIRE(fails(t).code == emu::errc::invalid_parent);
    }
}

TEST_CASE("build: a second device below a port", "[emu][build]") {
    auto t = base();
    t.add_endpoint(1, memdev()); // element 1 is the root port
    REQUIRE(fails(t).code == emu::errc::port_occupied);
    emu::topology r;
    auto rch = r.add_host_bridge({.uid = 0, .chbs_version = 0});
    r.add_endpoint(rch, memdev());
    r.add_endpoint(rch, memdev());
    REQUIRE(fails(r).code == emu::errc::port_occupied);
}

TEST_CASE("build: more than 32 devices on one bus", "[emu][build]") {
    emu::topology t;
    auto hb = t.add_host_bridge({.uid = 0});
    for (int i = 0; i < 33; ++i)
        t.add_root_port(hb);
    REQUIRE(fails(t).code == emu::errc::too_many_functions);
    emu::topology s;
    s.add_switch(s.add_root_port(s.add_host_bridge({.uid = 0})), {.downstream_ports = 33});
    REQUIRE(fails(s).code == emu::errc::too_many_functions);
}

TEST_CASE("build: bus numbers run out or collide", "[emu][build]") {
    SECTION("a hierarchy needing more than 256 buses") {
        emu::topology t;
        auto usp =
            t.add_switch(t.add_root_port(t.add_host_bridge({.uid = 0})), {.downstream_ports = 32});
        for (auto dsp : std::vector(t.downstream_ports(usp).begin(), t.downstream_ports(usp).end()))
            t.add_switch(dsp, {.downstream_ports = 8});
        auto f = fails(t);
        REQUIRE(f.code == emu::errc::bus_numbers_exhausted);
        REQUIRE_THAT(f.diag.message(), Catch::Contains("buses needed"));
    }
    SECTION("a root bus too close to 255") {
        emu::topology t;
        auto hb = t.add_host_bridge({.uid = 0, .bus = 254});
        t.add_root_port(hb);
        t.add_root_port(hb);
        REQUIRE(fails(t).code == emu::errc::bus_numbers_exhausted);
    }
    SECTION("two host bridges on overlapping buses") {
        emu::topology t;
        t.add_root_port(t.add_host_bridge({.uid = 0, .bus = 10}));
        t.add_host_bridge({.uid = 1, .bus = 11});
        REQUIRE(fails(t).code == emu::errc::bus_number_conflict);
        // In another segment they do not collide.
        emu::topology u;
        u.add_root_port(u.add_host_bridge({.uid = 0, .bus = 10}));
        u.add_host_bridge({.uid = 1, .segment = 1, .bus = 11});
        REQUIRE(emu::build(u).has_value());
    }
}

TEST_CASE("build: memory sizes", "[emu][build]") {
    auto const bad = [](emu::endpoint_spec s) { return fails(single_device(s)).code; };
    REQUIRE(bad(emu::endpoint_spec::type3_device(0, 0)) == emu::errc::invalid_capacity);
    REQUIRE(bad(emu::endpoint_spec::type3_device(1_GiB + 1_MiB, 0)) == emu::errc::invalid_capacity);
    auto t2 = emu::endpoint_spec::type2_device(512_MiB);
    t2.pmem = 256_MiB;
    REQUIRE(bad(t2) == emu::errc::invalid_capacity);
    auto t1 = emu::endpoint_spec::type1_device();
    t1.ram = 256_MiB;
    REQUIRE(bad(t1) == emu::errc::invalid_capacity);
    auto align = memdev();
    align.partition_align = 1_MiB;
    REQUIRE(bad(align) == emu::errc::invalid_capacity);
    auto fw = memdev();
    fw.firmware_range_base[0] = 1_MiB;
    REQUIRE(bad(fw) == emu::errc::invalid_capacity);
}

TEST_CASE("build: device descriptions their type does not allow", "[emu][build]") {
    auto const bad = [](emu::endpoint_spec s) { return fails(single_device(s)).code; };
    auto no_mailbox = memdev();
    no_mailbox.mailbox = false;
    REQUIRE(bad(no_mailbox) == emu::errc::invalid_device_spec);
    auto t1 = emu::endpoint_spec::type1_device();
    t1.hdm = emu::hdm_spec{};
    REQUIRE(bad(t1) == emu::errc::invalid_device_spec);
    auto fw = memdev();
    fw.fw_revision = "a firmware revision longer than sixteen";
    REQUIRE(bad(fw) == emu::errc::invalid_device_spec);
    auto none = memdev();
    none.type = emu::device_type::none;
    REQUIRE(bad(none) == emu::errc::invalid_device_spec);

    emu::topology v;
    v.add_host_bridge({.uid = 0, .chbs_version = 2});
    REQUIRE(fails(v).code == emu::errc::invalid_device_spec);
    emu::topology s;
    s.add_switch(s.add_root_port(s.add_host_bridge({.uid = 0})), {.downstream_ports = 0});
    REQUIRE(fails(s).code == emu::errc::invalid_device_spec);
    emu::topology r;
    r.add_endpoint(r.add_host_bridge({.uid = 0, .chbs_version = 0}),
                   emu::endpoint_spec::type1_device());
    REQUIRE(fails(r).code == emu::errc::invalid_device_spec);
    emu::topology c;
    c.add_host_bridge({.uid = 0, .chbs_base = 0x1234});
    REQUIRE(fails(c).code == emu::errc::invalid_device_spec);
}

TEST_CASE("build: HDM decoder counts and target counts no register encodes", "[emu][build]") {
    auto three = memdev();
    three.hdm = emu::hdm_spec{.decoders = 3};
    REQUIRE(fails(single_device(three)).code == emu::errc::invalid_hdm_spec);
    REQUIRE(fails(single_device(memdev(), {.uid = 1, .hdm = {.decoders = 64}})).code ==
            emu::errc::invalid_hdm_spec);
    emu::topology t;
    t.add_switch(t.add_root_port(t.add_host_bridge({.uid = 0})), {.hdm = {.target_count = 16}});
    REQUIRE(fails(t).code == emu::errc::invalid_hdm_spec);
}

TEST_CASE("build: mailbox payload sizes outside 256 B .. 1 MiB", "[emu][build]") {
    for (unsigned log2 : {7u, 21u}) {
        auto s = memdev();
        s.payload_log2 = log2;
        REQUIRE(fails(single_device(s)).code == emu::errc::invalid_payload_size);
    }
}

TEST_CASE("build: windows that cannot be encoded", "[emu][build]") {
    auto const bad = [](emu::window_spec w) {
        auto t = base();
        t.add_window(std::move(w));
        return fails(t);
    };
    auto f = bad({.size = 1_GiB, .targets = {1, 1, 1, 1, 1}});
    REQUIRE(f.code == emu::errc::invalid_window);
    REQUIRE(f.diag.window == 0);
    REQUIRE_THAT(f.diag.message(), Catch::Contains("window 0"));
    REQUIRE(bad({.size = 1_GiB, .targets = {}}).code == emu::errc::invalid_window);
    REQUIRE(bad({.size = 1_GiB, .targets = {1}, .granularity = 3000}).code ==
            emu::errc::invalid_window);
    REQUIRE(bad({.size = 0, .targets = {1}}).code == emu::errc::invalid_window);
    REQUIRE(bad({.size = 1_GiB + 1, .targets = {1}}).code == emu::errc::invalid_window);
    REQUIRE(bad({.base = 1_GiB + 4_KiB, .size = 1_GiB, .targets = {1}}).code ==
            emu::errc::invalid_window);
    REQUIRE(bad({.size = 1_GiB, .targets = {9}}).code == emu::errc::unknown_window_target);
}

TEST_CASE("build: a window listing one host bridge twice", "[emu][build][topology]") {
    auto t = base();
    t.add_window({.size = 1_GiB, .targets = {1}});
    t.add_window({.size = 2_GiB, .targets = {1, 1}});
    auto f = fails(t);
    REQUIRE(f.code == emu::errc::duplicate_window_target);
    REQUIRE(f.diag.window == 1);
    REQUIRE(f.diag.element == emu::build_diagnostic::none);
    REQUIRE_THAT(f.diag.message(),
                 Catch::Contains("window 1") && Catch::Contains("UID 1 at targets 0 and 1"));
    // Four ways over two host bridges, each named twice: the first repeat is reported.
    auto u = base();
    u.add_host_bridge({.uid = 2});
    u.add_window({.size = 4_GiB, .targets = {1, 2, 2, 1}});
    REQUIRE_THAT(fails(u).diag.message(), Catch::Contains("UID 2 at targets 1 and 2"));
}

TEST_CASE("build: two CHBS on one register block", "[emu][build][topology]") {
    SECTION("both given outside the MMIO window") {
        emu::topology t;
        for (std::uint32_t uid : {0u, 1u})
            t.add_endpoint(t.add_root_port(t.add_host_bridge({.uid = uid, .chbs_base = 4_GiB})),
                           memdev());
        auto f = fails(t);
        REQUIRE(f.code == emu::errc::address_overlap);
        REQUIRE_THAT(f.diag.message(),
                     Catch::Contains("the CHBCR (CHBS base) of pci0000:00 (UID 0) "
                                     "[0x100000000-0x10000ffff]") &&
                         Catch::Contains("the CHBCR (CHBS base) of pci0000:02 (UID 1)"));
    }
    SECTION("one given where another host bridge's CHBCR was allocated") {
        emu::topology t = base(); // UID 1's CHBCR is allocated at mmio_base
        t.add_host_bridge({.uid = 2, .chbs_base = t.mmio_base});
        auto f = fails(t);
        REQUIRE(f.code == emu::errc::address_overlap);
        REQUIRE_THAT(f.diag.message(), Catch::Contains("(UID 1)") && Catch::Contains("(UID 2)"));
    }
    SECTION("one given inside the MMIO window, where a later BAR could land") {
        emu::topology t = base();
        t.add_host_bridge({.uid = 2, .chbs_base = t.mmio_base + 1_GiB});
        auto f = fails(t);
        REQUIRE(f.code == emu::errc::address_overlap);
        REQUIRE(f.diag.element == t.host_bridge_elements().back());
        REQUIRE_THAT(f.diag.message(),
                     Catch::Contains("CHBS base of UID 2") && Catch::Contains("the MMIO window"));
    }
}

TEST_CASE("build: a window over a BAR names the BAR", "[emu][build][topology]") {
    // The MMIO window starts 64 KiB below a 256 MiB boundary: the host bridge's CHBCR fills
    // those 64 KiB, the device's BAR comes after, inside the window's first 256 MiB.
    auto t = base();
    t.mmio_base = 64_TiB + 256_MiB - 64_KiB;
    t.add_window({.base = 64_TiB + 256_MiB, .size = 1_GiB, .targets = {1}});
    auto f = fails(t);
    REQUIRE(f.code == emu::errc::address_overlap);
    REQUIRE(f.diag.window == 0);
    REQUIRE_THAT(f.diag.message(),
                 Catch::Contains("BAR0 of 0000:") && Catch::Contains("window 0 [0x400010000000-"));
}

TEST_CASE("build: overlapping address ranges", "[emu][build]") {
    auto t = base();
    t.add_window({.base = 64_GiB, .size = 4_GiB, .targets = {1}});
    t.add_window({.base = 66_GiB, .size = 4_GiB, .targets = {1}});
    auto f = fails(t);
    REQUIRE(f.code == emu::errc::address_overlap);
    REQUIRE_THAT(f.diag.message(),
                 Catch::Contains("window 0 [0x1000000000-0x10ffffffff] and window 1 ["));

    emu::topology c = single_device(memdev(), {.uid = 1, .chbs_base = 64_GiB});
    c.add_window({.base = 64_GiB, .size = 4_GiB, .targets = {1}});
    REQUIRE(fails(c).code == emu::errc::address_overlap);

    auto m = base();
    m.add_window({.base = m.mmio_base, .size = 1_GiB, .targets = {1}});
    REQUIRE(fails(m).code == emu::errc::address_overlap);
}

TEST_CASE("build: an MMIO window too small for the BARs", "[emu][build]") {
    auto t = base();
    t.mmio_size = 64_KiB; // the CHBCR fits, the device's BAR does not
    auto f = fails(t);
    REQUIRE(f.code == emu::errc::mmio_exhausted);
    REQUIRE_THAT(f.diag.message(), Catch::Contains("more bytes"));
}
