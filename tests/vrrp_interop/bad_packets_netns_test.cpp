// netns tier: a stranger on the segment (host c) injects malformed or
// mismatched adverts at a running lvsd MASTER (a) and lvsd BACKUP (b). The
// crafted adverts claim priority 254, so any that was wrongly accepted would
// make the master step down. Each must be dropped and logged with its
// reason (lvsd logs every drop except wrong_vrid at debug level), with no
// state change and no crash. A final valid priority-254 advert from the
// same injector shows the packets do reach lvsd and would have mattered.
#include <gtest/gtest.h>

#include <map>

#include "tests/vrrp_interop/harness.hpp"
#include "tests/vrrp_interop/injector.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

int count_drops(const std::string& log, const core::IpAddress& source, vrrp::DropReason reason) {
  const std::string needle = "dropped advert from " + source.to_string() + ": " + std::string(vrrp::to_string(reason)) + " ";
  int n = 0;
  for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + needle.size())) ++n;
  return n;
}

void inject_everything(int version, milliseconds advert_int, int subnet) {
  PairTopology pair(subnet);
  const core::IpAddress vip = ip(pair.vip);
  RouterSpec master_spec{.initial_master = true,
                         .priority = 100,
                         .vrid = 80,
                         .version = version,
                         .advert_int = advert_int,
                         .pass = version == 2 ? "secret2" : "",
                         .vips = {pair.vip + "/32"}};
  RouterSpec backup_spec = master_spec;
  backup_spec.initial_master = false;
  backup_spec.priority = 50;
  Router master(*pair.a, Implementation::kLvsd, master_spec);
  Router backup(*pair.b, Implementation::kLvsd, backup_spec);
  master.start();
  backup.start();
  auto probe_a = VipProbe::open(*pair.a);
  auto probe_b = VipProbe::open(*pair.b);
  ASSERT_TRUE(probe_a.ok() && probe_b.ok());
  ASSERT_TRUE(master.wait_for_state("MASTER", milliseconds(5000))) << master.log();
  ASSERT_TRUE(backup.wait_for_state("BACKUP", milliseconds(5000))) << backup.log();
  ASSERT_TRUE(test::wait_until([&] { return probe_a->holds(vip); }, milliseconds(3000)));
  // Let the backup learn the master before the noise starts.
  std::this_thread::sleep_for(2 * advert_int);
  const int master_transitions = master.count_state("BACKUP") + master.count_state("MASTER");
  const int backup_transitions = backup.count_state("BACKUP") + backup.count_state("MASTER");

  const auto v = version == 2 ? vrrp::Version::kV2 : vrrp::Version::kV3;
  vrrp::Advert advert{.version = v,
                      .vrid = 80,
                      .priority = 254,
                      .advert_interval = std::chrono::duration_cast<vrrp::Centiseconds>(advert_int),
                      .addresses = {vip}};
  if (v == vrrp::Version::kV2) {
    advert.auth_type = vrrp::AuthType::kSimplePassword;
    advert.auth_data = vrrp::password_auth_data("secret2");
  }
  const ValidAdvert valid{.advert = advert, .source = ip(pair.client->address()), .destination = ip("224.0.0.18")};
  auto injector = in_netns(*pair.client, [] { return Injector::open("eth0"); });
  ASSERT_TRUE(injector.ok()) << injector.error().message;

  constexpr int kCopies = 3;
  std::vector<CraftedPacket> sent;
  {
    HolderMonitor monitor({&*probe_a, &*probe_b}, vip);
    for (int k = 0; k < static_cast<int>(BadAdvert::kCount); ++k) {
      const CraftedPacket p = craft(static_cast<BadAdvert>(k), valid);
      if (p.expected == vrrp::DropReason::kCount) continue;  // not a bad packet for this version
      for (int i = 0; i < kCopies; ++i) {
        auto st = injector->send(p);
        ASSERT_TRUE(st.ok()) << p.name << ": " << st.error().message;
      }
      sent.push_back(p);
    }
    std::this_thread::sleep_for(std::max(milliseconds(500), 3 * advert_int));
    monitor.stop();
    for (const auto& s : monitor.samples()) {
      ASSERT_TRUE(s.holds[0] && !s.holds[1]) << "the VIP moved while bad packets arrived\n" << master.log();
    }
  }
  EXPECT_TRUE(master.running()) << master.log();
  EXPECT_TRUE(backup.running()) << backup.log();
  EXPECT_EQ(master.count_state("BACKUP") + master.count_state("MASTER"), master_transitions) << master.log();
  EXPECT_EQ(backup.count_state("BACKUP") + backup.count_state("MASTER"), backup_transitions) << backup.log();

  // Counted by reason: every copy, on both routers (wrong_vrid is counted but
  // not logged; a packet from our own VIP never reaches the node that holds
  // it: the kernel drops a local source address as a martian).
  const std::string master_log = master.log(), backup_log = backup.log();
  for (const auto& p : sent) {
    if (p.expected == vrrp::DropReason::kWrongVrid) continue;
    EXPECT_EQ(count_drops(backup_log, p.source, p.expected), kCopies) << "backup: " << p.name;
    if (p.source == vip) continue;
    EXPECT_EQ(count_drops(master_log, p.source, p.expected), kCopies) << "master: " << p.name;
  }

  // Positive control: the same injector's valid priority-254 advert wins.
  const int backups_before = master.count_state("BACKUP");
  ASSERT_TRUE(injector->send(craft_valid(valid)).ok());
  EXPECT_TRUE(master.wait_for_state("BACKUP", milliseconds(2000), backups_before + 1)) << master.log();
}

TEST(BadPacketsNetns, LvsdV2PassDropsAndCountsEveryBadAdvert) { inject_everything(2, milliseconds(1000), 190); }

TEST(BadPacketsNetns, LvsdV3DropsAndCountsEveryBadAdvert) { inject_everything(3, milliseconds(100), 191); }

}  // namespace
}  // namespace lvsd::interop
