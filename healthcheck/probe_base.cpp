#include "healthcheck/probe_base.hpp"

#include <utility>

namespace lvsd::healthcheck {

ProbeBase::ProbeBase(core::EventLoop& loop)
    : loop_(loop), timer_(loop.scheduler().create_timer([this] { on_timer(); })) {}

void ProbeBase::begin(Done done, core::Duration timeout) {
  done_ = std::move(done);
  pending_.reset();
  // Timer::arm refreshes libev's cached time (stale after a long blocking
  // call) before arming, so the deadline is never partly spent and the start
  // time read just after it is current: no extra clock read per probe.
  timer_->arm(timeout);
  started_ = loop_.scheduler().now();
}

void ProbeBase::cancel() {
  if (!running()) return;
  timer_->cancel();
  pending_.reset();
  done_ = nullptr;
  release();
}

void ProbeBase::finish(CheckResult result) {
  if (!running()) return;
  timer_->cancel();
  release();
  result.latency = elapsed();
  Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));  // may destroy this
}

void ProbeBase::finish_soon(bool up, std::string reason) {
  pending_ = CheckResult{.up = up, .reason = std::move(reason)};
  timer_->arm(core::Duration::zero());
}

void ProbeBase::on_timer() {
  if (!running()) return;
  if (pending_) {
    CheckResult r = std::move(*pending_);
    pending_.reset();
    finish(std::move(r));
    return;
  }
  on_deadline();
}

}  // namespace lvsd::healthcheck
