// netns tier: `lvsctl realserver up|down|status` inside a namespace
// (addresses and /proc/sys/net are per namespace; the host is untouched).
#include <gtest/gtest.h>

#include <fstream>

#include "cli/realserver.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::cli {
namespace {

std::string host_sysctl(const std::string& key) {
  std::ifstream in("/proc/sys/" + key);
  std::string v;
  in >> v;
  return v;
}

std::string lvsctl(const std::string& args) { return std::string(LVSD_LVSCTL) + " " + args + " 2>&1"; }

std::string sysctl_in(const test::Host& h, const std::string& key) {
  auto r = h.run("cat /proc/sys/" + key);
  std::string v = r.output;
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

TEST(RealServerSysctls, UpAndDownValuesForIpv4OnlyOnAllAndTheDevice) {
  const auto v4 = core::IpAddress::parse("10.0.0.100").value();
  EXPECT_EQ(realserver_sysctls_up(v4, "lo"),
            (std::vector<SysctlWrite>{{"net/ipv4/conf/all/arp_ignore", "1"},
                                      {"net/ipv4/conf/all/arp_announce", "2"},
                                      {"net/ipv4/conf/lo/arp_ignore", "1"},
                                      {"net/ipv4/conf/lo/arp_announce", "2"}}));
  EXPECT_EQ(realserver_sysctls_down(v4, "lo")[1], (SysctlWrite{"net/ipv4/conf/all/arp_announce", "0"}));
  EXPECT_TRUE(realserver_sysctls_up(core::IpAddress::parse("2001:db8::1").value(), "lo").empty());
}

TEST(RealServerNetns, UpIsIdempotentDownRestoresAndTheHostIsUntouched) {
  const std::string host_ignore = host_sysctl("net/ipv4/conf/all/arp_ignore");
  const std::string host_announce = host_sysctl("net/ipv4/conf/all/arp_announce");
  test::Topology topo;
  auto& rs = topo.add_host("rs", "10.93.0.2/24");

  auto status = rs.run(lvsctl("realserver status --vip 10.93.0.100"));
  EXPECT_EQ(status.exit_code, 1) << status.output;
  EXPECT_NE(status.output.find("NOT set up"), std::string::npos) << status.output;

  for (int i = 0; i < 2; ++i) {  // the second run changes nothing and still succeeds
    auto up = rs.run(lvsctl("realserver up --vip 10.93.0.100"));
    ASSERT_EQ(up.exit_code, 0) << up.output;
  }
  auto addrs = rs.run("ip -4 -o addr show dev lo");
  EXPECT_NE(addrs.output.find("inet 10.93.0.100/32"), std::string::npos) << addrs.output;
  EXPECT_EQ(rs.run("ip -4 -o addr show dev lo | grep -c 10.93.0.100").output, "1\n");
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/all/arp_ignore"), "1");
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/all/arp_announce"), "2");
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/lo/arp_ignore"), "1");
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/lo/arp_announce"), "2");
  status = rs.run(lvsctl("realserver status --vip 10.93.0.100"));
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("present (/32)"), std::string::npos) << status.output;
  auto json = rs.run(lvsctl("realserver status --json --vip 10.93.0.100"));
  EXPECT_NE(json.output.find("\"up\": true"), std::string::npos) << json.output;

  for (int i = 0; i < 2; ++i) {
    auto down = rs.run(lvsctl("realserver down --vip 10.93.0.100"));
    ASSERT_EQ(down.exit_code, 0) << down.output;
  }
  addrs = rs.run("ip -4 -o addr show dev lo");
  EXPECT_EQ(addrs.output.find("10.93.0.100"), std::string::npos) << addrs.output;
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/all/arp_ignore"), "0");
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/all/arp_announce"), "0");
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/lo/arp_ignore"), "0");

  EXPECT_EQ(host_sysctl("net/ipv4/conf/all/arp_ignore"), host_ignore);
  EXPECT_EQ(host_sysctl("net/ipv4/conf/all/arp_announce"), host_announce);
}

// The point of the ARP sysctls: a neighbour asking "who has VIP?" gets no
// answer from a real server (only the director may answer), while the real
// server still accepts packets for the VIP sent to its own MAC.
TEST(RealServerNetns, RealServerNeverAnswersArpForTheVip) {
  test::Topology topo;
  auto& client = topo.add_host("cl", "10.93.4.1/24");
  auto& rs = topo.add_host("rs", "10.93.4.2/24");
  ASSERT_EQ(rs.run("ip link set lo up").exit_code, 0);
  ASSERT_EQ(client.run("ip route add 10.93.4.100/32 dev eth0").exit_code, 0);
  // Without lvsctl (VIP on lo by hand, default sysctls) Linux answers ARP for it.
  ASSERT_EQ(rs.run("ip addr add 10.93.4.100/32 dev lo").exit_code, 0);
  EXPECT_EQ(client.run("ping -c1 -W1 10.93.4.100").exit_code, 0);
  ASSERT_EQ(rs.run("ip addr del 10.93.4.100/32 dev lo").exit_code, 0);
  ASSERT_EQ(client.run("ip neigh flush dev eth0").exit_code, 0);

  ASSERT_EQ(rs.run(lvsctl("realserver up --vip 10.93.4.100")).exit_code, 0);
  EXPECT_NE(client.run("ping -c1 -W1 10.93.4.100").exit_code, 0);
  // As a director does in DR: the frame goes to the real server's MAC.
  ASSERT_EQ(client.run("ip neigh replace 10.93.4.100 lladdr " + rs.mac() + " dev eth0").exit_code, 0);
  EXPECT_EQ(client.run("ping -c1 -W1 10.93.4.100").exit_code, 0);
}

TEST(RealServerNetns, DownKeepsArpSysctlsWhileAnotherVipRemains) {
  test::Topology topo;
  auto& rs = topo.add_host("rs", "10.93.1.2/24");
  ASSERT_EQ(rs.run(lvsctl("realserver up --vip 10.93.1.100")).exit_code, 0);
  ASSERT_EQ(rs.run(lvsctl("realserver up --vip 10.93.1.101")).exit_code, 0);
  auto down = rs.run(lvsctl("realserver down --vip 10.93.1.100"));
  ASSERT_EQ(down.exit_code, 0) << down.output;
  EXPECT_NE(down.output.find("arp sysctls kept"), std::string::npos) << down.output;
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/all/arp_ignore"), "1");
  EXPECT_EQ(rs.run(lvsctl("realserver status --vip 10.93.1.101")).exit_code, 0);
  ASSERT_EQ(rs.run(lvsctl("realserver down --vip 10.93.1.101")).exit_code, 0);
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/all/arp_ignore"), "0");
}

TEST(RealServerNetns, Ipv6VipIsAHostRouteOnLo) {
  test::Topology topo;
  auto& rs = topo.add_host("rs", "10.93.2.2/24");
  auto up = rs.run(lvsctl("realserver up --vip 2001:db8:93::100"));
  ASSERT_EQ(up.exit_code, 0) << up.output;
  auto addrs = rs.run("ip -6 -o addr show dev lo");
  EXPECT_NE(addrs.output.find("2001:db8:93::100/128"), std::string::npos) << addrs.output;
  EXPECT_EQ(rs.run(lvsctl("realserver status --vip 2001:db8:93::100")).exit_code, 0);
  ASSERT_EQ(rs.run(lvsctl("realserver down --vip 2001:db8:93::100")).exit_code, 0);
  EXPECT_EQ(rs.run("ip -6 -o addr show dev lo").output.find("2001:db8:93::100"), std::string::npos);
}

TEST(RealServerNetns, BadVipOrDeviceExitsTwo) {
  test::Topology topo;
  auto& rs = topo.add_host("rs", "10.93.3.2/24");
  auto bad_vip = rs.run(lvsctl("realserver up --vip 10.93.3"));
  EXPECT_EQ(bad_vip.exit_code, 2) << bad_vip.output;
  auto bad_dev = rs.run(lvsctl("realserver up --vip 10.93.3.100 --dev nosuch0"));
  EXPECT_EQ(bad_dev.exit_code, 2) << bad_dev.output;
  EXPECT_NE(bad_dev.output.find("no network interface 'nosuch0'"), std::string::npos) << bad_dev.output;
  EXPECT_EQ(sysctl_in(rs, "net/ipv4/conf/all/arp_ignore"), "0");  // nothing was half done
}

}  // namespace
}  // namespace lvsd::cli
