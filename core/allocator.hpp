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

}  // namespace lvsd::core
