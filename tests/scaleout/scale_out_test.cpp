// kernel tier, scale out (issue 15): three active lvsd directors behind an
// FRR router doing ECMP, VIPs announced over BGP with BFD. scale-out.sh
// builds the topology (client, router, three directors, three real servers
// as network namespaces), runs every step once with the scheduler this binary
// was built for (SCALEOUT_SCHED: mh, or rr as the control) and writes one line
// per check, measured time and event. Each test below asserts one behaviour
// from those lines; a step that did not run fails its test by name.
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
struct Broken {
  long broken = -1;
  long streams = 0;
  long moved = 0;
};

const std::string kSched = SCALEOUT_SCHED;

class ScaleOut : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char cwd[4096] = {};
    const std::string dir = getcwd(cwd, sizeof cwd) ? cwd : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    const std::string results = dir + "/scale-out-" + kSched + "-results";
    const std::string logs = dir + "/scale-out-" + kSched + "-logs";
    // BFD 200 ms x 10 (2 s detection) rather than the documented 100 ms x 3:
    // a loaded host stalls the whole UML kernel for more than a second now
    // and then (bench/scale-out.md), and a false BFD down moves flows in the
    // middle of a measurement (and breaks streams in the rr control).
    auto r = run_command(std::string(LVSD_SCALEOUT) + " --quiet --sched " + kSched + " --bfd 200x10 --lvsd " +
                         LVSD_BINARY + " --lvsctl " + LVSD_LVSCTL + " --results " + results + " --logs " + logs +
                         " 2>&1");
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
      } else if (kind == "broken") {
        words >> broken_[name].broken >> broken_[name].streams >> broken_[name].moved;
      }
    }
  }

  static void expect_check(const std::string& name) {
    auto it = checks_.find(name);
    ASSERT_NE(it, checks_.end()) << "step '" << name << "' did not run; scenario output:\n" << output_;
    EXPECT_TRUE(it->second.ok) << name << ":" << it->second.detail;
  }
  static Broken broken(const std::string& event) {
    auto it = broken_.find(event);
    return it == broken_.end() ? Broken{} : it->second;
  }

  static inline int exit_code_ = -1;
  static inline std::string output_;
  static inline std::map<std::string, Verdict> checks_;
  static inline std::map<std::string, Broken> broken_;
};

TEST_F(ScaleOut, RouterLearnsEachVipFromTheThreeDirectorsOverBgpWithBfd) {
  expect_check("frr_up");
  expect_check("announced");
}

TEST_F(ScaleOut, FlowsFromManySourcePortsSpreadOverEveryDirector) {
  expect_check("spread");
  expect_check("streams");
}

TEST_F(ScaleOut, DrainWithdrawsTheDirector) { expect_check("drain_withdrawn"); }

TEST_F(ScaleOut, UndrainAnnouncesItAgain) { expect_check("undrain_announced"); }

TEST_F(ScaleOut, LinkDownIsWithdrawnWithinBfdDetectionPlus100ms) { expect_check("linkdown_withdrawn"); }

TEST_F(ScaleOut, LinkDownBreaksNoStreamOfTheSurvivingDirectors) {
  // ECMP (hash-threshold) also moves some streams between the survivors.
  if (kSched != "mh") GTEST_SKIP() << "rr control: survivors' streams move too";
  expect_check("linkdown_survivors_zero_broken");
}

TEST_F(ScaleOut, ReturningDirectorIsAnnouncedAgain) { expect_check("rejoin_announced"); }

TEST_F(ScaleOut, DeadRealServerBreaksOnlyItsOwnStreams) { expect_check("rskill_only_its_own"); }

TEST_F(ScaleOut, VipWithAnEmptyPoolIsWithdrawnEverywhereAndComesBack) {
  expect_check("empty_withdrawn");
  expect_check("empty_back");
}

TEST_F(ScaleOut, MaglevKeepsEveryMovedStreamOnItsRealServer) {
  if (kSched != "mh") GTEST_SKIP() << "the rr control";
  expect_check("drain_zero_broken");
  expect_check("undrain_zero_broken");
  expect_check("linkdown_moved_zero_broken");
  expect_check("rejoin_zero_broken");
}

// The control: with rr, a stream that ECMP moves to another director is
// scheduled anew there and most land on a real server that has no such
// connection. This shows the streams check can see a broken stream.
TEST_F(ScaleOut, RoundRobinControlBreaksMovedStreams) {
  if (kSched != "rr") GTEST_SKIP() << "only the rr control";
  const Broken drain = broken("drain");
  ASSERT_GE(drain.broken, 0) << "the drain step did not run:\n" << output_;
  RecordProperty("drain_broken", std::to_string(drain.broken));
  RecordProperty("linkdown_broken", std::to_string(broken("linkdown").broken));
  RecordProperty("rejoin_broken", std::to_string(broken("rejoin").broken));
  EXPECT_GT(drain.broken, 0) << "rr: no stream broke although " << drain.moved << " moved";
}

TEST_F(ScaleOut, EveryStepBehavedAsNarrated) {
  EXPECT_EQ(exit_code_, 0) << output_;
  for (const auto& [name, verdict] : checks_) EXPECT_TRUE(verdict.ok) << name << ":" << verdict.detail;
  EXPECT_GE(checks_.size(), kSched == "mh" ? 16u : 11u) << output_;
}

}  // namespace
}  // namespace lvsd::test
