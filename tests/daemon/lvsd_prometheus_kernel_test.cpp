// kernel tier (user-mode-linux: IPVS): Debian's Prometheus server scrapes a
// director lvsd that holds the VIP by VRRP and balances HTTP over LVS-DR to
// one live and one dead real server, and answers queries through its HTTP
// API: VRRP role, real-server health, IPVS counters (equal to what
// `ipvsadm --stats --exact` shows) and the check-duration histogram come
// back with lvsd's labels. (The netns tier does the same for VRRP and
// reloads on the host kernel, which has no IPVS:
// tests/control/prometheus_netns_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/netns.hpp"
#include "tests/support/prometheus.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
const std::string kLvsd = LVSD_BINARY;

// Patient checks: UML on a loaded machine sometimes answers a probe late,
// and a real server that leaves the table and comes back starts its kernel
// counters again from 0.
constexpr const char* kCheck =
    "HTTP_GET: { url: [ { path: /, status_code: 200 } ], connect_timeout: 5s, retry: 0, fall: 3, "
    "delay_before_retry: 1s }";

const std::string kConfig = std::string(R"(global:
  metrics: "127.0.0.1:9547"
vrrp_instances:
  - name: VI_1
    state: MASTER
    interface: eth0
    virtual_router_id: 51
    priority: 100
    advert_int: 1s
    virtual_ipaddress: ["10.0.0.100/24 dev eth0"]
virtual_servers:
  - { address: 10.0.0.100, port: 80, lb_algo: rr, lb_kind: DR, delay_loop: 1s, real_servers: [
      { address: 10.0.0.11, port: 80, )") + kCheck + R"( },
      { address: 10.0.0.12, port: 80, )" + kCheck + R"( } ] }
)";

// One column of a destination's line in `ipvsadm -Ln --stats --exact`
// (2: Conns, 3: InPkts, 4: OutPkts, 5: InBytes, 6: OutBytes).
double ipvsadm_stat(Host& director, const std::string& dest, int column) {
  const auto r = director.run("ipvsadm -Ln --stats --exact | awk '$2 == \"" + dest + "\" { print $" +
                              std::to_string(column + 1) + " }'");
  return r.output.empty() ? std::nan("") : std::stod(r.output);
}

class LvsdPrometheus : public ::testing::Test {
 protected:
  // client 10.0.0.1; director 10.0.0.2 (VRRP holds VIP 10.0.0.100);
  // DR real servers 10.0.0.11 (serving) and 10.0.0.12 (nothing listens).
  void SetUp() override {
    client_ = &topo_.add_host("client", "10.0.0.1/24");
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    dir_ = "/run/tmp/" + director_->netns();
    ASSERT_EQ(run_command("mkdir -p " + dir_ + "/www && echo rs1 > " + dir_ + "/www/index.html").exit_code, 0);
    for (const char* cidr : {"10.0.0.11/24", "10.0.0.12/24"}) {
      Host& rs = topo_.add_host(cidr[8] == '1' ? "rs1" : "rs2", cidr);
      ASSERT_EQ(rs.run("ip addr add 10.0.0.100/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 "
                       "net.ipv4.conf.all.arp_announce=2").exit_code, 0);
      if (cidr[8] == '1') {
        httpd_ = rs.spawn("busybox httpd -f -p 80 -h " + dir_ + "/www");
        ASSERT_TRUE(wait_until([&] { return rs.run("curl -s -m 1 http://10.0.0.11/").exit_code == 0; }, 5s));
      }
    }
  }
  void TearDown() override {
    if (HasFailure()) {
      if (lvsd_) std::cerr << "--- lvsd\n" << lvsd_->output();
      if (prometheus_) std::cerr << "--- prometheus\n" << prometheus_->log();
      std::cerr << "--- ipvsadm\n" << director_->run("ipvsadm -Ln --stats --exact").output;
    }
    prometheus_.reset();
    lvsd_.reset();
    httpd_.reset();
    run_command("rm -rf " + dir_);
  }
  double query(const std::string& promql) { return prometheus_->scalar(promql); }

  Topology topo_;
  Host* client_ = nullptr;
  Host* director_ = nullptr;
  std::string dir_;
  std::unique_ptr<Process> httpd_, lvsd_;
  std::unique_ptr<Prometheus> prometheus_;
};

