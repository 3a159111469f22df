// kernel tier: virtual_server_group. A virtual server with a group is one IPVS
// service per address of the group (ranges expanded) and per fwmark, all with
// the same real servers; `lvsctl list` prints the table as `ipvsadm -Ln` does.
// Each real server is checked once, and its verdict moves it in every service.
// A reload that changes the group's members adds and removes just those services.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
const std::string kLvsd = LVSD_BINARY;

// `web_members`: the lines of group web's members after 10.0.0.100.
std::string config(const std::string& socket, const std::string& web_members) {
  return "global:\n  control_socket: " + socket + "\n  ipvs_resync_interval: 1s\n" + R"(virtual_server_groups:
  - name: web
    members:
      - {address: 10.0.0.100, port: 80}
)" + web_members + R"(      - {fwmark: 7}
  - name: web6
    members:
      - {address: "2001:db8::a-c", port: 443}
      - {fwmark: 9, family: inet6}
virtual_servers:
  - group: web
    lb_algo: rr
    lb_kind: DR
    delay_loop: 1s
    real_servers:
      - {address: 10.0.0.11, port: 80, TCP_CHECK: {connect_timeout: 1s, retry: 0}}
      - {address: 10.0.0.12}
      - {address: 10.0.0.13, lb_kind: TUN, tunnel_type: gre, tunnel_checksum: csum}
      - {address: 10.0.0.14, port: 8080, lb_kind: NAT}
  - group: web6
    lb_algo: wrr
    lb_kind: DR
    real_servers:
      - {address: "2001:db8::11", weight: 3}
)";
}

class LvsdGroup : public ::testing::Test {
 protected:
  void SetUp() override {
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    rs_ = &topo_.add_host("rs1", "10.0.0.11/24");
    dir_ = "/run/tmp/" + director_->netns();
    ASSERT_EQ(run_command("mkdir -p " + dir_ + " /run/tmp/" + rs_->netns()).exit_code, 0);
    httpd_ = rs_->spawn("busybox httpd -f -p 80 -h /run/tmp/" + rs_->netns());
    // Listening before lvsd's first check, so that 10.0.0.11 goes only unknown -> up -> down.
    ASSERT_TRUE(wait_until([&] { return rs_->run("curl -s -m 1 http://10.0.0.11/ -o /dev/null").exit_code == 0; }, 5s));
  }
  void TearDown() override {
    lvsd_.reset();
    run_command("rm -rf " + dir_ + " /run/tmp/" + rs_->netns());
  }
  void write_config(const std::string& web_members) {
    std::ofstream(dir_ + "/lvsd.yaml") << config(dir_ + "/lvsd.sock", web_members);
  }
  bool logged(const std::string& text, std::chrono::milliseconds timeout = 10s) {
    return wait_until([&] { return lvsd_->output().find(text) != std::string::npos; }, timeout);
  }
  std::string ipvsadm() { return director_->run("ipvsadm -Ln").output; }
  std::string lvsctl_list() {
    return director_->run(std::string(LVSD_LVSCTL) + " --socket " + dir_ + "/lvsd.sock list").output;
  }
  // Lines that hold both a and b.
  static std::size_t lines_with(const std::string& text, const std::string& a, const std::string& b) {
    std::size_t n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) ++n;
    return n;
  }
  static std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
    return n;
  }

  Topology topo_;
  Host* director_ = nullptr;
  Host* rs_ = nullptr;
  std::string dir_;
  std::unique_ptr<Process> httpd_;
  std::unique_ptr<Process> lvsd_;
};

