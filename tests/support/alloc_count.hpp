#pragma once
// Counting allocations, for the unit tests that check that a cost grows
// linearly with the table (tests/conf/keepalived_scale_test.cpp,
// tests/daemon/scale_test.cpp): a test binary that links lvsd_alloc_count
// has its global operator new replaced by one that counts calls and bytes.
// Counted, not timed: times stay in the benchmarks (bench/scale-curve.sh).
// Such a binary should hold only such tests.
#include <gtest/gtest.h>

#include <cstddef>
#include <utility>

namespace lvsd::test_support {

struct AllocCost {
  std::size_t allocations = 0;
  std::size_t bytes = 0;
};

// Allocations and bytes allocated since the process started.
AllocCost allocations_so_far();

// What f() allocated.
template <typename F>
AllocCost counted(F&& f) {
  const AllocCost before = allocations_so_far();
  std::forward<F>(f)();
  const AllocCost after = allocations_so_far();
  return {after.allocations - before.allocations, after.bytes - before.bytes};
}

// 10x the table: 10x the work, less the fixed part; anything quadratic shows
// as ~100x. `small` and `large` were counted for tables of n and 10n.
// `bytes_factor`: a step that builds one string or array by doubling it
// allocates between 1x and 2x its final size, depending on where that size
// falls between two powers of two: 10x the table can then be up to 20x the
// bytes (the status JSON and the listings; 24 leaves a quadratic ~100x).
inline void expect_linear(const AllocCost& small, const AllocCost& large, const char* what,
                          std::size_t bytes_factor = 12) {
  EXPECT_LE(large.allocations, small.allocations * 12)
      << what << ": allocations " << small.allocations << " -> " << large.allocations;
  EXPECT_LE(large.bytes, small.bytes * bytes_factor) << what << ": bytes " << small.bytes << " -> " << large.bytes;
  EXPECT_GE(large.allocations, small.allocations * 5) << what << ": the larger table was not read";
}

}  // namespace lvsd::test_support
