// PCI and platform matching, the error category, and every class of bad input.
#include "support.hpp"

#include <cxlfw/hw/bus.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <string>

using namespace cxlfw;
using namespace cxlfw::base;
using namespace cxlfw::base::testing;

namespace {

/// A 256-byte type-0 header with the given identity.
struct config_space {
    explicit config_space(pci_ident id) {
        hw::writable_memory_bus bus{bytes};
        (void)bus.write(0x00, 2, id.vendor);
        (void)bus.write(0x02, 2, id.device);
        (void)bus.write(0x08, 4, (std::uint64_t{id.class_code} << 8) | id.revision);
    }
    std::array<std::byte, 256> bytes{};
    hw::memory_bus bus{std::span<std::byte const>{bytes}};
};

struct probe_counter final : pci_driver {
    probe_counter(std::string name, std::vector<pci_id> ids, std::vector<pci_class_id> classes)
        : pci_driver{std::move(name), std::move(ids), std::move(classes)} {}
    probe_outcome probe(device& dev) override {
        auto& pdev = dynamic_cast<pci_device&>(dev);
        seen = pdev.ident();
        return bound();
    }
    pci_ident seen{};
};

} // namespace

TEST_CASE("PCI ids match vendor and device with wildcards, classes under a mask", "[base][pci]") {
    STATIC_REQUIRE(pci_id{0x8086, 0x0d93}.matches(0x8086, 0x0d93));
    STATIC_REQUIRE_FALSE(pci_id{0x8086, 0x0d93}.matches(0x8086, 0x0d94));
    STATIC_REQUIRE(pci_id{0x1924, pci_id::any}.matches(0x1924, 0x0b03));
    STATIC_REQUIRE(pci_id{}.matches(0x1234, 0x5678));
    STATIC_REQUIRE(pci_class_id{0x050210, 0xFFFFFF}.matches(0x050210));
    STATIC_REQUIRE_FALSE(pci_class_id{0x050210, 0xFFFFFF}.matches(0x050200));
    STATIC_REQUIRE(pci_class_id{0x050000, 0xFF0000}.matches(0x0502FF)); // any memory controller
    STATIC_REQUIRE_FALSE(pci_class_id{0x050000, 0xFF0000}.matches(0x060400));
}

TEST_CASE("the pci bus binds by class code read from config space", "[base][pci]") {
    config_space mem{{0x8086, 0x0d93, 0x050210, 0x01}};
    config_space nic{{0x1924, 0x0b03, 0x020000, 0x02}};
    host h;
    auto& cxl =
        *h.register_driver(std::make_unique<probe_counter>("cxl_pci", std::vector<pci_id>{},
                                                           std::vector{pci_class_id{0x050210}}))
             .value();
    auto& sfc = *h.register_driver(std::make_unique<probe_counter>(
                                       "sfc", std::vector{pci_id{0x1924, pci_id::any}},
                                       std::vector<pci_class_id>{}))
                     .value();

    auto mem_id = read_pci_ident(mem.bus);
    REQUIRE(mem_id.has_value());
    REQUIRE(*mem_id == pci_ident{0x8086, 0x0d93, 0x050210, 0x01});
    auto& d0 =
        *h.add_device(std::make_unique<pci_device>("0000:0d:00.0", *mem_id, mem.bus)).value();
    auto& d1 = *h.add_device(std::make_unique<pci_device>("0000:0e:00.0",
                                                          read_pci_ident(nic.bus).value(), nic.bus))
                    .value();
    REQUIRE(h.settle());
    REQUIRE(d0.bound_driver() == &cxl);
    REQUIRE(d1.bound_driver() == &sfc);
    REQUIRE(cxl.seen.class_code == 0x050210);
    REQUIRE(sfc.seen.revision == 0x02);
    REQUIRE(d0.config().read(0x00, 2).value() == 0x8086);
}

