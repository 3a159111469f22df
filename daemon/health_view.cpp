#include "daemon/health_view.hpp"

#include <unistd.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "core/log.hpp"
#include "daemon/desired_state.hpp"
#include "daemon/fifo_lines.hpp"
#include "healthcheck/file_check.hpp"
#include "healthcheck/slow_start.hpp"

namespace lvsd::daemon {

using healthcheck::Verdict;

namespace {

healthcheck::CheckKind check_kind(const conf::CheckProbe& probe) {
  if (std::holds_alternative<conf::TcpCheck>(probe)) return healthcheck::CheckKind::kTcp;
  if (const auto* http = std::get_if<conf::HttpCheck>(&probe))
    return http->tls ? healthcheck::CheckKind::kSsl : healthcheck::CheckKind::kHttp;
  if (std::holds_alternative<conf::RedisCheck>(probe)) return healthcheck::CheckKind::kRedis;
  if (std::holds_alternative<conf::PingCheck>(probe)) return healthcheck::CheckKind::kPing;
  if (std::holds_alternative<conf::UdpCheck>(probe)) return healthcheck::CheckKind::kUdp;
  if (std::holds_alternative<conf::DnsCheck>(probe)) return healthcheck::CheckKind::kDns;
  if (std::holds_alternative<conf::SmtpCheck>(probe)) return healthcheck::CheckKind::kSmtp;
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

healthcheck::DnsType to_healthcheck(conf::DnsType type) {
  switch (type) {
    case conf::DnsType::kA: return healthcheck::DnsType::kA;
    case conf::DnsType::kNs: return healthcheck::DnsType::kNs;
    case conf::DnsType::kCname: return healthcheck::DnsType::kCname;
    case conf::DnsType::kSoa: return healthcheck::DnsType::kSoa;
    case conf::DnsType::kMx: return healthcheck::DnsType::kMx;
    case conf::DnsType::kTxt: return healthcheck::DnsType::kTxt;
    case conf::DnsType::kAaaa: return healthcheck::DnsType::kAaaa;
  }
  return healthcheck::DnsType::kSoa;
}

// SMTP_CHECK's default HELO name.
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// Consecutive failed attempts before a check goes down. `retry` makes one
// probe (retry + 1 attempts, delay_before_retry apart); `fall` failed probes
// mark the server down. Both bounded to 100 by the loader, so no overflow.
int failed_attempts_to_fall(const conf::Check& check, std::uint32_t retry) {
  const std::uint64_t attempts = std::uint64_t{std::max<std::uint32_t>(check.fall, 1)} * (std::uint64_t{retry} + 1);
  return static_cast<int>(std::min<std::uint64_t>(attempts, std::numeric_limits<int>::max()));
}

}  // namespace

healthcheck::CheckSpec to_check_spec(const conf::VirtualServer& vs, const conf::RealServer& rs,
                                     const conf::Check& check, const conf::Global& global) {
  healthcheck::CheckSpec spec;
  spec.kind = check_kind(check.probe);
  spec.address = check.connect_ip.value_or(rs.address).to_string();
  spec.port = check.connect_port.value_or(rs.port != 0 ? rs.port : vs.port);
  // ICMP has no port: pings of one address are one check whatever the ports.
  if (spec.kind == healthcheck::CheckKind::kPing) spec.port = 0;
  // keepalived's inheritance: the check's own, the real server's, the virtual server's.
  const conf::CheckTiming timing = conf::check_timing(vs, rs, check);
  spec.connect_timeout = timing.connect_timeout;
  spec.delay_loop = timing.delay_loop;
  spec.delay_before_retry = timing.delay_before_retry;
  spec.warmup = timing.warmup;
  spec.thresholds = healthcheck::HealthThresholds{
      .rise = static_cast<int>(std::max<std::uint32_t>(check.rise, 1)),
      .fall = failed_attempts_to_fall(check, timing.retry),
      // Without alpha (start_up, and none in the check or its real server)
      // the check starts up and needs `fall` failures to go down.
      .start_up = conf::check_starts_up(vs, rs, check),
  };
  if (check.bindto) spec.bind_address = check.bindto->to_string();
  spec.bind_port = check.bind_port.value_or(0);
  spec.bind_interface = check.bind_if.value_or("");
  spec.fwmark = check.fwmark.value_or(0);
  if (const auto* http = std::get_if<conf::HttpCheck>(&check.probe)) {
    for (const auto& url : http->url) {
      healthcheck::StatusCodes status;
      for (std::size_t i = 0; i < url.status_code.size(); ++i) {
        const healthcheck::StatusRange range{.low = url.status_code[i].low, .high = url.status_code[i].high};
        if (i == 0) status.first = range;
        else status.more.push_back(range);
      }
      healthcheck::HttpUrl& u = spec.urls.emplace_back(
          healthcheck::HttpUrl{.path = url.path, .status = std::move(status), .digest = url.digest});
      u.host = url.virtualhost.value_or("");
      if (http->enable_sni) u.tls_sni = url.virtualhost.value_or("");
      u.regex = url.regex;
      u.regex_options = url.regex_options;
      u.regex_no_match = url.regex_no_match;
      u.regex_min_offset = static_cast<std::size_t>(url.regex_min_offset.value_or(0));
      if (url.regex_max_offset) u.regex_max_offset = static_cast<std::size_t>(*url.regex_max_offset);
    }
    // Host: the check's virtualhost, the real server's, the virtual server's.
    spec.virtualhost = http->virtualhost.value_or(rs.options->virtualhost.value_or(vs.virtualhost.value_or("")));
    spec.http_version = http->http_protocol == conf::HttpProtocol::k1_0    ? healthcheck::HttpVersion::k1_0
                        : http->http_protocol == conf::HttpProtocol::k1_0C ? healthcheck::HttpVersion::k1_0_close
                                                                            : healthcheck::HttpVersion::k1_1;
    // enable_sni: keepalived 2.2.7 names the server with the url's
    // virtualhost, the check's or the virtual server's, not the real server's.
    if (http->enable_sni) spec.tls_sni = http->virtualhost.value_or(vs.virtualhost.value_or(""));
  } else if (const auto* redis = std::get_if<conf::RedisCheck>(&check.probe)) {
    spec.redis_password = redis->password.value_or("");
    spec.redis_expect_role = to_healthcheck(redis->expect_role);
  } else if (const auto* misc = std::get_if<conf::MiscCheck>(&check.probe)) {
    // As keepalived: split into words and executed, no shell.
    spec.misc_argv = core::split_command_line(misc->misc_path);
    spec.misc_policy = conf::script_policy(global, misc->user);
    spec.misc_timeout = misc->misc_timeout.value_or(conf::Duration{0});
    spec.misc_dynamic = misc->misc_dynamic;
  } else if (const auto* udp = std::get_if<conf::UdpCheck>(&check.probe)) {
    if (udp->payload) spec.udp_payload = udp->payload->bytes;
    spec.udp_require_reply = udp->require_reply;
    if (udp->reply) {
      spec.udp_reply = udp->reply->bytes;
      spec.udp_reply_wildcard = udp->reply->wildcard;
    }
    spec.udp_min_reply_length = udp->min_reply_length;
    spec.udp_max_reply_length = udp->max_reply_length;
  } else if (const auto* dns = std::get_if<conf::DnsCheck>(&check.probe)) {
    spec.dns_type = to_healthcheck(dns->type);
    spec.dns_name = dns->name;
  } else if (const auto* smtp = std::get_if<conf::SmtpCheck>(&check.probe)) {
    spec.smtp_helo_name = smtp->helo_name ? *smtp->helo_name : host_name();
  }
  return spec;
}

// ---------------------------------------------------------------- slots

// Slots keep only what the view needs after set_config(): no copy of the conf
// structs (a real server keeps its endpoint and weight, its service the rest
// of the configured table once), no label (built when a line is logged), no
// copy of a check's identity or of its last result's reason (the scheduler
// has both). A real server holds its checks by value; a check's listener
// captures one pointer (its real server's slot, held inline by std::function)
// and finds its slot by the event's subscription id.
struct HealthView::CheckSlot {
  healthcheck::SubscriptionId id = 0;
  std::optional<int> dynamic_weight{};  // misc_dynamic: the last weight its script asked for
  healthcheck::CheckKind kind = healthcheck::CheckKind::kTcp;
  Verdict verdict = Verdict::kUnknown;  // its own, from the scheduler
  // The verdict of the check this one replaced on reload, until it has its own.
  std::optional<Verdict> inherited{};
  bool misc_dynamic = false;
  // Its probes' durations, as the checker measured them (the metrics'
  // histogram). Kept with the slot while the check stays the same.
  control::LatencyHistogram durations{};

