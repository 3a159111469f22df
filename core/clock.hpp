#pragma once
// Time is injected. Production code asks a Scheduler for the time and for
// timers; the real one is backed by the libev loop (core/ev_scheduler.hpp),
// tests use FakeScheduler (core/fake_scheduler.hpp) and advance it by hand.
#include <chrono>
#include <functional>
#include <memory>

namespace lvsd::core {

using Duration = std::chrono::nanoseconds;
// Monotonic time. Its epoch is arbitrary; only differences mean anything.
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// A one-shot timer. arm() (re)starts it; the callback runs once per arm.
// Destroying an armed timer cancels it. The callback may arm or cancel this
// timer or any other.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void arm(Duration after) = 0;
  virtual void cancel() = 0;
  virtual bool armed() const = 0;
};

class Scheduler : public Clock {
 public:
  virtual std::unique_ptr<Timer> create_timer(std::function<void()> callback) = 0;
};

}  // namespace lvsd::core
