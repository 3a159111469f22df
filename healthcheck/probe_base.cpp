#include "healthcheck/probe_base.hpp"

#include <ev.h>

#include <utility>

namespace lvsd::healthcheck {

ProbeBase::ProbeBase(core::EventLoop& loop)
    : loop_(loop), timer_(loop.scheduler().create_timer([this] { on_timer(); })) {}

void ProbeBase::begin(Done done, core::Duration timeout) {
  // libev's cached time is that of the last loop iteration; a probe started
  // outside a callback (after a long blocking call) would get a stale start
  // time and a deadline that is already partly spent.
  ev_now_update(loop_.raw());
  done_ = std::move(done);
  pending_.reset();
  started_ = loop_.scheduler().now();
  timer_->arm(timeout);
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
