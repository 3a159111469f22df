#include "control/status.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "control/text_table.hpp"

namespace lvsd::control {

// ---------------------------------------------------------------- histogram

void LatencyHistogram::observe(double seconds) {
  const auto above = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);  // first bound >= seconds
  ++counts[static_cast<std::size_t>(above - kBounds.begin())];
  sum_s += seconds;
}

std::uint64_t LatencyHistogram::count() const {
  std::uint64_t n = 0;
  for (const auto c : counts) n += c;
  return n;
}

std::uint64_t LatencyHistogram::cumulative(std::size_t i) const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k <= i && k < counts.size(); ++k) n += counts[k];
  return n;
}

LatencyHistogram& LatencyHistogram::operator+=(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  sum_s += other.sum_s;
  return *this;
}

// ---------------------------------------------------------------- JSON
//
// Each struct's fields are named once, in the NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE
// lists below; that gives both directions. Reading goes through json::at():
// a missing field throws (an error, naming the key); unknown fields are never
// looked at (an older lvsctl reads a newer lvsd). The functions must be in
// this namespace, where argument-dependent lookup finds them.

}  // namespace lvsd::control

// nlohmann-json 3.11.2 has no std::optional support: unset is null.
template <typename T>
struct nlohmann::adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) { j = v ? json(*v) : json(nullptr); }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v.reset();
    } else {
      v = j.get<T>();
    }
  }
};

namespace lvsd::control {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrafficCounters, connections, in_packets, out_packets, in_bytes, out_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrackedObjectStatus, kind, name, state, fault, priority_change)
// routes_held, rules_held and tracked came later: a status without them (an older
// lvsd still running after an upgrade of lvsctl) reads as holding none.
// Every other field is required.
void to_json(nlohmann::json& j, const VrrpInstanceStatus& v) {
  j = {{"name", v.name},
       {"interface", v.interface},
       {"virtual_router_id", v.virtual_router_id},
       {"state", v.state},
       {"priority", v.priority},
       {"configured_priority", v.configured_priority},
       {"master_address", v.master_address},
       {"virtual_addresses", v.virtual_addresses},
       {"last_transition_unix_ms", v.last_transition_unix_ms},
       {"last_transition_reason", v.last_transition_reason},
       {"transitions", v.transitions},
       {"adverts_sent", v.adverts_sent},
       {"adverts_received", v.adverts_received},
       {"adverts_dropped", v.adverts_dropped},
       {"tracked_down", v.tracked_down},
       {"tracked", v.tracked},
       {"routes_held", v.routes_held},
       {"rules_held", v.rules_held}};
}
void from_json(const nlohmann::json& j, VrrpInstanceStatus& v) {
  j.at("name").get_to(v.name);
  j.at("interface").get_to(v.interface);
  j.at("virtual_router_id").get_to(v.virtual_router_id);
  j.at("state").get_to(v.state);
  j.at("priority").get_to(v.priority);
  j.at("configured_priority").get_to(v.configured_priority);
  j.at("master_address").get_to(v.master_address);
  j.at("virtual_addresses").get_to(v.virtual_addresses);
  j.at("last_transition_unix_ms").get_to(v.last_transition_unix_ms);
  j.at("last_transition_reason").get_to(v.last_transition_reason);
  j.at("transitions").get_to(v.transitions);
  j.at("adverts_sent").get_to(v.adverts_sent);
  j.at("adverts_received").get_to(v.adverts_received);
  j.at("adverts_dropped").get_to(v.adverts_dropped);
  j.at("tracked_down").get_to(v.tracked_down);
  if (j.contains("tracked")) j.at("tracked").get_to(v.tracked);
  if (j.contains("routes_held")) j.at("routes_held").get_to(v.routes_held);
  if (j.contains("rules_held")) j.at("rules_held").get_to(v.rules_held);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VrrpScriptStatus, name, result, last_run, runs, failed_runs)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RealServerStatus, address, forward, configured_weight, current_weight,
                                   active_connections, inactive_connections, health, health_since_unix_ms, last_check,
                                   last_check_latency_ms, last_check_unix_ms, drain, drain_deadline_unix_ms,
                                   check_results, traffic)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VirtualServerStatus, key, scheduler, disabled, in_kernel, quorum_lost,
                                   real_servers, traffic)
