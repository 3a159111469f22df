// lvsd's scale-out routes: the rtnetlink messages (byte by byte where it
// matters) and the plan between held and wanted routes.
#include "daemon/routes.hpp"

#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace lvsd::daemon {
namespace {

core::IpAddress ip(const char* text) { return *core::IpAddress::parse(text); }

const rtmsg& header(const std::vector<std::uint8_t>& m) {
  return *reinterpret_cast<const rtmsg*>(m.data() + NLMSG_HDRLEN);
}

TEST(Routes, AnnounceRouteIsAUnicastHostRouteInItsTableWithLvsdsProtocol) {
  const VipRoute r{.kind = RouteKind::kAnnounce, .table = 200, .vip = ip("10.0.0.100")};
  const auto m = build_route_request(RouteOp::kAdd, r, 1, 7);
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(m.data());
  EXPECT_EQ(nlh->nlmsg_type, RTM_NEWROUTE);
  EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  EXPECT_EQ(nlh->nlmsg_seq, 7u);
  const rtmsg& rtm = header(m);
  EXPECT_EQ(rtm.rtm_family, AF_INET);
  EXPECT_EQ(rtm.rtm_dst_len, 32);
  EXPECT_EQ(rtm.rtm_table, 200);
  EXPECT_EQ(rtm.rtm_protocol, 250);
  EXPECT_EQ(rtm.rtm_type, RTN_UNICAST);
  EXPECT_EQ(rtm.rtm_scope, RT_SCOPE_LINK);
  // The same message read back as a dump entry is the same route.
  EXPECT_EQ(parse_route_message(m.data(), m.size()), r);
}

TEST(Routes, LocalRouteIsInTheLocalTableWithHostScope) {
  const VipRoute r{.kind = RouteKind::kLocal, .table = kLocalTable, .vip = ip("2001:db8::1")};
  const auto m = build_route_request(RouteOp::kRemove, r, 1, 1);
  EXPECT_EQ(reinterpret_cast<const nlmsghdr*>(m.data())->nlmsg_type, RTM_DELROUTE);
  const rtmsg& rtm = header(m);
  EXPECT_EQ(rtm.rtm_family, AF_INET6);
  EXPECT_EQ(rtm.rtm_dst_len, 128);
  EXPECT_EQ(rtm.rtm_table, RT_TABLE_LOCAL);
  EXPECT_EQ(rtm.rtm_type, RTN_LOCAL);
  EXPECT_EQ(rtm.rtm_scope, RT_SCOPE_HOST);
  auto back = m;
  reinterpret_cast<nlmsghdr*>(back.data())->nlmsg_type = RTM_NEWROUTE;
  EXPECT_EQ(parse_route_message(back.data(), back.size()), r);
}

TEST(Routes, OtherProgramsRoutesAndMalformedMessagesAreNotLvsds) {
  const VipRoute r{.kind = RouteKind::kAnnounce, .table = 200, .vip = ip("10.0.0.100")};
  auto m = build_route_request(RouteOp::kAdd, r, 1, 1);
  auto other = m;
  reinterpret_cast<rtmsg*>(other.data() + NLMSG_HDRLEN)->rtm_protocol = RTPROT_STATIC;
  EXPECT_EQ(parse_route_message(other.data(), other.size()), std::nullopt);
  auto prefix = m;
  reinterpret_cast<rtmsg*>(prefix.data() + NLMSG_HDRLEN)->rtm_dst_len = 24;  // not a host route
  EXPECT_EQ(parse_route_message(prefix.data(), prefix.size()), std::nullopt);
  EXPECT_EQ(parse_route_message(m.data(), 10), std::nullopt);
  auto longer = m;
  reinterpret_cast<nlmsghdr*>(longer.data())->nlmsg_len = static_cast<std::uint32_t>(m.size() + 100);
  EXPECT_EQ(parse_route_message(longer.data(), longer.size()), std::nullopt);
}

TEST(Routes, PlanAddsWhatIsMissingAndRemovesWhatIsLeftOver) {
  const VipRoute local1{.kind = RouteKind::kLocal, .table = kLocalTable, .vip = ip("10.0.0.1")};
  const VipRoute ann1{.kind = RouteKind::kAnnounce, .table = 200, .vip = ip("10.0.0.1")};
  const VipRoute ann_old_table{.kind = RouteKind::kAnnounce, .table = 100, .vip = ip("10.0.0.1")};
  const RoutePlan plan = plan_routes({local1, ann_old_table, local1}, {ann1, local1});
  EXPECT_EQ(plan.add, std::vector<VipRoute>{ann1});
  EXPECT_EQ(plan.remove, std::vector<VipRoute>{ann_old_table});
  EXPECT_TRUE(plan_routes({ann1}, {ann1}).add.empty());
}

}  // namespace
}  // namespace lvsd::daemon
