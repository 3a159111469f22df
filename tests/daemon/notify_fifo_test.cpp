// FifoWriter / NotifyFifos against real FIFOs in a temporary directory: the
// creation rules, the routing of lines, a full pipe that must never block,
// and the FIFO script (started with the path as its last argument, ended at
// the close).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "core/event_loop.hpp"
#include "daemon/notify_fifo.hpp"

namespace lvsd::daemon {
namespace {

using namespace std::chrono_literals;

class NotifyFifoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvsd-fifo-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  static bool is_fifo(const std::string& p) {
    struct stat st{};
    return ::stat(p.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
  }
  static std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  static std::string file_text(const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  template <typename F>
  bool wait_for(F done, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      loop_.run_once(false);
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  core::EventLoop loop_;
  std::string dir_;
};

TEST_F(NotifyFifoTest, CreatesAMissingFifoPrivateAndRemovesItAtTheClose) {
  const std::string p = path("vrrp.fifo");
  auto writer = FifoWriter::open(loop_, "vrrp_notify_fifo", conf::NotifyFifo{.path = p}, {});
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  struct stat st{};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Nobody reads yet: the line waits in the pipe.
  (*writer)->write("INSTANCE \"VI_1\" BACKUP 100\n");
  const int reader = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  EXPECT_EQ(read_all(reader), "INSTANCE \"VI_1\" BACKUP 100\n");
  EXPECT_EQ((*writer)->written(), 1u);
  writer->reset();
  EXPECT_FALSE(std::filesystem::exists(p));
  ::close(reader);
}

TEST_F(NotifyFifoTest, KeepsAFifoItFoundAndRefusesAnythingElse) {
  const std::string fifo = path("mine.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto writer = FifoWriter::open(loop_, "notify_fifo", conf::NotifyFifo{.path = fifo}, {});
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  writer->reset();
  EXPECT_TRUE(is_fifo(fifo)) << "a FIFO lvsd did not create stays";

  const std::string file = path("file");
  std::ofstream(file) << "keep me\n";
  auto refused = FifoWriter::open(loop_, "lvs_notify_fifo", conf::NotifyFifo{.path = file}, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "lvs_notify_fifo " + file + " exists and is not a FIFO: remove it, or name another path");
  EXPECT_EQ(file_text(file), "keep me\n");
  auto no_dir = FifoWriter::open(loop_, "notify_fifo", conf::NotifyFifo{.path = path("none/x.fifo")}, {});
  ASSERT_FALSE(no_dir.ok());
  EXPECT_NE(no_dir.error().message.find("mkfifo"), std::string::npos) << no_dir.error().message;
}

// A reader that is gone must cost the loop nothing: each write returns at
// once, and what does not fit is dropped and counted.
TEST_F(NotifyFifoTest, AFullPipeDropsLinesAndNeverBlocks) {
  auto writer = FifoWriter::open(loop_, "vrrp_notify_fifo", conf::NotifyFifo{.path = path("full.fifo")}, {});
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  const std::string line = "INSTANCE \"VI_1\" MASTER_PRIORITY 100\n";
  const auto t0 = std::chrono::steady_clock::now();
  constexpr std::uint64_t kLines = 20000;  // ~760 KB: far more than a pipe holds (64 KiB by default)
  for (std::uint64_t i = 0; i < kLines; ++i) (*writer)->write(line);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_GT((*writer)->dropped(), 0u);
  EXPECT_GT((*writer)->written(), 0u);
  EXPECT_EQ((*writer)->written() + (*writer)->dropped(), kLines);
}

TEST_F(NotifyFifoTest, RoutesVrrpAndLvsLines) {
  NotifyFifos fifos(loop_);
  conf::Global global;
  global.notify_fifo = conf::NotifyFifo{.path = path("all.fifo")};
  global.vrrp_notify_fifo = conf::NotifyFifo{.path = path("vrrp.fifo")};
  global.lvs_notify_fifo = conf::NotifyFifo{.path = path("lvs.fifo")};
  fifos.apply(global);
  fifos.vrrp("INSTANCE \"VI_1\" MASTER 100\n");
  fifos.lvs("VS [10.0.0.1]:tcp:80 UP\n");
  auto read_fifo = [&](const std::string& name) {
    const int fd = ::open(path(name).c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    std::string text = fd >= 0 ? read_all(fd) : "(cannot open)";
    if (fd >= 0) ::close(fd);
    return text;
  };
  EXPECT_EQ(read_fifo("all.fifo"), "INSTANCE \"VI_1\" MASTER 100\nVS [10.0.0.1]:tcp:80 UP\n");
  EXPECT_EQ(read_fifo("vrrp.fifo"), "INSTANCE \"VI_1\" MASTER 100\n");
  EXPECT_EQ(read_fifo("lvs.fifo"), "VS [10.0.0.1]:tcp:80 UP\n");
  // A reload without the lvs FIFO closes (and removes) it; the others stay.
  global.lvs_notify_fifo.reset();
  fifos.apply(global);
  EXPECT_FALSE(std::filesystem::exists(path("lvs.fifo")));
  EXPECT_TRUE(is_fifo(path("all.fifo")));
  // A hitless restart closes them before the exec, and opens them again if it failed.
  fifos.suspend();
  EXPECT_FALSE(std::filesystem::exists(path("all.fifo")));
  fifos.resume();
  EXPECT_TRUE(is_fifo(path("all.fifo")));
  EXPECT_TRUE(is_fifo(path("vrrp.fifo")));
  fifos.close_all();
  EXPECT_FALSE(std::filesystem::exists(path("all.fifo")));
}

TEST_F(NotifyFifoTest, TheScriptGetsThePathLastAndEndsAtTheClose) {
  const std::string p = path("s.fifo");
  const std::string args = path("args");
  const std::string lines = path("lines");
  // argv: sh -c SCRIPT FIRST PATH ($0 = FIRST, $1 = the FIFO's path).
  conf::NotifyFifo config{.path = p, .owner = {},
                          .script = "/bin/sh -c 'echo \"$0 $1\" > " + args + "; exec cat \"$1\" > " + lines + "' first",
                          .script_user = {}};
  auto writer = FifoWriter::open(loop_, "notify_fifo", config, {});
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  const int pid = (*writer)->script_pid();
  ASSERT_GT(pid, 0);
  (*writer)->write("RS [1.2.3.4]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n");
  EXPECT_TRUE(wait_for([&] { return file_text(args) == "first " + p + "\n"; }, 5s)) << file_text(args);
  EXPECT_TRUE(wait_for([&] { return file_text(lines) == "RS [1.2.3.4]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n"; }, 5s))
      << file_text(lines);
  writer->reset();  // SIGTERM to the script's process group; the loop reaps it
  EXPECT_TRUE(wait_for([&] { return ::kill(pid, 0) != 0; }, 5s)) << "the FIFO script still runs after the close";
}

TEST_F(NotifyFifoTest, AScriptThatCannotStartLeavesTheFifoWritten) {
  const std::string p = path("n.fifo");
  conf::NotifyFifo config{.path = p, .owner = {}, .script = path("no-such-reader"), .script_user = {}};
  auto writer = FifoWriter::open(loop_, "lvs_notify_fifo", config, {});
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  EXPECT_EQ((*writer)->script_pid(), 0);
  (*writer)->write("VS [10.0.0.1]:tcp:80 DOWN\n");
  EXPECT_EQ((*writer)->written(), 1u);
}

}  // namespace
}  // namespace lvsd::daemon
