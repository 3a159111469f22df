#pragma once
// The daemon's parts in the control socket's terms (pure): VRRP instance
// statuses and the health view become what `lvsctl status` and /metrics show.
// Times inside the daemon are monotonic; the snapshot carries wall-clock Unix
// milliseconds, so a WallClock pairs one reading of each.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "control/status.hpp"
#include "control/status_builder.hpp"
#include "core/clock.hpp"
#include "daemon/health_view.hpp"
#include "vrrp/instance.hpp"

namespace lvsd::daemon {

struct WallClock {
  core::TimePoint monotonic_now{};
  std::int64_t unix_now_ms = 0;
  // 0 for the default TimePoint ("never").
  std::int64_t to_unix_ms(core::TimePoint t) const;
};

control::VrrpInstanceStatus to_control(const vrrp::InstanceStatus& status, const WallClock& clock);

// (virtual server "TCP 10.0.0.1:80", real server "10.0.0.2:80") -> its health.
using HealthIndex = std::map<std::pair<std::string, std::string>, control::RealServerHealth>;
HealthIndex index_health(const std::vector<VirtualServerHealth>& view, const WallClock& clock);

}  // namespace lvsd::daemon
