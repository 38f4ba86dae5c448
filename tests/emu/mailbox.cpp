// The mailbox, driven through the doorbell protocol with hw::window reads and writes only, the
// payloads decoded with spec/mailbox.hpp: every supported command, every malformed command's
// return code, a fault-injected command.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <array>

using namespace emu_test;
namespace mb = spec::mbox;
using rc = spec::return_code;

namespace {

struct mbox_rig {
    std::unique_ptr<emu::platform> p;
    emu::node* ep;
    explicit mbox_rig(emu::endpoint_spec s = memdev()) {
        p = make(single_device(s));
        ep = &p->at(p->endpoints().front());
    }
    static emu::endpoint_spec memdev() {
        auto s = emu::endpoint_spec::type3_device(1_GiB, 1_GiB);
        s.lsa_size = 128_KiB;
        return s;
    }
};

std::array<std::byte, mb::get_log::size> get_log_input(spec::uuid log, std::uint32_t offset,
                                                       std::uint32_t length) {
    return mb::get_log{.log = log, .offset = offset, .length = length}.encode().value();
}

} // namespace

TEST_CASE("the device register block lists status, mailbox and memdev capabilities",
          "[emu][mailbox]") {
    mbox_rig r;
    auto base = block_address(*r.ep, spec::register_block_id::device);
    REQUIRE(base == r.ep->device_regs_base());
    window block{r.p->mmio(), base, 64_KiB};
    auto arr = block.read<spec::device_regs::caps_array>().value();
    REQUIRE(spec::device_regs::cap_count::get(arr) == 3);
    auto status = device_cap(*r.p, base, spec::device_cap_id::device_status).value();
    auto mbox = device_cap(*r.p, base, spec::device_cap_id::primary_mailbox).value();
    auto memdev = device_cap(*r.p, base, spec::device_cap_id::memdev).value();
    REQUIRE(status.base() == base + 0x80);
    REQUIRE(mbox.base() == base + 0x88);
    REQUIRE(mbox.size() == spec::mailbox::registers_length(2048));
    REQUIRE(memdev.base() == mbox.base() + mbox.size());
    REQUIRE(status.read<spec::device_status::event_status>().value() == 0);
    auto ms = spec::memdev_status::decode(memdev.read<spec::memdev::status>().value());
    REQUIRE(ms.mailbox_ready);
    REQUIRE(ms.media == spec::media_status::ready);
    REQUIRE_FALSE(ms.device_fatal);
    auto client = mailbox_of(*r.p, *r.ep);
    REQUIRE(client.payload_size() == 2048);
    REQUIRE_FALSE(r.p->mailbox_allocated(r.ep->id())); // nothing allocated until used
}

TEST_CASE("Get Supported Logs lists the CEL, Get Log returns it", "[emu][mailbox]") {
    mbox_rig r;
    auto m = mailbox_of(*r.p, *r.ep);
    auto logs = m.send(spec::opcode::get_supported_logs);
    REQUIRE(logs.rc == rc::success);
    auto sl = mb::supported_logs::decode(logs.payload).value();
    REQUIRE(sl.size() == 1);
    REQUIRE(sl[0].log == spec::cel_log_uuid);
    auto const cel_size = sl[0].log_size;
    REQUIRE(cel_size == 5 * mb::cel_entry::size);

    // Read the CEL in two pieces, as cxl_xfer_log does with a small payload.
    std::vector<std::byte> cel;
    for (std::uint32_t off = 0; off < cel_size; off += 8) {
        auto const len = std::min<std::uint32_t>(8, cel_size - off);
        auto in = get_log_input(spec::cel_log_uuid, off, len);
        auto part = m.send(spec::opcode::get_log, in);
        REQUIRE(part.rc == rc::success);
        REQUIRE(part.payload.size() == len);
        cel.insert(cel.end(), part.payload.begin(), part.payload.end());
    }
    auto log = mb::command_effects_log::decode(cel).value();
    std::vector<spec::opcode> ops;
    for (auto e : log)
        ops.push_back(e.opcode);
    REQUIRE(ops == std::vector<spec::opcode>{spec::opcode::get_supported_logs,
                                             spec::opcode::get_log, spec::opcode::identify,
                                             spec::opcode::get_partition_info,
                                             spec::opcode::get_health_info});
    REQUIRE(r.p->mailbox_allocated(r.ep->id()));
    REQUIRE(r.p->counts(r.ep->id()).commands == 4); // Get Supported Logs + 3 pieces
}

