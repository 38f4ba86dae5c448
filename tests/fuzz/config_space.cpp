// Config space: the input is an image (or, when it is not 256/4096 bytes, a plain byte bus of
// any size). Runs identity, BARs, the extended capability walk, DVSEC lookup, the CXL Device
// DVSEC decode and the Register Locator, and checks what a success promises.
#include <cxlfw/hw/config_image.hpp>
#include <cxlfw/hw/config_space.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace hw = cxlfw::hw;
namespace spec = cxlfw::spec;

#define CXLFW_FUZZ_CHECK(cond)                                                                     \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

namespace {
template <class Cfg>
void exercise(Cfg& cfg) {
    hw::config_diagnostic diag;
    (void)hw::read_identity(cfg);
    for (unsigned bir = 0; bir < 8; ++bir)
        if (!hw::read_bar(cfg, bir, &diag)) (void)diag.message();

    if (auto caps = hw::list_ext_caps(cfg, &diag)) {
        CXLFW_FUZZ_CHECK(caps->size() <= 960);
        for (auto const& c : *caps)
            CXLFW_FUZZ_CHECK(c.offset >= 0x100 && c.offset <= 0xFFC && c.offset % 4 == 0 &&
                             c.next % 4 == 0);
    } else {
        (void)diag.message();
    }
    (void)hw::list_dvsecs(cfg, &diag);
    for (std::uint16_t id = 0; id <= 0xA; ++id)
        if (auto d = hw::find_dvsec(cfg, spec::cxl_vendor_id, id, &diag))
            CXLFW_FUZZ_CHECK(d->length >= spec::min_length(id, d->revision) &&
                             d->offset + std::size_t{d->length} <= 0x1000);

    if (auto dv = hw::read_cxl_device_dvsec(cfg, &diag)) {
        CXLFW_FUZZ_CHECK(dv->location.length >= 0x38 && dv->location.offset >= 0x100);
        CXLFW_FUZZ_CHECK(dv->capability.encode().value() == (dv->capability_raw & 0x4FFF));
        for (auto const& r : dv->ranges) {
            auto regs = spec::encode_range(r); // every decoded range encodes back exactly
            CXLFW_FUZZ_CHECK(regs.has_value() && spec::decode_range(regs.value()) == r);
        }
    } else {
        (void)diag.message();
    }

    if (auto rl = hw::read_register_locator(cfg, &diag)) {
        for (auto const& b : rl->blocks) {
            CXLFW_FUZZ_CHECK(b.bir <= 5 && b.id != spec::register_block_id::empty);
            auto regs = spec::encode_register_block(b);
            CXLFW_FUZZ_CHECK(regs.has_value() &&
                             spec::decode_register_block(regs->low, regs->high) == b);
            if (!hw::register_block_address(cfg, b, &diag)) (void)diag.message();
        }
        for (auto const& r : rl->rejected)
            CXLFW_FUZZ_CHECK(r.why == spec::errc::invalid_bir);
    } else {
        (void)diag.message();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    std::span<std::byte const> bytes{reinterpret_cast<std::byte const*>(data), size};
    if (auto image = hw::config_image::from_bytes(bytes)) {
        exercise(*image);
    } else {
        CXLFW_FUZZ_CHECK(image.error() == hw::errc::config_image_size);
        hw::memory_bus bus{bytes};
        exercise(bus);
    }
    return 0;
}
