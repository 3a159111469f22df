#include "control/metrics.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>

#include "core/log.hpp"
#include "core/net_address.hpp"

namespace lvsd::control {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
 public:
  // Starts a metric family: HELP and TYPE once.
  void family(const std::string& name, const char* type, const char* help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, const Labels& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ' + value + '\n';
  }
  void sample(const std::string& name, const Labels& labels, std::uint64_t value) {
    sample(name, labels, std::to_string(value));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// The shortest text that reads back as the same double ("0.0025", not "0.0025000000000000001").
std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{}) return "NaN";
  return std::string(buf, end);
}

Labels rs_labels(const VirtualServerStatus& vs, const RealServerStatus& rs) {
  return {{"virtual_server", vs.key}, {"real_server", rs.address}};
}

// Unix milliseconds -> the seconds Prometheus timestamps are in.
std::string seconds(std::int64_t unix_ms) { return number(static_cast<double>(unix_ms) / 1000.0); }

void vrrp_metrics(Exposition& e, const StatusSnapshot& s) {
  static const char* kStates[] = {"INIT", "BACKUP", "MASTER", "FAULT"};
  e.family("lvsd_vrrp_state", "gauge", "VRRP state of each instance: 1 for its current state, 0 for the others.");
  for (const auto& v : s.vrrp_instances) {
    for (const char* state : kStates) e.sample("lvsd_vrrp_state", {{"vrrp_instance", v.name}, {"state", state}}, v.state == state ? 1 : 0);
  }
  e.family("lvsd_vrrp_priority", "gauge", "Current VRRP priority of each instance.");
  for (const auto& v : s.vrrp_instances) e.sample("lvsd_vrrp_priority", {{"vrrp_instance", v.name}}, v.priority);
  e.family("lvsd_vrrp_transitions_total", "counter", "VRRP state transitions.");
  for (const auto& v : s.vrrp_instances) e.sample("lvsd_vrrp_transitions_total", {{"vrrp_instance", v.name}}, v.transitions);
  e.family("lvsd_vrrp_last_transition_timestamp_seconds", "gauge",
           "When the instance last changed state, in seconds since the Unix epoch (absent: never).");
  for (const auto& v : s.vrrp_instances) {
    if (v.last_transition_unix_ms > 0) {
      e.sample("lvsd_vrrp_last_transition_timestamp_seconds", {{"vrrp_instance", v.name}}, seconds(v.last_transition_unix_ms));
    }
  }
  e.family("lvsd_vrrp_adverts_sent_total", "counter", "VRRP advertisements sent.");
  for (const auto& v : s.vrrp_instances) e.sample("lvsd_vrrp_adverts_sent_total", {{"vrrp_instance", v.name}}, v.adverts_sent);
  e.family("lvsd_vrrp_adverts_received_total", "counter", "VRRP advertisements received and accepted.");
  for (const auto& v : s.vrrp_instances) {
    e.sample("lvsd_vrrp_adverts_received_total", {{"vrrp_instance", v.name}}, v.adverts_received);
  }
  e.family("lvsd_vrrp_adverts_dropped_total", "counter", "VRRP advertisements received and dropped, by reason.");
  for (const auto& v : s.vrrp_instances) {
    for (const auto& [reason, n] : v.adverts_dropped) {
      e.sample("lvsd_vrrp_adverts_dropped_total", {{"vrrp_instance", v.name}, {"reason", reason}}, n);
    }
  }
}

