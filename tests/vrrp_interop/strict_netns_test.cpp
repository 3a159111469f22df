// netns tier: keepalived's strict mode (`strict_mode` / vrrp_strict), the
// same keepalived.conf run by keepalived 2.2.7 and by lvsd as the two
// routers of one virtual router, both ways round (VRRPv3, 100 ms adverts,
// both start BACKUP as strict mode wants). Without accept mode a MASTER that
// does not own the address drops packets to its VIP: the client's ping of the
// VIP goes unanswered whichever implementation is master, while a ping of
// the master's own address (the control, same run) is answered. lvsd holds
// the VIP in its nftables set while master and lets it go when it stops. With
// `accept` added (VRRPv3 allows it in strict mode) the VIP answers under both.
#include <gtest/gtest.h>

#include "tests/vrrp_interop/harness.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

struct StrictCase {
  Implementation master;
  Implementation backup;
  bool accept;
  int subnet;
};

bool answers_ping(test::Host& from, const std::string& address) {
  return from.run("ping -c 1 -W 1 " + address + " >/dev/null 2>&1").exit_code == 0;
}

std::string lvsd_vips(test::Host& host) { return host.run("nft list set ip lvsd vips 2>&1").output; }

void strict_mode_filters_the_vip(const StrictCase& c) {
  PairTopology pair(c.subnet);
  const core::IpAddress vip = ip(pair.vip);
  RouterSpec master_spec{.initial_master = false,
                         .priority = 150,
                         .vrid = 90,
                         .version = 3,
                         .advert_int = milliseconds(100),
                         .vips = {pair.vip + "/32"}};
  master_spec.keepalived_instance = std::string("  strict_mode\n") + (c.accept ? "  accept\n" : "");
  RouterSpec backup_spec = master_spec;
  backup_spec.priority = 100;

  Router master(*pair.a, c.master, master_spec);
  Router backup(*pair.b, c.backup, backup_spec);
  backup.start();
  ASSERT_TRUE(backup.wait_for_state("MASTER", milliseconds(5000))) << backup.log();
  master.start();
  auto probe_a = VipProbe::open(*pair.a);
  auto probe_b = VipProbe::open(*pair.b);
  ASSERT_TRUE(probe_a.ok() && probe_b.ok());
  ASSERT_TRUE(test::wait_until([&] { return probe_a->holds(vip) && !probe_b->holds(vip); }, milliseconds(8000)))
      << master.log() << "\n----\n" << backup.log();

  // The control: the master's own address answers, so the path works.
  ASSERT_TRUE(answers_ping(*pair.client, pair.a->address())) << "the network itself does not work";
  EXPECT_EQ(answers_ping(*pair.client, pair.vip), c.accept)
      << to_string(c.master) << " master: the VIP " << (c.accept ? "does not answer with" : "answers without")
      << " accept mode\n" << master.log();
  if (c.master == Implementation::kLvsd) {
    const std::string set = lvsd_vips(*pair.a);
    EXPECT_EQ(set.find(pair.vip) != std::string::npos, !c.accept) << set;
  }

  // The master stops: the backup takes the VIP and filters it the same way.
  master.stop();
  ASSERT_TRUE(test::wait_until([&] { return probe_b->holds(vip) && !probe_a->holds(vip); }, milliseconds(5000)))
      << backup.log();
  EXPECT_EQ(answers_ping(*pair.client, pair.vip), c.accept)
      << to_string(c.backup) << " new master: the VIP " << (c.accept ? "does not answer with" : "answers without")
      << " accept mode\n" << backup.log();
  if (c.master == Implementation::kLvsd) {
    // It released the VIP, and with it the drop.
    const std::string set = lvsd_vips(*pair.a);
    EXPECT_EQ(set.find(pair.vip), std::string::npos) << set;
  }
  if (c.backup == Implementation::kLvsd) {
    const std::string set = lvsd_vips(*pair.b);
    EXPECT_EQ(set.find(pair.vip) != std::string::npos, !c.accept) << set;
  }
  EXPECT_TRUE(backup.running());
}

TEST(StrictModeInterop, LvsdMasterKeepalivedBackupDropTheVip) {
  strict_mode_filters_the_vip({Implementation::kLvsd, Implementation::kKeepalived, false, 141});
}
TEST(StrictModeInterop, KeepalivedMasterLvsdBackupDropTheVip) {
  strict_mode_filters_the_vip({Implementation::kKeepalived, Implementation::kLvsd, false, 142});
}
TEST(StrictModeInterop, WithAcceptTheVipAnswersUnderBoth) {
  strict_mode_filters_the_vip({Implementation::kLvsd, Implementation::kKeepalived, true, 143});
}

}  // namespace
}  // namespace lvsd::interop
