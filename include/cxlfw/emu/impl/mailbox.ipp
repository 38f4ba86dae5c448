// Out-of-line definitions for <cxlfw/emu/mailbox.hpp>: what each command of the set answers.
#pragma once

#include <cxlfw/emu/mailbox.hpp>

#include <algorithm>

namespace cxlfw::emu {

namespace detail {
CXLFW_DECL std::array<std::byte, cel_size> cel_bytes() {
    std::array<std::byte, cel_size> out{};
    (void)spec::mbox::command_effects_log::encode(command_effects_log, out);
    return out;
}
} // namespace detail

CXLFW_DECL command_outcome execute_command(memdev_identity const& id, std::uint16_t opcode,
                                           std::span<std::byte> payload, std::size_t input_length) {
    using spec::return_code;
    namespace mb = spec::mbox;
    auto const expect_input = [&](std::size_t n) { return input_length == n; };
    auto const done = [](spec::checked<std::size_t> n) {
        return n ? command_outcome{return_code::success, *n}
                 : command_outcome{return_code::internal_error, 0};
    };
    switch (static_cast<spec::opcode>(opcode)) {
    case spec::opcode::get_supported_logs: {
        if (!expect_input(0)) return {return_code::invalid_payload_length, 0};
        mb::log_entry const logs[] = {{spec::cel_log_uuid, static_cast<std::uint32_t>(cel_size)}};
        return done(mb::supported_logs::encode(logs, payload));
    }
    case spec::opcode::get_log: {
        if (!expect_input(mb::get_log::size)) return {return_code::invalid_payload_length, 0};
        auto req = mb::get_log::decode(payload.first(mb::get_log::size));
        if (!req) return {return_code::invalid_input, 0};
        if (req->log != spec::cel_log_uuid) return {return_code::invalid_log, 0};
        if (std::uint64_t{req->offset} + req->length > cel_size || req->length > payload.size())
            return {return_code::invalid_input, 0};
        auto const cel = detail::cel_bytes();
        std::copy_n(cel.begin() + req->offset, req->length, payload.begin());
        return {return_code::success, req->length};
    }
    case spec::opcode::identify: {
        if (!expect_input(0)) return {return_code::invalid_payload_length, 0};
        mb::identify r;
        r.fw_revision = id.fw_revision;
        r.total_capacity = (id.ram + id.pmem) / mb::capacity_unit;
        if (id.partition_align == 0) {
            r.volatile_capacity = id.ram / mb::capacity_unit;
            r.persistent_capacity = id.pmem / mb::capacity_unit;
        }
        r.partition_align = id.partition_align / mb::capacity_unit;
        r.lsa_size = id.lsa_size;
        return done(r.encode_to(payload));
    }
    case spec::opcode::get_partition_info: {
        if (!expect_input(0)) return {return_code::invalid_payload_length, 0};
        mb::partition_info r{.active_volatile = id.ram / mb::capacity_unit,
                             .active_persistent = id.pmem / mb::capacity_unit};
        return done(r.encode_to(payload));
    }
    case spec::opcode::get_health_info: {
        if (!expect_input(0)) return {return_code::invalid_payload_length, 0};
        mb::health_info r{.device_temperature = 25};
        return done(r.encode_to(payload));
    }
    default:
        return {return_code::unsupported, 0};
    }
}

} // namespace cxlfw::emu
