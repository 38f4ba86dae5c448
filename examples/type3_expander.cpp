// A Type-3 memory expander: the stock cxl_pci driver (itself a composition,
// type3<mailbox,hdm<1>,ras> mediated + wait) on QEMU's q35 CXL machine, then a 2-way RAM
// region over the interleaved window, committed and translated.
#include "drivers/demo.hpp"

#include <cxlfw/core/core.hpp>
#include <cxlfw/drivers/cxl_pci.hpp>

#include <cstdio>

namespace core = cxlfw::core;

int main() {
    std::printf("cxl_pci: %s\n", cxlfw::drivers::cxl_pci_device::describe().c_str());
    auto m = examples::boot(cxlfw::emu::qemu_q35_topology());
    auto& cxl = m->cxl();
    for (core::memdev* md : cxl.memdevs())
        std::printf("  %s on %s: %llu MiB pmem, %s\n", md->name().c_str(),
                    md->parent()->name().c_str(),
                    static_cast<unsigned long long>(md->pmem_size() >> 20),
                    md->endpoint() ? md->endpoint()->name().c_str() : "not attached");

    // Window 1 interleaves host bridges 12 and 222: one memdev below each, 2 ways.
    core::decoder* window = nullptr;
    for (auto const& rd : cxl.root()->decoders())
        if (rd->ways == 2) window = rd.get();
    if (!window) examples::die("no 2-way window");
    core::memdev* below[2] = {};
    for (core::memdev* md : cxl.memdevs()) {
        auto* hb = md->parent(); // walk up to the host bridge
        while (hb->parent())
            hb = hb->parent();
        unsigned pos = hb->name() == "pci0000:0c" ? 0 : 1;
        if (!below[pos]) below[pos] = md;
    }
    auto r = core::create_region(*window, core::partition_mode::pmem);
    examples::check(r, "creating the region");
    core::region& reg = **r;
    examples::check(core::set_granularity(reg, window->granularity), "granularity");
    examples::check(core::set_ways(reg, 2), "ways");
    examples::check(core::set_size(reg, 512ull << 20), "size");
    for (unsigned pos = 0; pos < 2; ++pos) {
        core::port* ep = below[pos]->endpoint();
        core::decoder* dec = ep->find_decoder(0);
        examples::check(core::dpa_set_mode(*dec, core::partition_mode::pmem), "mode");
        examples::check(core::dpa_alloc(*dec, 256ull << 20), "DPA");
        examples::check(core::attach_target(reg, *dec, pos), "target");
    }
    examples::check(core::commit_region(reg), "commit");
    std::printf("  %s: %s, %u ways, %u B granularity, committed\n", reg.name().c_str(),
                examples::text({reg.base(), reg.size()}).c_str(), reg.ways(), reg.granularity());
    auto hpa = core::dpa_to_hpa(reg, *below[1]->endpoint()->find_decoder(0), 0x2000);
    examples::check(hpa, "translating");
    std::printf("  %s DPA 0x2000 -> HPA 0x%llx\n", below[1]->name().c_str(),
                static_cast<unsigned long long>(*hpa));
    return 0;
}
