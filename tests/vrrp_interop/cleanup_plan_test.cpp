// unit: plan_cleanup() turns the config and what the interfaces hold into
// the priority-0 adverts to send and the addresses to remove.
#include <gtest/gtest.h>

#include <variant>

#include "daemon/cleanup.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/socket.hpp"

namespace lvsd::daemon {
namespace {

core::IpAddress cip(const char* text) { return core::IpAddress::parse(text).value(); }
core::IpAddress vip(const char* text) { return core::IpAddress::parse(text).value(); }

vrrp::InterfaceAddress held(const char* address, std::uint8_t prefix, int ifindex, std::string label = "") {
  return {.prefix = {vip(address), prefix}, .ifindex = ifindex, .label = std::move(label)};
}

conf::VrrpInstance v2_instance() {
  return conf::VrrpInstance{
      .name = "VI_1",
      .state = conf::VrrpState::kMaster,
      .interface = "eth0",
      .virtual_router_id = 51,
      .priority = 100,
      .advert_int = std::chrono::seconds(2),
      .version = 2,
      .authentication = conf::VrrpAuthentication{.pass = "secret"},
      .virtual_ipaddress = {{.prefix = {cip("10.0.0.100")}}, {.prefix = {cip("10.0.0.101"), 24}}},
  };
}

// Decodes a planned packet as the backup at `backup_address` would.
vrrp::DecodeResult decode_as_backup(const ResignPacket& packet, const core::IpAddress& source,
                                    const conf::VrrpInstance& instance, const core::IpAddress& backup_address) {
  const bool v2 = instance.version == 2;
  vrrp::LocalExpectations local{
      .version = v2 ? vrrp::Version::kV2 : vrrp::Version::kV3,
      .family = source.family(),
      .vrid = instance.virtual_router_id,
      .auth_type = instance.authentication ? vrrp::AuthType::kSimplePassword : vrrp::AuthType::kNone,
      .auth_data = vrrp::password_auth_data(instance.authentication ? instance.authentication->pass : ""),
      .advert_interval = std::chrono::duration_cast<vrrp::Centiseconds>(instance.advert_int),
      .own_addresses = {backup_address}};
  for (const auto& v : instance.virtual_ipaddress) local.vips.push_back(*core::IpAddress::parse(v.prefix.address.to_string()));
  // A unicast backup lists the resigning master among its peers.
  if (!instance.unicast_peer.empty()) local.unicast_peers = {source};
  const vrrp::ReceivedMeta meta{.source = source, .destination = packet.destination, .ttl = 255, .ifindex = 2};
  return vrrp::decode(packet.payload, meta, local);
}

TEST(CleanupPlan, NothingHeldMeansNothingToDo) {
  const conf::Config config{.vrrp_instances = {v2_instance()}};
  const HostView host{{"eth0", {.ifindex = 2, .addresses = {held("10.0.0.1", 24, 2)}}}};
  const CleanupPlan plan = plan_cleanup(config, host);
  EXPECT_TRUE(plan.empty());
  EXPECT_TRUE(plan.problems.empty());
}

TEST(CleanupPlan, MasterLeftoversGetOneResignAdvertThenRemoval) {
  const conf::Config config{.vrrp_instances = {v2_instance()}};
  // The VIP sits before the primary in the dump: it must not become the source.
  const HostView host{{"eth0",
                       {.ifindex = 2,
                        .addresses = {held("10.0.0.100", 32, 2, "eth0:vip"), held("10.0.0.1", 24, 2),
                                      held("10.0.0.9", 24, 2)}}}};
  const CleanupPlan plan = plan_cleanup(config, host);
  ASSERT_EQ(plan.adverts.size(), 1u);
  const ResignAdvert& ad = plan.adverts[0];
  EXPECT_EQ(ad.instance, "VI_1");
  EXPECT_EQ(ad.interface, "eth0");
  EXPECT_EQ(ad.source, vip("10.0.0.1"));
  ASSERT_EQ(ad.packets.size(), 1u);
  EXPECT_EQ(ad.packets[0].destination, vip("224.0.0.18"));

  const auto decoded = decode_as_backup(ad.packets[0], ad.source, v2_instance(), vip("10.0.0.2"));
  const auto* rx = std::get_if<vrrp::ReceivedAdvert>(&decoded);
  ASSERT_NE(rx, nullptr) << vrrp::to_string(std::get<vrrp::Drop>(decoded).reason);
  EXPECT_EQ(rx->advert.priority, 0);
  EXPECT_EQ(rx->advert.vrid, 51);
  EXPECT_EQ(rx->advert.advert_interval, vrrp::Centiseconds{200});
  EXPECT_EQ(rx->advert.addresses, (std::vector<core::IpAddress>{vip("10.0.0.100"), vip("10.0.0.101")}));
  EXPECT_EQ(rx->advert.auth_data, vrrp::password_auth_data("secret"));

  // Only the address present is removed, with the prefix and label the kernel has.
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].prefix.address, vip("10.0.0.100"));
  EXPECT_EQ(plan.remove[0].prefix.length, 32);
  EXPECT_EQ(plan.remove[0].ifindex, 2);
  EXPECT_EQ(plan.remove[0].label, "eth0:vip");
}

