// Errors of the driver model: what a bind, unbind, add, remove or registration could not do,
// and why a binding ended without an error of the driver's own (a timeout, a removal).
#pragma once

#include <cxlfw/result.hpp>

namespace cxlfw::base {

enum class errc {
    no_driver = 1,           ///< no registered driver matches the device
    already_bound,           ///< the device already has a driver
    not_bound,               ///< the device has no driver and is not waiting for one
    probe_in_progress,       ///< the device is being probed or unbound right now
    device_removed,          ///< the device was removed before or during the operation
    driver_unregistered,     ///< the driver was unregistered while it probed the device
    deferral_timeout,        ///< what the device waited for did not appear in time
    probe_exception,         ///< a driver hook threw an exception
    device_exists,           ///< a device of that name is already in the host
    driver_exists,           ///< a driver of that name is already registered
    bus_exists,              ///< a bus of that name is already in the host
    unknown_bus,             ///< no bus of that name in the host
    unknown_device,          ///< the device is not in this host
    unknown_driver,          ///< the driver is not registered with this host
    driver_mismatch,         ///< the driver is for another bus, or the bus does not match them
    parent_absent,           ///< the parent is not in this host, or is being removed
    link_cycle,              ///< a device link would make a device depend on itself
    supplier_unbound,        ///< a link from a bound consumer to a supplier without a driver
    settle_inside_probe,     ///< settle/advance/run_until/teardown called from a hook or callback
    invalid_name,            ///< an empty device, driver, bus or event name
    null_object,             ///< a null device, driver or bus was handed over
    bar_out_of_range,        ///< a PCI BAR index above 5
    class_code_out_of_range, ///< a PCI class code wider than 24 bits
    no_pci_function,         ///< config space reads vendor ID 0xFFFF: no function there
    wrong_device_type,       ///< the bus does not take devices of this type (see bus_type::admit)
};

} // namespace cxlfw::base

template <>
struct cxlfw::error_enum_traits<cxlfw::base::errc> {
    using enum base::errc;
    static constexpr const char* name = "cxlfw.base";
    static constexpr std::array<error_message<base::errc>, 25> messages{{
        {no_driver, "no registered driver matches the device"},
        {already_bound, "the device already has a driver"},
        {not_bound, "the device has no driver and is not waiting for one"},
        {probe_in_progress, "the device is being probed or unbound"},
        {device_removed, "the device was removed"},
        {driver_unregistered, "the driver was unregistered during the probe"},
        {deferral_timeout, "the dependency did not appear before the deferral timeout"},
        {probe_exception, "a driver hook threw an exception"},
        {device_exists, "a device of that name already exists"},
        {driver_exists, "a driver of that name is already registered"},
        {bus_exists, "a bus of that name already exists"},
        {unknown_bus, "no bus of that name"},
        {unknown_device, "the device is not in this host"},
        {unknown_driver, "the driver is not registered with this host"},
        {driver_mismatch, "the driver does not match the device"},
        {parent_absent, "the parent device is not in the host or is being removed"},
        {link_cycle, "the device link would make a device depend on itself"},
        {supplier_unbound, "a bound consumer cannot depend on a supplier without a driver"},
        {settle_inside_probe, "the executor cannot run from inside a driver hook or callback"},
        {invalid_name, "an empty name"},
        {null_object, "a null device, driver or bus"},
        {bar_out_of_range, "PCI BAR index above 5"},
        {class_code_out_of_range, "PCI class code wider than 24 bits"},
        {no_pci_function, "config space reads vendor ID 0xFFFF: no PCI function"},
        {wrong_device_type, "the bus does not take devices of this type"},
    }};
};

CXLFW_ERROR_CODE_ENUM(cxlfw::base, errc);