void health_metrics(Exposition& e, const StatusSnapshot& s) {
  e.family("lvsd_health_checks_total", "counter", "Health-check probe results, by outcome.");
  for (const auto& vs : s.virtual_servers) {
    for (const auto& rs : vs.real_servers) {
      for (const auto& [result, n] : rs.check_results) {
        Labels l = rs_labels(vs, rs);
        l.emplace_back("result", result);
        e.sample("lvsd_health_checks_total", l, n);
      }
    }
  }
  e.family("lvsd_health_check_duration_seconds", "histogram",
           "Health-check probe duration, from the probe's start to its result, per real server and check.");
  const auto& bounds = LatencyHistogram::kBounds;
  for (const auto& vs : s.virtual_servers) {
    for (const auto& rs : vs.real_servers) {
      for (const auto& [check, h] : rs.check_durations) {
        Labels l = rs_labels(vs, rs);
        l.emplace_back("check", check);
        l.emplace_back("le", "");
        for (std::size_t i = 0; i < bounds.size(); ++i) {
          l.back().second = number(bounds[i]);
          e.sample("lvsd_health_check_duration_seconds_bucket", l, h.cumulative(i));
        }
        l.back().second = "+Inf";
        e.sample("lvsd_health_check_duration_seconds_bucket", l, h.count());
        l.pop_back();
        e.sample("lvsd_health_check_duration_seconds_sum", l, number(h.sum_s));
        e.sample("lvsd_health_check_duration_seconds_count", l, h.count());
      }
    }
  }

  static const char* kHealth[] = {"up", "down", "unknown"};
  std::map<std::string, std::uint64_t> by_state{{"up", 0}, {"down", 0}, {"unknown", 0}};
  e.family("lvsd_real_server_up", "gauge", "1 when the real server's health checks pass (or it has none), else 0.");
  for (const auto& vs : s.virtual_servers) {
    for (const auto& rs : vs.real_servers) {
      e.sample("lvsd_real_server_up", rs_labels(vs, rs), rs.health == "up" ? 1 : 0);
      ++by_state[rs.health.empty() ? "unknown" : rs.health];
    }
  }
  e.family("lvsd_real_server_health", "gauge",
           "Health state of each real server: 1 for its current state (up, down, unknown), 0 for the others.");
  for (const auto& vs : s.virtual_servers) {
    for (const auto& rs : vs.real_servers) {
      const std::string& health = rs.health.empty() ? std::string("unknown") : rs.health;
      Labels l = rs_labels(vs, rs);
      l.emplace_back("state", "");
      for (const char* state : kHealth) {
        l.back().second = state;
        e.sample("lvsd_real_server_health", l, health == state ? 1 : 0);
      }
    }
  }
  e.family("lvsd_real_servers", "gauge", "Real servers by health state.");
  for (const auto& [state, n] : by_state) e.sample("lvsd_real_servers", {{"state", state}}, n);
}

// Kernel figures exist only for what the kernel holds: a service or
// destination not in its table has no sample (not a 0 that would read as a
// counter reset when it comes back with fresh counters).
void ipvs_metrics(Exposition& e, const StatusSnapshot& s) {
  e.family("lvsd_real_server_weight", "gauge", "Weight of the destination in the kernel's IPVS table (absent: not in it).");
  for (const auto& vs : s.virtual_servers) {
    for (const auto& rs : vs.real_servers) {
      if (rs.current_weight) e.sample("lvsd_real_server_weight", rs_labels(vs, rs), std::to_string(*rs.current_weight));
    }
  }
  e.family("lvsd_real_server_active_connections", "gauge", "Active connections to the destination (IPVS).");
  for (const auto& vs : s.virtual_servers) {
    for (const auto& rs : vs.real_servers) {
      if (rs.current_weight) e.sample("lvsd_real_server_active_connections", rs_labels(vs, rs), rs.active_connections);
    }
  }
  e.family("lvsd_real_server_inactive_connections", "gauge", "Inactive connections to the destination (IPVS).");
  for (const auto& vs : s.virtual_servers) {
    for (const auto& rs : vs.real_servers) {
      if (rs.current_weight) {
        e.sample("lvsd_real_server_inactive_connections", rs_labels(vs, rs), rs.inactive_connections);
      }
    }
  }
  struct Counter {
    const char* what;  // the name's end: lvsd_ipvs_{virtual,real}_server_<what>_total
    const char* help;
    std::uint64_t TrafficCounters::*field;
  };
  static const Counter kCounters[] = {
      {"connections", "Connections scheduled by IPVS", &TrafficCounters::connections},
      {"in_packets", "Packets in (client to server) through IPVS", &TrafficCounters::in_packets},
      {"out_packets", "Packets out (server to client) through IPVS", &TrafficCounters::out_packets},
      {"in_bytes", "Bytes in (client to server) through IPVS", &TrafficCounters::in_bytes},
      {"out_bytes", "Bytes out (server to client) through IPVS", &TrafficCounters::out_bytes},
  };
  for (const auto& c : kCounters) {
    const std::string name = std::string("lvsd_ipvs_virtual_server_") + c.what + "_total";
    e.family(name, "counter", (std::string(c.help) + ", per virtual server (service).").c_str());
    for (const auto& vs : s.virtual_servers) {
      if (vs.in_kernel) e.sample(name, {{"virtual_server", vs.key}}, vs.traffic.*c.field);
    }
  }
  for (const auto& c : kCounters) {
    const std::string name = std::string("lvsd_ipvs_real_server_") + c.what + "_total";
    e.family(name, "counter", (std::string(c.help) + ", per real server (destination).").c_str());
    for (const auto& vs : s.virtual_servers) {
      for (const auto& rs : vs.real_servers) {
        if (rs.current_weight) e.sample(name, rs_labels(vs, rs), rs.traffic.*c.field);
      }
    }
  }
}

