// The steps of a CXL memory device's PCI probe (Linux drivers/cxl/pci.c, core/pci.c,
// core/mbox.c), as functions a driver composes: map the registers, wait for the media, set
// up the mailbox, send commands, read the device's capacity.
//
//   | step                | Linux                     | time (virtual)                            |
//   |---------------------|---------------------------|-------------------------------------------|
//   | map_registers       | cxl_pci_setup_regs        | -                                         |
//   |                     | (Register Locator)        |                                           |
//   | wait_media_ready    | cxl_await_media_ready     | Memory_Info_Valid 1.5 s, Memory_Active    |
//   |                     |                           | polled each second up to 60 s             |
//   | mailbox::setup      | cxl_pci_setup_mailbox     | Mailbox Interface Ready, polled each      |
//   |                     |                           | 100 ms up to 60 s                         |
//   | mailbox::send       | __cxl_pci_mbox_send_cmd   | doorbell polled up to 2 s                 |
//   | identify,           | cxl_dev_state_identify,   | -                                         |
//   | get_partition_info, | cxl_mem_create_range_info |                                           |
//   | read_capacity       |                           |                                           |
//
//   auto regs = core::map_registers(pdev).value();
//   core::wait_media_ready(pdev, regs.device->memdev, clock);
//   auto mbox = core::mailbox::setup(*regs.device, clock).value();
//   auto cap = core::read_capacity(mbox).value();      // {ram, pmem, ...}
#pragma once

#include <cxlfw/config.hpp>

#include <cxlfw/base/pci.hpp>
#include <cxlfw/clock.hpp>
#include <cxlfw/core/errc.hpp>
#include <cxlfw/core/regs.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/spec/device_regs.hpp>
#include <cxlfw/spec/mailbox.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace cxlfw::core {

using namespace std::chrono_literals;

inline constexpr vtime media_ready_timeout = 60s;   ///< Linux media_ready_timeout
inline constexpr vtime mbox_ready_timeout = 60s;    ///< Linux mbox_ready_timeout
inline constexpr vtime mbox_command_timeout = 2s;   ///< Linux CXL_MAILBOX_TIMEOUT_MS
inline constexpr vtime info_valid_timeout = 1500ms; ///< Linux wait_for_valid

/// The register blocks of a CXL device function.
struct cxl_registers {
    std::optional<reg_block> component; ///< absent: Linux warns and goes on
    std::optional<device_map> device;   ///< status, mailbox, memdev status
};

/// Linux cxl_pci_setup_regs(): the device registers (required when `need_device`) and the
/// component registers (optional) through the Register Locator.
CXLFW_DECL fact_result<cxl_registers> map_registers(base::pci_device const& pdev,
                                                    bool need_device = true);

/// The CXL Device DVSEC of a function, or capability_mismatch naming what is there.
CXLFW_DECL fact_result<hw::cxl_device_dvsec> read_device_dvsec(base::pci_device const& pdev);

/// Linux cxl_await_media_ready(): Memory_Info_Valid on each range (1.5 s), Memory_Active on
/// range 1 polled once a second for `timeout`, then the memdev status says media ready.
CXLFW_DECL fact_result<void> wait_media_ready(base::pci_device const& pdev,
                                              std::optional<reg_block> const& memdev_status,
                                              virtual_clock& clock,
                                              vtime timeout = media_ready_timeout);

/// A device's primary mailbox (Linux struct cxl_mailbox over the PCI transport).
class mailbox {
public:
    /// Linux cxl_pci_setup_mailbox(): wait for Mailbox Interface Ready, then an idle
    /// doorbell; read the payload size (at least 256 bytes, at most 1 MiB used).
    static fact_result<mailbox> setup(device_map const& regs, virtual_clock& clock,
                                      vtime ready_timeout = mbox_ready_timeout);

    std::size_t payload_size() const noexcept { return payload_; }

    /// Linux __cxl_pci_mbox_send_cmd() (CXL 2.0 §8.2.8.4 steps 1-8): returns the output length
    /// copied into `out`.
    fact_result<std::size_t> send(spec::opcode op, std::span<const std::byte> in,
                                  std::span<std::byte> out);

private:
    mailbox(reg_block regs, virtual_clock& clock) : regs_{regs}, clock_{&clock} {}

    /// Poll the doorbell until it clears: 1 us, doubling up to 1 ms, for 2 s in all.
    bool wait_doorbell();

    reg_block regs_;
    virtual_clock* clock_;
    std::size_t payload_ = 0;
};

/// Identify Memory Device (0x4000).
CXLFW_DECL fact_result<spec::mbox::identify> identify(mailbox& mbox);

/// Get Partition Info (0x4100).
CXLFW_DECL fact_result<spec::mbox::partition_info> get_partition_info(mailbox& mbox);

/// A device's capacity as Linux lays it out (cxl_mem_create_range_info): with a partition
/// alignment the active partitions from Get Partition Info, else the fixed volatile-only and
/// persistent-only capacities from Identify.
struct capacity {
    std::uint64_t ram = 0;
    std::uint64_t pmem = 0;
    std::uint64_t total = 0;
    std::uint64_t partition_align = 0;
    std::string firmware;
    std::optional<spec::mbox::identify> identify;        ///< as the device answered
    std::optional<spec::mbox::partition_info> partition; ///< read when partitions are movable
};

CXLFW_DECL fact_result<capacity> read_capacity(mailbox& mbox);

} // namespace cxlfw::core

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/core/impl/pci.ipp>
#endif
