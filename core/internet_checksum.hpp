#pragma once
// The Internet checksum (RFC 1071), shared by VRRP (vrrp/checksum) and the
// ICMP echo of PING_CHECK (healthcheck/icmp_echo).
#include <cstdint>
#include <span>

namespace lvsd::core {

// Adds `data` as 16-bit big-endian words (an odd last byte padded with 0) to
// a one's complement sum, folded to 16 bits: pseudo-headers are summed this way.
std::uint32_t ones_complement_sum(std::span<const std::uint8_t> data, std::uint32_t initial_sum = 0);

// One's complement sum folded to 16 bits, then complemented (RFC 1071).
// A message whose checksum field is correct sums to 0.
std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial_sum = 0);

}  // namespace lvsd::core
