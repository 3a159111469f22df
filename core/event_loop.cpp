#include "core/event_loop.hpp"

#include <ev.h>

#include <exception>
#include <utility>

#include "core/directory_watch.hpp"
#include "core/log.hpp"

namespace lvsd::core {

bool guarded(const char* where, const std::function<void()>& fn) {
  try {
    fn();
    return true;
  } catch (const std::exception& e) {
    log::get()->error("{}: unhandled exception: {}", where, e.what());
  } catch (...) {
    log::get()->error("{}: unhandled non-standard exception", where);
  }
  return false;
}

namespace {

class EvTimer final : public Timer {
 public:
  EvTimer(struct ev_loop* loop, std::function<void()> cb) : loop_(loop), cb_(std::move(cb)) {
    ev_init(&w_, &EvTimer::on_timer);
    w_.data = this;
  }
  ~EvTimer() override { ev_timer_stop(loop_, &w_); }

  void arm(Duration after) override {
    ev_timer_stop(loop_, &w_);
    // libev measures from the loop's cached time, which is stale when we were
    // busy since the last poll; refresh it so the timer never fires early.
    ev_now_update(loop_);
    double secs = std::chrono::duration<double>(after).count();
    if (secs < 0) secs = 0;
    ev_timer_set(&w_, secs, 0.0);
    ev_timer_start(loop_, &w_);
  }
  void cancel() override { ev_timer_stop(loop_, &w_); }
  bool armed() const override { return ev_is_active(&w_) != 0; }

 private:
  static void on_timer(struct ev_loop*, ev_timer* w, int) {
    auto* self = static_cast<EvTimer*>(w->data);
    auto cb = self->cb_;  // the callback may destroy the timer
    guarded("timer", cb);
  }

  struct ev_loop* loop_;
  ev_timer w_{};
  std::function<void()> cb_;
};

class EvScheduler final : public Scheduler {
 public:
  explicit EvScheduler(struct ev_loop* loop) : loop_(loop) {}
  // Monotonic, as Clock promises: ev_now() is libev's cached *wall* time, which
  // `date -s` or an NTP step moves. Due times kept as TimePoints (the health
  // check queue, probe deadlines, drain and slow-start ages) then jumped with
  // it: a step back of an hour stopped every health check for that hour.
  // ev_timer itself counts on the monotonic clock, as this does.
  TimePoint now() const override { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }
  std::unique_ptr<Timer> create_timer(std::function<void()> callback) override {
    return std::make_unique<EvTimer>(loop_, std::move(callback));
  }

 private:
  struct ev_loop* loop_;
};

int to_ev(int events) {
  return ((events & IoWatcher::kRead) ? EV_READ : 0) | ((events & IoWatcher::kWrite) ? EV_WRITE : 0);
}

}  // namespace

// --- IoWatcher -------------------------------------------------------------

struct IoWatcher::Impl {
  struct ev_loop* loop;
  ev_io w{};
  std::function<void(int)> cb;

  static void on_io(struct ev_loop*, ev_io* w, int revents) {
    auto* self = static_cast<Impl*>(w->data);
    int ready = ((revents & EV_READ) ? kRead : 0) | ((revents & EV_WRITE) ? kWrite : 0);
    auto cb = self->cb;
    guarded("io", [&] { cb(ready); });
  }
};

IoWatcher::IoWatcher(EventLoop& loop, int fd, int events, std::function<void(int)> callback)
    : impl_(std::make_unique<Impl>()) {
  impl_->loop = loop.raw();
  impl_->cb = std::move(callback);
  ev_io_init(&impl_->w, &Impl::on_io, fd, to_ev(events));
  impl_->w.data = impl_.get();
}

IoWatcher::~IoWatcher() { stop(); }
void IoWatcher::start() { ev_io_start(impl_->loop, &impl_->w); }
void IoWatcher::stop() { ev_io_stop(impl_->loop, &impl_->w); }
bool IoWatcher::active() const { return ev_is_active(&impl_->w) != 0; }
int IoWatcher::fd() const { return impl_->w.fd; }

void IoWatcher::set_events(int events) {
  bool was_active = active();
  stop();
  ev_io_set(&impl_->w, impl_->w.fd, to_ev(events));
  if (was_active) start();
}

// --- SignalWatcher ---------------------------------------------------------

struct SignalWatcher::Impl {
  struct ev_loop* loop;
  ev_signal w{};
  std::function<void()> cb;

  static void on_signal(struct ev_loop*, ev_signal* w, int) {
    auto* self = static_cast<Impl*>(w->data);
    auto cb = self->cb;
    guarded("signal", cb);
  }
};

SignalWatcher::SignalWatcher(EventLoop& loop, int signum, std::function<void()> callback)
    : impl_(std::make_unique<Impl>()) {
  impl_->loop = loop.raw();
  impl_->cb = std::move(callback);
  ev_signal_init(&impl_->w, &Impl::on_signal, signum);
  impl_->w.data = impl_.get();
  // An active signal watcher keeps run() going: a daemon with nothing else
  // scheduled still waits for SIGTERM.
  ev_signal_start(impl_->loop, &impl_->w);
}

SignalWatcher::~SignalWatcher() { ev_signal_stop(impl_->loop, &impl_->w); }

// --- EventLoop -------------------------------------------------------------

EventLoop::EventLoop() : loop_(ev_default_loop(EVFLAG_AUTO)) {
  scheduler_ = std::make_unique<EvScheduler>(loop_);
}

EventLoop::~EventLoop() { directory_watch_.reset(); }

DirectoryWatch& EventLoop::directory_watch() {
  if (!directory_watch_) directory_watch_ = std::make_unique<DirectoryWatch>(*this);
  return *directory_watch_;
}

void EventLoop::run() { ev_run(loop_, 0); }
void EventLoop::run_once(bool block) { ev_run(loop_, block ? EVRUN_ONCE : EVRUN_NOWAIT); }
void EventLoop::stop() { ev_break(loop_, EVBREAK_ALL); }
Scheduler& EventLoop::scheduler() { return *scheduler_; }

}  // namespace lvsd::core
