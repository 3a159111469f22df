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
}

}  // namespace lvsd::core
