#include "healthcheck/icmp_echo.hpp"

#include <algorithm>

#include "core/internet_checksum.hpp"

namespace lvsd::healthcheck {
namespace {

constexpr std::size_t kHeaderBytes = 8;
constexpr std::uint8_t kEchoRequest4 = 8, kEchoReply4 = 0;        // RFC 792
constexpr std::uint8_t kEchoRequest6 = 128, kEchoReply6 = 129;    // RFC 4443 4.1, 4.2

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

}  // namespace

std::vector<std::uint8_t> build_echo_request(IcmpFamily family, std::uint16_t id, std::uint16_t sequence,
                                             std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> out(kHeaderBytes + data.size());
  out[0] = family == IcmpFamily::kIpv4 ? kEchoRequest4 : kEchoRequest6;
  out[1] = 0;
  out[4] = static_cast<std::uint8_t>(id >> 8);
  out[5] = static_cast<std::uint8_t>(id & 0xff);
  out[6] = static_cast<std::uint8_t>(sequence >> 8);
  out[7] = static_cast<std::uint8_t>(sequence & 0xff);
  std::copy(data.begin(), data.end(), out.begin() + kHeaderBytes);
  if (family == IcmpFamily::kIpv4) {
    const std::uint16_t sum = core::internet_checksum(out);
    out[2] = static_cast<std::uint8_t>(sum >> 8);
    out[3] = static_cast<std::uint8_t>(sum & 0xff);
  }
  return out;
}

std::optional<EchoReply> parse_echo_reply(IcmpFamily family, std::span<const std::uint8_t> message, bool ip_header) {
  if (ip_header) {
    if (message.empty() || (message[0] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = std::size_t{message[0] & 0x0fu} * 4;
    if (ihl < 20 || message.size() < ihl) return std::nullopt;
    message = message.subspan(ihl);
  }
  if (message.size() < kHeaderBytes) return std::nullopt;
  const std::uint8_t reply = family == IcmpFamily::kIpv4 ? kEchoReply4 : kEchoReply6;
  if (message[0] != reply || message[1] != 0) return std::nullopt;
  if (family == IcmpFamily::kIpv4 && core::internet_checksum(message) != 0) return std::nullopt;
  return EchoReply{.id = be16(message, 4), .sequence = be16(message, 6), .data = message.subspan(kHeaderBytes)};
}

}  // namespace lvsd::healthcheck
