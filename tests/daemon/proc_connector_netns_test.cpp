// netns tier (root, in the initial network namespace, where the kernel's
// process events connector lives): the ProcConnector subscribes, and a
// ProcessTracker fed by its events and a scan of the real /proc sees a
// process the test starts (exec) and stops (exit); TrackProcesses does the
// same on a real loop, and tells its listener.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "core/event_loop.hpp"
#include "core/fake_scheduler.hpp"
#include "daemon/track_processes.hpp"
#include "daemon/proc_connector.hpp"
#include "daemon/process_tracker.hpp"

namespace lvsd::daemon {
namespace {

using std::chrono::milliseconds;

pid_t start_sleep(const std::string& seconds) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execlp("sleep", "sleep", seconds.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Feeds events to the tracker until `done` or the deadline.
template <typename Done>
bool pump(ProcConnector& connector, ProcessTracker& tracker, Done done, milliseconds limit = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    pollfd p{.fd = connector.fd(), .events = POLLIN, .revents = 0};
    ::poll(&p, 1, 50);
    bool lost = false;
    for (const auto& e : connector.drain(lost)) tracker.on_event(e);
    if (lost) tracker.rescan();
  }
  return done();
}

TEST(ProcConnectorNetns, EventsCountAProcessThatStartsAndStops) {
  auto connector = ProcConnector::open();
  ASSERT_TRUE(connector.ok()) << connector.error().message;
  core::FakeScheduler clock;
  ProcFs proc;
  ProcessTracker tracker(clock, proc, nullptr);
  // Unique to this run, so other tests' processes do not count.
  const std::string arg = "1000." + std::to_string(::getpid());
  tracker.set_specs({{.name = "s", .process = "sleep", .parameters = {arg}}});
  tracker.rescan();
  ASSERT_EQ(tracker.up("s"), false);

  const pid_t child = start_sleep(arg);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(pump(*connector, tracker, [&] { return tracker.up("s") == true; })) << "exec not seen";
  EXPECT_EQ(tracker.statuses()[0].processes, 1u);
  ::kill(child, SIGTERM);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(pump(*connector, tracker, [&] { return tracker.up("s") == false; })) << "exit not seen";
}

TEST(TrackProcessesNetns, TheLoopHearsTheKernelsEvents) {
  core::EventLoop loop;
  std::vector<bool> heard;
  TrackProcesses tracker(loop, [&](const std::string&, bool up) { heard.push_back(up); });
  const std::string arg = "1001." + std::to_string(::getpid());
  conf::Config config;
  config.track_processes = {{.name = "s", .process = "sleep", .parameters = {arg}, .weight = -60}};
  config.vrrp_instances = {{.name = "VI_1", .track_process = {{.name = "s"}}}};
  tracker.apply(config);
  ASSERT_TRUE(tracker.events()) << "the connector is not in use";
  ASSERT_EQ(tracker.up("s"), false);
  auto run_until = [&](std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
    while (heard.size() < n && std::chrono::steady_clock::now() < deadline) {
      loop.run_once(false);
      ::usleep(10000);
    }
    return heard.size() >= n;
  };
  const pid_t child = start_sleep(arg);
  ASSERT_TRUE(run_until(1));
  EXPECT_EQ(heard.back(), true);
  EXPECT_EQ(tracker.statuses()[0].processes, 1u);
  ::kill(child, SIGTERM);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(run_until(2));
  EXPECT_EQ(heard.back(), false);
  // Nothing tracked any more: the connector closes.
  tracker.apply(conf::Config{});
  EXPECT_FALSE(tracker.events());
}

}  // namespace
}  // namespace lvsd::daemon
