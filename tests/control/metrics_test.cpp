#include "control/metrics.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

namespace lvsd::control {
namespace {

StatusSnapshot sample() {
  StatusSnapshot s{.version = "0.1.0", .pid = 1, .generated_unix_ms = 2'000'000, .started_unix_ms = 1'500'000};
  s.vrrp_instances.push_back(VrrpInstanceStatus{.name = "VI_1", .state = "MASTER", .priority = 150,
                                                .transitions = 3, .adverts_sent = 100, .adverts_received = 2,
                                                .adverts_dropped = {{"bad_checksum", 4}, {"wrong_vrid", 1}}});
  VirtualServerStatus vs{.key = "TCP 10.0.0.1:80", .traffic = {.connections = 50, .in_packets = 500, .out_packets = 0,
                                                                .in_bytes = 60000, .out_bytes = 0}};
  vs.real_servers.push_back(RealServerStatus{.address = "10.0.0.2:80", .current_weight = 3, .active_connections = 7,
                                             .inactive_connections = 2, .health = "up",
                                             .check_results = {{"success", 10}, {"failure", 2}},
                                             .traffic = {.connections = 30}});
  vs.real_servers.push_back(RealServerStatus{.address = "10.0.0.3:80", .health = "down"});
  s.virtual_servers.push_back(vs);
  s.counters = {.reconciles = 9, .reconcile_operations = 4, .reconcile_errors = 1, .reloads_succeeded = 2,
                .reloads_failed = 1};
  s.check_latency.observe(0.002);
  s.check_latency.observe(0.2);
  return s;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, ExposesEveryFamilyWithValues) {
  const std::string m = render_metrics(sample());
  for (const char* line : {
           R"(lvsd_vrrp_state{instance="VI_1",state="MASTER"} 1)",
           R"(lvsd_vrrp_state{instance="VI_1",state="BACKUP"} 0)",
           R"(lvsd_vrrp_priority{instance="VI_1"} 150)",
           R"(lvsd_vrrp_transitions_total{instance="VI_1"} 3)",
           R"(lvsd_vrrp_adverts_sent_total{instance="VI_1"} 100)",
           R"(lvsd_vrrp_adverts_received_total{instance="VI_1"} 2)",
           R"(lvsd_vrrp_adverts_dropped_total{instance="VI_1",reason="bad_checksum"} 4)",
           R"(lvsd_health_checks_total{virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.2:80",result="failure"} 2)",
           R"(lvsd_health_check_latency_seconds_bucket{le="0.0025"} 1)",
           R"(lvsd_health_check_latency_seconds_bucket{le="0.25"} 2)",
           R"(lvsd_health_check_latency_seconds_bucket{le="+Inf"} 2)",
           R"(lvsd_health_check_latency_seconds_count 2)",
           R"(lvsd_real_server_up{virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.2:80"} 1)",
           R"(lvsd_real_server_up{virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.3:80"} 0)",
           R"(lvsd_real_servers{state="down"} 1)",
           R"(lvsd_real_servers{state="up"} 1)",
           R"(lvsd_real_server_weight{virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.2:80"} 3)",
           R"(lvsd_real_server_active_connections{virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.2:80"} 7)",
           R"(lvsd_ipvs_connections_total{virtual_server="TCP 10.0.0.1:80"} 50)",
           R"(lvsd_ipvs_connections_total{virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.2:80"} 30)",
           R"(lvsd_ipvs_in_bytes_total{virtual_server="TCP 10.0.0.1:80"} 60000)",
           R"(lvsd_reconciles_total 9)",
           R"(lvsd_reconcile_operations_total 4)",
           R"(lvsd_reconcile_errors_total 1)",
           R"(lvsd_config_reloads_total{result="success"} 2)",
           R"(lvsd_config_reloads_total{result="failure"} 1)",
           R"(lvsd_start_time_seconds 1500)",
       }) {
    EXPECT_TRUE(has_line(m, line)) << line;
  }
  // A destination not in the kernel has no weight sample.
  EXPECT_EQ(m.find(R"(lvsd_real_server_weight{virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.3:80"})"),
            std::string::npos);
}

TEST(Metrics, EveryFamilyHasOneHelpAndTypeBeforeItsSamples) {
  const std::string m = render_metrics(sample());
  std::istringstream in(m);
  std::string line;
  std::set<std::string> typed;
  std::string current;
  const std::regex sample_re(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$)");
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      EXPECT_TRUE(typed.insert(name).second) << "TYPE twice: " << name;
      EXPECT_TRUE(type == "gauge" || type == "counter" || type == "histogram") << line;
      current = name;
      continue;
    }
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, sample_re)) << line;
    const std::string name = match[1];
    EXPECT_EQ(name.rfind(current, 0), 0u) << name << " outside its family " << current;
  }
  EXPECT_GT(typed.size(), 20u);
}

TEST(Metrics, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)" "\n" "d"), R"(a\\b\"c\nd)");
  StatusSnapshot s;
  s.vrrp_instances.push_back(VrrpInstanceStatus{.name = "we\"ird\\name\n", .state = "BACKUP"});
  const std::string m = render_metrics(s);
  EXPECT_TRUE(has_line(m, R"(lvsd_vrrp_priority{instance="we\"ird\\name\n"} 0)")) << m;
}

// The whole response to a request head, as the metrics server makes it.
std::string http_response_for(std::string_view head, const std::function<std::string()>& body) {
  const MetricsRequest request = parse_metrics_request(head);
  if (request.refusal) return *request.refusal;
  return metrics_response(body(), request.head_only);
}

TEST(MetricsHttp, RoutesAndMethods) {
  auto body = [] { return std::string("x 1\n"); };
  const std::string ok = http_response_for("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", body);
  EXPECT_EQ(ok.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(ok.find("Content-Length: 4\r\n"), std::string::npos);
  EXPECT_EQ(ok.substr(ok.size() - 4), "x 1\n");
  EXPECT_EQ(http_response_for("GET /metrics?x=1 HTTP/1.0\r\n\r\n", body).rfind("HTTP/1.0 200", 0), 0u);
  const std::string head = http_response_for("HEAD /metrics HTTP/1.0\r\n\r\n", body);
  EXPECT_EQ(head.rfind("HTTP/1.0 200", 0), 0u);
  EXPECT_EQ(head.find("x 1"), std::string::npos);
  EXPECT_EQ(http_response_for("GET / HTTP/1.0\r\n\r\n", body).rfind("HTTP/1.0 404", 0), 0u);
  EXPECT_EQ(http_response_for("GET /metricsx HTTP/1.0\r\n\r\n", body).rfind("HTTP/1.0 404", 0), 0u);
  EXPECT_EQ(http_response_for("POST /metrics HTTP/1.0\r\n\r\n", body).rfind("HTTP/1.0 405", 0), 0u);
  EXPECT_EQ(http_response_for("garbage\r\n\r\n", body).rfind("HTTP/1.0 400", 0), 0u);
  EXPECT_EQ(http_response_for("", body).rfind("HTTP/1.0 400", 0), 0u);
}

}  // namespace
}  // namespace lvsd::control
