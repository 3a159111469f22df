#include "control/metrics.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/control/metrics_sample.hpp"

namespace lvsd::control {
namespace {

StatusSnapshot sample() { return test_support::metrics_sample(); }

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, ExposesEveryFamilyWithValues) {
  const std::string m = render_metrics(sample());
  const std::string rs2 = R"(virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.2:80")";
  const std::string rs3 = R"(virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.3:80")";
  for (const std::string& line : {
           std::string(R"(lvsd_vrrp_state{vrrp_instance="VI_1",state="MASTER"} 1)"),
           std::string(R"(lvsd_vrrp_state{vrrp_instance="VI_1",state="BACKUP"} 0)"),
           std::string(R"(lvsd_vrrp_state{vrrp_instance="VI_2",state="BACKUP"} 1)"),
           std::string(R"(lvsd_vrrp_priority{vrrp_instance="VI_1"} 150)"),
           std::string(R"(lvsd_vrrp_transitions_total{vrrp_instance="VI_1"} 3)"),
           std::string(R"(lvsd_vrrp_last_transition_timestamp_seconds{vrrp_instance="VI_1"} 1600)"),
           std::string(R"(lvsd_vrrp_adverts_sent_total{vrrp_instance="VI_1"} 100)"),
           std::string(R"(lvsd_vrrp_adverts_received_total{vrrp_instance="VI_1"} 2)"),
           std::string(R"(lvsd_vrrp_adverts_dropped_total{vrrp_instance="VI_1",reason="bad_checksum"} 4)"),
           "lvsd_health_checks_total{" + rs2 + R"(,result="failure"} 2)",
           "lvsd_health_check_duration_seconds_bucket{" + rs2 + R"(,check="HTTP_GET",le="0.001"} 0)",
           "lvsd_health_check_duration_seconds_bucket{" + rs2 + R"(,check="HTTP_GET",le="0.0025"} 1)",
           "lvsd_health_check_duration_seconds_bucket{" + rs2 + R"(,check="HTTP_GET",le="0.25"} 2)",
           "lvsd_health_check_duration_seconds_bucket{" + rs2 + R"(,check="HTTP_GET",le="+Inf"} 2)",
           "lvsd_health_check_duration_seconds_sum{" + rs2 + R"(,check="HTTP_GET"} 0.202)",
           "lvsd_health_check_duration_seconds_count{" + rs2 + R"(,check="HTTP_GET"} 2)",
           "lvsd_health_check_duration_seconds_bucket{" + rs2 + R"(,check="TCP_CHECK",le="0.001"} 1)",
           "lvsd_health_check_duration_seconds_bucket{" + rs3 + R"(,check="HTTP_GET",le="5"} 0)",
           "lvsd_health_check_duration_seconds_bucket{" + rs3 + R"(,check="HTTP_GET",le="10"} 1)",
           "lvsd_real_server_up{" + rs2 + "} 1",
           "lvsd_real_server_up{" + rs3 + "} 0",
           "lvsd_real_server_health{" + rs3 + R"(,state="down"} 1)",
           "lvsd_real_server_health{" + rs3 + R"(,state="up"} 0)",
           std::string(R"(lvsd_real_server_health{virtual_server="FWM 5",real_server="10.0.0.4:0",state="unknown"} 1)"),
           std::string(R"(lvsd_real_servers{state="down"} 1)"),
           std::string(R"(lvsd_real_servers{state="up"} 1)"),
           std::string(R"(lvsd_real_servers{state="unknown"} 1)"),
           "lvsd_real_server_weight{" + rs2 + "} 3",
           "lvsd_real_server_active_connections{" + rs2 + "} 7",
           "lvsd_real_server_inactive_connections{" + rs2 + "} 2",
           std::string(R"(lvsd_ipvs_virtual_server_connections_total{virtual_server="TCP 10.0.0.1:80"} 50)"),
           std::string(R"(lvsd_ipvs_virtual_server_in_bytes_total{virtual_server="TCP 10.0.0.1:80"} 60000)"),
           "lvsd_ipvs_real_server_connections_total{" + rs2 + "} 30",
           "lvsd_ipvs_real_server_in_packets_total{" + rs2 + "} 300",
           "lvsd_ipvs_real_server_in_bytes_total{" + rs2 + "} 36000",
           std::string("lvsd_reconciles_total 9"),
           std::string("lvsd_reconcile_operations_total 4"),
           std::string("lvsd_reconcile_errors_total 1"),
           std::string(R"(lvsd_config_reloads_total{result="success"} 2)"),
           std::string(R"(lvsd_config_reloads_total{result="failure"} 1)"),
           std::string("lvsd_config_last_reload_successful 0"),
           std::string("lvsd_config_last_reload_success_timestamp_seconds 1800"),
           std::string("lvsd_config_last_reload_failure_timestamp_seconds 1900"),
           std::string("lvsd_start_time_seconds 1500"),
           std::string(R"(lvsd_build_info{version="0.1.0"} 1)"),
       }) {
    EXPECT_TRUE(has_line(m, line)) << line;
  }
  // What the kernel does not hold has no kernel figures (the FWM service,
  // the down real server): absent, not 0.
  for (const char* absent : {R"(real_server="10.0.0.3:80"} 0)", R"(virtual_server="FWM 5"} )"}) {
    for (const char* family : {"lvsd_real_server_weight{", "lvsd_real_server_active_connections{",
                               "lvsd_ipvs_real_server_connections_total{", "lvsd_ipvs_virtual_server_connections_total{"}) {
      EXPECT_EQ(m.find(std::string(family) + absent), std::string::npos) << family << absent;
    }
  }
  EXPECT_EQ(m.find(R"(lvsd_ipvs_real_server_out_bytes_total{virtual_server="TCP 10.0.0.1:80",real_server="10.0.0.3:80"})"),
            std::string::npos);
  // A reload applied after the refused one clears the alarm.
  StatusSnapshot later = sample();
  later.counters.last_reload_unix_ms = 1'950'000;
  EXPECT_TRUE(has_line(render_metrics(later), "lvsd_config_last_reload_successful 1"));
  EXPECT_TRUE(has_line(render_metrics(StatusSnapshot{}), "lvsd_config_last_reload_successful 1"));
}

