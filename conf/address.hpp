#pragma once
// An IPv4 or IPv6 address as a value: parsed with inet_pton, printed in the
// canonical inet_ntop form, comparable, usable as a map key.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lvsd::conf {

enum class AddressFamily { kIpv4, kIpv6 };

std::string_view to_string(AddressFamily family);  // "IPv4" / "IPv6"

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  // Accepts dotted quad or any RFC 4291 text form; nothing else (no names, no prefix).
  static std::optional<IpAddress> parse(std::string_view text);

  AddressFamily family() const { return family_; }
  bool is_ipv4() const { return family_ == AddressFamily::kIpv4; }
  // Maximum prefix length for the family: 32 or 128.
  int max_prefix_len() const { return is_ipv4() ? 32 : 128; }
  // Network byte order; 4 or 16 significant bytes.
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;
  bool operator==(const IpAddress&) const = default;

 private:
  AddressFamily family_ = AddressFamily::kIpv4;
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace lvsd::conf
