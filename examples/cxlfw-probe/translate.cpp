// cxlfw-probe translate: DPA -> HPA offset with the spec layer's interleave math, from flags
// or from a window of a real CEDT.
#include "commands.hpp"

#include <cxlfw/spec/cedt.hpp>
#include <cxlfw/spec/interleave_math.hpp>

#include <cstdio>

namespace probe {

namespace {

std::optional<failure> geometry_from_cedt(translate_options const& o,
                                          cxlfw::spec::interleave_geometry& g) {
    std::vector<std::byte> bytes;
    if (auto f = read_file(o.cedt, bytes)) return f;
    cxlfw::spec::cedt_diag why;
    auto table = cxlfw::spec::parse_cedt(bytes, &why);
    if (!table) return failure{bad_input, o.cedt + ": " + why.message()};
    for (auto const& d : table->diagnostics)
        if (d.severity != cxlfw::spec::cedt_severity::note)
            std::fprintf(stderr, "cxlfw-probe: warning: %s: %s\n", o.cedt.c_str(),
                         d.message().c_str());
    auto const& windows = table->cfmws_list;
    if (*o.window >= windows.size())
        return failure{usage, "--window " + std::to_string(*o.window) + ": " + o.cedt + " has " +
                                  std::to_string(windows.size()) + " usable window(s)"};
    auto const& w = windows[*o.window];
    g.base = w.base_hpa;
    g.hb_ways = w.ways();
    g.ways = o.ways ? unsigned(*o.ways) : w.ways();
    g.granularity = o.granularity ? unsigned(*o.granularity) : w.granularity();
    g.arithmetic = w.arithmetic;
    g.xormaps = table->xormaps_for(w);
    return std::nullopt;
}

std::optional<failure> geometry_from_flags(translate_options const& o,
                                           cxlfw::spec::interleave_geometry& g) {
    for (auto [flag, value] :
         {std::pair{"--ways", o.ways}, std::pair{"--granularity", o.granularity},
          std::pair{"--hb-ways", o.hb_ways}})
        if (!value) return failure{usage, std::string{flag} + " is required without --cedt"};
    g.ways = unsigned(*o.ways);
    g.granularity = unsigned(*o.granularity);
    g.hb_ways = unsigned(*o.hb_ways);
    g.arithmetic = o.math == "xor" ? cxlfw::spec::interleave_arithmetic::xormap
                                   : cxlfw::spec::interleave_arithmetic::modulo;
    for (auto m : o.xormaps)
        if (!g.xormaps.push_back(m))
            return failure{usage, "--xormap: at most " +
                                      std::to_string(cxlfw::spec::max_xormaps_used) + " maps"};
    return std::nullopt;
}

} // namespace

int run_translate(translate_options const& o) {
    cxlfw::spec::interleave_geometry g;
    if (auto f = o.cedt.empty() ? geometry_from_flags(o, g) : geometry_from_cedt(o, g))
        return report(*f);
    if (*o.position > 0xFFFF) return report({usage, "--position is out of range"});
    g.position = unsigned(*o.position);
    auto hpa = cxlfw::spec::dpa_to_hpa(g, *o.dpa);
    if (!hpa) return report({usage, "cannot translate: " + make_error_code(hpa.error()).message()});
    std::printf("%s\n", hex(*hpa - g.base).c_str());
    return ok;
}

void add_translate(CLI::App& app, translate_options& o, action& chosen) {
    auto* cmd = app.add_subcommand("translate", "DPA -> HPA offset for an interleave position");
    auto num = [&](char const* name, std::optional<std::uint64_t>& into, char const* what) {
        return cmd
            ->add_option_function<std::string>(
                name, [&into](std::string const& s) { into = parse_u64(s); }, what)
            ->check(number());
    };
    num("--dpa", o.dpa, "DPA offset into the device's decoded range")->required();
    num("--position", o.position, "the device's interleave position")->required();
    num("--ways", o.ways, "region interleave ways (1,2,4,8,16,3,6,12)");
    num("--granularity", o.granularity, "region interleave granularity in bytes (256..16K)");
    auto* hb = num("--hb-ways", o.hb_ways, "host-bridge interleave ways (picks the XOR maps)");
    auto* math = cmd->add_option("--math", o.math, "window arithmetic")
                     ->check(CLI::IsMember({"modulo", "xor"}))
                     ->default_val("modulo");
    auto* maps = cmd->add_option_function<std::vector<std::string>>(
                        "--xormap",
                        [&o](std::vector<std::string> const& v) {
                            for (auto const& s : v)
                                o.xormaps.push_back(*parse_u64(s));
                        },
                        "a CXIMS XOR map (repeat, in CXIMS order)")
                     ->check(number());
    auto* cedt = cmd->add_option("--cedt", o.cedt, "take the geometry from this CEDT's window");
    auto* window = num("--window", o.window, "index of the usable window in --cedt");
    cedt->needs(window)->excludes(hb)->excludes(math)->excludes(maps);
    window->needs(cedt);
    cmd->callback([&] { chosen = [&o] { return run_translate(o); }; });
}

} // namespace probe
