// Attach strategies: how a driver's endpoint joins the CXL port tree.
//
// | strategy         | who attaches the endpoint                          | Linux                 |
// |------------------|----------------------------------------------------|-----------------------|
// | attach::none     | nobody: no CXL.mem, no endpoint (Type-1)           | -                     |
// | attach::mediated | the stock mem driver, synchronously, then          | 7.0 cxl_memdev_attach |
// |                  | calls on_cxl                                       |                       |
// | attach::direct   | the driver itself:                                 | proposed, not merged  |
// |                  | core::enumerate_ports + add_endpoint               |                       |
#pragma once

#include <string_view>
#include <type_traits>

namespace cxlfw::policy {

namespace detail {
struct attach_tag {};
} // namespace detail

namespace attach {

struct none : detail::attach_tag {
    static constexpr std::string_view name = "none";
    static constexpr bool attaches = false;
};

/// Register a memdev with an attach callback; the stock mem driver binds it synchronously
/// (enumerate ports, add the endpoint) and the callback runs on_cxl.
struct mediated : detail::attach_tag {
    static constexpr std::string_view name = "mediated";
    static constexpr bool attaches = true;
};

/// Call the port enumeration and add the endpoint from the driver's own probe.
struct direct : detail::attach_tag {
    static constexpr std::string_view name = "direct";
    static constexpr bool attaches = true;
};

} // namespace attach

template <class T>
concept attach_strategy = std::is_base_of_v<detail::attach_tag, T> && requires {
    { T::name } -> std::convertible_to<std::string_view>;
    { T::attaches } -> std::convertible_to<bool>;
};

template <class T>
inline constexpr bool is_attach_strategy_v = attach_strategy<T>;

static_assert(attach_strategy<attach::none>);
static_assert(attach_strategy<attach::mediated>);
static_assert(attach_strategy<attach::direct>);

} // namespace cxlfw::policy