  std::string_view keyword() const { return healthcheck::to_string(kind); }  // "HTTP_GET"
  Verdict effective() const { return verdict != Verdict::kUnknown ? verdict : inherited.value_or(Verdict::kUnknown); }
};

// A FILE_CHECK: kept by its virtual server (VirtualServerSlot::files), so
// real servers without one pay nothing for it.
struct HealthView::FileSlot {
  std::string name{};  // the track_file
  healthcheck::FileCheckRule rule{};
  long value = 0;      // what the file held when last told
  healthcheck::FileCheckVerdict verdict{};
};

namespace {
// "track_file load holds 5": a FILE_CHECK's reason.
std::string file_reason(const std::string& name, long value) {
  return "track_file " + name + " holds " + std::to_string(value);
}
}  // namespace

// What a real server's checks have done: made at its first probe result or
// transition (a real server without checks never has one), so that a slot
// stays small.
struct Activity {
  conf::Duration slow_start{0};  // configured; a real server with one always has its Activity
  core::TimePoint up_since{};  // of a check-driven transition to up, while the slot is `ramping`
  std::uint64_t checks_passed = 0;
  std::uint64_t checks_failed = 0;
  std::uint64_t transitions = 0;
  // The last probe result it heard (while the slot's last_valid); its reason
  // is the scheduler's last result of that check (status() reads it there).
  core::TimePoint last_at{};
  core::Duration last_latency{0};
};

// Laid out to fit 88 bytes (a 96-byte heap block): one per real server. The
// 4-byte and smaller fields come first, together, so no padding splits them.
struct HealthView::RealServerSlot {
  core::Endpoint endpoint{};  // the destination's identity
  std::uint32_t index = 0;  // in owner->real_servers
  std::uint32_t configured_weight = 1;
  std::uint16_t last_check = 0;  // index in checks (see Activity::last_at)
  bool last_passed = false;
  bool last_valid = false;
  State state = State::kUnknown;
  bool ramping = false;  // activity->up_since is set (slow start)
  bool inhibit_on_failure = false;  // resolved against the virtual server's
  // No port of its own: each service of a group gives its port (see more_keys).
  bool port_from_service = false;
  // The kernel already had this destination when lvsd started: it stays in
  // the pool while its checks have no verdict yet (see keep_until_checked).
  bool present_at_start = false;
  // Its checks all start up (no alpha): in the pool from the start, not ramped.
  bool start_up = false;
  bool has_files = false;  // FILE_CHECKs in owner->files[index]
  VirtualServerSlot* owner = nullptr;
  std::vector<CheckSlot> checks{};  // config order; a listener finds its slot by subscription id
  core::TimePoint state_since{};
  std::unique_ptr<Activity> activity{};  // see Activity

  Activity& active() {
    if (!activity) activity = std::make_unique<Activity>();
    return *activity;
  }

