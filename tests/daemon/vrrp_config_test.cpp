// unit: conf::VrrpInstance -> what the VRRP instance and the kernel get:
// keepalived's address options, the devices an instance tracks, and the
// VIPs' place with use_vmac.
#include "daemon/vrrp_config.hpp"

#include <linux/if_addr.h>

#include <gtest/gtest.h>

#include "conf/scalars.hpp"

namespace lvsd::daemon {
namespace {

conf::VirtualIpAddress vip(const std::string& text) { return conf::parse_virtual_ip(text).value(); }
core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

int fake_ifindex(const std::string& name) {
  if (name == "eth0") return 2;
  if (name == "eth1") return 3;
  if (name == "vrrp.51") return 9;
  return 0;
}

conf::VrrpInstance instance(std::vector<conf::VirtualIpAddress> vips, std::vector<conf::VirtualIpAddress> excluded = {}) {
  conf::VrrpInstance in;
  in.name = "VI_1";
  in.interface = "eth0";
  in.virtual_router_id = 51;
  in.virtual_ipaddress = std::move(vips);
  in.virtual_ipaddress_excluded = std::move(excluded);
  return in;
}

std::vector<std::string> tracked_links(const vrrp::InstanceConfig& c) {
  std::vector<std::string> out;
  for (const auto& t : c.track_interface) out.push_back(t.name + "/" + std::to_string(t.weight));
  return out;
}

TEST(VrrpConfig, KeepalivedAddressOptionsReachTheKernelRequest) {
  auto spec = vip_spec(vip("10.0.0.112/24 brd 10.0.0.255 peer 10.0.0.250 noprefixroute autojoin preferred_lft 60"));
  EXPECT_EQ(spec.broadcast, ip("10.0.0.255"));
  EXPECT_EQ(spec.peer, ip("10.0.0.250"));
  EXPECT_EQ(spec.flags, static_cast<std::uint32_t>(IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN));
  EXPECT_EQ(spec.preferred_lft, 60u);
  auto v6 = vip_spec(vip("2001:db8::1/64 home mngtmpaddr"));
  EXPECT_EQ(v6.flags, static_cast<std::uint32_t>(IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR));
  EXPECT_FALSE(v6.preferred_lft) << "forever";
}

TEST(VrrpConfig, AnIpv6HostAddressIsDeprecatedUnlessForever) {
  // keepalived.conf(5): preferred_lft 0 is the default for a /128.
  EXPECT_EQ(vip_spec(vip("2001:db8::1")).preferred_lft, 0u);
  EXPECT_EQ(vip_spec(vip("2001:db8::1/128")).preferred_lft, 0u);
  EXPECT_FALSE(vip_spec(vip("2001:db8::1/128 preferred_lft forever")).preferred_lft);
  EXPECT_FALSE(vip_spec(vip("2001:db8::1/64")).preferred_lft);
  EXPECT_FALSE(vip_spec(vip("10.0.0.1")).preferred_lft);
}

TEST(VrrpConfig, TheDevicesOfVipsAreTrackedUnlessNoTrack) {
  auto in = instance({vip("10.0.0.100/24"), vip("10.1.0.100/24 dev eth1")}, {vip("10.2.0.100/24 dev eth1")});
  auto c = vrrp_instance_config(in, fake_ifindex, ip("10.0.0.1"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(tracked_links(*c), (std::vector<std::string>{"eth0/0", "eth1/0"}));
  in.virtual_ipaddress[1].no_track = true;
  c = vrrp_instance_config(in, fake_ifindex, ip("10.0.0.1"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(tracked_links(*c), (std::vector<std::string>{"eth0/0", "eth1/0"})) << "the excluded one still tracks it";
  in.virtual_ipaddress_excluded[0].no_track = true;
  c = vrrp_instance_config(in, fake_ifindex, ip("10.0.0.1"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(tracked_links(*c), (std::vector<std::string>{"eth0/0"}));
  // A track_interface entry for the device says how instead.
  in.virtual_ipaddress_excluded[0].no_track = false;
  in.track_interface = {{.name = "eth1", .weight = -20}};
  c = vrrp_instance_config(in, fake_ifindex, ip("10.0.0.1"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(tracked_links(*c), (std::vector<std::string>{"eth1/-20", "eth0/0"}));
}

TEST(VrrpConfig, WithVmacTheInstanceFamilysVipsGoOnItAndItIsNotTracked) {
  conf::Config config;
  config.vrrp_instances = {instance({vip("10.0.0.100/24"), vip("10.0.0.101/24 dev eth0"), vip("10.1.0.100/24 dev eth1")},
                                    {vip("2001:db8::1/64")})};
  config.vrrp_instances[0].use_vmac = true;
  auto named = with_vmac_names(config);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].vmac_interface, "vrrp.51");
  auto placed = vips_on_vmac(named[0]);
  EXPECT_EQ(placed.virtual_ipaddress[0].dev, "vrrp.51");
  EXPECT_EQ(placed.virtual_ipaddress[1].dev, "vrrp.51");
  EXPECT_EQ(placed.virtual_ipaddress[2].dev, "eth1") << "another device stays";
  EXPECT_EQ(placed.virtual_ipaddress_excluded[0].dev, "") << "another family stays on the interface";
  auto c = vrrp_instance_config(placed, fake_ifindex, ip("10.0.0.1"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->vips[0].ifindex, 9);
  EXPECT_EQ(c->vips[3].ifindex, 2);
  EXPECT_EQ(tracked_links(*c), (std::vector<std::string>{"eth0/0", "eth1/0"}));
}

}  // namespace
}  // namespace lvsd::daemon
