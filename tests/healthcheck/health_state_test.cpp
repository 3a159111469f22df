#include "healthcheck/health_state.hpp"

#include <gtest/gtest.h>

#include "core/fake_scheduler.hpp"

namespace lvsd::healthcheck {
namespace {

using std::chrono::seconds;

class HealthStateTest : public ::testing::Test {
 protected:
  core::FakeScheduler clock_;
  // Records a result at the current fake time, then moves time by 1 s.
  std::optional<Transition> step(HealthState& s, bool passed, const char* reason = "r") {
    auto t = s.record(passed, reason, clock_.now());
    clock_.advance(seconds(1));
    return t;
  }
};

TEST_F(HealthStateTest, StartsUnknownAndFirstPassMakesItUpEvenWithRiseAboveOne) {
  HealthState s(HealthThresholds{.rise = 3, .fall = 2});
  EXPECT_EQ(s.verdict(), Verdict::kUnknown);
  EXPECT_FALSE(s.up());
  core::TimePoint when = clock_.now();
  auto t = step(s, true, "connected");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, Verdict::kUnknown);
  EXPECT_EQ(t->to, Verdict::kUp);
  EXPECT_EQ(t->reason, "connected");
  EXPECT_EQ(t->at, when);
  EXPECT_TRUE(s.up());
}

TEST_F(HealthStateTest, FirstFailureFromUnknownIsDownAtOnce) {
  HealthState s(HealthThresholds{.rise = 1, .fall = 3});
  auto t = step(s, false, "connection refused");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, Verdict::kUnknown);
  EXPECT_EQ(t->to, Verdict::kDown);
  EXPECT_EQ(t->reason, "connection refused");
}

TEST_F(HealthStateTest, StartUpOptionStartsUpAndNeedsFallFailures) {
  HealthState s(HealthThresholds{.rise = 1, .fall = 2, .start_up = true});
  EXPECT_EQ(s.verdict(), Verdict::kUp);
  EXPECT_FALSE(step(s, false).has_value());
  EXPECT_TRUE(s.up());
  auto t = step(s, false, "HTTP 503 on /health");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, Verdict::kUp);
  EXPECT_EQ(t->to, Verdict::kDown);
  EXPECT_EQ(t->reason, "HTTP 503 on /health");
}

TEST_F(HealthStateTest, FallCountsOnlyConsecutiveFailures) {
  HealthState s(HealthThresholds{.rise = 1, .fall = 3});
  step(s, true);
  EXPECT_FALSE(step(s, false).has_value());
  EXPECT_FALSE(step(s, false).has_value());
  EXPECT_EQ(s.consecutive_failures(), 2);
  EXPECT_FALSE(step(s, true).has_value());  // a pass resets the count
  EXPECT_EQ(s.consecutive_failures(), 0);
  EXPECT_FALSE(step(s, false).has_value());
  EXPECT_FALSE(step(s, false).has_value());
  EXPECT_TRUE(s.up());
  core::TimePoint when = clock_.now();
  auto t = step(s, false, "third");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, Verdict::kDown);
  EXPECT_EQ(t->at, when);
  EXPECT_EQ(t->reason, "third");
}

TEST_F(HealthStateTest, RiseCountsOnlyConsecutivePasses) {
  HealthState s(HealthThresholds{.rise = 2, .fall = 1});
  step(s, false);
  ASSERT_EQ(s.verdict(), Verdict::kDown);
  EXPECT_FALSE(step(s, true).has_value());
  EXPECT_FALSE(step(s, false).has_value());  // resets
  EXPECT_FALSE(step(s, true).has_value());
  EXPECT_EQ(s.consecutive_passes(), 1);
  auto t = step(s, true, "ok");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, Verdict::kDown);
  EXPECT_EQ(t->to, Verdict::kUp);
}

TEST_F(HealthStateTest, RepeatedResultsInTheSameDirectionDoNotTransitionAgain) {
  HealthState s(HealthThresholds{.rise = 1, .fall = 1});
  ASSERT_TRUE(step(s, true).has_value());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(step(s, true).has_value());
  ASSERT_TRUE(step(s, false).has_value());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(step(s, false).has_value());
  EXPECT_EQ(s.consecutive_failures(), 6);
}

TEST_F(HealthStateTest, OnlyTheResultThatTipsTheVerdictMakesATransitionWithItsReason) {
  HealthState s(HealthThresholds{.rise = 1, .fall = 2});
  ASSERT_TRUE(step(s, true, "first pass").has_value());
  EXPECT_FALSE(step(s, false, "blip").has_value());
  auto t = step(s, false, "dead");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->reason, "dead");
  EXPECT_EQ(t->from, Verdict::kUp);
  EXPECT_EQ(t->to, Verdict::kDown);
}

TEST_F(HealthStateTest, ThresholdsBelowOneActAsOne) {
  HealthState s(HealthThresholds{.rise = 0, .fall = -4, .start_up = true});
  EXPECT_EQ(s.thresholds().rise, 1);
  EXPECT_EQ(s.thresholds().fall, 1);
  EXPECT_TRUE(step(s, false).has_value());
  EXPECT_TRUE(step(s, true).has_value());
}

TEST(VerdictNames, AreStable) {
  EXPECT_EQ(to_string(Verdict::kUnknown), "unknown");
  EXPECT_EQ(to_string(Verdict::kUp), "up");
  EXPECT_EQ(to_string(Verdict::kDown), "down");
}

}  // namespace
}  // namespace lvsd::healthcheck
