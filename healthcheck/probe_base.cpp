#include "healthcheck/probe_base.hpp"

#include <poll.h>

#include <utility>

namespace lvsd::healthcheck {

ProbeBase::ProbeBase(core::EventLoop& loop, core::Scheduler& timers)
    : loop_(loop), timers_(timers) {}

void ProbeBase::begin(Done done, core::Duration timeout) {
  done_ = std::move(done);
  pending_.reset();
  // The deadline timer exists only while a probe runs: an idle check (most
  // of them, most of the time) holds none.
  if (!timer_) timer_ = timers_.create_timer([this] { on_timer(); });
  // Timer::arm refreshes libev's cached time (stale after a long blocking
  // call) before arming, so the deadline is never partly spent and the start
  // time read just after it is current: no extra clock read per probe.
  timer_->arm(timeout);
  started_ = timers_.now();
}

void ProbeBase::cancel() {
  if (!running()) return;
  timer_.reset();
  pending_.reset();
  done_ = nullptr;
  release();
}

void ProbeBase::finish(CheckResult result) {
  if (!running()) return;
  timer_.reset();  // safe inside its own callback: timers copy their callback before running it
  release();
  result.latency = elapsed();
  Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));  // may destroy this
}

void ProbeBase::finish_soon(bool up, std::string reason) {
  pending_ = std::make_unique<CheckResult>(CheckResult{.up = up, .reason = std::move(reason)});
  timer_->arm(core::Duration::zero());
}

int ProbeBase::ready_now(int fd, int events) {
  if (fd < 0 || events == 0) return 0;
  pollfd p{.fd = fd,
           .events = static_cast<short>(((events & core::IoWatcher::kRead) ? POLLIN : 0) |
                                        ((events & core::IoWatcher::kWrite) ? POLLOUT : 0)),
           .revents = 0};
  if (::poll(&p, 1, 0) != 1) return 0;
  // An error or hang-up is ready too: the I/O handler reads the reason.
  const bool failed = (p.revents & (POLLERR | POLLHUP)) != 0;
  return (((p.revents & POLLIN) || failed) ? (events & core::IoWatcher::kRead) : 0) |
         (((p.revents & POLLOUT) || failed) ? (events & core::IoWatcher::kWrite) : 0);
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
