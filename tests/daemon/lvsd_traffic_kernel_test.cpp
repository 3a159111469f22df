// kernel tier: traffic through services lvsd programmed from its config, and
// every forwarding method x scheduler programmed exactly as configured.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
const std::string kLvsd = LVSD_BINARY;
const std::string kLvsctl = LVSD_LVSCTL;

// Counts the answers of `n` HTTP requests from `client` to `url`.
std::map<std::string, int> tally(Host& client, const std::string& url, int n) {
  auto r = client.run("for i in $(seq " + std::to_string(n) + "); do curl -s -m 2 " + url +
                      " || echo FAILED; done | sort | uniq -c");
  std::map<std::string, int> counts;
  std::istringstream in(r.output);
  int c = 0;
  std::string who;
  while (in >> c >> who) counts[who] = c;
  return counts;
}

// The ActiveConn column of one destination in `ipvsadm -Ln`.
std::string active(Host& director, const std::string& dest) {
  auto out = director.run("ipvsadm -Ln | awk '$2 == \"" + dest + "\" { print $5 }'").output;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class LvsdTraffic : public ::testing::Test {
 protected:
  // client 10.0.0.1, director 10.0.0.2 holding VIP 10.0.0.100 on eth0.
  void SetUp() override {
    client_ = &topo_.add_host("client", "10.0.0.1/24");
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    dir_ = "/run/tmp/" + director_->netns();
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
    ASSERT_EQ(director_->run("ip addr add 10.0.0.100/24 dev eth0").exit_code, 0);
  }
  void TearDown() override {
    lvsd_.reset();
    servers_.clear();
    run_command("rm -rf " + dir_);
  }
  // A DR real server: VIP on lo, no ARP for it, httpd answering its name,
  // and a TCP echo on port 7000 for held connections.
  void add_dr_real_server(const std::string& name, const std::string& cidr) {
    auto& rs = topo_.add_host(name, cidr);
    ASSERT_EQ(rs.run("ip addr add 10.0.0.100/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 "
                     "net.ipv4.conf.all.arp_announce=2").exit_code, 0);
    serve(rs);
  }
  void serve(Host& rs) {
    const std::string www = "/run/tmp/" + rs.netns();
    ASSERT_EQ(run_command("mkdir -p " + www + " && echo " + rs.name() + " > " + www + "/index.html").exit_code, 0);
    servers_.push_back(rs.spawn("busybox httpd -f -p 80 -h " + www));
    servers_.push_back(rs.spawn("busybox nc -ll -p 7000 -e cat"));
    ASSERT_TRUE(wait_until([&] { return rs.run("curl -s -m 1 http://" + rs.address() + "/").exit_code == 0; }, 5s));
  }
  void start_lvsd(const std::string& config) {
    std::ofstream(dir_ + "/lvsd.yaml") << config;
    lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/lvsd.yaml --state-file " + dir_ + "/owned");
    ASSERT_TRUE(wait_until([&] { return lvsd_->output().find("changes applied") != std::string::npos; }, 5s))
        << lvsd_->output();
  }
  void reload(const std::string& config) {
    std::ofstream(dir_ + "/lvsd.yaml") << config;
    lvsd_->signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return lvsd_->output().find("reload: done") != std::string::npos; }, 5s))
        << lvsd_->output();
  }

  Topology topo_;
  Host* client_ = nullptr;
  Host* director_ = nullptr;
  std::string dir_;
  std::vector<std::unique_ptr<Process>> servers_;
  std::unique_ptr<Process> lvsd_;
};

TEST_F(LvsdTraffic, WeightedRoundRobinSplitsThreeToOne) {
  add_dr_real_server("rs1", "10.0.0.11/24");
  add_dr_real_server("rs2", "10.0.0.12/24");
  start_lvsd(R"(virtual_servers:
  - { address: 10.0.0.100, port: 80, lb_algo: wrr, lb_kind: DR,
      real_servers: [ { address: 10.0.0.11, port: 80, weight: 3 }, { address: 10.0.0.12, port: 80, weight: 1 } ] }
)");
  auto counts = tally(*client_, "http://10.0.0.100/", 400);
  EXPECT_EQ(counts.count("FAILED"), 0u);
  EXPECT_NEAR(counts["rs1"], 300, 15);
  EXPECT_NEAR(counts["rs2"], 100, 5);
}

TEST_F(LvsdTraffic, LeastConnectionSendsNewConnectionsToTheIdleServer) {
  add_dr_real_server("rs1", "10.0.0.11/24");
  add_dr_real_server("rs2", "10.0.0.12/24");
  const std::string one = R"(virtual_servers:
  - { address: 10.0.0.100, port: 7000, lb_algo: lc, lb_kind: DR, real_servers: [ { address: 10.0.0.11, port: 7000 } ] }
  - { address: 10.0.0.100, port: 80, lb_algo: lc, lb_kind: DR, real_servers: [ { address: 10.0.0.11, port: 80 } ] }
)";
  start_lvsd(one);
  // Three connections held open on rs1.
  std::vector<std::unique_ptr<Process>> held;
  for (int i = 0; i < 3; ++i) held.push_back(client_->spawn("sh -c 'sleep 60 | busybox nc 10.0.0.100 7000'"));
  ASSERT_TRUE(wait_until([&] {
    return active(*director_, "10.0.0.11:7000") == "3";
  }, 10s)) << director_->run("ipvsadm -Ln").output;
  // rs2 joins both services; new connections go to the idle rs2.
  std::string two = one;
  for (const char* port : {"7000", "80"}) {
    const std::string rs1 = std::string("{ address: 10.0.0.11, port: ") + port + " }";
    two.replace(two.find(rs1), rs1.size(), rs1 + ", { address: 10.0.0.12, port: " + port + " }");
  }
  reload(two);
  held.push_back(client_->spawn("sh -c 'sleep 60 | busybox nc 10.0.0.100 7000'"));
  EXPECT_TRUE(wait_until([&] {
    return active(*director_, "10.0.0.12:7000") == "1";
  }, 10s)) << director_->run("ipvsadm -Ln").output;
  EXPECT_EQ(active(*director_, "10.0.0.11:7000"), "3") << director_->run("ipvsadm -Ln").output;
}

