// The PCI probe steps on a hand-built device register block: the capabilities array, the
// mailbox doorbell protocol with its 2 s timeout, Mailbox Interface Ready, return codes,
// Identify and Get Partition Info.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <array>

using namespace cxlfw;
using namespace cxlfw::core::testing;
namespace core = cxlfw::core;

namespace {

/// QEMU's layout: status at 0x80, the mailbox at 0x88 with a 256-byte payload, memdev status
/// after it. A doorbell rung runs the command at once (or never clears, when stuck).
class fake_device_regs {
public:
    static constexpr std::size_t status_at = 0x80, mbox_at = 0x88, payload = 256,
                                 memdev_at = mbox_at + 0x20 + payload;

    explicit fake_device_regs(bool with_memdev = true) : bytes_(4096) {
        namespace d = spec::device_regs;
        put(bytes_, 0, 8, d::encode_caps_array(with_memdev ? 3 : 2).value());
        auto cap = [&](unsigned n, spec::device_cap_id id, std::size_t at, std::size_t len) {
            put(bytes_, d::cap_header::offset_of(n), 4,
                spec::encode_device_cap_header({static_cast<std::uint16_t>(id), 1, 0, 0}));
            put(bytes_, d::cap_offset::offset_of(n), 4, at);
            put(bytes_, d::cap_length::offset_of(n), 4, len);
        };
        cap(0, spec::device_cap_id::device_status, status_at, 8);
        cap(1, spec::device_cap_id::primary_mailbox, mbox_at, 0x20 + payload);
        if (with_memdev) cap(2, spec::device_cap_id::memdev, memdev_at, 8);
        put(bytes_, mbox_at, 4, 8); // payload 2^8 bytes
        set_ready(true);
    }

    void set_ready(bool mailbox_ready, spec::media_status media = spec::media_status::ready) {
        spec::memdev_status s{.media = media, .mailbox_ready = mailbox_ready};
        put(bytes_, memdev_at, 8, s.encode().value());
    }

    result<std::uint64_t> read(std::uint64_t off, unsigned width) {
        if (auto ok = hw::check_access(off, width, bytes_.size()); !ok) return ok.error();
        return get(bytes_, off, width);
    }
    status write(std::uint64_t off, unsigned width, std::uint64_t v) {
        if (auto ok = hw::check_access(off, width, bytes_.size()); !ok) return ok.error();
        put(bytes_, off, width, v);
        if (off == mbox_at + 4 && (v & 1)) ring();
        return {};
    }

    core::reg_block block() { return {hw::bus_ref{*this}, 0, bytes_.size()}; }

    bool stuck = false;
    std::uint16_t return_code = 0;
    spec::mbox::identify id{};
    spec::mbox::partition_info parts{};
    std::vector<std::uint16_t> opcodes;

private:
    void ring() {
        auto const cmd = get(bytes_, mbox_at + 8, 8);
        opcodes.push_back(static_cast<std::uint16_t>(cmd & 0xFFFF));
        if (stuck) return;
        std::size_t len = 0;
        if (return_code == 0) {
            std::span<std::byte> out{bytes_.data() + mbox_at + 0x20, payload};
            if ((cmd & 0xFFFF) == 0x4000) len = id.encode_to(out).value();
            if ((cmd & 0xFFFF) == 0x4100) len = parts.encode_to(out).value();
        }
        put(bytes_, mbox_at + 0x10, 8, std::uint64_t{return_code} << 32);
        put(bytes_, mbox_at + 8, 8, (cmd & 0xFFFF) | (std::uint64_t{len} << 16));
        put(bytes_, mbox_at + 4, 4, 0); // doorbell clear
    }

    std::vector<std::byte> bytes_;
};

} // namespace

