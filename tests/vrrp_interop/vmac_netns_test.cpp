// netns tier: use_vmac, the same keepalived.conf run by keepalived 2.2.7 and
// by lvsd as the two routers of one virtual router (VRRPv3, 100 ms adverts),
// both ways round. Each puts the VIP on a macvlan named vrrp.VRID with the
// virtual router MAC 00:00:5e:00:01:VRID (RFC 5798 7.3), so the client's
// neighbour entry for the VIP is still right after a failover. A BACKUP
// sends nothing from the virtual MAC: every frame the client sees from it
// while lvsd is BACKUP is keepalived's (the master's advert from its own
// address, or an ARP for the VIP); an IGMP report of lvsd's VMAC socket, or
// any IPv6 from its VMAC, would fail the test. At its stop lvsd deletes its
// VMAC, as keepalived does.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <fstream>

#include "daemon/cleanup.hpp"
#include "tests/vrrp_interop/harness.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

constexpr int kVrid = 90;
const std::string kVmacName = "vrrp.90";
const std::string kVmacMac = "00:00:5e:00:01:5a";

std::array<std::uint8_t, 6> vmac_bytes() {
  return {0x00, 0x00, 0x5e, 0x00, 0x01, static_cast<std::uint8_t>(kVrid)};
}

RouterSpec vmac_spec(const PairTopology& pair, int priority) {
  RouterSpec spec{.priority = priority,
                  .vrid = kVrid,
                  .version = 3,
                  .advert_int = milliseconds(100),
                  .vips = {pair.vip + "/24"}};
  spec.keepalived_instance = "  use_vmac\n";
  return spec;
}

// The host's VMAC as `ip -d link` shows it, or "" if it has none.
std::string vmac_link(test::Host& host) {
  auto r = host.run("ip -d link show dev " + kVmacName + " 2>/dev/null");
  return r.exit_code == 0 ? r.output : std::string();
}
bool vmac_holds(test::Host& host, const std::string& vip) {
  return host.run("ip -o -4 addr show dev " + kVmacName + " 2>/dev/null").output.find(" " + vip + "/") !=
         std::string::npos;
}
std::string neighbour_of(test::Host& host, const std::string& address) {
  return host.run("ip neigh show " + address).output;
}
bool answers_ping(test::Host& from, const std::string& address) {
  return from.run("ping -c 1 -W 1 " + address + " >/dev/null 2>&1").exit_code == 0;
}

// The VMAC of a router that holds the VIP, and of one that does not.
void expect_vmac_shape(test::Host& host, const std::string& vip, bool holds, const std::string& who) {
  const std::string link = vmac_link(host);
  EXPECT_NE(link.find("macvlan mode private"), std::string::npos) << who << ": " << link;
  EXPECT_NE(link.find("link/ether " + kVmacMac), std::string::npos) << who << ": " << link;
  EXPECT_NE(link.find(",UP"), std::string::npos) << who << ": the VMAC is not up: " << link;
  EXPECT_EQ(vmac_holds(host, vip), holds) << who << ": " << host.run("ip -o addr").output;
}

TEST(VmacInterop, LvsdMasterKeepalivedBackupShareTheVirtualMac) {
  PairTopology pair(151);
  pair.topo.run_on_bridge("ip link set br0 type bridge mcast_snooping 0");
  const core::IpAddress vip = ip(pair.vip);
  Router backup(*pair.b, Implementation::kKeepalived, vmac_spec(pair, 100));
  Router master(*pair.a, Implementation::kLvsd, vmac_spec(pair, 150));
  backup.start();
  ASSERT_TRUE(backup.wait_for_state("MASTER", milliseconds(5000))) << backup.log();
  master.start();
  auto probe_a = VipProbe::open(*pair.a);
  auto probe_b = VipProbe::open(*pair.b);
  ASSERT_TRUE(probe_a.ok() && probe_b.ok());
  ASSERT_TRUE(test::wait_until([&] { return probe_a->holds(vip) && !probe_b->holds(vip); }, milliseconds(8000)))
      << master.log() << "\n----\n" << backup.log();

  expect_vmac_shape(*pair.a, pair.vip, true, "lvsd (MASTER)");
  expect_vmac_shape(*pair.b, pair.vip, false, "keepalived (BACKUP)");
  ASSERT_TRUE(answers_ping(*pair.client, pair.a->address())) << "the network itself does not work";
  ASSERT_TRUE(answers_ping(*pair.client, pair.vip)) << master.log();
  EXPECT_NE(neighbour_of(*pair.client, pair.vip).find(kVmacMac), std::string::npos)
      << neighbour_of(*pair.client, pair.vip);

  // lvsd stops: keepalived takes the VIP, with the same MAC; lvsd's VMAC goes.
  master.stop();
  ASSERT_TRUE(test::wait_until([&] { return probe_b->holds(vip) && !probe_a->holds(vip); }, milliseconds(5000)))
      << backup.log();
  EXPECT_TRUE(vmac_link(*pair.a).empty()) << "lvsd left its VMAC behind: " << vmac_link(*pair.a);
  // The client's entry is still right (the ping after it may replace it:
  // the new master asks for the client's MAC from its own interface, as
  // keepalived's VMAC setup does under lvsd and keepalived alike).
  EXPECT_NE(neighbour_of(*pair.client, pair.vip).find(kVmacMac), std::string::npos)
      << neighbour_of(*pair.client, pair.vip);
  EXPECT_TRUE(answers_ping(*pair.client, pair.vip)) << backup.log();
}

