// netns tier: track_file, the same keepalived.conf run by keepalived 2.2.7 and
// by lvsd as the two routers of one virtual router, both ways round (VRRPv3,
// 100 ms adverts). The master (priority 150) tracks a file:
//   - weight -1: writing 60 into the file drops the master to 90, below the
//     backup's 100, and the backup takes the VIP; writing 0 gives the master
//     back its 150 and it preempts;
//   - weight 0: writing 1 puts the master in FAULT (it releases the VIP);
//     writing 0 brings it back and it preempts.
// The file is written the way people do (echo N > file), and is created by
// init_file at start. Whichever implementation is master, both agree on who
// holds the VIP.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/vrrp_interop/harness.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

struct FileCase {
  Implementation master;
  Implementation backup;
  int weight;
  int subnet;
};

void track_file_moves_the_vip(const FileCase& c) {
  PairTopology pair(c.subnet);
  const core::IpAddress vip = ip(pair.vip);
  std::string dir = write_temp_file("track-file", "");
  ::unlink(dir.c_str());
  ::mkdir(dir.c_str(), 0755);
  const std::string file = dir + "/state";
  RouterSpec master_spec{.initial_master = true,
                         .priority = 150,
                         .vrid = 85,
                         .version = 3,
                         .advert_int = milliseconds(100),
                         .vips = {pair.vip + "/32"}};
  master_spec.keepalived_top = "track_file state {\n  file " + file + "\n  weight " + std::to_string(c.weight) +
                               "\n  init_file 0 overwrite\n}\n";
  master_spec.keepalived_instance = "  track_file {\n    state\n  }\n";
  RouterSpec backup_spec = master_spec;
  backup_spec.initial_master = false;
  backup_spec.priority = 100;
  backup_spec.keepalived_top.clear();
  backup_spec.keepalived_instance.clear();
  auto write = [&](int value) { test::run_command("echo " + std::to_string(value) + " > " + file); };

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

  ASSERT_TRUE(test::wait_until(only_a, milliseconds(8000))) << master.log() << "\n----\n" << backup.log();
  {
    std::ifstream in(file);
    int created = -1;
    in >> created;
    EXPECT_EQ(created, 0) << "init_file did not create " << file;
  }

  write(c.weight == 0 ? 1 : 60);
  ASSERT_TRUE(test::wait_until(only_b, milliseconds(5000))) << master.log() << "\n----\n" << backup.log();
  if (c.weight == 0) {
    EXPECT_TRUE(master.wait_for_state("FAULT", milliseconds(2000))) << master.log();
  } else {
    EXPECT_EQ(master.count_state("FAULT"), 0) << "weight -1 must lower the priority, not fault\n" << master.log();
  }
  {
    HolderMonitor lowered({&*probe_a, &*probe_b}, vip);
    std::this_thread::sleep_for(milliseconds(1000));
    lowered.stop();
    for (const auto& s : lowered.samples()) EXPECT_FALSE(s.holds[0]) << "the lowered master held the VIP again";
  }

  write(0);
  ASSERT_TRUE(test::wait_until(only_a, milliseconds(5000))) << master.log() << "\n----\n" << backup.log();
  EXPECT_TRUE(master.running());
  EXPECT_TRUE(backup.running());
  test::run_command("rm -rf " + test::shell_quote(dir));
}

TEST(TrackFileInterop, LvsdMasterWeightMinus1KeepalivedBackup) {
  track_file_moves_the_vip({Implementation::kLvsd, Implementation::kKeepalived, -1, 145});
}
TEST(TrackFileInterop, KeepalivedMasterWeightMinus1LvsdBackup) {
  track_file_moves_the_vip({Implementation::kKeepalived, Implementation::kLvsd, -1, 146});
}
TEST(TrackFileInterop, LvsdMasterWeight0FaultKeepalivedBackup) {
  track_file_moves_the_vip({Implementation::kLvsd, Implementation::kKeepalived, 0, 147});
}

}  // namespace
}  // namespace lvsd::interop
