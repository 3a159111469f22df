#include "vrrp/link_monitor.hpp"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <vector>

namespace lvsd::vrrp {
namespace {

std::vector<std::uint8_t> link_message(std::uint16_t type, int ifindex, unsigned flags, const char* name) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_index = ifindex;
  ifi->ifi_flags = flags;
  if (name != nullptr) mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
  buf.resize(NLMSG_ALIGN(nlh->nlmsg_len));
  return buf;
}

TEST(LinkMonitor, ParsesUpDownAndDeleted) {
  auto up = parse_link_message(link_message(RTM_NEWLINK, 3, IFF_UP | IFF_RUNNING, "eth1"));
  ASSERT_TRUE(up);
  EXPECT_EQ(*up, (LinkState{.ifindex = 3, .name = "eth1", .up = true}));
  // Administratively up but no carrier: down for VRRP.
  auto no_carrier = parse_link_message(link_message(RTM_NEWLINK, 3, IFF_UP, "eth1"));
  ASSERT_TRUE(no_carrier);
  EXPECT_FALSE(no_carrier->up);
  auto deleted = parse_link_message(link_message(RTM_DELLINK, 3, IFF_UP | IFF_RUNNING, "eth1"));
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->up);
}

TEST(LinkMonitor, IgnoresOtherMessagesAndTruncation) {
  EXPECT_FALSE(parse_link_message(link_message(RTM_NEWADDR, 3, IFF_UP, "eth1")));
  EXPECT_FALSE(parse_link_message(link_message(RTM_NEWLINK, 3, IFF_UP, nullptr)));
  auto msg = link_message(RTM_NEWLINK, 3, IFF_UP, "eth1");
  msg.resize(10);
  EXPECT_FALSE(parse_link_message(msg));
}

TEST(LinkMonitor, SplitsABufferOfMessages) {
  auto a = link_message(RTM_NEWLINK, 2, IFF_UP | IFF_RUNNING, "eth0");
  auto b = link_message(RTM_NEWADDR, 2, 0, "x");
  auto c = link_message(RTM_NEWLINK, 3, 0, "eth1");
  std::vector<std::uint8_t> all;
  for (auto* m : {&a, &b, &c}) all.insert(all.end(), m->begin(), m->end());
  const auto links = parse_link_messages(all);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].name, "eth0");
  EXPECT_TRUE(links[0].up);
  EXPECT_EQ(links[1].name, "eth1");
  EXPECT_FALSE(links[1].up);
}

}  // namespace
}  // namespace lvsd::vrrp
