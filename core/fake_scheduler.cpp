#include "core/fake_scheduler.hpp"

#include <utility>

namespace lvsd::core {

class FakeScheduler::FakeTimer final : public Timer {
 public:
  FakeTimer(FakeScheduler* owner, std::function<void()> cb) : owner_(owner), cb_(std::move(cb)) {}
  ~FakeTimer() override { cancel(); }

  void arm(Duration after) override {
    cancel();
    if (owner_ == nullptr) return;
    if (after < Duration::zero()) after = Duration::zero();
    key_ = {owner_->now_ + after, owner_->seq_++};
    owner_->queue_.emplace(key_, this);
    armed_ = true;
  }
  void cancel() override {
    if (!armed_) return;
    if (owner_ != nullptr) owner_->queue_.erase(key_);
    armed_ = false;
  }
  bool armed() const override { return armed_; }

  void fire() {
    armed_ = false;
    // The callback may destroy this timer; copy what we need first.
    auto cb = cb_;
    cb();
  }
  void detach() {
    owner_ = nullptr;
    armed_ = false;
  }

 private:
  FakeScheduler* owner_;
  std::function<void()> cb_;
  Key key_{};
  bool armed_ = false;
};

FakeScheduler::~FakeScheduler() {
  for (auto& [key, timer] : queue_) timer->detach();
}

std::unique_ptr<Timer> FakeScheduler::create_timer(std::function<void()> callback) {
  return std::make_unique<FakeTimer>(this, std::move(callback));
}

TimePoint FakeScheduler::next_deadline() const {
  return queue_.empty() ? TimePoint::max() : queue_.begin()->first.first;
}

void FakeScheduler::fire_front() {
  auto it = queue_.begin();
  FakeTimer* timer = it->second;
  now_ = it->first.first;
  queue_.erase(it);
  timer->fire();
}

bool FakeScheduler::run_next() {
  if (queue_.empty()) return false;
  fire_front();
  return true;
}

std::size_t FakeScheduler::advance(Duration d) {
  const TimePoint target = now_ + d;
  std::size_t fired = 0;
  while (!queue_.empty() && queue_.begin()->first.first <= target) {
    fire_front();
    ++fired;
  }
  now_ = target;
  return fired;
}

}  // namespace lvsd::core
