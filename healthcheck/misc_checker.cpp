// MISC_CHECK: runs a program (core/spawn.hpp: as the check's user, its own
// process group, stdio on /dev/null) and reads its exit code: 0 is up. With misc_dynamic, exit codes
// 2..255 are up too and ask for weight code-2 (keepalived's convention); 1 is
// down. A program still running after misc_timeout is killed with its whole
// process group and counts as down. Children are reaped by libev's child
// watcher on the default loop (EventLoop is the default loop).
#include <ev.h>
#include <signal.h>
#include <sys/wait.h>

#include <utility>

#include "core/log.hpp"
#include "core/spawn.hpp"
#include "healthcheck/probe_base.hpp"

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
    // Checked at every run, as the file may change: a refused script
    // (keepalived disables it) counts as down with the reason.
    auto prepared = core::prepare_script(spec_.misc_argv, spec_.misc_policy);
    if (!prepared) return finish_soon(false, prepared.error().message);
    if (prepared->warning && !warned_) {
      warned_ = true;  // once per check, not every delay_loop
      core::log::get()->warn("MISC_CHECK: {} (enable_script_security would refuse it)", *prepared->warning);
    }
    auto spawned = core::spawn_script(*prepared);
    if (!spawned) return finish_soon(false, spawned.error().message);
    const pid_t pid = *spawned;
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
  bool warned_ = false;
};

}  // namespace

std::unique_ptr<Checker> make_misc_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<MiscChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
