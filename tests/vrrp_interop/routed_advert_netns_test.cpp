// netns tier, issue #17: a routed advert demoted the master. An attacker
// off the segment sent one advert with priority 200 to the master's own
// address; it arrived with TTL 63 and the master went BACKUP and removed its
// VIP (with v3 no secret is needed). Here host c plays the last router
// before the master: it injects exactly that packet (source 192.0.2.7 from
// another subnet, TTL 63, to the master's unicast address) at a running lvsd
// MASTER, which must stay MASTER with its VIP, counting each copy as
// wrong_destination (multicast mode) or wrong_ttl (unicast mode). A valid
// priority-200 advert from the same injector then shows the packets reach
// lvsd and would have demoted it.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "tests/vrrp_interop/harness.hpp"
#include "tests/vrrp_interop/injector.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

int count_drops(const std::string& log, const core::IpAddress& source, vrrp::DropReason reason) {
  const std::string needle =
      "dropped advert from " + source.to_string() + ": " + std::string(vrrp::to_string(reason)) + " ";
  int n = 0;
  for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + needle.size())) ++n;
  return n;
}

struct Case {
  int version;
  milliseconds advert_int;
  int subnet;
  bool unicast;  // the master runs with unicast_peer (the attacker spoofs the peer)
};

void routed_advert_keeps_master(const Case& c) {
  PairTopology pair(c.subnet);
  const std::string net = "10." + std::to_string(c.subnet) + ".0.";
  const core::IpAddress vip = ip(pair.vip);
  const core::IpAddress master_address = ip(net + "1");
  const core::IpAddress peer = ip(net + "2");
  RouterSpec spec{.initial_master = true,
                  .priority = 100,
                  .vrid = 80,
                  .version = c.version,
                  .advert_int = c.advert_int,
                  .pass = c.version == 2 ? "secret2" : "",
                  .vips = {pair.vip + "/32"}};
  if (c.unicast) {
    spec.unicast_src = master_address.to_string();
    spec.unicast_peers = {peer.to_string()};
  }
  // The routed sender: the master reaches 192.0.2.0/24 through c, so the
  // packets also pass reverse-path filtering and really reach lvsd.
  ASSERT_EQ(pair.a->run("ip route add 192.0.2.0/24 via " + net + "3 dev eth0").exit_code, 0);
  Router master(*pair.a, Implementation::kLvsd, spec);
  master.start();
  auto probe = VipProbe::open(*pair.a);
  ASSERT_TRUE(probe.ok());
  ASSERT_TRUE(master.wait_for_state("MASTER", milliseconds(6000))) << master.log();
  ASSERT_TRUE(test::wait_until([&] { return probe->holds(vip); }, milliseconds(3000)));
  const int backups = master.count_state("BACKUP");

  const auto v = c.version == 2 ? vrrp::Version::kV2 : vrrp::Version::kV3;
  vrrp::Advert advert{.version = v,
                      .vrid = 80,
                      .priority = 200,
                      .advert_interval = std::chrono::duration_cast<vrrp::Centiseconds>(c.advert_int),
                      .addresses = {vip}};
  if (v == vrrp::Version::kV2) {  // the worst case: the attacker sniffed the password
    advert.auth_type = vrrp::AuthType::kSimplePassword;
    advert.auth_data = vrrp::password_auth_data("secret2");
  }
  // In unicast mode the attacker spoofs the configured peer: only the TTL gives it away.
  const core::IpAddress source = c.unicast ? peer : ip("192.0.2.7");
  const ValidAdvert routed{.advert = advert, .source = source, .destination = master_address};
  CraftedPacket packet = craft_valid(routed);
  packet.name = "routed";
  packet.ttl = 63;
  const vrrp::DropReason expected = c.unicast ? vrrp::DropReason::kWrongTtl : vrrp::DropReason::kWrongDestination;

  auto injector = in_netns(*pair.client, [] { return Injector::open("eth0"); });
  ASSERT_TRUE(injector.ok()) << injector.error().message;
  constexpr int kCopies = 3;
  {
    HolderMonitor monitor({&*probe}, vip);
    for (int i = 0; i < kCopies; ++i) ASSERT_TRUE(injector->send(packet).ok());
    std::this_thread::sleep_for(std::max(milliseconds(500), 3 * c.advert_int));
    monitor.stop();
    ASSERT_FALSE(monitor.samples().empty());
    for (const auto& s : monitor.samples()) ASSERT_TRUE(s.holds[0]) << "the VIP left the master\n" << master.log();
  }
  EXPECT_TRUE(master.running()) << master.log();
  EXPECT_EQ(master.count_state("BACKUP"), backups) << master.log();
  EXPECT_EQ(count_drops(master.log(), source, expected), kCopies) << master.log();

  // Positive control: the same advert sent the way a peer on the link sends it wins.
  CraftedPacket on_link = craft_valid(ValidAdvert{
      .advert = advert,
      .source = source,
      .destination = c.unicast ? master_address : vrrp::vrrp_multicast_group(core::AddressFamily::kIpv4)});
  ASSERT_TRUE(injector->send(on_link).ok());
  EXPECT_TRUE(master.wait_for_state("BACKUP", milliseconds(2000), backups + 1)) << master.log();
}

TEST(RoutedAdvertNetns, V2MasterIgnoresARoutedAdvertToItsOwnAddress) {
  routed_advert_keeps_master({.version = 2, .advert_int = milliseconds(1000), .subnet = 195, .unicast = false});
}

TEST(RoutedAdvertNetns, V3MasterIgnoresARoutedAdvertToItsOwnAddress) {
  routed_advert_keeps_master({.version = 3, .advert_int = milliseconds(100), .subnet = 196, .unicast = false});
}

TEST(RoutedAdvertNetns, V3UnicastMasterIgnoresARoutedAdvertFromItsPeer) {
  routed_advert_keeps_master({.version = 3, .advert_int = milliseconds(100), .subnet = 197, .unicast = true});
}

}  // namespace
}  // namespace lvsd::interop
