#pragma once
// Runs health checks on a schedule and turns their results into verdicts.
//
// Every distinct check (by check_identity()) runs once, however many
// subscribers share it, and has one HealthState. The first run comes after a
// random offset in [0, warmup) (CheckSpec::warmup, default delay_loop; 0: at
// once) so that thousands of checks configured at once do not fire in the
// same millisecond. After that the next probe starts
// delay_loop after the previous one ENDED (keepalived's rule); while the
// verdict is still up but the last result failed (counting towards `fall`),
// delay_before_retry after it instead. So a check never overlaps itself, and
// a loop too busy to keep up (thousands of checks on a slow CPU) makes every
// check run less often rather than piling probes up until they time out:
// overload costs freshness, never a false verdict. Each probe's timeout is
// measured by the checker from its own start (see ProbeBase), never from
// when the probe was due.
//
// Worst-case detection time for a server that dies while up (a probe lasts
// at most connect_timeout):
//   delay_loop + fall * connect_timeout + (fall - 1) * delay_before_retry.
//
// A subscription can be paused (HealthView does it for ha_suspend): a check
// runs while at least one of its subscriptions is not paused. Pausing the last
// one cancels the probe in flight and the timer but keeps the HealthState, so
// rise/fall counts and the verdict survive; resuming starts the next probe
// after a random offset in [0, warmup), like a new check. A paused
// subscriber still hears the results of a check that runs for someone else.
//
// Memory: one Check per distinct check (thousands): its identity once, its
// HealthState and last result, its checker; the schedule is one heap of due
// probes with one Timer for all of them (no timer per check). A due time is
// counted from the scheduler's now() when the result arrives (with libev:
// the time of the current loop iteration, not re-read for every result).
//
// Time comes from the injected Scheduler and probes from the injected factory,
// so tests drive it with FakeScheduler and fake checkers.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "healthcheck/check_spec.hpp"
#include "healthcheck/checker.hpp"
#include "healthcheck/health_state.hpp"

namespace lvsd::healthcheck {

// What a subscriber hears after every probe of its check.
using SubscriptionId = std::uint64_t;

struct CheckEvent {
  const CheckResult& result;
  Verdict verdict;                               // after this result
  const std::optional<Transition>& transition;   // set when this result changed the verdict
  SubscriptionId subscription = 0;               // the subscription it is delivered to
};

using CheckListener = std::function<void(const CheckEvent&)>;

class CheckScheduler {
 public:
  using CheckerFactory = std::function<std::unique_ptr<Checker>(const CheckSpec&)>;
  // Returns a duration in [0, max). Default: a seeded std::mt19937_64.
  using RandomOffset = std::function<core::Duration(core::Duration max)>;

  struct Counters {
    std::uint64_t probes_started = 0;
    std::uint64_t probes_passed = 0;
    std::uint64_t probes_failed = 0;
    std::uint64_t transitions = 0;
  };

  CheckScheduler(core::Scheduler& scheduler, CheckerFactory factory, RandomOffset random_offset = {});
  ~CheckScheduler();
  CheckScheduler(const CheckScheduler&) = delete;
  CheckScheduler& operator=(const CheckScheduler&) = delete;

  // Starts (or joins) the check described by `spec`. `listener` runs after
  // every probe result; it may subscribe and unsubscribe freely. A subscriber
  // joining a running check reads its current verdict with verdict().
  // With `paused`, the subscription starts paused (see set_paused), so a check
  // nobody else runs does not start.
  SubscriptionId subscribe(const CheckSpec& spec, CheckListener listener, bool paused = false);
  // Leaves; the last subscriber to leave stops the check (cancelling a probe
  // in flight). Unknown ids are ignored.
  void unsubscribe(SubscriptionId id);
  // Pauses or resumes one subscription (see the top of this file). Unknown ids are ignored.
  void set_paused(SubscriptionId id, bool paused);
  bool paused(SubscriptionId id) const;

  // The verdict of the check behind `id` (kUnknown for unknown ids).
  Verdict verdict(SubscriptionId id) const;
  // Its HealthState and last result, or nullptr before the first result / for unknown ids.
  const HealthState* health(SubscriptionId id) const;
  const CheckResult* last_result(SubscriptionId id) const;
  // check_identity() of the check behind `id` (empty for unknown ids); valid
  // while the subscription lasts.
  std::string_view identity(SubscriptionId id) const;

  std::size_t check_count() const { return checks_.size(); }
  std::size_t subscription_count() const { return subscriptions_.size(); }
  const Counters& counters() const { return counters_; }

 private:
  struct Check;

  void run_probe(Check* check);
  void on_result(Check* check, CheckResult result);
  // Arms the first probe after a random offset in [0, warmup).
  void arm_first_probe(Check& check);
  // Stops the timer and any probe in flight (the check keeps its state).
  void stop_probing(Check& check);
  // The next probe of `check` is due `after` from now (replaces its due time).
  void queue(Check& check, core::Duration after);
  void dequeue(Check& check);
  // The timer fired: starts the probes that are due (at most
  // kProbesPerFiring; the rest on the next loop iteration), arms for the next.
  void on_due();
  static bool earlier(const Check& a, const Check& b);
  void place(std::size_t i, Check* check);
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  const Check* find(SubscriptionId id) const;

  core::Scheduler& scheduler_;
  CheckerFactory factory_;
  RandomOffset random_offset_;
  // By identity; the key views the Check's own copy of it (one copy per check).
  std::unordered_map<std::string_view, std::unique_ptr<Check>> checks_;
  std::unordered_map<SubscriptionId, Check*> subscriptions_;  // owned by checks_
  SubscriptionId next_id_ = 1;
  Counters counters_;
  // Due probes: a binary heap by due time, then queue order (each Check
  // knows its index), and one timer armed for the earliest. Thousands of
  // idle checks thus hold no timer each.
  std::vector<Check*> due_;
  std::uint64_t next_due_seq_ = 1;
  std::unique_ptr<core::Timer> timer_;
  std::optional<core::TimePoint> timer_at_;  // when timer_ fires; unset: not armed
  // Result callbacks running (nested), and checks whose last subscriber left
  // meanwhile: freed when the outermost callback returns.
  int dispatching_ = 0;
  std::vector<std::unique_ptr<Check>> graveyard_;
};

}  // namespace lvsd::healthcheck