// The excluded addresses, virtual routes and rules of an instance that was
// MASTER go too; those of an instance that was not stay out of the plan.
TEST(CleanupPlan, ExcludedAddressesRoutesAndRulesOfAMaster) {
  conf::VrrpInstance master = v2_instance();
  master.virtual_ipaddress_excluded = {{.prefix = {cip("10.0.0.120"), 24}}};
  master.virtual_routes = {conf::IpRoute{.dst = {cip("10.60.0.0"), 16}, .via = cip("10.0.0.3"), .table = 160}};
  master.virtual_rules = {conf::IpRule{.from = core::IpPrefix{cip("10.0.0.100"), 32}, .table = 160}};
  conf::VrrpInstance backup = master;
  backup.name = "VI_2";
  backup.virtual_router_id = 52;
  backup.virtual_ipaddress = {{.prefix = {cip("10.0.0.200")}}};
  backup.virtual_ipaddress_excluded = {{.prefix = {cip("10.0.0.220")}}};
  const conf::Config config{.vrrp_instances = {master, backup}};
  // Only the excluded address of VI_1 is left: that is enough to count as MASTER.
  const HostView host{{"eth0", {.ifindex = 2, .addresses = {held("10.0.0.1", 24, 2), held("10.0.0.120", 24, 2)}}}};
  const CleanupPlan plan = plan_cleanup(config, host);
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].prefix.address, vip("10.0.0.120"));
  EXPECT_EQ(plan.remove_routes, master.virtual_routes);
  EXPECT_EQ(plan.remove_rules, master.virtual_rules);
  ASSERT_EQ(plan.adverts.size(), 1u);
  EXPECT_EQ(plan.adverts[0].instance, "VI_1");
  // Nothing held: nothing planned, not even routes.
  const HostView none{{"eth0", {.ifindex = 2, .addresses = {held("10.0.0.1", 24, 2)}}}};
  EXPECT_TRUE(plan_cleanup(config, none).empty());
}

TEST(CleanupPlan, V3UnicastSendsToEveryPeerFromUnicastSrcIp) {
  conf::VrrpInstance instance = v2_instance();
  instance.version = 3;
  instance.authentication.reset();
  instance.advert_int = std::chrono::milliseconds(100);
  instance.unicast_src_ip = cip("10.0.0.5");
  instance.unicast_peer = {cip("10.0.0.2"), cip("10.0.0.3")};
  const conf::Config config{.vrrp_instances = {instance}};
  const HostView host{
      {"eth0", {.ifindex = 2, .addresses = {held("10.0.0.1", 24, 2), held("10.0.0.101", 24, 2)}}}};
  const CleanupPlan plan = plan_cleanup(config, host);
  ASSERT_EQ(plan.adverts.size(), 1u);
  EXPECT_EQ(plan.adverts[0].source, vip("10.0.0.5"));
  ASSERT_EQ(plan.adverts[0].packets.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& packet = plan.adverts[0].packets[i];
    EXPECT_EQ(packet.destination, vip(i == 0 ? "10.0.0.2" : "10.0.0.3"));
    const auto decoded = decode_as_backup(packet, vip("10.0.0.5"), instance, packet.destination);
    const auto* rx = std::get_if<vrrp::ReceivedAdvert>(&decoded);
    ASSERT_NE(rx, nullptr) << vrrp::to_string(std::get<vrrp::Drop>(decoded).reason);
    EXPECT_EQ(rx->advert.priority, 0);
    EXPECT_EQ(rx->advert.advert_interval, vrrp::Centiseconds{10});
  }
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].prefix.address, vip("10.0.0.101"));
  EXPECT_EQ(plan.remove[0].prefix.length, 24);
}

