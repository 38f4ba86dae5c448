// The CXL core's facts: what is true about the topology, the device or the hardware when an
// operation cannot go on. A fact is an error code of `cxlfw::errc` and, where one exists, the
// piece whose arrival could change it, as the driver model's generic key:
//
//   | code            | missing                                  | signalled by                  |
//   |-----------------|------------------------------------------|-------------------------------|
//   | root_absent     | event "cxl_root:root0"                   | cxl_acpi, when its probe (root,|
//   |                 |                                          | host-bridge ports) has ended  |
//   | port_absent     | event "cxl_port:<uport device name>"     | cxl_port, when it binds a port|
//   | port_not_bound  | event "cxl_port:<uport device name>"     | cxl_port, when it binds a port|
//   | no_port_driver  | driver "cxl_port"                        | registering cxl_port          |
//   | no_mem_driver   | driver "cxl_mem"                         | registering cxl_mem           |
//   | link_down       | event "link_up:<dport device name>"      | the platform glue, link up    |
//
// Every other fact has no missing piece: nothing that can arrive changes it (no capacity, a
// decoder that does not commit, a rule of the specification). The core never turns a fact
// into an outcome; the driver's absence policy does (policy/when_absent.hpp).
//
//   core::fact_result<core::port*> ep = core::add_endpoint(md);
//   if (!ep && ep.error().missing) ...   // something may still arrive
#pragma once

#include <cxlfw/base/outcome.hpp>
#include <cxlfw/result.hpp>

#include <boost/system/result.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace cxlfw {

enum class errc {
    // --- absence: a piece of the topology or a driver is not there (fact::missing is set) ----
    root_absent = 1, ///< no CXL root (root0): the ACPI root driver has not run
    port_absent,     ///< no CXL port for a host bridge or switch on the memdev's path
    port_not_bound,  ///< the port exists but has no driver
    no_port_driver,  ///< the port driver (cxl_port) is not registered
    no_mem_driver,   ///< the memdev driver (cxl_mem) is not registered
    link_down,       ///< the link at a downstream port on the path is down
    // --- the device ---------------------------------------------------------------------------
    media_not_ready,     ///< Memory_Active or the memdev media status did not become ready
    capability_mismatch, ///< the device does not have what the driver needs (DVSEC, Mem_Capable)
    registers_absent,    ///< a register block or capability the operation needs is not there
    mailbox_busy,        ///< the mailbox doorbell was still set when a command was to be sent
    mailbox_timeout,     ///< the doorbell did not clear within 2 s
    mailbox_failed,      ///< the device completed the command with a non-zero return code
    invalid_topology,    ///< the device tree has a shape no CXL topology has
    dport_exists,        ///< a dport for that device or port id is already there
    endpoint_absent,     ///< the memdev has no endpoint (not attached)
    already_attached,    ///< the memdev already has an endpoint, or another owner attaches it
    // --- HDM decoders -----------------------------------------------------------------------
    hdm_invalid,    ///< a decoder found committed at start breaks a rule (order, zero size)
    decoder_busy,   ///< no free decoder, or the decoder is committed, locked or in a region
    commit_timeout, ///< neither Committed nor Error Not Committed within 20 ms
    commit_failed,  ///< the component set Error Not Committed
    reset_failed,   ///< a decoder could not be reset: the core keeps it committed (in use)
    decoder_locked, ///< committed with Lock-On-Commit: no reset, only the component's reset
    // --- DPA and HPA --------------------------------------------------------------------------
    dpa_order,         ///< DPA allocated or freed out of decoder-id order
    dpa_unallocated,   ///< the endpoint decoder has no DPA allocation
    partition_absent,  ///< the device has no capacity in the requested partition (mode)
    no_capacity,       ///< not enough free DPA or HPA
    invalid_size,      ///< a size that is zero or not a multiple of 256 MiB (x ways)
    window_restricted, ///< the root decoder's window does not allow this memory type
    invalid_window,    ///< a window whose targets are not host bridges of the root
    // --- regions ------------------------------------------------------------------------------
    invalid_interleave,   ///< ways or granularity a rule of the root or a decoder forbids
    invalid_position,     ///< a target at a position the decode cannot route to it
    invalid_target,       ///< not an endpoint decoder under the root decoder's host bridges
    mode_mismatch,        ///< the decoder's partition mode or target type is not the region's
    hpa_order,            ///< a region with a higher HPA is already attached to the port
    region_not_ready,     ///< a step taken before the ones it needs (ways, size, targets)
    region_busy,          ///< the region is already past the step (active, committed)
    address_out_of_range, ///< an address outside the region or the decoder's DPA range
    region_absent,        ///< no committed region maps the device (attach_region: Linux -ENXIO)
};

} // namespace cxlfw

