// The libev-backed loop: real timers with zero delay, pipes, and exceptions
// caught at the callback boundary. No sleeping.
#include "core/event_loop.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

#include "core/unique_fd.hpp"

namespace lvsd::core {
namespace {

TEST(EventLoop, ZeroDelayTimersFireInOrderAndStopTheLoopWhenIdle) {
  EventLoop loop;
  std::vector<int> fired;
  auto& sched = loop.scheduler();
  auto t1 = sched.create_timer([&] { fired.push_back(1); });
  auto t2 = sched.create_timer([&] { fired.push_back(2); });
  t1->arm(Duration::zero());
  t2->arm(std::chrono::microseconds(1));
  EXPECT_TRUE(t1->armed());
  loop.run();  // returns once no watcher is active
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  EXPECT_FALSE(t1->armed());
}

TEST(EventLoop, IoWatcherSeesReadableData) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const UniqueFd read_end(fds[0]);
  const UniqueFd write_end(fds[1]);
  std::string got;
  IoWatcher w(loop, fds[0], IoWatcher::kRead, [&](int ready) {
    ASSERT_TRUE(ready & IoWatcher::kRead);
    char buf[16];
    ssize_t n = read(fds[0], buf, sizeof buf);
    got.assign(buf, static_cast<std::size_t>(n));
    loop.stop();
  });
  w.start();
  ASSERT_EQ(write(fds[1], "advert", 6), 6);
  loop.run();
  EXPECT_EQ(got, "advert");
  w.stop();  // before the descriptors close
}

TEST(EventLoop, ExceptionInCallbackDoesNotEscapeTheLoop) {
  EventLoop loop;
  bool after = false;
  auto& sched = loop.scheduler();
  auto bad = sched.create_timer([] { throw std::runtime_error("checker bug"); });
  auto good = sched.create_timer([&] { after = true; });
  bad->arm(Duration::zero());
  good->arm(std::chrono::microseconds(1));
  EXPECT_NO_THROW(loop.run());
  EXPECT_TRUE(after);
}

TEST(EventLoop, SignalIsDeliveredOnTheLoop) {
  EventLoop loop;
  bool got = false;
  SignalWatcher sw(loop, SIGUSR1, [&] {
    got = true;
    loop.stop();
  });
  auto keepalive = loop.scheduler().create_timer([&] { loop.stop(); });
  keepalive->arm(std::chrono::seconds(5));  // bound: never hang
  ASSERT_EQ(raise(SIGUSR1), 0);
  loop.run();
  EXPECT_TRUE(got);
}

TEST(EventLoop, SignalWatcherAloneKeepsTheLoopRunning) {
  // A daemon with no timer armed must still wait for its stop signal: once
  // the only timer has fired, the signal watcher alone keeps run() going.
  EventLoop loop;
  bool stopped = false;
  SignalWatcher term(loop, SIGUSR2, [&] {
    stopped = true;
    loop.stop();
  });
  auto kick = loop.scheduler().create_timer([] { raise(SIGUSR2); });
  kick->arm(Duration::zero());
  loop.run();
  EXPECT_TRUE(stopped);
}

TEST(Guarded, ReportsWhetherTheCallbackThrew) {
  EXPECT_TRUE(guarded("ok", [] {}));
  EXPECT_FALSE(guarded("throws", [] { throw 42; }));
}

}  // namespace
}  // namespace lvsd::core
