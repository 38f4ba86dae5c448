// Hand-built hardware for the core's tests: a component block whose HDM decoders commit,
// PCI config spaces encoded with the spec layer's encoders, and a bed that puts a CXL
// topology together in a base::host without the emulator.
#pragma once

#include <cxlfw/base/base.hpp>
#include <cxlfw/core/core.hpp>
#include <cxlfw/drivers/cxl_mem.hpp>
#include <cxlfw/drivers/cxl_port.hpp>
#include <cxlfw/hw/bus.hpp>
#include <cxlfw/spec/component.hpp>
#include <cxlfw/spec/dvsec.hpp>
#include <cxlfw/spec/pci.hpp>
#include <cxlfw/units.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cxlfw::core::testing {

using namespace cxlfw::literals;
using namespace std::chrono_literals;

inline void put(std::vector<std::byte>& b, std::size_t at, unsigned width, std::uint64_t v) {
    for (unsigned i = 0; i < width; ++i)
        b.at(at + i) = static_cast<std::byte>(v >> (8 * i));
}
inline std::uint64_t get(std::vector<std::byte> const& b, std::size_t at, unsigned width) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i)
        v |= std::uint64_t{std::to_integer<std::uint8_t>(b.at(at + i))} << (8 * i);
    return v;
}

/// A 64 KiB component block: the capability array at 0x1000 names one HDM Decoder Capability
/// structure at 0x1100. A decoder whose Commit goes 0 -> 1 shows Committed (or Error Not
/// Committed, or nothing) `delay` later on the clock; Commit 1 -> 0 de-commits.
class fake_component {
public:
    enum class on_commit { commit, error, never };
    struct options {
        unsigned decoders = 4;
        unsigned target_count = 2;
        bool interleave_11_8 = true;
        bool interleave_14_12 = true;
        bool ways_3_6_12 = false;
        bool hdm = true;
    };

    static constexpr std::size_t hdm_at = 0x1100;

    fake_component(virtual_clock& clock, options o) : clock_{&clock}, bytes_(64_KiB) {
        namespace c = spec::component;
        unsigned const caps = o.hdm ? 1 : 0;
        put(bytes_, c::cache_mem_offset, 4, c::encode_array_header(caps).value());
        if (o.hdm) {
            put(bytes_, c::cache_mem_offset + 4, 4,
                spec::encode_component_cap(
                    {static_cast<std::uint16_t>(spec::component_cap_id::hdm_decoder), 1,
                     static_cast<std::uint16_t>(hdm_at - 0x1000)})
                    .value());
            spec::hdm::decoder_capability cap{.decoder_count = o.decoders,
                                              .target_count = o.target_count,
                                              .interleave_11_8 = o.interleave_11_8,
                                              .interleave_14_12 = o.interleave_14_12,
                                              .interleave_3_6_12_way = o.ways_3_6_12};
            put(bytes_, hdm_at, 4, cap.encode().value());
            pending_.resize(o.decoders);
        }
    }
    fake_component(virtual_clock& clock) : fake_component{clock, options{}} {}

    result<std::uint64_t> read(std::uint64_t off, unsigned width) {
        if (auto ok = hw::check_access(off, width, bytes_.size()); !ok) return ok.error();
        ++reads;
        settle();
        return get(bytes_, off, width);
    }
    status write(std::uint64_t off, unsigned width, std::uint64_t v) {
        if (auto ok = hw::check_access(off, width, bytes_.size()); !ok) return ok.error();
        ++writes;
        settle();
        for (unsigned n = 0; n < pending_.size(); ++n) {
            std::size_t const ctl = control_at(n);
            if (off <= ctl && ctl < off + width) {
                auto const old = static_cast<std::uint32_t>(get(bytes_, ctl, 4));
                put(bytes_, off, width, v);
                auto now = static_cast<std::uint32_t>(get(bytes_, ctl, 4));
                // Committed [10] and Error Not Committed [11] are the component's.
                now = (now & spec::hdm::control_write_mask) | (old & 0xC00u);
                bool const was = spec::hdm::commit::get(old), is = spec::hdm::commit::get(now);
                if (!was && is) {
                    pending_[n] = clock_->now() + delay;
                } else if (was && !is) {
                    now &= ~0xC00u;
                    pending_[n].reset();
                }
                put(bytes_, ctl, 4, now);
                return {};
            }
        }
        put(bytes_, off, width, v);
        return {};
    }

