#include "control/status.hpp"

#include <algorithm>
#include <cstdio>

#include "control/text_table.hpp"

namespace lvsd::control {

// ---------------------------------------------------------------- histogram

const std::vector<double>& LatencyHistogram::bounds() {
  static const std::vector<double> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBounds;
}

void LatencyHistogram::observe(double seconds) {
  const auto& b = bounds();
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (seconds <= b[i]) ++buckets[i];
  }
  ++count;
  sum_s += seconds;
}

// ---------------------------------------------------------------- JSON

namespace {

using nlohmann::json;

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

template <typename T>
void read(const json& j, const char* key, T& out) {
  j.at(key).get_to(out);
}

template <typename T>
void read(const json& j, const char* key, std::optional<T>& out) {
  const json& v = j.at(key);
  if (v.is_null()) {
    out.reset();
  } else {
    out = v.get<T>();
  }
}

json traffic_json(const TrafficCounters& t) {
  return {{"connections", t.connections}, {"in_packets", t.in_packets}, {"out_packets", t.out_packets},
          {"in_bytes", t.in_bytes},       {"out_bytes", t.out_bytes}};
}

TrafficCounters traffic_from(const json& j) {
  TrafficCounters t;
  read(j, "connections", t.connections);
  read(j, "in_packets", t.in_packets);
  read(j, "out_packets", t.out_packets);
  read(j, "in_bytes", t.in_bytes);
  read(j, "out_bytes", t.out_bytes);
  return t;
}

json vrrp_json(const VrrpInstanceStatus& v) {
  return {{"name", v.name},
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
          {"adverts_dropped", v.adverts_dropped}};
}

VrrpInstanceStatus vrrp_from(const json& j) {
  VrrpInstanceStatus v;
  read(j, "name", v.name);
  read(j, "interface", v.interface);
  read(j, "virtual_router_id", v.virtual_router_id);
  read(j, "state", v.state);
  read(j, "priority", v.priority);
  read(j, "configured_priority", v.configured_priority);
  read(j, "master_address", v.master_address);
  read(j, "virtual_addresses", v.virtual_addresses);
  read(j, "last_transition_unix_ms", v.last_transition_unix_ms);
  read(j, "last_transition_reason", v.last_transition_reason);
  read(j, "transitions", v.transitions);
  read(j, "adverts_sent", v.adverts_sent);
  read(j, "adverts_received", v.adverts_received);
  read(j, "adverts_dropped", v.adverts_dropped);
  return v;
}

json real_server_json(const RealServerStatus& r) {
  return {{"address", r.address},
          {"forward", r.forward},
          {"configured_weight", r.configured_weight},
          {"current_weight", opt(r.current_weight)},
          {"active_connections", r.active_connections},
          {"inactive_connections", r.inactive_connections},
          {"health", r.health},
          {"health_since_unix_ms", r.health_since_unix_ms},
          {"last_check", r.last_check},
          {"last_check_latency_ms", opt(r.last_check_latency_ms)},
          {"last_check_unix_ms", r.last_check_unix_ms},
          {"drain", r.drain},
          {"drain_deadline_unix_ms", r.drain_deadline_unix_ms},
          {"check_results", r.check_results},
          {"traffic", traffic_json(r.traffic)}};
}

RealServerStatus real_server_from(const json& j) {
  RealServerStatus r;
  read(j, "address", r.address);
  read(j, "forward", r.forward);
  read(j, "configured_weight", r.configured_weight);
  read(j, "current_weight", r.current_weight);
  read(j, "active_connections", r.active_connections);
  read(j, "inactive_connections", r.inactive_connections);
  read(j, "health", r.health);
  read(j, "health_since_unix_ms", r.health_since_unix_ms);
  read(j, "last_check", r.last_check);
  read(j, "last_check_latency_ms", r.last_check_latency_ms);
  read(j, "last_check_unix_ms", r.last_check_unix_ms);
  read(j, "drain", r.drain);
  read(j, "drain_deadline_unix_ms", r.drain_deadline_unix_ms);
  read(j, "check_results", r.check_results);
  r.traffic = traffic_from(j.at("traffic"));
  return r;
}

json virtual_server_json(const VirtualServerStatus& v) {
  json reals = json::array();
  for (const auto& r : v.real_servers) reals.push_back(real_server_json(r));
  return {{"key", v.key},
          {"scheduler", v.scheduler},
          {"disabled", v.disabled},
          {"in_kernel", v.in_kernel},
          {"quorum_lost", v.quorum_lost},
          {"real_servers", std::move(reals)},
          {"traffic", traffic_json(v.traffic)}};
}

VirtualServerStatus virtual_server_from(const json& j) {
  VirtualServerStatus v;
  read(j, "key", v.key);
  read(j, "scheduler", v.scheduler);
  read(j, "disabled", v.disabled);
  read(j, "in_kernel", v.in_kernel);
  read(j, "quorum_lost", v.quorum_lost);
  for (const auto& r : j.at("real_servers")) v.real_servers.push_back(real_server_from(r));
  v.traffic = traffic_from(j.at("traffic"));
  return v;
}

}  // namespace

