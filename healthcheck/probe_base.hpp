#pragma once
// What every socket/process checker shares: the running probe's `done`
// callback, its start time, one deadline timer, and results that are decided
// inside start() but must be delivered later from the loop.
//
// The deadline is armed when the probe starts (right before its connect), so
// a probe that starts late (busy loop) still gets its whole timeout. A busy
// loop can also run a deadline before I/O that arrived in time: libev runs
// the timers of an iteration before its I/O callbacks. So the socket
// checkers (TCP, HTTP/SSL, Redis) override on_deadline(): they ask
// ready_now() and, when their socket is ready, handle that I/O first.
#include <memory>
#include <string>

#include "core/event_loop.hpp"
#include "healthcheck/checker.hpp"

namespace lvsd::healthcheck {

class ProbeBase : public Checker {
 public:
  ~ProbeBase() override = default;
  void cancel() override;

 protected:
  // I/O runs on `loop`; the deadline timer and the clock come from `timers`
  // (the loop's own scheduler in production, a fake one in tests).
  ProbeBase(core::EventLoop& loop, core::Scheduler& timers);
  explicit ProbeBase(core::EventLoop& loop) : ProbeBase(loop, loop.scheduler()) {}

  // Records `done` and the start time and arms the deadline.
  void begin(Done done, core::Duration timeout);
  // Re-arms the deadline (HTTP: one per url).
  void rearm_deadline(core::Duration timeout) { timer_->arm(timeout); }
  bool running() const { return static_cast<bool>(done_); }
  core::Duration elapsed() const { return timers_.now() - started_; }

  // Releases the probe's resources, then calls `done`. Nothing of `this` is
  // touched after `done` returns.
  void finish(CheckResult result);
  void finish(bool up, std::string reason) { finish(CheckResult{.up = up, .reason = std::move(reason)}); }
  // The same, delivered from the loop on its next iteration (for results
  // known inside start()).
  void finish_soon(bool up, std::string reason);

  // Closes sockets, stops watchers, kills processes. Called by finish() and
  // cancel(); derived destructors must call cancel() themselves.
  virtual void release() = 0;
  // The reason when the deadline passes, e.g. "connect timeout after 3s".
  virtual std::string timeout_reason() = 0;
  // The deadline passed. Default: finish as down with timeout_reason().
  virtual void on_deadline() { finish(false, timeout_reason()); }

  // Which of `events` (core::IoWatcher::kRead | kWrite) `fd` is ready for
  // right now (poll() with a zero timeout); 0 when none or fd < 0.
  static int ready_now(int fd, int events);

  core::EventLoop& loop_;

 private:
  void on_timer();

  core::Scheduler& timers_;
  std::unique_ptr<core::Timer> timer_;  // the deadline, only while a probe runs
  Done done_;
  core::TimePoint started_{};
  std::unique_ptr<CheckResult> pending_;  // rare (finish_soon): not held inline
};

}  // namespace lvsd::healthcheck
