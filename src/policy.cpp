// cxlfw::compiled: the out-of-line code of the policy layer (include/cxlfw/policy/impl/*.ipp),
// compiled once: what every composition shares (the upgrade watcher, the status queries).
#include <cxlfw/policy/impl/status.ipp>
#include <cxlfw/policy/impl/upgrade.ipp>
