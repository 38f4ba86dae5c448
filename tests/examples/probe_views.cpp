// cxlfw-probe run, list, dot and trace, run as programs: golden outputs on both built-in
// topologies (with values from the topologies asserted beside them), output that does not
// depend on the seed, a real CEDT, the platform options, and bad input with its exit code.
#include "../support/golden.hpp"
#include "run.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using cxlfw_test::data;
using cxlfw_test::run;
using nlohmann::json;

namespace {

std::string const probe = CXLFW_PROBE_BIN;

cxlfw_test::run_result ok(std::vector<std::string> const& args) {
    auto r = run(probe, args);
    INFO("cxlfw-probe stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
}

json parse(std::string const& text) {
    json j;
    REQUIRE_NOTHROW(j = json::parse(text));
    return j;
}

/// The numbers on the run summary's last line ("probes: 49 attempts, 49 binds, ...").
std::map<std::string, unsigned> totals(std::string const& run_out) {
    std::map<std::string, unsigned> t;
    auto const from = run_out.rfind("probes:");
    REQUIRE(from != std::string::npos);
    std::string const line = run_out.substr(from, run_out.find('\n', from) - from);
    std::regex const num{R"((\d+) ([a-z -]+?)(?=[,;]|$))"};
    for (std::sregex_iterator it{line.begin(), line.end(), num}, end; it != end; ++it)
        t[(*it)[2]] = unsigned(std::stoul((*it)[1]));
    return t;
}

/// The summary row of one device: its columns split on runs of spaces.
std::vector<std::string> row(std::string const& run_out, std::string const& device) {
    for (auto const& l : cxlfw_test::split_lines(run_out))
        if (l.rfind(device + " ", 0) == 0) {
            std::vector<std::string> cols;
            std::istringstream in{l};
            for (std::string c; in >> c && cols.size() < 7;)
                cols.push_back(c);
            return cols;
        }
    FAIL("no summary row for " << device);
    return {};
}

/// `cxl list` prints one kind of object as a bare array, several as [{"memdevs":[...]}, ...].
std::size_t count_of(json const& j, std::string const& kind, std::string const& field) {
    for (auto const& e : j)
        if (e.contains(kind)) return e[kind].size();
    std::size_t n = 0;
    for (auto const& e : j)
        n += e.contains(field);
    return n;
}

/// An ACPI table with its checksum byte (offset 9) set so that all bytes sum to 0.
std::string with_checksum(std::string bytes) {
    bytes[9] = 0;
    unsigned sum = 0;
    for (char c : bytes)
        sum += std::uint8_t(c);
    bytes[9] = char((0x100 - (sum & 0xFF)) & 0xFF);
    return bytes;
}

struct topo {
    char const* name;
    std::size_t memdevs, vh_host_bridges, root_decoders, regions;
};
// The demo topology is cxl_test (3 VH host bridges and an RCH; 10 Type-3 memdevs, 1 RCD,
// 1 Type-2; 7 windows) plus a Type-1 and a second Type-2 under a new host bridge with its
// own window (examples/drivers/platform.hpp); QEMU's q35 has 4 memdevs under 2 host bridges
// and 2 windows (emu/topologies/qemu_q35.hpp). Each Type-2 driver maps one region, and
// cxl_test boots with the one firmware committed (mock_init_hdm_decoder()).
constexpr topo topologies[] = {{"demo", 13, 4, 8, 3}, {"qemu-q35", 4, 2, 2, 0}};

} // namespace

TEST_CASE("run, list and dot match their golden outputs on both topologies",
          "[examples][probe][golden]") {
    for (auto const& t : topologies) {
        std::string const n = t.name;
        SECTION(n) {
            auto const r = ok({"run", "--topology", n});
            cxlfw_test::check_golden("examples", "run-" + n + ".txt", r.out);
            CHECK(totals(r.out)["memdevs attached"] == t.memdevs);
            CHECK(totals(r.out)["waiting"] == 0);

            auto const plain = ok({"list", "--topology", n});
            cxlfw_test::check_golden("examples", "list-" + n + ".json", plain.out);
            auto const p = parse(plain.out); // no flags: memdevs and regions, as cxl list
            CHECK(count_of(p, "memdevs", "memdev") == t.memdevs);
            CHECK(count_of(p, "regions", "region") == t.regions);

            auto const all = ok({"list", "-BPEMDRT", "--topology", n});
            cxlfw_test::check_golden("examples", "list-BPEMDRT-" + n + ".json", all.out);
            auto const j = parse(all.out);
            REQUIRE(j.size() == 1);
            CHECK(j[0]["bus"] == "root0");
            CHECK(j[0]["decoders:root0"].size() == t.root_decoders);
            CHECK(j[0]["ports:root0"].size() == t.vh_host_bridges);
            std::size_t regions = 0;
            for (auto const& d : j[0]["decoders:root0"])
                regions +=
                    d.value("regions:" + d["decoder"].get<std::string>(), json::array()).size();
            CHECK(regions == t.regions);

            auto const most = ok({"list", "-BPEMDRTiIH", "-vv", "--topology", n});
            cxlfw_test::check_golden("examples", "list-BPEMDRTiIHvv-" + n + ".json", most.out);
            CHECK(parse(most.out).size() == 1);

            auto const dot = ok({"dot", "--legend", "--topology", n});
            cxlfw_test::check_golden("examples", "dot-" + n + ".gv", dot.out);
            CHECK(dot.out.rfind("digraph cxl {", 0) == 0);
            for (std::size_t m = 0; m < t.memdevs; ++m)
                CHECK(dot.out.find("\"mem" + std::to_string(m) + "\" [") != std::string::npos);
        }
    }
}

TEST_CASE("no command runs `run`, with run's options", "[examples][probe]") {
    auto const bare = ok({});
    CHECK(bare.out == ok({"run"}).out);
    auto const seeded = ok({"--seed", "3", "-v"});
    CHECK(seeded.out == ok({"run", "--seed", "3", "-v"}).out);
    CHECK(seeded.out.find("seed 3") != std::string::npos);
    CHECK(seeded.out.find("probe log (virtual time):") != std::string::npos);
    CHECK(bare.out.find("probe log") == std::string::npos);
}

TEST_CASE("topology cxl_test is Linux's mock alone: its firmware region, no device-memory "
          "window, so the Type-2 drivers fall back",
          "[examples][probe]") {
    auto const r = ok({"run", "--topology", "cxl_test"});
    CHECK(r.out.find("cxlfw-probe run: cxl_test,") != std::string::npos);
    CHECK(totals(r.out)["memdevs attached"] == 11); // 10 Type-3 and the RCD
    auto const regions = parse(ok({"list", "-R", "--topology", "cxl_test"}).out);
    REQUIRE(regions.size() == 1);
    CHECK(regions[0]["size"] == 512ull << 20);
    CHECK(regions[0]["interleave_ways"] == 2);
    // sfc_cxl (direct, degrade) finds no window that takes device memory: PCIe only.
    std::istringstream rows{r.out};
    std::string line;
    bool sfc = false;
    while (std::getline(rows, line))
        if (line.rfind("0000:17:00.0", 0) == 0) {
            sfc = true;
            CHECK(line.find("sfc_cxl") != std::string::npos);
            CHECK(line.find("degraded") != std::string::npos);
        }
    CHECK(sfc);
}

TEST_CASE("the settled list and dot do not depend on the seed", "[examples][probe]") {
    auto const topology = GENERATE(as<std::string>{}, "demo", "qemu-q35");
    auto const list_ref = ok({"list", "-BPEMDRTiIH", "-vv", "--topology", topology}).out;
    auto const dot_ref = ok({"dot", "--topology", topology}).out;
    std::set<std::string> load_orders;
    for (int seed = 1; seed <= 20; ++seed) {
        auto const s = std::to_string(seed);
        INFO("--seed " << s);
        CHECK(ok({"list", "-BPEMDRTiIH", "-vv", "--topology", topology, "--seed", s}).out ==
              list_ref);
        CHECK(ok({"dot", "--topology", topology, "--seed", s}).out == dot_ref);
        auto const r = ok({"run", "--topology", topology, "--seed", s}).out;
        load_orders.insert(r.substr(0, r.find("\n\n")));
    }
    CHECK(load_orders.size() > 1); // the seed did change the order
}

TEST_CASE("list and run with --cedt take host bridges and windows from QEMU's CEDT",
          "[examples][probe]") {
    auto const cedt = data + "/qemu/CEDT.cxl";
    // tests/data/SOURCES.md: two windows of 4 GiB at 0x1_1000_0000 (1 way, target 12) and
    // 0x2_1000_0000 (2 ways at 8 KiB, targets 12 and 222), restrictions 0xF, QTG 0.
    auto const d = parse(ok({"list", "-D", "--cedt", cedt}).out);
    REQUIRE(d.size() == 2);
    CHECK(d[0]["decoder"] == "decoder0.0");
    CHECK(d[0]["resource"] == 0x110000000ULL);
    CHECK(d[0]["interleave_ways"] == 1);
    CHECK(d[1]["decoder"] == "decoder0.1");
    CHECK(d[1]["resource"] == 0x210000000ULL);
    CHECK(d[1]["interleave_ways"] == 2);
    CHECK(d[1]["interleave_granularity"] == 8192);
    for (auto const& w : d) {
        CHECK(w["size"] == 4ULL << 30);
        CHECK(w["qos_class"] == 0);
        // restrictions 0xF: Type-2 and Type-3 memory, volatile and persistent
        CHECK(w["volatile_capable"] == true);
        CHECK(w["pmem_capable"] == true);
        CHECK(w["accelmem_capable"] == true);
    }
    // The table's host bridges (UIDs 12 and 222) and no devices.
    auto const p = parse(ok({"list", "-BP", "--cedt", cedt}).out);
    // (named after their root bus; QEMU's pxb-cxl has _UID = bus number)
    REQUIRE(p[0]["ports:root0"].size() == 2);
    std::set<std::string> hosts;
    for (auto const& port : p[0]["ports:root0"])
        hosts.insert(port["host"]);
    CHECK(hosts == std::set<std::string>{"pci0000:0c", "pci0000:de"});
    CHECK(ok({"list", "-M", "--cedt", cedt}).out.find("memdev") == std::string::npos);
    // With a topology: its devices under the table's host bridges.
    auto const q = ok({"run", "--cedt", cedt, "--topology", "qemu-q35"});
    CHECK(totals(q.out)["memdevs attached"] == 4);
}

TEST_CASE("a window the rules reject is a warning on stderr; the rest is shown",
          "[examples][probe]") {
    auto bytes = cxlfw_test::slurp(data + "/qemu/CEDT.cxl");
    REQUIRE(bytes.size() == 0xB8);
    // Window 1 (subtable 3 at 0x8C): base 0x2_1000_1000, not 256 MiB aligned.
    std::uint64_t const base = 0x210001000ULL;
    for (int i = 0; i < 8; ++i)
        bytes[0x8C + 8 + i] = char((base >> (8 * i)) & 0xFF);
    cxlfw_test::temp_file f{"misaligned-window.cxl", with_checksum(bytes)};

    auto const r = run(probe, {"list", "-D", "--cedt", f.path.string()});
    REQUIRE(r.exit_code == 0);
    CHECK(r.err_lines() == 1);
    CHECK(r.err.find("warning") != std::string::npos);
    CHECK(r.err.find("subtable 3 (CFMWS) at 0x8c") != std::string::npos);
    CHECK(r.err.find("base_hpa") != std::string::npos);
    auto const d = parse(r.out);
    REQUIRE(d.size() == 1);
    CHECK(d[0]["resource"] == 0x110000000ULL);
}

TEST_CASE("a host bridge of a real CEDT that cannot be emulated is a warning; the rest is shown",
          "[examples][probe]") {
    auto bytes = cxlfw_test::slurp(data + "/qemu/CEDT.cxl");
    REQUIRE(bytes.size() == 0xB8);
    // CHBS 0 (UID 222, at 0x24) as ACPICA's template has it: CXL 1.1, RCRB at 0x1000.
    auto put = [&](std::size_t at, std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i)
            bytes[at + static_cast<std::size_t>(i)] = char((v >> (8 * i)) & 0xFF);
    };
    put(0x2C, 0, 4);      // CXL Version 0: 1.1
    put(0x34, 0x1000, 8); // Base
    put(0x3C, 0x2000, 8); // Length: an RCRB's
    cxlfw_test::temp_file f{"acpica-chbs.cxl", with_checksum(bytes)};

