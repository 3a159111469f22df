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

director::ServiceKey own_key(const conf::VirtualServer& vs) {
  if (vs.fwmark) return director::ServiceKey::firewall_mark(vs.family(), *vs.fwmark);
  return director::ServiceKey::inet(to_director(vs.protocol), vs.address.value_or(core::IpAddress{}), vs.port);
}

director::Service to_service(const conf::VirtualServer& vs, const director::ServiceKey& key) {
  director::Service s;
  s.key = key;
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
    s.persistence_engine = vs.persistence_engine.value_or("");
  }
  return s;
}

}  // namespace

director::Destination director_destination(const conf::VirtualServer& vs, const conf::RealServer& rs) {
  director::Destination d;
  d.endpoint = {.address = rs.address, .port = rs.port != 0 ? rs.port : vs.port};
  d.weight = static_cast<std::int32_t>(rs.weight);
  d.upper_threshold = rs.options->uthreshold;
  d.lower_threshold = rs.options->lthreshold;
  const conf::Forwarding forwarding = rs.options->forwarding.value_or(vs.forwarding());
  switch (forwarding.lb_kind) {
    case conf::ForwardingMethod::kDr: d.forward = director::ForwardMethod::kDirectRoute; break;
    case conf::ForwardingMethod::kNat: d.forward = director::ForwardMethod::kNat; break;
    case conf::ForwardingMethod::kTun:
      d.forward = director::ForwardMethod::kTunnel;
      d.tunnel_type = to_director(forwarding.tunnel_type);
      d.tunnel_port = forwarding.tunnel_port.value_or(0);
      if (forwarding.tunnel_checksum == conf::TunnelChecksum::kChecksum) d.tunnel_flags = director::kTunnelFlagChecksum;
      if (forwarding.tunnel_checksum == conf::TunnelChecksum::kRemote) d.tunnel_flags = director::kTunnelFlagRemoteChecksum;
      break;
  }
  return d;
}

namespace {

director::VirtualService service_entry(const conf::VirtualServer& vs, const director::ServiceKey& key) {
  director::VirtualService entry{.service = to_service(vs, key), .destinations = {}};
  entry.destinations.reserve(vs.real_servers.size());
  for (const auto& rs : vs.real_servers) {
    director::Destination& d = entry.destinations.emplace_back(director_destination(vs, rs));
    if (rs.port == 0) d.endpoint.port = key.endpoint.port;  // a group member's own port (fwmark: 0)
  }
  return entry;
}

}  // namespace

director::VirtualService configured_service(const conf::VirtualServer& vs) { return service_entry(vs, own_key(vs)); }

std::vector<director::ServiceKey> service_keys(const conf::Config& config, const conf::VirtualServer& vs) {
  if (!vs.group) return {own_key(vs)};
  std::vector<director::ServiceKey> keys;
  const conf::VirtualServerGroup* group = conf::find_virtual_server_group(config, *vs.group);
  if (group == nullptr) return keys;
  for (const auto& e : group->members) {
    if (e.fwmark) {
      keys.push_back(director::ServiceKey::firewall_mark(e.family.value_or(vs.family()), *e.fwmark));
      continue;
    }
    for (const auto& a : e.addresses()) keys.push_back(director::ServiceKey::inet(to_director(vs.protocol), a, e.port));
  }
  return keys;
}

std::vector<director::VirtualService> configured_services(const conf::Config& config, const conf::VirtualServer& vs) {
  std::vector<director::VirtualService> out;
  for (const auto& key : service_keys(config, vs)) out.push_back(service_entry(vs, key));
  return out;
}

director::IpvsTable configured_table(const conf::Config& config) {
  director::IpvsTable table;
  table.services.reserve(config.virtual_servers.size());
  for (const auto& vs : config.virtual_servers) {
    if (!vs.group) {
      table.services.push_back(configured_service(vs));
      continue;
    }
    for (auto& entry : configured_services(config, vs)) table.services.push_back(std::move(entry));
  }
  return table;
}

}  // namespace lvsd::daemon
