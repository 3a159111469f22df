#include "core/net_address.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>

namespace lvsd::core {
namespace {

// 'text', cut at 64 characters, as the config errors quote values.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 64;
  if (text.size() > kMax) return "'" + std::string(text.substr(0, kMax)) + "...'";
  return "'" + std::string(text) + "'";
}

}  // namespace

std::string_view to_string(AddressFamily family) { return family == AddressFamily::kIpv4 ? "IPv4" : "IPv6"; }

int af_number(AddressFamily family) { return family == AddressFamily::kIpv4 ? AF_INET : AF_INET6; }

std::optional<AddressFamily> family_of_af(int af) {
  if (af == AF_INET) return AddressFamily::kIpv4;
  if (af == AF_INET6) return AddressFamily::kIpv6;
  return std::nullopt;
}

int max_prefix_len(AddressFamily family) { return family == AddressFamily::kIpv4 ? 32 : 128; }

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);  // inet_pton wants a NUL-terminated string
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) == 1) return a;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = AddressFamily::kIpv6;
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> bytes) { return from_bytes(AddressFamily::kIpv4, bytes); }

IpAddress IpAddress::v6(std::array<std::uint8_t, 16> bytes) { return from_bytes(AddressFamily::kIpv6, bytes); }

IpAddress IpAddress::from_bytes(AddressFamily family, std::span<const std::uint8_t> raw) {
  IpAddress a = any(family);
  std::copy_n(raw.begin(), std::min(raw.size(), a.size()), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::any(AddressFamily family) {
  IpAddress a;
  a.family_ = family;
  return a;
}

bool IpAddress::is_loopback() const {
  if (is_ipv4()) return bytes_[0] == 127;
  return *this == v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
}

bool IpAddress::is_ipv6_link_local() const { return is_ipv6() && bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80; }

std::string IpAddress::to_string() const {
  if (is_ipv4()) {
    // Dotted decimal directly: glibc's inet_ntop formats IPv4 with sprintf,
    // which was an eighth of a 100,000-line `lvsctl list`. IPv6 (zero runs,
    // embedded IPv4) stays with inet_ntop.
    char buf[16];
    char* p = buf;
    for (std::size_t i = 0; i < 4; ++i) {
      if (i != 0) *p++ = '.';
      p = std::to_chars(p, buf + sizeof buf, bytes_[i]).ptr;
    }
    return std::string(buf, p);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(af_number(family_), bytes_.data(), buf, sizeof buf);
  return buf;
}

Result<Endpoint> Endpoint::parse(std::string_view text, std::uint16_t min_port) {
  const std::string in = " in " + quoted(text);
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return Error{"missing ']'" + in};
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Error{"missing :PORT after ']'" + in};
    port = rest.substr(1);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return Error{"missing :PORT" + in};
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  const bool bracketed = host.data() != text.data();
  auto address = IpAddress::parse(host);
  if (!address) return Error{quoted(host) + " is not an IP address" + in};
  if (address->is_ipv6() && !bracketed) {
    return Error{"an IPv6 address needs brackets, as [" + std::string(host) + "]:PORT" + in};
  }
  if (address->is_ipv4() && bracketed) return Error{"an IPv4 address takes no brackets" + in};
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value < min_port || value > 65535) {
    return Error{"bad port " + quoted(port) + in + ": allowed " + std::to_string(min_port) + "-65535"};
  }
  return Endpoint{.address = *address, .port = static_cast<std::uint16_t>(value)};
}

std::string Endpoint::to_string() const {
  if (address.is_ipv6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  std::string_view addr = text;
  std::optional<std::string_view> length;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    length = text.substr(slash + 1);
    addr = text.substr(0, slash);
  }
  auto a = IpAddress::parse(addr);
  if (!a) return Error{quoted(addr) + " is not an IP address"};
  IpPrefix out{.address = *a, .length = a->max_prefix_len()};
  if (length) {
    int n = -1;
    auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
    if (length->empty() || ec != std::errc{} || end != length->data() + length->size() || n < 0 ||
        n > a->max_prefix_len()) {
      return Error{"prefix " + quoted(*length) + " is not valid for an " + std::string(core::to_string(a->family())) +
                   " address: allowed 0-" + std::to_string(a->max_prefix_len())};
    }
    out.length = n;
  }
  return out;
}

std::string IpPrefix::to_string() const { return address.to_string() + "/" + std::to_string(length); }

}  // namespace lvsd::core
