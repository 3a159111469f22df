#pragma once
// The VRRP raw socket (IP protocol 112) of one instance on one interface.
// Non-blocking: the glue watches fd() with core::IoWatcher and calls
// receive() until it returns nullopt. Bytes only: encoding and decoding are
// packet.hpp's job; receive() hands over the payload plus the ReceivedMeta
// the decoder needs.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/net_address.hpp"
#include "core/unique_fd.hpp"
#include "vrrp/packet.hpp"

namespace lvsd::vrrp {

struct SocketOptions {
  core::AddressFamily family = core::AddressFamily::kIpv4;
  std::string interface;  // bound with SO_BINDTODEVICE; the multicast group is joined here
  // Source address of our adverts (the interface's primary address, RFC 5798
  // 5.1.1.1; for IPv6 its link-local address, 5.1.2.1). Set per packet with
  // IP_PKTINFO / IPV6_PKTINFO so the v3 checksum's pseudo-header is right.
  core::IpAddress source{};
  bool join_multicast = true;  // false for unicast_peer mode
  std::optional<core::IpAddress> group{};  // unset: 224.0.0.18 / ff02::12
  int unicast_ttl = kRequiredTtl;  // TTL / hop limit of unicast adverts (keepalived's unicast_ttl)
};

struct Datagram {
  std::vector<std::uint8_t> payload;  // the VRRP message, IP header removed
  ReceivedMeta meta;
};

class VrrpSocket {
 public:
  // Needs CAP_NET_RAW. Errors carry the failing call and errno text.
  static core::Result<VrrpSocket> open(const SocketOptions& options);

  VrrpSocket(VrrpSocket&& other) noexcept;
  VrrpSocket& operator=(VrrpSocket&& other) noexcept;
  VrrpSocket(const VrrpSocket&) = delete;
  VrrpSocket& operator=(const VrrpSocket&) = delete;
  ~VrrpSocket();

  int fd() const { return fd_.get(); }
  int ifindex() const { return ifindex_; }

  // Sends one VRRP message with TTL / hop limit 255 (RFC 5798 5.1.1.3, 5.1.2.3).
  core::Status send(std::span<const std::uint8_t> payload, const core::IpAddress& destination);
  // One datagram, or nullopt if none is waiting (EAGAIN).
  core::Result<std::optional<Datagram>> receive();

 private:
  VrrpSocket(int fd, int ifindex, SocketOptions options) : fd_(fd), ifindex_(ifindex), options_(std::move(options)) {}
  core::UniqueFd fd_;
  int ifindex_ = 0;
  SocketOptions options_;
};

}  // namespace lvsd::vrrp
