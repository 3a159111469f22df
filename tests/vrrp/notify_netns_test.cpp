// netns tier (root, real processes): notify scripts as SpawnScriptRunner runs
// them. A script past its timeout is killed with its process group; scripts
// run as the global script user and a bare command is found through PATH; the
// rtnetlink sockets lvsd holds close on exec, and the child sees only 0, 1, 2.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "core/event_loop.hpp"
#include "vrrp/addr.hpp"
#include "vrrp/link_monitor.hpp"
#include "vrrp/notify.hpp"

namespace lvsd::vrrp {
namespace {

using namespace std::chrono_literals;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Without the directory iterator's own descriptor (closed by now).
std::set<int> open_fds() {
  std::set<int> fds;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) fds.insert(std::stoi(e.path().filename()));
  std::erase_if(fds, [](int fd) { return ::fcntl(fd, F_GETFD) < 0; });
  return fds;
}

bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

class NotifyNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvsd-notify-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0777);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the loop until no script is left or `limit` passes.
  void drain(SpawnScriptRunner& runner, std::chrono::milliseconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (runner.running() > 0 && std::chrono::steady_clock::now() < end) loop_.run_once(true);
  }

  core::EventLoop loop_;
  std::string dir_;
};

TEST_F(NotifyNetns, ScriptPastItsTimeoutIsKilledWithItsProcessGroup) {
  SpawnScriptRunner runner(loop_, 300ms);
  const std::string pidfile = dir_ + "/pid";
  const auto start = std::chrono::steady_clock::now();
  runner.run({"/bin/sh", "-c", "sleep 30 & echo $! > " + pidfile + "; wait"});
  ASSERT_EQ(runner.running(), 1u);
  drain(runner);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(runner.running(), 0u);
  EXPECT_GE(took, 250ms);  // libev counts from the loop's cached time, which may lag a little
  EXPECT_LT(took, 3s);
  pid_t sleeper = 0;
  std::ifstream(pidfile) >> sleeper;
  ASSERT_GT(sleeper, 0);
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (!gone(sleeper) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(gone(sleeper)) << "the script's child outlived the timeout";
}

TEST_F(NotifyNetns, RunsAsScriptUserAndFindsBareCommandInPath) {
  SpawnScriptRunner runner(loop_);
  runner.set_policy({.user = "nobody", .group = {}, .security = false});
  // As notify_commands builds it from "touch <file>": a bare name, as `logger` would be.
  runner.run(core::split_command_line("touch " + dir_ + "/made"));
  drain(runner);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/made").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);

  // A script user that does not exist: nothing runs.
  runner.set_policy({.user = "lvsd-no-such-user", .group = {}, .security = false});
  runner.run(core::split_command_line("touch " + dir_ + "/not-made"));
  EXPECT_EQ(runner.running(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/not-made"));
}

// Issue #17: notify scripts inherited lvsd's rtnetlink socket.
TEST_F(NotifyNetns, DaemonSocketsCloseOnExecAndTheScriptSeesOnlyStdio) {
  const std::set<int> before = open_fds();
  auto addresses = AddressClient::open();
  ASSERT_TRUE(addresses.ok()) << addresses.error().message;
  auto links = LinkMonitor::open();
  ASSERT_TRUE(links.ok()) << links.error().message;
  int opened = 0;
  for (int fd : open_fds()) {
    if (before.contains(fd)) continue;
    const int flags = ::fcntl(fd, F_GETFD);
    ++opened;
    EXPECT_TRUE(flags & FD_CLOEXEC) << "fd " << fd << " -> "
                                    << std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd));
  }
  EXPECT_GE(opened, 2);

  SpawnScriptRunner runner(loop_);
  const std::string fds = dir_ + "/fds";
  // ls replaces the shell: 0, 1, 2 and 3, the directory it reads.
  runner.run({"/bin/sh", "-c", "exec > " + fds + "; exec ls /proc/self/fd"});
  drain(runner);
  EXPECT_EQ(slurp(fds), "0\n1\n2\n3\n");
}

}  // namespace
}  // namespace lvsd::vrrp
