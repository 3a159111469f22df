#include "daemon/process_quorum.hpp"

#include "core/event_loop.hpp"

namespace lvsd::daemon {

ProcessQuorum::Settings ProcessQuorum::settings_of(const conf::TrackProcess& spec) {
  Settings s;
  // keepalived: quorum_max 0 means "must not run", whatever quorum said.
  s.min = spec.quorum_max && *spec.quorum_max == 0 ? 0 : static_cast<std::size_t>(spec.quorum);
  if (spec.quorum_max) s.max = static_cast<std::size_t>(*spec.quorum_max);
  s.fork_delay = spec.fork_delay;
  s.terminate_delay = spec.terminate_delay;
  return s;
}

ProcessQuorum::ProcessQuorum(core::Scheduler& scheduler, Settings settings, std::size_t count, Listener listener)
    : settings_(settings), listener_(std::move(listener)), count_(count), up_(in_range(count)) {
  timer_ = scheduler.create_timer([this] {
    core::guarded("track_process delay", [this] { report(in_range(count_)); });
  });
}

void ProcessQuorum::set_count(std::size_t count, Cause cause) {
  const bool was = in_range(count_);
  count_ = count;
  const bool now = in_range(count_);
  if (was == now) return;
  if (timer_->armed()) {
    // Back where the verdict still is: the delayed change never happens.
    timer_->cancel();
    report(now);
    return;
  }
  core::Duration delay{0};
  if (cause == Cause::kFork) delay = settings_.fork_delay;
  else if (cause == Cause::kExit || (cause == Cause::kScan && !now)) delay = settings_.terminate_delay;
  if (delay > core::Duration::zero()) {
    timer_->arm(delay);
    return;
  }
  report(now);
}

void ProcessQuorum::report(bool up) {
  if (up == up_) return;
  up_ = up;
  if (listener_) listener_(up);
}

}  // namespace lvsd::daemon
