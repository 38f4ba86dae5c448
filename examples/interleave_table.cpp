// Prints the CXL interleave encodings that HDM decoders and CEDT windows use.
#include <cxlfw/spec/interleave.hpp>

#include <cstdio>

int main() {
    std::puts("ways  eiw    granularity  eig");
    for (unsigned eiw = 0; eiw <= 10; ++eiw) {
        auto ways = cxlfw::spec::eiw_to_ways(eiw);
        if (!ways) continue;
        auto gran = cxlfw::spec::eig_to_granularity(eiw);
        if (gran)
            std::printf("%4u  %3u    %11u  %3u\n", *ways, eiw, *gran, eiw);
        else
            std::printf("%4u  %3u\n", *ways, eiw);
    }
    return 0;
}
