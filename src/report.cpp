// cxlfw::report_compiled: the out-of-line code of the report layer (include/cxlfw/report/impl/
// *.ipp), compiled once. include/cxlfw/config.hpp says how the two modes work.
#include <cxlfw/report/impl/chrome_trace.ipp>
#include <cxlfw/report/impl/cxl_list.ipp>
#include <cxlfw/report/impl/dot.ipp>
#include <cxlfw/report/impl/notes.ipp>
#include <cxlfw/report/impl/policy_notes.ipp>
#include <cxlfw/report/impl/summary.ipp>
