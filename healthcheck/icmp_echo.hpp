#pragma once
// ICMP and ICMPv6 echo messages for PING_CHECK (pure: bytes in, bytes out).
// RFC 792 (Echo, type 8; Echo Reply, type 0), RFC 4443 4.1/4.2 (type 128/129):
//   0: type  1: code  2-3: checksum  4-5: identifier  6-7: sequence  8..: data
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace lvsd::healthcheck {

enum class IcmpFamily { kIpv4, kIpv6 };

// An echo request. ICMPv4 carries its checksum; ICMPv6's is left 0 (the
// kernel computes it, over a pseudo-header it alone knows). On an ICMP
// datagram socket the kernel also replaces the identifier with its own.
std::vector<std::uint8_t> build_echo_request(IcmpFamily family, std::uint16_t id, std::uint16_t sequence,
                                             std::span<const std::uint8_t> data);

struct EchoReply {
  std::uint16_t id = 0;
  std::uint16_t sequence = 0;
  std::span<const std::uint8_t> data{};
};

// The echo reply in `message`, or nullopt when it is something else (another
// ICMP type, too short, or, for ICMPv4, a bad checksum). `ip_header`: the
// message starts with an IPv4 header (what a raw IPv4 socket receives),
// which is skipped by its length field.
std::optional<EchoReply> parse_echo_reply(IcmpFamily family, std::span<const std::uint8_t> message,
                                          bool ip_header = false);

}  // namespace lvsd::healthcheck