// last_failed_reload_unix_ms came later: a status from an lvsd without it
// (still running after an upgrade of lvsctl) reads as "none".
void to_json(nlohmann::json& j, const DaemonCounters& c) {
  j = {{"reconciles", c.reconciles},
       {"reconcile_operations", c.reconcile_operations},
       {"reconcile_errors", c.reconcile_errors},
       {"reloads_succeeded", c.reloads_succeeded},
       {"reloads_failed", c.reloads_failed},
       {"last_reload_unix_ms", c.last_reload_unix_ms},
       {"last_failed_reload_unix_ms", c.last_failed_reload_unix_ms}};
}

void from_json(const nlohmann::json& j, DaemonCounters& c) {
  j.at("reconciles").get_to(c.reconciles);
  j.at("reconcile_operations").get_to(c.reconcile_operations);
  j.at("reconcile_errors").get_to(c.reconcile_errors);
  j.at("reloads_succeeded").get_to(c.reloads_succeeded);
  j.at("reloads_failed").get_to(c.reloads_failed);
  j.at("last_reload_unix_ms").get_to(c.last_reload_unix_ms);
  c.last_failed_reload_unix_ms = j.value("last_failed_reload_unix_ms", std::int64_t{0});
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(AnnouncementStatus, vip, announced, reason, since_unix_ms, transitions, services)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ScaleOutStatus, table, node_drained, node_drained_since_unix_ms, announcements)

// scale_out came later and is present only on a node that announces: its
// absence reads as "none"; every other field is required.
void to_json(nlohmann::json& j, const StatusSnapshot& s) {
  j = {{"version", s.version},
       {"router_id", s.router_id},
       {"config_path", s.config_path},
       {"pid", s.pid},
       {"generated_unix_ms", s.generated_unix_ms},
       {"started_unix_ms", s.started_unix_ms},
       {"vrrp_instances", s.vrrp_instances},
       {"vrrp_scripts", s.vrrp_scripts},
       {"virtual_servers", s.virtual_servers},
       {"counters", s.counters}};
  if (s.scale_out) j["scale_out"] = *s.scale_out;
}

void from_json(const nlohmann::json& j, StatusSnapshot& s) {
  j.at("version").get_to(s.version);
  j.at("router_id").get_to(s.router_id);
  j.at("config_path").get_to(s.config_path);
  j.at("pid").get_to(s.pid);
  j.at("generated_unix_ms").get_to(s.generated_unix_ms);
  j.at("started_unix_ms").get_to(s.started_unix_ms);
  j.at("vrrp_instances").get_to(s.vrrp_instances);
  j.at("vrrp_scripts").get_to(s.vrrp_scripts);
  j.at("virtual_servers").get_to(s.virtual_servers);
  j.at("counters").get_to(s.counters);
  if (auto it = j.find("scale_out"); it != j.end() && !it->is_null()) s.scale_out = it->get<ScaleOutStatus>();
}

nlohmann::json to_json(const StatusSnapshot& snapshot) { return snapshot; }

core::Result<StatusSnapshot> status_from_json(const nlohmann::json& json) {
  try {
    return json.get<StatusSnapshot>();
  } catch (const nlohmann::json::exception& e) {
    return core::Error{std::string("status: ") + e.what()};
  } catch (const std::invalid_argument& e) {
    return core::Error{std::string("status: ") + e.what()};
  }
}

// ---------------------------------------------------------------- text

std::string format_age(std::int64_t ms) {
  if (ms < 0) ms = 0;
  const std::int64_t s = ms / 1000;
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return buf;
}

namespace {

std::string latency(double ms) {
  char buf[32];
  if (ms < 10) {
    std::snprintf(buf, sizeof buf, "%.1fms", ms);
  } else if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%.0fms", ms);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fs", ms / 1000);
  }
  return buf;
}

