// The global operator new of the test binaries that link lvsd_alloc_count:
// malloc(), counted (see alloc_count.hpp).
#include "tests/support/alloc_count.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::size_t> g_allocations{0};
std::atomic<std::size_t> g_bytes{0};

void* counted_malloc(std::size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(size, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}

}  // namespace

namespace lvsd::test_support {

AllocCost allocations_so_far() { return {g_allocations.load(), g_bytes.load()}; }

}  // namespace lvsd::test_support

// GCC sees free() in the replacement delete below paired with this new.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
// The nothrow form too (std::stable_sort's buffer): left to the library, it
// may come from another allocator than the free() below (AddressSanitizer's
// own operator new reports the pair as a mismatch).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