    reg_block block() { return reg_block{hw::bus_ref{*this}, 0, bytes_.size()}; }

    static std::size_t control_at(unsigned n) { return hdm_at + spec::hdm::control::offset_of(n); }
    std::uint32_t control(unsigned n) {
        settle();
        return static_cast<std::uint32_t>(get(bytes_, control_at(n), 4));
    }
    bool committed(unsigned n) { return spec::hdm::committed::get(control(n)); }
    std::uint64_t reg64(std::size_t low_at) const {
        return get(bytes_, low_at, 4) | (get(bytes_, low_at + 4, 4) << 32);
    }
    std::uint64_t base(unsigned n) const {
        return reg64(hdm_at + spec::hdm::base_low::offset_of(n));
    }
    std::uint64_t size(unsigned n) const {
        return reg64(hdm_at + spec::hdm::size_low::offset_of(n));
    }
    std::uint64_t targets(unsigned n) const {
        return reg64(hdm_at + spec::hdm::target_list_low::offset_of(n));
    }
    std::uint32_t global_control() const {
        return static_cast<std::uint32_t>(get(bytes_, hdm_at + 4, 4));
    }

    /// Firmware left decoder n committed with this programming.
    void preset(unsigned n, std::uint64_t base, std::uint64_t size, unsigned ways,
                unsigned granularity, std::uint64_t list, bool host_only = true) {
        namespace h = spec::hdm;
        put(bytes_, hdm_at + h::base_low::offset_of(n), 4, base & 0xFFFF'FFFF);
        put(bytes_, hdm_at + h::base_high::offset_of(n), 4, base >> 32);
        put(bytes_, hdm_at + h::size_low::offset_of(n), 4, size & 0xFFFF'FFFF);
        put(bytes_, hdm_at + h::size_high::offset_of(n), 4, size >> 32);
        put(bytes_, hdm_at + h::target_list_low::offset_of(n), 4, list & 0xFFFF'FFFF);
        put(bytes_, hdm_at + h::target_list_high::offset_of(n), 4, list >> 32);
        h::decoder_control c{.ig = spec::granularity_to_eig(granularity).value(),
                             .iw = spec::ways_to_eiw(ways).value(),
                             .commit = true,
                             .committed = true,
                             .target_type = host_only ? h::decoder_target_type::host_only_coherent
                                                      : h::decoder_target_type::device_coherent};
        put(bytes_, control_at(n), 4, c.encode().value());
    }

    on_commit behaviour = on_commit::commit;
    vtime delay = std::chrono::microseconds{100};
    std::uint64_t reads = 0, writes = 0;

private:
    void settle() {
        for (unsigned n = 0; n < pending_.size(); ++n) {
            if (!pending_[n] || clock_->now() < *pending_[n]) continue;
            if (behaviour == on_commit::never) continue;
            pending_[n].reset();
            auto c = static_cast<std::uint32_t>(get(bytes_, control_at(n), 4));
            c |= behaviour == on_commit::commit ? 0x400u : 0x800u;
            put(bytes_, control_at(n), 4, c);
        }
    }

    virtual_clock* clock_;
    std::vector<std::byte> bytes_;
    std::vector<std::optional<vtime>> pending_;
};

/// A PCI function's config space, encoded: a PCIe capability (port type and Port Number), and
/// optionally a Register Locator naming a component block in BAR0.
struct config_spec {
    std::uint16_t vendor = 0x8086;
    std::uint16_t device = 0x0D93;
    std::uint32_t class_code = 0x050210;
    bool bridge = false;
    std::uint8_t port_type =
        0; ///< PCIe: 0 endpoint, 4 root port, 5 upstream, 6 downstream, 9 RCiEP
    std::uint8_t port_number = 0;
    bool component = false; ///< a Register Locator entry: component block at BAR0 + 0
    std::optional<std::uint64_t> serial{};
};

inline std::vector<std::byte> make_config(config_spec const& s) {
    std::vector<std::byte> b(4_KiB);
    put(b, 0x00, 2, s.vendor);
    put(b, 0x02, 2, s.device);
    put(b, 0x06, 2, 0x0010); // status: capabilities list
    put(b, 0x08, 4, std::uint64_t{s.class_code} << 8);
    put(b, 0x0E, 1, s.bridge ? 1 : 0);
    put(b, 0x10, 4, 0x0000'000C); // BAR0: 64-bit prefetchable memory
    put(b, 0x14, 4, 0x0000'0001);
    put(b, 0x34, 1, 0x40);
    put(b, 0x40, 2, 0x0010); // PCI Express capability, last in the list
    put(b, 0x42, 2, 0x0002 | (std::uint64_t{s.port_type} << 4));
    put(b, 0x4C, 4, std::uint64_t{s.port_number} << 24);
    std::size_t at = spec::pci::ext_cap_start;
    auto const dvsec = static_cast<std::uint16_t>(spec::pci::ext_cap::dvsec);
    std::vector<std::pair<std::size_t, std::size_t>> caps; // offset, length
    if (s.serial) caps.emplace_back(at, 12), at += 12;
    if (s.component) caps.emplace_back(at, spec::register_locator::length_for(1));
    for (std::size_t i = 0; i < caps.size(); ++i) {
        auto [off, len] = caps[i];
        std::size_t const next = i + 1 < caps.size() ? caps[i + 1].first : 0;
        bool const is_serial = s.serial && i == 0;
        put(b, off, 4,
            spec::pci::encode_ext_cap_header(
                is_serial ? static_cast<std::uint16_t>(spec::pci::ext_cap::serial_number) : dvsec,
                1, next)
                .value());
        if (is_serial) {
            put(b, off + 4, 4, *s.serial & 0xFFFF'FFFF);
            put(b, off + 8, 4, *s.serial >> 32);
            continue;
        }
        put(b, off + 4, 4, spec::dvsec::encode_header1(spec::cxl_vendor_id, 0, len).value());
        put(b, off + 8, 2, static_cast<std::uint16_t>(spec::dvsec_id::register_locator));
        auto e = spec::encode_register_block({0, spec::register_block_id::component, 0}).value();
        put(b, off + 0x0C, 4, e.low);
        put(b, off + 0x10, 4, e.high);
    }
    return b;
}

/// A host with the cxl bus and hand-built hardware. Buffers are declared before the host so
/// that they outlive it.
struct bed {
    virtual_clock clock;
    std::deque<fake_component> comps;
    std::deque<std::vector<std::byte>> configs;
    std::deque<hw::writable_memory_bus> buses;
    base::host host{clock};
    cxl_core& cxl = core::attach(host);

    ~bed() { (void)host.teardown(); }

    void port_driver() { (void)host.register_driver(std::make_unique<drivers::cxl_port>()); }
    void mem_driver() { (void)host.register_driver(std::make_unique<drivers::cxl_mem>()); }
    void drivers() {
        port_driver();
        mem_driver();
    }

    fake_component& component(fake_component::options o = {}) {
        return comps.emplace_back(clock, o);
    }

    base::platform_device& platform(std::string name, std::string hid,
                                    base::device* parent = nullptr) {
        return *host.add_device(
                        std::make_unique<base::platform_device>(std::move(name), std::move(hid)),
                        parent)
                    .value();
    }

    /// A PCI function; with `comp`, BAR0's bus is that component block.
    base::pci_device& pci(std::string name, base::device* parent, config_spec s,
                          fake_component* comp = nullptr) {
        s.component = comp != nullptr;
        auto& bytes = configs.emplace_back(make_config(s));
        auto& bus = buses.emplace_back(std::span<std::byte>{bytes});
        auto d = std::make_unique<base::pci_device>(
            std::move(name), base::pci_ident{s.vendor, s.device, s.class_code, 1},
            hw::bus_ref{bus});
        if (comp) (void)d->set_bar(0, base::pci_bar{hw::bus_ref{*comp}, 0x1000'0000, 64_KiB});
        return *host.add_device(std::move(d), parent).value();
    }

    base::pci_device& root_port(std::string name, base::device& hb, std::uint8_t number) {
        return pci(std::move(name), &hb,
                   {.vendor = 0x8086,
                    .device = 0x7075,
                    .class_code = 0x060400,
                    .bridge = true,
                    .port_type = 4,
                    .port_number = number});
    }
    base::pci_device& upstream(std::string name, base::device& rp, fake_component& comp) {
        return pci(std::move(name), &rp,
                   {.vendor = 0x19E5,
                    .device = 0xA128,
                    .class_code = 0x060400,
                    .bridge = true,
                    .port_type = 5},
                   &comp);
    }
    base::pci_device& downstream(std::string name, base::device& usp, std::uint8_t number) {
        return pci(std::move(name), &usp,
                   {.vendor = 0x19E5,
                    .device = 0xA129,
                    .class_code = 0x060400,
                    .bridge = true,
                    .port_type = 6,
                    .port_number = number});
    }
    base::pci_device& device(std::string name, base::device& port) {
        return pci(std::move(name), &port, {.port_type = 0});
    }

    memdev& mem(base::device& pdev, fake_component* comp, std::uint64_t ram = 1_GiB,
                std::uint64_t pmem = 1_GiB, memdev_desc d = {}) {
        d.ram_size = ram;
        d.pmem_size = pmem;
        if (comp) d.component = comp->block();
        return *add_memdev(pdev, std::move(d)).value();
    }
};

/// The interleaved half of cxl_test's mock: two host bridges (UIDs 0 and 1), each with two
/// root ports; below each root port a switch with two downstream ports, a Type-3 device on
/// each (8 memdevs, mem0-mem7 in topology order). Root decoders: decoder0.0 1-way on HB0
/// (RAM, 1 GiB), decoder0.1 2-way on HB0+HB1 at 4 KiB (RAM, 2 GiB), decoder0.2 1-way Type-2
/// device memory on HB0, decoder0.3 2-way PMEM.
struct cxl_test_half {
    bed& b;
    base::platform_device* acpi = nullptr;
    std::vector<base::platform_device*> hbs;
    std::vector<base::pci_device*> rps, usps, dsps, eps;
    std::vector<fake_component*> hb_comps, usp_comps, ep_comps;
    std::vector<memdev*> mems;

    static constexpr std::uint64_t window_base = 0x10'0000'0000;

    explicit cxl_test_half(bed& bed_, bool with_memdevs = true) : b{bed_} {
        acpi = &b.platform("ACPI0017:00", "ACPI0017");
        unsigned ordinal = 0, port_id = 1;
        for (unsigned h = 0; h < 2; ++h) {
            auto name = "pci0000:0" + std::to_string(h);
            hbs.push_back(&b.platform(name, "ACPI0016"));
            hb_comps.push_back(&b.component({.decoders = 4, .target_count = 2}));
            b.cxl.name_port(name, port_id++);
            for (unsigned r = 0; r < 2; ++r) {
                auto bus = std::to_string(h * 16 + r * 4 + 1);
                auto& rp =
                    b.root_port("0000:" + bus + ":00.0", *hbs.back(), static_cast<std::uint8_t>(r));
                rps.push_back(&rp);
                usp_comps.push_back(&b.component({.decoders = 4, .target_count = 2}));
                auto usp_name = "0000:" + bus + ":01.0";
                auto& usp = b.upstream(usp_name, rp, *usp_comps.back());
                b.cxl.name_port(usp_name, port_id++);
                usps.push_back(&usp);
                for (unsigned d = 0; d < 2; ++d) {
                    auto dsp_name = "0000:" + bus + ":02." + std::to_string(d);
                    auto& dsp = b.downstream(dsp_name, usp, static_cast<std::uint8_t>(d));
                    dsps.push_back(&dsp);
                    auto ep_name = "0000:" + bus + ":03." + std::to_string(d);
                    auto& ep = b.device(ep_name, dsp);
                    eps.push_back(&ep);
                    ep_comps.push_back(&b.component({.decoders = 4, .target_count = 0}));
                    b.cxl.name_memdev(ep_name, ordinal);
                    ++ordinal;
                }
            }
        }
        for (unsigned i = 0; i < eps.size(); ++i)
            b.cxl.name_port(eps[i]->name(), port_id++);
        if (with_memdevs)
            for (unsigned i = 0; i < eps.size(); ++i) {
                memdev_desc d;
                d.serial = i + 1;
                mems.push_back(&b.mem(*eps[i], ep_comps[i], 1_GiB, 1_GiB, d));
            }
    }

    /// What cxl_acpi would do: root0, a dport per host bridge, the windows, the HB ports.
    void add_root() {
        auto* root = core::add_root(b.cxl, *acpi).value();
        std::vector<dport*> dps;
        for (unsigned h = 0; h < hbs.size(); ++h)
            dps.push_back(core::add_dport(*root, *hbs[h], h).value());
        namespace w = spec::cfmws_restrict;
        auto window = [&](std::uint64_t base, std::uint64_t size, std::vector<std::uint32_t> t,
                          unsigned gran, std::uint16_t restrict) {
            root_decoder_desc d;
            d.base = base;
            d.size = size;
            d.ways = static_cast<unsigned>(t.size());
            d.granularity = gran;
            d.targets = std::move(t);
            d.restrictions = restrict;
            return core::add_root_decoder(*root, d).value();
        };
        window(window_base, 1_GiB, {0}, 256, w::type3 | w::volatile_);
        window(window_base + 4_GiB, 2_GiB, {0, 1}, 4096, w::type3 | w::volatile_);
        window(window_base + 8_GiB, 1_GiB, {0}, 256, w::type2 | w::volatile_);
        window(window_base + 12_GiB, 2_GiB, {0, 1}, 4096, w::type3 | w::pmem);
        for (unsigned h = 0; h < hbs.size(); ++h)
            (void)core::add_port(*root, *hbs[h], *dps[h], hb_comps[h]->block()).value();
    }

    decoder& root_decoder(unsigned n) { return *b.cxl.root()->find_decoder(n); }
    /// Endpoint decoder n of memdev i.
    decoder& ep_decoder(unsigned i, unsigned n = 0) {
        return *mems.at(i)->endpoint()->find_decoder(n);
    }
    /// Endpoint decoder n of memdev i, with `size` bytes of `mode` allocated.
    decoder& alloc_dpa(unsigned i, std::uint64_t size, partition_mode mode = partition_mode::ram,
                       unsigned n = 0) {
        auto& d = ep_decoder(i, n);
        REQUIRE(core::dpa_set_mode(d, mode));
        REQUIRE(core::dpa_alloc(d, size));
        return d;
    }
    /// A region on root decoder `root` with its geometry set, no targets yet.
    region& new_region(unsigned root, unsigned ways, std::uint64_t size, unsigned gran = 4096,
                       partition_mode mode = partition_mode::ram) {
        auto r = core::create_region(root_decoder(root), mode);
        REQUIRE(r);
        REQUIRE(core::set_granularity(**r, gran));
        REQUIRE(core::set_ways(**r, ways));
        REQUIRE(core::set_size(**r, size));
        return **r;
    }
    /// 512 MiB of RAM over both host bridges (decoder0.1, 4 KiB; mem0 and mem4), committed.
    region& commit_two_way() {
        auto& r = new_region(1, 2, 512_MiB);
        for (unsigned pos = 0; pos < 2; ++pos)
            REQUIRE(core::attach_target(r, alloc_dpa(pos * 4, 256_MiB), pos));
        REQUIRE(core::commit_region(r));
        return r;
    }
};

} // namespace cxlfw::core::testing
