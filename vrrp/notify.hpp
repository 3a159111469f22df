#pragma once
// Notify scripts on VRRP state changes. Which commands run, with which
// arguments, is pure (notify_commands); ScriptRunner starts them. The
// production runner (SpawnScriptRunner) uses posix_spawn and reaps each child
// with a libev child watcher, so a slow script never blocks the loop.
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

#include "vrrp/fsm.hpp"

struct ev_loop;
struct ev_child;

namespace lvsd::core {
class EventLoop;
}

namespace lvsd::vrrp {

struct NotifyConfig {
  std::optional<std::string> master{}, backup{}, fault{}, stop{};
  std::optional<std::string> any{};  // the generic `notify` (global)
  bool operator==(const NotifyConfig&) const = default;
};

enum class NotifySubject { kInstance, kGroup };

// Splits a command line into words: blanks separate, '...' and "..." quote.
std::vector<std::string> split_command_line(const std::string& line);

// The argument vectors to run for a change to `state`, in order: the
// state's own script, then the generic one.
std::vector<std::vector<std::string>> notify_commands(const NotifyConfig& config, NotifySubject subject,
                                                      const std::string& name, State state, std::uint8_t priority);

class ScriptRunner {
 public:
  virtual ~ScriptRunner() = default;
  virtual void run(const std::vector<std::string>& argv) = 0;
};

class SpawnScriptRunner final : public ScriptRunner {
 public:
  explicit SpawnScriptRunner(core::EventLoop& loop);
  ~SpawnScriptRunner() override;
  SpawnScriptRunner(const SpawnScriptRunner&) = delete;
  SpawnScriptRunner& operator=(const SpawnScriptRunner&) = delete;

  void run(const std::vector<std::string>& argv) override;
  std::size_t running() const { return children_.size(); }

 private:
  struct Child;
  static void on_child_exit(struct ev_loop* loop, struct ev_child* watcher, int revents);
  core::EventLoop& loop_;
  std::map<int, std::unique_ptr<Child>> children_;  // by pid
};

}  // namespace lvsd::vrrp