void daemon_metrics(Exposition& e, const StatusSnapshot& s) {
  const auto& c = s.counters;
  e.family("lvsd_reconciles_total", "counter", "Reconciles of the kernel's IPVS table with the desired one.");
  e.sample("lvsd_reconciles_total", {}, c.reconciles);
  e.family("lvsd_reconcile_operations_total", "counter", "IPVS changes applied by reconciles.");
  e.sample("lvsd_reconcile_operations_total", {}, c.reconcile_operations);
  e.family("lvsd_reconcile_errors_total", "counter", "IPVS changes the kernel refused, and failed table dumps.");
  e.sample("lvsd_reconcile_errors_total", {}, c.reconcile_errors);
  e.family("lvsd_config_reloads_total", "counter", "Configuration reloads, by result (a failure keeps the running configuration).");
  e.sample("lvsd_config_reloads_total", {{"result", "success"}}, c.reloads_succeeded);
  e.sample("lvsd_config_reloads_total", {{"result", "failure"}}, c.reloads_failed);
  e.family("lvsd_config_last_reload_successful", "gauge",
           "0 when the last reload was refused (lvsd runs an older configuration than the file), else 1.");
  e.sample("lvsd_config_last_reload_successful", {},
           c.last_failed_reload_unix_ms == 0 || c.last_reload_unix_ms >= c.last_failed_reload_unix_ms ? 1 : 0);
  e.family("lvsd_config_last_reload_success_timestamp_seconds", "gauge",
           "When a reload was last applied, in seconds since the Unix epoch (0: never).");
  e.sample("lvsd_config_last_reload_success_timestamp_seconds", {}, seconds(c.last_reload_unix_ms));
  e.family("lvsd_config_last_reload_failure_timestamp_seconds", "gauge",
           "When a reload was last refused, in seconds since the Unix epoch (0: never).");
  e.sample("lvsd_config_last_reload_failure_timestamp_seconds", {}, seconds(c.last_failed_reload_unix_ms));
  e.family("lvsd_start_time_seconds", "gauge", "When lvsd started, in seconds since the Unix epoch.");
  e.sample("lvsd_start_time_seconds", {}, seconds(s.started_unix_ms));
  e.family("lvsd_build_info", "gauge", "Always 1; the version of the running lvsd in a label.");
  e.sample("lvsd_build_info", {{"version", s.version}}, 1);
}

// "ADDR:PORT" / "[V6]:PORT" (a core::Endpoint) -> a socket address.
core::Result<sockaddr_storage> parse_listen(const std::string& text, socklen_t& len) {
  auto endpoint = core::Endpoint::parse(text);
  if (!endpoint.ok()) return core::Error{"metrics listen: " + endpoint.error().message};
  const auto bytes = endpoint->address.bytes();
  sockaddr_storage ss{};
  if (endpoint->address.is_ipv4()) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(endpoint->port);
    std::memcpy(&v4->sin_addr, bytes.data(), bytes.size());
    len = sizeof(sockaddr_in);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(endpoint->port);
    std::memcpy(&v6->sin6_addr, bytes.data(), bytes.size());
    len = sizeof(sockaddr_in6);
  }
  return ss;
}

// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104: only local processes can connect.
bool is_loopback(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr.s_addr) >> 24) == 127;
  }
  const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr;
  return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
}

