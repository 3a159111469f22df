#pragma once
// `lvsctl frr-config` / `lvsctl frr-config --bird`: the routing daemon's side
// of scale-out (docs/scale-out.md), printed from lvsd's configuration. Pure:
// configuration + BGP settings -> text.
//
// The interface between lvsd and the routing daemon is a kernel routing
// table (global.announce.table) holding one host route per announced VIP,
// protocol 250. FRR imports the table into zebra (`ip import-table`) and bgpd
// redistributes it; BIRD 2 learns it with a kernel protocol and exports it
// over BGP. Either way only host routes are let through, and BFD with the
// router gives a dead node's withdrawal in 3 x 100 ms.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "core/net_address.hpp"

namespace lvsd::cli {

struct BgpSettings {
  std::uint32_t local_as = 65001;
  std::uint32_t remote_as = 65000;
  std::vector<core::IpAddress> neighbors{};  // the router(s); at least one
  std::optional<core::IpAddress> router_id{};
  std::uint32_t bfd_interval_ms = 100;  // receive and transmit; detection is 3 intervals
};

std::string frr_config(const conf::Config& config, const BgpSettings& bgp, const std::string& config_path);
std::string bird_config(const conf::Config& config, const BgpSettings& bgp, const std::string& config_path);

// Reads `config_path` and prints one of the two; exit code 0, 1 (bad file) or 2 (bad arguments).
int run_frr_config(const std::string& config_path, const BgpSettings& bgp, bool bird, std::ostream& out,
                   std::ostream& err);

}  // namespace lvsd::cli
