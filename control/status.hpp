#pragma once
// What `lvsctl status` shows and /metrics exports: a plain snapshot the
// daemon fills from its parts (VRRP instances, health view, kernel dump,
// admin overrides, counters). Pure: to JSON, back from JSON (lvsctl renders
// the daemon's reply), and to the one-screen text.
//
// Times are wall-clock Unix milliseconds (0 = unknown/never), so a client in
// another process can show "since 3m12s"; `generated_unix_ms` is when the
// snapshot was taken and the reference for those ages.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace lvsd::control {

// One object a VRRP instance tracks and what it does to the instance now.
struct TrackedObjectStatus {
  std::string kind{};   // "interface", "script", "process", "file"
  std::string name{};
  std::string state{};  // "up", "down", "unknown"; a file: "value N"
  bool fault = false;   // holds the instance in FAULT
  std::int32_t priority_change = 0;  // added to the priority now
  bool operator==(const TrackedObjectStatus&) const = default;
};

struct VrrpInstanceStatus {
  std::string name{};
  std::string interface{};
  std::uint8_t virtual_router_id = 0;
  std::string state{};  // "INIT", "BACKUP", "MASTER", "FAULT"
  std::uint8_t priority = 0;           // current (after tracking)
  std::uint8_t configured_priority = 0;
  std::string master_address{};        // the current master's primary address; empty: unknown
  std::vector<std::string> virtual_addresses{};
  std::int64_t last_transition_unix_ms = 0;
  std::string last_transition_reason{};  // "master down timer expired", "higher priority advert from 10.0.0.2"
  std::uint64_t transitions = 0;
  std::uint64_t adverts_sent = 0;
  std::uint64_t adverts_received = 0;
  std::map<std::string, std::uint64_t> adverts_dropped{};  // by reason ("bad_checksum", "wrong_vrid", ...)
  // Tracked objects holding it in FAULT ("eth1", "script chk_db"), or, in
  // INIT, the scripts whose first result it waits for.
  std::vector<std::string> tracked_down{};
  // Every object it tracks (track_interface, track_script, track_process, track_file), in
  // config order, and what it does to it now.
  std::vector<TrackedObjectStatus> tracked{};
  // virtual_routes / virtual_rules this node holds for the instance now (as
  // `ip route` / `ip rule` text): all of them while MASTER, none otherwise.
  std::vector<std::string> routes_held{};
  std::vector<std::string> rules_held{};
  bool operator==(const VrrpInstanceStatus&) const = default;
};

// A vrrp_script some instance tracks.
struct VrrpScriptStatus {
  std::string name{};
  std::string result{};       // "up", "down", "unknown" (no result yet)
  std::string last_run{};     // "script exit 1", "timeout after 2s"; empty before the first run
  std::uint64_t runs = 0;
  std::uint64_t failed_runs = 0;
  bool operator==(const VrrpScriptStatus&) const = default;
};

// Prometheus-style histogram of health-check probe durations, one per
// configured check (the health view keeps it next to the check), so it is
// small: per-bucket counts (not cumulative) in 32 bits (at one probe a
// second a bucket wraps after 136 years), 64 bytes in all.
struct LatencyHistogram {
  // Upper bounds in seconds, from a loopback connect (~1 ms) to past the
  // default connect_timeout (5 s): a probe that timed out at 5 s lands in
  // the 10 s bucket, apart from the slow successes.
  static constexpr std::array<double, 13> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                  0.25, 0.5, 1, 2.5, 5, 10};
  std::array<std::uint32_t, kBounds.size() + 1> counts{};  // [i]: in (kBounds[i-1], kBounds[i]]; last: above 10 s
  double sum_s = 0;
  void observe(double seconds);
  std::uint64_t count() const;
  // Observations <= kBounds[i] (the exposition's cumulative `le` buckets).
  std::uint64_t cumulative(std::size_t i) const;
  LatencyHistogram& operator+=(const LatencyHistogram& other);
  bool operator==(const LatencyHistogram&) const = default;
};

struct TrafficCounters {
  std::uint64_t connections = 0;
  std::uint64_t in_packets = 0;
  std::uint64_t out_packets = 0;
  std::uint64_t in_bytes = 0;
  std::uint64_t out_bytes = 0;
  bool operator==(const TrafficCounters&) const = default;
};