template <>
struct cxlfw::error_enum_traits<cxlfw::errc> {
    using enum cxlfw::errc;
    static constexpr const char* name = "cxlfw";
    static constexpr std::array<error_message<cxlfw::errc>, 38> messages{{
        {root_absent, "no CXL root"},
        {port_absent, "no CXL port for a host bridge or switch on the path"},
        {port_not_bound, "the CXL port has no driver"},
        {no_port_driver, "the CXL port driver is not registered"},
        {no_mem_driver, "the CXL memdev driver is not registered"},
        {link_down, "the link is down"},
        {media_not_ready, "the media did not become ready"},
        {capability_mismatch, "the device does not have the required CXL capability"},
        {registers_absent, "a required register block or capability is absent"},
        {mailbox_busy, "the mailbox is busy"},
        {mailbox_timeout, "the mailbox command timed out"},
        {mailbox_failed, "the mailbox command failed"},
        {invalid_topology, "the device tree is not a CXL topology"},
        {dport_exists, "the dport already exists"},
        {endpoint_absent, "the memdev has no endpoint"},
        {already_attached, "the memdev is already attached"},
        {hdm_invalid, "an HDM decoder committed at start breaks a rule"},
        {decoder_busy, "the HDM decoder is busy"},
        {commit_timeout, "the HDM decoder commit timed out"},
        {commit_failed, "the HDM decoder reported Error Not Committed"},
        {reset_failed, "the HDM decoder could not be reset and stays committed"},
        {decoder_locked, "the HDM decoder is locked (Lock-On-Commit) and cannot be reset"},
        {dpa_order, "DPA allocated or freed out of decoder order"},
        {dpa_unallocated, "the endpoint decoder has no DPA allocation"},
        {partition_absent, "the device has no capacity in that partition"},
        {no_capacity, "not enough free capacity"},
        {invalid_size, "the size is zero or not a multiple of 256 MiB (x ways)"},
        {window_restricted, "the window does not allow this memory type"},
        {invalid_window, "the window targets a host bridge the root does not have"},
        {invalid_interleave, "the interleave ways or granularity break a rule"},
        {invalid_position, "the decode cannot route this position to this target"},
        {invalid_target, "the target is not an endpoint decoder under the root decoder"},
        {mode_mismatch, "the decoder's mode or type is not the region's"},
        {hpa_order, "a region with a higher HPA is already attached to the port"},
        {region_not_ready, "the region lacks an earlier setup step"},
        {region_busy, "the region is already past this step"},
        {address_out_of_range, "the address is outside the region or the decoder's range"},
        {region_absent, "no committed region maps the device"},
    }};
};

CXLFW_ERROR_CODE_ENUM(cxlfw, errc);

namespace cxlfw::core {

/// What is true, and what could change it. `missing` names the piece whose arrival could
/// change the fact (see the table above); it is empty when nothing can.
struct fact {
    std::error_code code;
    std::optional<base::dep_key> missing;
    std::string detail;

