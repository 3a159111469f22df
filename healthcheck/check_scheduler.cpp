#include "healthcheck/check_scheduler.hpp"

#include <algorithm>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "core/event_loop.hpp"
#include "core/log.hpp"

namespace lvsd::healthcheck {

namespace {
constexpr std::uint32_t kNotQueued = static_cast<std::uint32_t>(-1);
}  // namespace

struct CheckScheduler::Check {
  Check(const CheckSpec& s, std::string id)
      : delay_loop(s.delay_loop),
        delay_before_retry(s.delay_before_retry),
        warmup(s.warmup.value_or(s.delay_loop)),
        identity(std::move(id)),
        state(s.thresholds) {
    identity.shrink_to_fit();
  }

  struct Subscriber {
    SubscriptionId id;
    CheckListener listener;
    bool paused;
  };

  // What the schedule needs of the spec; no copy of it (the checker keeps
  // its own compact form, the identity says the rest, and logs get their
  // text from it: describe()).
  core::Duration delay_loop;
  core::Duration delay_before_retry;
  core::Duration warmup;  // the first probe's delay is random below it
  std::string identity;
  HealthState state;
  std::unique_ptr<Checker> checker;
  // Its place in the scheduler's queue of due probes (see queue()).
  core::TimePoint due{};
  std::uint64_t due_seq = 0;
  std::uint32_t heap_index = kNotQueued;
  // Usually one: a vector, not a map (thousands of checks).
  std::vector<Subscriber> subscribers;
  std::optional<CheckResult> last_result;
  std::uint32_t paused_count = 0;
  bool running = false;
  bool stopped = false;

  // Runs while some subscriber is not paused.
  bool active() const { return subscribers.size() > paused_count; }
  std::string describe() const { return describe_identity(identity); }
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

// Probes started per firing of the schedule's timer (see on_due).
constexpr std::size_t kProbesPerFiring = 16;

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
      random_offset_(random_offset ? std::move(random_offset) : default_random_offset()),
      timer_(scheduler.create_timer([this] { on_due(); })) {}

CheckScheduler::~CheckScheduler() {
  timer_.reset();
  due_.clear();
  graveyard_.clear();
  for (auto& [identity, check] : checks_) {
    check->stopped = true;
    check->heap_index = kNotQueued;
    check->checker.reset();
  }
}

SubscriptionId CheckScheduler::subscribe(const CheckSpec& spec, CheckListener listener, bool paused) {
  SubscriptionId id = next_id_++;
  std::string identity = check_identity(spec);
  auto it = checks_.find(identity);
  if (it == checks_.end()) {
    auto check = std::make_unique<Check>(spec, std::move(identity));
    check->checker = factory_(spec);
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
  const core::Duration max = std::max(check.warmup, core::Duration::zero());
  queue(check, std::clamp(random_offset_(max), core::Duration::zero(), max));
}

void CheckScheduler::stop_probing(Check& check) {
  dequeue(check);
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
    core::log::get()->debug("health check {}: paused", check.describe());
  } else if (!was_active && check.active()) {
    arm_first_probe(check);
    core::log::get()->debug("health check {}: resumed", check.describe());
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
  Check* check = sub->second;
  subscriptions_.erase(sub);
  const bool was_active = check->active();
  check->remove(id);
  if (!check->subscribers.empty()) {
    // Only paused subscribers left: stop probing for them.
    if (was_active && !check->active()) stop_probing(*check);
    return;
  }
  dequeue(*check);
  check->stopped = true;
  // If we are inside this check's own result callback, the probe already
  // finished and the checker touches nothing after it; destroying it is safe.
  check->checker.reset();
  auto node = checks_.extract(std::string_view(check->identity));
  // Inside a result callback (of this check or another), on_result() may
  // still read it: freed when the outermost one returns.
  if (dispatching_ > 0) graveyard_.push_back(std::move(node.mapped()));
}

void CheckScheduler::run_probe(Check* check) {
  if (check->stopped || check->running || !check->active()) return;
  if (!check->checker) {
    on_result(check, CheckResult{.up = false, .reason = "no checker for " + check->describe()});
    return;
  }
  check->running = true;
  ++counters_.probes_started;
  // Two pointers (no allocation per probe). The checker dies with its Check
  // and never calls `done` after that, so `check` is alive whenever it runs.
  check->checker->start([this, check](CheckResult result) { on_result(check, std::move(result)); });
}

void CheckScheduler::on_result(Check* check, CheckResult result) {
  // A check unsubscribed by a listener stays allocated until the outermost
  // dispatch returns (see unsubscribe), so `check` can be read throughout.
  struct Dispatch {
    CheckScheduler& self;
    explicit Dispatch(CheckScheduler& s) : self(s) { ++self.dispatching_; }
    ~Dispatch() {
      if (--self.dispatching_ == 0) self.graveyard_.clear();
    }
  } dispatch(*this);
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
    core::log::get()->debug("health check {}: {} -> {}: {}", check->describe(), to_string(transition->from),
                           to_string(transition->to), transition->reason);
  }
  check->last_result = result;

  // Next start: delay_before_retry while up but failing, else delay_loop,
  // counted from now, the end of this probe (keepalived does the same). A
  // loop too busy to keep up thus checks less often instead of piling probes
  // up until they time out: overload costs freshness, never a false verdict.
  bool retrying = !result.up && check->state.verdict() == Verdict::kUp;
  core::Duration interval = retrying ? check->delay_before_retry : check->delay_loop;
  if (check->active()) queue(*check, std::max(interval, kMinInterval));

  // Listeners may unsubscribe (even this check) or subscribe while we iterate:
  // go by ids (one subscriber, the usual case, needs no list).
  const SubscriptionId only[1] = {check->subscribers.size() == 1 ? check->subscribers.front().id : 0};
  std::vector<SubscriptionId> ids;
  if (check->subscribers.size() > 1) {
    ids.reserve(check->subscribers.size());
    for (const Check::Subscriber& s : check->subscribers) ids.push_back(s.id);
  }
  const std::span<const SubscriptionId> to_notify =
      check->subscribers.size() == 1 ? std::span<const SubscriptionId>(only) : std::span<const SubscriptionId>(ids);
  // `check` stays alive even if a listener removes it (see Dispatch), so its
  // last result and transition can be handed out by reference.
  const Verdict verdict = check->state.verdict();
  for (SubscriptionId id : to_notify) {
    const Check::Subscriber* subscriber = check->find(id);
    if (subscriber == nullptr) continue;
    CheckListener listener = subscriber->listener;
    core::guarded("health check listener", [&] {
      listener(CheckEvent{.result = result, .verdict = verdict, .transition = transition, .subscription = id});
    });
  }
}

// ---------------------------------------------------------------- queue

bool CheckScheduler::earlier(const Check& a, const Check& b) {
  return a.due < b.due || (a.due == b.due && a.due_seq < b.due_seq);
}

void CheckScheduler::place(std::size_t i, Check* check) {
  due_[i] = check;
  check->heap_index = static_cast<std::uint32_t>(i);
}

void CheckScheduler::sift_up(std::size_t i) {
  Check* check = due_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!earlier(*check, *due_[parent])) break;
    place(i, due_[parent]);
    i = parent;
  }
  place(i, check);
}