struct RealServerStatus {
  std::string address{};  // "10.0.0.2:80" (as `lvsctl drain` accepts it)
  std::string forward{};  // "DR", "NAT", "TUN"
  std::uint32_t configured_weight = 0;
  std::optional<std::int32_t> current_weight{};  // in the kernel; unset: not in the kernel table
  std::uint32_t active_connections = 0;
  std::uint32_t inactive_connections = 0;
  std::string health{};  // "up", "down", "unknown"; "up" when it has no checks
  std::int64_t health_since_unix_ms = 0;
  std::string last_check{};  // e.g. "HTTP_GET ok", "TCP_CHECK connect refused"; empty: none yet
  std::optional<double> last_check_latency_ms{};
  std::int64_t last_check_unix_ms = 0;
  // Admin overrides (lvsctl drain): "" none, "draining" (weight 0, waiting
  // for active connections to end), "drained" (removed from the table).
  std::string drain{};
  std::int64_t drain_deadline_unix_ms = 0;  // 0: no timeout
  std::map<std::string, std::uint64_t> check_results{};  // probe results by outcome ("success", "failure", "timeout")
  TrafficCounters traffic{};
  // Probe durations by check keyword ("HTTP_GET"; two checks of one kind
  // share theirs). Metrics only: not in the JSON (lvsctl shows the last
  // check's latency), which would grow by a histogram per real server.
  std::map<std::string, LatencyHistogram> check_durations{};
  bool operator==(const RealServerStatus&) const = default;
};

struct VirtualServerStatus {
  std::string key{};  // "TCP 10.0.0.1:80", "FWM 5" (as `lvsctl drain/disable` accepts it)
  std::string scheduler{};
  bool disabled = false;    // lvsctl disable
  bool in_kernel = false;   // the kernel holds the service now
  bool quorum_lost = false;
  std::vector<RealServerStatus> real_servers{};
  TrafficCounters traffic{};
  bool operator==(const VirtualServerStatus&) const = default;
};

struct DaemonCounters {
  std::uint64_t reconciles = 0;
  std::uint64_t reconcile_operations = 0;
  std::uint64_t reconcile_errors = 0;  // operations the kernel refused + failed dumps
  std::uint64_t reloads_succeeded = 0;
  std::uint64_t reloads_failed = 0;
  std::int64_t last_reload_unix_ms = 0;         // last applied reload; 0: none
  std::int64_t last_failed_reload_unix_ms = 0;  // last refused reload; 0: none
  bool operator==(const DaemonCounters&) const = default;
};

// Scale-out: one VIP this node offers to the routing daemon (docs/scale-out.md).
struct AnnouncementStatus {
  std::string vip{};
  bool announced = false;
  std::string reason{};  // "serving", "no quorum", "node drained", "stopping", "held after restart"
  std::int64_t since_unix_ms = 0;
  std::uint64_t transitions = 0;         // announced <-> withdrawn since lvsd started
  std::vector<std::string> services{};   // the virtual servers marked announce on it
  bool operator==(const AnnouncementStatus&) const = default;
};

struct ScaleOutStatus {
  std::uint32_t table = 0;  // global.announce.table
  bool node_drained = false;  // lvsctl drain-node
  std::int64_t node_drained_since_unix_ms = 0;  // 0: never drained
  std::vector<AnnouncementStatus> announcements{};
  bool operator==(const ScaleOutStatus&) const = default;
};

struct StatusSnapshot {
  std::string version{};
  std::string router_id{};
  std::string config_path{};
  std::int32_t pid = 0;
  std::int64_t generated_unix_ms = 0;
  std::int64_t started_unix_ms = 0;
  std::vector<VrrpInstanceStatus> vrrp_instances{};
  std::vector<VrrpScriptStatus> vrrp_scripts{};
  std::vector<VirtualServerStatus> virtual_servers{};
  DaemonCounters counters{};
  // Unset: no virtual server is announced (and from an lvsd before scale-out).
  std::optional<ScaleOutStatus> scale_out{};
  bool operator==(const StatusSnapshot&) const = default;
};

nlohmann::json to_json(const StatusSnapshot& snapshot);
// Strict enough to catch a reply that is not a status (missing fields are
// errors); unknown fields are ignored so an older lvsctl reads a newer lvsd.
core::Result<StatusSnapshot> status_from_json(const nlohmann::json& json);

// The screen `lvsctl status` prints (fits 100 columns; long addresses wrap
// nothing, they widen their column).
std::string format_status(const StatusSnapshot& snapshot);

// "45s", "3m12s", "2h05m", "4d03h"; for ages and remaining time.
std::string format_age(std::int64_t ms);

}  // namespace lvsd::control