    auto const r = run(probe, {"list", "-D", "--cedt", f.path.string()});
    REQUIRE(r.exit_code == 0); // was exit 4: the whole platform refused
    CHECK(r.err_lines() == 2);
    CHECK(r.err.find("subtable 0 (CHBS, UID 222, CXL 1.1, base 0x1000)") != std::string::npos);
    CHECK(r.err.find("host bridge left out") != std::string::npos);
    CHECK(r.err.find("subtable 3 (CFMWS)") != std::string::npos); // its window, UID 222
    auto const d = parse(r.out);
    REQUIRE(d.size() == 1); // UID 12's window
    CHECK(d[0]["resource"] == 0x110000000ULL);
}

TEST_CASE("platform options: root late or never, and the two deferral modes", "[examples][probe]") {
    SECTION("root never: Type-3 bound without CXL, the NIC degraded, the accelerator deferred") {
        auto const r = ok({"run", "--root", "never"});
        CHECK(row(r.out, "0000:03:00.0")[3] == "bound");
        CHECK(row(r.out, "0000:03:00.0")[5] == "-"); // no endpoint
        CHECK(row(r.out, "0000:17:00.0")[2] == "sfc_cxl");
        CHECK(row(r.out, "0000:17:00.0")[3] == "degraded");
        CHECK(row(r.out, "0000:1b:00.0")[3] == "deferred");
        CHECK(r.out.find("on event:cxl_root:root0") != std::string::npos);
        CHECK(r.out.find("no registered driver") == std::string::npos);
        CHECK(totals(r.out)["memdevs attached"] == 0);
        CHECK(totals(r.out)["waiting"] == 2);
        auto const dot = ok({"dot", "--root", "never"}).out;
        CHECK(dot.find("deferred on event:cxl_root:root0") != std::string::npos);
        CHECK(dot.find("degraded: pcie-only") != std::string::npos);
    }
    SECTION("root late: everything attaches; retry-all re-probes what targeted leaves alone") {
        // Seeded so that devices defer before others bind: each of those binds re-queues every
        // deferred device in retry-all mode (Linux), and none in targeted mode.
        auto const targeted = ok({"run", "--root", "late", "--seed", "1"});
        auto const retry_all =
            ok({"run", "--root", "late", "--seed", "1", "--deferral", "retry-all"});
        for (auto const* r : {&targeted, &retry_all}) {
            CHECK(totals(r->out)["memdevs attached"] == 13);
            CHECK(totals(r->out)["waiting"] == 0);
            CHECK(row(r->out, "0000:17:00.0")[3] == "bound"); // upgraded from degraded
        }
        CHECK(totals(targeted.out)["wake-ups"] == 2); // the NIC's watcher and the accelerator
        CHECK(totals(retry_all.out)["wake-ups"] > totals(targeted.out)["wake-ups"]);
        CHECK(totals(retry_all.out)["attempts"] > totals(targeted.out)["attempts"]);
        // The settled topology is the same either way.
        CHECK(ok({"list", "-BPEMDRT", "--root", "late"}).out == ok({"list", "-BPEMDRT"}).out);
        CHECK(ok({"list", "-BPEMDRT", "--root", "late", "--deferral", "retry-all"}).out ==
              ok({"list", "-BPEMDRT"}).out);
    }
}

