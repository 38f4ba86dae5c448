// libFuzzer target for the CEDT parser. Besides "no out-of-bounds read, no UB" (ASan+UBSan),
// it traps when:
//   - a failed parse has no fatal header diagnostic, or a diagnostic points outside the data;
//   - the accepted structures, rebuilt with cedt_builder, do not parse back to the same
//     structures without a rejection, or a second rebuild is not byte-identical.
// Each input is parsed as given, then again with its header length and checksum repaired:
// mutations almost always break the checksum, and the subtable rules lie behind it.
#include <cxlfw/spec/cedt_builder.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

using namespace cxlfw::spec;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

template <class T>
std::vector<T> without_index(std::vector<T> v) {
    for (auto& x : v)
        x.index = 0;
    return v;
}

/// The accepted subtables of `t`, in table order.
std::vector<std::byte> rebuild(cedt_table const& t) {
    cedt_builder b{t.header};
    std::size_t c = 0, w = 0, x = 0, r = 0;
    auto next_index = [](auto const& list, std::size_t i) {
        return i < list.size() ? list[i].index : cedt_diag::header_index;
    };
    for (;;) {
        const unsigned ic = next_index(t.chbs_list, c), iw = next_index(t.cfmws_list, w),
                       ix = next_index(t.cxims_list, x), ir = next_index(t.rdpas_list, r);
        const unsigned low = std::min({ic, iw, ix, ir});
        if (low == cedt_diag::header_index) break;
        if (low == ic)
            b.add(t.chbs_list[c++]);
        else if (low == iw)
            b.add(t.cfmws_list[w++]);
        else if (low == ix)
            b.add(t.cxims_list[x++]);
        else
            b.add(t.rdpas_list[r++]);
    }
    return b.bytes();
}

void parse_and_check(std::span<const std::byte> bytes) {
    const std::size_t size = bytes.size();
    cedt_diag fatal;
    auto parsed = parse_cedt(bytes, &fatal);
    if (!parsed) {
        check(fatal.severity == cedt_severity::fatal && fatal.is_header());
        check(parsed.error() == fatal.code);
        check(!fatal.message().empty());
        return;
    }
    auto const& t = *parsed;
    check(t.header.length <= size);
    for (auto const& d : t.diagnostics) {
        check(d.severity != cedt_severity::fatal);
        check(d.is_header() || (d.offset < t.header.length && d.field_offset < t.header.length));
        check(!d.message().empty());
    }
    for (auto const& w : t.cfmws_list) {
        check(w.ways() != 0 && w.granularity() != 0 && w.targets.size() == w.ways());
        check(w.window_size != 0 && w.last() >= w.base_hpa);
        auto maps = window_xormaps(w, t.cxims_list);
        check(maps.has_value());
    }

    auto again_bytes = rebuild(t);
    auto again = parse_cedt(again_bytes);
    check(again.has_value());
    check(!again->has_rejections());
    check(without_index(again->chbs_list) == without_index(t.chbs_list));
    check(without_index(again->cfmws_list) == without_index(t.cfmws_list));
    check(without_index(again->cxims_list) == without_index(t.cxims_list));
    check(without_index(again->rdpas_list) == without_index(t.rdpas_list));
    check(rebuild(*again) == again_bytes);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = std::as_bytes(std::span{data, size});
    parse_and_check(bytes);
    if (size >= acpi_header_size && size <= 0xFFFF'FFFF) {
        std::vector<std::byte> repaired(bytes.begin(), bytes.end());
        for (std::size_t i = 0; i < 4; ++i)
            repaired[4 + i] = static_cast<std::byte>((size >> (8 * i)) & 0xFF);
        acpi_fix_checksum(repaired);
        parse_and_check(repaired);
    }
    return 0;
}
