// static/virtual routes and rules in the kernel's terms: the general route
// message, the FIB rule message (fib_rule_hdr + FRA_* attributes, parsed
// back), and conf -> kernel (scope defaults, devices).
#include "daemon/rules.hpp"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <map>

#include "conf/ip_syntax.hpp"
#include "daemon/ip_config.hpp"

namespace lvsd::daemon {
namespace {

core::IpAddress ip(const char* t) { return *core::IpAddress::parse(t); }
core::IpPrefix prefix(const char* t) { return *core::IpPrefix::parse(t); }

// Every attribute of a message after its fixed header: type -> payload.
using Attributes = std::map<int, std::vector<std::uint8_t>>;
int collect(const nlattr* attr, void* data) {
  const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
  (*static_cast<Attributes*>(data))[mnl_attr_get_type(attr)] =
      std::vector<std::uint8_t>(p, p + mnl_attr_get_payload_len(attr));
  return MNL_CB_OK;
}
Attributes attributes(const std::vector<std::uint8_t>& m, std::size_t header) {
  Attributes out;
  mnl_attr_parse(reinterpret_cast<const nlmsghdr*>(m.data()), static_cast<unsigned>(header), collect, &out);
  return out;
}

std::vector<std::uint8_t> u32(std::uint32_t v) {
  std::vector<std::uint8_t> b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

TEST(KernelRoute, GatewaySourceMetricAndALargeTable) {
  const KernelRoute r{.dst = prefix("10.9.0.0/16"), .type = RTN_UNICAST, .table = 1000, .protocol = 18,
                      .scope = RT_SCOPE_UNIVERSE, .oif = 3, .gateway = ip("10.0.0.254"), .prefsrc = ip("10.0.0.5"),
                      .metric = 7, .onlink = true};
  const auto m = build_kernel_route_request(RouteOp::kAdd, r, 9);
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(m.data());
  EXPECT_EQ(nlh->nlmsg_type, RTM_NEWROUTE);
  EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  const auto& rtm = *reinterpret_cast<const rtmsg*>(m.data() + NLMSG_HDRLEN);
  EXPECT_EQ(rtm.rtm_family, AF_INET);
  EXPECT_EQ(rtm.rtm_dst_len, 16);
  EXPECT_EQ(rtm.rtm_table, RT_TABLE_UNSPEC);  // > 255: only in RTA_TABLE
  EXPECT_EQ(rtm.rtm_protocol, 18);
  EXPECT_EQ(rtm.rtm_flags & RTNH_F_ONLINK, static_cast<unsigned>(RTNH_F_ONLINK));
  auto a = attributes(m, sizeof(rtmsg));
  EXPECT_EQ(a[RTA_DST], (std::vector<std::uint8_t>{10, 9, 0, 0}));
  EXPECT_EQ(a[RTA_TABLE], u32(1000));
  EXPECT_EQ(a[RTA_OIF], u32(3));
  EXPECT_EQ(a[RTA_GATEWAY], (std::vector<std::uint8_t>{10, 0, 0, 254}));
  EXPECT_EQ(a[RTA_PREFSRC], (std::vector<std::uint8_t>{10, 0, 0, 5}));
  EXPECT_EQ(a[RTA_PRIORITY], u32(7));
  EXPECT_EQ(parse_kernel_route(m.data(), m.size()), r);
}

TEST(KernelRoute, DefaultRouteCarriesNoDestinationAndBlackholeNoDevice) {
  const KernelRoute def{.dst = prefix("::/0"), .table = 254, .oif = 2, .gateway = ip("fe80::1")};
  const auto m = build_kernel_route_request(RouteOp::kRemove, def, 1);
  EXPECT_EQ(reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_type, RTM_DELROUTE);
  auto a = attributes(m, sizeof(rtmsg));
  EXPECT_EQ(a.count(RTA_DST), 0u);
  EXPECT_EQ(a[RTA_GATEWAY].size(), 16u);
  auto back = m;
  reinterpret_cast<nlmsghdr*>(back.data())->nlmsg_type = RTM_NEWROUTE;
  EXPECT_EQ(parse_kernel_route(back.data(), back.size()), def);

  const KernelRoute hole{.dst = prefix("10.3.0.0/16"), .type = RTN_BLACKHOLE, .table = 5};
  auto h = attributes(build_kernel_route_request(RouteOp::kAdd, hole, 1), sizeof(rtmsg));
  EXPECT_EQ(h.count(RTA_OIF), 0u);
  EXPECT_EQ(h.count(RTA_GATEWAY), 0u);
}

TEST(KernelRule, TableLookupRuleWithEverySelector) {
  const KernelRule r{.family = core::AddressFamily::kIpv4, .src = prefix("10.0.0.0/24"), .dst = prefix("10.9.0.0/16"),
                     .invert = true, .table = 100, .priority = 1000, .iif = "eth0", .oif = "eth1", .fwmark = 16,
                     .fwmask = 255, .protocol = 18};
  const auto m = build_rule_request(RouteOp::kAdd, r, 4);
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(m.data());
  EXPECT_EQ(nlh->nlmsg_type, RTM_NEWRULE);
  EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  EXPECT_EQ(nlh->nlmsg_seq, 4u);
  const auto& frh = *reinterpret_cast<const fib_rule_hdr*>(m.data() + NLMSG_HDRLEN);
  EXPECT_EQ(frh.family, AF_INET);
  EXPECT_EQ(frh.src_len, 24);
  EXPECT_EQ(frh.dst_len, 16);
  EXPECT_EQ(frh.table, 100);
  EXPECT_EQ(frh.action, FR_ACT_TO_TBL);
  EXPECT_EQ(frh.flags, static_cast<unsigned>(FIB_RULE_INVERT));
  auto a = attributes(m, sizeof(fib_rule_hdr));
  EXPECT_EQ(a[FRA_SRC], (std::vector<std::uint8_t>{10, 0, 0, 0}));
  EXPECT_EQ(a[FRA_DST], (std::vector<std::uint8_t>{10, 9, 0, 0}));
  EXPECT_EQ(a[FRA_TABLE], u32(100));
  EXPECT_EQ(a[FRA_PRIORITY], u32(1000));
  EXPECT_EQ(a[FRA_IFNAME], (std::vector<std::uint8_t>{'e', 't', 'h', '0', 0}));
  EXPECT_EQ(a[FRA_OIFNAME], (std::vector<std::uint8_t>{'e', 't', 'h', '1', 0}));
  EXPECT_EQ(a[FRA_FWMARK], u32(16));
  EXPECT_EQ(a[FRA_FWMASK], u32(255));
  EXPECT_EQ(a[FRA_PROTOCOL], (std::vector<std::uint8_t>{18}));
  EXPECT_EQ(parse_rule_message(m.data(), m.size()), r);
}

TEST(KernelRule, RemovalAndTheOptionalParts) {
  const KernelRule r{.family = core::AddressFamily::kIpv6, .table = 300};
  const auto m = build_rule_request(RouteOp::kRemove, r, 1);
  EXPECT_EQ(reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_type, RTM_DELRULE);
  EXPECT_EQ(reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  const auto& frh = *reinterpret_cast<const fib_rule_hdr*>(m.data() + NLMSG_HDRLEN);
  EXPECT_EQ(frh.family, AF_INET6);
  EXPECT_EQ(frh.table, RT_TABLE_UNSPEC);  // > 255: only in FRA_TABLE
  auto a = attributes(m, sizeof(fib_rule_hdr));
  EXPECT_EQ(a.count(FRA_PRIORITY), 0u);
  EXPECT_EQ(a.count(FRA_SRC), 0u);
  EXPECT_EQ(a[FRA_TABLE], u32(300));
  auto back = m;
  reinterpret_cast<nlmsghdr*>(back.data())->nlmsg_type = RTM_NEWRULE;
  EXPECT_EQ(parse_rule_message(back.data(), back.size()), r);
  EXPECT_EQ(parse_rule_message(m.data(), m.size()), std::nullopt);  // not a dump entry
  EXPECT_EQ(parse_rule_message(back.data(), 12), std::nullopt);
}

TEST(KernelRule, APresentRuleMatchesWhatWasAskedFor) {
  const KernelRule wanted{.src = prefix("10.0.0.0/24"), .table = 100, .fwmark = 3};
  KernelRule present = wanted;
  present.priority = 32765;  // the kernel picked one
  present.fwmask = 0xFFFFFFFF;  // and reports the full mask of a bare mark
  present.protocol = 0;
  EXPECT_TRUE(rule_matches(present, wanted));
  KernelRule with_priority = wanted;
  with_priority.priority = 100;
  EXPECT_FALSE(rule_matches(present, with_priority));
  KernelRule other_table = present;
  other_table.table = 101;
  EXPECT_FALSE(rule_matches(other_table, wanted));
  KernelRule other_src = present;
  other_src.src = prefix("10.0.1.0/24");
  EXPECT_FALSE(rule_matches(other_src, wanted));
}

TEST(IpConfig, ConfRoutesInKernelTerms) {
  const IfindexOf ifindex_of = [](const std::string& name) { return name == "eth1" ? 3 : 0; };
  auto dev_only = kernel_route(*conf::parse_ip_route(std::string_view("10.9.0.0/16 dev eth1 table 100")), ifindex_of);
  ASSERT_TRUE(dev_only.ok());
  EXPECT_EQ(dev_only->oif, 3);
  EXPECT_EQ(dev_only->scope, RT_SCOPE_LINK);  // as ip route: a device route without a gateway
  EXPECT_EQ(dev_only->protocol, 18);
  EXPECT_EQ(dev_only->table, 100u);
  auto via = kernel_route(*conf::parse_ip_route(std::string_view("default via 10.0.0.1")), ifindex_of);
  ASSERT_TRUE(via.ok());
  EXPECT_EQ(via->scope, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(via->oif, 0);
  EXPECT_EQ(via->gateway, ip("10.0.0.1"));
  auto hole = kernel_route(*conf::parse_ip_route(std::string_view("prohibit 10.3.0.0/16")), ifindex_of);
  EXPECT_EQ(hole->type, RTN_PROHIBIT);
  auto scoped = kernel_route(*conf::parse_ip_route(std::string_view("10.1.1.1 dev eth1 scope host")), ifindex_of);
  EXPECT_EQ(scoped->scope, RT_SCOPE_HOST);
  auto missing = kernel_route(*conf::parse_ip_route(std::string_view("10.9.0.0/16 dev eth9")), ifindex_of);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no interface eth9"), std::string::npos);
}

TEST(IpConfig, ConfRulesInKernelTerms) {
  const KernelRule k = kernel_rule(*conf::parse_ip_rule(std::string_view("not from 10.0.0.0/24 table 100 fwmark 5/7 iif eth0")));
  EXPECT_EQ(k, (KernelRule{.family = core::AddressFamily::kIpv4, .src = prefix("10.0.0.0/24"), .invert = true,
                           .table = 100, .iif = "eth0", .fwmark = 5, .fwmask = 7, .protocol = 18}));
}

TEST(IpConfig, StaticChangesOnReload) {
  const std::vector<int> before{1, 2, 3};
  const std::vector<int> after{2, 4};
  EXPECT_EQ(only_in(before, after), (std::vector<int>{1, 3}));
}

}  // namespace
}  // namespace lvsd::daemon