TEST_CASE("trace writes the probe timeline as Chrome trace-event JSON", "[examples][probe]") {
    cxlfw_test::temp_file f{"trace.json", ""};
    auto const r = ok({"trace", f.path.string(), "--root", "late"});
    CHECK(r.out.find("written to") != std::string::npos);
    auto const j = parse(cxlfw_test::slurp(f.path));
    REQUIRE(j.contains("traceEvents"));
    std::map<int, std::string> tracks;
    std::map<int, int> open; // B minus E per track
    for (auto const& e : j["traceEvents"]) {
        if (e["name"] == "thread_name") tracks[e["tid"].get<int>()] = e["args"]["name"];
        if (e["ph"] == "B") ++open[e["tid"].get<int>()];
        if (e["ph"] == "E") --open[e["tid"].get<int>()];
    }
    std::set<std::string> names;
    for (auto const& [tid, name] : tracks)
        names.insert(name);
    CHECK(names.size() == tracks.size()); // one track per device
    for (auto const* dev : {"ACPI0017:00", "0000:03:00.0", "0000:17:00.0", "0000:1b:00.0"})
        CHECK(names.contains(dev));
    for (auto const& [tid, n] : open) {
        INFO("track " << tracks[tid]);
        CHECK(n == 0); // every probe that began ended
    }
}

