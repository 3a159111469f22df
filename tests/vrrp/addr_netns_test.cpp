// netns tier: VIPs added and removed over rtnetlink show up in `ip addr`.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/netns.hpp"
#include "tests/vrrp/in_netns.hpp"
#include "vrrp/addr.hpp"

namespace lvsd::vrrp {
namespace {

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

int ifindex_in(const test::Host& host, const char* name) {
  return std::stoi(host.run(std::string("cat /sys/class/net/") + name + "/ifindex").output);
}

bool listed(const std::vector<InterfaceAddress>& list, const core::IpAddress& a) {
  return std::any_of(list.begin(), list.end(), [&](const InterfaceAddress& x) { return x.prefix.address == a; });
}

TEST(AddressClientNetns, AddListAndRemoveIpv4VipWithLabel) {
  test::Topology topo;
  auto& a = topo.add_host("a", "10.89.0.1/24");
  auto client = test_support::in_netns<AddressClient>(a, [] { return AddressClient::open(); });
  ASSERT_TRUE(client.ok()) << client.error().message;
  const int eth0 = ifindex_in(a, "eth0");
  const VipSpec vip{.prefix = {ip("10.89.0.100"), 32}, .ifindex = eth0, .label = "eth0:vip"};

  auto st = client->add(vip);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto shown = a.run("ip -4 addr show dev eth0");
  EXPECT_NE(shown.output.find("inet 10.89.0.100/32"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("eth0:vip"), std::string::npos) << shown.output;

  auto list = client->list(core::AddressFamily::kIpv4, eth0);
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_TRUE(listed(*list, ip("10.89.0.1")));
  const auto it = std::find_if(list->begin(), list->end(),
                               [&](const InterfaceAddress& x) { return x.prefix.address == vip.prefix.address; });
  ASSERT_NE(it, list->end());
  EXPECT_EQ(it->label, "eth0:vip");
  EXPECT_EQ(it->prefix.length, 32);

  EXPECT_TRUE(client->add(vip).ok());  // repeated add: still fine
  st = client->remove(vip);
  ASSERT_TRUE(st.ok()) << st.error().message;
  shown = a.run("ip -4 addr show dev eth0");
  EXPECT_EQ(shown.output.find("10.89.0.100"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("10.89.0.1/24"), std::string::npos) << shown.output;
  EXPECT_TRUE(client->remove(vip).ok());  // already gone: fine
}

TEST(AddressClientNetns, Ipv6VipIsUsableAtOnce) {
  test::Topology topo;
  auto& a = topo.add_host("a", "10.89.1.1/24");
  ASSERT_EQ(a.run("sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0").exit_code, 0);
  auto client = test_support::in_netns<AddressClient>(a, [] { return AddressClient::open(); });
  ASSERT_TRUE(client.ok()) << client.error().message;
  const VipSpec vip{.prefix = {ip("2001:db8:89::100"), 128}, .ifindex = ifindex_in(a, "eth0")};
  auto st = client->add(vip);
  ASSERT_TRUE(st.ok()) << st.error().message;
  // Only the VIP's entry: the link-local address may still be tentative.
  const auto shown = a.run("ip -6 addr show dev eth0 to 2001:db8:89::100/128");
  EXPECT_NE(shown.output.find("2001:db8:89::100/128"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("nodad"), std::string::npos) << shown.output;
  EXPECT_EQ(shown.output.find("tentative"), std::string::npos) << shown.output;
  auto list = client->list(core::AddressFamily::kIpv6);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(listed(*list, vip.prefix.address));
  EXPECT_TRUE(client->remove(vip).ok());
  list = client->list(core::AddressFamily::kIpv6);
  ASSERT_TRUE(list.ok());
  EXPECT_FALSE(listed(*list, vip.prefix.address));
}

TEST(AddressClientNetns, AddOnAMissingInterfaceFails) {
  test::Topology topo;
  auto& a = topo.add_host("a", "10.89.2.1/24");
  auto client = test_support::in_netns<AddressClient>(a, [] { return AddressClient::open(); });
  ASSERT_TRUE(client.ok());
  const auto st = client->add(VipSpec{.prefix = {ip("10.89.2.100")}, .ifindex = 9999});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("RTM_NEWADDR 10.89.2.100/32"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace lvsd::vrrp
