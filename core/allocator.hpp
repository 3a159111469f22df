#pragma once
// glibc malloc settings for a long-running daemon whose memory is mostly
// many small, long-lived objects plus short bursts of large temporaries.
//
// glibc serves requests of 128 KiB and more with mmap(), but by default it
// raises that threshold to the size of every mmapped block freed (up to
// 32 MiB). After the first large temporary (a desired IPVS table, a netlink
// dump, a status reply of thousands of real servers) is freed, every later
// one comes from the heap instead, and the heap keeps the freed pages
// resident. Measured inside UML with 2,000 HTTP_GET real servers: 16.7 MB
// resident, an 11.5 MB heap of which 7.0 MB in use (malloc_trim() gave 3 MB
// back). Fixing both thresholds at 128 KiB keeps large temporaries in mmap()
// (returned to the system when freed) and trims the heap's top beyond
// 128 KiB of free space: 13.8 MB resident for the same run
// (bench/healthcheck.md).
namespace lvsd::core {

// Call once, at the start of main(), before anything large is allocated.
void tune_allocator();

// For the start, which builds and drops blocks of megabytes one after
// another (the YAML tree, the health view's state, desired tables, an
// 11,000-operation plan, the kernel view). With the 128 KiB mmap threshold
// above, each block is a fresh mmap whose every page faults in, and inside
// UML the faults cost more than building the blocks. Within this scope large
// blocks come from the heap, so each reuses the pages the one before freed;
// at its end tune_allocator()'s thresholds are set again and the heap is
// trimmed once, so what stays resident is what is still in use.
// Not around a reload: measured at 50,000 real servers in UML
// (bench/scale-curve.md), a reload under it faulted 5,900-6,900 pages
// instead of 2,100-2,400 and took 1.0-1.9 s instead of 0.5-1.1 s (the heap
// grows to the reload's peak, then the trim gives it all back).
class BulkAllocationScope {
 public:
  BulkAllocationScope();
  ~BulkAllocationScope();
  BulkAllocationScope(const BulkAllocationScope&) = delete;
  BulkAllocationScope& operator=(const BulkAllocationScope&) = delete;
};

}  // namespace lvsd::core
