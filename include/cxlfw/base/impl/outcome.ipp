// Out-of-line definitions for <cxlfw/base/outcome.hpp>: how keys and outcomes are spelled.
#pragma once

#include <cxlfw/base/outcome.hpp>

namespace cxlfw::base {

CXLFW_DECL std::string to_string(dep_key const& key) {
    std::string_view prefix = key.kind == dep_kind::device_bound        ? "device:"
                              : key.kind == dep_kind::driver_registered ? "driver:"
                                                                        : "event:";
    return std::string{prefix} + key.name;
}

CXLFW_DECL std::string probe_outcome::describe() const {
    switch (kind_) {
    case outcome_kind::failed:
        return "failed: " + error_.message() + (text_.empty() ? "" : ": " + text_);
    case outcome_kind::deferred:
        return "deferred on " + to_string(key_) + (text_.empty() ? "" : ": " + text_);
    default:
        return std::string{to_string(kind_)};
    }
}

} // namespace cxlfw::base
