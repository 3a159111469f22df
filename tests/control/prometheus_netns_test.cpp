// netns tier: lvsd's metrics read by Prometheus' own tools.
//
// - promtool (Debian's `prometheus` package) lints the exposition of a status
//   with a sample in every family, and a live scrape of lvsd.
// - Debian's Prometheus server, in a namespace of its own, scrapes two real
//   lvsd (a VRRP MASTER and a BACKUP on a bridge) and answers queries through
//   its HTTP API: VRRP roles, transitions, adverts and reloads come back with
//   the labels lvsd gave them.
//
// What this tier cannot show: the host kernel has no IPVS, and lvsd refuses a
// configuration with virtual servers without it, so real-server health, the
// check-duration histogram and the IPVS counters are queried from Prometheus
// in the kernel tier (tests/daemon/lvsd_prometheus_kernel_test.cpp, inside
// user-mode-linux); here the sample status covers them through promtool.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

#include "control/metrics.hpp"
#include "tests/control/grafana_queries.hpp"
#include "tests/control/metrics_sample.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/prometheus.hpp"

namespace lvsd {
namespace {

using namespace std::chrono_literals;
using test::run_command;
using test::shell_quote;
using test::wait_until;

std::string temp_dir(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + name;
}

// promtool's verdict on an exposition: exit code and what it printed
// (nothing when the text is clean, one line per problem otherwise).
test::CommandResult promtool_check(const std::string& exposition, const std::string& path) {
  std::ofstream(path) << exposition;
  return run_command("promtool check metrics < " + shell_quote(path) + " 2>&1");
}

TEST(Promtool, EveryFamilyOfARealisticStatusIsClean) {
  const std::string path = temp_dir("lvsd-promtool-" + std::to_string(::getpid()) + ".txt");
  const std::string text = control::render_metrics(control::test_support::metrics_sample());
  const auto r = promtool_check(text, path);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << r.output;
  // promtool does find problems: a counter without _total is one.
  const std::string renamed = std::regex_replace(text, std::regex("lvsd_vrrp_transitions_total"), "lvsd_vrrp_transitions");
  const auto broken = promtool_check(renamed, path);
  EXPECT_NE(broken.exit_code, 0) << broken.output;
  EXPECT_NE(broken.output.find("lvsd_vrrp_transitions"), std::string::npos) << broken.output;
  run_command("rm -f " + shell_quote(path));
}

const std::string kLvsd = LVSD_BINARY;
const std::string kLvsctl = LVSD_LVSCTL;

// A VRRP-only lvsd (no virtual servers: no IPVS needed) with its metrics on
// `metrics`.
std::string node_config(const std::string& dir, const std::string& name, const std::string& state, int priority,
                        const std::string& metrics) {
  return "global:\n  control_socket: " + dir + "/" + name + ".sock\n  metrics: \"" + metrics + "\"\n" +
         "vrrp_instances:\n"
         "  - name: VI_1\n"
         "    state: " + state + "\n"
         "    interface: eth0\n"
         "    virtual_router_id: 51\n"
         "    priority: " + std::to_string(priority) + "\n"
         "    advert_int: 1s\n"
         "    virtual_ipaddress: [\"10.0.0.100/24 dev eth0\"]\n";
}

class PrometheusScrape : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = &topo_.add_host("a", "10.0.0.1/24");
    b_ = &topo_.add_host("b", "10.0.0.2/24");
    dir_ = temp_dir(topo_.id() + "-prom");
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
  }
  void TearDown() override {
    if (HasFailure()) {
      if (lvsd_a_) std::cerr << "--- lvsd a\n" << lvsd_a_->output();
      if (lvsd_b_) std::cerr << "--- lvsd b\n" << lvsd_b_->output();
      if (prometheus_) std::cerr << "--- prometheus\n" << prometheus_->log();
    }
    prometheus_.reset();
    lvsd_a_.reset();
    lvsd_b_.reset();
    run_command("rm -rf " + dir_);
  }
  std::unique_ptr<test::Process> start_lvsd(test::Host& host, const std::string& config) {
    const std::string path = dir_ + "/" + host.name() + ".yaml";
    std::ofstream(path) << config;
    return host.spawn(kLvsd + " -f " + path + " --state-file " + dir_ + "/" + host.name() + ".owned");
  }
  test::CommandResult lvsctl(const std::string& args) {
    return a_->run(kLvsctl + " --socket " + dir_ + "/a.sock " + args + " 2>&1");
  }

  test::Topology topo_;
  test::Host* a_ = nullptr;
  test::Host* b_ = nullptr;
  std::string dir_;
  std::unique_ptr<test::Process> lvsd_a_, lvsd_b_;
  std::unique_ptr<test::Prometheus> prometheus_;
};

// The value of the only sample `promql` returns (NaN if none or several).
#define EXPECT_QUERY(promql, expected)                                                  \
  do {                                                                                 \
    const double v = prometheus_->scalar(promql);                                      \
    EXPECT_EQ(v, expected) << (promql) << ": " << prometheus_->last_error();           \
  } while (0)

