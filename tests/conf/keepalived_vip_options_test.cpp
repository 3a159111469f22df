// keepalived's virtual_ipaddress options (keepalived.conf(5): brd, dev,
// scope, label, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin,
// no_track, preferred_lft): read by the import and the YAML alike (a VIP is
// the same text in both), written back the same, and what lvsd refuses.
#include <gtest/gtest.h>

#include "conf/scalars.hpp"
#include "tests/conf/import_test_support.hpp"

namespace lvsd::conf {
namespace {

using test_support::ka;
using test_support::messages;

std::string instance(const std::string& vips) {
  return "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n" + vips + " }\n}\n";
}

TEST(KeepalivedVipOptions, EveryOptionKeepalivedDocuments) {
  auto r = ka(instance("  10.9.0.110/24 brd 10.9.0.255 dev eth0 label eth0:1\n"
                       "  10.9.0.111/24 no_track\n"
                       "  10.9.0.112 peer 10.9.0.250\n"
                       "  10.9.0.113/24 noprefixroute autojoin -nodad scope link preferred_lft 30\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& v = r.config->vrrp_instances[0].virtual_ipaddress;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].broadcast, core::IpAddress::parse("10.9.0.255").value());
  EXPECT_EQ(v[0].label, "eth0:1");
  EXPECT_TRUE(v[1].no_track);
  EXPECT_EQ(v[2].peer, core::IpAddress::parse("10.9.0.250").value()) << "the peer is not a new address";
  EXPECT_TRUE(v[3].noprefixroute);
  EXPECT_TRUE(v[3].autojoin);
  EXPECT_EQ(v[3].preferred_lft, 30u);
  test_support::expect_round_trip(*r.config);
  EXPECT_EQ(virtual_ip_text(v[3]), "10.9.0.113/24 scope link noprefixroute autojoin preferred_lft 30");
}

TEST(KeepalivedVipOptions, Ipv6Options) {
  auto r = ka("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n version 3\n virtual_ipaddress {\n"
              "  2001:db8::10/64 home mngtmpaddr\n  2001:db8::11 preferred_lft forever\n }\n}\n");
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& v = r.config->vrrp_instances[0].virtual_ipaddress;
  EXPECT_TRUE(v[0].home && v[0].mngtmpaddr);
  EXPECT_EQ(v[1].preferred_lft, kLifetimeForever);
  test_support::expect_round_trip(*r.config);
}

TEST(KeepalivedVipOptions, BadOptionsAreRefusedWithWhatIsAllowed) {
  for (const auto& [line, expected] : std::vector<std::pair<std::string, std::string>>{
           {"10.0.0.1 brd 2001:db8::1", "allowed an IPv4 broadcast address"},
           {"10.0.0.1 peer 2001:db8::1", "allowed an address of the same family"},
           {"10.0.0.1 home", "is for IPv6 addresses only"},
           {"10.0.0.1 preferred_lft soon", "allowed seconds 0-4294967294 or forever"},
           {"10.0.0.1 use_vmac", "lvsd makes a VMAC for the instance's own interface only"},
           {"10.0.0.1 track_group G", "lvsd has no track groups"},
           {"10.0.0.1 frobnicate", "unknown option 'frobnicate'"},
       }) {
    auto r = parse_virtual_ip(line);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_NE(r.error().message.find(expected), std::string::npos) << line << ": " << r.error().message;
  }
  auto r = ka(instance("  10.0.0.1/24 use_vmac\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(messages(r).find("k.conf:5:3: vrrp_instances[0].virtual_ipaddress[0]: use_vmac on a single address"),
            std::string::npos)
      << messages(r);
}

// Found in a real file: two track_script blocks in one instance. keepalived
// 2.2.7 runs it with both scripts; so do the other block lists.
TEST(KeepalivedBlockLists, SeveralBlocksAreOneList) {
  auto r = ka("vrrp_script a {\n script /bin/true\n}\nvrrp_script b {\n script /bin/true\n}\n"
              "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n"
              " track_script {\n  a\n }\n track_script {\n  b weight 5\n }\n"
              " virtual_ipaddress {\n  10.0.0.1\n }\n virtual_ipaddress {\n  10.0.0.2\n }\n"
              " track_interface {\n  eth1\n }\n track_interface {\n  eth2\n }\n}\n");
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& inst = r.config->vrrp_instances[0];
  ASSERT_EQ(inst.track_script.size(), 2u);
  EXPECT_EQ(inst.track_script[1].name, "b");
  EXPECT_EQ(inst.track_script[1].weight, 5);
  EXPECT_EQ(inst.virtual_ipaddress.size(), 2u);
  EXPECT_EQ(inst.track_interface.size(), 2u);
  test_support::expect_round_trip(*r.config);
  // A scalar keyword twice is still refused (keepalived keeps the last one
  // silently; a second priority is a mistake lvsd reports).
  auto twice = ka("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 50\n priority 60\n"
                  " virtual_ipaddress {\n  10.0.0.1\n }\n}\n");
  EXPECT_FALSE(twice.ok());
}

TEST(YamlVipOptions, TheSameTextInYaml) {
  auto r = load_yaml(
      "vrrp_instances:\n  - name: VI_1\n    interface: eth0\n    virtual_router_id: 9\n"
      "    virtual_ipaddress: [\"10.0.0.100/24 brd 10.0.0.255 no_track\"]\n",
      "c.yaml");
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_TRUE(r.config->vrrp_instances[0].virtual_ipaddress[0].no_track);
  test_support::expect_round_trip(*r.config);
}

}  // namespace
}  // namespace lvsd::conf
