#pragma once
// An IPv4 or IPv6 address as raw network-order bytes, comparable and usable
// as a map key.
#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lvsd::director {

struct IpAddress {
  int family = 0;                      // AF_INET, AF_INET6, or 0 (unset)
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4

  // "10.0.0.1" or "2001:db8::1".
  static core::Result<IpAddress> parse(std::string_view text);
  // From 4 (IPv4) or 16 (IPv6) network-order bytes.
  static IpAddress from_bytes(int family, std::span<const std::uint8_t> raw);
  static IpAddress any(int family);  // 0.0.0.0 / ::

  std::size_t size() const;  // 4, 16, or 0 if unset
  std::span<const std::uint8_t> view() const { return {bytes.data(), size()}; }
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;
};

}  // namespace lvsd::director