TEST_F(PrometheusScrape, QueriesGetVrrpRolesAdvertsAndReloadsWithTheirLabels) {
  const std::string a_config = node_config(dir_, "a", "MASTER", 150, "127.0.0.1:9547");
  lvsd_a_ = start_lvsd(*a_, a_config);
  lvsd_b_ = start_lvsd(*b_, node_config(dir_, "b", "BACKUP", 100, "10.0.0.2:9547"));
  ASSERT_TRUE(wait_until([&] { return a_->run("ip -o addr show dev eth0").output.find("10.0.0.100/") != std::string::npos; },
                         10s))
      << "a never took the VIP";
  // A reload applied, then one refused (a bad priority): the metrics tell both.
  ASSERT_EQ(lvsctl("reload").exit_code, 0);
  std::ofstream(dir_ + "/a.yaml") << node_config(dir_, "a", "MASTER", 900, "127.0.0.1:9547");
  ASSERT_EQ(lvsctl("reload").exit_code, 1);

  // The live exposition passes promtool too.
  const auto live = a_->run("curl -sf -m 5 http://127.0.0.1:9547/metrics > " + dir_ + "/live.txt && "
                            "promtool check metrics < " + dir_ + "/live.txt 2>&1");
  EXPECT_EQ(live.exit_code, 0) << live.output;
  EXPECT_EQ(live.output, "");

  // Prometheus in a's namespace: a's lvsd over loopback, b's over the bridge.
  prometheus_ = std::make_unique<test::Prometheus>(*a_, dir_ + "/prometheus",
                                                   std::vector<std::string>{"127.0.0.1:9547", "10.0.0.2:9547"});
  ASSERT_TRUE(prometheus_->started(30s)) << "prometheus did not start";
  ASSERT_TRUE(prometheus_->wait_for_scrapes(2, 30s))
      << "no two good scrapes of both targets: " << prometheus_->query("up").dump() << " "
      << prometheus_->last_error();

  // Roles: one series per node, with lvsd's label and Prometheus' target labels.
  const auto master = prometheus_->query(R"(lvsd_vrrp_state{state="MASTER"} == 1)");
  ASSERT_TRUE(master.is_array() && master.size() == 1) << master.dump() << prometheus_->last_error();
  EXPECT_EQ(master[0]["metric"]["vrrp_instance"], "VI_1");
  EXPECT_EQ(master[0]["metric"]["instance"], "127.0.0.1:9547");
  EXPECT_EQ(master[0]["metric"]["job"], "lvsd");
  const auto backup = prometheus_->query(R"(lvsd_vrrp_state{state="BACKUP"} == 1)");
  ASSERT_TRUE(backup.is_array() && backup.size() == 1) << backup.dump();
  EXPECT_EQ(backup[0]["metric"]["instance"], "10.0.0.2:9547");
  EXPECT_EQ(backup[0]["metric"]["vrrp_instance"], "VI_1");
  EXPECT_QUERY(R"(count(lvsd_vrrp_state{vrrp_instance="VI_1"}))", 8);  // 4 states x 2 nodes
  EXPECT_QUERY(R"(lvsd_vrrp_priority{instance="127.0.0.1:9547"})", 150);
  EXPECT_QUERY(R"(lvsd_vrrp_transitions_total{instance="127.0.0.1:9547"} >= bool 1)", 1);
  EXPECT_QUERY(R"(lvsd_vrrp_last_transition_timestamp_seconds{instance="127.0.0.1:9547"} > bool 0)", 1);
  // b hears a's adverts, about one a second.
  EXPECT_QUERY(R"(lvsd_vrrp_adverts_received_total{instance="10.0.0.2:9547"} > bool 0)", 1);
  EXPECT_QUERY(R"(lvsd_vrrp_adverts_sent_total{instance="127.0.0.1:9547"} > bool 0)", 1);

  // Reloads.
  EXPECT_QUERY(R"(lvsd_config_reloads_total{instance="127.0.0.1:9547",result="success"})", 1);
  EXPECT_QUERY(R"(lvsd_config_reloads_total{instance="127.0.0.1:9547",result="failure"})", 1);
  EXPECT_QUERY(R"(lvsd_config_last_reload_successful{instance="127.0.0.1:9547"})", 0);
  EXPECT_QUERY(R"(lvsd_config_last_reload_successful{instance="10.0.0.2:9547"})", 1);
  EXPECT_QUERY(R"(lvsd_config_last_reload_failure_timestamp_seconds{instance="127.0.0.1:9547"}
                  >= bool on(instance) lvsd_config_last_reload_success_timestamp_seconds)", 1);
  EXPECT_QUERY(R"(lvsd_config_last_reload_success_timestamp_seconds{instance="10.0.0.2:9547"})", 0);
  const auto build = prometheus_->query("lvsd_build_info");
  ASSERT_TRUE(build.is_array() && build.size() == 2) << build.dump();
  EXPECT_FALSE(build[0]["metric"].value("version", "").empty()) << build.dump();
  // No virtual servers here: no real-server series at all.
  EXPECT_EQ(prometheus_->query("lvsd_real_server_up").size(), 0u);
  EXPECT_QUERY(R"(sum(lvsd_real_servers))", 0);

  // Every query of the Grafana dashboard parses in Prometheus (with
  // Grafana's variables filled in as "All" would).
  std::ifstream dashboard_file(std::string(LVSD_SOURCE_DIR) + "/contrib/grafana/lvsd.json");
  const auto dashboard = nlohmann::json::parse(dashboard_file);
  const auto queries = control::dashboard_queries(dashboard);
  EXPECT_GE(queries.size(), 20u);
  for (const auto& q : queries) {
    if (q.rfind("label_values(", 0) == 0) continue;  // Grafana's, not PromQL
    EXPECT_TRUE(prometheus_->query(control::grafana_substitute(q)).is_array()) << prometheus_->last_error();
  }

  // The fixed configuration is applied: the alarm clears at the next scrape.
  std::ofstream(dir_ + "/a.yaml") << a_config;
  ASSERT_EQ(lvsctl("reload").exit_code, 0);
  EXPECT_TRUE(wait_until(
      [&] { return prometheus_->scalar(R"(lvsd_config_last_reload_successful{instance="127.0.0.1:9547"})") == 1; },
      10s, 250ms))
      << prometheus_->last_error();
}

}  // namespace
}  // namespace lvsd
