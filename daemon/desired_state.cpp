#include "daemon/desired_state.hpp"

#include <chrono>

namespace lvsd::daemon {

namespace {

director::Protocol to_director(conf::Protocol protocol) {
  switch (protocol) {
    case conf::Protocol::kTcp: return director::Protocol::kTcp;
    case conf::Protocol::kUdp: return director::Protocol::kUdp;
    case conf::Protocol::kSctp: return director::Protocol::kSctp;
  }
  return director::Protocol::kTcp;
}

director::TunnelType to_director(conf::TunnelType type) {
  switch (type) {
    case conf::TunnelType::kIpip: return director::TunnelType::kIpip;
    case conf::TunnelType::kGue: return director::TunnelType::kGue;
    case conf::TunnelType::kGre: return director::TunnelType::kGre;
  }
  return director::TunnelType::kIpip;
}

director::Service to_service(const conf::VirtualServer& vs) {
  director::Service s;
  if (vs.fwmark) {
    s.key = director::ServiceKey::firewall_mark(vs.family(), *vs.fwmark);
  } else {
    s.key = director::ServiceKey::inet(to_director(vs.protocol), *vs.address, vs.port);
  }
  s.scheduler = vs.lb_algo;
  if (vs.ops) s.flags |= director::kServiceFlagOnePacket;
  if (vs.scheduler_flags.fallback) s.flags |= director::kServiceFlagScheduler1;
  if (vs.scheduler_flags.port) s.flags |= director::kServiceFlagScheduler2;
  if (vs.scheduler_flags.flag3) s.flags |= director::kServiceFlagScheduler3;
  const auto timeout = std::chrono::duration_cast<std::chrono::seconds>(vs.persistence_timeout).count();
  if (timeout > 0) {
    s.flags |= director::kServiceFlagPersistent;
    s.persistence_timeout_s = static_cast<std::uint32_t>(timeout);
    if (vs.persistence_granularity) s.persistence_prefix = static_cast<std::uint8_t>(*vs.persistence_granularity);
  }
  return s;
}

}  // namespace

director::Destination director_destination(const conf::VirtualServer& vs, const conf::RealServer& rs) {
  director::Destination d;
  d.endpoint = {.address = rs.address, .port = rs.port != 0 ? rs.port : vs.port};
  d.weight = static_cast<std::int32_t>(rs.weight);
  switch (vs.lb_kind) {
    case conf::ForwardingMethod::kDr: d.forward = director::ForwardMethod::kDirectRoute; break;
    case conf::ForwardingMethod::kNat: d.forward = director::ForwardMethod::kNat; break;
    case conf::ForwardingMethod::kTun:
      d.forward = director::ForwardMethod::kTunnel;
      d.tunnel_type = to_director(vs.tunnel_type);
      d.tunnel_port = vs.tunnel_port.value_or(0);
      break;
  }
  return d;
}

director::VirtualService configured_service(const conf::VirtualServer& vs) {
  director::VirtualService entry{.service = to_service(vs), .destinations = {}};
  entry.destinations.reserve(vs.real_servers.size());
  for (const auto& rs : vs.real_servers) entry.destinations.push_back(director_destination(vs, rs));
  return entry;
}

director::IpvsTable configured_table(const conf::Config& config) {
  director::IpvsTable table;
  table.services.reserve(config.virtual_servers.size());
  for (const auto& vs : config.virtual_servers) table.services.push_back(configured_service(vs));
  return table;
}

}  // namespace lvsd::daemon
