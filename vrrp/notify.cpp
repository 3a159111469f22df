#include "vrrp/notify.hpp"

#include <ev.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>

#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "core/spawn.hpp"

namespace lvsd::vrrp {

using core::split_command_line;

std::vector<std::vector<std::string>> notify_commands(const NotifyConfig& config, NotifySubject subject,
                                                      const std::string& name, State state, std::uint8_t priority) {
  std::vector<std::vector<std::string>> out;
  const std::optional<std::string>* own = nullptr;
  switch (state) {
    case State::kMaster: own = &config.master; break;
    case State::kBackup: own = &config.backup; break;
    case State::kFault: own = &config.fault; break;
    case State::kInitialize: own = &config.stop; break;
  }
  if (own != nullptr && *own && !split_command_line(**own).empty()) out.push_back(split_command_line(**own));
  if (config.any && !split_command_line(*config.any).empty()) {
    auto argv = split_command_line(*config.any);
    argv.push_back(subject == NotifySubject::kGroup ? "GROUP" : "INSTANCE");
    argv.push_back(name);
    argv.emplace_back(notify_name(state));
    argv.push_back(std::to_string(priority));
    out.push_back(std::move(argv));
  }
  return out;
}

struct SpawnScriptRunner::Child {
  ::ev_child watcher{};
  ::ev_timer timer{};
  SpawnScriptRunner* owner = nullptr;
  std::string command;
  pid_t pid = 0;
};

SpawnScriptRunner::SpawnScriptRunner(core::EventLoop& loop, core::Duration timeout) : loop_(loop), timeout_(timeout) {}

SpawnScriptRunner::~SpawnScriptRunner() {
  // Children still running are left to finish (their timeout goes with us;
  // PR_SET_PDEATHSIG ends them if lvsd exits); init reaps them.
  for (auto& [pid, child] : children_) {
    ev_child_stop(loop_.raw(), &child->watcher);
    ev_timer_stop(loop_.raw(), &child->timer);
  }
}

void SpawnScriptRunner::run(const std::vector<std::string>& argv) {
  if (argv.empty()) return;
  auto log = core::log::get();
  auto prepared = core::prepare_script(argv, policy_);
  if (!prepared) {
    log->error("notify: {}", prepared.error().message);
    return;
  }
  if (prepared->warning) log->warn("notify: {} (enable_script_security would refuse it)", *prepared->warning);
  auto pid = core::spawn_script(*prepared);
  if (!pid) {
    log->error("notify: {}", pid.error().message);
    return;
  }
  auto child = std::make_unique<Child>();
  child->owner = this;
  child->command = prepared->argv[0];
  child->pid = *pid;
  ev_child_init(&child->watcher, &SpawnScriptRunner::on_child_exit, *pid, 0);
  child->watcher.data = child.get();
  ev_child_start(loop_.raw(), &child->watcher);
  ev_timer_init(&child->timer, &SpawnScriptRunner::on_timeout, std::chrono::duration<double>(timeout_).count(), 0.);
  child->timer.data = child.get();
  ev_timer_start(loop_.raw(), &child->timer);
  log->debug("notify: started {} (pid {}, uid {})", child->command, *pid, prepared->user.uid);
  children_.emplace(*pid, std::move(child));
}

void SpawnScriptRunner::on_timeout(struct ev_loop*, struct ev_timer* watcher, int) {
  auto* child = static_cast<Child*>(watcher->data);
  // The whole process group: whatever the script started goes too. The child
  // watcher still reaps it and removes the entry.
  core::log::get()->warn("notify: {} still running after {} ms, killing its process group", child->command,
                         std::chrono::duration_cast<std::chrono::milliseconds>(child->owner->timeout_).count());
  ::kill(-child->pid, SIGKILL);
}

void SpawnScriptRunner::on_child_exit(struct ev_loop* loop, struct ev_child* watcher, int) {
  auto* child = static_cast<Child*>(watcher->data);
  ev_child_stop(loop, watcher);
  ev_timer_stop(loop, &child->timer);
  const int status = watcher->rstatus;
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    core::log::get()->warn("notify: {} exited with status {}", child->command, WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    core::log::get()->warn("notify: {} killed by signal {}", child->command, WTERMSIG(status));
  }
  SpawnScriptRunner* owner = child->owner;
  owner->children_.erase(watcher->rpid);  // destroys `child`
}

}  // namespace lvsd::vrrp