TEST_F(LvsdTraffic, NatThroughTheDirectorAsGateway) {
  // Real servers on 10.0.1.0/24 reach the client only through the director.
  ASSERT_EQ(director_->run("ip addr add 10.0.1.1/24 dev eth0 && sysctl -qw net.ipv4.ip_forward=1 "
                           "net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0").exit_code, 0);
  for (const char* name : {"rs1", "rs2"}) {
    auto& rs = topo_.add_host(name, std::string(name) == "rs1" ? "10.0.1.11/24" : "10.0.1.12/24");
    ASSERT_EQ(rs.run("ip route add default via 10.0.1.1").exit_code, 0);
    serve(rs);
  }
  start_lvsd(R"(virtual_servers:
  - { address: 10.0.0.100, port: 8080, lb_algo: rr, lb_kind: NAT,
      real_servers: [ { address: 10.0.1.11, port: 80 }, { address: 10.0.1.12, port: 80 } ] }
)");
  auto counts = tally(*client_, "http://10.0.0.100:8080/", 20);
  EXPECT_EQ(counts.count("FAILED"), 0u);
  EXPECT_EQ(counts["rs1"], 10);
  EXPECT_EQ(counts["rs2"], 10);
}

// Every forwarding method with rr, wrr and lc: ipvsadm shows exactly the
// configuration, and lvsctl prints what ipvsadm prints.
struct Combo {
  const char* kind;
  const char* algo;
};

class LvsdPrograms : public ::testing::TestWithParam<Combo> {};

TEST_P(LvsdPrograms, IpvsadmShowsTheConfigAndLvsctlAgrees) {
  Topology topo;
  auto& director = topo.add_host("lvs", "10.0.0.2/24");
  const std::string dir = "/run/tmp/" + director.netns();
  ASSERT_EQ(run_command("mkdir -p " + dir).exit_code, 0);
  const std::string kind = GetParam().kind, algo = GetParam().algo;
  std::ofstream(dir + "/lvsd.yaml") << "virtual_servers:\n  - { address: 10.0.0.100, port: 80, lb_algo: " << algo
                                    << ", lb_kind: " << kind
                                    << ", real_servers: [ { address: 10.0.0.11, port: 80, weight: 3 }, "
                                       "{ address: 10.0.0.12, port: 80, weight: 1 } ] }\n";
  auto lvsd = director.spawn(kLvsd + " -f " + dir + "/lvsd.yaml --state-file " + dir + "/owned");
  ASSERT_TRUE(wait_until([&] { return lvsd->output().find("changes applied") != std::string::npos; }, 5s))
      << lvsd->output();
  const std::string fwd = kind == "DR" ? "Route  " : kind == "NAT" ? "Masq   " : "Tunnel ";
  const std::string expected = "IP Virtual Server version 1.2.1 (size=4096)\n"
                               "Prot LocalAddress:Port Scheduler Flags\n"
                               "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                               "TCP  10.0.0.100:80 " + algo + "\n"
                               "  -> 10.0.0.11:80                 " + fwd + " 3      0          0         \n"
                               "  -> 10.0.0.12:80                 " + fwd + " 1      0          0         \n";
  EXPECT_EQ(director.run("ipvsadm -Ln").output, expected);
  for (const std::string mode : {"", "--stats", "--rate", "--exact --stats"}) {
    EXPECT_EQ(director.run(kLvsctl + " list " + mode).output, director.run("ipvsadm -Ln " + mode).output) << mode;
  }
  EXPECT_EQ(director.run(kLvsctl + " save").output, director.run("ipvsadm -Sn").output);
  EXPECT_EQ(director.run(kLvsctl + " list -c").output, director.run("ipvsadm -Lnc").output);
  lvsd.reset();
  run_command("rm -rf " + dir);
}

INSTANTIATE_TEST_SUITE_P(KindsAndSchedulers, LvsdPrograms,
                         ::testing::Values(Combo{"DR", "rr"}, Combo{"DR", "wrr"}, Combo{"DR", "lc"},
                                           Combo{"NAT", "rr"}, Combo{"NAT", "wrr"}, Combo{"NAT", "lc"},
                                           Combo{"TUN", "rr"}, Combo{"TUN", "wrr"}, Combo{"TUN", "lc"}),
                         [](const auto& param_info) {
                           return std::string(param_info.param.kind) + "_" + param_info.param.algo;
                         });

}  // namespace
}  // namespace lvsd::test
