#include "healthcheck/quorum.hpp"

#include <gtest/gtest.h>

namespace lvsd::healthcheck {
namespace {

TEST(QuorumHysteresis, StartsWithoutQuorumSoTheSorryServerIsActive) {
  QuorumState q(QuorumPolicy{.quorum = 3, .hysteresis = 0});
  EXPECT_FALSE(q.met());
  EXPECT_TRUE(q.sorry_server_active());
}

TEST(QuorumHysteresis, WithoutHysteresisTheEdgeIsExactlyQuorum) {
  QuorumState q(QuorumPolicy{.quorum = 3, .hysteresis = 0});
  EXPECT_FALSE(q.update(2));
  EXPECT_FALSE(q.met());
  EXPECT_TRUE(q.update(3));
  EXPECT_TRUE(q.met());
  EXPECT_FALSE(q.update(3));
  EXPECT_TRUE(q.update(2));
  EXPECT_FALSE(q.met());
}

TEST(QuorumHysteresis, HysteresisHoldsTheDecisionInsideTheBand) {
  QuorumState q(QuorumPolicy{.quorum = 10, .hysteresis = 2});
  // Gaining needs quorum + hysteresis = 12.
  EXPECT_FALSE(q.update(10));
  EXPECT_FALSE(q.update(11));
  EXPECT_FALSE(q.met());
  EXPECT_TRUE(q.update(12));
  EXPECT_TRUE(q.met());
  // Losing needs less than quorum - hysteresis = 8.
  EXPECT_FALSE(q.update(10));
  EXPECT_FALSE(q.update(8));
  EXPECT_TRUE(q.met());
  EXPECT_TRUE(q.update(7));
  EXPECT_FALSE(q.met());
  // And back: 8..11 is not enough.
  EXPECT_FALSE(q.update(8));
  EXPECT_FALSE(q.update(11));
  EXPECT_TRUE(q.update(12));
}

TEST(QuorumHysteresis, EmptyPoolNeverHasQuorumEvenWhenTheBandReachesZero) {
  QuorumState q(QuorumPolicy{.quorum = 1, .hysteresis = 5}, /*initially_met=*/true);
  EXPECT_FALSE(q.update(1));  // 1 >= 1 - 5: still met
  EXPECT_TRUE(q.met());
  EXPECT_TRUE(q.update(0));
  EXPECT_FALSE(q.met());
  EXPECT_FALSE(quorum_met(QuorumPolicy{.quorum = 0, .hysteresis = 0}, false, 0));
  EXPECT_TRUE(quorum_met(QuorumPolicy{.quorum = 0, .hysteresis = 0}, false, 1));
}

TEST(QuorumHysteresis, DefaultPolicyMeansAnyLiveServer) {
  QuorumState q(QuorumPolicy{});
  EXPECT_TRUE(q.update(1));
  EXPECT_TRUE(q.update(0));
}

}  // namespace
}  // namespace lvsd::healthcheck
