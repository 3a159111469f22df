// kernel tier, end to end: the seed scenario (scripts/demo's story) with lvsd
// on both directors of an LVS-DR pair. demo/scenario.sh builds the topology
// (client, lvs1 MASTER 100, lvs2 BACKUP 50, web1/web2, redis1/redis2 as
// network namespaces on one bridge) and performs every step once; it writes
// one line per step's verdict and per measured time. Each test below asserts
// one behaviour from those lines, against the bounds the demo's configuration
// implies (demo/configs/lvsd.yaml.in). A step that did not run fails its test:
// the lvsd features the story needs (lvsctl realserver up, the control
// socket's status, lvsd --cleanup, lvsctl restart) each have a test of their
// own, so a missing one shows by name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

struct Verdict {
  bool ok = false;
  std::string detail;
};
struct Timing {
  long measured_ms = -1;
  long bound_ms = 0;
};

// UML runs every process slowly and the scenario polls every 50 ms: a
// measured time may exceed its bound by this much (as in demo/scenario.sh).
constexpr long kSlackMs = 1000;

class SeedScenario : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The step lines and the daemons' and client's logs end up next to the
    // test's results (the kernel tier runs each binary in its output directory).
    char cwd[4096] = {};
    const std::string dir = getcwd(cwd, sizeof cwd) ? cwd : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    const std::string results = dir + "/e2e-seed-results";
    const std::string logs = dir + "/e2e-seed-logs";
    auto r = run_command(std::string(LVSD_SCENARIO) + " --mode lvsd --quiet --lvsd " + LVSD_BINARY + " --lvsctl " +
                         LVSD_LVSCTL + " --results " + results + " --logs " + logs + " 2>&1");
    exit_code_ = r.exit_code;
    output_ = r.output;
    std::ifstream in(results);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string kind, name;
      words >> kind >> name;
      if (kind == "check") {
        std::string verdict;
        words >> verdict;
        std::getline(words, checks_[name].detail);
        checks_[name].ok = verdict == "ok";
      } else if (kind == "feature") {
        std::string present;
        words >> present;
        features_[name] = present == "yes";
      } else if (kind == "time") {
        words >> times_[name].measured_ms >> times_[name].bound_ms;
      }
    }
  }

  static void expect_check(const std::string& name) {
    auto it = checks_.find(name);
    ASSERT_NE(it, checks_.end()) << "step '" << name << "' did not run; scenario output:\n" << output_;
    EXPECT_TRUE(it->second.ok) << name << ":" << it->second.detail;
  }
  static void expect_within_bound(const std::string& name) {
    auto it = times_.find(name);
    ASSERT_NE(it, times_.end()) << "time '" << name << "' was not measured; scenario output:\n" << output_;
    EXPECT_GE(it->second.measured_ms, 0) << name << " never happened";
    EXPECT_LE(it->second.measured_ms, it->second.bound_ms + kSlackMs)
        << name << ": " << it->second.measured_ms << " ms, bound " << it->second.bound_ms << " ms";
  }
  // The story reached the step that needs `feature` and lvsd had it.
  static void expect_feature(const std::string& feature) {
    auto it = features_.find(feature);
    ASSERT_NE(it, features_.end()) << "the step needing '" << feature << "' did not run; scenario output:\n"
                                   << output_;
    EXPECT_TRUE(it->second) << "lvsd/lvsctl lacks '" << feature << "'";
  }

  static inline int exit_code_ = -1;
  static inline std::string output_;
  static inline std::map<std::string, Verdict> checks_;
  static inline std::map<std::string, Timing> times_;
  static inline std::map<std::string, bool> features_;
};

TEST_F(SeedScenario, RealServersGetTheVipOnLoAndNoArpFromLvsctlRealserverUp) {
  expect_feature("realserver");
  expect_check("realservers");
  EXPECT_EQ(checks_.count("realserver_up"), 0u) << checks_["realserver_up"].detail;
}

TEST_F(SeedScenario, MasterHoldsTheVipAndBothDirectorsProgramTheHealthyPools) { expect_check("directors"); }

TEST_F(SeedScenario, LvsctlStatusOverTheControlSocketShowsTheMaster) {
  expect_feature("control");
  expect_check("status_shows_master");
}

TEST_F(SeedScenario, RoundRobinAlternatesBetweenTheWebServers) { expect_check("rr"); }

TEST_F(SeedScenario, PersistenceKeepsOneClientOnOneServerUntilTheTemplateExpires) {
  expect_check("persistence_sticky");
  expect_check("persistence_expiry");
}

TEST_F(SeedScenario, DeadWebServerLeavesThePoolWithinTheCheckBound) {
  expect_within_bound("ejection");
  expect_check("web2_serves");
}

TEST_F(SeedScenario, RecoveredWebServerReturnsWithinTheCheckBound) { expect_within_bound("readd"); }

TEST_F(SeedScenario, RedisVipFollowsThePromotedReplicaAndWritesContinue) {
  expect_within_bound("redis_switch");
  expect_check("redis_writes");
}

TEST_F(SeedScenario, BackupTakesTheVipWithinMasterDownIntervalAndServes) {
  expect_within_bound("failover");
  expect_check("failover_answers");
}

TEST_F(SeedScenario, LvsdCleanupAfterKill9RemovesTheVip) {
  expect_feature("cleanup");
  expect_check("cleanup");
}

TEST_F(SeedScenario, ReturningMasterPreemptsAndServes) {
  expect_within_bound("preempt");
  expect_check("preempt_alone");
  expect_check("preempt_answers");
  expect_check("pools_after_return");
}

TEST_F(SeedScenario, HitlessRestartKeepsTheVipAndFailsNoRequest) {
  expect_feature("restart");
  expect_check("restart_done");
  expect_check("restart_vip_stayed");
  expect_check("restart_zero_failures");
}

TEST_F(SeedScenario, EveryStepBehavedAsNarrated) {
  EXPECT_EQ(exit_code_, 0) << output_;
  for (const auto& [name, verdict] : checks_) EXPECT_TRUE(verdict.ok) << name << ":" << verdict.detail;
  // Every check of the lvsd story ran (demo/scenario.sh, lvsd mode).
  EXPECT_GE(checks_.size(), 21u) << output_;
}

}  // namespace
}  // namespace lvsd::test
