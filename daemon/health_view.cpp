#include "daemon/health_view.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/log.hpp"
#include "daemon/desired_state.hpp"
#include "healthcheck/slow_start.hpp"

namespace lvsd::daemon {

using healthcheck::Verdict;

namespace {

healthcheck::CheckKind check_kind(const conf::CheckProbe& probe) {
  if (std::holds_alternative<conf::TcpCheck>(probe)) return healthcheck::CheckKind::kTcp;
  if (const auto* http = std::get_if<conf::HttpCheck>(&probe))
    return http->tls ? healthcheck::CheckKind::kSsl : healthcheck::CheckKind::kHttp;
  if (std::holds_alternative<conf::RedisCheck>(probe)) return healthcheck::CheckKind::kRedis;
  return healthcheck::CheckKind::kMisc;
}

healthcheck::RedisRole to_healthcheck(conf::RedisRole role) {
  switch (role) {
    case conf::RedisRole::kAny: return healthcheck::RedisRole::kAny;
    case conf::RedisRole::kMaster: return healthcheck::RedisRole::kMaster;
    case conf::RedisRole::kReplica: return healthcheck::RedisRole::kReplica;
  }
  return healthcheck::RedisRole::kAny;
}

// Consecutive failed attempts before a check goes down. `retry` makes one
// probe (retry + 1 attempts, delay_before_retry apart); `fall` failed probes
// mark the server down. Both bounded to 100 by the loader, so no overflow.
int failed_attempts_to_fall(const conf::Check& check) {
  const std::uint64_t attempts = std::uint64_t{std::max<std::uint32_t>(check.fall, 1)} * (std::uint64_t{check.retry} + 1);
  return static_cast<int>(std::min<std::uint64_t>(attempts, std::numeric_limits<int>::max()));
}

}  // namespace

healthcheck::CheckSpec to_check_spec(const conf::VirtualServer& vs, const conf::RealServer& rs,
                                     const conf::Check& check) {
  healthcheck::CheckSpec spec;
  spec.kind = check_kind(check.probe);
  spec.address = check.connect_ip.value_or(rs.address).to_string();
  spec.port = check.connect_port.value_or(rs.port != 0 ? rs.port : vs.port);
  spec.connect_timeout = check.connect_timeout;
  spec.delay_loop = check.delay_loop.value_or(vs.delay_loop);
  spec.delay_before_retry = check.delay_before_retry;
  spec.thresholds = healthcheck::HealthThresholds{
      .rise = static_cast<int>(std::max<std::uint32_t>(check.rise, 1)),
      .fall = failed_attempts_to_fall(check),
      // start_up: the check starts up and needs `fall` failures to go down.
      .start_up = vs.start_up,
  };
  if (const auto* http = std::get_if<conf::HttpCheck>(&check.probe)) {
    for (const auto& url : http->url) {
      spec.urls.push_back(healthcheck::HttpUrl{
          .path = url.path,
          .status = healthcheck::StatusRange{.low = url.status_code.low, .high = url.status_code.high},
          .digest = url.digest,
      });
    }
    spec.virtualhost = http->virtualhost ? *http->virtualhost : vs.virtualhost.value_or("");
  } else if (const auto* redis = std::get_if<conf::RedisCheck>(&check.probe)) {
    spec.redis_password = redis->password.value_or("");
    spec.redis_expect_role = to_healthcheck(redis->expect_role);
  } else if (const auto* misc = std::get_if<conf::MiscCheck>(&check.probe)) {
    // conf documents misc_path as a command line for /bin/sh -c.
    spec.misc_argv = {"/bin/sh", "-c", misc->misc_path};
    spec.misc_timeout = misc->misc_timeout.value_or(conf::Duration{0});
    spec.misc_dynamic = misc->misc_dynamic;
  }
  return spec;
}

// ---------------------------------------------------------------- slots

// Slots keep only what the view needs after set_config(): no copy of the conf
// structs (the configured table holds the destinations), no copy of a check's
// identity (the scheduler has it), and a check's listener captures two
// pointers, which std::function holds without allocating.
struct HealthView::CheckSlot {
  RealServerSlot* owner = nullptr;
  std::string keyword;  // "HTTP_GET"
  bool misc_dynamic = false;
  healthcheck::SubscriptionId id = 0;
  Verdict verdict = Verdict::kUnknown;  // its own, from the scheduler
  // The verdict of the check this one replaced on reload, until it has its own.
  std::optional<Verdict> inherited{};
  std::string reason{};                  // of its last result (or of the transition it caused)
  std::optional<int> dynamic_weight{};   // misc_dynamic: the last weight its script asked for

