// netns tier: a gratuitous ARP from the new VIP holder moves a third host's
// neighbour entry for the VIP to the new holder's MAC.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/support/netns.hpp"
#include "tests/vrrp/in_netns.hpp"
#include "vrrp/garp.hpp"
#include "vrrp/neighbour_advert.hpp"

namespace lvsd::vrrp {
namespace {

using std::chrono::milliseconds;

std::string neighbour_mac(const test::Host& host, const char* ip) {
  // "10.90.0.100 dev eth0 lladdr 02:..:.. REACHABLE"
  const auto out = host.run(std::string("ip neigh show ") + ip).output;
  const auto at = out.find("lladdr ");
  return at == std::string::npos ? "" : out.substr(at + 7, 17);
}

TEST(GarpNetns, NeighbourEntryMovesToTheNewHolder) {
  test::Topology topo;
  auto& a = topo.add_host("a", "10.90.0.1/24");
  auto& b = topo.add_host("b", "10.90.0.2/24");
  auto& c = topo.add_host("c", "10.90.0.3/24");
  // Let c take the update at once (the default locktime ignores changes for 1 s).
  ASSERT_EQ(c.run("sysctl -qw net.ipv4.neigh.eth0.locktime=0").exit_code, 0);

  ASSERT_EQ(a.run("ip addr add 10.90.0.100/32 dev eth0").exit_code, 0);
  ASSERT_EQ(c.run("ping -c1 -W2 10.90.0.100").exit_code, 0);
  ASSERT_EQ(neighbour_mac(c, "10.90.0.100"), a.mac());

  // Failover: the VIP moves to b, which announces it.
  ASSERT_EQ(a.run("ip addr del 10.90.0.100/32 dev eth0").exit_code, 0);
  ASSERT_EQ(b.run("ip addr add 10.90.0.100/32 dev eth0").exit_code, 0);
  auto sender = test_support::in_netns<GarpSender>(b, [] { return GarpSender::open("eth0"); });
  ASSERT_TRUE(sender.ok()) << sender.error().message;
  {
    char mac[18];
    const auto& m = sender->mac();
    std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    EXPECT_EQ(mac, b.mac());
  }
  const auto st = sender->send(core::IpAddress::parse("10.90.0.100").value());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(test::wait_until([&] { return neighbour_mac(c, "10.90.0.100") == b.mac(); }, milliseconds(2000)))
      << c.run("ip neigh show").output;
  EXPECT_EQ(c.run("ping -c1 -W2 10.90.0.100").exit_code, 0);
}

TEST(GarpNetns, UnsolicitedNaMovesTheIpv6NeighbourEntry) {
  test::Topology topo;
  auto& a = topo.add_host("a", "10.90.2.1/24");
  auto& b = topo.add_host("b", "10.90.2.2/24");
  auto& c = topo.add_host("c", "10.90.2.3/24");
  for (auto* h : {&a, &b, &c}) {
    ASSERT_EQ(h->run("sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0").exit_code, 0);
  }
  ASSERT_EQ(c.run("ip -6 addr add 2001:db8:90::3/64 dev eth0 nodad").exit_code, 0);
  ASSERT_EQ(a.run("ip -6 addr add 2001:db8:90::100/64 dev eth0 nodad").exit_code, 0);
  // Link-local addresses must finish DAD before neighbour discovery works.
  ASSERT_TRUE(test::wait_until(
      [&] { return c.run("ping -6 -c1 -W1 2001:db8:90::100").exit_code == 0; }, milliseconds(5000),
      milliseconds(200)));
  ASSERT_EQ(neighbour_mac(c, "2001:db8:90::100"), a.mac());

  ASSERT_EQ(a.run("ip -6 addr del 2001:db8:90::100/64 dev eth0").exit_code, 0);
  ASSERT_EQ(b.run("ip -6 addr add 2001:db8:90::100/64 dev eth0 nodad").exit_code, 0);
  auto sender = test_support::in_netns<NaSender>(b, [] { return NaSender::open("eth0"); });
  ASSERT_TRUE(sender.ok()) << sender.error().message;
  const auto st = sender->send(core::IpAddress::parse("2001:db8:90::100").value());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(test::wait_until([&] { return neighbour_mac(c, "2001:db8:90::100") == b.mac(); },
                               milliseconds(2000)))
      << c.run("ip -6 neigh show").output;
}

TEST(GarpNetns, RefusesIpv6) {
  test::Topology topo;
  auto& a = topo.add_host("a", "10.90.1.1/24");
  auto sender = test_support::in_netns<GarpSender>(a, [] { return GarpSender::open("eth0"); });
  ASSERT_TRUE(sender.ok()) << sender.error().message;
  EXPECT_FALSE(sender->send(core::IpAddress::parse("2001:db8::1").value()).ok());
}

}  // namespace
}  // namespace lvsd::vrrp
