// core::tune_allocator: after a large block is freed, the next large block
// still comes from mmap() (glibc would otherwise raise its threshold and
// serve it from the heap, whose freed pages stay resident).
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "core/allocator.hpp"

namespace lvsd::core {
namespace {

TEST(Allocator, LargeBlocksStayInMmapAfterOneWasFreed) {
  tune_allocator();
  constexpr std::size_t kLarge = 256 * 1024;
  void* first = std::malloc(kLarge);
  ASSERT_NE(first, nullptr);
  std::memset(first, 1, kLarge);
  std::free(first);  // without the tuning, glibc raises its mmap threshold here
  const int before = mallinfo2().hblks > 0 ? static_cast<int>(mallinfo2().hblks) : 0;
  void* second = std::malloc(kLarge);
  ASSERT_NE(second, nullptr);
  std::memset(second, 2, kLarge);
  EXPECT_EQ(static_cast<int>(mallinfo2().hblks), before + 1) << "the second large block came from the heap";
  std::free(second);
}

}  // namespace
}  // namespace lvsd::core
