// FILE_CHECK's rules, with the figures measured against keepalived 2.2.7
// (ipvsadm -Ln inside user-mode-linux; docs/config.md "FILE_CHECK").
#include "healthcheck/file_check.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace lvsd::healthcheck {
namespace {

constexpr std::int64_t kMax = 2147483647;

// A real server of weight 10 with one FILE_CHECK: its weight in IPVS, or -1 when out.
std::int64_t weight_with(FileCheckRule rule, long value, std::int64_t weight = 10) {
  const FileCheckVerdict v = file_check_verdict(rule, value);
  return v.up ? file_checked_weight(weight, v.weight) : -1;
}

TEST(FileCheck, TheNumberTimesTheWeightIsAddedToTheServersWeight) {
  // track_file weight 1 (its default): 0 -> 10, 5 -> 15, -3 -> 7.
  EXPECT_EQ(weight_with({.weight = 1}, 0), 10);
  EXPECT_EQ(weight_with({.weight = 1}, 5), 15);
  EXPECT_EQ(weight_with({.weight = 1}, -3), 7);
  // FILE_CHECK weight 70000, file 2: 140010 (the kernel takes it).
  EXPECT_EQ(weight_with({.weight = 70000}, 2), 140010);
}

TEST(FileCheck, ReverseSubtracts) {
  // weight 2 reverse: 1 -> 8, 3 -> 4, -1 -> 12.
  EXPECT_EQ(weight_with({.weight = 2, .reverse = true}, 1), 8);
  EXPECT_EQ(weight_with({.weight = 2, .reverse = true}, 3), 4);
  EXPECT_EQ(weight_with({.weight = 2, .reverse = true}, -1), 12);
}

TEST(FileCheck, TheWeightStopsAtZeroAndTheServerStaysInThePool) {
  // -10 -> 0, -20 -> 0 (not removed); weight 2 reverse with 6 -> 0.
  EXPECT_EQ(weight_with({.weight = 1}, -10), 0);
  EXPECT_EQ(weight_with({.weight = 1}, -20), 0);
  EXPECT_EQ(weight_with({.weight = 2, .reverse = true}, 6), 0);
}

TEST(FileCheck, TheSumOfSeveralChecksIsAddedOnce) {
  // f1 weight 1 and f2 weight 2: 3 and 4 -> 21; then f1 -20 -> 0; f1 0 -> 18.
  auto sum = [](long f1, long f2) {
    return file_checked_weight(10, file_check_verdict({.weight = 1}, f1).weight +
                                       file_check_verdict({.weight = 2}, f2).weight);
  };
  EXPECT_EQ(sum(3, 4), 21);
  EXPECT_EQ(sum(-20, 4), 0);
  EXPECT_EQ(sum(0, 4), 18);
}

TEST(FileCheck, TheSmallest32BitProductIsAFault) {
  EXPECT_EQ(weight_with({.weight = 1}, -2147483648L), -1);
  EXPECT_FALSE(file_check_verdict({.weight = 1}, -2147483647L - 1).up);
  EXPECT_TRUE(file_check_verdict({.weight = 1}, -2147483647L).up);
  // A product past it is held there: a fault too.
  EXPECT_FALSE(file_check_verdict({.weight = 3}, -1000000000L).up);
}

TEST(FileCheck, ALargeNumberHoldsTheWeightAtTheTop) {
  // 2147483648 with weight 1: 2147483647.
  EXPECT_EQ(weight_with({.weight = 1}, 2147483648L), kMax);
  EXPECT_EQ(weight_with({.weight = 2147483647}, 10000000000L), kMax);
}

TEST(FileCheck, WeightZeroTakesTheServerDownOnAnyNumberButZero) {
  // track_file weight 0: 1 -> out, 0 -> 10, -1 -> out.
  EXPECT_EQ(weight_with({.weight = 0}, 1), -1);
  EXPECT_EQ(weight_with({.weight = 0}, 0), 10);
  EXPECT_EQ(weight_with({.weight = 0}, -1), -1);
  EXPECT_EQ(file_check_verdict({.weight = 0}, 0), (FileCheckVerdict{.up = true, .weight = 0}));
}

TEST(FileCheck, WeightZeroReverseTakesItDownOnZero) {
  // weight 0 reverse: 1 -> 10, 0 -> out, 2 -> 10.
  EXPECT_EQ(weight_with({.weight = 0, .reverse = true}, 1), 10);
  EXPECT_EQ(weight_with({.weight = 0, .reverse = true}, 0), -1);
  EXPECT_EQ(weight_with({.weight = 0, .reverse = true}, 2), 10);
}

TEST(FileCheck, AServerOfWeightZeroGetsTheFilesNumber) {
  // real_server weight 0, file 5: 5; back to 0 with 0.
  EXPECT_EQ(weight_with({.weight = 1}, 5, 0), 5);
  EXPECT_EQ(weight_with({.weight = 1}, 0, 0), 0);
}

}  // namespace
}  // namespace lvsd::healthcheck
