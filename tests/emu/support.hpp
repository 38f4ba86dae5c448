// What the emulator tests share: finding register blocks the way a driver does (Register
// Locator -> BAR -> MMIO window, capability arrays), and a mailbox client that follows Linux
// __cxl_pci_mbox_send_cmd using hw::window reads and writes only.
#pragma once

#include <cxlfw/emu/emu.hpp>
#include <cxlfw/hw/config_space.hpp>
#include <cxlfw/hw/window.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/device_regs.hpp>
#include <cxlfw/spec/mailbox.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace emu_test {

namespace emu = cxlfw::emu;
namespace hw = cxlfw::hw;
namespace spec = cxlfw::spec;
using namespace cxlfw::literals;
using window = hw::window<emu::mmio_bus>;
using cxlfw::is_aligned;

/// The host bridge above a node.
inline emu::node& host_bridge_of(emu::platform& p, emu::node_id id) {
    while (p.at(id).parent() != emu::no_node)
        id = p.at(id).parent();
    return p.at(id);
}

inline std::unique_ptr<emu::platform> make(emu::topology const& t) {
    emu::build_diagnostic diag;
    auto p = emu::build(t, &diag);
    INFO(diag.message());
    REQUIRE(p.has_value());
    return std::move(*p);
}

/// One host bridge, one root port, one device on it.
inline emu::topology single_device(emu::endpoint_spec const& device,
                                   emu::host_bridge_spec hb = {.uid = 7}) {
    emu::topology t;
    auto h = t.add_host_bridge(hb);
    t.add_endpoint(t.add_root_port(h), device);
    return t;
}

/// The base address of register block `id` of a function, found as cxl_pci does.
inline std::uint64_t block_address(emu::node& n, spec::register_block_id id) {
    auto rl = hw::read_register_locator(n.config());
    REQUIRE(rl.has_value());
    auto block = rl->find(id);
    REQUIRE(block.has_value());
    auto at = hw::register_block_address(n.config(), *block);
    REQUIRE(at.has_value());
    return *at;
}

/// The structure of CXL.cache/mem capability `id` in a component block at `base` (Linux
/// cxl_probe_component_regs).
inline std::optional<window> component_cap(emu::platform& p, std::uint64_t base,
                                           spec::component_cap_id id, std::uint64_t length) {
    window block{p.mmio(), base, spec::component::block_size};
    auto cm = block.sub(spec::component::cache_mem_offset, spec::component::cache_mem_size);
    REQUIRE(cm.has_value());
    auto header = cm->read<spec::component::array_header>();
    REQUIRE(header.has_value());
    REQUIRE(spec::component::array_cap_id::get(*header) == spec::component::array_header_id);
    for (unsigned i = 0; i < spec::component::array_size::get(*header); ++i) {
        auto e = cm->read<spec::component::cap_header>(i);
        REQUIRE(e.has_value());
        auto entry = spec::decode_component_cap(*e);
        if (entry.id == static_cast<std::uint16_t>(id))
            return cm->sub(entry.pointer, length).value();
    }
    return std::nullopt;
}

inline window hdm_window(emu::platform& p, std::uint64_t component_base, unsigned decoders) {
    auto w = component_cap(p, component_base, spec::component_cap_id::hdm_decoder,
                           spec::hdm::structure_length(decoders));
    REQUIRE(w.has_value());
    return *w;
}

/// The device register capability `id` (Linux cxl_probe_device_regs).
inline std::optional<window> device_cap(emu::platform& p, std::uint64_t base,
                                        spec::device_cap_id id) {
    window block{p.mmio(), base, 64_KiB};
    auto arr = block.read<spec::device_regs::caps_array>();
    REQUIRE(arr.has_value());
    REQUIRE(spec::device_regs::array_cap_id::get(*arr) == 0);
    for (unsigned i = 0; i < spec::device_regs::cap_count::get(*arr); ++i) {
        auto h = block.read<spec::device_regs::cap_header>(i).value();
        auto off = block.read<spec::device_regs::cap_offset>(i).value();
        auto len = block.read<spec::device_regs::cap_length>(i).value();
        auto e = spec::decode_device_cap(h, off, len);
        if (e.id == static_cast<std::uint16_t>(id)) return window{p.mmio(), base + off, len};
    }
    return std::nullopt;
}

/// A mailbox client: the doorbell protocol as Linux drivers/cxl/pci.c drives it, with virtual-time
/// polling.
class mailbox_client {
public:
    mailbox_client(emu::platform& p, window mbox) : p_{p}, mbox_{mbox} {
        auto caps = mbox_.read<spec::mailbox::capabilities>().value();
        size_ = spec::mailbox::payload_size(caps).value();
    }

    struct reply {
        spec::return_code rc = spec::return_code::success;
        std::vector<std::byte> payload;
        bool timed_out = false;
    };

    std::size_t payload_size() const noexcept { return size_; }

    /// Writes the input, the command (with `length`, which may lie), rings, polls (2 s).
    reply send(std::uint16_t opcode, std::span<const std::byte> input,
               std::optional<std::size_t> length = std::nullopt) {
        namespace m = spec::mailbox;
        reply r;
        if (m::doorbell::get(mbox_.read<m::control>().value())) {
            r.rc = spec::return_code::busy; // Linux: -EBUSY before touching anything
            return r;
        }
        for (std::size_t i = 0; i < input.size(); ++i)
            REQUIRE(
                mbox_.write_raw(m::payload_offset + i, 1, std::to_integer<std::uint8_t>(input[i])));
        std::uint64_t cmd = m::opcode_field::set(0, opcode);
        cmd = m::payload_length::set(cmd, length.value_or(input.size()));
        REQUIRE(mbox_.write<m::command>(cmd));
        REQUIRE(mbox_.write<m::control>(m::doorbell::set(0, 1)));
        if (!wait_doorbell()) {
            r.timed_out = true;
            return r;
        }
        auto status = mbox_.read<m::status>().value();
        r.rc = static_cast<spec::return_code>(m::return_code_field::get(status));
        if (r.rc != spec::return_code::success) return r;
        std::size_t const out = m::payload_length::get(mbox_.read<m::command>().value());
        for (std::size_t i = 0; i < std::min(out, size_); ++i)
            r.payload.push_back(
                static_cast<std::byte>(mbox_.read_raw(m::payload_offset + i, 1).value()));
        return r;
    }
    reply send(spec::opcode op, std::span<const std::byte> input = {}) {
        return send(static_cast<std::uint16_t>(op), input);
    }

    /// Polls the doorbell every 10 us of virtual time, up to 2 s (Linux's timeout).
    bool wait_doorbell() {
        namespace m = spec::mailbox;
        auto const deadline = p_.clock().now() + std::chrono::seconds{2};
        while (m::doorbell::get(mbox_.read<m::control>().value())) {
            if (p_.clock().now() >= deadline) return false;
            p_.clock().advance(std::chrono::microseconds{10});
        }
        return true;
    }

    window& regs() noexcept { return mbox_; }

private:
    emu::platform& p_;
    window mbox_;
    std::size_t size_ = 0;
};

inline mailbox_client mailbox_of(emu::platform& p, emu::node& n) {
    auto base = block_address(n, spec::register_block_id::device);
    auto w = device_cap(p, base, spec::device_cap_id::primary_mailbox);
    REQUIRE(w.has_value());
    return mailbox_client{p, *w};
}

} // namespace emu_test
