#pragma once
// One vrrp_track_process's verdict (pure, time injected): up while
// quorum <= running <= quorum_max. A change of that range caused by a fork
// counts after fork_delay, one caused by an exit (or seen by a rescan of
// /proc that finds fewer processes) after terminate_delay, as keepalived
// 2.2.7 does; a change back before the delay ends cancels it, so the
// verdict never moved. A process that starts (exec) or is renamed counts
// at once.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "conf/config.hpp"
#include "core/clock.hpp"

namespace lvsd::daemon {

class ProcessQuorum {
 public:
  enum class Cause { kScan, kExec, kFork, kExit, kRename };
  struct Settings {
    std::size_t min = 1;                 // quorum (0 with quorum_max 0)
    std::optional<std::size_t> max{};    // quorum_max; unset: no maximum
    core::Duration fork_delay{0};
    core::Duration terminate_delay{0};
    bool operator==(const Settings&) const = default;
  };
  static Settings settings_of(const conf::TrackProcess& spec);

  // Called when the verdict changes (not for the first one).
  using Listener = std::function<void(bool up)>;

  ProcessQuorum(core::Scheduler& scheduler, Settings settings, std::size_t count, Listener listener);
  ProcessQuorum(const ProcessQuorum&) = delete;
  ProcessQuorum& operator=(const ProcessQuorum&) = delete;

  void set_count(std::size_t count, Cause cause);

  bool up() const { return up_; }
  std::size_t count() const { return count_; }
  // A fork_delay or terminate_delay runs: the verdict may change when it ends.
  bool delaying() const { return timer_->armed(); }
  const Settings& settings() const { return settings_; }

 private:
  bool in_range(std::size_t n) const { return n >= settings_.min && (!settings_.max || n <= *settings_.max); }
  void report(bool up);

  Settings settings_;
  Listener listener_;
  std::size_t count_ = 0;
  bool up_ = false;
  std::unique_ptr<core::Timer> timer_;
};

}  // namespace lvsd::daemon
