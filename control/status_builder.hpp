#pragma once
// Builds the virtual-server part of a StatusSnapshot from the tables the
// daemon already has (pure): the configured table (what the config asks),
// the kernel's dump (current weights, connections, traffic), the admin
// overrides, and a health lookup the daemon answers from its HealthView.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "control/admin_state.hpp"
#include "control/status.hpp"
#include "core/clock.hpp"
#include "director/types.hpp"

namespace lvsd::control {

struct RealServerHealth {
  std::string health = "unknown";  // "up", "down", "unknown"
  std::int64_t since_unix_ms = 0;
  std::string last_check{};
  std::optional<double> last_check_latency_ms{};
  std::int64_t last_check_unix_ms = 0;
  std::map<std::string, std::uint64_t> check_results{};
  std::map<std::string, LatencyHistogram> check_durations{};  // by check keyword
};

struct StatusSources {
  const director::IpvsTable& configured;
  const director::IpvsTable* kernel = nullptr;  // null: the kernel could not be read
  const Overrides* overrides = nullptr;  // the operator's drains and disables
  // Health of one real server; nullopt: "up" (a real server without checks).
  std::function<std::optional<RealServerHealth>(const director::ServiceKey&, const director::Destination&)> health{};
  // Monotonic time -> Unix milliseconds (for drain deadlines).
  std::function<std::int64_t(core::TimePoint)> to_unix_ms{};
};

std::vector<VirtualServerStatus> virtual_server_status(const StatusSources& sources);

// "DR", "NAT", "TUN", "Local".
std::string forward_label(director::ForwardMethod method);

}  // namespace lvsd::control
