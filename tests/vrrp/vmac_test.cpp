// unit: the VMAC's rtnetlink messages, built without a socket and parsed
// back, and its nftables commands as text.
#include "vrrp/vmac.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

namespace lvsd::vrrp {
namespace {

const VmacSpec kSpec{.name = "vrrp.51", .base_ifindex = 7, .mac = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x33}};

const nlmsghdr* header(const std::vector<std::uint8_t>& msg) {
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(msg.data());
  EXPECT_EQ(nlh->nlmsg_len, msg.size());
  return nlh;
}

TEST(Vmac, CreateIsAPrivateMacvlanOnTheBaseWithTheMac) {
  const auto msg = build_vmac_create(kSpec, 42);
  const nlmsghdr* nlh = header(msg);
  EXPECT_EQ(nlh->nlmsg_type, RTM_NEWLINK);
  EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  EXPECT_EQ(nlh->nlmsg_seq, 42u);
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  EXPECT_EQ(ifi->ifi_flags & IFF_UP, 0u) << "created down: the sysctls come first";
  // What the kernel reads from it is what a dump of the made interface says.
  auto parsed = parse_link_message(msg);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "vrrp.51");
  EXPECT_EQ(parsed->kind, "macvlan");
  EXPECT_EQ(parsed->link, 7);
  EXPECT_EQ(parsed->mac, kSpec.mac);
  EXPECT_EQ(parsed->macvlan_mode, static_cast<std::uint32_t>(MACVLAN_MODE_PRIVATE));
  EXPECT_TRUE(is_vmac(*parsed, kSpec));
}

TEST(Vmac, OnlyTheSameMacvlanIsTakenOver) {
  LinkInfo link{.ifindex = 9, .name = "vrrp.51", .kind = "macvlan", .link = 7, .mac = kSpec.mac,
                .macvlan_mode = MACVLAN_MODE_PRIVATE};
  EXPECT_TRUE(is_vmac(link, kSpec));
  auto other = link;
  other.mac = MacAddress{0x00, 0x00, 0x5e, 0x00, 0x01, 0x34};
  EXPECT_FALSE(is_vmac(other, kSpec)) << "another VRID's MAC";
  other = link;
  other.link = 8;
  EXPECT_FALSE(is_vmac(other, kSpec)) << "on another interface";
  other = link;
  other.kind = "veth";
  EXPECT_FALSE(is_vmac(other, kSpec)) << "not a macvlan";
  other = link;
  other.macvlan_mode = MACVLAN_MODE_BRIDGE;
  EXPECT_FALSE(is_vmac(other, kSpec)) << "bridge mode";
}

TEST(Vmac, LinkSettings) {
  const auto up = build_link_up(9, true, 1);
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(header(up)));
  EXPECT_EQ(ifi->ifi_index, 9);
  EXPECT_EQ(ifi->ifi_change, static_cast<unsigned>(IFF_UP));
  EXPECT_EQ(ifi->ifi_flags, static_cast<unsigned>(IFF_UP));
  const auto del = build_link_delete(9, 2);
  EXPECT_EQ(header(del)->nlmsg_type, RTM_DELLINK);
  const auto gen = build_addr_gen_mode_none(9, 3);
  // IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE = NONE } }
  const nlmsghdr* nlh = header(gen);
  int mode = -1;
  mnl_attr_parse(
      nlh, sizeof(ifinfomsg),
      [](const nlattr* a, void* data) -> int {
        if (mnl_attr_get_type(a) != IFLA_AF_SPEC) return MNL_CB_OK;
        mnl_attr_parse_nested(
            a,
            [](const nlattr* family, void* d) -> int {
              if (mnl_attr_get_type(family) != AF_INET6) return MNL_CB_OK;
              mnl_attr_parse_nested(
                  family,
                  [](const nlattr* x, void* m) -> int {
                    if (mnl_attr_get_type(x) == IFLA_INET6_ADDR_GEN_MODE) *static_cast<int*>(m) = mnl_attr_get_u8(x);
                    return MNL_CB_OK;
                  },
                  d);
              return MNL_CB_OK;
            },
            data);
        return MNL_CB_OK;
      },
      &mode);
  EXPECT_EQ(mode, IN6_ADDR_GEN_MODE_NONE);
}

TEST(Vmac, MembershipReportsGoOutOnTheBase) {
  const std::string v4 = vmac_filter_commands(core::AddressFamily::kIpv4, {{"vrrp.51", "eth0"}});
  EXPECT_NE(v4.find("add chain ip lvsd vmac { type filter hook output priority filter - 1; policy accept; }"),
            std::string::npos)
      << v4;
  EXPECT_NE(v4.find("flush chain ip lvsd vmac\n"), std::string::npos) << v4;
  EXPECT_NE(v4.find("add rule ip lvsd vmac oifname \"vrrp.51\" ip protocol igmp dup to ip daddr device \"eth0\" drop"),
            std::string::npos)
      << v4;
  const std::string v6 = vmac_filter_commands(core::AddressFamily::kIpv6, {{"vrrp.52", "eth1"}});
  EXPECT_NE(v6.find("oifname \"vrrp.52\" icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } "
                    "dup to ip6 daddr device \"eth1\" drop"),
            std::string::npos)
      << v6;
  EXPECT_NE(v6.find("oifname \"vrrp.52\" icmpv6 type nd-router-solicit drop"), std::string::npos) << v6;
  // No VMAC left: the chain is emptied.
  const std::string none = vmac_filter_commands(core::AddressFamily::kIpv4, {});
  EXPECT_EQ(none.find("add rule"), std::string::npos) << none;
  EXPECT_NE(none.find("flush chain ip lvsd vmac"), std::string::npos) << none;
}

}  // namespace
}  // namespace lvsd::vrrp
