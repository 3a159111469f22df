#pragma once
// A Scheduler whose time only moves when a test calls advance(). Due timers
// fire in deadline order (ties: the one armed first fires first), each at
// its own deadline: now() inside a callback is that timer's deadline.
#include <cstdint>
#include <map>
#include <utility>

#include "core/clock.hpp"

namespace lvsd::core {

class FakeScheduler final : public Scheduler {
 public:
  explicit FakeScheduler(TimePoint start = TimePoint{std::chrono::seconds(1000)}) : now_(start) {}
  ~FakeScheduler() override;
  FakeScheduler(const FakeScheduler&) = delete;
  FakeScheduler& operator=(const FakeScheduler&) = delete;

  TimePoint now() const override { return now_; }
  std::unique_ptr<Timer> create_timer(std::function<void()> callback) override;

  // Moves time forward by `d`, firing every timer due up to now()+d,
  // including timers armed by callbacks during this call. Returns how many fired.
  std::size_t advance(Duration d);
  // Fires the earliest armed timer (moving time to its deadline). False if none.
  bool run_next();
  std::size_t armed_count() const { return queue_.size(); }
  // Deadline of the earliest armed timer, or TimePoint::max() if none.
  TimePoint next_deadline() const;

 private:
  class FakeTimer;
  using Key = std::pair<TimePoint, std::uint64_t>;  // deadline, arm sequence

  void fire_front();

  TimePoint now_;
  std::uint64_t seq_ = 0;
  std::map<Key, FakeTimer*> queue_;
  friend class FakeTimer;
};

}  // namespace lvsd::core
