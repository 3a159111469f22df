#pragma once
// `lvsctl realserver up|down|status --vip ADDR [--dev lo]`: prepares a host
// to be a direct-routing (DR) real server, the way it is done by hand:
//   - the VIP on `dev` (default lo) as a host route: /32 (IPv6: /128), so the
//     host accepts packets for the VIP that the director forwards unchanged;
//   - IPv4 only: net.ipv4.conf.{all,DEV}.arp_ignore=1 (answer ARP only for
//     addresses on the interface the request came in on) and arp_announce=2
//     (use the best local source address in ARP requests), so the real
//     server never answers ARP for the VIP: only the director does.
// IPv6 needs no sysctl: Linux answers neighbour solicitations only for
// addresses on the interface they arrive on.
// Idempotent. `down` removes the VIP and restores both sysctls to 0 (the
// kernel default), unless another VIP (a non-loopback address) is still on
// `dev`: then another `lvsctl realserver up` still needs them.
#include <iosfwd>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/net_address.hpp"

namespace lvsd::cli {

struct RealServerOptions {
  std::string vip;
  std::string dev = "lo";
  bool json = false;
  std::string proc_sys = "/proc/sys";  // where the sysctls are (tests may point elsewhere)
};

struct SysctlWrite {
  std::string key;  // "net/ipv4/conf/all/arp_ignore" (relative to proc_sys)
  std::string value;
  bool operator==(const SysctlWrite&) const = default;
};

// Pure: the sysctl values `up` wants for `dev`, and what `down` restores.
std::vector<SysctlWrite> realserver_sysctls_up(const core::IpAddress& vip, const std::string& dev);
std::vector<SysctlWrite> realserver_sysctls_down(const core::IpAddress& vip, const std::string& dev);

// Each returns the exit code: 0 done (status: fully set up), 1 failed (status:
// not or partly set up), 2 bad arguments.
int run_realserver_up(const RealServerOptions& options, std::ostream& out, std::ostream& err);
int run_realserver_down(const RealServerOptions& options, std::ostream& out, std::ostream& err);
int run_realserver_status(const RealServerOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lvsd::cli
