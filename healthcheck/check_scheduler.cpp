#include "healthcheck/check_scheduler.hpp"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "core/event_loop.hpp"
#include "core/log.hpp"

namespace lvsd::healthcheck {

struct CheckScheduler::Check : std::enable_shared_from_this<Check> {
  Check(const CheckSpec& s, std::string id)
      : delay_loop(s.delay_loop),
        delay_before_retry(s.delay_before_retry),
        description(describe(s)),
        identity(std::move(id)),
        state(s.thresholds) {}

  struct Subscriber {
    SubscriptionId id;
    CheckListener listener;
    bool paused;
  };

  // What the schedule needs of the spec; no copy of it (the checker keeps
  // its own compact form, the identity says the rest).
  core::Duration delay_loop;
  core::Duration delay_before_retry;
  std::string description;  // describe(spec), for logs
  std::string identity;
  HealthState state;
  std::unique_ptr<Checker> checker;
  std::unique_ptr<core::Timer> timer;
  // Usually one: a vector, not a map (thousands of checks).
  std::vector<Subscriber> subscribers;
  std::size_t paused_count = 0;
  std::optional<CheckResult> last_result;
  bool running = false;
  bool stopped = false;

  // Runs while some subscriber is not paused.
  bool active() const { return subscribers.size() > paused_count; }
  Subscriber* find(SubscriptionId id) {
    for (Subscriber& s : subscribers) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }
  void remove(SubscriptionId id) {
    auto it = std::find_if(subscribers.begin(), subscribers.end(), [id](const Subscriber& s) { return s.id == id; });
    if (it == subscribers.end()) return;
    if (it->paused) --paused_count;
    subscribers.erase(it);
  }
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
    auto check = std::make_shared<Check>(spec, std::move(identity));
    check->checker = factory_(spec);
    // Two pointers: held inline by std::function (no allocation). The timer
    // dies with its Check, so the raw pointer never dangles.
    Check* raw = check.get();
    check->timer = scheduler_.create_timer([this, raw] { run_probe(raw->shared_from_this()); });
    const std::string_view key = check->identity;
    it = checks_.emplace(key, std::move(check)).first;
  }
  Check& check = *it->second;
  const bool was_active = check.active();
  check.subscribers.push_back(Check::Subscriber{.id = id, .listener = std::move(listener), .paused = paused});
  if (paused) ++check.paused_count;
  subscriptions_.emplace(id, &check);
  if (!was_active && check.active()) arm_first_probe(check);
  return id;
}

void CheckScheduler::arm_first_probe(Check& check) {
  const core::Duration max = std::max(check.delay_loop, core::Duration::zero());
  check.timer->arm(std::clamp(random_offset_(check.delay_loop), core::Duration::zero(), max));
}

void CheckScheduler::stop_probing(Check& check) {
  check.timer->cancel();
  if (check.running && check.checker) check.checker->cancel();
  check.running = false;
}

void CheckScheduler::set_paused(SubscriptionId id, bool paused) {
  auto sub = subscriptions_.find(id);
  if (sub == subscriptions_.end()) return;
  Check& check = *sub->second;
  Check::Subscriber* subscriber = check.find(id);
  if (subscriber == nullptr || subscriber->paused == paused) return;
  const bool was_active = check.active();
  subscriber->paused = paused;
  if (paused) {
    ++check.paused_count;
  } else {
    --check.paused_count;
  }
  if (was_active && !check.active()) {
    stop_probing(check);
    core::log::get()->debug("health check {}: paused", check.description);
  } else if (!was_active && check.active()) {
    arm_first_probe(check);
    core::log::get()->debug("health check {}: resumed", check.description);
  }
}

bool CheckScheduler::paused(SubscriptionId id) const {
  auto sub = subscriptions_.find(id);
  if (sub == subscriptions_.end()) return false;
  const Check::Subscriber* subscriber = sub->second->find(id);
  return subscriber != nullptr && subscriber->paused;
}

void CheckScheduler::unsubscribe(SubscriptionId id) {
  auto sub = subscriptions_.find(id);
  if (sub == subscriptions_.end()) return;
  std::shared_ptr<Check> check = sub->second->shared_from_this();
  subscriptions_.erase(sub);
  const bool was_active = check->active();
  check->remove(id);
  if (!check->subscribers.empty()) {
    // Only paused subscribers left: stop probing for them.
    if (was_active && !check->active()) stop_probing(*check);
    return;
  }
  checks_.erase(std::string_view(check->identity));
  check->stopped = true;
  check->timer.reset();
  // If we are inside this check's own result callback, the probe already
  // finished and the checker touches nothing after it; destroying it is safe.
  check->checker.reset();
}

void CheckScheduler::run_probe(const std::shared_ptr<Check>& check) {
  if (check->stopped || check->running || !check->active()) return;
  if (!check->checker) {
    on_result(check, CheckResult{.up = false, .reason = "no checker for " + check->description});
    return;
  }
  check->running = true;
  ++counters_.probes_started;
  // Two pointers (no allocation per probe). The checker dies with its Check
  // and never calls `done` after that, so `raw` is alive whenever it runs.
  Check* raw = check.get();
  check->checker->start([this, raw](CheckResult result) { on_result(raw->shared_from_this(), std::move(result)); });
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
    core::log::get()->debug("health check {}: {} -> {}: {}", check->description, to_string(transition->from),
                           to_string(transition->to), transition->reason);
  }
  check->last_result = result;

  // Next start: delay_before_retry while up but failing, else delay_loop,
  // counted from now, the end of this probe (keepalived does the same). A
  // loop too busy to keep up thus checks less often instead of piling probes
  // up until they time out: overload costs freshness, never a false verdict.
  bool retrying = !result.up && check->state.verdict() == Verdict::kUp;
  core::Duration interval = retrying ? check->delay_before_retry : check->delay_loop;
  if (check->active()) check->timer->arm(std::max(interval, kMinInterval));

  // Listeners may unsubscribe (even this check) or subscribe while we iterate.
  std::vector<SubscriptionId> ids;
  ids.reserve(check->subscribers.size());
  for (const Check::Subscriber& s : check->subscribers) ids.push_back(s.id);
  // `check` (a shared_ptr held by our caller) stays alive even if a listener
  // removes it, so its last result and transition can be handed out by reference.
  const Verdict verdict = check->state.verdict();
  for (SubscriptionId id : ids) {
    const Check::Subscriber* subscriber = check->find(id);
    if (subscriber == nullptr) continue;
    CheckListener listener = subscriber->listener;
    core::guarded("health check listener", [&] {
      listener(CheckEvent{.result = result, .verdict = verdict, .transition = transition});
    });
  }
}

const CheckScheduler::Check* CheckScheduler::find(SubscriptionId id) const {
  auto sub = subscriptions_.find(id);
  return sub == subscriptions_.end() ? nullptr : sub->second;
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

std::string_view CheckScheduler::identity(SubscriptionId id) const {
  const Check* c = find(id);
  return c ? std::string_view{c->identity} : std::string_view{};
}

}  // namespace lvsd::healthcheck
