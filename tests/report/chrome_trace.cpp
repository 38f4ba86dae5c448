// The Chrome trace of a host with a deferral: one track per device, balanced slices, the
// deferral and its wake-up visible, times from the virtual clock.
#include <cxlfw/base/base.hpp>
#include <cxlfw/report/chrome_trace.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace cxlfw;

namespace {

struct waits_for_supplier final : base::platform_driver {
    waits_for_supplier() : platform_driver{"consumer_drv", {"consumer"}} {}
    base::probe_outcome probe(base::device& dev) override {
        dev.host()->clock().advance(std::chrono::microseconds{3}); // the probe takes time
        if (auto* s = dev.host()->find_device("supplier"); !s || !s->is_bound())
            return base::deferred(base::dep_key::device("supplier"), "needs the supplier");
        return base::bound();
    }
};

struct plain final : base::platform_driver {
    plain() : platform_driver{"supplier_drv", {"supplier"}} {}
    base::probe_outcome probe(base::device&) override { return base::bound(); }
};

} // namespace

TEST_CASE("a host's trace becomes Chrome trace events, one track per device", "[report][trace]") {
    base::recording_sink sink;
    base::host host{base::host_options{.sink = &sink}};
    REQUIRE(host.add_device(std::make_unique<base::platform_device>("consumer", "consumer")));
    REQUIRE(host.register_driver(std::make_unique<waits_for_supplier>()));
    REQUIRE(host.settle());
    REQUIRE(host.add_device(std::make_unique<base::platform_device>("supplier", "supplier")));
    REQUIRE(host.register_driver(std::make_unique<plain>()));
    REQUIRE(host.settle());
    REQUIRE(host.find_device("consumer")->is_bound());

    auto events = sink.events();
    auto trace = report::chrome_trace(events);
    auto const& te = trace.at("traceEvents");

    std::map<std::string, int> tid_of;
    for (auto const& e : te)
        if (e["ph"] == "M" && e["name"] == "thread_name")
            tid_of[e["args"]["name"].get<std::string>()] = e["tid"].get<int>();
    REQUIRE(tid_of.count("consumer") == 1);
    REQUIRE(tid_of.count("supplier") == 1);
    REQUIRE(tid_of.at("host") == 0);
    REQUIRE(tid_of.at("consumer") != tid_of.at("supplier"));

    // Slices balance on every track; times never run backwards.
    std::map<int, int> depth;
    double last = 0;
    int consumer_probes = 0;
    bool saw_deferral = false, saw_wakeup = false;
    for (auto const& e : te) {
        if (e["ph"] == "M") continue;
        double ts = e["ts"].get<double>();
        REQUIRE(ts >= last);
        last = ts;
        int tid = e["tid"].get<int>();
        if (e["ph"] == "B") ++depth[tid];
        if (e["ph"] == "E") {
            REQUIRE(depth[tid] > 0);
            --depth[tid];
            if (tid == tid_of["consumer"] && e["name"] == "probe consumer_drv") ++consumer_probes;
        }
        if (e["ph"] == "i" && e["name"] == "deferred" && tid == tid_of["consumer"]) {
            saw_deferral = true;
            REQUIRE(e["args"]["key"] == "device:supplier");
            REQUIRE(e["args"]["text"] == "needs the supplier");
        }
        if (e["ph"] == "i" && e["name"] == "wakeup" && tid == tid_of["consumer"]) saw_wakeup = true;
    }
    for (auto [tid, d] : depth)
        REQUIRE(d == 0);
    REQUIRE(consumer_probes == 2); // deferred once, then bound
    REQUIRE(saw_deferral);
    REQUIRE(saw_wakeup);
    REQUIRE(last >= 6.0); // two 3 µs probes of virtual time
    REQUIRE(trace.at("displayTimeUnit") == "ns");
}
