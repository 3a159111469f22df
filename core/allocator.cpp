#include "core/allocator.hpp"

#include <malloc.h>

namespace lvsd::core {

namespace {
constexpr int kThreshold = 128 * 1024;  // glibc's initial mmap threshold
}  // namespace

void tune_allocator() {
  // Setting either value explicitly also turns off glibc's dynamic
  // adjustment of both (mallopt(3)).
  mallopt(M_MMAP_THRESHOLD, kThreshold);
  mallopt(M_TRIM_THRESHOLD, kThreshold);
  // One arena for every thread: the daemon's worker thread (config parses,
  // status dumps) then reuses the pages the loop freed instead of keeping
  // an arena of its own resident. Two threads barely contend.
  mallopt(M_ARENA_MAX, 1);
}

BulkAllocationScope::BulkAllocationScope() {
  constexpr int kNoLimit = 1 << 30;
  mallopt(M_MMAP_THRESHOLD, kNoLimit);
  mallopt(M_TRIM_THRESHOLD, kNoLimit);
}

BulkAllocationScope::~BulkAllocationScope() {
  tune_allocator();
  malloc_trim(0);
}

}  // namespace lvsd::core
