#include "control/status_builder.hpp"

namespace lvsd::control {

namespace {

const director::VirtualService* find_service(const director::IpvsTable* table, const director::ServiceKey& key) {
  if (table == nullptr) return nullptr;
  for (const auto& vs : table->services) {
    if (vs.service.key == key) return &vs;
  }
  return nullptr;
}

const director::Destination* find_destination(const director::VirtualService* vs, const director::Destination& d) {
  if (vs == nullptr) return nullptr;
  for (const auto& k : vs->destinations) {
    if (director::same_identity(k, d)) return &k;
  }
  return nullptr;
}

TrafficCounters traffic(const director::Stats& s) {
  return {.connections = s.connections, .in_packets = s.in_packets, .out_packets = s.out_packets,
          .in_bytes = s.in_bytes, .out_bytes = s.out_bytes};
}

}  // namespace

std::string forward_label(director::ForwardMethod method) {
  switch (method) {
    case director::ForwardMethod::kDirectRoute: return "DR";
    case director::ForwardMethod::kNat: return "NAT";
    case director::ForwardMethod::kTunnel: return "TUN";
    case director::ForwardMethod::kLocal: return "Local";
  }
  return "?";
}

std::vector<VirtualServerStatus> virtual_server_status(const StatusSources& src) {
  std::vector<VirtualServerStatus> out;
  for (const auto& vs : src.configured.services) {
    const auto* in_kernel = find_service(src.kernel, vs.service.key);
    VirtualServerStatus v{.key = director::describe(vs.service.key), .scheduler = vs.service.scheduler,
                          .disabled = src.overrides != nullptr && src.overrides->disabled.contains(vs.service.key),
                          .in_kernel = in_kernel != nullptr};
    if (in_kernel != nullptr) v.traffic = traffic(in_kernel->service.stats);
    for (const auto& d : vs.destinations) {
      RealServerStatus r{.address = d.endpoint.to_string(), .forward = forward_label(d.forward),
                         .configured_weight = static_cast<std::uint32_t>(d.weight < 0 ? 0 : d.weight), .health = "up"};
      if (const auto* k = find_destination(in_kernel, d)) {
        r.current_weight = k->weight;
        const director::DestinationCounters& c = in_kernel->counters_of(*k);
        r.active_connections = c.active_connections;
        r.inactive_connections = c.inactive_connections;
        r.traffic = traffic(c.stats);
      }
      if (src.health) {
        if (auto h = src.health(vs.service.key, d)) {
          r.health = h->health;
          r.health_since_unix_ms = h->since_unix_ms;
          r.last_check = h->last_check;
          r.last_check_latency_ms = h->last_check_latency_ms;
          r.last_check_unix_ms = h->last_check_unix_ms;
          r.check_results = h->check_results;
          r.check_durations = h->check_durations;
        }
      }
      if (src.overrides != nullptr) {
        const auto it = src.overrides->drains.find({.service = vs.service.key, .destination = d.endpoint});
        if (it != src.overrides->drains.end()) {
          r.drain = it->second.phase == DrainPhase::kDraining ? "draining" : "drained";
          if (it->second.deadline && src.to_unix_ms) r.drain_deadline_unix_ms = src.to_unix_ms(*it->second.deadline);
        }
      }
      v.real_servers.push_back(std::move(r));
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace lvsd::control
