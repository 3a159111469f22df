#include "daemon/requests.hpp"

#include <gtest/gtest.h>

namespace lvsd::daemon {
namespace {

TEST(RequestQueue, RunsOneAtATime) {
  RequestQueue q;
  EXPECT_TRUE(q.add(Request::kReload));
  EXPECT_EQ(q.start_next(), Request::kReload);
  EXPECT_TRUE(q.add(Request::kReload));
  EXPECT_EQ(q.start_next(), std::nullopt);  // one runs
  q.finished();
  EXPECT_EQ(q.start_next(), Request::kReload);  // the queued one, after
  q.finished();
  EXPECT_EQ(q.start_next(), std::nullopt);
}

TEST(RequestQueue, QueuedReloadsCoalesce) {
  RequestQueue q;
  q.add(Request::kReload);
  q.add(Request::kReload);
  q.add(Request::kReload);
  EXPECT_EQ(q.start_next(), Request::kReload);
  q.finished();
  EXPECT_EQ(q.start_next(), std::nullopt);
}

TEST(RequestQueue, RestartRunsAfterQueuedReloadsAndOnlyOnce) {
  RequestQueue q;
  q.add(Request::kReload);
  EXPECT_EQ(q.start_next(), Request::kReload);
  EXPECT_TRUE(q.add(Request::kRestart));
  EXPECT_FALSE(q.add(Request::kRestart));  // restart in progress
  EXPECT_TRUE(q.add(Request::kReload));
  q.finished();
  EXPECT_EQ(q.start_next(), Request::kReload);
  q.finished();
  EXPECT_EQ(q.start_next(), Request::kRestart);
  EXPECT_FALSE(q.add(Request::kRestart));  // still under way
  q.finished();                            // the exec failed: lvsd runs on
  EXPECT_TRUE(q.add(Request::kRestart));
}

TEST(RequestQueue, StopWinsAndEndsEverything) {
  RequestQueue q;
  q.add(Request::kReload);
  q.add(Request::kRestart);
  EXPECT_TRUE(q.add(Request::kStop));
  EXPECT_EQ(q.start_next(), Request::kStop);
  EXPECT_TRUE(q.stopping());
  EXPECT_FALSE(q.add(Request::kReload));
  EXPECT_FALSE(q.add(Request::kRestart));
  EXPECT_FALSE(q.add(Request::kStop));
  q.finished();
  EXPECT_TRUE(q.stopping());  // a stop never ends
  EXPECT_EQ(q.start_next(), std::nullopt);
}

}  // namespace
}  // namespace lvsd::daemon
