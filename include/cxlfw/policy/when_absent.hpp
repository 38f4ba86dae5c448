// Absence policies: what a driver does when the CXL core reports that a piece is missing
// (no root, a port missing or unbound, no mem driver, link down). Each is a pure mapping
// from the kind of fact to a reaction; the core only reports, it never decides.
//
// | policy                | piece missing at probe    | piece arrives later   | other CXL failure |
// |-----------------------|---------------------------|-----------------------|-------------------|
// | when_absent::defer    | deferred, waiting on that | re-probed, attaches   | failed            |
// |                       | piece                     |                       |                   |
// | when_absent::degrade  | bound without CXL:        | upgraded: on_cxl runs | on_pcie_only(why) |
// |                       | on_pcie_only(why)         |                       |                   |
// | when_absent::fail     | failed                    | -                     | failed            |
// | when_absent::wait     | bound; on_cxl not yet     | on_cxl runs           | failed            |
// | when_absent::timed<P> | deferred until the host's |                       | as P              |
// |                       | deferral timeout, then    |                       |                   |
// |                       | P's reaction              |                       |                   |
//
// "Other CXL failure" is a fact that no arrival can change (media never ready, a decoder
// that does not commit, no capacity). A device that contradicts its declared traits fails
// with capability_mismatch under every policy: that is a wrong driver, not absent CXL.
// Linux has no upgrade path: a PCIe-only device stays PCIe-only until it is re-probed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace cxlfw::policy {

enum class reaction_kind : std::uint8_t {
    defer = 1,        ///< return a deferral naming the missing piece
    bind_without_cxl, ///< bind, run on_pcie_only(why), upgrade when the piece arrives
    bind_and_wait,    ///< bind, run on_cxl when the piece arrives
    fail,             ///< fail the probe with the fact's code
};

constexpr std::string_view to_string(reaction_kind k) noexcept {
    switch (k) {
    case reaction_kind::defer:
        return "defer";
    case reaction_kind::bind_without_cxl:
        return "bind without CXL";
    case reaction_kind::bind_and_wait:
        return "bind and wait";
    case reaction_kind::fail:
        return "fail";
    }
    return "?";
}

namespace detail {
struct absence_tag {};
} // namespace detail

namespace when_absent {

struct defer : detail::absence_tag {
    static std::string name() { return "defer"; }
    static constexpr reaction_kind on_absent = reaction_kind::defer;
    static constexpr reaction_kind on_failure = reaction_kind::fail;
};

struct degrade : detail::absence_tag {
    static std::string name() { return "degrade"; }
    static constexpr reaction_kind on_absent = reaction_kind::bind_without_cxl;
    static constexpr reaction_kind on_failure = reaction_kind::bind_without_cxl;
};

struct fail : detail::absence_tag {
    static std::string name() { return "fail"; }
    static constexpr reaction_kind on_absent = reaction_kind::fail;
    static constexpr reaction_kind on_failure = reaction_kind::fail;
};

struct wait : detail::absence_tag {
    static std::string name() { return "wait"; }
    static constexpr reaction_kind on_absent = reaction_kind::bind_and_wait;
    static constexpr reaction_kind on_failure = reaction_kind::fail;
};

template <class Then>
struct timed;

} // namespace when_absent

template <class T>
concept absence_policy = std::is_base_of_v<detail::absence_tag, T> && requires {
    { T::name() } -> std::convertible_to<std::string>;
    { T::on_absent } -> std::convertible_to<reaction_kind>;
    { T::on_failure } -> std::convertible_to<reaction_kind>;
};

template <class T>
inline constexpr bool is_absence_policy_v = absence_policy<T>;

namespace detail {
/// Then's reaction to a failure, or `fail` when Then is not a policy (its own assert says so).
template <class Then>
constexpr reaction_kind failure_reaction() noexcept {
    if constexpr (is_absence_policy_v<Then>)
        return Then::on_failure;
    else
        return reaction_kind::fail;
}

template <class T>
inline constexpr bool is_timed_v = false;
template <class Then>
inline constexpr bool is_timed_v<when_absent::timed<Then>> = true;
} // namespace detail

namespace when_absent {

/// Defer until the host's deferral timeout (base::host_options::deferral_timeout), then
/// react as Then. Without a host timeout it defers for good, like when_absent::defer.
template <class Then>
struct timed : detail::absence_tag {
    static_assert(is_absence_policy_v<Then>,
                  "cxlfw: when_absent::timed<P> takes an absence policy: degrade, fail or wait");
    static_assert(!std::is_same_v<Then, defer> && !detail::is_timed_v<Then>,
                  "cxlfw: when_absent::timed<P> already defers until the timeout; P says what "
                  "happens then: degrade, fail or wait");

    using after_timeout = Then;
    static std::string name() { return "timed<" + Then::name() + ">"; }
    static constexpr reaction_kind on_absent = reaction_kind::defer;
    static constexpr reaction_kind on_failure = detail::failure_reaction<Then>();
};

} // namespace when_absent

static_assert(absence_policy<when_absent::defer>);
static_assert(absence_policy<when_absent::degrade>);
static_assert(absence_policy<when_absent::fail>);
static_assert(absence_policy<when_absent::wait>);
static_assert(absence_policy<when_absent::timed<when_absent::degrade>>);

/// The reaction of policy P to a fact: `absent` when the fact names a missing piece,
/// `timed_out` when the host's deferral timeout has expired for the device.
template <absence_policy P>
constexpr reaction_kind react(bool absent, bool timed_out = false) noexcept {
    if constexpr (detail::is_timed_v<P>) {
        if (timed_out) return react<typename P::after_timeout>(absent);
    }
    return absent ? P::on_absent : P::on_failure;
}

/// Whether policy P may bind a device before its endpoint is attached, so the driver
/// needs on_pcie_only (degrade) or may see on_cxl later (wait).
template <absence_policy P>
inline constexpr bool
    may_bind_without_cxl_v = react<P>(true) == reaction_kind::bind_without_cxl
                             || react<P>(true, true) == reaction_kind::bind_without_cxl
                             || react<P>(false) == reaction_kind::bind_without_cxl;

} // namespace cxlfw::policy
