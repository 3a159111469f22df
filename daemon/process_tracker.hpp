#pragma once
// The vrrp_track_process blocks that instances track, counted: which
// processes match each (daemon/process_match.hpp), and each one's verdict
// (daemon/process_quorum.hpp). It is fed a scan of /proc (at start, on
// reload, after lost events, or periodically without the connector) and the
// kernel's process events; /proc is read through a ProcReader so tests can
// hand it any process table. A changed verdict goes to the listener, which
// hands it to the instances (vrrp::Instance::on_process).
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "core/clock.hpp"
#include "daemon/proc_connector.hpp"
#include "daemon/process_match.hpp"
#include "daemon/process_quorum.hpp"

namespace lvsd::daemon {

// What the tracker reads of /proc.
class ProcReader {
 public:
  virtual ~ProcReader() = default;
  // The processes now (thread group leaders).
  virtual std::vector<pid_t> pids() = 0;
  // A process's name, and its command line when asked; nullopt when it is
  // gone or a zombie (a zombie runs nothing, and keepalived does not count it).
  virtual std::optional<ProcessIdentity> identity(pid_t pid, bool with_cmdline) = 0;
};

// /proc (or a copy of its shape under `root`, for tests).
class ProcFs final : public ProcReader {
 public:
  explicit ProcFs(std::string root = "/proc") : root_(std::move(root)) {}
  std::vector<pid_t> pids() override;
  std::optional<ProcessIdentity> identity(pid_t pid, bool with_cmdline) override;

 private:
  std::string root_;
};

// One tracked process as `lvsctl status` would show it.
struct TrackedProcessStatus {
  std::string name{};
  std::string process{};            // what is matched (the process name, or the command's first word)
  std::size_t processes = 0;        // matching processes running now
  std::size_t quorum = 1;
  std::optional<std::size_t> quorum_max{};
  bool up = false;                  // the verdict the instances see
  bool delaying = false;            // a fork_delay / terminate_delay runs
  // Filled by the owner of the instances (VrrpRuntime::tracked_processes()).
  struct Effect {
    std::string instance{};
    int weight = 0;
    bool reverse = false;
    int priority_change = 0;  // added to the instance's priority now
    bool fault = false;       // weight 0 and down (reverse: up): the instance is in FAULT for it
    bool operator==(const Effect&) const = default;
  };
  std::vector<Effect> effects{};
  bool operator==(const TrackedProcessStatus&) const = default;
};

class ProcessTracker {
 public:
  using Listener = std::function<void(const std::string& name, bool up)>;

  ProcessTracker(core::Scheduler& scheduler, ProcReader& reader, Listener listener);
  ~ProcessTracker();
  ProcessTracker(const ProcessTracker&) = delete;
  ProcessTracker& operator=(const ProcessTracker&) = delete;

  // Start and reload: the blocks to track. An unchanged block keeps its
  // count and verdict; a new or changed one is counted by the next rescan().
  void set_specs(const std::vector<conf::TrackProcess>& specs);
  // Counts every tracked block from /proc. A new block's first verdict is
  // not reported (the owner reads up()); a changed count of a kept one is.
  void rescan();
  void on_event(const ProcEvent& event);

  bool empty() const { return tracked_.empty(); }
  // The verdict; nullopt for an unknown name or one not counted yet.
  std::optional<bool> up(const std::string& name) const;
  std::vector<TrackedProcessStatus> statuses() const;  // by name, without effects

 private:
  struct Tracked;
  void recount(Tracked& t, ProcessQuorum::Cause cause);
  bool cmdline_needed() const;

  core::Scheduler& scheduler_;
  ProcReader& reader_;
  Listener listener_;
  std::map<std::string, std::unique_ptr<Tracked>> tracked_;  // by name
};

}  // namespace lvsd::daemon
