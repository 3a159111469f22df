#include "director/ip_address.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

namespace lvsd::director {

core::Result<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return core::Error{"not an IPv4 or IPv6 address: \"" + s + "\""};
}

IpAddress IpAddress::from_bytes(int family, std::span<const std::uint8_t> raw) {
  IpAddress a;
  a.family = family;
  std::copy_n(raw.begin(), std::min(raw.size(), a.size()), a.bytes.begin());
  return a;
}

IpAddress IpAddress::any(int family) {
  IpAddress a;
  a.family = family;
  return a;
}

std::size_t IpAddress::size() const {
  if (family == AF_INET) return 4;
  if (family == AF_INET6) return 16;
  return 0;
}

std::string IpAddress::to_string() const {
  if (size() == 0) return "unset";
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

}  // namespace lvsd::director
