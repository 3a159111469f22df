// netns tier: vrrp_track_process, one keepalived.conf run by keepalived 2.2.7
// and by lvsd as the two routers of one virtual router (VRRPv3, 100 ms
// adverts). The test starts the tracked process itself (`sleep` with a
// parameter unique to the run, matched by name and parameters) and stops it:
//   - lvsd master (150) tracks it with weight -60: stopped -> 90 < 100 and
//     the keepalived backup takes the VIP; started again -> 150, it returns;
//   - the same with weight 0: stopped -> FAULT, started -> back;
//   - keepalived master (150), lvsd backup (100) tracking it with weight
//     +60: running -> 160 and lvsd takes over; stopped -> 100, keepalived
//     takes the VIP back.
// The tracking side is lvsd: keepalived 2.2.7 cannot track processes in a
// network namespace other than the initial one (the kernel's process
// connector exists only there: "Failed to set/clear process event listen -
// errno 111", and it counts no process at all). lvsd, there too, rescans
// /proc every second instead (docs/keepalived-compat.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/vrrp_interop/harness.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

// The tracked process: `sleep ARG`, started and stopped by the test.
class TrackedSleep {
 public:
  explicit TrackedSleep(std::string arg) : arg_(std::move(arg)) {}
  ~TrackedSleep() { stop(); }
  void start() {
    if (pid_ > 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("sleep", "sleep", arg_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::string arg_;
  pid_t pid_ = -1;
};

struct ProcessCase {
  Implementation master;
  Implementation backup;
  int weight;
  int subnet;
};

void track_process_moves_the_vip(const ProcessCase& c) {
  PairTopology pair(c.subnet);
  const core::IpAddress vip = ip(pair.vip);
  // 1000.<pid><subnet>: unique to this run and case.
  const std::string arg = "1000." + std::to_string(::getpid()) + std::to_string(c.subnet);
  TrackedSleep sleeper(arg);
  const bool lvsd_tracks_as_backup = c.master == Implementation::kKeepalived;
  RouterSpec master_spec{.initial_master = true,
                         .priority = 150,
                         .vrid = 86,
                         .version = 3,
                         .advert_int = milliseconds(100),
                         .vips = {pair.vip + "/32"}};
  RouterSpec backup_spec = master_spec;
  backup_spec.initial_master = false;
  backup_spec.priority = 100;
  RouterSpec& tracker = lvsd_tracks_as_backup ? backup_spec : master_spec;
  tracker.keepalived_top = "vrrp_track_process tracked {\n  process sleep " + arg + "\n  weight " +
                           std::to_string(c.weight) + "\n}\n";
  tracker.keepalived_instance = "  track_process {\n    tracked\n  }\n";

  // The master's process runs from the start; the backup's does not.
  if (!lvsd_tracks_as_backup) sleeper.start();
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
  const auto logs = [&] { return master.log() + "\n----\n" + backup.log(); };

  ASSERT_TRUE(test::wait_until(only_a, milliseconds(8000))) << logs();
  if (lvsd_tracks_as_backup) {
    // lvsd backup + 60 while the process runs: 160 > 150, it takes over.
    sleeper.start();
    ASSERT_TRUE(test::wait_until(only_b, milliseconds(6000))) << logs();
    sleeper.stop();
    ASSERT_TRUE(test::wait_until(only_a, milliseconds(6000))) << logs();
    EXPECT_EQ(backup.count_state("FAULT"), 0) << backup.log();
  } else {
    sleeper.stop();
    ASSERT_TRUE(test::wait_until(only_b, milliseconds(6000))) << logs();
    if (c.weight == 0) {
      EXPECT_TRUE(master.wait_for_state("FAULT", milliseconds(2000))) << master.log();
    } else {
      EXPECT_EQ(master.count_state("FAULT"), 0) << "weight -60 must lower the priority, not fault\n" << master.log();
    }
    {
      HolderMonitor lowered({&*probe_a, &*probe_b}, vip);
      std::this_thread::sleep_for(milliseconds(1500));
      lowered.stop();
      for (const auto& s : lowered.samples()) EXPECT_FALSE(s.holds[0]) << "the lowered master held the VIP again";
    }
    sleeper.start();
    ASSERT_TRUE(test::wait_until(only_a, milliseconds(6000))) << logs();
  }
  EXPECT_TRUE(master.running());
  EXPECT_TRUE(backup.running());
}

TEST(TrackProcessInterop, LvsdMasterWeightMinus60KeepalivedBackup) {
  track_process_moves_the_vip({Implementation::kLvsd, Implementation::kKeepalived, -60, 221});
}
TEST(TrackProcessInterop, LvsdMasterWeight0FaultKeepalivedBackup) {
  track_process_moves_the_vip({Implementation::kLvsd, Implementation::kKeepalived, 0, 222});
}
TEST(TrackProcessInterop, KeepalivedMasterLvsdBackupWeightPlus60) {
  track_process_moves_the_vip({Implementation::kKeepalived, Implementation::kLvsd, 60, 223});
}

}  // namespace
}  // namespace lvsd::interop
