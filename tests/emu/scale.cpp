// A generated platform of more than 100,000 endpoints builds within a small memory budget; the
// bytes it costs per endpoint are measured with a counting operator new (it works under ASan,
// where mallinfo2 does not) and printed.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <new>

namespace {
std::atomic<std::int64_t> live_bytes{0};
} // namespace

// Replaced for the whole test_emu executable: every allocation is counted by its usable size.
// The whole non-aligned family is replaced, so that no allocation made by one runtime's
// operator new (ASan brings its own) is freed by another's.
namespace {
void* counted_new(std::size_t n) noexcept {
    void* p = std::malloc(n == 0 ? 1 : n);
    if (p)
        live_bytes.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)),
                             std::memory_order_relaxed);
    return p;
}
void counted_delete(void* p) noexcept {
    if (!p) return;
    live_bytes.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)),
                         std::memory_order_relaxed);
    std::free(p);
}
} // namespace

void* operator new(std::size_t n) {
    if (void* p = counted_new(n)) return p;
    throw std::bad_alloc{};
}
void* operator new[](std::size_t n) {
    if (void* p = counted_new(n)) return p;
    throw std::bad_alloc{};
}
void* operator new(std::size_t n, std::nothrow_t const&) noexcept {
    return counted_new(n);
}
void* operator new[](std::size_t n, std::nothrow_t const&) noexcept {
    return counted_new(n);
}
void operator delete(void* p) noexcept {
    counted_delete(p);
}
void operator delete[](void* p) noexcept {
    counted_delete(p);
}
void operator delete(void* p, std::size_t) noexcept {
    counted_delete(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    counted_delete(p);
}
void operator delete(void* p, std::nothrow_t const&) noexcept {
    counted_delete(p);
}
void operator delete[](void* p, std::nothrow_t const&) noexcept {
    counted_delete(p);
}

using namespace emu_test;

TEST_CASE("a 100,000-endpoint generated platform builds, with its bytes per endpoint",
          "[emu][scale][acceptance]") {
    // 800 host bridges x 4 root ports x one 32-port switch = 102,400 Type-3 devices; windows
    // interleave 8 host bridges each.
    emu::generator_spec const g{
        .host_bridges = 800, .root_ports = 4, .switch_depth = 1, .fanout = 32, .window_ways = 8};
    auto const before_description = live_bytes.load();
    auto t = emu::generated_topology(g).value();
    auto const description = live_bytes.load() - before_description;

    auto const before = live_bytes.load();
    auto p = make(t);
    auto const platform_bytes = live_bytes.load() - before;

    auto const endpoints = p->endpoints();
    REQUIRE(endpoints.size() == 102'400);
    auto const per_endpoint = platform_bytes / static_cast<std::int64_t>(endpoints.size());
    std::printf("emu scale: %zu endpoints, %zu nodes: platform %lld bytes = %lld bytes per "
                "endpoint (description %lld bytes)\n",
                endpoints.size(), p->node_count(), static_cast<long long>(platform_bytes),
                static_cast<long long>(per_endpoint), static_cast<long long>(description));
    // 24 GiB / 100,000 would allow 250 KiB; a 4 KiB config image alone would be 4 KiB. We are
    // far below either.
    REQUIRE(per_endpoint > 0);
    REQUIRE(per_endpoint < 2048);

    // Every device works at this scale: the last one's config, CEDT entry, mailbox.
    auto& last = p->at(endpoints.back());
    REQUIRE(hw::read_class_code(last.config()).value() == spec::cxl_memory_class_code);
    auto cedt = spec::parse_cedt(p->cedt()).value();
    REQUIRE(cedt.chbs_list.size() == 800);
    REQUIRE(cedt.cfmws_list.size() == 100);
    REQUIRE_FALSE(cedt.has_rejections());
    auto const grew = live_bytes.load();
    REQUIRE(mailbox_of(*p, last).send(spec::opcode::identify).rc == spec::return_code::success);
    // Only that device allocated mailbox state and a payload buffer (2 KiB + a little).
    REQUIRE(live_bytes.load() - grew < 4096);
    REQUIRE(p->mailbox_allocated(last.id()));
    REQUIRE_FALSE(p->mailbox_allocated(endpoints.front()));
    // PCI segments: one host bridge's 137 buses per segment.
    REQUIRE(p->at(p->host_bridges().back()).segment() == 799);
}
