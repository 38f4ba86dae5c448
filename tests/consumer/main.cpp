// Uses the installed package the way a driver project would.
#include <cxlfw/cxlfw.hpp>

#include <cstdio>

int main() {
    auto ways = cxlfw::spec::eiw_to_ways(9); // 6 ways
    if (!ways || *ways != 6) return 1;
    std::printf("cxlfw consumer: eiw 9 = %u ways\n", *ways);
    return 0;
}
