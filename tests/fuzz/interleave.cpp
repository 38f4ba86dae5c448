// libFuzzer target for the interleave math. The input picks a geometry (valid or not), a DPA
// offset and an HPA; the target traps when:
//   - an invalid geometry is not refused with the same error by every function;
//   - DPA -> HPA fails for a valid geometry with anything but offset_out_of_range, or
//     HPA -> DPA does not give back the DPA and position (round trip);
//   - HPA -> DPA of any address names a position and DPA that do not translate back to it.
//
// Input layout (missing bytes read as 0):
//   [0] flags: bit 0 XOR, bit 1 raw (values used as given, to reach invalid geometries),
//       bits 3:2 raw arithmetic   [1] ways   [2] granularity   [3] position   [4] hb ways
//   [5..36] four XOR maps   [37..44] base   [45..52] DPA offset   [53..60] HPA
#include <cxlfw/spec/interleave_math.hpp>

#include <cstddef>
#include <cstdint>

using namespace cxlfw::spec;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

struct reader {
    const std::uint8_t* data;
    std::size_t size;
    std::uint64_t get(std::size_t off, std::size_t n) const {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (off + i < size) v |= std::uint64_t{data[off + i]} << (8 * i);
        return v;
    }
};

constexpr unsigned all_ways[] = {1, 2, 4, 8, 16, 3, 6, 12};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const reader in{data, size};
    const auto flags = static_cast<unsigned>(in.get(0, 1));
    const bool raw = flags & 2;
    interleave_geometry g;
    if (raw) {
        g.ways = static_cast<unsigned>(in.get(1, 1));
        g.granularity = 1u << (in.get(2, 1) % 20);
        g.position = static_cast<unsigned>(in.get(3, 1));
        g.hb_ways = static_cast<unsigned>(in.get(4, 1));
        g.arithmetic = static_cast<interleave_arithmetic>((flags >> 2) & 3);
    } else {
        g.ways = all_ways[in.get(1, 1) % 8];
        g.granularity = 256u << (in.get(2, 1) % 7);
        g.position = static_cast<unsigned>(in.get(3, 1) % g.ways);
        g.hb_ways = all_ways[in.get(4, 1) % 8];
        g.arithmetic = (flags & 1) ? interleave_arithmetic::xormap : interleave_arithmetic::modulo;
    }
    for (std::size_t i = 0; i < max_xormaps_used; ++i) {
        auto map = in.get(5 + 8 * i, 8);
        if (!raw && map == 0) map = std::uint64_t{1} << (8 + i);
        g.xormaps.push_back(map);
    }
    g.base = in.get(37, 8);
    const auto dpa = in.get(45, 8);
    const auto hpa_in = in.get(53, 8);

    auto valid = check_geometry(g);
    check(raw || valid.has_value());
    auto fwd = dpa_to_hpa(g, dpa);
    auto back = hpa_to_dpa(g, hpa_in);
    auto own = hpa_to_device_dpa(g, hpa_in);
    if (!valid) {
        check(fwd.error() == valid.error() && back.error() == valid.error() &&
              own.error() == valid.error());
        return 0;
    }

    if (fwd) {
        auto rt = hpa_to_dpa(g, *fwd);
        check(rt.has_value() && rt->dpa == dpa && rt->position == g.position);
        check(hpa_to_device_dpa(g, *fwd).value() == dpa);
    } else {
        check(fwd.error() == errc::offset_out_of_range);
    }

    if (back) {
        check(back->position < g.ways);
        auto g2 = g;
        g2.position = back->position;
        auto again = dpa_to_hpa(g2, back->dpa);
        check(again.has_value() && *again == hpa_in);
        check(own.has_value() == (back->position == g.position));
        if (!own) check(own.error() == errc::address_not_in_position);
    } else {
        check(back.error() == errc::offset_out_of_range);
        check(own.error() == errc::offset_out_of_range);
    }
    return 0;
}