TEST(Metrics, HistogramBucketsAreCumulativeAndEndAtTheCount) {
  LatencyHistogram h;
  h.observe(0.0005);
  h.observe(0.001);  // on a bound: in that bucket (le is <=)
  h.observe(0.003);
  h.observe(20);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.cumulative(0), 2u);                                   // <= 1 ms
  EXPECT_EQ(h.cumulative(2), 3u);                                   // <= 5 ms
  EXPECT_EQ(h.cumulative(LatencyHistogram::kBounds.size() - 1), 3u);  // <= 10 s: 20 s only in +Inf
  EXPECT_DOUBLE_EQ(h.sum_s, 20.0045);
  LatencyHistogram sum = h;
  sum += h;
  EXPECT_EQ(sum.count(), 8u);
  EXPECT_EQ(sum.cumulative(0), 4u);
  EXPECT_EQ(sizeof(LatencyHistogram), 64u);  // one per configured check
}

// docs/metrics.md documents exactly the families lvsd exports.
TEST(Metrics, DocsListEveryFamily) {
  std::set<std::string> exported;
  // Every family, those of scale-out included (exported only on a node that announces).
  std::istringstream in(render_metrics(StatusSnapshot{.scale_out = ScaleOutStatus{}}));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) exported.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  std::ifstream doc(std::string(LVSD_SOURCE_DIR) + "/docs/metrics.md");
  ASSERT_TRUE(doc) << "docs/metrics.md";
  std::set<std::string> documented;
  const std::regex row(R"(^\| `(lvsd_[a-z_]+)` \|)");
  for (std::string line; std::getline(doc, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) documented.insert(m[1]);
  }
  for (const auto& name : exported) EXPECT_TRUE(documented.contains(name)) << name << " is not in docs/metrics.md";
  for (const auto& name : documented) EXPECT_TRUE(exported.contains(name)) << name << " is documented, not exported";
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
  EXPECT_TRUE(has_line(m, R"(lvsd_vrrp_priority{vrrp_instance="we\"ird\\name\n"} 0)")) << m;
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

TEST(Metrics, ScaleOutAnnouncementsPerVip) {
  StatusSnapshot s{.version = "0.1.0"};
  EXPECT_EQ(render_metrics(s).find("lvsd_announced"), std::string::npos);  // a node that announces nothing
  s.scale_out = ScaleOutStatus{.table = 200, .node_drained = true, .node_drained_since_unix_ms = 5000,
                               .announcements = {{.vip = "10.0.0.100", .announced = false, .reason = "node drained",
                                                  .since_unix_ms = 5000, .transitions = 3, .services = {}}}};
  const std::string m = render_metrics(s);
  EXPECT_NE(m.find("\nlvsd_node_drained 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\nlvsd_announced{vip=\"10.0.0.100\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("\nlvsd_announcement_transitions_total{vip=\"10.0.0.100\"} 3\n"), std::string::npos);
  EXPECT_NE(m.find("\nlvsd_announcement_last_change_timestamp_seconds{vip=\"10.0.0.100\"} 5\n"), std::string::npos);
}

}  // namespace
}  // namespace lvsd::control