void CheckScheduler::sift_down(std::size_t i) {
  Check* check = due_[i];
  const std::size_t n = due_.size();
  while (true) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(*due_[child + 1], *due_[child])) ++child;
    if (!earlier(*due_[child], *check)) break;
    place(i, due_[child]);
    i = child;
  }
  place(i, check);
}

void CheckScheduler::queue(Check& check, core::Duration after) {
  dequeue(check);
  check.due = scheduler_.now() + std::max(after, core::Duration::zero());
  check.due_seq = next_due_seq_++;
  due_.push_back(&check);
  sift_up(due_.size() - 1);
  // Re-armed only when this probe is due before the timer fires (with
  // thousands of checks, a new due time is almost always the latest): one
  // Timer::arm per fire, not per probe.
  if (due_.front() == &check && (!timer_at_ || check.due < *timer_at_)) {
    timer_at_ = check.due;
    timer_->arm(check.due - scheduler_.now());
  }
}

void CheckScheduler::dequeue(Check& check) {
  if (check.heap_index == kNotQueued) return;
  const std::size_t i = check.heap_index;
  if (i >= due_.size() || due_[i] != &check) return;
  check.heap_index = kNotQueued;
  Check* last = due_.back();
  due_.pop_back();
  if (due_.empty()) {
    timer_->cancel();
    timer_at_.reset();
  }
  if (last == &check) return;
  place(i, last);
  sift_down(i);
  sift_up(last->heap_index);
  // Otherwise the timer stays armed: firing early finds nothing due and re-arms.
}

void CheckScheduler::on_due() {
  timer_at_.reset();
  const core::TimePoint now = scheduler_.now();
  std::size_t started = 0;
  while (!due_.empty() && due_.front()->due <= now && started < kProbesPerFiring) {
    Check& check = *due_.front();
    dequeue(check);
    run_probe(&check);
    ++started;
  }
  if (!due_.empty() && !timer_at_) {
    // Still due ones (a loop that fell behind): the next iteration, after
    // the I/O that waits, so that a long batch never holds up the answers
    // of the probes it started first until their deadlines pass.
    timer_at_ = due_.front()->due;
    timer_->arm(std::max(*timer_at_ - now, core::Duration::zero()));
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