json to_json(const StatusSnapshot& s) {
  json vrrp = json::array();
  for (const auto& v : s.vrrp_instances) vrrp.push_back(vrrp_json(v));
  json vss = json::array();
  for (const auto& v : s.virtual_servers) vss.push_back(virtual_server_json(v));
  return {{"version", s.version},
          {"router_id", s.router_id},
          {"config_path", s.config_path},
          {"pid", s.pid},
          {"generated_unix_ms", s.generated_unix_ms},
          {"started_unix_ms", s.started_unix_ms},
          {"vrrp_instances", std::move(vrrp)},
          {"virtual_servers", std::move(vss)},
          {"counters",
           {{"reconciles", s.counters.reconciles},
            {"reconcile_operations", s.counters.reconcile_operations},
            {"reconcile_errors", s.counters.reconcile_errors},
            {"reloads_succeeded", s.counters.reloads_succeeded},
            {"reloads_failed", s.counters.reloads_failed},
            {"last_reload_unix_ms", s.counters.last_reload_unix_ms}}},
          {"check_latency",
           {{"bounds_s", LatencyHistogram::bounds()},
            {"buckets", s.check_latency.buckets},
            {"count", s.check_latency.count},
            {"sum_s", s.check_latency.sum_s}}}};
}

core::Result<StatusSnapshot> status_from_json(const json& j) {
  try {
    StatusSnapshot s;
    read(j, "version", s.version);
    read(j, "router_id", s.router_id);
    read(j, "config_path", s.config_path);
    read(j, "pid", s.pid);
    read(j, "generated_unix_ms", s.generated_unix_ms);
    read(j, "started_unix_ms", s.started_unix_ms);
    for (const auto& v : j.at("vrrp_instances")) s.vrrp_instances.push_back(vrrp_from(v));
    for (const auto& v : j.at("virtual_servers")) s.virtual_servers.push_back(virtual_server_from(v));
    const json& c = j.at("counters");
    read(c, "reconciles", s.counters.reconciles);
    read(c, "reconcile_operations", s.counters.reconcile_operations);
    read(c, "reconcile_errors", s.counters.reconcile_errors);
    read(c, "reloads_succeeded", s.counters.reloads_succeeded);
    read(c, "reloads_failed", s.counters.reloads_failed);
    read(c, "last_reload_unix_ms", s.counters.last_reload_unix_ms);
    const json& h = j.at("check_latency");
    read(h, "buckets", s.check_latency.buckets);
    read(h, "count", s.check_latency.count);
    read(h, "sum_s", s.check_latency.sum_s);
    if (s.check_latency.buckets.size() != LatencyHistogram::bounds().size()) {
      return core::Error{"status: check_latency.buckets has the wrong length"};
    }
    return s;
  } catch (const json::exception& e) {
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
    t.add_row({v.name, v.interface, std::to_string(v.virtual_router_id), v.state, prio, master,
               age_since(s, v.last_transition_unix_ms), v.last_transition_reason});
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
  return header(snapshot) + vrrp_section(snapshot) + virtual_server_section(snapshot);
}

}  // namespace lvsd::control
