// cxlfw-probe: run drivers on an emulated CXL platform and show the result the way
// `cxl list` does; decode real tables and dumps; translate addresses.
// Exit codes: docs/cxlfw-probe.md.
#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"cxlfw-probe: CXL drivers composed with cxlfw, run on an emulated platform.\n"
                 "Without a command it runs `run`; the options below are run's."};
    app.require_subcommand(0, 1);
    probe::action chosen;

    // No command = `run`, so `cxlfw-probe --seed 3 -v` works as `cxlfw-probe run --seed 3 -v`.
    probe::run_options run_default;
    probe::add_platform_options(app, run_default.platform);
    app.add_flag("-v,--verbose", run_default.verbose, "add the probe log (trace events as text)");

    probe::run_options run;
    probe::add_run(app, run, chosen);
    probe::list_options list;
    probe::add_list(app, list, chosen);
    probe::dot_options dot;
    probe::add_dot(app, dot, chosen);

    probe::translate_options translate;
    probe::add_translate(app, translate, chosen);
    probe::decode_options decode;
    probe::add_decode(app, decode, chosen);
    probe::trace_options trace;
    probe::add_trace(app, trace, chosen);

    try {
        app.parse(argc, argv);
    } catch (CLI::CallForHelp const& e) {
        return app.exit(e);
    } catch (CLI::CallForAllHelp const& e) {
        return app.exit(e);
    } catch (CLI::ParseError const& e) {
        std::fprintf(stderr, "cxlfw-probe: %s\n", e.what());
        return probe::usage;
    }
    if (!chosen) return probe::run_run(run_default);
    // Options before a command would silently configure the default run, not the command.
    for (auto const* opt : app.get_options())
        if (opt->count() > 0)
            return probe::report({probe::usage, "put " + opt->get_name() +
                                                    " after the command (e.g. `cxlfw-probe " +
                                                    app.get_subcommands().front()->get_name() +
                                                    " " + opt->get_name() + " ...`)"});
    return chosen();
}
