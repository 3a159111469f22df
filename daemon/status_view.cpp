#include "daemon/status_view.hpp"

#include <numeric>

#include "vrrp/fsm.hpp"
#include "vrrp/packet.hpp"

namespace lvsd::daemon {

std::int64_t WallClock::to_unix_ms(core::TimePoint t) const {
  if (t == core::TimePoint{}) return 0;
  return unix_now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(monotonic_now - t).count();
}

control::VrrpInstanceStatus to_control(const vrrp::InstanceStatus& s, const WallClock& clock) {
  control::VrrpInstanceStatus out{
      .name = s.name,
      .interface = s.interface,
      .virtual_router_id = s.vrid,
      .state = std::string(vrrp::to_string(s.state)),
      .priority = s.effective_priority,
      .configured_priority = s.base_priority,
      .master_address = s.master_address ? s.master_address->to_string() : std::string(),
      .transitions = std::accumulate(s.transitions_into.begin(), s.transitions_into.end(), std::uint64_t{0}),
      .adverts_sent = s.adverts_sent,
      .adverts_received = s.adverts_received,
  };
  for (const auto& vip : s.vips) out.virtual_addresses.push_back(vip.to_string());
  out.tracked_down = s.interfaces_down;
  for (const auto& t : s.tracked)
    out.tracked.push_back(control::TrackedObjectStatus{
        .kind = t.kind, .name = t.name, .state = t.state, .fault = t.fault, .priority_change = t.delta});
  out.routes_held = s.routes_held;
  out.rules_held = s.rules_held;
  if (s.last_transition) {
    out.last_transition_unix_ms = clock.to_unix_ms(s.last_transition->at);
    out.last_transition_reason = s.last_transition->reason;
  }
  for (std::size_t i = 0; i < s.dropped.size(); ++i) {
    if (s.dropped[i] != 0) out.adverts_dropped[std::string(vrrp::to_string(static_cast<vrrp::DropReason>(i)))] = s.dropped[i];
  }
  return out;
}

HealthIndex index_health(const std::vector<VirtualServerHealth>& view, const WallClock& clock) {
  HealthIndex out;
  for (const auto& vs : view) {
    for (const auto& rs : vs.real_servers) {
      control::RealServerHealth h{.health = std::string(to_string(rs.state)),
                                  .since_unix_ms = clock.to_unix_ms(rs.state_since)};
      if (rs.last_check) {
        h.last_check = rs.last_check->check + (rs.last_check->passed ? std::string(" ok") : " " + (rs.last_check->reason.empty() ? std::string("failed") : rs.last_check->reason));
        h.last_check_latency_ms =
            std::chrono::duration<double, std::milli>(rs.last_check->latency).count();
        h.last_check_unix_ms = clock.to_unix_ms(rs.last_check->at);
      }
      if (rs.checks_passed != 0) h.check_results["success"] = rs.checks_passed;
      if (rs.checks_failed != 0) h.check_results["failure"] = rs.checks_failed;
      h.check_durations = rs.check_durations;
      if (vs.services.empty()) {
        out.emplace(std::make_pair(vs.virtual_server, rs.real_server), std::move(h));
        continue;
      }
      for (const auto& service : vs.services) out.emplace(std::make_pair(service, rs.real_server), h);
    }
  }
  return out;
}

}  // namespace lvsd::daemon
