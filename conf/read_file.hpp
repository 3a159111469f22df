#pragma once
// Reading a configuration file's bytes off the file system: only a regular
// file, and never more than a limit, whatever the path names (a directory, a
// FIFO, /dev/zero, a file that grows while it is read). No globals and no
// logging: safe to call from a worker thread.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lvsd::conf {

// Any one configuration file: the file given with -f, or one include.
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{32} << 20;
// All the files of one load together (a keepalived.conf and its includes).
inline constexpr std::size_t kMaxConfigLoadBytes = std::size_t{64} << 20;

// Hands the bytes of the regular file at path to `piece`, 64 KiB or less at a
// time, in order. Refused (nothing more is read): a path that is not a
// regular file, and a file with more than max_bytes (checked on the size the
// opened file reports and again while reading, so the read is bounded even
// for a file whose size is unknown or grows). Error messages say what is
// wrong without the path; the caller places them.
core::Status read_regular_file(const std::string& path, std::size_t max_bytes,
                               const std::function<void(std::string_view)>& piece);

// The whole file, under the same rules.
core::Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes);

// "32 MiB", or "100 bytes" for a limit that is not a whole number of MiB.
std::string describe_byte_limit(std::size_t bytes);

}  // namespace lvsd::conf
