#pragma once
// The vrrp_scripts that at least one VRRP instance tracks (keepalived's
// vrrp_script + track_script), run on the daemon's loop. Each script is a
// MISC_CHECK-style probe (healthcheck/misc_checker.cpp: its own process
// group, killed at its timeout, reaped by libev; never waited for on the
// loop) whose results go through a HealthState with the script's rise and
// fall. The first run starts at once; the next one `interval` after a run
// ends. A verdict change is handed to the listener, which passes it to the
// instances (vrrp::Instance::on_script).
//
// apply() is the start and the reload: a script whose settings did not
// change keeps running with its verdict; a changed one starts over.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "control/status.hpp"
#include "core/clock.hpp"
#include "healthcheck/health_state.hpp"

namespace lvsd::core {
class EventLoop;
}
namespace lvsd::healthcheck {
class Checker;
}

namespace lvsd::daemon {

class VrrpScripts {
 public:
  using Listener = std::function<void(const std::string& name, bool up)>;

  // `timers` drives the intervals and timeouts (the loop's scheduler in
  // production, a FakeScheduler in tests); the processes run on `loop`.
  VrrpScripts(core::EventLoop& loop, core::Scheduler& timers, Listener listener);
  ~VrrpScripts();
  VrrpScripts(const VrrpScripts&) = delete;
  VrrpScripts& operator=(const VrrpScripts&) = delete;

  void apply(const conf::Config& config);
  // Stops every script (kills a running one).
  void stop();

  // The current verdict; nullopt before the first result (or if not run).
  std::optional<bool> up(const std::string& name) const;
  std::vector<control::VrrpScriptStatus> statuses() const;
  std::size_t size() const { return scripts_.size(); }

 private:
  struct Script;
  void run(Script& script);

  core::EventLoop& loop_;
  core::Scheduler& timers_;
  Listener listener_;
  std::map<std::string, std::unique_ptr<Script>> scripts_;  // by name
};

// The scripts of `config` that some instance tracks (keepalived runs only those).
std::vector<conf::VrrpScript> tracked_scripts(const conf::Config& config);

}  // namespace lvsd::daemon
