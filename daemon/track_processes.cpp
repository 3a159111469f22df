#include "daemon/track_processes.hpp"

#include <algorithm>

#include "core/event_loop.hpp"
#include "core/log.hpp"

namespace lvsd::daemon {

namespace {

constexpr auto kPollInterval = std::chrono::seconds(1);
// keepalived waits this long after lost events before it rescans, for things to settle.
constexpr auto kRescanAfterLoss = std::chrono::seconds(1);

// The blocks an instance or a sync group tracks.
std::vector<conf::TrackProcess> tracked_blocks(const conf::Config& config) {
  std::vector<conf::TrackProcess> out;
  for (const auto& p : config.track_processes) {
    auto names = [&](const std::vector<conf::TrackScript>& list) {
      return std::any_of(list.begin(), list.end(), [&](const conf::TrackScript& t) { return t.name == p.name; });
    };
    const bool tracked =
        std::any_of(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                    [&](const conf::VrrpInstance& i) { return names(i.track_process); }) ||
        std::any_of(config.vrrp_sync_groups.begin(), config.vrrp_sync_groups.end(),
                    [&](const conf::VrrpSyncGroup& g) { return names(g.track_process); });
    if (tracked) out.push_back(p);
  }
  return out;
}

}  // namespace

TrackProcesses::TrackProcesses(core::EventLoop& loop, Listener listener)
    : loop_(loop), tracker_(loop.scheduler(), proc_, std::move(listener)) {
  rescan_timer_ = loop_.scheduler().create_timer([this] {
    core::guarded("track_process rescan", [this] {
      tracker_.rescan();
      if (polling_) rescan_timer_->arm(kPollInterval);
    });
  });
}

TrackProcesses::~TrackProcesses() = default;

void TrackProcesses::start_events() {
  if (connector_ || polling_) return;
  auto opened = ProcConnector::open();
  if (!opened.ok()) {
    // Said once: it does not change while lvsd runs.
    core::log::get()->warn("track_process: no process events from the kernel ({}); /proc is rescanned every {}s "
                           "instead", opened.error().message, kPollInterval.count());
    polling_ = true;
    return;
  }
  connector_.emplace(std::move(*opened));
  watcher_ = std::make_unique<core::IoWatcher>(loop_, connector_->fd(), core::IoWatcher::kRead, [this](int) {
    core::guarded("track_process events", [this] { on_readable(); });
  });
  watcher_->start();
}

void TrackProcesses::apply(const conf::Config& config) {
  tracker_.set_specs(tracked_blocks(config));
  if (tracker_.empty()) {
    // Nothing to count: stop hearing about every process on the host.
    rescan_timer_->cancel();
    watcher_.reset();
    connector_.reset();
    polling_ = false;
    return;
  }
  // Subscribe first: what happens during the scan is then queued, not missed.
  start_events();
  tracker_.rescan();
  if (polling_ && !rescan_timer_->armed()) rescan_timer_->arm(kPollInterval);
}

void TrackProcesses::on_readable() {
  bool lost = false;
  for (const auto& event : connector_->drain(lost)) tracker_.on_event(event);
  if (lost && !rescan_timer_->armed()) {
    core::log::get()->warn("track_process: the kernel dropped process events; rescanning /proc in {}s",
                           kRescanAfterLoss.count());
    rescan_timer_->arm(kRescanAfterLoss);
  }
}

}  // namespace lvsd::daemon
