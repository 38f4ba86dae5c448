// The report layer through the `report` component: an empty host's trace has the host track.
#include <cxlfw/report/chrome_trace.hpp>

#include <cstdio>

int main() {
    auto trace = cxlfw::report::chrome_trace({});
    if (trace.at("traceEvents").empty()) return 1;
    std::printf("consumer_report: %zu trace records\n", trace.at("traceEvents").size());
    return 0;
}
