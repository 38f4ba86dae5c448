// cxlfw-probe: run drivers on an emulated CXL platform and show the result the way
// `cxl list` does; decode real tables and dumps; translate addresses.
// Exit codes: docs/cxlfw-probe.md.
#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"cxlfw-probe: CXL drivers composed with cxlfw, run on an emulated platform"};
    app.require_subcommand(1);
    int rc = probe::ok;

    probe::translate_options translate;
    probe::add_translate(app, translate, rc);
    probe::decode_options decode;
    probe::add_decode(app, decode, rc);
    probe::trace_options trace;
    probe::add_trace(app, trace, rc);

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
    return rc;
}
