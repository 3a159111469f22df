#pragma once
// IPVS connection entries: parsed from /proc/net/ip_vs_conn (the kernel has
// no netlink dump for them) and printed as `ipvsadm -Lnc` prints them.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "director/types.hpp"

namespace lvsd::cli {

struct Connection {
  std::string protocol;  // "TCP", "UDP", "SCTP", ...
  core::Endpoint client;
  core::Endpoint virtual_server;
  core::Endpoint destination;
  std::string state;  // "ESTABLISHED", "FIN_WAIT", "NONE", ...
  std::uint32_t expires_s = 0;
  std::string pe_name;  // persistence engine, usually empty
  std::string pe_data;
};

// Parses the text of /proc/net/ip_vs_conn (IPv4 addresses in hex, IPv6 in
// colon form). A line that does not parse is an error naming the line.
core::Result<std::vector<Connection>> parse_proc_connections(std::string_view text);

// `ipvsadm -Lnc`.
std::string format_connections(const std::vector<Connection>& connections);

nlohmann::json to_json(const std::vector<Connection>& connections);

}  // namespace lvsd::cli
