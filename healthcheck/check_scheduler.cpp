#include "healthcheck/check_scheduler.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "core/event_loop.hpp"
#include "core/log.hpp"

namespace lvsd::healthcheck {

struct CheckScheduler::Check {
  Check(CheckSpec s, std::string id) : spec(std::move(s)), identity(std::move(id)), state(spec.thresholds) {}

  CheckSpec spec;
  std::string identity;
  HealthState state;
  std::unique_ptr<Checker> checker;
  std::unique_ptr<core::Timer> timer;
  std::map<SubscriptionId, CheckListener> listeners;
  std::set<SubscriptionId> paused;  // a subset of listeners' ids
  std::optional<CheckResult> last_result;
  core::TimePoint started{};
  bool running = false;
  bool stopped = false;

  // Runs while some subscriber is not paused.
  bool active() const { return listeners.size() > paused.size(); }
};

namespace {

// A zero interval would spin the loop; the config layer should reject it, this is the backstop.
constexpr core::Duration kMinInterval = std::chrono::milliseconds(1);

CheckScheduler::RandomOffset default_random_offset() {
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [rng](core::Duration max) {
    if (max <= core::Duration::zero()) return core::Duration::zero();
    std::uniform_int_distribution<core::Duration::rep> dist(0, max.count() - 1);
    return core::Duration(dist(*rng));
  };
}

}  // namespace

CheckScheduler::CheckScheduler(core::Scheduler& scheduler, CheckerFactory factory, RandomOffset random_offset)
    : scheduler_(scheduler),
      factory_(std::move(factory)),
      random_offset_(random_offset ? std::move(random_offset) : default_random_offset()) {}

CheckScheduler::~CheckScheduler() {
  for (auto& [identity, check] : checks_) {
    check->stopped = true;
    check->timer.reset();
    check->checker.reset();
  }
}

SubscriptionId CheckScheduler::subscribe(const CheckSpec& spec, CheckListener listener, bool paused) {
  SubscriptionId id = next_id_++;
  std::string identity = check_identity(spec);
  auto it = checks_.find(identity);
  if (it == checks_.end()) {
    auto check = std::make_shared<Check>(spec, identity);
    check->checker = factory_(spec);
    std::weak_ptr<Check> weak = check;
    check->timer = scheduler_.create_timer([this, weak] {
      if (auto c = weak.lock()) run_probe(c);
    });
    it = checks_.emplace(identity, std::move(check)).first;
  }
  Check& check = *it->second;
  const bool was_active = check.active();
  check.listeners.emplace(id, std::move(listener));
  if (paused) check.paused.insert(id);
  subscriptions_.emplace(id, identity);
  if (!was_active && check.active()) arm_first_probe(check);
  return id;
}

void CheckScheduler::arm_first_probe(Check& check) {
  const core::Duration max = std::max(check.spec.delay_loop, core::Duration::zero());
  check.timer->arm(std::clamp(random_offset_(check.spec.delay_loop), core::Duration::zero(), max));
}

void CheckScheduler::stop_probing(Check& check) {
  check.timer->cancel();
  if (check.running && check.checker) check.checker->cancel();
  check.running = false;
}

void CheckScheduler::set_paused(SubscriptionId id, bool paused) {
  auto sub = subscriptions_.find(id);
  if (sub == subscriptions_.end()) return;
  auto it = checks_.find(sub->second);
  if (it == checks_.end()) return;
  Check& check = *it->second;
  const bool was_active = check.active();
  if (paused) {
    check.paused.insert(id);
  } else {
    check.paused.erase(id);
  }
  if (was_active && !check.active()) {
    stop_probing(check);
    core::log::get()->debug("health check {}: paused", describe(check.spec));
  } else if (!was_active && check.active()) {
    arm_first_probe(check);
    core::log::get()->debug("health check {}: resumed", describe(check.spec));
  }
}

bool CheckScheduler::paused(SubscriptionId id) const {
  auto sub = subscriptions_.find(id);
  if (sub == subscriptions_.end()) return false;
  auto it = checks_.find(sub->second);
  return it != checks_.end() && it->second->paused.contains(id);
}

void CheckScheduler::unsubscribe(SubscriptionId id) {
  auto sub = subscriptions_.find(id);
  if (sub == subscriptions_.end()) return;
  auto it = checks_.find(sub->second);
  subscriptions_.erase(sub);
  if (it == checks_.end()) return;
  std::shared_ptr<Check> check = it->second;
  const bool was_active = check->active();
  check->listeners.erase(id);
  check->paused.erase(id);
  if (!check->listeners.empty()) {
    // Only paused subscribers left: stop probing for them.
    if (was_active && !check->active()) stop_probing(*check);
    return;
  }
  checks_.erase(it);
  check->stopped = true;
  check->timer.reset();
  // If we are inside this check's own result callback, the probe already
  // finished and the checker touches nothing after it; destroying it is safe.
  check->checker.reset();
}

void CheckScheduler::run_probe(const std::shared_ptr<Check>& check) {
  if (check->stopped || check->running || !check->active()) return;
  if (!check->checker) {
    on_result(check, CheckResult{.up = false, .reason = "no checker for " + describe(check->spec)});
    return;
  }
  check->running = true;
  check->started = scheduler_.now();
  ++counters_.probes_started;
  std::weak_ptr<Check> weak = check;
  check->checker->start([this, weak](CheckResult result) {
    if (auto c = weak.lock()) on_result(c, std::move(result));
  });
}

void CheckScheduler::on_result(const std::shared_ptr<Check>& check, CheckResult result) {
  check->running = false;
  if (check->stopped) return;
  if (result.up) {
    ++counters_.probes_passed;
  } else {
    ++counters_.probes_failed;
  }
  const core::TimePoint now = scheduler_.now();
  std::optional<Transition> transition = check->state.record(result.up, result.reason, now);
  if (transition) {
    ++counters_.transitions;
    // Debug: each subscriber (HealthView) logs the real server's transition once.
    core::log::get()->debug("health check {}: {} -> {}: {}", describe(check->spec), to_string(transition->from),
                           to_string(transition->to), transition->reason);
  }
  check->last_result = result;

  // Next start: delay_before_retry while up but failing, else delay_loop,
  // start to start, never before now.
  bool retrying = !result.up && check->state.verdict() == Verdict::kUp;
  core::Duration interval = retrying ? check->spec.delay_before_retry : check->spec.delay_loop;
  interval = std::max(interval, kMinInterval);
  core::TimePoint next = std::max(check->started + interval, now);
  if (check->active()) check->timer->arm(next - now);

  // Listeners may unsubscribe (even this check) or subscribe while we iterate.
  std::vector<SubscriptionId> ids;
  ids.reserve(check->listeners.size());
  for (const auto& [id, listener] : check->listeners) ids.push_back(id);
  // `check` (a shared_ptr held by our caller) stays alive even if a listener
  // removes it, so its spec can be handed out by reference.
  const Verdict verdict = check->state.verdict();
  const CheckSpec& spec = check->spec;
  for (SubscriptionId id : ids) {
    auto it = check->listeners.find(id);
    if (it == check->listeners.end()) continue;
    CheckListener listener = it->second;
    core::guarded("health check listener", [&] {
      listener(CheckEvent{.spec = spec, .result = result, .verdict = verdict, .transition = transition});
    });
  }
}

const CheckScheduler::Check* CheckScheduler::find(SubscriptionId id) const {
  auto sub = subscriptions_.find(id);
  if (sub == subscriptions_.end()) return nullptr;
  auto it = checks_.find(sub->second);
  return it == checks_.end() ? nullptr : it->second.get();
}

Verdict CheckScheduler::verdict(SubscriptionId id) const {
  const Check* c = find(id);
  return c ? c->state.verdict() : Verdict::kUnknown;
}

const HealthState* CheckScheduler::health(SubscriptionId id) const {
  const Check* c = find(id);
  return c ? &c->state : nullptr;
}

const CheckResult* CheckScheduler::last_result(SubscriptionId id) const {
  const Check* c = find(id);
  return (c && c->last_result) ? &*c->last_result : nullptr;
}

}  // namespace lvsd::healthcheck
