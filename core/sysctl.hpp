#pragma once
// Kernel settings under /proc/sys, as files: one reader and one writer for
// lvsctl (a real server's ARP settings) and lvsd (IPVS's net.ipv4.vs.*).
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lvsd::core {

// `key` is the path below `root` ("net/ipv4/vs/sloppy_tcp"); the root is
// /proc/sys, or a directory of a test's own.
std::optional<std::string> read_sysctl(const std::string& root, const std::string& key);
core::Status write_sysctl(const std::string& root, const std::string& key, std::string_view value);

}  // namespace lvsd::core