void keepalived_master_lvsd_backup(int subnet, bool disable_local_igmp) {
  PairTopology pair(subnet);
  pair.topo.run_on_bridge("ip link set br0 type bridge mcast_snooping 0");
  const core::IpAddress vip = ip(pair.vip);
  RouterSpec master_spec = vmac_spec(pair, 150);
  RouterSpec backup_spec = vmac_spec(pair, 100);
  if (disable_local_igmp) master_spec.keepalived_global = backup_spec.keepalived_global = "  disable_local_igmp\n";
  Router master(*pair.a, Implementation::kKeepalived, master_spec);
  Router backup(*pair.b, Implementation::kLvsd, backup_spec);
  master.start();
  ASSERT_TRUE(master.wait_for_state("MASTER", milliseconds(5000))) << master.log();
  auto probe_a = VipProbe::open(*pair.a);
  auto probe_b = VipProbe::open(*pair.b);
  ASSERT_TRUE(probe_a.ok() && probe_b.ok());
  ASSERT_TRUE(test::wait_until([&] { return probe_a->holds(vip); }, milliseconds(3000))) << master.log();

  // What the client hears while lvsd starts and runs as BACKUP.
  Capture capture(*pair.client);
  backup.start();
  ASSERT_TRUE(test::wait_until([&] { return !vmac_link(*pair.b).empty(); }, milliseconds(5000))) << backup.log();
  std::this_thread::sleep_for(milliseconds(1500));
  const std::vector<Frame> frames = capture.stop();
  expect_vmac_shape(*pair.b, pair.vip, false, "lvsd (BACKUP)");
  EXPECT_FALSE(probe_b->holds(vip)) << backup.log();
  const core::IpAddress master_address = ip(pair.a->address());
  int adverts = 0;
  for (const Frame& f : frames) {
    if (f.source != vmac_bytes()) continue;
    const bool master_advert = f.ip_source == master_address && f.ip_protocol == 112;
    const bool arp = f.ethertype == ETH_P_ARP;
    if (master_advert) ++adverts;
    EXPECT_TRUE(master_advert || arp) << "a frame from the virtual MAC that the master did not send: "
                                      << describe(f) << "\n" << backup.log();
  }
  // The control: the capture saw the master's adverts (about 15 in 1.5 s).
  EXPECT_GE(adverts, 5) << frames.size() << " frames";

  // keepalived stops: lvsd takes the VIP on its VMAC, and the client's
  // neighbour entry stays right without a new ARP resolution.
  ASSERT_TRUE(answers_ping(*pair.client, pair.vip)) << master.log();
  master.stop();
  ASSERT_TRUE(test::wait_until([&] { return probe_b->holds(vip) && !probe_a->holds(vip); }, milliseconds(5000)))
      << backup.log();
  expect_vmac_shape(*pair.b, pair.vip, true, "lvsd (MASTER)");
  EXPECT_NE(neighbour_of(*pair.client, pair.vip).find(kVmacMac), std::string::npos)
      << neighbour_of(*pair.client, pair.vip);
  EXPECT_TRUE(answers_ping(*pair.client, pair.vip)) << backup.log();
  EXPECT_NE(backup.log().find("VMAC vrrp.90 00:00:5e:00:01:5a"), std::string::npos) << backup.log();
  // The kernel's switch instead of the moved reports (keepalived's too: it
  // runs in a namespace of its own here).
  const std::string igmp = pair.b->run("sysctl -n net.ipv4.igmp_link_local_mcast_reports").output;
  const std::string rules = pair.b->run("nft list chain ip lvsd vmac 2>&1").output;
  EXPECT_EQ(igmp, disable_local_igmp ? "0\n" : "1\n");
  EXPECT_EQ(rules.find("igmp") != std::string::npos, !disable_local_igmp) << rules;
  backup.stop();
  EXPECT_EQ(pair.b->run("sysctl -n net.ipv4.igmp_link_local_mcast_reports").output, "1\n") << "put back at stop";
}

TEST(VmacInterop, KeepalivedMasterLvsdBackupSendsNothingFromTheVirtualMac) { keepalived_master_lvsd_backup(152, false); }

// keepalived's disable_local_igmp: the kernel sends no IGMP reports for
// 224.0.0.0/24, so none comes from the virtual MAC either.
TEST(VmacInterop, WithDisableLocalIgmpTheKernelSendsNoReports) { keepalived_master_lvsd_backup(158, true); }

// After a crash the VMAC stays, with the VIP on it; `lvsd --cleanup` with the
// same file removes both.
TEST(VmacInterop, CleanupAfterACrashRemovesTheVmac) {
  PairTopology pair(153);
  const core::IpAddress vip = ip(pair.vip);
  const RouterSpec spec = vmac_spec(pair, 150);
  Router lvsd(*pair.a, Implementation::kLvsd, spec);
  lvsd.start();
  auto probe = VipProbe::open(*pair.a);
  ASSERT_TRUE(probe.ok());
  ASSERT_TRUE(test::wait_until([&] { return probe->holds(vip); }, milliseconds(5000))) << lvsd.log();
  lvsd.kill9();
  ASSERT_FALSE(vmac_link(*pair.a).empty()) << "the control: a crash leaves the VMAC";
  const std::string config = write_temp_file("vmac-cleanup", "") + ".conf";
  std::ofstream(config) << keepalived_conf(spec);
  EXPECT_EQ(in_netns(*pair.a, [&] { return daemon::run_cleanup_file(config, {.ownership_path = config + ".owned"}); }),
            0);
  EXPECT_TRUE(vmac_link(*pair.a).empty()) << vmac_link(*pair.a);
  EXPECT_FALSE(probe->holds(vip));
}

}  // namespace
}  // namespace lvsd::interop
