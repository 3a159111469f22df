#pragma once
// Gratuitous ARP for IPv4 VIPs (RFC 5798 6.4.1/6.4.2: on becoming master,
// "broadcast a gratuitous ARP request containing the virtual router MAC
// address for each IP address"; we use the interface's own MAC, as keepalived
// does without vmac). Frames are built by a pure function; GarpSender sends
// them on an AF_PACKET socket bound to the interface.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/net_address.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::vrrp {

using MacAddress = std::array<std::uint8_t, 6>;

// Broadcast Ethernet frame carrying an ARP request with sender IP = target
// IP = `vip` and sender MAC = `mac` (RFC 5227 3 "ARP Announcement"), padded
// to the 60-byte Ethernet minimum. `vip` must be IPv4.
std::vector<std::uint8_t> build_gratuitous_arp(const MacAddress& mac, const core::IpAddress& vip);

class GarpSender {
 public:
  // Needs CAP_NET_RAW. Reads the interface's MAC address.
  static core::Result<GarpSender> open(const std::string& interface);
  GarpSender(GarpSender&&) noexcept;
  GarpSender& operator=(GarpSender&&) noexcept;
  GarpSender(const GarpSender&) = delete;
  GarpSender& operator=(const GarpSender&) = delete;
  ~GarpSender();

  const MacAddress& mac() const { return mac_; }
  int ifindex() const { return ifindex_; }
  // One gratuitous ARP for `vip` (IPv4 only; IPv6 VIPs need unsolicited NA).
  core::Status send(const core::IpAddress& vip);

 private:
  GarpSender(int fd, int ifindex, MacAddress mac) : fd_(fd), ifindex_(ifindex), mac_(mac) {}
  core::UniqueFd fd_;
  int ifindex_ = 0;
  MacAddress mac_{};
};

}  // namespace lvsd::vrrp
