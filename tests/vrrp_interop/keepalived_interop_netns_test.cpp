// netns tier: lvsd and a real keepalived 2.2.7 as the two routers of one
// virtual router, both ways round, VRRPv2 with PASS authentication and
// VRRPv3 with 100 ms adverts. Each test:
//   1. the MASTER (priority 100) holds the VIP, the BACKUP (50) does not;
//   2. the master's cable is pulled: the backup holds the VIP within
//      Master_Down_Interval + 100 ms;
//   3. the cable comes back: the master preempts, and from then on at no
//      20 ms sample do both hold the VIP for longer than one advert interval;
//   4. the master stops gracefully (priority 0): the backup holds the VIP
//      within Skew_Time + 100 ms of SIGTERM, and the master released it.
#include <gtest/gtest.h>

#include "tests/vrrp_interop/harness.hpp"
#include "vrrp/timers.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

struct InteropCase {
  Implementation master;
  Implementation backup;
  int version;
  milliseconds advert_int;
  int subnet;
};

milliseconds as_ms(core::Duration d) { return std::chrono::duration_cast<milliseconds>(d); }

void failover_both_ways(const InteropCase& c) {
  PairTopology pair(c.subnet);
  const core::IpAddress vip = ip(pair.vip);
  RouterSpec master_spec{.initial_master = true,
                         .priority = 100,
                         .vrid = 70,
                         .version = c.version,
                         .advert_int = c.advert_int,
                         .pass = c.version == 2 ? "secret1" : "",
                         .vips = {pair.vip + "/32"}};
  RouterSpec backup_spec = master_spec;
  backup_spec.initial_master = false;
  backup_spec.priority = 50;
  const auto version = c.version == 2 ? vrrp::Version::kV2 : vrrp::Version::kV3;
  const auto interval = std::chrono::duration_cast<vrrp::Centiseconds>(c.advert_int);
  const milliseconds master_down = as_ms(vrrp::master_down_interval(version, 50, interval));
  const milliseconds skew = as_ms(vrrp::skew_time(version, 50, interval));

  Router master(*pair.a, c.master, master_spec);
  Router backup(*pair.b, c.backup, backup_spec);
  backup.start();
  ASSERT_TRUE(backup.wait_for_state("BACKUP", milliseconds(5000))) << backup.log();
  master.start();
  auto probe_a = VipProbe::open(*pair.a);
  auto probe_b = VipProbe::open(*pair.b);
  ASSERT_TRUE(probe_a.ok() && probe_b.ok());

  // 1. Steady state.
  ASSERT_TRUE(test::wait_until([&] { return probe_a->holds(vip); }, milliseconds(5000)))
      << "master never took the VIP\n" << master.log();
  {
    HolderMonitor steady({&*probe_a, &*probe_b}, vip);
    std::this_thread::sleep_for(std::max(milliseconds(600), 2 * c.advert_int));
    steady.stop();
    EXPECT_EQ(steady.longest_dual_holding(), milliseconds(0)) << backup.log();
    EXPECT_FALSE(probe_b->holds(vip));
  }

  // 2. The master's cable is pulled (it keeps the VIP: it cannot know).
  pair.topo.set_link(*pair.a, false);
  const auto pulled = Clock::now();
  ASSERT_TRUE(test::wait_until([&] { return probe_b->holds(vip); }, master_down + milliseconds(3000),
                               milliseconds(5)))
      << backup.log();
  const auto took = as_ms(Clock::now() - pulled);
  EXPECT_LE(took, master_down + milliseconds(100))
      << to_string(c.backup) << " backup took " << took.count() << " ms; Master_Down_Interval is "
      << master_down.count() << " ms\n"
      << backup.log();

  // 3. Cable back: the higher priority preempts, and the two never both hold
  // the VIP for longer than one advert interval.
  {
    HolderMonitor rejoined({&*probe_a, &*probe_b}, vip);
    pair.topo.set_link(*pair.a, true);
    // keepalived back from FAULT enters BACKUP and waits out its own
    // Master_Down_Interval (it discards the lower-priority adverts) before it
    // preempts; lvsd preempts at the first lower-priority advert.
    EXPECT_TRUE(test::wait_until([&] { return probe_a->holds(vip) && !probe_b->holds(vip); },
                                 master_down + c.advert_int + milliseconds(2000)))
        << master.log() << backup.log();
    std::this_thread::sleep_for(std::max(milliseconds(300), 2 * c.advert_int));
    rejoined.stop();
    EXPECT_LE(rejoined.longest_dual_holding(), c.advert_int + milliseconds(20))
        << master.log() << "\n----\n" << backup.log();
    EXPECT_TRUE(probe_a->holds(vip));
    EXPECT_FALSE(probe_b->holds(vip));
  }

  // 4. Graceful stop of the master: priority 0, the backup waits only Skew_Time.
  {
    HolderMonitor stopping({&*probe_a, &*probe_b}, vip);
    const auto stop_at = Clock::now();
    master.request_stop();
    ASSERT_TRUE(test::wait_until([&] { return probe_b->holds(vip); }, master_down + milliseconds(3000),
                                 milliseconds(5)))
        << backup.log();
    const auto took_over = as_ms(Clock::now() - stop_at);
    std::string timeline;
    for (const auto& s : stopping.samples()) {
      timeline += std::to_string(as_ms(s.at - stop_at).count()) + ":" + (s.holds[0] ? "a" : "-") +
                  (s.holds[1] ? "b" : "-") + " ";
    }
    EXPECT_LE(took_over, skew + milliseconds(100))
        << to_string(c.backup) << " backup took " << took_over.count() << " ms after the " << to_string(c.master)
        << " master's stop\n" << timeline << "\n"
        << master.log() << "\n----\n" << backup.log();
    master.stop();
    std::this_thread::sleep_for(milliseconds(100));
    stopping.stop();
    EXPECT_FALSE(probe_a->holds(vip)) << "the stopped master left its VIP behind";
    EXPECT_LE(stopping.longest_dual_holding(), c.advert_int);
  }
  EXPECT_TRUE(backup.running());
}

TEST(KeepalivedInterop, KeepalivedPairV3Baseline) {
  failover_both_ways({Implementation::kKeepalived, Implementation::kKeepalived, 3, milliseconds(100), 180});
}

TEST(KeepalivedInterop, LvsdMasterKeepalivedBackupV2Pass) {
  failover_both_ways({Implementation::kLvsd, Implementation::kKeepalived, 2, milliseconds(1000), 181});
}

TEST(KeepalivedInterop, KeepalivedMasterLvsdBackupV2Pass) {
  failover_both_ways({Implementation::kKeepalived, Implementation::kLvsd, 2, milliseconds(1000), 182});
}

TEST(KeepalivedInterop, LvsdMasterKeepalivedBackupV3) {
  failover_both_ways({Implementation::kLvsd, Implementation::kKeepalived, 3, milliseconds(100), 183});
}

TEST(KeepalivedInterop, KeepalivedMasterLvsdBackupV3) {
  failover_both_ways({Implementation::kKeepalived, Implementation::kLvsd, 3, milliseconds(100), 184});
}

}  // namespace
}  // namespace lvsd::interop
