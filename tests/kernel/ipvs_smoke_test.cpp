// kernel tier smoke test: IPVS exists in the UML kernel and what ipvsadm
// programs is what the kernel reports.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class IpvsSmoke : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(run_command("ipvsadm -C").exit_code, 0); }
  void TearDown() override { run_command("ipvsadm -C"); }
};

TEST_F(IpvsSmoke, ServiceAddedWithIpvsadmShowsInProc) {
  auto r = run_command("ipvsadm -A -t 10.1.2.3:80 -s wrr && ipvsadm -a -t 10.1.2.3:80 -r 10.1.2.10:80 -g -w 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string table = read_file("/proc/net/ip_vs");
  // /proc/net/ip_vs prints addresses and ports in hex.
  EXPECT_NE(table.find("TCP  0A010203:0050 wrr"), std::string::npos) << table;
  EXPECT_NE(table.find("-> 0A01020A:0050      Route   3"), std::string::npos) << table;
}

TEST_F(IpvsSmoke, EverySchedulerModuleIsUsable) {
  int port = 1000;
  for (const char* sched : {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "mh", "sed", "nq", "fo", "ovf"}) {
    auto r = run_command("ipvsadm -A -t 10.1.2.4:" + std::to_string(port++) + " -s " + sched);
    EXPECT_EQ(r.exit_code, 0) << sched << ": " << r.output;
  }
  EXPECT_EQ(run_command("ipvsadm -Ln | grep -c '^TCP'").output, "13\n");
}

}  // namespace
}  // namespace lvsd::test

namespace lvsd::test {
namespace {

// IPVS direct routing end to end, programmed with ipvsadm: a client, a
// director and two busybox httpd real servers that hold the VIP on lo.
TEST(IpvsDirectRouting, RoundRobinAlternatesBetweenRealServers) {
  Topology topo;
  auto& client = topo.add_host("client", "10.0.0.1/24");
  auto& director = topo.add_host("lvs", "10.0.0.2/24");
  std::vector<Host*> reals = {&topo.add_host("rs1", "10.0.0.11/24"), &topo.add_host("rs2", "10.0.0.12/24")};
  std::vector<std::unique_ptr<Process>> servers;
  for (Host* rs : reals) {
    // The real server answers for the VIP but never ARPs for it.
    auto r = rs->run(
        "ip addr add 10.0.0.100/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 "
        "net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2 && "
        "mkdir -p /run/tmp/" + rs->netns() + " && echo " + rs->name() + " > /run/tmp/" + rs->netns() + "/index.html");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    servers.push_back(rs->spawn("busybox httpd -f -p 80 -h /run/tmp/" + rs->netns()));
  }
  auto r = director.run(
      "ip addr add 10.0.0.100/24 dev eth0 && ipvsadm -A -t 10.0.0.100:80 -s rr && "
      "ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.11:80 -g && ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.12:80 -g");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (Host* rs : reals) {
    ASSERT_TRUE(wait_until([&] { return client.run("curl -s -m 2 http://" + rs->address() + "/").exit_code == 0; },
                           std::chrono::seconds(10), std::chrono::milliseconds(100)));
  }
  std::vector<std::string> answers;
  for (int i = 0; i < 4; ++i) {
    auto c = client.run("curl -s -m 2 http://10.0.0.100/");
    ASSERT_EQ(c.exit_code, 0) << c.output;
    answers.push_back(c.output);
  }
  EXPECT_NE(answers[0], answers[1]);
  EXPECT_EQ(answers[0], answers[2]);
  EXPECT_EQ(answers[1], answers[3]);
  auto list = director.run("ipvsadm -Ln");
  EXPECT_NE(list.output.find("10.0.0.11:80                 Route   1      0          2"), std::string::npos) << list.output;
}

}  // namespace
}  // namespace lvsd::test