TEST_CASE("Identify, Get Partition Info and Get Health Info describe the device",
          "[emu][mailbox]") {
    mbox_rig r;
    auto m = mailbox_of(*r.p, *r.ep);
    auto id = m.send(spec::opcode::identify);
    REQUIRE(id.rc == rc::success);
    REQUIRE(id.payload.size() == mb::identify::size);
    auto ident = mb::identify::decode(id.payload).value();
    REQUIRE(mb::capacity_bytes(ident.total_capacity).value() == 2_GiB);
    REQUIRE(mb::capacity_bytes(ident.partition_align).value() == 256_MiB);
    REQUIRE(ident.volatile_capacity == 0); // partitionable: see Get Partition Info
    REQUIRE(ident.persistent_capacity == 0);
    REQUIRE(ident.lsa_size == 128_KiB);
    REQUIRE(ident.fw_revision_text() == "cxlfw-emu 1.0");

    auto pi = m.send(spec::opcode::get_partition_info);
    REQUIRE(pi.rc == rc::success);
    auto parts = mb::partition_info::decode(pi.payload).value();
    REQUIRE(mb::capacity_bytes(parts.active_volatile).value() == 1_GiB);
    REQUIRE(mb::capacity_bytes(parts.active_persistent).value() == 1_GiB);

    auto hi = m.send(spec::opcode::get_health_info);
    REQUIRE(hi.rc == rc::success);
    auto health = mb::health_info::decode(hi.payload).value();
    REQUIRE(health.health_status == 0);
    REQUIRE(health.dirty_shutdown_count == 0);

    // A device with fixed partitions reports them in Identify instead.
    auto fixed = mbox_rig::memdev();
    fixed.partition_align = 0;
    mbox_rig f{fixed};
    auto fm = mailbox_of(*f.p, *f.ep);
    auto fid = mb::identify::decode(fm.send(spec::opcode::identify).payload).value();
    REQUIRE(fid.partition_align == 0);
    REQUIRE(mb::capacity_bytes(fid.volatile_capacity).value() == 1_GiB);
    REQUIRE(mb::capacity_bytes(fid.persistent_capacity).value() == 1_GiB);
}

TEST_CASE("the doorbell stays set for the command latency", "[emu][mailbox]") {
    mbox_rig r;
    auto m = mailbox_of(*r.p, *r.ep);
    namespace mr = spec::mailbox;
    auto& w = m.regs();
    REQUIRE(w.write<mr::command>(spec::encode_command(spec::opcode::identify, 0).value()));
    REQUIRE(w.write<mr::control>(mr::doorbell::mask));
    REQUIRE(mr::doorbell::get(w.read<mr::control>().value()));
    // While the doorbell is set the device owns command and payload: writes are dropped.
    auto const before = w.read<mr::command>().value();
    REQUIRE(w.write<mr::command>(0xDEAD));
    REQUIRE(w.read<mr::command>().value() == before);
    r.p->clock().advance(r.p->timing().mailbox_command);
    REQUIRE_FALSE(mr::doorbell::get(w.read<mr::control>().value()));
    REQUIRE(mr::return_code_field::get(w.read<mr::status>().value()) == 0);
    REQUIRE(mr::payload_length::get(w.read<mr::command>().value()) == mb::identify::size);
}