    fact() = default;
    fact(std::error_code c, std::optional<base::dep_key> m = std::nullopt, std::string d = {})
        : code{c}, missing{std::move(m)}, detail{std::move(d)} {}
    fact(std::error_code c, std::string d) : code{c}, detail{std::move(d)} {}
    template <class E>
        requires std::is_error_code_enum_v<E>
        fact(E e, std::optional<base::dep_key> m = std::nullopt, std::string d = {})
            : fact{make_error_code(e), std::move(m), std::move(d)} {}
        template <class E>
            requires std::is_error_code_enum_v<E> fact(E e, std::string d)
                : fact{make_error_code(e), std::nullopt, std::move(d)} {}

            /// Whether some arrival could change the fact.
            bool is_absence() const noexcept {
                return missing.has_value();
            }

            /// "<code message>: <detail> (missing <key>)".
            std::string message() const {
                std::string m = code.message();
                if (!detail.empty()) m += ": " + detail;
                if (missing) m += " (missing " + base::to_string(*missing) + ")";
                return m;
            }

            /// A fact is its error code wherever only the code is wanted.
            operator std::error_code() const noexcept {
                return code;
            }

            friend bool operator==(fact const& f, std::error_code ec) noexcept {
                return f.code == ec;
            }
            template <class E>
                requires std::is_error_code_enum_v<E>
            friend bool operator==(fact const& f, E e) noexcept {
                return f.code == make_error_code(e);
            }
};

inline std::ostream& operator<<(std::ostream& os, fact const& f) {
    return os << f.message();
}

/// The result of a core operation.
template <class T>
using fact_result = boost::system::result<T, fact>;

/// What `.value()` throws on a fact (a programming error: check has_value() first).
[[noreturn]] inline void throw_exception_from_error(fact const& f, boost::source_location const&) {
    throw std::system_error(f.code, f.message());
}

/// The error code alone, for code that speaks cxlfw::result.
template <class T>
result<T> to_result(fact_result<T> r) {
    if (r) {
        if constexpr (std::is_void_v<T>)
            return {};
        else
            return std::move(*r);
    }
    return r.error().code;
}

// --- the keys of the absence facts -----------------------------------------------------------

/// Signalled by the ACPI root driver when its probe (root0, its dports and the host-bridge
/// ports) has ended.
inline constexpr std::string_view root_ready_event = "cxl_root:root0";
/// "cxl_port:<uport>": signalled by the port driver when it binds the port of that uport.
inline std::string port_event(std::string_view uport) {
    return "cxl_port:" + std::string{uport};
}
/// "link_up:<dport>": signalled by the platform glue when the link below that dport is up.
inline std::string link_up_event(std::string_view dport) {
    return "link_up:" + std::string{dport};
}

inline fact
root_absent_fact(std::string detail = "root0 is not there (the ACPI root driver has not bound)") {
    return {errc::root_absent, base::dep_key::event(std::string{root_ready_event}),
            std::move(detail)};
}
inline fact port_absent_fact(std::string_view uport, std::string detail = {}) {
    if (detail.empty()) detail = "no CXL port for " + std::string{uport};
    return {errc::port_absent, base::dep_key::event(port_event(uport)), std::move(detail)};
}
inline fact port_not_bound_fact(std::string_view port, std::string_view uport) {
    return {errc::port_not_bound, base::dep_key::event(port_event(uport)),
            std::string{port} + " (" + std::string{uport} + ") has no driver"};
}
inline fact no_port_driver_fact(std::string_view port) {
    return {errc::no_port_driver, base::dep_key::driver("cxl_port"),
            "cxl_port is not registered to bind " + std::string{port}};
}
inline fact no_mem_driver_fact(std::string_view memdev) {
    return {errc::no_mem_driver, base::dep_key::driver("cxl_mem"),
            "cxl_mem is not registered to bind " + std::string{memdev}};
}
inline fact link_down_fact(std::string_view dport) {
    return {errc::link_down, base::dep_key::event(link_up_event(dport)),
            "link below " + std::string{dport} + " is down"};
}

} // namespace cxlfw::core
