#pragma once
// Notify scripts on VRRP state changes. Which commands run, with which
// arguments, is pure (notify_commands); ScriptRunner starts them. The
// production runner (SpawnScriptRunner) starts each through core/spawn.hpp as
// the global script user, reaps it with a libev child watcher so a slow
// script never blocks the loop, and kills its process group once it has run
// longer than its timeout (keepalived has none for notify scripts; lvsd's
// default is kNotifyTimeout) so that stuck scripts do not pile up.
//
// As keepalived passes them: notify_master / notify_backup / notify_fault /
// notify_stop run as written (the command line split into words); the
// generic `notify` script gets four more arguments:
//   INSTANCE|GROUP  name  MASTER|BACKUP|FAULT|STOP  priority
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/script.hpp"
#include "vrrp/fsm.hpp"

struct ev_loop;
struct ev_child;
struct ev_timer;

namespace lvsd::core {
class EventLoop;
}

namespace lvsd::vrrp {

struct NotifyConfig {
  std::optional<std::string> master{}, backup{}, fault{}, stop{};
  std::optional<std::string> any{};  // the generic `notify` (global)
  // Run as written each time the Master hears a lower-priority advert
  // (keepalived's notify_master_rx_lower_pri; instances only).
  std::optional<std::string> master_rx_lower_pri{};
  bool operator==(const NotifyConfig&) const = default;
};

enum class NotifySubject { kInstance, kGroup };

// The argument vectors to run for a change to `state`, in order: the
// state's own script, then the generic one.
std::vector<std::vector<std::string>> notify_commands(const NotifyConfig& config, NotifySubject subject,
                                                      const std::string& name, State state, std::uint8_t priority);

class ScriptRunner {
 public:
  virtual ~ScriptRunner() = default;
  virtual void run(const std::vector<std::string>& argv) = 0;
};

inline constexpr core::Duration kNotifyTimeout = std::chrono::seconds(30);

class SpawnScriptRunner final : public ScriptRunner {
 public:
  explicit SpawnScriptRunner(core::EventLoop& loop, core::Duration timeout = kNotifyTimeout);
  ~SpawnScriptRunner() override;
  SpawnScriptRunner(const SpawnScriptRunner&) = delete;
  SpawnScriptRunner& operator=(const SpawnScriptRunner&) = delete;

  // Who scripts run as and whether unsafe ones are refused (global
  // script_user, enable_script_security); applies to the next run().
  void set_policy(core::ScriptPolicy policy) { policy_ = std::move(policy); }
  void run(const std::vector<std::string>& argv) override;
  std::size_t running() const { return children_.size(); }

 private:
  struct Child;
  static void on_child_exit(struct ev_loop* loop, struct ev_child* watcher, int revents);
  static void on_timeout(struct ev_loop* loop, struct ev_timer* watcher, int revents);
  core::EventLoop& loop_;
  core::Duration timeout_;
  core::ScriptPolicy policy_{};
  std::map<int, std::unique_ptr<Child>> children_;  // by pid
};

}  // namespace lvsd::vrrp
