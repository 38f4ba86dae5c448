// Uses the installed package the way a driver project would.
#include <cxlfw/cxlfw.hpp>
#include <cxlfw/report/chrome_trace.hpp>

#include <cstdio>

int main() {
    auto ways = cxlfw::spec::eiw_to_ways(9); // 6 ways
    if (!ways || *ways != 6) return 1;
    std::printf("cxlfw consumer: eiw 9 = %u ways\n", *ways);
    // The report layer, through cxlfw::report: an empty host's trace has the host track.
    auto trace = cxlfw::report::chrome_trace({});
    if (trace.at("traceEvents").empty()) return 1;
    return 0;
}