TEST(CleanupPlan, Ipv6SendsFromTheLinkLocalAddressToFf02_12) {
  conf::VrrpInstance instance = v2_instance();
  instance.version = 3;
  instance.authentication.reset();
  instance.virtual_ipaddress = {{.prefix = {cip("2001:db8::100"), 128}}};
  const conf::Config config{.vrrp_instances = {instance}};
  const HostView host{{"eth0",
                       {.ifindex = 3,
                        .addresses = {held("10.0.0.1", 24, 3), held("2001:db8::1", 64, 3),
                                      held("2001:db8::100", 128, 3), held("fe80::1", 64, 3)}}}};
  const CleanupPlan plan = plan_cleanup(config, host);
  ASSERT_EQ(plan.adverts.size(), 1u);
  EXPECT_EQ(plan.adverts[0].family, core::AddressFamily::kIpv6);
  EXPECT_EQ(plan.adverts[0].source, vip("fe80::1"));
  ASSERT_EQ(plan.adverts[0].packets.size(), 1u);
  EXPECT_EQ(plan.adverts[0].packets[0].destination, vip("ff02::12"));
  const auto decoded = decode_as_backup(plan.adverts[0].packets[0], vip("fe80::1"), instance, vip("fe80::2"));
  ASSERT_TRUE(std::holds_alternative<vrrp::ReceivedAdvert>(decoded));
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].prefix.address, vip("2001:db8::100"));
}

TEST(CleanupPlan, AVipOnAnotherDeviceIsLookedForThere) {
  conf::VrrpInstance instance = v2_instance();
  instance.virtual_ipaddress = {{.prefix = {cip("10.0.0.100")}},
                                {.prefix = {cip("192.168.1.100")}, .dev = "eth1", .label = "eth1:v"}};
  const conf::Config config{.vrrp_instances = {instance}};
  // 192.168.1.100 on eth0 is not this instance's (it belongs on eth1).
  const HostView host{{"eth0", {.ifindex = 2, .addresses = {held("10.0.0.1", 24, 2), held("192.168.1.100", 32, 2)}}},
                      {"eth1", {.ifindex = 4, .addresses = {held("192.168.1.100", 32, 4, "eth1:v")}}}};
  const CleanupPlan plan = plan_cleanup(config, host);
  EXPECT_EQ(cleanup_interfaces(config), (std::vector<std::string>{"eth0", "eth1"}));
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].ifindex, 4);
  EXPECT_EQ(plan.remove[0].label, "eth1:v");
  ASSERT_EQ(plan.adverts.size(), 1u);
  EXPECT_EQ(plan.adverts[0].interface, "eth0");
}

TEST(CleanupPlan, NoSourceAddressStillRemovesTheVips) {
  const conf::Config config{.vrrp_instances = {v2_instance()}};
  const HostView host{{"eth0", {.ifindex = 2, .addresses = {held("10.0.0.100", 32, 2)}}}};
  const CleanupPlan plan = plan_cleanup(config, host);
  EXPECT_TRUE(plan.adverts.empty());
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_NE(plan.problems[0].find("no IPv4 address on eth0"), std::string::npos) << plan.problems[0];
  ASSERT_EQ(plan.remove.size(), 1u);
}

TEST(CleanupPlan, OnlyInstancesThatHeldTheirVipsResign) {
  conf::VrrpInstance other = v2_instance();
  other.name = "VI_2";
  other.virtual_router_id = 52;
  other.virtual_ipaddress = {{.prefix = {cip("10.0.0.200")}}};
  const conf::Config config{.vrrp_instances = {v2_instance(), other}};
  const HostView host{{"eth0", {.ifindex = 2, .addresses = {held("10.0.0.1", 24, 2), held("10.0.0.200", 32, 2)}}}};
  const CleanupPlan plan = plan_cleanup(config, host);
  ASSERT_EQ(plan.adverts.size(), 1u);
  EXPECT_EQ(plan.adverts[0].instance, "VI_2");
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].prefix.address, vip("10.0.0.200"));
}

}  // namespace
}  // namespace lvsd::daemon
