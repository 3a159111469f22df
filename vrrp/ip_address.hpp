#pragma once
// An IPv4 or IPv6 address as network-order bytes. VRRP compares primary
// addresses "as unsigned integers" (RFC 5798 6.4.3), which for network-order
// bytes is a lexicographic byte comparison: operator<=> does exactly that.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lvsd::vrrp {

enum class Family : std::uint8_t { kIPv4, kIPv6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  static IpAddress v4(std::array<std::uint8_t, 4> bytes);
  static IpAddress v6(std::array<std::uint8_t, 16> bytes);
  // "10.0.0.1" or "fe80::1"; nullopt if it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  Family family() const { return family_; }
  std::size_t size() const { return family_ == Family::kIPv4 ? 4 : 16; }
  // The address bytes in network order (4 or 16 of them).
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size()}; }
  std::string to_string() const;

  // IPv4 sorts before IPv6; within a family, as unsigned big-endian integers.
  friend std::strong_ordering operator<=>(const IpAddress&, const IpAddress&) = default;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  Family family_ = Family::kIPv4;
  std::array<std::uint8_t, 16> bytes_{};  // unused tail is zero for IPv4
};

}  // namespace lvsd::vrrp
