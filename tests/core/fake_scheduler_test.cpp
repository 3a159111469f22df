#include "core/fake_scheduler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lvsd::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(FakeScheduler, FiresDueTimersInDeadlineOrder) {
  FakeScheduler s;
  std::vector<std::string> fired;
  auto a = s.create_timer([&] { fired.push_back("a"); });
  auto b = s.create_timer([&] { fired.push_back("b"); });
  auto c = s.create_timer([&] { fired.push_back("c"); });
  a->arm(milliseconds(300));
  b->arm(milliseconds(100));
  c->arm(milliseconds(200));
  EXPECT_EQ(s.advance(milliseconds(250)), 2u);
  EXPECT_EQ(fired, (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(a->armed());
  EXPECT_FALSE(b->armed());
  s.advance(milliseconds(50));
  EXPECT_EQ(fired, (std::vector<std::string>{"b", "c", "a"}));
}

TEST(FakeScheduler, EqualDeadlinesFireInArmingOrder) {
  FakeScheduler s;
  std::vector<int> fired;
  auto t1 = s.create_timer([&] { fired.push_back(1); });
  auto t2 = s.create_timer([&] { fired.push_back(2); });
  t2->arm(seconds(1));
  t1->arm(seconds(1));
  s.advance(seconds(1));
  EXPECT_EQ(fired, (std::vector<int>{2, 1}));
}

TEST(FakeScheduler, NowInsideCallbackIsTheTimersDeadline) {
  FakeScheduler s;
  const TimePoint start = s.now();
  TimePoint seen{};
  auto t = s.create_timer([&] { seen = s.now(); });
  t->arm(milliseconds(40));
  s.advance(seconds(5));
  EXPECT_EQ(seen - start, milliseconds(40));
  EXPECT_EQ(s.now() - start, seconds(5));
}

TEST(FakeScheduler, RearmingInsideCallbackFiresAgainWithinTheSameAdvance) {
  FakeScheduler s;
  int count = 0;
  std::unique_ptr<Timer> t;
  t = s.create_timer([&] {
    ++count;
    t->arm(seconds(1));  // periodic, like an advert timer
  });
  t->arm(seconds(1));
  EXPECT_EQ(s.advance(milliseconds(3500)), 3u);
  EXPECT_EQ(count, 3);
  EXPECT_TRUE(t->armed());
}

TEST(FakeScheduler, RearmMovesTheDeadline) {
  FakeScheduler s;
  int count = 0;
  auto t = s.create_timer([&] { ++count; });
  t->arm(seconds(1));
  s.advance(milliseconds(900));
  t->arm(seconds(1));  // like a backup hearing an advert: restart master-down
  s.advance(milliseconds(900));
  EXPECT_EQ(count, 0);
  s.advance(milliseconds(100));
  EXPECT_EQ(count, 1);
}

TEST(FakeScheduler, CancellingAnotherTimerInsideCallbackPreventsIt) {
  FakeScheduler s;
  std::vector<std::string> fired;
  std::unique_ptr<Timer> later;
  auto first = s.create_timer([&] {
    fired.push_back("first");
    later->cancel();
  });
  later = s.create_timer([&] { fired.push_back("later"); });
  first->arm(milliseconds(10));
  later->arm(milliseconds(10));  // same deadline, armed after: must not fire
  s.advance(seconds(1));
  EXPECT_EQ(fired, (std::vector<std::string>{"first"}));
  EXPECT_FALSE(later->armed());
  EXPECT_EQ(s.armed_count(), 0u);
}

TEST(FakeScheduler, CancellingItselfAndDestroyingInsideCallbackIsSafe) {
  FakeScheduler s;
  int count = 0;
  std::unique_ptr<Timer> t;
  t = s.create_timer([&] {
    ++count;
    t->cancel();
    t.reset();
  });
  t->arm(milliseconds(1));
  s.advance(seconds(1));
  EXPECT_EQ(count, 1);
  EXPECT_EQ(t, nullptr);
}

TEST(FakeScheduler, DestroyedTimerNeverFires) {
  FakeScheduler s;
  int count = 0;
  {
    auto t = s.create_timer([&] { ++count; });
    t->arm(milliseconds(1));
  }
  EXPECT_EQ(s.armed_count(), 0u);
  s.advance(seconds(1));
  EXPECT_EQ(count, 0);
}

TEST(FakeScheduler, TimerArmedInCallbackForLaterWaitsForNextAdvance) {
  FakeScheduler s;
  std::vector<std::string> fired;
  auto second = s.create_timer([&] { fired.push_back("second"); });
  auto first = s.create_timer([&] {
    fired.push_back("first");
    second->arm(seconds(2));  // due at 2.5 s, after this advance ends at 2 s
  });
  first->arm(milliseconds(500));
  s.advance(seconds(2));
  EXPECT_EQ(fired, (std::vector<std::string>{"first"}));
  EXPECT_EQ(s.next_deadline() - s.now(), milliseconds(500));
  s.advance(milliseconds(500));
  EXPECT_EQ(fired, (std::vector<std::string>{"first", "second"}));
}

TEST(FakeScheduler, RunNextJumpsToTheEarliestDeadline) {
  FakeScheduler s;
  const TimePoint start = s.now();
  int count = 0;
  auto t = s.create_timer([&] { ++count; });
  EXPECT_FALSE(s.run_next());
  t->arm(seconds(7));
  EXPECT_TRUE(s.run_next());
  EXPECT_EQ(count, 1);
  EXPECT_EQ(s.now() - start, seconds(7));
}

TEST(FakeScheduler, NegativeDelayFiresOnNextAdvance) {
  FakeScheduler s;
  int count = 0;
  auto t = s.create_timer([&] { ++count; });
  t->arm(-seconds(1));
  s.advance(Duration::zero());
  EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace lvsd::core
