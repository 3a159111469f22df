#include "vrrp/checksum.hpp"

namespace lvsd::vrrp {
namespace {

// Adds 16-bit big-endian words to a one's complement sum, folded to 16 bits.
std::uint32_t add_bytes(std::uint32_t initial, std::span<const std::uint8_t> data) {
  std::uint64_t sum = initial;  // 64 bits: no overflow for any span that fits in memory
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);  // odd byte, padded with 0
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint32_t>(sum);
}

}  // namespace

std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial_sum) {
  const std::uint32_t sum = add_bytes(initial_sum, data);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::uint16_t vrrp_checksum(Version version, std::span<const std::uint8_t> message,
                            const core::IpAddress& source, const core::IpAddress& destination) {
  if (version == Version::kV2) return internet_checksum(message);
  std::uint32_t sum = add_bytes(0, source.bytes());
  sum = add_bytes(sum, destination.bytes());
  const auto length = static_cast<std::uint32_t>(message.size());
  if (source.family() == core::AddressFamily::kIpv4) {
    // RFC 768-style pseudo-header: zero, protocol, 16-bit length.
    sum += kVrrpIpProtocol;
    sum += length & 0xffff;
  } else {
    // RFC 2460 8.1: 32-bit upper-layer length, three zero bytes, next header.
    sum += length >> 16;
    sum += length & 0xffff;
    sum += kVrrpIpProtocol;
  }
  return internet_checksum(message, sum);
}

}  // namespace lvsd::vrrp
