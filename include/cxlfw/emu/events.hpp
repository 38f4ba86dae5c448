// Platform events: what changes after the platform is built, in the order it happens.
//
// The initial population is not an event: the layers above take it from
// platform::enumeration_order() or platform::arrival_order(seed). After that, every change is
// an event, delivered synchronously to each subscriber (outside the platform's lock, so a
// listener may read registers) and kept in platform::event_log().
//
//   | event          | when                                              | node            |
//   |----------------|---------------------------------------------------|-----------------|
//   | device_added   | hot_add(), add_acpi_root()                        | the new node    |
//   | device_removed | surprise_remove() (deepest first), remove_acpi_root() | each node gone |
//   | link_down      | set_link(port, false)                             | the port        |
//   | link_up        | set_link(port, true)                              | the port        |
#pragma once

#include <cxlfw/clock.hpp>
#include <cxlfw/emu/types.hpp>

#include <cstdint>
#include <functional>
#include <string_view>

namespace cxlfw::emu {

enum class event_kind : std::uint8_t { device_added, device_removed, link_down, link_up };

constexpr std::string_view event_kind_name(event_kind k) noexcept {
    switch (k) {
    case event_kind::device_added:
        return "device_added";
    case event_kind::device_removed:
        return "device_removed";
    case event_kind::link_down:
        return "link_down";
    case event_kind::link_up:
        return "link_up";
    }
    return "unknown";
}

struct event {
    std::uint64_t sequence = 0; ///< 1, 2, 3, ... in the order events happen
    vtime time{};               ///< the platform clock when it happened
    event_kind kind = event_kind::device_added;
    node_id node = no_node;
    friend bool operator==(event const&, event const&) = default;
};

using event_listener = std::function<void(event const&)>;

enum class subscription_id : std::uint64_t {};

} // namespace cxlfw::emu
