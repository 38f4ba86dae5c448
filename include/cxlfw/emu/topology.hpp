// A topology description: host bridges, root ports, switches, devices and fixed memory windows,
// described in code and turned into a platform by emu::build() (build.hpp).
//
//   emu::topology t;
//   auto hb = t.add_host_bridge({.uid = 7});
//   auto rp = t.add_root_port(hb);
//   auto sw = t.add_switch(rp, {.downstream_ports = 4});
//   for (auto dsp : t.downstream_ports(sw))
//       t.add_endpoint(dsp, emu::endpoint_spec::type3_device(1_GiB, 1_GiB));
//   t.add_window({.size = 16_GiB, .targets = {7}, .granularity = 4_KiB,
//                 .restrictions = spec::cfmws_restrict::type3 | spec::cfmws_restrict::volatile_});
//
// Adding never fails: element ids are indices, and every rule (who may be whose parent, bus
// and address budgets, window encodings) is checked by build(), which names the offending
// element in its diagnostic. Identical device descriptions are stored once, so a description
// of 100,000 endpoints is small.
#pragma once

#include <cxlfw/config.hpp>
#include <cxlfw/emu/devices.hpp>
#include <cxlfw/spec/cedt_builder.hpp>
#include <cxlfw/spec/interleave_math.hpp>
#include <cxlfw/units.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace cxlfw::emu {

/// A CFMWS: a host physical address window interleaved over host bridges.
struct window_spec {
    std::optional<std::uint64_t> base{}; ///< default: allocated from topology::window_base
    std::uint64_t size = 0;
    std::vector<std::uint32_t> targets{}; ///< host bridge UIDs, one per way
    std::uint64_t granularity = 256;      ///< HBIG in bytes (256 B .. 16 KiB)
    spec::interleave_arithmetic arithmetic = spec::interleave_arithmetic::modulo;
    std::uint16_t restrictions = spec::cfmws_restrict::type3 | spec::cfmws_restrict::volatile_;
    std::uint16_t qtg_id = 0;
};

/// An HDM decoder that firmware committed before the OS ran: what a BIOS leaves for an
/// interleaved memory set or an accelerator's memory (Linux finds it committed in
/// init_hdm_decoder() and assembles its region in cxl_add_to_region()). Host bridges (VH),
/// switches (by their upstream port) and devices with HDM decoders can have them. The
/// registers start in this state and a conventional reset clears them, as on hardware: the
/// BIOS does not run again after a link comes back. docs/emulator.md, "Firmware state".
struct firmware_decoder {
    unsigned id = 0;
    std::uint64_t base = 0;               ///< HPA
    std::uint64_t size = 0;               ///< HPA bytes (a device's DPA share is size / ways)
    unsigned ways = 1;                    ///< 1, 2, 4, 8, 16, 3, 6, 12
    std::uint64_t granularity = 256;      ///< interleave granularity, 256 B .. 16 KiB
    std::vector<std::uint32_t> targets{}; ///< host bridge, switch: a root or downstream port
                                          ///< element per way, in target-list order
    std::uint64_t dpa_skip = 0;           ///< device: DPA skipped before its range (256 MiB units)
    bool lock_on_commit = false;
    /// Target type: default device coherent (HDM-D) for a Type-2 device's own decoders,
    /// host-only coherent otherwise.
    std::optional<bool> device_coherent{};
    friend bool operator==(firmware_decoder const&, firmware_decoder const&) = default;
};

enum class element_kind : std::uint8_t {
    host_bridge,
    root_port,
    upstream_port,
    downstream_port,
    endpoint,
};

constexpr std::string_view element_kind_name(element_kind k) noexcept {
    switch (k) {
    case element_kind::host_bridge:
        return "host bridge";
    case element_kind::root_port:
        return "root port";
    case element_kind::upstream_port:
        return "switch upstream port";
    case element_kind::downstream_port:
        return "switch downstream port";
    case element_kind::endpoint:
        return "endpoint";
    }
    return "unknown";
}

class topology {
public:
    using element_id = std::uint32_t;
    static constexpr element_id none = 0xFFFF'FFFFu;

