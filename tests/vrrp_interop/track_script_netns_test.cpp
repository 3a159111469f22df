// netns tier: vrrp_script + track_script, the same keepalived.conf run by
// keepalived 2.2.7 and by lvsd as the two routers of one virtual router,
// both ways round (VRRPv3, 100 ms adverts). A check script on the master
// (priority 150) fails while a file exists:
//   - weight -60: the master's priority drops to 90, below the backup's 100,
//     and the backup takes the VIP; when the script passes again the master
//     (150) preempts and holds it alone;
//   - weight 0: the master goes to FAULT and releases the VIP, the backup
//     takes it; when the script passes the master leaves FAULT and preempts.
// Whichever implementation is master, both agree on who holds the VIP.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/vrrp_interop/harness.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

struct TrackCase {
  Implementation master;
  Implementation backup;
  int weight;
  int subnet;
};

// A directory with an executable check that fails while `fail` exists.
struct ScriptDir {
  std::string dir;
  ScriptDir() {
    dir = write_temp_file("track-script", "");
    ::unlink(dir.c_str());
    ::mkdir(dir.c_str(), 0755);
    std::ofstream(dir + "/check") << "#!/bin/sh\ntest ! -e " << dir << "/fail\n";
    ::chmod((dir + "/check").c_str(), 0755);
  }
  ~ScriptDir() { test::run_command("rm -rf " + test::shell_quote(dir)); }
  void set_failing(bool failing) {
    if (failing) std::ofstream(dir + "/fail") << "x\n";
    else ::unlink((dir + "/fail").c_str());
  }
};

void track_script_moves_the_vip(const TrackCase& c) {
  PairTopology pair(c.subnet);
  const core::IpAddress vip = ip(pair.vip);
  ScriptDir script;
  RouterSpec master_spec{.initial_master = true,
                         .priority = 150,
                         .vrid = 80,
                         .version = 3,
                         .advert_int = milliseconds(100),
                         .vips = {pair.vip + "/32"}};
  master_spec.keepalived_top = "vrrp_script chk_service {\n  script " + script.dir + "/check\n  interval 1\n"
                               "  timeout 2\n  weight " + std::to_string(c.weight) + "\n  fall 1\n  rise 1\n}\n";
  master_spec.keepalived_instance = "  track_script {\n    chk_service\n  }\n";
  RouterSpec backup_spec = master_spec;
  backup_spec.initial_master = false;
  backup_spec.priority = 100;
  backup_spec.keepalived_top.clear();
  backup_spec.keepalived_instance.clear();

  Router master(*pair.a, c.master, master_spec);
  Router backup(*pair.b, c.backup, backup_spec);
  backup.start();
  ASSERT_TRUE(backup.wait_for_state("BACKUP", milliseconds(5000))) << backup.log();
  master.start();
  auto probe_a = VipProbe::open(*pair.a);
  auto probe_b = VipProbe::open(*pair.b);
  ASSERT_TRUE(probe_a.ok() && probe_b.ok());
  auto only_a = [&] { return probe_a->holds(vip) && !probe_b->holds(vip); };
  auto only_b = [&] { return probe_b->holds(vip) && !probe_a->holds(vip); };

  // The script passes: the master holds the VIP.
  ASSERT_TRUE(test::wait_until(only_a, milliseconds(8000))) << master.log() << "\n----\n" << backup.log();

  // The script fails: within one script interval plus Master_Down_Interval
  // (weight -60: the backup outranks the master) or at once (weight 0:
  // FAULT, the master resigns), the backup alone holds the VIP.
  script.set_failing(true);
  ASSERT_TRUE(test::wait_until(only_b, milliseconds(6000))) << master.log() << "\n----\n" << backup.log();
  if (c.weight == 0) {
    EXPECT_TRUE(master.wait_for_state("FAULT", milliseconds(2000))) << master.log();
  } else {
    EXPECT_EQ(master.count_state("FAULT"), 0) << "weight -60 must lower the priority, not fault\n" << master.log();
    EXPECT_TRUE(master.wait_for_state("BACKUP", milliseconds(2000))) << master.log();
  }
  // It stays so: the master does not flap back while the script fails.
  {
    HolderMonitor failing({&*probe_a, &*probe_b}, vip);
    std::this_thread::sleep_for(milliseconds(1500));
    failing.stop();
    for (const auto& s : failing.samples()) EXPECT_FALSE(s.holds[0]) << "the failing master held the VIP again";
  }

  // The script passes again: the master (150) preempts and holds it alone.
  script.set_failing(false);
  ASSERT_TRUE(test::wait_until(only_a, milliseconds(6000))) << master.log() << "\n----\n" << backup.log();
  {
    HolderMonitor settled({&*probe_a, &*probe_b}, vip);
    std::this_thread::sleep_for(milliseconds(500));
    settled.stop();
    EXPECT_LE(settled.longest_dual_holding(), milliseconds(120)) << master.log() << "\n----\n" << backup.log();
  }
  EXPECT_TRUE(master.running());
  EXPECT_TRUE(backup.running());
}

TEST(TrackScriptInterop, KeepalivedMasterWeightMinus60LvsdBackup) {
  track_script_moves_the_vip({Implementation::kKeepalived, Implementation::kLvsd, -60, 61});
}
TEST(TrackScriptInterop, LvsdMasterWeightMinus60KeepalivedBackup) {
  track_script_moves_the_vip({Implementation::kLvsd, Implementation::kKeepalived, -60, 62});
}
TEST(TrackScriptInterop, KeepalivedMasterWeight0FaultLvsdBackup) {
  track_script_moves_the_vip({Implementation::kKeepalived, Implementation::kLvsd, 0, 63});
}
TEST(TrackScriptInterop, LvsdMasterWeight0FaultKeepalivedBackup) {
  track_script_moves_the_vip({Implementation::kLvsd, Implementation::kKeepalived, 0, 64});
}

}  // namespace
}  // namespace lvsd::interop
