// netns tier: vrrp_notify_fifo, the same keepalived.conf run by keepalived
// 2.2.7 and by lvsd, both ways round: each router's FIFO must get the same
// lines from either implementation on a start, a graceful failover and a
// stop. The FIFOs are made and opened by the test before the routers start
// (keepalived opens its FIFO write-only, which needs a reader).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/vrrp_interop/harness.hpp"

namespace lvsd::interop {
namespace {

class FifoRead {
 public:
  explicit FifoRead(const std::string& path) {
    ::unlink(path.c_str());
    if (::mkfifo(path.c_str(), 0600) == 0) fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  }
  ~FifoRead() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  const std::string& text() {
    char buf[4096];
    for (ssize_t n; fd_ >= 0 && (n = ::read(fd_, buf, sizeof buf)) > 0;) text_.append(buf, static_cast<std::size_t>(n));
    return text_;
  }

 private:
  int fd_ = -1;
  std::string text_;
};

struct Lines {
  std::string master, backup;
};

// priority_changes: the master also tracks a file (weight -1) and writes 10,
// then 0 into it while MASTER, with vrrp_notify_priority_changes.
// sync_group: the master's instance is the one member of sync group G1.
Lines run_pair(Implementation master_impl, Implementation backup_impl, int subnet, bool priority_changes = false,
               bool sync_group = false) {
  PairTopology pair(subnet);
  std::string dir = write_temp_file("notify-fifo", "");
  ::unlink(dir.c_str());
  ::mkdir(dir.c_str(), 0755);
  FifoRead master_fifo(dir + "/master.fifo");
  FifoRead backup_fifo(dir + "/backup.fifo");
  EXPECT_TRUE(master_fifo.ok() && backup_fifo.ok());
  RouterSpec master_spec{.initial_master = true, .priority = 150, .vrid = 86, .vips = {pair.vip + "/32"}};
  master_spec.keepalived_global = "  vrrp_notify_fifo " + dir + "/master.fifo\n";
  const std::string file = dir + "/state";
  if (priority_changes) {
    master_spec.keepalived_global += "  vrrp_notify_priority_changes\n";
    master_spec.keepalived_top = "track_file state {\n  file " + file + "\n  weight -1\n  init_file 0 overwrite\n}\n";
    master_spec.keepalived_instance = "  track_file {\n    state\n  }\n";
  }
  if (sync_group) master_spec.keepalived_top = "vrrp_sync_group G1 {\n  group {\n    VI_1\n  }\n}\n";
  RouterSpec backup_spec = master_spec;
  backup_spec.keepalived_top.clear();
  backup_spec.keepalived_instance.clear();
  backup_spec.initial_master = false;
  backup_spec.priority = 100;
  backup_spec.keepalived_global = "  vrrp_notify_fifo " + dir + "/backup.fifo\n";
  Router master(*pair.a, master_impl, master_spec);
  Router backup(*pair.b, backup_impl, backup_spec);
  // The master first: a backup started alone would become master itself once
  // its Master_Down_Interval ran out before the master's first advert (a
  // slow start, as under the sanitizers), and write lines the test does not
  // expect.
  master.start();
  EXPECT_TRUE(master.wait_for_state("MASTER", milliseconds(8000))) << master.log();
  EXPECT_TRUE(test::wait_until([&] { return master_fifo.text().find("MASTER") != std::string::npos; },
                               milliseconds(3000)));
  backup.start();
  EXPECT_TRUE(backup.wait_for_state("BACKUP", milliseconds(5000))) << backup.log();
  if (priority_changes) {
    test::run_command("echo 10 > " + test::shell_quote(file));
    EXPECT_TRUE(test::wait_until([&] { return master_fifo.text().find("_PRIORITY 140") != std::string::npos; },
                                 milliseconds(5000))) << master_fifo.text() << master.log();
    test::run_command("echo 0 > " + test::shell_quote(file));
    EXPECT_TRUE(test::wait_until([&] { return master_fifo.text().find("_PRIORITY 150") != std::string::npos; },
                                 milliseconds(5000))) << master_fifo.text() << master.log();
  }
  master.stop();  // graceful: the backup takes over after Skew_Time
  EXPECT_TRUE(backup.wait_for_state("MASTER", milliseconds(5000))) << backup.log();
  EXPECT_TRUE(test::wait_until([&] { return backup_fifo.text().find("MASTER") != std::string::npos; },
                               milliseconds(3000)));
  backup.stop();
  Lines out{.master = master_fifo.text(), .backup = backup_fifo.text()};
  test::run_command("rm -rf " + test::shell_quote(dir));
  return out;
}

TEST(NotifyFifoInterop, LvsdWritesWhatKeepalivedWrites) {
  const Lines keepalived_lines = run_pair(Implementation::kKeepalived, Implementation::kKeepalived, 91);
  EXPECT_EQ(keepalived_lines.master,
            "INSTANCE \"VI_1\" BACKUP 150\nINSTANCE \"VI_1\" MASTER 150\nINSTANCE \"VI_1\" STOP 150\n");
  EXPECT_EQ(keepalived_lines.backup,
            "INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_1\" MASTER 100\nINSTANCE \"VI_1\" STOP 100\n");
  const Lines lvsd_master = run_pair(Implementation::kLvsd, Implementation::kKeepalived, 92);
  EXPECT_EQ(lvsd_master.master, keepalived_lines.master);
  EXPECT_EQ(lvsd_master.backup, keepalived_lines.backup);
  const Lines lvsd_backup = run_pair(Implementation::kKeepalived, Implementation::kLvsd, 93);
  EXPECT_EQ(lvsd_backup.master, keepalived_lines.master);
  EXPECT_EQ(lvsd_backup.backup, keepalived_lines.backup);
}

TEST(NotifyFifoInterop, PriorityChangesAsKeepalivedWritesThem) {
  const Lines keepalived_lines = run_pair(Implementation::kKeepalived, Implementation::kKeepalived, 94, true);
  EXPECT_EQ(keepalived_lines.master,
            "INSTANCE \"VI_1\" BACKUP 150\nINSTANCE \"VI_1\" MASTER 150\nINSTANCE \"VI_1\" MASTER_PRIORITY 140\n"
            "INSTANCE \"VI_1\" MASTER_PRIORITY 150\nINSTANCE \"VI_1\" STOP 150\n");
  const Lines lvsd_lines = run_pair(Implementation::kLvsd, Implementation::kKeepalived, 95, true);
  EXPECT_EQ(lvsd_lines.master, keepalived_lines.master);
  EXPECT_EQ(lvsd_lines.backup, keepalived_lines.backup);
}

TEST(NotifyFifoInterop, SyncGroupLinesAsKeepalivedWritesThem) {
  const Lines keepalived_lines = run_pair(Implementation::kKeepalived, Implementation::kKeepalived, 96, false, true);
  EXPECT_EQ(keepalived_lines.master,
            "GROUP \"G1\" BACKUP 0\nINSTANCE \"VI_1\" BACKUP 150\nINSTANCE \"VI_1\" MASTER 150\nGROUP \"G1\" MASTER 0\n"
            "INSTANCE \"VI_1\" STOP 150\nGROUP \"G1\" STOP 0\n");
  const Lines lvsd_lines = run_pair(Implementation::kLvsd, Implementation::kKeepalived, 97, false, true);
  EXPECT_EQ(lvsd_lines.master, keepalived_lines.master);
}

}  // namespace
}  // namespace lvsd::interop