TEST_CASE("device registers: status, mailbox and memdev status are found; a missing one is "
          "registers_absent",
          "[core][pci]") {
    fake_device_regs regs;
    auto map = core::probe_device_regs(regs.block());
    REQUIRE(map.has_value());
    REQUIRE(map->status.offset == fake_device_regs::status_at);
    REQUIRE(map->mbox.offset == fake_device_regs::mbox_at);
    REQUIRE(map->memdev.offset == fake_device_regs::memdev_at);
    fake_device_regs partial{false};
    auto none = core::probe_device_regs(partial.block());
    REQUIRE(none.error() == errc::registers_absent);
    REQUIRE_THAT(none.error().detail, Catch::Contains("memdev-status"));
}

TEST_CASE("mailbox: Identify and Get Partition Info through the doorbell", "[core][pci]") {
    virtual_clock clock;
    fake_device_regs regs;
    regs.id.total_capacity = 8;
    regs.id.partition_align = 1;
    regs.id.fw_revision = spec::mbox::identify::make_fw_revision("fake 2").value();
    regs.parts.active_volatile = 2;
    regs.parts.active_persistent = 6;
    auto map = core::probe_device_regs(regs.block()).value();
    auto mbox = core::mailbox::setup(map, clock);
    REQUIRE(mbox.has_value());
    REQUIRE(mbox->payload_size() == 256);
    auto cap = core::read_capacity(*mbox);
    REQUIRE(cap.has_value());
    REQUIRE(cap->ram == 512_MiB);
    REQUIRE(cap->pmem == 1536_MiB);
    REQUIRE(cap->total == 2_GiB);
    REQUIRE(cap->firmware == "fake 2");
    REQUIRE(regs.opcodes == std::vector<std::uint16_t>{0x4000, 0x4100});
    // Without a partition alignment the split is Identify's fixed one.
    regs.id.partition_align = 0;
    regs.id.volatile_capacity = 4;
    regs.id.persistent_capacity = 4;
    auto fixed = core::read_capacity(*mbox).value();
    REQUIRE(fixed.ram == 1_GiB);
    REQUIRE(fixed.pmem == 1_GiB);
}

TEST_CASE("mailbox: a doorbell that never clears is mailbox_timeout after 2 s", "[core][pci]") {
    virtual_clock clock;
    fake_device_regs regs;
    auto mbox = core::mailbox::setup(core::probe_device_regs(regs.block()).value(), clock).value();
    regs.stuck = true;
    auto const before = clock.now();
    auto r = core::identify(mbox);
    REQUIRE(r.error() == errc::mailbox_timeout);
    REQUIRE(clock.now() - before >= core::mbox_command_timeout);
    REQUIRE(clock.now() - before < core::mbox_command_timeout + std::chrono::milliseconds{2});
    // The doorbell is still set: the next command finds the mailbox busy.
    REQUIRE(core::identify(mbox).error() == errc::mailbox_busy);
}

TEST_CASE("mailbox: a non-zero return code is mailbox_failed naming it", "[core][pci]") {
    virtual_clock clock;
    fake_device_regs regs;
    auto mbox = core::mailbox::setup(core::probe_device_regs(regs.block()).value(), clock).value();
    regs.return_code = static_cast<std::uint16_t>(spec::return_code::unsupported);
    auto r = core::identify(mbox);
    REQUIRE(r.error() == errc::mailbox_failed);
    REQUIRE_THAT(r.error().detail, Catch::Contains("identify") || Catch::Contains("Identify"));
}

TEST_CASE("mailbox: setup waits up to 60 s for Mailbox Interface Ready", "[core][pci]") {
    virtual_clock clock;
    fake_device_regs regs;
    regs.set_ready(false);
    auto const map = core::probe_device_regs(regs.block()).value();
    auto r = core::mailbox::setup(map, clock);
    REQUIRE(r.error() == errc::mailbox_timeout);
    REQUIRE(clock.now() >= core::mbox_ready_timeout - std::chrono::milliseconds{100});
    REQUIRE(clock.now() <= core::mbox_ready_timeout);
    regs.set_ready(true);
    REQUIRE(core::mailbox::setup(map, clock).has_value());
}
