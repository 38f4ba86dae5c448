// Out-of-line definitions for <cxlfw/core/pci.hpp>: mapping the registers, waiting for the
// media, the mailbox transport and its commands, and the device's capacity.
#pragma once

#include <cxlfw/core/pci.hpp>

#include <cxlfw/spec/dvsec.hpp>

#include <algorithm>
#include <array>

namespace cxlfw::core {

CXLFW_DECL fact_result<cxl_registers> map_registers(base::pci_device const& pdev,
                                                    bool need_device) {
    cxl_registers r;
    if (auto comp = find_register_block(pdev, spec::register_block_id::component))
        r.component = *comp;
    auto dev = find_register_block(pdev, spec::register_block_id::device);
    if (dev) {
        auto map = probe_device_regs(*dev);
        if (!map) {
            if (need_device) return map.error();
        } else {
            r.device = *map;
        }
    } else if (need_device) {
        return dev.error();
    }
    return r;
}

CXLFW_DECL fact_result<hw::cxl_device_dvsec> read_device_dvsec(base::pci_device const& pdev) {
    hw::config_diagnostic diag;
    auto dv = hw::read_cxl_device_dvsec(pdev.config(), &diag);
    // An access that did not complete says nothing about what the device has.
    if (!dv) return detail::config_fact(pdev, diag, errc::capability_mismatch);
    return *dv;
}

namespace detail {
CXLFW_DECL fact_result<std::uint32_t> range_size_low(base::pci_device const& pdev,
                                                     hw::dvsec_location const& at, unsigned i) {
    auto v = pdev.config().read(at.offset + spec::cxl_dvsec::range_size_low::offset_of(i), 4);
    if (!v) return fact{v.error(), pdev.name() + ": reading DVSEC range " + std::to_string(i)};
    return static_cast<std::uint32_t>(*v);
}
} // namespace detail

CXLFW_DECL fact_result<void> wait_media_ready(base::pci_device const& pdev,
                                              std::optional<reg_block> const& memdev_status,
                                              virtual_clock& clock, vtime timeout) {
    auto dv = read_device_dvsec(pdev);
    if (!dv) return dv.error();
    unsigned const ranges = std::max(1u, static_cast<unsigned>(dv->capability.hdm_count));
    for (unsigned i = 0; i < ranges && i < spec::cxl_dvsec::range_count; ++i) {
        auto v = detail::range_size_low(pdev, dv->location, i);
        if (!v) return v.error();
        if (!spec::cxl_dvsec::memory_info_valid::get(*v)) {
            clock.advance(info_valid_timeout);
            v = detail::range_size_low(pdev, dv->location, i);
            if (!v) return v.error();
            if (!spec::cxl_dvsec::memory_info_valid::get(*v))
                return fact{errc::media_not_ready, pdev.name() + ": range " + std::to_string(i) +
                                                       " Memory_Info_Valid not set after 1.5 s"};
        }
    }
    bool active = false;
    for (vtime waited{}; !active; waited += std::chrono::seconds{1}) {
        auto v = detail::range_size_low(pdev, dv->location, 0);
        if (!v) return v.error();
        active = spec::cxl_dvsec::memory_active::get(*v);
        if (active) break;
        if (waited + std::chrono::seconds{1} > timeout) break;
        clock.advance(std::chrono::seconds{1});
    }
    if (!active)
        return fact{
            errc::media_not_ready,
            pdev.name() + ": Memory_Active not set after " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
                " s"};
    if (!memdev_status) return {};
    auto st = memdev_status->window().read<spec::memdev::status>();
    if (!st) return fact{st.error(), pdev.name() + ": reading the memdev status"};
    auto const s = spec::memdev_status::decode(*st);
    if (s.media != spec::media_status::ready)
        return fact{errc::media_not_ready, pdev.name() + ": memdev media status " +
                                               std::to_string(static_cast<unsigned>(s.media)) +
                                               " (1 = ready)"};
    return {};
}

CXLFW_DECL fact_result<mailbox> mailbox::setup(device_map const& regs, virtual_clock& clock,
                                               vtime ready_timeout) {
    constexpr vtime poll = std::chrono::milliseconds{100};
    auto md = regs.memdev.window();
    bool ready = false;
    for (vtime waited{};; waited += poll) {
        auto st = md.read<spec::memdev::status>();
        if (!st) return fact{st.error(), "reading the memdev status"};
        ready = spec::memdev_status::decode(*st).mailbox_ready;
        if (ready || waited + poll > ready_timeout) break;
        clock.advance(poll);
    }
    if (!ready) return fact{errc::mailbox_timeout, "Mailbox Interface Ready not set in time"};
    mailbox m{regs.mbox, clock};
    auto caps = regs.mbox.window().read<spec::mailbox::capabilities>();
    if (!caps) return fact{caps.error(), "reading the mailbox capabilities"};
    auto size = spec::mailbox::payload_size(*caps);
    if (!size) return fact{errc::registers_absent, "mailbox payload below 256 bytes"};
    if (regs.mbox.size < spec::mailbox::registers_length(*size))
        return fact{errc::registers_absent, "mailbox capability shorter than its payload"};
    m.payload_ = *size;
    if (auto idle = m.wait_doorbell(); !idle)
        return fact{errc::mailbox_busy, "the doorbell stays set"};
    return m;
}

CXLFW_DECL fact_result<std::size_t> mailbox::send(spec::opcode op, std::span<const std::byte> in,
                                                  std::span<std::byte> out) {
    namespace mb = spec::mailbox;
    auto w = regs_.window();
    std::string const name{spec::opcode_name(op)};
    if (in.size() > payload_)
        return fact{errc::invalid_size, name + ": input larger than the payload area"};
    auto ctl = w.read<mb::control>();
    if (!ctl) return fact{ctl.error(), name + ": reading mailbox control"};
    if (mb::doorbell::get(*ctl)) return fact{errc::mailbox_busy, name + ": doorbell set"};
    for (std::size_t i = 0; i < in.size(); i += 4) {
        std::uint32_t v = 0;
        for (std::size_t b = 0; b < 4 && i + b < in.size(); ++b)
            v |= std::uint32_t{std::to_integer<std::uint8_t>(in[i + b])} << (8 * b);
        if (auto ok = w.write_raw(mb::payload_offset + i, 4, v); !ok)
            return fact{ok.error(), name + ": writing the payload"};
    }
    auto cmd = spec::encode_command(op, in.size());
    if (!cmd) return fact{errc::invalid_size, name + ": payload length"};
    if (auto ok = w.write<mb::command>(*cmd); !ok)
        return fact{ok.error(), name + ": writing the command"};
    if (auto ok = w.write<mb::control>(mb::doorbell::set(*ctl, 1)); !ok)
        return fact{ok.error(), name + ": ringing the doorbell"};
    if (auto done = wait_doorbell(); !done)
        return fact{errc::mailbox_timeout, name + ": doorbell still set after 2 s"};
    auto st = w.read<mb::status>();
    if (!st) return fact{st.error(), name + ": reading the status"};
    auto const rc = static_cast<std::uint16_t>(mb::return_code_field::get(*st));
    if (rc != 0)
        return fact{errc::mailbox_failed,
                    name + ": " +
                        std::string{spec::return_code_name(static_cast<spec::return_code>(rc))}};
    auto back = w.read<mb::command>();
    if (!back) return fact{back.error(), name + ": reading the output length"};
    std::size_t const len = std::min<std::size_t>(
        {static_cast<std::size_t>(mb::payload_length::get(*back)), out.size(), payload_});
    for (std::size_t i = 0; i < len; i += 4) {
        auto v = w.read_raw(mb::payload_offset + i, 4);
        if (!v) return fact{v.error(), name + ": reading the payload"};
        for (std::size_t b = 0; b < 4 && i + b < len; ++b)
            out[i + b] = static_cast<std::byte>(*v >> (8 * b));
    }
    return len;
}

CXLFW_DECL bool mailbox::wait_doorbell() {
    auto w = regs_.window();
    vtime step = std::chrono::microseconds{1}, waited{};
    for (;;) {
        auto ctl = w.read<spec::mailbox::control>();
        if (ctl && !spec::mailbox::doorbell::get(*ctl)) return true;
        if (waited >= mbox_command_timeout) return false;
        clock_->advance(step);
        waited += step;
        step = std::min<vtime>(step * 2, std::chrono::milliseconds{1});
    }
}

namespace detail {
/// A command without input whose output decodes to `Payload` (spec/mailbox.hpp).
template <class Payload>
fact_result<Payload> query(mailbox& mbox, spec::opcode op, char const* what) {
    std::array<std::byte, Payload::size> out{};
    auto n = mbox.send(op, {}, out);
    if (!n) return n.error();
    auto decoded = Payload::decode(std::span<const std::byte>{out}.first(*n));
    if (!decoded)
        return fact{errc::mailbox_failed,
                    std::string{what} + ": " + make_error_code(decoded.error()).message()};
    return *decoded;
}
} // namespace detail

CXLFW_DECL fact_result<spec::mbox::identify> identify(mailbox& mbox) {
    return detail::query<spec::mbox::identify>(mbox, spec::opcode::identify, "Identify");
}

CXLFW_DECL fact_result<spec::mbox::partition_info> get_partition_info(mailbox& mbox) {
    return detail::query<spec::mbox::partition_info>(mbox, spec::opcode::get_partition_info,
                                                     "Get Partition Info");
}

CXLFW_DECL fact_result<capacity> read_capacity(mailbox& mbox) {
    auto id = identify(mbox);
    if (!id) return id.error();
    auto bytes = [](std::uint64_t units) -> fact_result<std::uint64_t> {
        auto b = spec::mbox::capacity_bytes(units);
        if (!b) return fact{errc::mailbox_failed, "capacity overflows 64 bits"};
        return *b;
    };
    capacity c;
    c.firmware = std::string{id->fw_revision_text()};
    c.identify = *id;
    auto total = bytes(id->total_capacity);
    auto align = bytes(id->partition_align);
    if (!total || !align) return fact{errc::mailbox_failed, "capacity overflows 64 bits"};
    c.total = *total;
    c.partition_align = *align;
    // The volatile and persistent capacities, in capacity units, from either command.
    auto partitioned = [&](std::uint64_t volatile_units,
                           std::uint64_t persistent_units) -> fact_result<capacity> {
        auto v = bytes(volatile_units);
        auto p = bytes(persistent_units);
        if (!v || !p) return fact{errc::mailbox_failed, "capacity overflows 64 bits"};
        c.ram = *v;
        c.pmem = *p;
        return c;
    };
    if (id->partition_align == 0)
        return partitioned(id->volatile_capacity, id->persistent_capacity);
    auto pi = get_partition_info(mbox);
    if (!pi) return pi.error();
    c.partition = *pi;
    return partitioned(pi->active_volatile, pi->active_persistent);
}

} // namespace cxlfw::core
