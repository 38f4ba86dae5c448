// What a probe returns: bound, failed (an error code and a message), or deferred, naming
// what it waits for. The key is generic: a device becoming bound, a driver registering, or a
// named event (`host::signal`). Nothing here knows about CXL.
//
//   return base::deferred(base::dep_key::device("port1"), "parent port has no driver");
#pragma once

#include <cxlfw/config.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace cxlfw::base {

/// What a deferred device waits for.
enum class dep_kind : std::uint8_t {
    device_bound = 1,  ///< the device of that name gets a driver
    driver_registered, ///< a driver of that name registers
    event,             ///< `host::signal(name)`
};

struct dep_key {
    dep_kind kind = dep_kind::event;
    std::string name;

    static dep_key device(std::string name) { return {dep_kind::device_bound, std::move(name)}; }
    static dep_key driver(std::string name) {
        return {dep_kind::driver_registered, std::move(name)};
    }
    static dep_key event(std::string name) { return {dep_kind::event, std::move(name)}; }

    friend bool operator==(dep_key const&, dep_key const&) = default;
    friend auto operator<=>(dep_key const&, dep_key const&) = default;
};

/// "device:port1", "driver:cxl_port", "event:acpi" (the form traces carry).
CXLFW_DECL std::string to_string(dep_key const& key);

namespace detail {
struct dep_key_hash {
    std::size_t operator()(dep_key const& k) const noexcept {
        return std::hash<std::string>{}(k.name) * 31 + static_cast<std::size_t>(k.kind);
    }
};
} // namespace detail

/// How a probe ended. `discarded` is never returned by a driver: traces use it when the
/// host threw a probe's result away (the device or the driver went away during the probe).
enum class outcome_kind : std::uint8_t { bound = 1, failed, deferred, discarded };

constexpr std::string_view to_string(outcome_kind k) noexcept {
    switch (k) {
    case outcome_kind::bound:
        return "bound";
    case outcome_kind::failed:
        return "failed";
    case outcome_kind::deferred:
        return "deferred";
    case outcome_kind::discarded:
        return "discarded";
    }
    return "?";
}

class probe_outcome {
public:
    static probe_outcome bound() { return probe_outcome{outcome_kind::bound, {}, {}, {}}; }
    static probe_outcome failed(std::error_code error, std::string message = {}) {
        return probe_outcome{outcome_kind::failed, error, std::move(message), {}};
    }
    static probe_outcome deferred(dep_key key, std::string reason = {}) {
        return probe_outcome{outcome_kind::deferred, {}, std::move(reason), std::move(key)};
    }

    outcome_kind kind() const noexcept { return kind_; }
    bool is_bound() const noexcept { return kind_ == outcome_kind::bound; }
    bool is_failed() const noexcept { return kind_ == outcome_kind::failed; }
    bool is_deferred() const noexcept { return kind_ == outcome_kind::deferred; }

    /// The error of a failed probe; empty otherwise.
    std::error_code error() const noexcept { return error_; }
    /// The message of a failed probe, or the reason of a deferral.
    std::string const& message() const noexcept { return text_; }
    /// What a deferred probe waits for (meaningful only when is_deferred()).
    dep_key const& key() const noexcept { return key_; }

    /// "bound", "failed: <error>: <message>", "deferred on <key>: <reason>".
    std::string describe() const;

    friend bool operator==(probe_outcome const&, probe_outcome const&) = default;

private:
    probe_outcome(outcome_kind k, std::error_code e, std::string text, dep_key key)
        : kind_{k}, error_{e}, text_{std::move(text)}, key_{std::move(key)} {}

    outcome_kind kind_;
    std::error_code error_;
    std::string text_;
    dep_key key_;
};

/// The three outcomes a probe returns, spelled as in a driver.
inline probe_outcome bound() {
    return probe_outcome::bound();
}
inline probe_outcome failed(std::error_code error, std::string message = {}) {
    return probe_outcome::failed(error, std::move(message));
}
inline probe_outcome deferred(dep_key key, std::string reason = {}) {
    return probe_outcome::deferred(std::move(key), std::move(reason));
}

} // namespace cxlfw::base

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/base/impl/outcome.ipp>
#endif