TEST_F(LvsdPrometheus, QueriesGetRoleHealthIpvsCountersAndCheckDurations) {
  const auto t0 = std::chrono::steady_clock::now();
  auto phase = [&](const char* what) {
    std::cerr << what << " after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
              << " ms\n";
  };
  std::ofstream(dir_ + "/lvsd.yaml") << kConfig;
  lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/lvsd.yaml --state-file " + dir_ + "/owned");
  // rs1 joins after its first passing check; rs2 is found down.
  ASSERT_TRUE(wait_until(
      [&] {
        return lvsd_->output().find("10.0.0.12:80: down") != std::string::npos &&
               director_->run("ipvsadm -Ln | grep -q 10.0.0.11:80 && ip -o addr show dev eth0 | grep -q 10.0.0.100/24")
                       .exit_code == 0;
      },
      30s, 500ms))
      << director_->run("ipvsadm -Ln").output;
  // Traffic through the VIP: every request to rs1.
  const auto requests = client_->run("for i in $(seq 20); do curl -s -m 5 http://10.0.0.100/; done | grep -c rs1");
  ASSERT_EQ(requests.output, "20\n") << requests.output;
  phase("lvsd ready, 20 requests through the VIP");

  prometheus_ = std::make_unique<Prometheus>(*director_, dir_ + "/prometheus", std::vector<std::string>{"127.0.0.1:9547"});
  ASSERT_TRUE(prometheus_->started(120s)) << "prometheus did not start";
  phase("prometheus ready");
  ASSERT_TRUE(prometheus_->wait_for_scrapes(2, 60s)) << prometheus_->query("up").dump() << prometheus_->last_error();
  phase("two scrapes");

  const std::string vs = R"(virtual_server="TCP 10.0.0.100:80")";
  const std::string rs1 = vs + R"(,real_server="10.0.0.11:80")";
  const std::string rs2 = vs + R"(,real_server="10.0.0.12:80")";
  // The kernel's exact figures (checks do not go through the VIP: only the
  // client's connections); once Prometheus has scraped them:
  const double conns = ipvsadm_stat(*director_, "10.0.0.11:80", 2);
  const double in_packets = ipvsadm_stat(*director_, "10.0.0.11:80", 3);
  const double in_bytes = ipvsadm_stat(*director_, "10.0.0.11:80", 5);
  // At most 20: IPVS counts no new connection when a client reuses the
  // source port of one it still tracks (seen: 19).
  EXPECT_GE(conns, 1);
  EXPECT_LE(conns, 20);
  EXPECT_GT(in_bytes, 0);
  EXPECT_TRUE(wait_until([&] { return query("lvsd_ipvs_real_server_in_bytes_total{" + rs1 + "}") == in_bytes; }, 10s,
                         500ms))
      << query("lvsd_ipvs_real_server_in_bytes_total{" + rs1 + "}") << " != " << in_bytes;
  const std::string p50 =
      "histogram_quantile(0.5, sum by (le) (lvsd_health_check_duration_seconds_bucket{" + rs1 + "}))";
  const std::vector<std::pair<std::string, double>> expected = {
      // VRRP role.
      {R"(lvsd_vrrp_state{vrrp_instance="VI_1",state="MASTER"})", 1},
      // Health, with both label sets.
      {"lvsd_real_server_health{" + rs1 + R"(,state="up"})", 1},
      {"lvsd_real_server_health{" + rs2 + R"(,state="down"})", 1},
      {"lvsd_real_server_up{" + rs2 + "}", 0},
      {R"(lvsd_real_servers{state="up"})", 1},
      {R"(lvsd_real_servers{state="down"})", 1},
      {"lvsd_health_checks_total{" + rs2 + R"(,result="failure"} >= bool 1)", 1},
      {"lvsd_health_checks_total{" + rs1 + R"(,result="success"} >= bool 1)", 1},
      // IPVS counters per real server and per virtual server; the dead
      // server is not in the kernel, so it has none.
      {"lvsd_ipvs_real_server_connections_total{" + rs1 + "}", conns},
      {"lvsd_ipvs_real_server_in_packets_total{" + rs1 + "}", in_packets},
      {"lvsd_ipvs_real_server_out_bytes_total{" + rs1 + "}", 0},  // DR: replies bypass the director
      {"lvsd_ipvs_virtual_server_connections_total{" + vs + "}", conns},
      {"lvsd_ipvs_virtual_server_in_bytes_total{" + vs + "}", in_bytes},
      {"absent(lvsd_ipvs_real_server_connections_total{" + rs2 + "})", 1},
      {"lvsd_real_server_weight{" + rs1 + "}", 1},
      // A rate over the scrapes works on them as counters.
      {"rate(lvsd_ipvs_real_server_connections_total{" + rs1 + "}[1m]) >= bool 0", 1},
      // Check durations: a histogram per real server and check, readable
      // with histogram_quantile(); rs1 answers on the bridge in well under a
      // second (milliseconds, unless UML is starved), rs2 refuses at once.
      {"lvsd_health_check_duration_seconds_count{" + rs1 + R"(,check="HTTP_GET"} >= bool 1)", 1},
      {"lvsd_health_check_duration_seconds_count{" + rs2 + R"(,check="HTTP_GET"} >= bool 1)", 1},
      {p50 + " > bool 0", 1},
      {p50 + " < bool 1", 1},
      {"lvsd_health_check_duration_seconds_bucket{" + rs1 + R"(,le="+Inf"} == bool on() )" +
           "lvsd_health_check_duration_seconds_count{" + rs1 + "}", 1},
  };
  std::vector<std::string> queries;
  for (const auto& e : expected) queries.push_back(e.first);
  const auto results = prometheus_->query_all(queries);
  EXPECT_EQ(prometheus_->last_error(), "");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(Prometheus::single_value(results[i]), expected[i].second) << expected[i].first << ": " << results[i].dump();
  }
  phase("queries done");
}

}  // namespace
}  // namespace lvsd::test
