// Capabilities a driver declares in its device traits (type1/type2/type3<caps...>).
//
// | capability      | what the driver gets                                  | registers mapped |
// |-----------------|-------------------------------------------------------|------------------|
// | cap::hdm<N>     | N HDM decoders: regions (`cxl_ready::map_region`)     | component block  |
// | cap::mailbox    | mailbox commands (`cxl_ready::mailbox()`)             | device block     |
// | cap::ras        | RAS status (`cxl_ready::ras()`)                       | component block  |
//
// CXL.io, CXL.cache and CXL.mem are not capabilities: they follow from the device type.
// What is not declared is neither mapped nor touched, and the code for it is not generated.
#pragma once

#include <cxlfw/spec/component.hpp>

#include <string>
#include <type_traits>

namespace cxlfw::policy {

namespace detail {
/// What every capability tag derives from; `kind` groups hdm<1>, hdm<2>, ... as one.
template <class Kind>
struct capability_tag {
    using kind = Kind;
};

/// The decoder counts an HDM Decoder Capability register can report on a device: codes
/// 0-5 (1, 2, 4, 6, 8, 10); larger counts are for switches and host bridges (QEMU
/// hw/cxl/cxl-component-utils.c; CXL 2.0 §8.2.5.12).
constexpr bool device_decoder_count(unsigned n) noexcept {
    auto code = spec::hdm::decoder_count_to_code(n);
    return code.has_value() && *code <= 5;
}
} // namespace detail

namespace cap {

struct hdm_kind;
struct mailbox_kind;
struct ras_kind;

/// N HDM decoders in the component registers (Linux cxl_hdm_decoder_count()).
template <unsigned N>
struct hdm : detail::capability_tag<hdm_kind> {
    static_assert(detail::device_decoder_count(N),
                  "cxlfw: cap::hdm<N>: a device's HDM decoder capability reports 1, 2, 4, 6, 8 "
                  "or 10 decoders; use one of those counts");
    static constexpr unsigned decoders = N;
    static std::string name() { return "hdm<" + std::to_string(N) + ">"; }
};

/// The class-mandated mailbox and memory-device registers (Identify, partition info, ...).
struct mailbox : detail::capability_tag<mailbox_kind> {
    static std::string name() { return "mailbox"; }
};

/// The RAS capability of the component registers.
struct ras : detail::capability_tag<ras_kind> {
    static std::string name() { return "ras"; }
};

/// A query, not a declaration: `has_v<D, cap::any_hdm>` is true for any cap::hdm<N>.
struct any_hdm {};

} // namespace cap

template <class T>
concept capability = requires {
    typename T::kind;
}
&&std::is_base_of_v<detail::capability_tag<typename T::kind>, T>;

/// The same as a bool, for static_asserts (a concept there adds pages of notes).
template <class T>
inline constexpr bool is_capability_v = capability<T>;

static_assert(capability<cap::hdm<1>>);
static_assert(capability<cap::mailbox>);
static_assert(capability<cap::ras>);
static_assert(!capability<cap::any_hdm>);

} // namespace cxlfw::policy