  Verdict effective() const { return verdict != Verdict::kUnknown ? verdict : inherited.value_or(Verdict::kUnknown); }
};

struct HealthView::RealServerSlot {
  VirtualServerSlot* owner = nullptr;
  std::string label{};  // "TCP 10.0.0.100:80 -> 10.0.0.11:80"
  std::uint32_t configured_weight = 1;
  bool inhibit_on_failure = false;  // resolved against the virtual server's
  conf::Duration slow_start{0};
  std::vector<std::unique_ptr<CheckSlot>> checks{};  // config order
  State state = State::kUnknown;
  std::optional<core::TimePoint> up_since{};  // set on a check-driven transition to up
  // The kernel already had this destination when lvsd started: it stays in
  // the pool while its checks have no verdict yet (see keep_until_checked).
  bool present_at_start = false;
  core::TimePoint state_since{};
  std::uint64_t checks_passed = 0;
  std::uint64_t checks_failed = 0;
  std::uint64_t transitions = 0;
  std::optional<LastCheck> last_check{};

  int weight() const {
    for (const auto& c : checks)
      if (c->misc_dynamic && c->dynamic_weight) return *c->dynamic_weight;
    return static_cast<int>(configured_weight);
  }
};

struct HealthView::VirtualServerSlot {
  std::string label{};  // "TCP 10.0.0.100:80"
  bool start_up = false;
  bool ha_suspend = false;
  std::optional<conf::IpAddress> address{};  // unset for fwmark services
  std::vector<std::unique_ptr<RealServerSlot>> real_servers{};  // config order
  healthcheck::QuorumState quorum{healthcheck::QuorumPolicy{}};
  std::optional<director::Destination> sorry{};
  bool suspended = false;  // ha_suspend: checks paused
};

namespace {

// "KEYWORD#n": the n-th check of that kind on its real server.
std::string ordinal_key(const std::string& keyword, std::map<std::string, int>& seen) {
  return keyword + "#" + std::to_string(seen[keyword]++);
}

}  // namespace

std::string_view to_string(RealServerState state) {
  switch (state) {
    case RealServerState::kUnknown: return "unknown";
    case RealServerState::kUp: return "up";
    case RealServerState::kDown: return "down";
  }
  return "unknown";
}

HealthView::HealthView(core::Scheduler& scheduler, healthcheck::CheckScheduler& checks,
                       std::function<void()> on_change)
    : scheduler_(scheduler),
      checks_(checks),
      on_change_(std::move(on_change)),
      slow_start_timer_(scheduler.create_timer([this] {
        notify();
        arm_slow_start_timer();
      })) {}

HealthView::~HealthView() {
  for (const auto& vs : virtual_servers_)
    for (const auto& rs : vs->real_servers)
      for (const auto& c : rs->checks) checks_.unsubscribe(c->id);
}

std::size_t HealthView::check_count() const {
  std::size_t n = 0;
  for (const auto& vs : virtual_servers_)
    for (const auto& rs : vs->real_servers) n += rs->checks.size();
  return n;
}

void HealthView::keep_until_checked(const director::IpvsTable& kernel) {
  const director::IpvsTable& configured = configured_;
  for (std::size_t i = 0; i < configured.services.size() && i < virtual_servers_.size(); ++i) {
    const auto& key = configured.services[i].service.key;
    auto in_kernel = std::find_if(kernel.services.begin(), kernel.services.end(),
                                  [&](const director::VirtualService& k) { return k.service.key == key; });
    if (in_kernel == kernel.services.end()) continue;
    const auto& wanted = configured.services[i].destinations;
    for (std::size_t j = 0; j < wanted.size() && j < virtual_servers_[i]->real_servers.size(); ++j) {
      // Held at weight 0 while it should have more: inhibited as failed
      // (inhibit_on_failure) by the previous run, so not kept as up.
      const bool present = std::any_of(in_kernel->destinations.begin(), in_kernel->destinations.end(),
                                       [&](const director::Destination& d) {
                                         return director::same_identity(d, wanted[j]) &&
                                                (d.weight > 0 || wanted[j].weight == 0);
                                       });
      virtual_servers_[i]->real_servers[j]->present_at_start = present;
    }
  }
}

void HealthView::set_config(const conf::Config& config) {
  // Index what we have: real servers by label, virtual servers by label.
  std::map<std::string, std::unique_ptr<RealServerSlot>> old_real_servers;
  std::map<std::string, std::unique_ptr<VirtualServerSlot>> old_virtual_servers;
  for (auto& vs : virtual_servers_) {
    for (auto& rs : vs->real_servers) old_real_servers.emplace(rs->label, std::move(rs));
    vs->real_servers.clear();
    old_virtual_servers.emplace(vs->label, std::move(vs));
  }
  virtual_servers_.clear();

  director::IpvsTable configured = configured_table(config);
  std::vector<healthcheck::SubscriptionId> to_unsubscribe;

  for (std::size_t i = 0; i < config.virtual_servers.size(); ++i) {
    const conf::VirtualServer& vs_conf = config.virtual_servers[i];
    const director::VirtualService& service = configured.services[i];
    auto vs = std::make_unique<VirtualServerSlot>();
    vs->label = director::describe(service.service.key);
    vs->start_up = vs_conf.start_up;
    vs->ha_suspend = vs_conf.ha_suspend;
    vs->address = vs_conf.address;
    vs->suspended = suspended(vs->ha_suspend, vs->address);
    const healthcheck::QuorumPolicy policy{.quorum = vs_conf.quorum, .hysteresis = vs_conf.hysteresis};
    // A kept virtual server keeps its quorum decision (hysteresis must not reset on reload).
    auto old_vs = old_virtual_servers.find(vs->label);
    vs->quorum = healthcheck::QuorumState(policy, old_vs != old_virtual_servers.end() && old_vs->second->quorum.met());
    const bool was_suspended = old_vs != old_virtual_servers.end() && old_vs->second->suspended;
    if (vs->suspended && !was_suspended)
      core::log::get()->info("{}: checks paused (ha_suspend: {} not held)", vs->label, vs_conf.address->to_string());
    if (!vs->suspended && was_suspended) core::log::get()->info("{}: checks resumed", vs->label);
    if (vs_conf.sorry_server) {
      // The sorry server through the same mapping as a real server: same forwarding method.
      conf::VirtualServer sorry_vs = vs_conf;
      sorry_vs.real_servers.clear();
      sorry_vs.real_servers.push_back(conf::RealServer{.address = vs_conf.sorry_server->address,
                                                       .port = vs_conf.sorry_server->port,
                                                       .weight = 1});
      vs->sorry = configured_table(conf::Config{.virtual_servers = {sorry_vs}}).services[0].destinations[0];
    }

    for (std::size_t j = 0; j < vs_conf.real_servers.size(); ++j) {
      const conf::RealServer& rs_conf = vs_conf.real_servers[j];
      const director::Destination& dest = service.destinations[j];
      const std::string label = vs->label + " -> " + director::describe_endpoint(dest.address, dest.port);
      std::unique_ptr<RealServerSlot> rs;
      std::vector<std::unique_ptr<CheckSlot>> old_checks;
      if (auto it = old_real_servers.find(label); it != old_real_servers.end()) {
        rs = std::move(it->second);
        old_real_servers.erase(it);
        old_checks = std::move(rs->checks);
        rs->checks.clear();
      } else {
        rs = std::make_unique<RealServerSlot>();
        rs->label = label;
        rs->state_since = scheduler_.now();
      }
      rs->owner = vs.get();
      rs->configured_weight = rs_conf.weight;
      rs->inhibit_on_failure = rs_conf.inhibit_on_failure.value_or(vs_conf.inhibit_on_failure);
      rs->slow_start = rs_conf.slow_start;

      // Old checks by identity (kept as they are) and by kind + position (inheritance).
      std::map<std::string, Verdict> old_by_ordinal;
      {
        std::map<std::string, int> seen;
        for (const auto& c : old_checks) old_by_ordinal.emplace(ordinal_key(c->keyword, seen), c->effective());
      }
      std::map<std::string, int> seen;
      for (const conf::Check& check_conf : rs_conf.checks) {
        const healthcheck::CheckSpec spec = to_check_spec(vs_conf, rs_conf, check_conf);
        const std::string identity = healthcheck::check_identity(spec);
        const std::string keyword{conf::check_keyword(check_conf)};
        const std::string ordinal = ordinal_key(keyword, seen);
        auto same = std::find_if(old_checks.begin(), old_checks.end(),
                                 [&](const auto& c) { return c && checks_.identity(c->id) == identity; });
        if (same != old_checks.end()) {
          checks_.set_paused((*same)->id, vs->suspended);
          rs->checks.push_back(std::move(*same));
          continue;
        }
        auto slot = std::make_unique<CheckSlot>();
        slot->owner = rs.get();
        slot->keyword = keyword;
        slot->misc_dynamic = spec.misc_dynamic;
        CheckSlot* raw = slot.get();
        slot->id = checks_.subscribe(
            spec, [this, raw](const healthcheck::CheckEvent& event) { on_check_event(*raw->owner, *raw, event); },
            vs->suspended);
        // Joining a check that already runs (shared with another real server): take its state.
        slot->verdict = checks_.verdict(slot->id);
        if (const healthcheck::CheckResult* last = checks_.last_result(slot->id)) {
          slot->reason = last->reason;
          if (slot->misc_dynamic) slot->dynamic_weight = last->weight;
        }
        if (auto old = old_by_ordinal.find(ordinal); old != old_by_ordinal.end() && old->second != Verdict::kUnknown)
          slot->inherited = old->second;
        rs->checks.push_back(std::move(slot));
      }
      for (const auto& c : old_checks)
        if (c) to_unsubscribe.push_back(c->id);
      vs->real_servers.push_back(std::move(rs));
    }
    virtual_servers_.push_back(std::move(vs));
  }
  // Subscribing before unsubscribing lets a check that moved between real
  // servers keep running (the scheduler shares it by identity).
  for (const auto& [label, rs] : old_real_servers)
    for (const auto& c : rs->checks) to_unsubscribe.push_back(c->id);
  for (healthcheck::SubscriptionId id : to_unsubscribe) checks_.unsubscribe(id);
  configured_ = std::move(configured);
  any_slow_start_ = false;
  for (const auto& vs : config.virtual_servers)
    for (const auto& rs : vs.real_servers) any_slow_start_ = any_slow_start_ || rs.slow_start > conf::Duration::zero();
  if (!any_slow_start_) slow_start_timer_->cancel();

  for (const auto& vs : virtual_servers_) {
    // start_up servers are assumed to be serving already: no ramp.
    const bool start_up = vs->start_up;
    for (const auto& rs : vs->real_servers)
      refresh_real_server(*rs, start_up ? "start_up" : "configuration", /*ramp=*/!start_up);
    refresh_quorum(*vs);
  }
  arm_slow_start_timer();
}

bool HealthView::suspended(bool ha_suspend, const std::optional<conf::IpAddress>& address) const {
  if (!ha_suspend || !address) return false;
  auto it = vrrp_addresses_.find(*address);
  return it != vrrp_addresses_.end() && !it->second;
}

void HealthView::set_address_held(const conf::IpAddress& address, bool held) {
  vrrp_addresses_[address] = held;
  for (const auto& vs : virtual_servers_)
    if (vs->address == address) apply_suspension(*vs);
}

void HealthView::apply_suspension(VirtualServerSlot& vs) {
  const bool now_suspended = suspended(vs.ha_suspend, vs.address);
  if (now_suspended == vs.suspended) return;
  vs.suspended = now_suspended;
  for (const auto& rs : vs.real_servers)
    for (const auto& c : rs->checks) checks_.set_paused(c->id, now_suspended);
  const std::string address = vs.address ? vs.address->to_string() : "";
  if (now_suspended) {
    core::log::get()->info("{}: checks paused (ha_suspend: {} not held)", vs.label, address);
  } else {
    core::log::get()->info("{}: checks resumed ({} held)", vs.label, address);
  }
}

void HealthView::on_check_event(RealServerSlot& rs, CheckSlot& check, const healthcheck::CheckEvent& event) {
  ++counters_.check_results;
  if (event.result.up) {
    ++counters_.checks_passed;
    ++rs.checks_passed;
  } else {
    ++counters_.checks_failed;
    ++rs.checks_failed;
  }
  rs.last_check = LastCheck{.check = check.keyword, .passed = event.result.up, .reason = event.result.reason,
                            .latency = event.result.latency, .at = scheduler_.now()};
  if (result_observer_) result_observer_(event.result.latency);
  check.verdict = event.verdict;
  if (check.verdict != Verdict::kUnknown) check.inherited.reset();
  check.reason = event.transition ? event.transition->reason : event.result.reason;
  // misc_dynamic: a passing exit 0 keeps the last weight the script asked for.
  const bool weight_changed = check.misc_dynamic && event.result.weight && event.result.weight != check.dynamic_weight;
  if (weight_changed) check.dynamic_weight = event.result.weight;
  std::string reason = check.keyword;
  if (!check.reason.empty()) reason += ": " + check.reason;
  bool changed = refresh_real_server(rs, reason);
  changed = refresh_quorum(*rs.owner) || changed;
  if (weight_changed && rs.state == State::kUp) changed = true;
  if (!changed) return;
  arm_slow_start_timer();
  notify();
}

bool HealthView::refresh_real_server(RealServerSlot& rs, const std::string& reason, bool ramp) {
  if (rs.checks.empty()) {
    // Always up: nothing to log or count, it never transitions on its own.
    const bool changed = rs.state != State::kUp;
    rs.state = State::kUp;
    rs.up_since.reset();
    return changed;
  }
  State next = State::kUp;
  const CheckSlot* culprit = nullptr;  // the first down check, for the log
  for (const auto& c : rs.checks) {
    const Verdict v = c->effective();
    if (v == Verdict::kDown) {
      next = State::kDown;
      culprit = c.get();
      break;
    }
    if (v == Verdict::kUnknown) next = State::kUnknown;
  }
  if (next == rs.state) return false;
  const State previous = rs.state;
  rs.state = next;
  rs.state_since = scheduler_.now();
  ++rs.transitions;
  ++counters_.transitions;
  rs.up_since.reset();
  if (next == State::kUp && ramp) rs.up_since = scheduler_.now();

  std::string why = reason;
  if (culprit) why = culprit->keyword + (culprit->reason.empty() ? "" : ": " + culprit->reason);
  const std::string_view from = to_string(previous);
  const std::string_view to = to_string(next);
  if (next == State::kDown) {
    ++counters_.transitions_down;
    core::log::get()->warn("{}: {} ({}; was {})", rs.label, to, why, from);
  } else {
    if (next == State::kUp) ++counters_.transitions_up;
    core::log::get()->info("{}: {} ({}; was {})", rs.label, to, why, from);
  }
  return true;
}

bool HealthView::refresh_quorum(VirtualServerSlot& vs) {
  std::int64_t live = 0;
  for (const auto& rs : vs.real_servers)
    if (rs->state == State::kUp) live += rs->weight();
  if (!vs.quorum.update(live)) return false;
  const auto& policy = vs.quorum.policy();
  // Without a sorry server the decision changes nothing in the pool: debug only.
  const auto level = vs.sorry ? (vs.quorum.met() ? core::log::Level::info : core::log::Level::warn) : core::log::Level::debug;
  if (vs.quorum.met()) {
    ++counters_.quorum_regained;
  } else {
    ++counters_.quorum_lost;
  }
  core::log::get()->log(level, "{}: quorum {} (live weight {}, quorum {}, hysteresis {}){}", vs.label,
                        vs.quorum.met() ? "reached" : "lost", live, policy.quorum, policy.hysteresis,
                        vs.sorry ? (vs.quorum.met() ? ": sorry server out" : ": sorry server in") : "");
  // Without a sorry server the quorum decision does not change the table.
  return vs.sorry.has_value();
}

std::optional<int> HealthView::table_weight(const VirtualServerSlot& vs, const RealServerSlot& rs,
                                            const director::Destination& configured, core::TimePoint now) const {
  if (vs.sorry && !vs.quorum.met()) return std::nullopt;
  if (rs.state == State::kUp) {
    int weight = rs.weight();
    if (rs.up_since) weight = healthcheck::slow_start_weight(weight, rs.slow_start, now - *rs.up_since);
    return weight;
  }
  // Restart: keep what was serving until a check says otherwise.
  if (rs.state == State::kUnknown && rs.present_at_start) return configured.weight;
  if (rs.inhibit_on_failure) return 0;
  return std::nullopt;
}

director::IpvsTable HealthView::table() const {
  director::IpvsTable table = configured_;
  const core::TimePoint now = scheduler_.now();
  for (std::size_t i = 0; i < table.services.size() && i < virtual_servers_.size(); ++i) {
    const VirtualServerSlot& vs = *virtual_servers_[i];
    auto& destinations = table.services[i].destinations;
    if (vs.sorry && !vs.quorum.met()) {
      destinations = {*vs.sorry};
      continue;
    }
    std::vector<director::Destination> kept;
    kept.reserve(destinations.size());
    for (std::size_t j = 0; j < destinations.size() && j < vs.real_servers.size(); ++j) {
      const std::optional<int> weight = table_weight(vs, *vs.real_servers[j], destinations[j], now);
      if (!weight) continue;
      director::Destination dest = destinations[j];
      dest.weight = *weight;
      kept.push_back(std::move(dest));
    }
    destinations = std::move(kept);
  }
  return table;
}

std::vector<VirtualServerHealth> HealthView::status() const {
  std::vector<VirtualServerHealth> out;
  const director::IpvsTable& configured = configured_;
  const core::TimePoint now = scheduler_.now();
  for (std::size_t i = 0; i < configured.services.size() && i < virtual_servers_.size(); ++i) {
    const VirtualServerSlot& vs = *virtual_servers_[i];
    const auto& destinations = configured.services[i].destinations;
    VirtualServerHealth v{.virtual_server = vs.label,
                          .quorum_met = vs.quorum.met(),
                          .sorry_server_active = vs.sorry.has_value() && !vs.quorum.met(),
                          .checks_suspended = vs.suspended};
    for (std::size_t j = 0; j < destinations.size() && j < vs.real_servers.size(); ++j) {
      const RealServerSlot& rs = *vs.real_servers[j];
      v.real_servers.push_back(RealServerHealth{
          .real_server = director::describe_endpoint(destinations[j].address, destinations[j].port),
          .state = rs.state,
          .state_since = rs.state_since,
          .weight = table_weight(vs, rs, destinations[j], now),
          .checks_passed = rs.checks_passed,
          .checks_failed = rs.checks_failed,
          .transitions = rs.transitions,
          .last_check = rs.last_check,
      });
    }
    out.push_back(std::move(v));
  }
  return out;
}

void HealthView::arm_slow_start_timer() {
  if (!any_slow_start_) return;
  const core::TimePoint now = scheduler_.now();
  std::optional<core::Duration> soonest;
  for (const auto& vs : virtual_servers_) {
    for (const auto& rs : vs->real_servers) {
      if (rs->state != State::kUp || !rs->up_since) continue;
      const core::Duration since = now - *rs->up_since;
      auto next = healthcheck::next_slow_start_change(rs->weight(), rs->slow_start, since);
      if (!next) continue;
      const core::Duration wait = *next - since;
      if (!soonest || wait < *soonest) soonest = wait;
    }
  }
  if (soonest) {
    slow_start_timer_->arm(std::max(*soonest, core::Duration::zero()));
  } else {
    slow_start_timer_->cancel();
  }
}

void HealthView::notify() {
  if (on_change_) on_change_();
}

}  // namespace lvsd::daemon