TEST_CASE("bad flags and files: one line on stderr and a documented exit code",
          "[examples][probe]") {
    auto bytes = cxlfw_test::slurp(data + "/qemu/CEDT.cxl");
    cxlfw_test::temp_file truncated{"truncated.cxl", bytes.substr(0, 100)};
    // QEMU's two windows without its two CHBS (0x24-0x63): windows on absent host bridges.
    std::string no_chbs = bytes.substr(0, 0x24) + bytes.substr(0x64);
    no_chbs[4] = char(no_chbs.size()); // length (< 256)
    cxlfw_test::temp_file orphan_windows{"orphan-windows.cxl", with_checksum(no_chbs)};
    bytes[9] = char(bytes[9] + 1);
    cxlfw_test::temp_file bad_sum{"bad-checksum.cxl", bytes};
    struct bad {
        std::vector<std::string> args;
        int code;
        char const* says;
    };
    std::vector<bad> const cases{
        {{"list", "--topology", "foo"}, 2, "--topology"},
        {{"list", "--seed", "x"}, 2, "--seed"},
        {{"run", "--root", "sometimes"}, 2, "--root"},
        {{"dot", "--deferral", "lazy"}, 2, "--deferral"},
        {{"list", "--bogus"}, 2, "--bogus"},
        {{"--seed", "3", "list"}, 2, "after the command"},
        {{"list", "--cedt", "/nonexistent/CEDT"}, 3, "/nonexistent/CEDT"},
        {{"trace", "/nonexistent/dir/t.json"}, 3, "cannot write"},
        {{"list", "--cedt", truncated.path.string()}, 4, "larger than"},
        {{"run", "--cedt", bad_sum.path.string()}, 4, "checksum"},
    };
    for (auto const& c : cases) {
        std::string line;
        for (auto const& a : c.args)
            line += a + " ";
        INFO("cxlfw-probe " << line);
        auto const r = run(probe, c.args);
        CHECK(r.exit_code == c.code);
        CHECK(r.err_lines() == 1);
        CHECK(r.err.find(c.says) != std::string::npos);
        CHECK(r.out.empty());
    }
    // Windows on host bridges the table does not have: each left out with a warning (as a
    // window the rules reject); what remains is a platform without windows.
    auto const r = run(probe, {"list", "-D", "--cedt", orphan_windows.path.string()});
    CHECK(r.exit_code == 0);
    CHECK(r.err_lines() == 2);
    CHECK(r.err.find("subtable 0 (CFMWS)") != std::string::npos);
    CHECK(r.err.find("subtable 1 (CFMWS)") != std::string::npos);
    CHECK(r.err.find("no host bridge has (UID 12); window left out") != std::string::npos);
    CHECK(parse(r.out).empty());
}