std::string http(const char* status, const std::string& content_type, const std::string& body, bool head) {
  std::string r = std::string("HTTP/1.0 ") + status + "\r\nContent-Type: " + content_type +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (!head) r += body;
  return r;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void scale_out_metrics(Exposition& e, const StatusSnapshot& s) {
  if (!s.scale_out) return;
  const ScaleOutStatus& so = *s.scale_out;
  e.family("lvsd_node_drained", "gauge", "1 while this node is drained (lvsctl drain-node): it announces nothing.");
  e.sample("lvsd_node_drained", {}, so.node_drained ? 1 : 0);
  e.family("lvsd_announced", "gauge", "1 while this node announces the VIP to the routing daemon, else 0.");
  for (const auto& a : so.announcements) e.sample("lvsd_announced", {{"vip", a.vip}}, a.announced ? 1 : 0);
  e.family("lvsd_announcement_transitions_total", "counter",
           "Announcements and withdrawals of the VIP since lvsd started.");
  for (const auto& a : so.announcements) e.sample("lvsd_announcement_transitions_total", {{"vip", a.vip}}, a.transitions);
  e.family("lvsd_announcement_last_change_timestamp_seconds", "gauge",
           "When the VIP was last announced or withdrawn, in seconds since the Unix epoch.");
  for (const auto& a : so.announcements)
    e.sample("lvsd_announcement_last_change_timestamp_seconds", {{"vip", a.vip}}, seconds(a.since_unix_ms));
}

std::string render_metrics(const StatusSnapshot& snapshot) {
  Exposition e;
  vrrp_metrics(e, snapshot);
  scale_out_metrics(e, snapshot);
  health_metrics(e, snapshot);
  ipvs_metrics(e, snapshot);
  daemon_metrics(e, snapshot);
  return e.take();
}

MetricsRequest parse_metrics_request(std::string_view head) {
  const auto line_end = head.find_first_of("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || line.substr(sp2 + 1).rfind("HTTP/", 0) != 0) {
    return {.refusal = http("400 Bad Request", "text/plain", "bad request\n", false)};
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (method != "GET" && method != "HEAD") {
    return {.refusal = http("405 Method Not Allowed", "text/plain", "GET only\n", false)};
  }
  if (target != "/metrics") {
    return {.refusal = http("404 Not Found", "text/plain", "not found: try /metrics\n", method == "HEAD")};
  }
  return {.refusal = std::nullopt, .head_only = method == "HEAD"};
}

std::string metrics_response(const std::string& body, bool head_only) {
  return http("200 OK", "text/plain; version=0.0.4; charset=utf-8", body, head_only);
}

core::Result<std::unique_ptr<MetricsServer>> MetricsServer::open(core::EventLoop& loop, MetricsServerOptions options,
                                                                 Render render) {
  socklen_t len = 0;
  auto addr = parse_listen(options.listen, len);
  if (!addr.ok()) return addr.error();
  core::UniqueFd fd(::socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return core::errno_error("metrics socket", errno);
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (addr->ss_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), len) != 0 || ::listen(fd.get(), 16) != 0) {
    const int err = errno;
    return core::errno_error("metrics: listen on " + options.listen, err);
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len);
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                                   : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  server->render_ = std::move(render);
  MetricsServer* self = server.get();
  const std::size_t max_head = options.stream.max_input_bytes;
  server->stream_ = std::make_unique<StreamServer>(
      loop, std::move(fd), options.stream,
      [self, max_head](std::string& input, std::string& output, bool eof) {
        auto end = input.find("\r\n\r\n");
        if (end == std::string::npos) end = input.find("\n\n");
        if (end == std::string::npos) {
          if (input.size() > max_head) {
            output = http("431 Request Header Fields Too Large", "text/plain", "request too large\n", false);
            input.clear();
            return SessionNext::kClose;
          }
          if (!eof) return SessionNext::kContinue;
          if (input.empty()) return SessionNext::kClose;
        }
        const MetricsRequest request = parse_metrics_request(input);
        input.clear();
        if (request.refusal) {
          output = *request.refusal;
          return SessionNext::kClose;
        }
        ++self->scrapes_;
        const std::uint64_t client = self->stream_->current_client();
        self->render_(Reply{.head_only = request.head_only,
                            .send = [self, client, alive = std::weak_ptr<bool>(self->alive_)](std::string response) {
                              if (alive.expired()) return;
                              self->stream_->complete(client, std::move(response), SessionNext::kClose);
                            }});
        // A render that answered at once has already filled the reply.
        return SessionNext::kWait;
      },
      "metrics");
  core::log::get()->info("metrics: serving http://{}/metrics", options.listen);
  if (!is_loopback(*addr)) {
    // The endpoint has no authentication and a handful of slots: anyone who
    // can reach it can read the topology and take slots.
    core::log::get()->warn("metrics: {} is not a loopback address: the unauthenticated endpoint is reachable from "
                           "the network; firewall it or listen on 127.0.0.1",
                           options.listen);
  }
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace lvsd::control
