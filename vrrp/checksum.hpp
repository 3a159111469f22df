#pragma once
// The Internet checksum (RFC 1071) and the VRRP checksums built on it.
#include <cstdint>
#include <span>

#include "vrrp/interval.hpp"
#include "core/net_address.hpp"

namespace lvsd::vrrp {

inline constexpr std::uint8_t kVrrpIpProtocol = 112;  // RFC 5798 5.1.1.4, RFC 3768 5.2.4

// One's complement sum folded to 16 bits, then complemented (RFC 1071).
// A message whose checksum field is correct sums to 0.
std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial_sum = 0);

// The checksum of a VRRP message as it should appear in its Checksum field
// (computed with that field zeroed or not: a correct message yields 0).
// v2: over the VRRP message only (RFC 3768 5.3.8).
// v3: over the message plus the IPv4 pseudo-header (RFC 5798 5.2.8, RFC 768
// layout) or the IPv6 pseudo-header (RFC 2460 8.1) with `source`/`destination`.
std::uint16_t vrrp_checksum(Version version, std::span<const std::uint8_t> message,
                            const core::IpAddress& source, const core::IpAddress& destination);

}  // namespace lvsd::vrrp