std::string age_since(const StatusSnapshot& s, std::int64_t when_ms) {
  if (when_ms <= 0) return "-";
  return format_age(s.generated_unix_ms - when_ms);
}

std::string header(const StatusSnapshot& s) {
  std::string out = "lvsd " + s.version;
  if (!s.router_id.empty()) out += "  router " + s.router_id;
  out += "  pid " + std::to_string(s.pid);
  if (s.started_unix_ms > 0) out += "  up " + age_since(s, s.started_unix_ms);
  if (!s.config_path.empty()) out += "  config " + s.config_path;
  out += "\n";
  const auto& c = s.counters;
  out += "reloads: " + std::to_string(c.reloads_succeeded) + " applied, " + std::to_string(c.reloads_failed) +
         " refused";
  if (c.last_reload_unix_ms > 0) out += " (last " + age_since(s, c.last_reload_unix_ms) + " ago)";
  out += "   IPVS: " + std::to_string(c.reconciles) + " reconciles, " + std::to_string(c.reconcile_operations) +
         " changes, " + std::to_string(c.reconcile_errors) + " errors\n";
  return out;
}

std::string vrrp_section(const StatusSnapshot& s) {
  std::string out = "\nVRRP\n";
  if (s.vrrp_instances.empty()) return out + "  (no instances configured)\n";
  using A = TextTable::Align;
  TextTable t({A::kLeft, A::kLeft, A::kRight, A::kLeft, A::kRight, A::kLeft, A::kRight, A::kLeft}, "  ");
  t.add_row({"INSTANCE", "IF", "VRID", "STATE", "PRIO", "MASTER", "SINCE", "LAST TRANSITION"});
  for (const auto& v : s.vrrp_instances) {
    std::string prio = std::to_string(v.priority);
    if (v.priority != v.configured_priority) prio += "/" + std::to_string(v.configured_priority);
    std::string master = v.state == "MASTER" ? "this node" : (v.master_address.empty() ? "-" : v.master_address);
    std::string reason = v.last_transition_reason;
    if (!v.tracked_down.empty()) {
      std::string down;
      for (const auto& d : v.tracked_down) down += (down.empty() ? "" : ", ") + d;
      reason = (v.state == "INIT" ? "waiting for " : "down: ") + down;
    }
    t.add_row({v.name, v.interface, std::to_string(v.virtual_router_id), v.state, prio, master,
               age_since(s, v.last_transition_unix_ms), reason});
  }
  out += t.render();
  for (const auto& v : s.vrrp_instances) {
    for (const auto& r : v.routes_held) out += "  " + v.name + " holds route " + r + "\n";
    for (const auto& r : v.rules_held) out += "  " + v.name + " holds rule " + r + "\n";
  }
  TextTable tracked({A::kLeft, A::kLeft, A::kLeft, A::kLeft, A::kRight}, "  ");
  tracked.add_row({"INSTANCE", "TRACKS", "NAME", "STATE", "PRIORITY"});
  bool any_tracked = false;
  for (const auto& v : s.vrrp_instances)
    for (const auto& obj : v.tracked) {
      any_tracked = true;
      std::string effect = obj.fault ? "FAULT" : std::to_string(obj.priority_change);
      if (!obj.fault && obj.priority_change > 0) effect = "+" + effect;
      tracked.add_row({v.name, obj.kind, obj.name, obj.state, effect});
    }
  if (any_tracked) out += "\n" + tracked.render();
  if (s.vrrp_scripts.empty()) return out;
  TextTable scripts({A::kLeft, A::kLeft, A::kRight, A::kRight, A::kLeft}, "  ");
  scripts.add_row({"SCRIPT", "RESULT", "RUNS", "FAILED", "LAST RUN"});
  for (const auto& v : s.vrrp_scripts)
    scripts.add_row({v.name, v.result, std::to_string(v.runs), std::to_string(v.failed_runs),
                     v.last_run.empty() ? "-" : v.last_run});
  return out + "\n" + scripts.render();
}

