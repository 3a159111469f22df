#pragma once
// The vrrp_track_process blocks on the loop: a ProcessTracker fed by a scan
// of /proc at start and on every reload, then by the kernel's process events
// (ProcConnector, one socket watched by the loop), as keepalived does. Where
// the connector is missing (a network namespace other than the initial one,
// no CONFIG_PROC_EVENTS, no CAP_NET_ADMIN) it says so once and rescans /proc
// every second instead. Events the kernel dropped (ENOBUFS) lead to a rescan
// a second later.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "daemon/proc_connector.hpp"
#include "daemon/process_tracker.hpp"

namespace lvsd::core {
class EventLoop;
class IoWatcher;
class Timer;
}  // namespace lvsd::core

namespace lvsd::daemon {

class TrackProcesses {
 public:
  using Listener = ProcessTracker::Listener;

  TrackProcesses(core::EventLoop& loop, Listener listener);
  ~TrackProcesses();
  TrackProcesses(const TrackProcesses&) = delete;
  TrackProcesses& operator=(const TrackProcesses&) = delete;

  // Start and reload: tracks the blocks that an instance or a sync group
  // tracks, counted before this returns (so instances start knowing them).
  void apply(const conf::Config& config);
  std::optional<bool> up(const std::string& name) const { return tracker_.up(name); }
  // For `lvsctl status` (via VrrpRuntime::tracked_processes(), which adds the effects).
  std::vector<TrackedProcessStatus> statuses() const { return tracker_.statuses(); }
  // Whether the kernel's process events are used (false: periodic rescans).
  bool events() const { return connector_.has_value(); }

 private:
  void on_readable();
  void start_events();

  core::EventLoop& loop_;
  ProcFs proc_;
  ProcessTracker tracker_;
  std::optional<ProcConnector> connector_;
  std::unique_ptr<core::IoWatcher> watcher_;
  std::unique_ptr<core::Timer> rescan_timer_;
  bool polling_ = false;  // no connector: rescan every kPollInterval
};

}  // namespace lvsd::daemon
