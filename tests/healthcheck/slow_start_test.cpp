#include "healthcheck/slow_start.hpp"

#include <gtest/gtest.h>

#include <climits>

namespace lvsd::healthcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(SlowStartRamp, RampsLinearlyFromOneToTheConfiguredWeight) {
  const auto span = seconds(30);
  EXPECT_EQ(slow_start_weight(100, span, seconds(0)), 1);
  EXPECT_EQ(slow_start_weight(100, span, seconds(15)), 1 + 99 / 2);  // 50
  EXPECT_EQ(slow_start_weight(100, span, seconds(29)), 1 + 99 * 29 / 30);
  EXPECT_EQ(slow_start_weight(100, span, seconds(30)), 100);
  EXPECT_EQ(slow_start_weight(100, span, seconds(3000)), 100);
}

TEST(SlowStartRamp, IsMonotonicAndNeverExceedsTheConfiguredWeight) {
  int last = 0;
  for (int ms = 0; ms <= 10'000; ms += 7) {
    int w = slow_start_weight(7, seconds(10), milliseconds(ms));
    EXPECT_GE(w, last);
    EXPECT_GE(w, 1);
    EXPECT_LE(w, 7);
    last = w;
  }
  EXPECT_EQ(last, 6);  // 9,996 ms: one step short
  EXPECT_EQ(slow_start_weight(7, seconds(10), milliseconds(10'000)), 7);
}

TEST(SlowStartRamp, NoRampForSmallWeightsOrZeroDuration) {
  EXPECT_EQ(slow_start_weight(0, seconds(30), seconds(0)), 0);
  EXPECT_EQ(slow_start_weight(1, seconds(30), seconds(0)), 1);
  EXPECT_EQ(slow_start_weight(50, seconds(0), seconds(0)), 50);
  EXPECT_EQ(slow_start_weight(50, seconds(30), seconds(-5)), 1);
  EXPECT_FALSE(next_slow_start_change(1, seconds(30), seconds(0)).has_value());
  EXPECT_FALSE(next_slow_start_change(50, seconds(0), seconds(0)).has_value());
}

TEST(SlowStartRamp, LargeWeightsAndLongRampsDoNotOverflow) {
  EXPECT_EQ(slow_start_weight(INT_MAX, seconds(86400 * 365), seconds(86400 * 365) / 2), 1 + (INT_MAX - 1) / 2);
}

TEST(SlowStartRamp, NextChangeIsExactlyWhereTheWeightSteps) {
  const auto span = seconds(10);
  // Weight 3 over 10 s: 1 until 5 s, 2 until 10 s, then 3.
  EXPECT_EQ(next_slow_start_change(3, span, seconds(0)), seconds(5));
  EXPECT_EQ(next_slow_start_change(3, span, seconds(4)), seconds(5));
  EXPECT_EQ(next_slow_start_change(3, span, seconds(5)), seconds(10));
  EXPECT_FALSE(next_slow_start_change(3, span, seconds(10)).has_value());
  // Walking the steps visits every weight once.
  core::Duration t{0};
  int steps = 0;
  int weight = slow_start_weight(11, span, t);
  while (auto next = next_slow_start_change(11, span, t)) {
    ASSERT_GT(*next, t);
    EXPECT_EQ(slow_start_weight(11, span, *next - core::Duration(1)), weight);
    t = *next;
    int w = slow_start_weight(11, span, t);
    EXPECT_EQ(w, weight + 1);
    weight = w;
    ++steps;
  }
  EXPECT_EQ(steps, 10);
  EXPECT_EQ(weight, 11);
}

}  // namespace
}  // namespace lvsd::healthcheck