    struct element {
        element_kind kind = element_kind::host_bridge;
        element_id parent = none;
        std::vector<element_id> children;
        std::uint32_t spec = 0; ///< index into the spec list of its kind
        std::optional<std::uint64_t> serial{};
    };

    topology();
    topology(topology const&);
    topology(topology&&) noexcept;
    topology& operator=(topology const&);
    topology& operator=(topology&&) noexcept;
    ~topology();

    element_id add_host_bridge(host_bridge_spec const& s);

    element_id add_root_port(element_id host_bridge, port_spec const& s = {});

    /// A switch below a root or downstream port; returns its upstream port. Its downstream
    /// ports are downstream_ports(upstream port), in port-number order.
    element_id add_switch(element_id port, switch_spec const& s = {});

    std::span<const element_id> downstream_ports(element_id upstream_port) const;

    /// A device below a root port or downstream port, or (as its RCD) below an RCH. `serial`
    /// defaults to the device's ordinal among the platform's endpoints, plus one.
    element_id add_endpoint(element_id port, endpoint_spec const& s,
                            std::optional<std::uint64_t> serial = std::nullopt);

    /// An HDM decoder `element` (a host bridge, a switch's upstream port or a device) has
    /// committed at power-on. build() checks it against the element's capability, its earlier
    /// decoders, the windows and the decoders above it.
    void commit_decoder(element_id element, firmware_decoder d);

    void add_window(window_spec w);
    void add_cxims(spec::cxims const& x);

    // --- platform-wide settings --------------------------------------------------------------

    /// OEM and creator fields of the emitted CEDT (signature, length, checksum are computed).
    spec::acpi_table_header cedt_header = spec::cedt_builder::default_header();
    /// CHBS order in the CEDT, by UID; host bridges not listed follow in description order.
    std::vector<std::uint32_t> chbs_order;
    /// Whether the ACPI0017 CXL root object exists at power-on (platform::add_acpi_root()
    /// adds it later).
    bool acpi_root_present = true;
    /// Where BARs, CHBCRs and RCRBs are allocated, and windows without a base.
    std::uint64_t mmio_base = 0x4000'0000'0000; // 64 TiB
    std::uint64_t mmio_size = 0x1000'0000'0000; // 16 TiB
    std::uint64_t window_base = 0x10'0000'0000; // 64 GiB
    emu::timing timing{};

    // --- reading the description -------------------------------------------------------------

    std::span<const element> elements() const noexcept { return elements_; }
    element const& at(element_id id) const { return elements_.at(id); }
    host_bridge_spec const& host_bridge(element_id id) const {
        return host_bridges_.at(elements_.at(id).spec);
    }
    port_spec const& port(element_id id) const { return ports_.at(elements_.at(id).spec); }
    switch_spec const& switch_of(element_id id) const {
        return switches_.at(elements_.at(id).spec);
    }
    endpoint_spec const& endpoint(element_id id) const {
        return endpoints_.at(elements_.at(id).spec);
    }
    std::span<const window_spec> windows() const noexcept { return windows_; }
    struct firmware_entry {
        element_id element = none;
        firmware_decoder decoder{};
    };
    /// What firmware committed, in the order commit_decoder() was called.
    std::span<const firmware_entry> firmware() const noexcept { return firmware_; }

    std::span<const spec::cxims> cxims() const noexcept { return cxims_; }
    std::span<const element_id> host_bridge_elements() const noexcept { return roots_; }
    /// Distinct endpoint descriptions (shared by every endpoint that uses them).
    std::span<const endpoint_spec> endpoint_specs() const noexcept { return endpoints_; }

private:
    element_id add(element_kind kind, element_id parent, std::uint32_t spec_index);

    std::vector<element> elements_;
    std::vector<element_id> roots_;
    std::vector<host_bridge_spec> host_bridges_;
    std::vector<port_spec> ports_;
    std::vector<switch_spec> switches_;
    std::vector<endpoint_spec> endpoints_;
    std::vector<window_spec> windows_;
    std::vector<spec::cxims> cxims_;
    std::vector<firmware_entry> firmware_;
};

} // namespace cxlfw::emu

#if defined(CXLFW_HEADER_ONLY)
#include <cxlfw/emu/impl/topology.ipp>
#endif
