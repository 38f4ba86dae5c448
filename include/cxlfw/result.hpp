// cxlfw::result<T> and cxlfw::status: how every layer reports an operation that can fail.
//
// An error is a std::error_code from one of cxlfw's own categories (cxlfw::errc for the CXL
// core's facts, one enum per parser or layer otherwise); nothing throws across layers.
#pragma once

#include <boost/system/result.hpp>

#include <array>
#include <concepts>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace cxlfw {

template <class T>
using result = boost::system::result<T, std::error_code>;

/// The outcome of an operation that returns nothing but can fail.
using status = result<void>;

/// A result whose error is one of cxlfw's error enums rather than a std::error_code. It is a
/// literal type, so constexpr code (the spec layer) can return it; it converts implicitly to
/// cxlfw::result<T> wherever an error_code is wanted.
template <class T, class Enum>
using checked = boost::system::result<T, Enum>;

/// Describes one error enum: its category name and a message for each value.
/// Specialise for each enum (see spec/errc.hpp for the pattern), then make it an error code
/// enum with CXLFW_ERROR_CODE_ENUM (below).
template <class Enum>
struct error_enum_traits;

/// An enum whose error_enum_traits are specialised.
template <class Enum>
concept error_enum = std::is_enum_v<Enum> && requires {
    { error_enum_traits<Enum>::name } -> std::convertible_to<const char*>;
    error_enum_traits<Enum>::messages;
};

namespace detail {

template <class Enum>
class enum_category final : public std::error_category {
public:
    const char* name() const noexcept override { return error_enum_traits<Enum>::name; }
    std::string message(int v) const override {
        for (auto const& [value, text] : error_enum_traits<Enum>::messages)
            if (static_cast<int>(value) == v) return std::string{text};
        return std::string{error_enum_traits<Enum>::name} + " error " + std::to_string(v);
    }
};

} // namespace detail

template <class Enum>
const std::error_category& category_of() noexcept {
    static const detail::enum_category<Enum> category;
    return category;
}

template <class Enum>
std::error_code make_code(Enum e) noexcept {
    return {static_cast<int>(e), category_of<Enum>()};
}

/// The error code of any cxlfw error enum: std::error_code's constructor and comparisons find
/// it by argument-dependent lookup, through the using-declaration CXLFW_ERROR_CODE_ENUM puts
/// in the enum's namespace.
template <error_enum Enum>
std::error_code make_error_code(Enum e) noexcept {
    return make_code(e);
}

/// What `.value()` throws on an error enum (a programming error: check has_value() first).
/// CXLFW_ERROR_CODE_ENUM makes it visible to argument-dependent lookup in the enum's namespace.
template <class Enum>
    requires std::is_error_code_enum_v<Enum>
[[noreturn]] void throw_exception_from_error(Enum e, boost::source_location const&) {
    throw std::system_error(make_error_code(e));
}

/// A message table entry: `{enum value, "what happened"}`.
template <class Enum>
using error_message = std::pair<Enum, std::string_view>;

} // namespace cxlfw

/// Makes `Ns::Enum`, an enum with error_enum_traits, a std::error_code enum: specialises
/// std::is_error_code_enum (which no code inside cxlfw's namespaces can do, hence a macro) and
/// lets argument-dependent lookup find make_error_code and throw_exception_from_error in `Ns`.
/// Use it once, at global scope, after the enum's error_enum_traits:
///
///   CXLFW_ERROR_CODE_ENUM(cxlfw::hw, errc);
#define CXLFW_ERROR_CODE_ENUM(Ns, Enum)                                                            \
    template <>                                                                                    \
    struct std::is_error_code_enum<Ns::Enum> : std::true_type {};                                  \
    namespace Ns {                                                                                 \
    using ::cxlfw::make_error_code;                                                                \
    using ::cxlfw::throw_exception_from_error;                                                     \
    }                                                                                              \
    static_assert(::cxlfw::error_enum<Ns::Enum>, #Ns "::" #Enum " needs error_enum_traits")
