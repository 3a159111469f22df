#include "vrrp/notify.hpp"

#include <ev.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "core/event_loop.hpp"
#include "core/log.hpp"

extern char** environ;

namespace lvsd::vrrp {

std::vector<std::string> split_command_line(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

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
  SpawnScriptRunner* owner = nullptr;
  std::string command;
};

SpawnScriptRunner::SpawnScriptRunner(core::EventLoop& loop) : loop_(loop) {}

SpawnScriptRunner::~SpawnScriptRunner() {
  // Children still running are left to finish; init reaps them after we exit.
  for (auto& [pid, child] : children_) ev_child_stop(loop_.raw(), &child->watcher);
}

void SpawnScriptRunner::run(const std::vector<std::string>& argv) {
  if (argv.empty()) return;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ);
  auto log = core::log::get();
  if (err != 0) {
    log->error("notify: cannot run {}: {}", argv[0], std::strerror(err));
    return;
  }
  auto child = std::make_unique<Child>();
  child->owner = this;
  child->command = argv[0];
  ev_child_init(&child->watcher, &SpawnScriptRunner::on_child_exit, pid, 0);
  child->watcher.data = child.get();
  ev_child_start(loop_.raw(), &child->watcher);
  log->debug("notify: started {} (pid {})", argv[0], pid);
  children_.emplace(pid, std::move(child));
}

void SpawnScriptRunner::on_child_exit(struct ev_loop* loop, struct ev_child* watcher, int) {
  auto* child = static_cast<Child*>(watcher->data);
  ev_child_stop(loop, watcher);
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
