// Out-of-line definitions for <cxlfw/base/driver.hpp>: the default hooks (the vtable of
// driver is emitted here).
#pragma once

#include <cxlfw/base/driver.hpp>

namespace cxlfw::base {

CXLFW_DECL void driver::remove(device& dev) {
    (void)dev;
}

CXLFW_DECL probe_outcome driver::on_deferral_timeout(device& dev, dep_key const& waited_for) {
    (void)dev;
    return failed(errc::deferral_timeout, "gave up waiting for " + to_string(waited_for));
}

} // namespace cxlfw::base