  // Its weight when up: configured (or misc_dynamic's) plus its FILE_CHECKs'.
  int weight() const;
  const std::vector<FileSlot>* files() const;
};

struct HealthView::VirtualServerSlot {
  HealthView* view = nullptr;  // for the checks' listeners (they capture one pointer: their real server)
  // A group's label ("TCP group NAME"); unset otherwise.
  core::OptionalText group_label{};
  std::uint32_t index = 0;  // in virtual_servers_
  // The configured table, compact: the service, and what configured_table()
  // gave every real server beyond its address, port and weight (forwarding
  // method, tunnel), once per service. A service whose destinations differ
  // in anything else keeps them all in `destinations` (none does today).
  director::ServiceSettings service{};  // (no stats: this is the configured table)
  // A virtual server with a group: the keys of its other services (table()
  // repeats `service` and its destinations for each); empty otherwise.
  std::vector<director::ServiceKey> more_keys{};
  director::Destination base{};
  std::vector<director::Destination> destinations{};
  bool ha_suspend = false;
  std::optional<core::IpAddress> address{};  // unset for fwmark services
  std::vector<std::unique_ptr<RealServerSlot>> real_servers{};  // config order
  healthcheck::QuorumState quorum{healthcheck::QuorumPolicy{}};
  std::optional<director::Destination> sorry{};
  bool sorry_port_from_service = false;  // the sorry server has no port: each service's
  // sorry_server_inhibit: once the sorry server has served (the quorum was
  // lost since it was configured), it stays at weight 0 while the quorum holds.
  bool sorry_inhibit = false;
  bool sorry_served = false;
  // notify_up / notify_down by real server index (only those that have one).
  std::map<std::uint32_t, std::pair<std::string, std::string>> notify{};
  bool suspended = false;  // ha_suspend: checks paused
  core::OptionalText quorum_up{};
  core::OptionalText quorum_down{};
  bool omega = false;
  // What quorum_up / quorum_down (and the lvs FIFO) last told; see report_quorum.
  bool quorum_reported = false;
  // FILE_CHECKs by real server index (only those that have one).
  std::map<std::uint32_t, std::vector<FileSlot>> files{};

