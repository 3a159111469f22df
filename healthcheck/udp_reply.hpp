#pragma once
// UDP_CHECK's rule for a reply (pure). keepalived 2.2.7's: with a reply
// pattern, the reply's length must lie in [min_length, max_length] and its
// first min(length, pattern length) bytes must match the pattern, except
// the wildcard bits; without a pattern any reply passes.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lvsd::healthcheck {

struct UdpReplyRule {
  std::vector<std::uint8_t> pattern{};   // empty: any reply passes
  std::vector<std::uint8_t> wildcard{};  // per pattern byte, the bits that match anything (may be empty: none)
  std::uint16_t min_length = 0;
  std::uint16_t max_length = 255;
};

// nullopt when `reply` (whose full length is `length`; `reply` may hold only
// its first bytes) passes, else the reason: "reply of 3 bytes, expected
// 4-255", "reply byte 2 is 0x41, expected 0x42".
std::optional<std::string> udp_reply_mismatch(const UdpReplyRule& rule, std::span<const std::uint8_t> reply,
                                              std::size_t length);

}  // namespace lvsd::healthcheck
