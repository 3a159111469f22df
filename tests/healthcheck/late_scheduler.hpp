#pragma once
// A fake Scheduler that can model a busy libev loop: stall() moves time on
// without running anything (the loop was stuck in other work), fire_due() is
// the next iteration, running every overdue timer late, in deadline order,
// with now() at the late time. arm() measures from now(), as EvTimer does
// (it refreshes libev's clock first). advance() is the on-time case, like
// core::FakeScheduler.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "core/clock.hpp"

namespace lvsd::healthcheck::test {

class LateScheduler final : public core::Scheduler {
 public:
  core::TimePoint now() const override { return now_; }

  std::unique_ptr<core::Timer> create_timer(std::function<void()> callback) override {
    return std::make_unique<LateTimer>(*this, std::move(callback));
  }

  void stall(core::Duration d) { now_ += d; }

  // Runs every timer due by now(), without moving time. Returns how many ran.
  std::size_t fire_due() {
    std::size_t fired = 0;
    while (!queue_.empty() && queue_.begin()->first.first <= now_) {
      fire_front();
      ++fired;
    }
    return fired;
  }

  // Moves time to each due deadline in turn up to now()+d, firing on time.
  void advance(core::Duration d) {
    const core::TimePoint end = now_ + d;
    while (!queue_.empty() && queue_.begin()->first.first <= end) {
      now_ = std::max(now_, queue_.begin()->first.first);
      fire_front();
    }
    now_ = end;
  }

  std::size_t armed_count() const { return queue_.size(); }

 private:
  using Key = std::pair<core::TimePoint, std::uint64_t>;

  class LateTimer final : public core::Timer {
   public:
    LateTimer(LateScheduler& s, std::function<void()> cb) : s_(s), cb_(std::move(cb)) {}
    ~LateTimer() override { cancel(); }
    void arm(core::Duration after) override {
      cancel();
      key_ = Key{s_.now_ + std::max(after, core::Duration::zero()), s_.seq_++};
      s_.queue_.emplace(*key_, this);
    }
    void cancel() override {
      if (key_) s_.queue_.erase(*key_);
      key_.reset();
    }
    bool armed() const override { return key_.has_value(); }
    void fire() {
      key_.reset();
      auto cb = cb_;  // the callback may destroy this timer
      cb();
    }

   private:
    LateScheduler& s_;
    std::function<void()> cb_;
    std::optional<Key> key_;
  };

  void fire_front() {
    LateTimer* t = queue_.begin()->second;
    queue_.erase(queue_.begin());
    t->fire();
  }

  core::TimePoint now_{std::chrono::seconds(1000)};
  std::uint64_t seq_ = 0;
  std::map<Key, LateTimer*> queue_;
};

}  // namespace lvsd::healthcheck::test
