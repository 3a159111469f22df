// netns tier (it runs real processes and waits for them): MISC_CHECK exit
// codes, misc_dynamic weights, and the kill on misc_timeout.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "healthcheck/checker.hpp"
#include "tests/healthcheck/netns_support.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;

CheckSpec script(const std::string& shell, bool dynamic = false, core::Duration timeout = milliseconds(2000)) {
  return CheckSpec{.kind = CheckKind::kMisc, .misc_argv = {"/bin/sh", "-c", shell}, .misc_timeout = timeout,
                   .misc_dynamic = dynamic};
}

bool dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto paren = line.rfind(')');  // "pid (comm) S ..."
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

class MiscCheckNetns : public ::testing::Test {
 protected:
  core::EventLoop loop_;
};

TEST_F(MiscCheckNetns, ExitZeroIsUpAndOtherCodesAreDown) {
  auto r = probe_once(loop_, script("exit 0"));
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "script exit 0");
  EXPECT_FALSE(r.weight.has_value());
  r = probe_once(loop_, script("exit 1"));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "script exit 1");
  r = probe_once(loop_, script("exit 7"));  // without misc_dynamic any non-zero code is down
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "script exit 7");
}

TEST_F(MiscCheckNetns, DynamicExitCodesSetTheWeight) {
  auto r = probe_once(loop_, script("exit 7", true));
  EXPECT_TRUE(r.up) << r.reason;
  ASSERT_TRUE(r.weight.has_value());
  EXPECT_EQ(*r.weight, 5);
  r = probe_once(loop_, script("exit 2", true));
  EXPECT_TRUE(r.up);
  EXPECT_EQ(r.weight, 0);
  r = probe_once(loop_, script("exit 255", true));
  EXPECT_EQ(r.weight, 253);
  r = probe_once(loop_, script("exit 1", true));
  EXPECT_FALSE(r.up);
  EXPECT_FALSE(r.weight.has_value());
  r = probe_once(loop_, script("exit 0", true));
  EXPECT_TRUE(r.up);
  EXPECT_FALSE(r.weight.has_value());
}

TEST_F(MiscCheckNetns, TimeoutKillsTheScriptAndItsChildren) {
  const std::string pidfile = "/tmp/lvsd-hc-misc-" + std::to_string(::getpid());
  // The shell starts a child sleep and waits: both must die.
  auto r = probe_once(loop_, script("sleep 30 & echo $! > " + pidfile + "; wait", false, milliseconds(200)));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "script timeout after 200ms (killed)");
  EXPECT_GE(r.latency, milliseconds(200));
  EXPECT_LT(r.latency, milliseconds(1500));
  pid_t child = 0;
  std::ifstream(pidfile) >> child;
  ::unlink(pidfile.c_str());
  ASSERT_GT(child, 0);
  // The sleep is not our child (the shell was): once killed it is gone, or a
  // zombie until whoever adopted it reaps it.
  EXPECT_TRUE(lvsd::test::wait_until([&] { return dead(child); }, std::chrono::seconds(2)));
}

TEST_F(MiscCheckNetns, ScriptKilledBySignalAndMissingProgramAreDown) {
  auto r = probe_once(loop_, script("kill -9 $$"));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "script killed by signal 9");
  r = probe_once(loop_, CheckSpec{.kind = CheckKind::kMisc, .misc_argv = {"/nonexistent/check"}});
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "cannot run /nonexistent/check: No such file or directory");
}

TEST_F(MiscCheckNetns, StdoutGoesToDevNullAndArgumentsArePassedAsIs) {
  auto r = probe_once(loop_, CheckSpec{.kind = CheckKind::kMisc,
                                       .misc_argv = {"/bin/sh", "-c", "[ \"$1\" = 'a b' ] && echo noise", "sh", "a b"}});
  EXPECT_TRUE(r.up) << r.reason;
}

}  // namespace
}  // namespace lvsd::healthcheck::test
