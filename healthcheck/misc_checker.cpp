// MISC_CHECK: runs a program (posix_spawnp, its own process group, stdio on
// /dev/null) and reads its exit code: 0 is up. With misc_dynamic, exit codes
// 2..255 are up too and ask for weight code-2 (keepalived's convention); 1 is
// down. A program still running after misc_timeout is killed with its whole
// process group and counts as down. Children are reaped by libev's child
// watcher on the default loop (EventLoop is the default loop).
#include <ev.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstring>
#include <utility>
#include <vector>

#include "healthcheck/probe_base.hpp"

extern char** environ;

namespace lvsd::healthcheck {

namespace {

class MiscChecker final : public ProbeBase {
 public:
  MiscChecker(core::EventLoop& loop, core::Scheduler& timers, CheckSpec spec)
      : ProbeBase(loop, timers), spec_(std::move(spec)) {
    ev_child_init(&child_, &MiscChecker::on_child, 0, 0);
    child_.data = this;
  }
  ~MiscChecker() override { cancel(); }

  void start(Done done) override {
    begin(std::move(done), timeout());
    if (spec_.misc_argv.empty()) return finish_soon(false, "no script configured");
    std::vector<char*> argv;
    for (auto& a : spec_.misc_argv) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Own process group (so a timeout kills the script's children too), an
    // empty signal mask and default dispositions, whatever the daemon blocks.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return finish_soon(false, "cannot run " + spec_.misc_argv[0] + ": " + std::strerror(rc));
    pid_ = pid;
    ev_child_set(&child_, pid, 0);
    ev_child_start(loop_.raw(), &child_);
  }

 private:
  core::Duration timeout() const {
    return spec_.misc_timeout > core::Duration::zero() ? spec_.misc_timeout : spec_.delay_loop;
  }

  static void on_child(struct ev_loop* /*loop*/, ev_child* w, int /*revents*/) {
    auto* self = static_cast<MiscChecker*>(w->data);
    int status = w->rstatus;
    core::guarded("misc child", [&] { self->on_exit(status); });
  }

  void on_exit(int status) {
    ev_child_stop(loop_.raw(), &child_);
    pid_ = 0;  // reaped by libev
    if (WIFSIGNALED(status)) return finish(false, "script killed by signal " + std::to_string(WTERMSIG(status)));
    if (!WIFEXITED(status)) return finish(false, "script ended abnormally");
    int code = WEXITSTATUS(status);
    if (code == 0) return finish(true, "script exit 0");
    if (spec_.misc_dynamic && code >= 2) {
      CheckResult r{.up = true, .reason = "script exit " + std::to_string(code), .weight = code - 2};
      return finish(std::move(r));
    }
    finish(false, "script exit " + std::to_string(code));
  }

  void release() override {
    ev_child_stop(loop_.raw(), &child_);
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);  // the whole group; libev reaps the script
      pid_ = 0;
    }
  }

  std::string timeout_reason() override { return "script timeout after " + format_duration(timeout()) + " (killed)"; }

  CheckSpec spec_;
  ev_child child_{};
  pid_t pid_ = 0;
};

}  // namespace

std::unique_ptr<Checker> make_misc_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<MiscChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
