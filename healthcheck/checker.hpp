#pragma once
// One kind of probe against one target. A Checker runs at most one probe at a
// time; CheckScheduler decides when.
#include <functional>
#include <memory>

#include "core/clock.hpp"
#include "healthcheck/check_spec.hpp"

namespace lvsd::core {
class EventLoop;
}

namespace lvsd::healthcheck {

class Checker {
 public:
  using Done = std::function<void(CheckResult)>;
  virtual ~Checker() = default;

  // Starts one probe. `done` runs exactly once, later, from the event loop
  // (never inside start()), unless the probe is cancelled first. A checker
  // touches nothing of its own after calling `done`, so `done` may destroy it.
  // Must not be called while a probe runs.
  virtual void start(Done done) = 0;
  // Abandons a running probe (closes its socket / kills its script); `done`
  // will not run. No-op when idle. The destructor cancels too.
  virtual void cancel() = 0;
};

// The checker for spec.kind, running on `loop`. It keeps what it needs of
// `spec` (in its own compact form), not a reference to it.
std::unique_ptr<Checker> make_checker(core::EventLoop& loop, const CheckSpec& spec);
// The same with the deadline timer and clock taken from `timers` instead of
// the loop's scheduler (tests: a FakeScheduler; I/O still runs on `loop`).
std::unique_ptr<Checker> make_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);

// The same, one per kind (make_http_checker serves HTTP_GET and SSL_GET).
std::unique_ptr<Checker> make_tcp_checker(core::EventLoop& loop, const CheckSpec& spec);
std::unique_ptr<Checker> make_http_checker(core::EventLoop& loop, const CheckSpec& spec);
std::unique_ptr<Checker> make_redis_checker(core::EventLoop& loop, const CheckSpec& spec);
std::unique_ptr<Checker> make_misc_checker(core::EventLoop& loop, const CheckSpec& spec);
std::unique_ptr<Checker> make_ping_checker(core::EventLoop& loop, const CheckSpec& spec);
std::unique_ptr<Checker> make_udp_checker(core::EventLoop& loop, const CheckSpec& spec);
std::unique_ptr<Checker> make_dns_checker(core::EventLoop& loop, const CheckSpec& spec);
std::unique_ptr<Checker> make_smtp_checker(core::EventLoop& loop, const CheckSpec& spec);
std::unique_ptr<Checker> make_tcp_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);
std::unique_ptr<Checker> make_http_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);
std::unique_ptr<Checker> make_redis_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);
std::unique_ptr<Checker> make_misc_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);
std::unique_ptr<Checker> make_ping_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);
std::unique_ptr<Checker> make_udp_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);
std::unique_ptr<Checker> make_dns_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);
std::unique_ptr<Checker> make_smtp_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec);

}  // namespace lvsd::healthcheck