TEST_CASE("a pci device exposes the BARs its creator set", "[base][pci]") {
    config_space cfg{{0x8086, 0x0d93, 0x050210, 0}};
    std::array<std::byte, 0x1000> regs{};
    hw::writable_memory_bus mmio{regs};
    pci_device dev{"0000:0d:00.0", {0x8086, 0x0d93, 0x050210, 0}, cfg.bus};
    REQUIRE_FALSE(dev.bar(0));
    REQUIRE(dev.set_bar(2, {mmio, 0xfe00'0000, regs.size()}));
    REQUIRE(dev.bar(2));
    REQUIRE(dev.bar(2)->base == 0xfe00'0000);
    REQUIRE(dev.bar(2)->size == 0x1000);
    REQUIRE(dev.bar(2)->bus.write(0x10, 4, 0xabcd));
    REQUIRE(std::to_integer<int>(regs[0x10]) == 0xcd);
    REQUIRE(dev.set_bar(6, {mmio, 0, 0}).error() == errc::bar_out_of_range);
    REQUIRE_FALSE(dev.bar(6));
}

TEST_CASE("config space without a function, or too short, is refused", "[base][pci]") {
    std::array<std::byte, 256> ff;
    ff.fill(std::byte{0xFF});
    hw::memory_bus absent{std::span<std::byte const>{ff}};
    REQUIRE(read_pci_ident(absent).error() == errc::no_pci_function);
    std::array<std::byte, 4> tiny{std::byte{0x86}, std::byte{0x80}};
    hw::memory_bus truncated{std::span<std::byte const>{tiny}};
    REQUIRE(read_pci_ident(truncated).error() == hw::errc::out_of_range);
}

TEST_CASE("platform drivers match by hardware id or name", "[base][platform]") {
    struct root final : platform_driver {
        root() : platform_driver{"cxl_acpi", {"ACPI0017"}} {}
        probe_outcome probe(device&) override { return bound(); }
    };
    struct by_name final : platform_driver {
        by_name() : platform_driver{"cxl_mock", {}} {}
        probe_outcome probe(device&) override { return bound(); }
    };
    host h;
    auto& acpi = *h.register_driver(std::make_unique<root>()).value();
    auto& mock = *h.register_driver(std::make_unique<by_name>()).value();
    auto& r = *h.add_device(std::make_unique<platform_device>("ACPI0017:00", "ACPI0017")).value();
    auto& m = *h.add_device(std::make_unique<platform_device>("cxl_mock")).value();
    auto& x = *h.add_device(std::make_unique<platform_device>("PNP0A08:00", "PNP0A08")).value();
    REQUIRE(h.settle());
    REQUIRE(r.bound_driver() == &acpi);
    REQUIRE(m.bound_driver() == &mock);
    REQUIRE(x.state() == device_state::unbound);
}

TEST_CASE("the base error category names every value", "[base][errc]") {
    REQUIRE(std::string{make_error_code(errc::no_driver).category().name()} == "cxlfw.base");
    constexpr auto& messages = error_enum_traits<errc>::messages;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        auto code = make_error_code(static_cast<errc>(i + 1));
        INFO(code.value());
        REQUIRE(messages[i].first == static_cast<errc>(i + 1)); // table in enum order
        REQUIRE(code.message() == messages[i].second);
        REQUIRE(code.message().find("cxlfw.base error") == std::string::npos);
    }
    REQUIRE(make_error_code(static_cast<errc>(99)).message() == "cxlfw.base error 99");
}

TEST_CASE("bad additions get specific errors", "[base][errc]") {
    bed b;
    config_space cfg{{0x8086, 0x0d93, 0x050210, 0}};
    host& h = b.host;

    REQUIRE(h.add_device(std::unique_ptr<test_device>{}).error() == errc::null_object);
    REQUIRE(h.add_device(std::make_unique<test_device>("")).error() == errc::invalid_name);
    REQUIRE(h.add_device(std::make_unique<device>("x", "usb")).error() == errc::unknown_bus);
    REQUIRE(h.add_device(std::make_unique<device>("x", "pci")).error() == errc::wrong_device_type);
    REQUIRE(h.add_device(std::make_unique<pci_device>(
                             "wide", pci_ident{0x8086, 0x0d93, 0x1050210, 0}, cfg.bus))
                .error() == errc::class_code_out_of_range);
    REQUIRE(h.add_device(std::make_unique<test_device>("x")));
    REQUIRE(h.add_device(std::make_unique<test_device>("x")).error() == errc::device_exists);
    bed other;
    auto& foreign = other.add("foreign");
    REQUIRE(h.add_device(std::make_unique<test_device>("y"), &foreign).error() ==
            errc::parent_absent);
    REQUIRE(h.find_device("y") == nullptr);

    REQUIRE(h.register_driver(std::unique_ptr<test_driver>{}).error() == errc::null_object);
    REQUIRE(h.register_driver(std::make_unique<test_driver>("", bind_always)).error() ==
            errc::invalid_name);
    struct usb_driver final : driver {
        usb_driver() : driver{"usb-storage", "usb"} {}
        probe_outcome probe(device&) override { return bound(); }
    };
    REQUIRE(h.register_driver(std::make_unique<usb_driver>()).error() == errc::unknown_bus);
    REQUIRE(h.register_driver(std::make_unique<test_driver>("d", bind_always)));
    REQUIRE(h.register_driver(std::make_unique<test_driver>("d", bind_always)).error() ==
            errc::driver_exists);

    REQUIRE(h.add_bus(std::make_unique<test_bus>()).error() == errc::bus_exists);
    REQUIRE(h.add_bus(std::unique_ptr<test_bus>{}).error() == errc::null_object);
    REQUIRE(h.find_bus("test") != nullptr);
    REQUIRE(h.find_bus("usb") == nullptr);
}
