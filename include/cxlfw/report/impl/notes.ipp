// Out-of-line definitions for <cxlfw/report/notes.hpp>: looking notes up.
#pragma once

#include <cxlfw/report/notes.hpp>

namespace cxlfw::report {

namespace detail {

CXLFW_DECL std::optional<device_note> note_of(note_source const& notes, base::device const& d) {
    return notes ? notes(d) : std::nullopt;
}

} // namespace detail

} // namespace cxlfw::report
