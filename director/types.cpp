#include "director/types.hpp"

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
