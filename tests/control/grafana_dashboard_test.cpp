// contrib/grafana/lvsd.json asks only for what lvsd exports: every metric
// name and label in its PromQL (panels, annotations, template variables) is
// one that render_metrics() writes for a status with every family. (The
// netns tier also sends each query to a real Prometheus, whose parser must
// accept it: tests/control/prometheus_netns_test.cpp.)
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control/metrics.hpp"
#include "tests/control/grafana_queries.hpp"
#include "tests/control/metrics_sample.hpp"

namespace lvsd::control {
namespace {

struct Exported {
  std::set<std::string> series;  // names as they appear in samples (histograms: _bucket, _sum, _count)
  std::set<std::string> labels;
};

Exported exported() {
  Exported out;
  std::istringstream in(render_metrics(test_support::metrics_sample()));
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? \S+$)");
  const std::regex label(R"(([a-zA-Z_][a-zA-Z0-9_]*)=")");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.empty() || line[0] == '#' || !std::regex_match(line, m, sample)) continue;
    out.series.insert(m[1]);
    const std::string labels = m[3];
    for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label); it != std::sregex_iterator(); ++it) {
      out.labels.insert((*it)[1]);
    }
  }
  // Prometheus adds these to every series it scrapes.
  out.labels.insert({"job", "instance", "__name__"});
  return out;
}

nlohmann::json dashboard() {
  std::ifstream in(std::string(LVSD_SOURCE_DIR) + "/contrib/grafana/lvsd.json");
  EXPECT_TRUE(in) << "contrib/grafana/lvsd.json";
  return nlohmann::json::parse(in);
}

TEST(PromqlNames, MetricsLabelsAndFunctionsAreToldApart) {
  const PromqlNames n = promql_names(
      R"(histogram_quantile(0.99, sum by (virtual_server, le) (rate(lvsd_a_bucket{job=~"$job", x!="a{b}"}[$__rate_interval] offset 5m))))"
      R"( / on(instance) group_left(check) lvsd_b > bool 2 and lvsd_c unless ignoring(z) count without (y) (lvsd_d))");
  EXPECT_EQ(n.metrics, (std::set<std::string>{"lvsd_a_bucket", "lvsd_b", "lvsd_c", "lvsd_d"}));
  EXPECT_EQ(n.labels, (std::set<std::string>{"virtual_server", "le", "job", "x", "instance", "check", "z", "y"}));
  const PromqlNames v = promql_names(R"(label_values(lvsd_real_server_up{job=~"$job"}, virtual_server))");
  EXPECT_EQ(v.metrics, (std::set<std::string>{"lvsd_real_server_up"}));
  EXPECT_EQ(v.labels, (std::set<std::string>{"job", "virtual_server"}));
  EXPECT_EQ(promql_names("time() - lvsd_start_time_seconds").metrics, (std::set<std::string>{"lvsd_start_time_seconds"}));
}

TEST(GrafanaDashboard, EveryQueryNamesOnlyExportedMetricsAndLabels) {
  const Exported e = exported();
  ASSERT_GT(e.series.size(), 30u);
  const std::vector<std::string> queries = dashboard_queries(dashboard());
  ASSERT_GE(queries.size(), 20u);
  std::set<std::string> used;
  for (const auto& q : queries) {
    const PromqlNames n = promql_names(q);
    EXPECT_FALSE(n.metrics.empty()) << "no metric in: " << q;
    for (const auto& m : n.metrics) {
      EXPECT_TRUE(e.series.contains(m)) << m << " is not exported by lvsd, in: " << q;
      used.insert(m);
    }
    for (const auto& l : n.labels) EXPECT_TRUE(e.labels.contains(l)) << "label " << l << " is not exported, in: " << q;
  }
  // What the dashboard is for (issue 16): VRRP role and transitions, per-VIP
  // and per-real-server connections and bytes, health, check latency, reloads.
  for (const char* m : {"lvsd_vrrp_state", "lvsd_vrrp_transitions_total", "lvsd_ipvs_virtual_server_connections_total",
                        "lvsd_ipvs_virtual_server_in_bytes_total", "lvsd_ipvs_real_server_connections_total",
                        "lvsd_ipvs_real_server_in_bytes_total", "lvsd_real_server_health",
                        "lvsd_health_check_duration_seconds_bucket", "lvsd_config_reloads_total",
                        "lvsd_config_last_reload_successful"}) {
    EXPECT_TRUE(used.contains(m)) << "the dashboard does not show " << m;
  }
  bool quantile = false;
  for (const auto& q : queries) quantile |= q.find("histogram_quantile(") != std::string::npos;
  EXPECT_TRUE(quantile) << "check latency is shown with histogram_quantile()";
}

}  // namespace
}  // namespace lvsd::control
