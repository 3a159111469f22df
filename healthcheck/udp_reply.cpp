#include "healthcheck/udp_reply.hpp"

#include <algorithm>
#include <cstdio>

namespace lvsd::healthcheck {
namespace {

std::string hex_byte(unsigned value) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", value & 0xffu);
  return buf;
}

}  // namespace

std::optional<std::string> udp_reply_mismatch(const UdpReplyRule& rule, std::span<const std::uint8_t> reply,
                                              std::size_t length) {
  if (rule.pattern.empty()) return std::nullopt;
  if (length < rule.min_length || length > rule.max_length)
    return "reply of " + std::to_string(length) + " bytes, expected " + std::to_string(rule.min_length) + "-" +
           std::to_string(rule.max_length);
  const std::size_t compared = std::min({length, reply.size(), rule.pattern.size()});
  for (std::size_t i = 0; i < compared; ++i) {
    const std::uint8_t any = i < rule.wildcard.size() ? rule.wildcard[i] : 0;
    if (((reply[i] ^ rule.pattern[i]) & static_cast<std::uint8_t>(~any)) != 0)
      return "reply byte " + std::to_string(i) + " is " + hex_byte(reply[i]) + ", expected " +
             hex_byte(rule.pattern[i]) + (any != 0 ? " (wildcard bits " + hex_byte(any) + ")" : std::string());
  }
  return std::nullopt;
}

}  // namespace lvsd::healthcheck
