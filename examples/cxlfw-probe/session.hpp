// The platform every cxlfw-probe command that runs drivers works on: an emulated topology
// (or a real CEDT's host bridges and windows), a host on its clock, the stock drivers and
// the example drivers, loaded and settled in the order a seed gives.
#pragma once

#include "cli.hpp"

#include <cxlfw/base/host.hpp>
#include <cxlfw/base/trace.hpp>
#include <cxlfw/core/objects.hpp>
#include <cxlfw/core/registry.hpp>
#include <cxlfw/emu/platform.hpp>
#include <cxlfw/emu/topology.hpp>
#include <cxlfw/testing/platform.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace probe {

struct platform_options {
    std::string topology = "demo";     ///< demo | cxl_test | qemu-q35
    bool topology_given = false;       ///< --topology on the command line
    std::string cedt;                  ///< a real CEDT: its host bridges and windows
    std::optional<std::uint64_t> seed; ///< shuffles driver load order and device arrival
    std::string root = "present";      ///< present | late | never
    std::string deferral = "targeted"; ///< targeted | retry-all
};

/// Declares --topology, --cedt, --seed, --root, --deferral on a subcommand.
void add_platform_options(CLI::App& cmd, platform_options& o);

class session {
public:
    /// Builds, loads and settles; a failure says why, with its exit code.
    static std::unique_ptr<session> open(platform_options const& o, std::optional<failure>& why);
    ~session();

    cxlfw::base::host& host() { return glue_->host(); }
    cxlfw::emu::platform& platform() { return *platform_; }
    cxlfw::core::cxl_core& cxl() { return glue_->cxl(); }
    std::vector<cxlfw::base::trace_event> events() const { return sink_.events(); }
    /// Drivers in the order they were registered.
    std::vector<std::string> const& load_order() const { return load_order_; }
    /// One line naming what was run: topology, root, deferral mode, seed.
    std::string describe() const;

private:
    session() = default;
    std::optional<failure> start(platform_options const& o);

    platform_options opts_;
    cxlfw::base::recording_sink sink_;
    std::unique_ptr<cxlfw::emu::platform> platform_;
    std::unique_ptr<cxlfw::testing::platform_host> glue_;
    std::vector<std::string> load_order_;
};

/// The topology a session runs: the named one, or a CEDT's host bridges and windows (with
/// the named topology's devices under them when --topology is given too). Rejected windows
/// are printed to stderr as warnings.
std::optional<failure> make_topology(platform_options const& o, cxlfw::emu::topology& out);

} // namespace probe
