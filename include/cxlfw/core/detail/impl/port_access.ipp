// Out-of-line definitions for <cxlfw/core/detail/port_access.hpp>: a memdev's interest in a
// port, recorded on both sides.
#pragma once

#include <cxlfw/core/detail/port_access.hpp>

namespace cxlfw::core {

CXLFW_DECL void port_access::add_ep(port& p, memdev& m, dport* dp) {
    // Removed objects take no new links: each side forgets the other when it goes, and only
    // through the registry.
    if (p.forgotten_ || m.forgotten_) return;
    p.eps_[m.name()] = dp;
    m.interest_.insert(&p);
}

CXLFW_DECL bool port_access::del_ep(port& p, memdev& m) {
    m.interest_.erase(&p);
    return p.eps_.erase(m.name()) > 0;
}

} // namespace cxlfw::core
