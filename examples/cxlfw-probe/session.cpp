// The platform session of cxlfw-probe: topology, drivers, load order, settle.
#include "session.hpp"

#include "../drivers/cache_accel.hpp"
#include "../drivers/cxl_accel.hpp"
#include "../drivers/demo.hpp"
#include "../drivers/efx_cxl.hpp"

#include <cxlfw/emu/build.hpp>
#include <cxlfw/emu/topologies.hpp>
#include <cxlfw/spec/cedt.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <set>

namespace probe {

namespace emu = cxlfw::emu;
namespace spec = cxlfw::spec;

void add_platform_options(CLI::App& cmd, platform_options& o) {
    cmd.add_option_function<std::string>(
           "--topology",
           [&o](std::string const& t) {
               o.topology = t;
               o.topology_given = true;
           },
           "built-in platform (default demo)")
        ->check(CLI::IsMember({"demo", "cxl_test", "qemu-q35"}));
    cmd.add_option("--cedt", o.cedt, "host bridges and windows from a real CEDT");
    cmd.add_option_function<std::string>(
           "--seed", [&o](std::string const& s) { o.seed = parse_u64(s); },
           "shuffle driver load order and device arrival")
        ->check(number());
    cmd.add_option("--root", o.root, "the CXL root (ACPI0017): at probe, later, or never")
        ->check(CLI::IsMember({"present", "late", "never"}));
    cmd.add_option("--deferral", o.deferral, "deferred-probe mode")
        ->check(CLI::IsMember({"targeted", "retry-all"}));
}

namespace {

/// `demo` (the default): cxl_test plus what every example driver binds; `cxl_test`: Linux's
/// mock exactly (no device-memory window, so the Type-2 drivers fall back); `qemu-q35`.
emu::topology named_topology(std::string const& name) {
    if (name == "qemu-q35") return emu::qemu_q35_topology();
    if (name == "cxl_test") return emu::cxl_test_topology();
    return examples::demo_topology();
}

/// What of a real CEDT the platform leaves out: host bridges (by UID) and windows (by their
/// index in cfmws_list) that cannot be emulated.
struct left_out {
    std::set<std::uint32_t> uids;
    std::set<std::size_t> windows;
};

/// `src`'s devices (when given) under the table's host bridges, with the table's windows,
/// but what `skip` names.
emu::topology from_cedt(spec::cedt_table const& table, emu::topology const* src,
                        left_out const& skip, std::vector<std::size_t>* window_of = nullptr) {
    emu::topology t;
    t.cedt_header = table.header;
    for (auto const& c : table.chbs_list)
        t.chbs_order.push_back(c.uid);
    std::map<emu::topology::element_id, emu::topology::element_id> map;
    std::vector<std::uint32_t> placed;
    if (src) {
        t.acpi_root_present = src->acpi_root_present;
        t.timing = src->timing;
        auto const& elements = src->elements();
        for (emu::topology::element_id id = 0; id < elements.size(); ++id) {
            auto const& e = elements[id];
            if (e.kind != emu::element_kind::host_bridge && !map.contains(e.parent) &&
                e.kind != emu::element_kind::downstream_port)
                continue; // below a host bridge left out
            switch (e.kind) {
            case emu::element_kind::host_bridge: {
                auto hb = src->host_bridge(id);
                if (skip.uids.contains(hb.uid)) break;
                if (auto const* c = table.find_chbs(hb.uid)) {
                    hb.chbs_base = c->base;
                    hb.chbs_version = c->cxl_version;
                }
                map[id] = t.add_host_bridge(hb);
                placed.push_back(hb.uid);
                break;
            }
            case emu::element_kind::root_port:
                map[id] = t.add_root_port(map.at(e.parent), src->port(id));
                break;
            case emu::element_kind::upstream_port: {
                auto usp = t.add_switch(map.at(e.parent), src->switch_of(id));
                map[id] = usp;
                auto theirs = src->downstream_ports(id);
                auto ours = t.downstream_ports(usp);
                for (std::size_t i = 0; i < theirs.size() && i < ours.size(); ++i)
                    map[theirs[i]] = ours[i];
                break;
            }
            case emu::element_kind::downstream_port:
                break; // created with their switch
            case emu::element_kind::endpoint:
                map[id] = t.add_endpoint(map.at(e.parent), src->endpoint(id), e.serial);
                break;
            }
        }
    }
    // Host bridges of the table alone: QEMU's pxb-cxl has _UID = its root bus number, so the
    // bridges keep the names they have in that guest (pci0000:0c for UID 12) where UIDs fit.
    bool const uid_is_bus = std::all_of(table.chbs_list.begin(), table.chbs_list.end(),
                                        [](auto const& c) { return c.uid <= 0xFF; });
    for (auto const& c : table.chbs_list) {
        if (std::find(placed.begin(), placed.end(), c.uid) != placed.end()) continue;
        if (skip.uids.contains(c.uid)) continue;
        emu::host_bridge_spec hb{.uid = c.uid, .chbs_version = c.cxl_version, .chbs_base = c.base};
        if (uid_is_bus && placed.empty()) {
            hb.segment = 0;
            hb.bus = static_cast<std::uint8_t>(c.uid);
        }
        t.add_host_bridge(hb);
    }
    for (std::size_t i = 0; i < table.cfmws_list.size(); ++i) {
        auto const& w = table.cfmws_list[i];
        if (skip.windows.contains(i)) continue;
        if (window_of) window_of->push_back(i);
        t.add_window({.base = w.base_hpa,
                      .size = w.window_size,
                      .targets = {w.targets.begin(), w.targets.end()},
                      .granularity = std::uint64_t{256} << w.hbig,
                      .arithmetic = w.arithmetic,
                      .restrictions = w.restrictions,
                      .qtg_id = w.qtg_id});
    }
    for (auto const& x : table.cxims_list)
        t.add_cxims(x);
    return t;
}

/// A driver the session can load: its name and how to register it.
struct loadable {
    std::string name;
    std::function<cxlfw::status(cxlfw::base::host&)> load;
};

template <class D>
loadable composed() {
    return {std::string{D::name}, [](cxlfw::base::host& h) -> cxlfw::status {
                auto r = cxlfw::register_driver<D>(h);
                if (!r) return r.error();
                return {};
            }};
}

loadable stock(cxlfw::drivers::stock_driver d) {
    auto drv = cxlfw::drivers::make_stock_driver(d);
    std::string name = drv->name();
    return {name, [d](cxlfw::base::host& h) -> cxlfw::status {
                auto r = h.register_driver(cxlfw::drivers::make_stock_driver(d));
                if (!r) return r.error();
                return {};
            }};
}

} // namespace

std::optional<failure> make_topology(platform_options const& o, emu::topology& out) {
    if (o.cedt.empty()) {
        out = named_topology(o.topology);
        return std::nullopt;
    }
    std::vector<std::byte> bytes;
    if (auto f = read_file(o.cedt, bytes)) return f;
    spec::cedt_diag why;
    auto table = spec::parse_cedt(bytes, &why);
    if (!table) return failure{bad_input, o.cedt + ": " + why.message()};
    for (auto const& d : table->diagnostics)
        if (d.severity != spec::cedt_severity::note)
            std::fprintf(stderr, "cxlfw-probe: warning: %s: %s\n", o.cedt.c_str(),
                         d.message().c_str());
    // A host bridge or window of a real table that cannot be emulated (ACPICA's template has a
    // CXL 1.1 CHBS at 0x1000) is a warning naming the subtable and why, and is left out with
    // what hangs on it; the rest of the platform builds. Each round leaves out one more.
    std::optional<emu::topology> src;
    if (o.topology_given) src = named_topology(o.topology);
    left_out skip;
    auto warn = [&](std::string const& what) {
        std::fprintf(stderr, "cxlfw-probe: warning: %s: %s\n", o.cedt.c_str(), what.c_str());
    };
    for (;;) {
        std::vector<std::size_t> window_of;
        out = from_cedt(*table, src ? &*src : nullptr, skip, &window_of);
        emu::build_diagnostic bad;
        if (emu::build(out, &bad)) return std::nullopt;
        if (bad.window != emu::build_diagnostic::none && bad.window < window_of.size()) {
            auto const i = window_of[bad.window];
            warn("subtable " + std::to_string(table->cfmws_list[i].index) +
                 " (CFMWS): " + bad.code.message() +
                 (bad.detail.empty() ? "" : " (" + bad.detail + ")") + "; window left out");
            skip.windows.insert(i);
            continue;
        }
        if (bad.element != emu::build_diagnostic::none && bad.element < out.elements().size()) {
            auto el = bad.element;
            while (out.at(el).parent != emu::topology::none)
                el = out.at(el).parent;
            auto const uid = out.host_bridge(el).uid;
            auto const* c = table->find_chbs(uid);
            if (c && !skip.uids.contains(uid)) {
                char base[24];
                std::snprintf(base, sizeof base, "0x%llx",
                              static_cast<unsigned long long>(c->base));
                warn("subtable " + std::to_string(c->index) + " (CHBS, UID " + std::to_string(uid) +
                     ", CXL " + (c->is_rcrb() ? "1.1" : "2.0") + ", base " + base + "): " +
                     bad.code.message() + (bad.detail.empty() ? "" : " (" + bad.detail + ")") +
                     "; host bridge left out");
                skip.uids.insert(uid);
                continue;
            }
        }
        return std::nullopt; // not the table's: start() reports it
    }
}

std::unique_ptr<session> session::open(platform_options const& o, std::optional<failure>& why) {
    std::unique_ptr<session> s{new session};
    why = s->start(o);
    if (why) return nullptr;
    return s;
}

session::~session() {
    glue_.reset(); // the host goes before the platform it runs on
    platform_.reset();
}

std::optional<failure> session::start(platform_options const& o) {
    opts_ = o;
    emu::topology topo;
    if (auto f = make_topology(o, topo)) return f;
    topo.acpi_root_present = o.root == "present";

    emu::build_diagnostic bad;
    auto p = emu::build(topo, &bad);
    if (!p) return failure{bad_input, "the platform cannot be built: " + bad.message()};
    platform_ = std::move(*p);

    cxlfw::base::host_options ho;
    ho.mode = o.deferral == "retry-all" ? cxlfw::base::deferral_mode::retry_all
                                        : cxlfw::base::deferral_mode::targeted;
    ho.sink = &sink_;
    glue_ = std::make_unique<cxlfw::testing::platform_host>(*platform_, ho);

    using cxlfw::drivers::stock_driver;
    std::vector<loadable> drivers{stock(stock_driver::acpi),        stock(stock_driver::port),
                                  stock(stock_driver::mem),         stock(stock_driver::pci),
                                  composed<examples::efx_cxl>(),    composed<examples::cxl_accel>(),
                                  composed<examples::cache_accel>()};
    // Without a seed: devices first, then the drivers in this order. With one: the drivers
    // in a shuffled order, the devices arriving (in a shuffled order) between two of them.
    std::size_t devices_after = 0;
    if (o.seed) {
        std::mt19937_64 rng{*o.seed};
        std::shuffle(drivers.begin(), drivers.end(), rng);
        devices_after = std::uniform_int_distribution<std::size_t>{0, drivers.size()}(rng);
    }
    auto fail = [](std::string what, std::error_code ec) {
        return failure{probe_failed, what + ": " + ec.message()};
    };
    for (std::size_t i = 0; i <= drivers.size(); ++i) {
        if (i == devices_after)
            if (auto ok = glue_->populate(o.seed); !ok) return fail("adding devices", ok.error());
        if (i == drivers.size()) break;
        if (auto ok = drivers[i].load(host()); !ok) return fail(drivers[i].name, ok.error());
        load_order_.push_back(drivers[i].name);
    }
    if (auto ok = host().settle(); !ok) return fail("settling", ok.error());
    if (o.root == "late") {
        if (auto ok = platform_->add_acpi_root(); !ok) return fail("adding the root", ok.error());
        if (auto ok = host().settle(); !ok) return fail("settling", ok.error());
    }
    return std::nullopt;
}

std::string session::describe() const {
    std::string s = opts_.cedt.empty() ? opts_.topology : "CEDT " + opts_.cedt;
    if (!opts_.cedt.empty() && opts_.topology_given) s += " + " + opts_.topology + " devices";
    s += ", root " + opts_.root + ", " + opts_.deferral + " deferral";
    if (opts_.seed) s += ", seed " + std::to_string(*opts_.seed);
    return s;
}

} // namespace probe
