#pragma once
// Unsolicited Neighbour Advertisements for IPv6 VIPs (RFC 5798 6.4.1/6.4.2:
// "for each IPv6 address ... send an Unsolicited Neighbor Advertisement with
// the Router Flag (R) set (if router) and the Override Flag (O) set";
// message format RFC 4861 4.4, sending rules 7.2.6). The ICMPv6 message is
// built by a pure function; NaSender sends it to ff02::1 with hop limit 255
// from the VIP itself, and the kernel fills in the ICMPv6 checksum.
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/unique_fd.hpp"
#include "vrrp/garp.hpp"
#include "core/net_address.hpp"

namespace lvsd::vrrp {

// ICMPv6 type 136 with the O flag (and R if `router`), target = `vip`, and a
// Target Link-Layer Address option carrying `mac`. Checksum field left 0.
std::vector<std::uint8_t> build_unsolicited_na(const MacAddress& mac, const core::IpAddress& vip, bool router);

class NaSender {
 public:
  // Needs CAP_NET_RAW. Reads the interface's MAC address.
  static core::Result<NaSender> open(const std::string& interface);
  NaSender(NaSender&&) noexcept;
  NaSender& operator=(NaSender&&) noexcept;
  NaSender(const NaSender&) = delete;
  NaSender& operator=(const NaSender&) = delete;
  ~NaSender();

  const MacAddress& mac() const { return mac_; }
  // `vip` must be IPv6 and already on the interface (it is the source address).
  core::Status send(const core::IpAddress& vip, bool router = false);

 private:
  NaSender(int fd, int ifindex, MacAddress mac) : fd_(fd), ifindex_(ifindex), mac_(mac) {}
  core::UniqueFd fd_;
  int ifindex_ = 0;
  MacAddress mac_{};
};

}  // namespace lvsd::vrrp
