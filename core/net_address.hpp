#pragma once
// The one IPv4/IPv6 address type, and the two values built on it: the
// endpoint (address:port) and the prefix (address/length).
// Every module uses these; what is family-specific (the socket API's AF_*
// numbers, a module's wire layout) is a function over them, not another type.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lvsd::core {

enum class AddressFamily : std::uint8_t { kIpv4, kIpv6 };

std::string_view to_string(AddressFamily family);  // "IPv4" / "IPv6"
// The socket API's number: AF_INET / AF_INET6 (sockaddr, IPVS and rtnetlink attributes).
int af_number(AddressFamily family);
// The family of an AF_* number; nullopt for anything but AF_INET and AF_INET6.
std::optional<AddressFamily> family_of_af(int af);
// 32 or 128.
int max_prefix_len(AddressFamily family);

// An address as network-order bytes: parsed with inet_pton, printed in the
// canonical inet_ntop form, comparable, usable as a map key.
class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  // Dotted quad or any RFC 4291 text form; nothing else (no names, no prefix).
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::array<std::uint8_t, 4> bytes);
  static IpAddress v6(std::array<std::uint8_t, 16> bytes);
  // From 4 (IPv4) or 16 (IPv6) network-order bytes; missing bytes are zero, extra ones ignored.
  static IpAddress from_bytes(AddressFamily family, std::span<const std::uint8_t> raw);
  static IpAddress any(AddressFamily family);  // 0.0.0.0 / ::

  AddressFamily family() const { return family_; }
  bool is_ipv4() const { return family_ == AddressFamily::kIpv4; }
  bool is_ipv6() const { return family_ == AddressFamily::kIpv6; }
  int max_prefix_len() const { return core::max_prefix_len(family_); }
  std::size_t size() const { return is_ipv4() ? 4 : 16; }
  // The address bytes in network order (4 or 16 of them).
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size()}; }

  bool is_loopback() const;          // 127.0.0.0/8, ::1
  bool is_ipv6_link_local() const;   // fe80::/10

  std::string to_string() const;

  // IPv4 sorts before IPv6; within a family, as unsigned big-endian integers
  // (a lexicographic byte compare), which is what VRRP's RFC 5798 6.4.3 asks.
  friend std::strong_ordering operator<=>(const IpAddress&, const IpAddress&) = default;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  AddressFamily family_ = AddressFamily::kIpv4;
  std::array<std::uint8_t, 16> bytes_{};  // unused tail is zero for IPv4
};

// An address with a port: what IPVS names a virtual service or a real server
// by, what a socket binds or connects to.
struct Endpoint {
  IpAddress address{};
  std::uint16_t port = 0;

  // "IPV4:PORT" or "[IPV6]:PORT" (the form to_string() prints), PORT in decimal
  // from min_port to 65535. An IPv6 address needs its brackets, an IPv4 one must
  // not have them. The error starts with what is wrong: "missing ']'", "missing
  // :PORT", "bad port", "'HOST' is not an IP address".
  static Result<Endpoint> parse(std::string_view text, std::uint16_t min_port = 0);
  std::string to_string() const;  // "10.0.0.1:80", "[2001:db8::1]:80"

  AddressFamily family() const { return address.family(); }

  // By address (IPv4 first), then port.
  friend std::strong_ordering operator<=>(const Endpoint&, const Endpoint&) = default;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// An address with a prefix length: "192.168.1.10/24".
struct IpPrefix {
  IpAddress address{};
  int length = 32;  // 0 to address.max_prefix_len()

  // "ADDRESS" (the host prefix, /32 or /128) or "ADDRESS/LENGTH".
  static Result<IpPrefix> parse(std::string_view text);
  std::string to_string() const;  // always with the length

  friend std::strong_ordering operator<=>(const IpPrefix&, const IpPrefix&) = default;
  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

}  // namespace lvsd::core
