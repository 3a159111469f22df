#pragma once
// What every socket/process checker shares: the running probe's `done`
// callback, its start time, one deadline timer, and results that are decided
// inside start() but must be delivered later from the loop.
#include <memory>
#include <optional>
#include <string>

#include "core/event_loop.hpp"
#include "healthcheck/checker.hpp"

namespace lvsd::healthcheck {

class ProbeBase : public Checker {
 public:
  ~ProbeBase() override = default;
  void cancel() override;

 protected:
  explicit ProbeBase(core::EventLoop& loop);

  // Records `done` and the start time and arms the deadline.
  void begin(Done done, core::Duration timeout);
  // Re-arms the deadline (HTTP: one per url).
  void rearm_deadline(core::Duration timeout) { timer_->arm(timeout); }
  bool running() const { return static_cast<bool>(done_); }
  core::Duration elapsed() const { return loop_.scheduler().now() - started_; }

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

  core::EventLoop& loop_;

 private:
  void on_timer();

  std::unique_ptr<core::Timer> timer_;
  Done done_;
  core::TimePoint started_{};
  std::optional<CheckResult> pending_;
};

}  // namespace lvsd::healthcheck