std::string scale_out_section(const StatusSnapshot& s) {
  if (!s.scale_out) return {};
  const ScaleOutStatus& so = *s.scale_out;
  std::string out = "\nANNOUNCEMENTS (routing table " + std::to_string(so.table) + ")  node: ";
  if (so.node_drained) {
    out += "DRAINED " + age_since(s, so.node_drained_since_unix_ms) + " ago (lvsctl undrain-node)\n";
  } else {
    out += "in service\n";
  }
  using A = TextTable::Align;
  TextTable t({A::kLeft, A::kLeft, A::kRight, A::kLeft, A::kLeft}, "  ");
  t.add_row({"VIP", "STATE", "SINCE", "WHY", "VIRTUAL SERVERS"});
  for (const auto& a : so.announcements) {
    std::string services;
    for (const auto& v : a.services) services += (services.empty() ? "" : ", ") + v;
    t.add_row({a.vip, a.announced ? "announced" : "withdrawn", age_since(s, a.since_unix_ms), a.reason, services});
  }
  return out + t.render();
}

std::string health_cell(const RealServerStatus& r, const StatusSnapshot& s) {
  std::string cell = r.health.empty() ? "?" : r.health;
  if (r.drain == "draining") {
    cell += ", draining";
    if (r.drain_deadline_unix_ms > 0) cell = r.health + ", drain " + format_age(r.drain_deadline_unix_ms - s.generated_unix_ms);
  } else if (!r.drain.empty()) {
    cell += ", " + r.drain;
  }
  return cell;
}

std::string last_check_cell(const RealServerStatus& r, const StatusSnapshot& s) {
  if (r.last_check.empty()) return "-";
  std::string cell = r.last_check;
  if (r.last_check_latency_ms) cell += " " + latency(*r.last_check_latency_ms);
  if (r.last_check_unix_ms > 0) cell += " " + age_since(s, r.last_check_unix_ms) + " ago";
  return cell;
}

std::string virtual_server_section(const StatusSnapshot& s) {
  std::string out = "\nVIRTUAL SERVERS\n";
  if (s.virtual_servers.empty()) return out + "  (none configured)\n";
  using A = TextTable::Align;
  for (const auto& v : s.virtual_servers) {
    std::string line = "  " + v.key + "  " + v.scheduler;
    if (!v.real_servers.empty()) line += "  " + v.real_servers.front().forward;
    if (v.disabled) line += "  DISABLED (lvsctl enable)";
    if (v.quorum_lost) line += "  QUORUM LOST";
    if (!v.disabled && !v.in_kernel) line += "  not in the kernel";
    out += line + "\n";
    if (v.real_servers.empty()) {
      out += "    (no real servers)\n";
      continue;
    }
    TextTable t({A::kLeft, A::kRight, A::kRight, A::kRight, A::kLeft, A::kRight, A::kLeft}, "    ");
    t.add_row({"REAL SERVER", "WEIGHT", "ACTIVE", "INACT", "HEALTH", "SINCE", "LAST CHECK"});
    for (const auto& r : v.real_servers) {
      const std::string weight = (r.current_weight ? std::to_string(*r.current_weight) : std::string("-")) + "/" +
                                 std::to_string(r.configured_weight);
      t.add_row({r.address, weight, std::to_string(r.active_connections),
                 std::to_string(r.inactive_connections), health_cell(r, s), age_since(s, r.health_since_unix_ms),
                 last_check_cell(r, s)});
    }
    out += t.render();
  }
  out += "\nWEIGHT: kernel/configured ('-': not in the kernel). SINCE: in this health state.\n"
         "drain T: weight 0 until its connections end, removed after T at most.\n";
  return out;
}

}  // namespace

std::string format_status(const StatusSnapshot& snapshot) {
  return header(snapshot) + vrrp_section(snapshot) + scale_out_section(snapshot) + virtual_server_section(snapshot);
}

}  // namespace lvsd::control