  std::string label() const;  // "TCP 10.0.0.100:80", "TCP group NAME"
};

std::string HealthView::VirtualServerSlot::label() const {
  // Built when a line is logged or a status asked for, not kept: "TCP
  // 10.0.0.100:80" is past std::string's inline capacity, a heap block per
  // service.
  return group_label ? *group_label : director::describe(service.key);
}

const std::vector<HealthView::FileSlot>* HealthView::RealServerSlot::files() const {
  if (!has_files) return nullptr;
  auto it = owner->files.find(index);
  return it == owner->files.end() ? nullptr : &it->second;
}

int HealthView::RealServerSlot::weight() const {
  static_assert(sizeof(RealServerSlot) <= 88, "one 96-byte heap block per real server");
  std::int64_t base = configured_weight;
  for (const auto& c : checks)
    if (c.misc_dynamic && c.dynamic_weight) {
      base = *c.dynamic_weight;
      break;
    }
  const auto* fs = files();
  if (fs == nullptr) return static_cast<int>(base);
  std::int64_t sum = 0;
  for (const auto& f : *fs) sum += f.verdict.weight;
  return healthcheck::file_checked_weight(base, sum);
}

namespace {

// "KEYWORD#n": the n-th check of that kind on its real server.
std::string ordinal_key(std::string_view keyword, std::map<std::string, int>& seen) {
  std::string key{keyword};
  return key + "#" + std::to_string(seen[key]++);
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
      for (const auto& c : rs->checks) checks_.unsubscribe(c.id);
}

std::size_t HealthView::check_count() const {
  std::size_t n = 0;
  for (const auto& vs : virtual_servers_)
    for (const auto& rs : vs->real_servers) n += rs->checks.size();
  return n;
}

void HealthView::keep_until_checked(const director::IpvsTable& kernel) {
  for (const auto& vs : virtual_servers_) {
    const auto& key = vs->service.key;
    auto in_kernel = std::find_if(kernel.services.begin(), kernel.services.end(),
                                  [&](const director::VirtualService& k) { return k.service.key == key; });
    if (in_kernel == kernel.services.end()) continue;
    for (const auto& rs : vs->real_servers) {
      const director::Destination wanted = configured_destination(*vs, *rs);
      // Held at weight 0 while it should have more: inhibited as failed
      // (inhibit_on_failure) by the previous run, so not kept as up.
      const bool present = std::any_of(in_kernel->destinations.begin(), in_kernel->destinations.end(),
                                       [&](const director::Destination& d) {
                                         return director::same_identity(d, wanted) &&
                                                (d.weight > 0 || wanted.weight == 0);
                                       });
      rs->present_at_start = present;
    }
  }
}

director::Destination HealthView::configured_destination(const VirtualServerSlot& vs, const RealServerSlot& rs) {
  if (!vs.destinations.empty()) return vs.destinations[rs.index];
  director::Destination d = vs.base;
  d.endpoint = rs.endpoint;
  d.weight = static_cast<std::int32_t>(rs.configured_weight);
  return d;
}

std::string HealthView::label(const RealServerSlot& rs) const {
  return rs.owner->label() + " -> " + rs.endpoint.to_string();
}

std::string_view HealthView::last_reason(const CheckSlot& check) const {
  const healthcheck::CheckResult* last = checks_.last_result(check.id);
  return last ? std::string_view{last->reason} : std::string_view{};
}

std::optional<LastCheck> HealthView::last_check(const RealServerSlot& rs) const {
  if (!rs.last_valid) return std::nullopt;
  if (rs.last_check >= rs.checks.size()) {  // a FILE_CHECK (set_file_value)
    const auto* fs = rs.files();
    const std::size_t k = rs.last_check - rs.checks.size();
    if (fs == nullptr || k >= fs->size()) return std::nullopt;
    return LastCheck{.check = "FILE_CHECK",
                     .passed = rs.last_passed,
                     .reason = file_reason((*fs)[k].name, (*fs)[k].value),
                     .latency = rs.activity->last_latency,
                     .at = rs.activity->last_at};
  }
  const CheckSlot& check = rs.checks[rs.last_check];
  return LastCheck{.check = std::string{check.keyword()},
                   .passed = rs.last_passed,
                   .reason = std::string{last_reason(check)},
                   .latency = rs.activity->last_latency,
                   .at = rs.activity->last_at};
}

void HealthView::set_config(const conf::Config& config) {
  struct ConfigTime {
    std::optional<core::TimePoint>& at;
    ~ConfigTime() { at.reset(); }
  } config_time{config_now_};
  config_now_ = scheduler_.now();
  global_ = config.global;
  // One configured service at a time (configured_service), not the whole
  // configured table: on a reload of 10,000 real servers the table is pages
  // that all fault in, while one service reuses the same few blocks.
  // The previous slots. A slot is matched by position first (a reload that
  // changes nothing, or little, builds no index and reuses every slot: no
  // allocation per real server or per virtual server), then by label (moved
  // services and real servers). old_vs[k] stays readable (its key and label
  // do not change) after its slot is taken over by the new configuration.
  std::vector<std::unique_ptr<VirtualServerSlot>> old_vss = std::move(virtual_servers_);
  virtual_servers_.clear();
  std::vector<VirtualServerSlot*> old_vs(old_vss.size());
  std::vector<std::vector<std::unique_ptr<RealServerSlot>>> old_rs(old_vss.size());
  for (std::size_t k = 0; k < old_vss.size(); ++k) {
    old_vs[k] = old_vss[k].get();
    old_rs[k] = std::move(old_vss[k]->real_servers);
    old_vss[k]->real_servers.clear();
  }
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::optional<std::map<std::string, std::size_t>> old_vs_by_label;
  std::optional<std::map<std::string, std::pair<std::size_t, std::size_t>>> old_rs_by_label;
  auto rs_label = [](const std::string& vs_label, const core::Endpoint& endpoint) {
    return vs_label + " -> " + endpoint.to_string();
  };
  auto find_old_vs = [&](std::size_t i, const director::VirtualService& service, const std::string& label) {
    if (i < old_vs.size() && old_vs[i]->service.key == service.service.key) return i;
    if (!old_vs_by_label) {
      old_vs_by_label.emplace();
      for (std::size_t k = 0; k < old_vs.size(); ++k) old_vs_by_label->emplace(old_vs[k]->label(), k);
    }
    auto it = old_vs_by_label->find(label);
    return it == old_vs_by_label->end() ? kNone : it->second;
  };
  auto take_old_rs = [&](std::size_t old_i, std::size_t j, const std::string& vs_label,
                         const director::Destination& dest) -> std::unique_ptr<RealServerSlot> {
    if (old_i != kNone && j < old_rs[old_i].size()) {
      std::unique_ptr<RealServerSlot>& old = old_rs[old_i][j];
      if (old && old->endpoint == dest.endpoint) return std::move(old);
    }
    if (!old_rs_by_label) {
      old_rs_by_label.emplace();
      for (std::size_t k = 0; k < old_rs.size(); ++k) {
        const auto& real_servers = old_rs[k];
        for (std::size_t l = 0; l < real_servers.size(); ++l)
          if (real_servers[l])
            old_rs_by_label->emplace(rs_label(old_vs[k]->label(), real_servers[l]->endpoint),
                                     std::pair{k, l});
      }
    }
    if (old_rs_by_label->empty()) return nullptr;  // the first configuration: no label to build
    auto it = old_rs_by_label->find(rs_label(vs_label, dest.endpoint));
    if (it == old_rs_by_label->end()) return nullptr;
    return std::move(old_rs[it->second.first][it->second.second]);  // null if taken already
  };

  std::map<std::string, const conf::TrackFile*> track_files;
  for (const auto& f : config.track_files) track_files.emplace(f.name, &f);

  std::vector<healthcheck::SubscriptionId> to_unsubscribe;
  virtual_servers_.reserve(config.virtual_servers.size());
  for (std::size_t i = 0; i < config.virtual_servers.size(); ++i) {
    const conf::VirtualServer& vs_conf = config.virtual_servers[i];
    // A group's services share one slot (one set of checks, one quorum): the
    // first is kept whole, the others by key.
    std::vector<director::VirtualService> services;
    if (vs_conf.group) services = configured_services(config, vs_conf);
    else services.push_back(configured_service(vs_conf));
    if (services.empty()) continue;  // (validation refuses a group without members)
    const director::VirtualService& service = services.front();
    std::string label = vs_conf.group ? std::string(conf::to_string(vs_conf.protocol)) + " group " + *vs_conf.group
                                      : director::describe(service.service.key);
    const std::size_t old_i = find_old_vs(i, service, label);
    // A kept virtual server keeps its quorum decision (hysteresis must not reset on reload).
    const bool quorum_met = old_i != kNone && old_vs[old_i]->quorum.met();
    const bool was_suspended = old_i != kNone && old_vs[old_i]->suspended;
    // ... and what was last reported of it (a reload runs no quorum script).
    // A new one starts as keepalived starts it: with its quorum up when its
    // real servers start in the pool (no `alpha`), down otherwise.
    const bool quorum_reported = old_i == kNone ? vs_conf.start_up : old_vs[old_i]->quorum_reported;
    std::unique_ptr<VirtualServerSlot> vs =
        old_i != kNone && old_vss[old_i] ? std::move(old_vss[old_i]) : std::make_unique<VirtualServerSlot>();
    vs->view = this;
    vs->group_label = vs_conf.group ? core::OptionalText(label) : core::OptionalText();
    vs->index = static_cast<std::uint32_t>(i);
    vs->service = service.service;
    vs->more_keys.clear();
    for (std::size_t k = 1; k < services.size(); ++k) vs->more_keys.push_back(services[k].service.key);
    vs->base = service.destinations.empty() ? director::Destination{} : service.destinations.front();
    vs->destinations.clear();
    vs->ha_suspend = vs_conf.ha_suspend;
    vs->address = vs_conf.address;
    vs->suspended = suspended(vs->ha_suspend, vs->address);
    const healthcheck::QuorumPolicy policy{.quorum = vs_conf.quorum, .hysteresis = vs_conf.hysteresis};
    vs->quorum = healthcheck::QuorumState(policy, quorum_met);
    vs->quorum_reported = quorum_reported;
    vs->quorum_up = vs_conf.quorum_up;
    vs->quorum_down = vs_conf.quorum_down;
    vs->omega = vs_conf.omega;
    const std::optional<director::Destination> old_sorry = std::move(vs->sorry);
    vs->sorry.reset();
    vs->notify.clear();
    vs->files.clear();
    for (std::size_t j = 0; j < vs_conf.real_servers.size(); ++j) {
      const conf::RealServer& r = vs_conf.real_servers[j];
      const conf::RealServerOptions& o = *r.options;
      if (o.notify_up || o.notify_down)
        vs->notify[static_cast<std::uint32_t>(j)] = {o.notify_up.value_or(""), o.notify_down.value_or("")};
      for (const conf::TrackScript& fc : o.file_checks) {
        // The check's own weight (and reverse), else its track_file's.
        auto tf = track_files.find(fc.name);
        const int file_weight = tf != track_files.end() ? tf->second->weight : 1;
        const bool file_reverse = tf != track_files.end() && tf->second->reverse;
        FileSlot slot{.name = fc.name,
                      .rule = {.weight = fc.weight.value_or(file_weight),
                               .reverse = fc.weight ? fc.reverse.value_or(false) : fc.reverse.value_or(file_reverse)}};
        auto value = file_values_.find(fc.name);
        slot.value = value != file_values_.end() ? value->second : 0;
        slot.verdict = healthcheck::file_check_verdict(slot.rule, slot.value);
        vs->files[static_cast<std::uint32_t>(j)].push_back(std::move(slot));
      }
    }
    if (vs->suspended && !was_suspended)
      core::log::get()->info("{}: checks paused (ha_suspend: {} not held)", vs->label(), vs_conf.address->to_string());
    if (!vs->suspended && was_suspended) core::log::get()->info("{}: checks resumed", vs->label());
    if (vs_conf.sorry_server) {
      // Mapped like a real server of the service: the service's forwarding
      // method and tunnel unless it has its own (sorry_server_lvs_method).
      vs->sorry = director_destination(
          vs_conf, conf::RealServer{.address = vs_conf.sorry_server->address, .port = vs_conf.sorry_server->port,
                                    .weight = 1,
                                    .options = conf::RealServerOptions{.forwarding = vs_conf.sorry_server->forwarding}});
      vs->sorry_port_from_service = vs_conf.group && vs_conf.sorry_server->port == 0;
      if (vs->sorry_port_from_service) vs->sorry->endpoint.port = service.service.key.endpoint.port;
    }
    // A sorry server that has served stays known as such across a reload that keeps it.
    vs->sorry_served = vs->sorry && old_sorry && vs->sorry->endpoint == old_sorry->endpoint && vs->sorry_served;
    vs->sorry_inhibit = vs_conf.sorry_server && vs_conf.sorry_server->inhibit_on_failure;

    vs->real_servers.reserve(vs_conf.real_servers.size());
    for (std::size_t j = 0; j < vs_conf.real_servers.size(); ++j) {
      const conf::RealServer& rs_conf = vs_conf.real_servers[j];
      std::unique_ptr<RealServerSlot> rs = take_old_rs(old_i, j, label, service.destinations[j]);
      std::vector<CheckSlot> old_checks;
      if (rs) {
        old_checks = std::move(rs->checks);
        rs->checks.clear();
      } else {
        rs = std::make_unique<RealServerSlot>();
        rs->state_since = time_now();
      }
      const director::Destination& dest = service.destinations[j];
      rs->owner = vs.get();
      rs->endpoint = dest.endpoint;
      rs->index = static_cast<std::uint32_t>(j);
      rs->configured_weight = rs_conf.weight;
      rs->inhibit_on_failure = rs_conf.options->inhibit_on_failure.value_or(vs_conf.inhibit_on_failure);
      rs->port_from_service = vs_conf.group && rs_conf.port == 0;
      if (rs_conf.options->slow_start > conf::Duration::zero()) rs->active().slow_start = rs_conf.options->slow_start;
      else if (rs->activity) rs->activity->slow_start = conf::Duration::zero();
      rs->has_files = !rs_conf.options->file_checks.empty();
      // FILE_CHECKs know their verdict at once (keepalived clears alpha for them).
      rs->start_up = (!rs_conf.checks.empty() || rs->has_files) &&
                     std::all_of(rs_conf.checks.begin(), rs_conf.checks.end(),
                                 [&](const conf::Check& c) { return conf::check_starts_up(vs_conf, rs_conf, c); });
      set_checks(*rs, vs_conf, rs_conf, std::move(old_checks), vs->suspended, to_unsubscribe);
      vs->real_servers.push_back(std::move(rs));
    }
    // Kept in full only if some destination is more than base + endpoint + weight.
    for (const auto& rs : vs->real_servers) {
      const director::Destination compact = configured_destination(*vs, *rs);
      const director::Destination& dest = service.destinations[rs->index];
      if (!director::same_identity(compact, dest) || !director::same_settings(compact, dest)) {
        vs->destinations = service.destinations;
        break;
      }
    }
    virtual_servers_.push_back(std::move(vs));
  }
  // Subscribing before unsubscribing lets a check that moved between real
  // servers keep running (the scheduler shares it by identity).
  for (const auto& real_servers : old_rs)
    for (const auto& rs : real_servers)
      if (rs)
        for (const auto& c : rs->checks) to_unsubscribe.push_back(c.id);
  for (healthcheck::SubscriptionId id : to_unsubscribe) checks_.unsubscribe(id);
  any_slow_start_ = false;
  for (const auto& vs : config.virtual_servers)
    for (const auto& rs : vs.real_servers)
      any_slow_start_ = any_slow_start_ || rs.options->slow_start > conf::Duration::zero();
  if (!any_slow_start_) slow_start_timer_->cancel();

  for (const auto& vs : virtual_servers_) {
    // Real servers whose checks start up (no alpha) are assumed to be
    // serving already: no ramp.
    for (const auto& rs : vs->real_servers)
      refresh_real_server(*rs, rs->start_up ? "start_up" : "configuration", /*ramp=*/!rs->start_up);
    refresh_quorum(*vs);
  }
  arm_slow_start_timer();
}

void HealthView::set_checks(RealServerSlot& rs, const conf::VirtualServer& vs_conf, const conf::RealServer& rs_conf,
                            std::vector<CheckSlot> old_checks, bool suspended,
                            std::vector<healthcheck::SubscriptionId>& to_unsubscribe) {
  // Unchanged checks (same identities, same order): kept as they are, with
  // their last result.
  bool unchanged = old_checks.size() == rs_conf.checks.size();
  for (std::size_t k = 0; unchanged && k < rs_conf.checks.size(); ++k) {
    const healthcheck::CheckSpec spec = to_check_spec(vs_conf, rs_conf, rs_conf.checks[k], global_);
    unchanged = checks_.identity(old_checks[k].id) == healthcheck::check_identity(spec);
  }
  if (unchanged) {
    rs.checks = std::move(old_checks);
    for (const auto& c : rs.checks) checks_.set_paused(c.id, suspended);
    return;
  }

  // Subscription ids are never 0 (moved-out slots below get 0).
  const healthcheck::SubscriptionId last_check =
      rs.last_valid && rs.last_check < old_checks.size() ? old_checks[rs.last_check].id : 0;
  rs.checks.reserve(rs_conf.checks.size());
  // Old checks by identity (kept as they are) and by kind + position (inheritance).
  std::map<std::string, Verdict> old_by_ordinal;
  {
    std::map<std::string, int> seen;
    for (const auto& c : old_checks) old_by_ordinal.emplace(ordinal_key(c.keyword(), seen), c.effective());
  }
  std::map<std::string, int> seen;
  for (const conf::Check& check_conf : rs_conf.checks) {
    const healthcheck::CheckSpec spec = to_check_spec(vs_conf, rs_conf, check_conf, global_);
    const std::string identity = healthcheck::check_identity(spec);
    const std::string ordinal = ordinal_key(healthcheck::to_string(spec.kind), seen);
    auto same = std::find_if(old_checks.begin(), old_checks.end(),
                             [&](const CheckSlot& c) { return c.id != 0 && checks_.identity(c.id) == identity; });
    if (same != old_checks.end()) {
      checks_.set_paused(same->id, suspended);
      rs.checks.push_back(*same);
      same->id = 0;  // taken
      continue;
    }
    CheckSlot& slot = rs.checks.emplace_back();
    slot.kind = spec.kind;
    slot.misc_dynamic = spec.misc_dynamic;
    // One pointer (held inline by std::function): the real server's slot,
    // which keeps its checks across reloads; the event names the subscription.
    RealServerSlot* owner = &rs;
    slot.id = checks_.subscribe(
        spec, [owner](const healthcheck::CheckEvent& event) { owner->owner->view->on_check_event(*owner, event); },
        suspended);
    // Joining a check that already runs (shared with another real server): take its state.
    slot.verdict = checks_.verdict(slot.id);
    if (const healthcheck::CheckResult* last = checks_.last_result(slot.id); last && slot.misc_dynamic)
      slot.dynamic_weight = last->weight;
    if (auto old = old_by_ordinal.find(ordinal); old != old_by_ordinal.end() && old->second != Verdict::kUnknown)
      slot.inherited = old->second;
  }
  for (const auto& c : old_checks)
    if (c.id != 0) to_unsubscribe.push_back(c.id);
  // The last result stays while the check that gave it stays.
  auto kept = std::find_if(rs.checks.begin(), rs.checks.end(), [&](const CheckSlot& c) { return c.id == last_check; });
  if (last_check != 0 && kept != rs.checks.end()) {
    rs.last_check = static_cast<std::uint16_t>(kept - rs.checks.begin());
  } else {
    rs.last_valid = false;
  }
}

void HealthView::set_file_value(const std::string& name, long value) {
  file_values_[name] = value;
  bool changed = false;
  for (const auto& vs : virtual_servers_) {
    bool any = false;
    for (auto& [index, files] : vs->files) {
      RealServerSlot& rs = *vs->real_servers[index];
      for (std::size_t k = 0; k < files.size(); ++k) {
        FileSlot& f = files[k];
        if (f.name != name || f.value == value) continue;
        any = true;
        const int weight_before = rs.weight();
        f.value = value;
        f.verdict = healthcheck::file_check_verdict(f.rule, value);
        ++counters_.check_results;
        ++(f.verdict.up ? counters_.checks_passed : counters_.checks_failed);
        Activity& a = rs.active();
        ++(f.verdict.up ? a.checks_passed : a.checks_failed);
        a.last_at = time_now();
        a.last_latency = core::Duration::zero();
        rs.last_check = static_cast<std::uint16_t>(rs.checks.size() + k);
        rs.last_passed = f.verdict.up;
        rs.last_valid = true;
        const bool moved = refresh_real_server(rs, {}, /*ramp=*/true, nullptr, &f);
        changed = moved || (rs.state == State::kUp && rs.weight() != weight_before) || changed;
      }
    }
    if (!any) continue;
    changed = refresh_quorum(*vs) || changed;
    report_quorum(*vs);
  }
  if (!changed) return;
  arm_slow_start_timer();
  notify();
}

bool HealthView::suspended(bool ha_suspend, const std::optional<core::IpAddress>& address) const {
  if (!ha_suspend || !address) return false;
  auto it = vrrp_addresses_.find(*address);
  return it != vrrp_addresses_.end() && !it->second;
}

void HealthView::set_address_held(const core::IpAddress& address, bool held) {
  vrrp_addresses_[address] = held;
  for (const auto& vs : virtual_servers_)
    if (vs->address == address) apply_suspension(*vs);
}

void HealthView::apply_suspension(VirtualServerSlot& vs) {
  const bool now_suspended = suspended(vs.ha_suspend, vs.address);
  if (now_suspended == vs.suspended) return;
  vs.suspended = now_suspended;
  for (const auto& rs : vs.real_servers)
    for (const auto& c : rs->checks) checks_.set_paused(c.id, now_suspended);
  const std::string address = vs.address ? vs.address->to_string() : "";
  if (now_suspended) {
    core::log::get()->info("{}: checks paused (ha_suspend: {} not held)", vs.label(), address);
  } else {
    core::log::get()->info("{}: checks resumed ({} held)", vs.label(), address);
  }
}

void HealthView::on_check_event(RealServerSlot& rs, const healthcheck::CheckEvent& event) {
  const auto index = std::find_if(rs.checks.begin(), rs.checks.end(),
                                  [&](const CheckSlot& c) { return c.id == event.subscription; });
  if (index == rs.checks.end()) return;  // not (or no longer) one of its checks
  CheckSlot& check = *index;
  ++counters_.check_results;
  Activity& activity = rs.active();
  if (event.result.up) {
    ++counters_.checks_passed;
    ++activity.checks_passed;
  } else {
    ++counters_.checks_failed;
    ++activity.checks_failed;
  }
  // Its reason stays in the scheduler's last result of this check (no copy).
  activity.last_at = time_now();
  activity.last_latency = event.result.latency;
  rs.last_check = static_cast<std::uint16_t>(index - rs.checks.begin());
  rs.last_passed = event.result.up;
  rs.last_valid = true;
  check.durations.observe(std::chrono::duration<double>(event.result.latency).count());
  check.verdict = event.verdict;
  if (check.verdict != Verdict::kUnknown) check.inherited.reset();
  // misc_dynamic: a passing exit 0 keeps the last weight the script asked for.
  const bool weight_changed = check.misc_dynamic && event.result.weight && event.result.weight != check.dynamic_weight;
  if (weight_changed) check.dynamic_weight = event.result.weight;
  bool changed = refresh_real_server(rs, {}, /*ramp=*/true, &check);
  changed = refresh_quorum(*rs.owner) || changed;
  report_quorum(*rs.owner);
  if (weight_changed && rs.state == State::kUp) changed = true;
  if (!changed) return;
  arm_slow_start_timer();
  notify();
}

bool HealthView::refresh_real_server(RealServerSlot& rs, std::string_view reason, bool ramp, const CheckSlot* cause,
                                     const FileSlot* file_cause) {
  if (rs.checks.empty() && !rs.has_files) {
    // Always up: nothing to log or count, it never transitions on its own.
    const bool changed = rs.state != State::kUp;
    rs.state = State::kUp;
    rs.ramping = false;
    return changed;
  }
  State next = State::kUp;
  const CheckSlot* culprit = nullptr;  // the first down check, for the log
  for (const auto& c : rs.checks) {
    const Verdict v = c.effective();
    if (v == Verdict::kDown) {
      next = State::kDown;
      culprit = &c;
      break;
    }
    if (v == Verdict::kUnknown) next = State::kUnknown;
  }
  const FileSlot* file_culprit = nullptr;
  if (const auto* fs = rs.files(); fs != nullptr && culprit == nullptr)
    for (const auto& f : *fs)
      if (!f.verdict.up) {
        next = State::kDown;
        file_culprit = &f;
        break;
      }
  if (next == rs.state) return false;
  const State previous = rs.state;
  rs.state = next;
  rs.state_since = time_now();
  Activity& activity = rs.active();
  ++activity.transitions;
  ++counters_.transitions;
  rs.ramping = next == State::kUp && ramp;
  if (rs.ramping) activity.up_since = time_now();

  // The reason is built only here, on a transition (not on every result).
  std::string why{reason};
  if (culprit != nullptr || (file_culprit == nullptr && cause != nullptr)) {
    const CheckSlot& c = culprit != nullptr ? *culprit : *cause;
    why = std::string{c.keyword()};
    if (const std::string_view r = last_reason(c); !r.empty()) why.append(": ").append(r);
  } else if (const FileSlot* f = file_culprit != nullptr ? file_culprit : file_cause; f != nullptr) {
    why = "FILE_CHECK: " + file_reason(f->name, f->value);
  }
  const std::string_view from = to_string(previous);
  const std::string_view to = to_string(next);
  // keepalived's notify_up / notify_down: on a check's verdict only.
  if ((cause != nullptr || file_cause != nullptr) && (next == State::kUp || previous == State::kUp))
    notify_real_server(rs, next == State::kUp);
  if (next == State::kDown) {
    ++counters_.transitions_down;
    core::log::get()->warn("{}: {} ({}; was {})", label(rs), to, why, from);
  } else {
    if (next == State::kUp) ++counters_.transitions_up;
    core::log::get()->info("{}: {} ({}; was {})", label(rs), to, why, from);
  }
  return true;
}

bool HealthView::refresh_quorum(VirtualServerSlot& vs) {
  std::int64_t live = 0;
  for (const auto& rs : vs.real_servers)
    if (rs->state == State::kUp) live += rs->weight();
  const bool changed = vs.quorum.update(live);
  // While the quorum is lost the sorry server is in the table: it has served
  // (sorry_server_inhibit then keeps it at weight 0 once the quorum is back).
  if (vs.sorry && !vs.quorum.met()) vs.sorry_served = true;
  if (!changed) return false;
  const auto& policy = vs.quorum.policy();
  // Without a sorry server the decision changes nothing in the pool: debug only.
  const auto level = vs.sorry ? (vs.quorum.met() ? core::log::Level::info : core::log::Level::warn) : core::log::Level::debug;
  if (vs.quorum.met()) {
    ++counters_.quorum_regained;
  } else {
    ++counters_.quorum_lost;
  }
  core::log::get()->log(level, "{}: quorum {} (live weight {}, quorum {}, hysteresis {}){}", vs.label(),
                        vs.quorum.met() ? "reached" : "lost", live, policy.quorum, policy.hysteresis,
                        vs.sorry ? (vs.quorum.met() ? ": sorry server out" : ": sorry server in") : "");
  // Without a sorry server the quorum decision does not change the table,
  // but a scale-out announcement follows it: listeners hear of it either way.
  return true;
}

void HealthView::report_quorum(VirtualServerSlot& vs) {
  const bool met = vs.quorum.met();
  if (met == vs.quorum_reported) return;
  vs.quorum_reported = met;
  if (fifo_line_) fifo_line_(virtual_server_line(vs.service.key, met));
  const core::OptionalText& script = met ? vs.quorum_up : vs.quorum_down;
  if (script && run_script(*script)) {
    core::log::get()->info("{}: ran {} ({})", vs.label(), met ? "quorum_up" : "quorum_down", *script);
  }
}

bool HealthView::run_script(const std::string& command) {
  if (command.empty() || !run_script_) return false;
  run_script_(core::split_command_line(command), conf::script_policy(global_));
  return true;
}

bool HealthView::notify_real_server(const RealServerSlot& rs, bool up) {
  auto it = rs.owner->notify.find(rs.index);
  const bool started = it != rs.owner->notify.end() && run_script(up ? it->second.first : it->second.second);
  if (fifo_line_) {
    core::Endpoint endpoint = rs.endpoint;
    if (rs.port_from_service) endpoint.port = rs.owner->service.key.endpoint.port;
    fifo_line_(real_server_line(endpoint, rs.owner->service.key, up));
  }
  return started;
}

std::size_t HealthView::run_stop_scripts() {
  std::size_t started = 0;
  for (const auto& vs : virtual_servers_) {
    if (!vs->omega) continue;
    for (const auto& rs : vs->real_servers)
      if (rs->state == State::kUp && notify_real_server(*rs, /*up=*/false)) ++started;
    if (vs->quorum_down && run_script(*vs->quorum_down)) ++started;
    if (fifo_line_) fifo_line_(virtual_server_line(vs->service.key, false));
  }
  if (started > 0) core::log::get()->info("stopping: {} omega script(s) started (notify_down, quorum_down)", started);
  return started;
}

bool HealthView::quorum_met(std::size_t index) const {
  return index < virtual_servers_.size() && virtual_servers_[index]->quorum.met();
}

std::optional<int> HealthView::table_weight(const VirtualServerSlot& vs, const RealServerSlot& rs,
                                            core::TimePoint now) const {
  if (vs.sorry && !vs.quorum.met()) return std::nullopt;
  if (rs.state == State::kUp) {
    int weight = rs.weight();
    if (rs.ramping) weight = healthcheck::slow_start_weight(weight, rs.activity->slow_start, now - rs.activity->up_since);
    return weight;
  }
  // Restart: keep what was serving until a check says otherwise.
  if (rs.state == State::kUnknown && rs.present_at_start) return static_cast<int>(rs.configured_weight);
  if (rs.inhibit_on_failure) return 0;
  return std::nullopt;
}

director::IpvsTable HealthView::table() const {
  director::IpvsTable table;
  table.services.reserve(virtual_servers_.size());  // (more with groups)
  const core::TimePoint now = time_now();
  std::vector<bool> port_from_service;  // per destination of the service being built
  for (const auto& vs : virtual_servers_) {
    const std::size_t first = table.services.size();
    director::VirtualService& service = table.services.emplace_back(director::VirtualService{.service = vs->service});
    port_from_service.clear();
    if (vs->sorry && !vs->quorum.met()) {
      service.destinations = {*vs->sorry};
      port_from_service.push_back(vs->sorry_port_from_service);
    } else {
      service.destinations.reserve(vs->real_servers.size() + 1);
      for (const auto& rs : vs->real_servers) {
        const std::optional<int> weight = table_weight(*vs, *rs, now);
        if (!weight) continue;
        director::Destination& dest = service.destinations.emplace_back(configured_destination(*vs, *rs));
        dest.weight = *weight;
        port_from_service.push_back(rs->port_from_service);
      }
      // sorry_server_inhibit: a sorry server that has served drains at weight
      // 0 (unless it is one of the real servers, which then decides).
      if (vs->sorry && vs->sorry_inhibit && vs->sorry_served &&
          std::none_of(vs->real_servers.begin(), vs->real_servers.end(),
                       [&](const auto& rs) { return rs->endpoint == vs->sorry->endpoint; })) {
        director::Destination& dest = service.destinations.emplace_back(*vs->sorry);
        dest.weight = 0;
        port_from_service.push_back(vs->sorry_port_from_service);
      }
    }
    // The other services of a group: the same destinations (one health, one quorum).
    for (const director::ServiceKey& key : vs->more_keys) {
      director::VirtualService& more = table.services.emplace_back(table.services[first]);
      more.service.key = key;
      for (std::size_t d = 0; d < more.destinations.size(); ++d)
        if (port_from_service[d]) more.destinations[d].endpoint.port = key.endpoint.port;
    }
  }
  return table;
}

std::vector<VirtualServerHealth> HealthView::status() const {
  std::vector<VirtualServerHealth> out;
  append_status(0, virtual_servers_.size(), out);
  return out;
}

void HealthView::append_status(std::size_t first, std::size_t count, std::vector<VirtualServerHealth>& out) const {
  const core::TimePoint now = time_now();
  const std::size_t end = std::min(virtual_servers_.size(), first + count);
  for (std::size_t i = first; i < end; ++i) {
    const VirtualServerSlot& vs = *virtual_servers_[i];
    VirtualServerHealth v{.virtual_server = vs.label(),
                          .services = {director::describe(vs.service.key)},
                          .quorum_met = vs.quorum.met(),
                          .sorry_server_active = vs.sorry.has_value() && !vs.quorum.met(),
                          .checks_suspended = vs.suspended};
    for (const auto& key : vs.more_keys) v.services.push_back(director::describe(key));
    for (const auto& rs_slot : vs.real_servers) {
      const RealServerSlot& rs = *rs_slot;
      v.real_servers.push_back(RealServerHealth{
          .real_server = rs.endpoint.to_string(),
          .state = rs.state,
          .state_since = rs.state_since,
          .weight = table_weight(vs, rs, now),
          .checks_passed = rs.activity ? rs.activity->checks_passed : 0,
          .checks_failed = rs.activity ? rs.activity->checks_failed : 0,
          .transitions = rs.activity ? rs.activity->transitions : 0,
          .last_check = last_check(rs),
      });
      auto& durations = v.real_servers.back().check_durations;
      for (const auto& c : rs.checks) durations[std::string{c.keyword()}] += c.durations;
    }
    out.push_back(std::move(v));
  }
}

void HealthView::arm_slow_start_timer() {
  if (!any_slow_start_) return;
  const core::TimePoint now = time_now();
  std::optional<core::Duration> soonest;
  for (const auto& vs : virtual_servers_) {
    for (const auto& rs : vs->real_servers) {
      if (rs->state != State::kUp || !rs->ramping) continue;
      const core::Duration since = now - rs->activity->up_since;
      auto next = healthcheck::next_slow_start_change(rs->weight(), rs->activity->slow_start, since);
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