TEST_CASE("malformed commands get their return codes", "[emu][mailbox]") {
    mbox_rig r;
    auto m = mailbox_of(*r.p, *r.ep);
    std::array<std::byte, 8> junk{};

    SECTION("an opcode the device does not implement is Unsupported") {
        REQUIRE(m.send(spec::opcode::get_fw_info).rc == rc::unsupported);
        REQUIRE(m.send(0xCAFE, {}).rc == rc::unsupported);
    }
    SECTION("input to a command that takes none is Invalid Payload Length") {
        REQUIRE(m.send(spec::opcode::identify, junk).rc == rc::invalid_payload_length);
        REQUIRE(m.send(spec::opcode::get_supported_logs, junk).rc == rc::invalid_payload_length);
    }
    SECTION("Get Log with a short input is Invalid Payload Length") {
        REQUIRE(m.send(spec::opcode::get_log, junk).rc == rc::invalid_payload_length);
    }
    SECTION("an input length beyond the payload size is Invalid Payload Length") {
        auto reply =
            m.send(static_cast<std::uint16_t>(spec::opcode::identify), {}, m.payload_size() + 1);
        REQUIRE(reply.rc == rc::invalid_payload_length);
    }
    SECTION("Get Log of an unknown log is Invalid Log") {
        auto in = get_log_input(spec::vendor_debug_log_uuid, 0, 4);
        REQUIRE(m.send(spec::opcode::get_log, in).rc == rc::invalid_log);
    }
    SECTION("Get Log past the end of the log, or longer than the payload, is Invalid Input") {
        auto past = get_log_input(spec::cel_log_uuid, 16, 8);
        REQUIRE(m.send(spec::opcode::get_log, past).rc == rc::invalid_input);
        auto huge = get_log_input(spec::cel_log_uuid, 0, 0x10000);
        REQUIRE(m.send(spec::opcode::get_log, huge).rc == rc::invalid_input);
    }
    SECTION("ringing the doorbell while it is set completes the command with Busy") {
        namespace mr = spec::mailbox;
        auto& w = m.regs();
        REQUIRE(w.write<mr::command>(spec::encode_command(spec::opcode::identify, 0).value()));
        REQUIRE(w.write<mr::control>(mr::doorbell::mask));
        REQUIRE(w.write<mr::control>(mr::doorbell::mask)); // the violation
        REQUIRE(m.wait_doorbell());
        REQUIRE(mr::return_code_field::get(w.read<mr::status>().value()) ==
                static_cast<unsigned>(rc::busy));
        REQUIRE(mr::payload_length::get(w.read<mr::command>().value()) == 0);
        // The client, which checks the doorbell first, then works again.
        REQUIRE(m.send(spec::opcode::identify).rc == rc::success);
    }
    // None of these broke the mailbox.
    REQUIRE(m.send(spec::opcode::get_health_info).rc == rc::success);
}

TEST_CASE("a doorbell before Mailbox Interface Ready is Retry Required", "[emu][mailbox]") {
    auto s = mbox_rig::memdev();
    s.ready.mailbox_ready = std::chrono::seconds{1};
    mbox_rig r{s};
    auto m = mailbox_of(*r.p, *r.ep);
    REQUIRE(m.send(spec::opcode::identify).rc == rc::retry_required);
    r.p->clock().advance(std::chrono::seconds{1});
    REQUIRE(m.send(spec::opcode::identify).rc == rc::success);
}

TEST_CASE("a fault-injected command completes with the injected return code",
          "[emu][mailbox][fault]") {
    mbox_rig r;
    auto m = mailbox_of(*r.p, *r.ep);
    auto rule = r.p->faults().fail_command(r.ep->id(), spec::opcode::get_partition_info,
                                           rc::media_disabled);
    REQUIRE(m.send(spec::opcode::get_partition_info).rc == rc::media_disabled);
    REQUIRE(m.send(spec::opcode::identify).rc == rc::success); // other opcodes unaffected
    REQUIRE(r.p->faults().injected() == 1);
    REQUIRE(r.p->faults().disarm(rule));
    REQUIRE(m.send(spec::opcode::get_partition_info).rc == rc::success);

    // A counting rule on commands completes the second command with Internal Error.
    r.p->faults().fail_nth(2, {.node = r.ep->id(), .kind = emu::access_kind::command});
    REQUIRE(m.send(spec::opcode::identify).rc == rc::success);
    REQUIRE(m.send(spec::opcode::identify).rc == rc::internal_error);
    REQUIRE(m.send(spec::opcode::identify).rc == rc::success);
}

TEST_CASE("a larger payload and a Type-2 device asked to have a mailbox", "[emu][mailbox]") {
    auto s = emu::endpoint_spec::type2_device(512_MiB);
    s.mailbox = true;
    s.payload_log2 = 20; // 1 MiB: the device block grows past 64 KiB
    mbox_rig r{s};
    auto m = mailbox_of(*r.p, *r.ep);
    REQUIRE(m.payload_size() == 1_MiB);
    auto id = mb::identify::decode(m.send(spec::opcode::identify).payload).value();
    REQUIRE(mb::capacity_bytes(id.total_capacity).value() == 512_MiB);
    auto base = r.ep->device_regs_base().value();
    auto memdev = device_cap(*r.p, base, spec::device_cap_id::memdev).value();
    REQUIRE(memdev.base() > base + 1_MiB);
    REQUIRE(spec::memdev_status::decode(memdev.read<spec::memdev::status>().value()).mailbox_ready);
}
