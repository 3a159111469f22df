#include "director/types.hpp"

#include <xxhash.h>

#include <type_traits>

namespace lvsd::director {

std::string protocol_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTcp: return "TCP";
    case Protocol::kUdp: return "UDP";
    case Protocol::kSctp: return "SCTP";
  }
  return "proto" + std::to_string(static_cast<unsigned>(protocol));
}

ServiceKey ServiceKey::inet(Protocol protocol, const core::Endpoint& endpoint) {
  return ServiceKey{.protocol = protocol, .endpoint = endpoint, .fwmark = 0};
}

ServiceKey ServiceKey::inet(Protocol protocol, const core::IpAddress& address, std::uint16_t port) {
  return inet(protocol, core::Endpoint{.address = address, .port = port});
}

ServiceKey ServiceKey::firewall_mark(core::AddressFamily family, std::uint32_t mark) {
  // The kernel reports no protocol, address or port for a fwmark service;
  // keep the same zero values so desired and dumped keys compare equal.
  return ServiceKey{.protocol = static_cast<Protocol>(0),
                    .endpoint = {.address = core::IpAddress::any(family), .port = 0},
                    .fwmark = mark};
}

std::string describe(const ServiceKey& key) {
  if (key.is_fwmark()) {
    return "FWM " + std::to_string(key.fwmark) + (key.family() == core::AddressFamily::kIpv6 ? " IPv6" : "");
  }
  return protocol_name(key.protocol) + " " + key.endpoint.to_string();
}

bool same_settings(const ServiceSettings& a, const ServiceSettings& b) {
  return a.key == b.key && a.scheduler == b.scheduler && a.flags == b.flags &&
         a.persistence_timeout_s == b.persistence_timeout_s && a.persistence_prefix == b.persistence_prefix &&
         a.persistence_engine == b.persistence_engine;
}

std::string forward_method_name(ForwardMethod method) {
  switch (method) {
    case ForwardMethod::kNat: return "Masq";
    case ForwardMethod::kLocal: return "Local";
    case ForwardMethod::kTunnel: return "Tunnel";
    case ForwardMethod::kDirectRoute: return "Route";
  }
  return "fwd" + std::to_string(static_cast<unsigned>(method));
}

bool same_settings(const IpvsTable& a, const IpvsTable& b) {
  if (a.services.size() != b.services.size()) return false;
  for (std::size_t i = 0; i < a.services.size(); ++i) {
    const VirtualService& x = a.services[i];
    const VirtualService& y = b.services[i];
    if (!same_settings(x.service, y.service) || x.destinations.size() != y.destinations.size()) return false;
    for (std::size_t j = 0; j < x.destinations.size(); ++j) {
      if (!same_settings(x.destinations[j], y.destinations[j])) return false;
    }
  }
  return true;
}

const DestinationCounters& VirtualService::counters_of(const Destination& d) const {
  static const DestinationCounters kNone{};
  const auto i = static_cast<std::size_t>(&d - destinations.data());
  return i < counters.size() ? counters[i] : kNone;
}

namespace {

// Appends the bytes of each value (no padding: field by field).
class DigestInput {
 public:
  template <typename T>
  void add(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const char*>(&value);
    bytes_.append(p, sizeof(T));
  }
  void add(const std::string& text) {
    add(text.size());
    bytes_.append(text);
  }
  void add(const core::IpAddress& address) {
    add(static_cast<std::uint8_t>(address.family()));
    const auto b = address.bytes();
    bytes_.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  std::uint64_t digest() const { return XXH3_64bits(bytes_.data(), bytes_.size()); }
  void clear() { bytes_.clear(); }

 private:
  std::string bytes_;
};

}  // namespace

std::uint64_t settings_digest(const VirtualService& service) {
  // The fields same_settings() compares, and nothing else (stats, counters).
  DigestInput in;
  const ServiceSettings& s = service.service;
  in.add(s.key.protocol);
  in.add(s.key.endpoint.address);
  in.add(s.key.endpoint.port);
  in.add(s.key.fwmark);
  in.add(s.scheduler);
  in.add(s.flags);
  in.add(s.persistence_timeout_s);
  in.add(s.persistence_prefix.has_value());
  in.add(s.persistence_prefix.value_or(0));
  in.add(s.persistence_engine);
  in.add(service.destinations.size());
  // In any order: the kernel lists a service's destinations newest first
  // (/proc/net/ip_vs and a dump alike, as tests/director/ipvs_client_kernel_test
  // shows), a table built from the configuration in the file's order. Each
  // destination has its own digest and the sum stands for them all.
  std::uint64_t sum = 0;
  DigestInput one;
  for (const Destination& d : service.destinations) {
    one.clear();
    one.add(d.endpoint.address);
    one.add(d.endpoint.port);
    one.add(d.forward);
    one.add(d.weight);
    one.add(d.upper_threshold);
    one.add(d.lower_threshold);
    if (d.forward == ForwardMethod::kTunnel) {  // as same_settings: tunnel fields only count for TUN
      one.add(d.tunnel_type);
      one.add(d.tunnel_port);
      one.add(d.tunnel_flags);
    }
    sum += one.digest();
  }
  in.add(sum);
  return in.digest();
}

bool same_identity(const DestinationSettings& a, const DestinationSettings& b) {
  return a.endpoint == b.endpoint;
}

bool same_settings(const DestinationSettings& a, const DestinationSettings& b) {
  if (!same_identity(a, b) || a.forward != b.forward || a.weight != b.weight ||
      a.upper_threshold != b.upper_threshold || a.lower_threshold != b.lower_threshold) {
    return false;
  }
  if (a.forward != ForwardMethod::kTunnel) return true;
  return a.tunnel_type == b.tunnel_type && a.tunnel_port == b.tunnel_port && a.tunnel_flags == b.tunnel_flags;
}

}  // namespace lvsd::director
