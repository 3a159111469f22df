// netns tier: keepalived's virtual_ipaddress options and the tracking of the
// VIPs' own devices, the same keepalived.conf run alone by keepalived 2.2.7
// and by lvsd on one host: the addresses carry brd, peer and noprefixroute
// as `ip address` shows them; a VIP on a second link (x0) puts the instance
// in FAULT while that link is down and back to MASTER when it is up again;
// a link whose only VIP says no_track (x1) changes nothing. A VIP deleted
// under the MASTER makes it resign and win the election again, unless the
// address says no_track.
#include <gtest/gtest.h>

#include "tests/vrrp_interop/harness.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

void options_and_tracked_devices(Implementation impl, int subnet) {
  PairTopology pair(subnet);
  test::Host& host = *pair.a;
  const std::string net = "10." + std::to_string(subnet) + ".";
  // Two more links, each a veth pair of its own (a veth without carrier
  // counts as down: x0 and x1 must not be each other's peer).
  ASSERT_EQ(host.run("ip link add x0 type veth peer name y0 && ip link add x1 type veth peer name y1 && "
                     "ip link set x0 up && ip link set y0 up && ip link set x1 up && ip link set y1 up")
                .exit_code,
            0);
  RouterSpec spec{.initial_master = true,
                  .priority = 150,
                  .vrid = 95,
                  .version = 3,
                  .advert_int = milliseconds(100),
                  .vips = {pair.vip + "/24 brd " + net + "0.255", net + "0.101 peer " + net + "0.250",
                           net + "1.100/24 dev x0 noprefixroute", net + "2.100/24 dev x1 no_track"}};
  spec.keepalived_instance = "  # the same file for both\n";
  Router router(host, impl, spec);
  router.start();
  auto probe = VipProbe::open(host);
  ASSERT_TRUE(probe.ok());
  ASSERT_TRUE(router.wait_for_state("MASTER", milliseconds(5000))) << router.log();
  ASSERT_TRUE(test::wait_until([&] { return probe->holds(ip(net + "2.100")); }, milliseconds(2000))) << router.log();
  const std::string addresses = host.run("ip -o -4 addr").output;
  EXPECT_NE(addresses.find(pair.vip + "/24 brd " + net + "0.255 "), std::string::npos) << addresses;
  EXPECT_NE(addresses.find(net + "0.101 peer " + net + "0.250/32 "), std::string::npos) << addresses;
  EXPECT_NE(addresses.find(net + "1.100/24 scope global noprefixroute x0"), std::string::npos) << addresses;
  EXPECT_EQ(host.run("ip route show dev x0").output.find(net + "1.0/24"), std::string::npos) << "noprefixroute";

  // x1 goes down: its only VIP is no_track.
  host.run("ip link set x1 down");
  std::this_thread::sleep_for(milliseconds(800));
  EXPECT_EQ(router.count_state("FAULT"), 0) << to_string(impl) << ": no_track\n" << router.log();
  host.run("ip link set x1 up");
  // x0 goes down: its VIP's device is tracked.
  host.run("ip link set x0 down");
  EXPECT_TRUE(router.wait_for_state("FAULT", milliseconds(3000))) << to_string(impl) << "\n" << router.log();
  EXPECT_TRUE(test::wait_until([&] { return !probe->holds(ip(pair.vip)); }, milliseconds(2000))) << router.log();
  host.run("ip link set x0 up");
  EXPECT_TRUE(router.wait_for_state("MASTER", milliseconds(5000), 2)) << to_string(impl) << "\n" << router.log();
  ASSERT_TRUE(test::wait_until([&] { return probe->holds(ip(pair.vip)); }, milliseconds(2000))) << router.log();

  // A VIP deleted under the MASTER: a no_track one stays deleted and nothing
  // happens; a tracked one makes it resign, and it wins the new election
  // (nobody else is there) and puts the VIPs back.
  const int backups = router.count_state("BACKUP");
  host.run("ip addr del " + net + "2.100/24 dev x1");
  std::this_thread::sleep_for(milliseconds(800));
  EXPECT_EQ(router.count_state("BACKUP"), backups) << to_string(impl) << ": no_track\n" << router.log();
  host.run("ip addr del " + pair.vip + "/24 dev eth0");
  EXPECT_TRUE(router.wait_for_state("BACKUP", milliseconds(3000), backups + 1))
      << to_string(impl) << ": the VIP was deleted under the MASTER\n" << router.log();
  EXPECT_TRUE(router.wait_for_state("MASTER", milliseconds(5000), 3)) << to_string(impl) << "\n" << router.log();
  EXPECT_TRUE(test::wait_until([&] { return probe->holds(ip(pair.vip)); }, milliseconds(2000))) << router.log();
  router.stop();
}

// garp_extra_if all 1: while MASTER, a gratuitous ARP each second for the
// VIP on x0 (not the instance's interface); counted on x0's peer y0 from
// 1.5 s to 4.3 s after MASTER (before garp_master_delay's second burst at
// 5 s). keepalived's count in the same test is the yardstick; without `all`
// lvsd sends none (keepalived would send on VMACs only, and lvsd has none there).
int extra_garps(Implementation impl, int subnet, bool all) {
  PairTopology pair(subnet);
  test::Host& host = *pair.a;
  const std::string net = "10." + std::to_string(subnet) + ".";
  EXPECT_EQ(host.run("ip link add x0 type veth peer name y0 && ip link set x0 up && ip link set y0 up").exit_code, 0);
  RouterSpec spec{.initial_master = true, .priority = 150, .vrid = 96, .version = 3, .advert_int = milliseconds(100),
                  .vips = {pair.vip + "/24", net + "1.100/24 dev x0"}};
  spec.keepalived_instance = std::string("  garp_extra_if ") + (all ? "all " : "") + "1\n";
  Router router(host, impl, spec);
  router.start();
  EXPECT_TRUE(router.wait_for_state("MASTER", milliseconds(5000))) << router.log();
  std::this_thread::sleep_for(milliseconds(1500));
  Capture capture(host, "y0");
  std::this_thread::sleep_for(milliseconds(2800));
  int arps = 0;
  for (const Frame& f : capture.stop()) arps += f.ethertype == ETH_P_ARP ? 1 : 0;
  router.stop();
  return arps;
}

TEST(GarpExtraIfInterop, LvsdSendsAsManyAsKeepalived) {
  const int keepalived = extra_garps(Implementation::kKeepalived, 156, true);
  const int lvsd = extra_garps(Implementation::kLvsd, 157, true);
  EXPECT_GE(keepalived, 2) << "the yardstick: one a second";
  EXPECT_NEAR(lvsd, keepalived, 1) << "lvsd " << lvsd << ", keepalived " << keepalived;
  EXPECT_EQ(extra_garps(Implementation::kLvsd, 159, false), 0) << "without all";
}

TEST(VipOptionsInterop, Keepalived) { options_and_tracked_devices(Implementation::kKeepalived, 154); }
TEST(VipOptionsInterop, Lvsd) { options_and_tracked_devices(Implementation::kLvsd, 155); }

}  // namespace
}  // namespace lvsd::interop