TEST_F(LvsdGroup, EveryMemberIsAServiceAndOneCheckDrivesThemAll) {
  write_config("      - {address: 10.0.0.101-103, port: 80}\n");
  lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/lvsd.yaml --state-file " + dir_ + "/owned");
  // 10.0.0.11 joins after its first passing check: 5 services of web hold both real servers.
  ASSERT_TRUE(wait_until([&] { return count(ipvsadm(), "10.0.0.11:80 ") == 5; }, 15s)) << ipvsadm() << lvsd_->output();
  const std::string table = ipvsadm();
  for (const char* service : {"TCP  10.0.0.100:80 rr", "TCP  10.0.0.101:80 rr", "TCP  10.0.0.102:80 rr",
                              "TCP  10.0.0.103:80 rr", "FWM  7 rr", "TCP  [2001:db8::a]:443 wrr",
                              "TCP  [2001:db8::b]:443 wrr", "TCP  [2001:db8::c]:443 wrr", "FWM  9 IPv6 wrr"})
    EXPECT_NE(table.find(service), std::string::npos) << service << "\n" << table;
  EXPECT_EQ(count(table, "TCP  "), 7u) << table;
  EXPECT_EQ(count(table, "FWM  "), 2u) << table;
  // A real server without a port takes each service's (DR: the fwmark's is 0).
  EXPECT_EQ(count(table, "10.0.0.12:80 "), 4u) << table;
  EXPECT_EQ(count(table, "10.0.0.12:0 "), 1u) << table;
  EXPECT_EQ(count(table, "[2001:db8::11]:443"), 3u) << table;
  // Real servers with a forwarding method of their own (keepalived's lvs_method
  // in a real_server) in a DR service: each destination is forwarded its way.
  EXPECT_EQ(lines_with(table, "-> 10.0.0.13:", "Tunnel"), 5u) << table;
  EXPECT_EQ(lines_with(table, "-> 10.0.0.14:8080", "Masq"), 5u) << table;
  EXPECT_EQ(lines_with(table, "-> 10.0.0.12:", "Route"), 5u) << table;
  const std::string tun_info = director_->run("ipvsadm -Ln --tun-info").output;
  EXPECT_EQ(lines_with(tun_info, "-> 10.0.0.13:", "gre:+c"), 5u) << tun_info;
  EXPECT_EQ(lvsctl_list(), table);

  // One check for 10.0.0.11, not one per service: one transition logged, and
  // it leaves every service at once.
  httpd_->kill_and_wait();
  ASSERT_TRUE(wait_until([&] { return count(ipvsadm(), "10.0.0.11:80 ") == 0; }, 10s)) << ipvsadm();
  EXPECT_EQ(count(lvsd_->output(), "-> 10.0.0.11:80: down"), 1u) << lvsd_->output();
  EXPECT_EQ(count(lvsd_->output(), "TCP group web -> 10.0.0.11:80: down (TCP_CHECK: connection refused; was up)"), 1u)
      << lvsd_->output();
  EXPECT_EQ(count(lvsd_->output(), "TCP group web -> 10.0.0.11:80: up"), 1u) << lvsd_->output();
  EXPECT_EQ(count(ipvsadm(), "10.0.0.12:80 "), 4u) << ipvsadm();

  // The group loses 10.0.0.103 and gains 10.0.0.104: two service changes and
  // the new one's destination, nothing else.
  write_config("      - {address: 10.0.0.101-102, port: 80}\n      - {address: 10.0.0.104, port: 80}\n");
  lvsd_->signal(SIGHUP);
  ASSERT_TRUE(logged("reload: done")) << lvsd_->output();
  ASSERT_TRUE(logged("DEL_SERVICE TCP 10.0.0.103:80")) << lvsd_->output();
  EXPECT_TRUE(logged("NEW_SERVICE TCP 10.0.0.104:80")) << lvsd_->output();
  EXPECT_TRUE(wait_until([&] { return ipvsadm().find("10.0.0.104:80") != std::string::npos; }, 5s)) << ipvsadm();
  const std::string after = lvsd_->output();
  EXPECT_EQ(count(after, "DEL_SERVICE"), 1u) << after;
  EXPECT_EQ(count(after, "NEW_SERVICE"), 10u) << after;  // 9 at start, 1 on reload
  EXPECT_EQ(ipvsadm().find("10.0.0.103:80"), std::string::npos) << ipvsadm();
  EXPECT_EQ(lvsctl_list(), ipvsadm());
}

}  // namespace
}  // namespace lvsd::test
