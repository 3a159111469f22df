// The nftables commands of no accept mode (vrrp/vip_filter.hpp), as text;
// the netns tier runs them (tests/daemon/lvsd_strict_netns_test.cpp).
#include <gtest/gtest.h>

#include "vrrp/vip_filter.hpp"

namespace lvsd::vrrp {
namespace {

core::IpAddress ip(const char* text) { return *core::IpAddress::parse(text); }

TEST(VipFilter, SetupMakesTheTableSetAndDropRulesOnce) {
  const std::string v4 = vip_filter_setup_commands(core::AddressFamily::kIpv4);
  EXPECT_NE(v4.find("add table ip lvsd\n"), std::string::npos) << v4;
  EXPECT_NE(v4.find("add set ip lvsd vips { type ipv4_addr; }"), std::string::npos) << v4;
  EXPECT_NE(v4.find("hook input priority filter - 1"), std::string::npos) << v4;
  EXPECT_NE(v4.find("hook output priority filter - 1"), std::string::npos) << v4;
  // The rules are rewritten after a flush, so a second setup adds none.
  EXPECT_LT(v4.find("flush chain ip lvsd in"), v4.find("add rule ip lvsd in ip daddr @vips drop")) << v4;
  EXPECT_LT(v4.find("flush chain ip lvsd out"), v4.find("add rule ip lvsd out ip saddr @vips drop")) << v4;
  EXPECT_EQ(v4.find("icmpv6"), std::string::npos);
  const std::string v6 = vip_filter_setup_commands(core::AddressFamily::kIpv6);
  EXPECT_NE(v6.find("add set ip6 lvsd vips { type ipv6_addr; }"), std::string::npos) << v6;
  // Neighbour discovery is let through before the drop.
  EXPECT_LT(v6.find("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept"),
            v6.find("ip6 daddr @vips drop"))
      << v6;
}

TEST(VipFilter, ElementsAndTeardown) {
  EXPECT_EQ(vip_filter_element_command(true, ip("10.0.0.100")), "add element ip lvsd vips { 10.0.0.100 }\n");
  EXPECT_EQ(vip_filter_element_command(false, ip("2001:db8::1")), "delete element ip6 lvsd vips { 2001:db8::1 }\n");
  EXPECT_EQ(vip_filter_teardown_command(core::AddressFamily::kIpv6), "delete table ip6 lvsd\n");
  EXPECT_EQ(vip_filter_exists_command(core::AddressFamily::kIpv4), "list table ip lvsd\n");
}

}  // namespace
}  // namespace lvsd::vrrp
