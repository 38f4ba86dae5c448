// A ready machine, as `modprobe cxl_test` gives one: an emulated platform built from a
// topology, a host on its clock with the platform's devices and the stock drivers, settled.
// Tests, examples, benchmarks and cxlfw-probe start here instead of copying the steps.
//
//   auto m = testing::machine::boot(emu::cxl_test_topology()).value();
//   m->load<my_accel>();                      // register a composed driver, settle
//   std::puts(m->describe("0000:17:00.0").c_str()); // "0000:17:00.0: bound, CXL"
//
// | option        | default                 | what                                          |
// |---------------|-------------------------|-----------------------------------------------|
// | host          | {}                      | the host's options (deferral mode, workers)   |
// | seed          | none: node id order     | the platform's device arrival order           |
// | stock         | acpi, port, mem, pci    | which stock drivers, in load order            |
// | drivers_first | false                   | load the stock drivers before devices arrive  |
// | populate      | true                    | add the platform's devices at all             |
// | settle        | true                    | run what is due before boot() returns         |
#pragma once

#include <cxlfw/base/host.hpp>
#include <cxlfw/config.hpp>
#include <cxlfw/drivers/stock.hpp>
#include <cxlfw/policy/compose.hpp>
#include <cxlfw/result.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Only declared here, so that a driver's translation unit that boots a machine does not parse
// the emulator: include <cxlfw/emu/platform.hpp> or <cxlfw/testing/platform.hpp> to use them.
namespace cxlfw::emu {
class platform;
class topology;
} // namespace cxlfw::emu

namespace cxlfw::core {
class cxl_core;
class memdev;
} // namespace cxlfw::core

namespace cxlfw::testing {

class platform_host;

struct machine_options {
    base::host_options host{};
    std::optional<std::uint64_t> seed{};
    std::vector<drivers::stock_driver> stock{drivers::all_stock_drivers.begin(),
                                             drivers::all_stock_drivers.end()};
    bool drivers_first = false;
    bool populate = true;
    bool settle = true;
};

class machine {
public:
    /// Builds the platform and boots it. On error, `why` (if given) names the step that
    /// failed and how: "building the platform: window 1: ...", "settling: ...".
    static result<std::unique_ptr<machine>>
    boot(emu::topology const& t, machine_options const& o = {}, std::string* why = nullptr);
    /// The host goes first (its drivers unbound, its devices removed), then the platform.
    ~machine();
    machine(machine const&) = delete;
    machine& operator=(machine const&) = delete;

    CXLFW_DECL base::host& host() noexcept;
    CXLFW_DECL core::cxl_core& cxl() noexcept;
    CXLFW_DECL emu::platform& platform() noexcept;
    CXLFW_DECL platform_host& glue() noexcept;

    /// A device by name, or nullptr.
    base::device* find(std::string_view name) const;
    /// The first PCI function with these ids, or nullptr.
    base::device* find_pci(std::uint16_t vendor, std::uint16_t device) const;
    /// The memdev whose parent is the device named `device`, or nullptr.
    core::memdev* memdev_of(std::string_view device) const;

    /// Register composed driver D (cxlfw::register_driver<D>) and settle.
    template <class D>
    status load() {
        if (auto drv = register_driver<D>(host()); !drv) return drv.error();
        return host().settle();
    }

    /// One line: the device's state, what it waits on or why it failed, and for a device of a
    /// composed driver its mode and reason ("0000:17:00.0: bound, PCIe only (...)").
    std::string describe(std::string_view device) const;

private:
    explicit machine(std::unique_ptr<emu::platform> p, base::host_options opts);

    std::unique_ptr<emu::platform> platform_;
    std::unique_ptr<platform_host> glue_;
};

} // namespace cxlfw::testing

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/testing/impl/machine.ipp>
#endif
