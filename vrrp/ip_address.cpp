#include "vrrp/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace lvsd::vrrp {

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> bytes) {
  IpAddress a;
  a.family_ = Family::kIPv4;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> bytes) {
  IpAddress a;
  a.family_ = Family::kIPv6;
  a.bytes_ = bytes;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  const std::string s(text);  // inet_pton needs a terminated string
  std::array<std::uint8_t, 4> b4{};
  if (inet_pton(AF_INET, s.c_str(), b4.data()) == 1) return v4(b4);
  std::array<std::uint8_t, 16> b6{};
  if (inet_pton(AF_INET6, s.c_str(), b6.data()) == 1) return v6(b6);
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family_ == Family::kIPv4 ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

}  // namespace lvsd::vrrp
