#pragma once
// The VRRP checksums, built on the Internet checksum (core/internet_checksum).
#include <cstdint>
#include <span>

#include "core/internet_checksum.hpp"
#include "core/net_address.hpp"
#include "vrrp/interval.hpp"

namespace lvsd::vrrp {

inline constexpr std::uint8_t kVrrpIpProtocol = 112;  // RFC 5798 5.1.1.4, RFC 3768 5.2.4

using core::internet_checksum;

// The checksum of a VRRP message as it should appear in its Checksum field
// (computed with that field zeroed or not: a correct message yields 0).
// v2: over the VRRP message only (RFC 3768 5.3.8).
// v3: over the message plus the IPv4 pseudo-header (RFC 5798 5.2.8, RFC 768
// layout) or the IPv6 pseudo-header (RFC 2460 8.1) with `source`/`destination`.
std::uint16_t vrrp_checksum(Version version, std::span<const std::uint8_t> message,
                            const core::IpAddress& source, const core::IpAddress& destination);

}  // namespace lvsd::vrrp
