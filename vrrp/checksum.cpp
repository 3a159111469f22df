#include "vrrp/checksum.hpp"

namespace lvsd::vrrp {

std::uint16_t vrrp_checksum(Version version, std::span<const std::uint8_t> message,
                            const core::IpAddress& source, const core::IpAddress& destination) {
  if (version == Version::kV2) return internet_checksum(message);
  std::uint32_t sum = core::ones_complement_sum(source.bytes());
  sum = core::ones_complement_sum(destination.bytes(), sum);
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
