// netns tier: one hanging server must not delay the other checks. 200
// healthy HTTP servers (200 ports answered by one tiny responder thread) and
// one black hole (accepts, never answers) are checked every 200 ms on one
// loop; every healthy check keeps its schedule while the black hole's probe
// waits out its 2 s timeout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>

#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"
#include "tests/healthcheck/netns_support.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(ScheduleNetns, BlackHoleDoesNotDelayTwoHundredHealthyChecks) {
  ignore_sigpipe();
  lvsd::test::Topology topo;
  auto& client = topo.add_host("c", "10.84.0.1/24");
  auto& server = topo.add_host("s", "10.84.0.2/24");
  constexpr int kHealthy = 200;
  constexpr std::uint16_t kFirstPort = 9000;
  std::vector<core::UniqueFd> listeners;
  core::UniqueFd blackhole;
  {
    NetnsScope in_server(server);
    for (int i = 0; i < kHealthy; ++i) listeners.push_back(listen_tcp("10.84.0.2", kFirstPort + i, 512));
    blackhole = listen_tcp("10.84.0.2", 8080, 16);
  }
  TinyHttpResponder responder(std::move(listeners));

  NetnsScope in_client(client);
  core::EventLoop loop;
  CheckScheduler scheduler(loop.scheduler(), [&](const CheckSpec& spec) { return make_checker(loop, spec); });
  const auto interval = milliseconds(200);
  std::map<std::uint16_t, std::vector<Clock::time_point>> result_times;
  std::map<std::uint16_t, SubscriptionId> ids;
  std::vector<CheckResult> blackhole_results;
  for (int i = 0; i < kHealthy; ++i) {
    std::uint16_t port = static_cast<std::uint16_t>(kFirstPort + i);
    ids[port] = scheduler.subscribe(
        CheckSpec{.kind = CheckKind::kHttp, .address = "10.84.0.2", .port = port,
                  .connect_timeout = milliseconds(500), .delay_loop = interval, .delay_before_retry = interval},
        [&result_times, port](const CheckEvent&) { result_times[port].push_back(Clock::now()); });
  }
  auto hole = scheduler.subscribe(
      CheckSpec{.kind = CheckKind::kHttp, .address = "10.84.0.2", .port = 8080,
                .connect_timeout = milliseconds(2000), .delay_loop = interval, .delay_before_retry = interval},
      [&](const CheckEvent& e) { blackhole_results.push_back(e.result); });

  const auto started = Clock::now();
  const auto run_for = milliseconds(3000);
  run_loop_until(loop, [&] { return Clock::now() - started >= run_for; }, run_for + milliseconds(500));
  blackhole.reset();

  // Every healthy check: up, ran about every 200 ms from its random offset, no gap near the 2 s hang.
  for (const auto& [port, id] : ids) {
    EXPECT_EQ(scheduler.verdict(id), Verdict::kUp) << "port " << port;
    const auto& times = result_times[port];
    ASSERT_GE(times.size(), 12u) << "port " << port;  // ideally 14 or 15 in 3 s
    Clock::duration max_gap{0};
    for (std::size_t i = 1; i < times.size(); ++i) max_gap = std::max(max_gap, times[i] - times[i - 1]);
    EXPECT_LT(max_gap, 2 * interval) << "port " << port;
    EXPECT_LT(times.front() - started, interval + milliseconds(100)) << "port " << port;
  }
  EXPECT_GE(responder.served(), 12u * kHealthy);
  ASSERT_EQ(blackhole_results.size(), 1u);
  EXPECT_EQ(blackhole_results[0].reason, "timeout waiting for response after 2s on /");
  EXPECT_EQ(scheduler.verdict(hole), Verdict::kDown);
}

// keepalived's warmup and alpha on the real loop against a live server: a
// check with warmup 0 probes at once, one with warmup 400ms within it (and
// none of 40 such checks later), delay_loop (60 s) being far away; a check
// with alpha (start_up false) has no verdict until its first probe passes,
// one without (start_up) is up before it.
TEST(ScheduleNetns, WarmupBoundsTheFirstProbeAndAlphaStartsWithoutAVerdict) {
  ignore_sigpipe();
  lvsd::test::Topology topo;
  auto& client = topo.add_host("c", "10.85.0.1/24");
  auto& server = topo.add_host("s", "10.85.0.2/24");
  constexpr int kChecks = 40;
  constexpr std::uint16_t kFirstPort = 9100;
  std::vector<core::UniqueFd> listeners;
  {
    NetnsScope in_server(server);
    for (int i = 0; i <= kChecks; ++i) listeners.push_back(listen_tcp("10.85.0.2", kFirstPort + i, 64));
  }
  TinyHttpResponder responder(std::move(listeners));

  NetnsScope in_client(client);
  core::EventLoop loop;
  CheckScheduler scheduler(loop.scheduler(), [&](const CheckSpec& spec) { return make_checker(loop, spec); });
  const auto warmup = milliseconds(400);
  auto spec = [&](std::uint16_t port, core::Duration w, bool start_up) {
    return CheckSpec{.kind = CheckKind::kTcp, .address = "10.85.0.2", .port = port,
                     .connect_timeout = milliseconds(500), .delay_loop = std::chrono::seconds(60), .warmup = w,
                     .thresholds = HealthThresholds{.start_up = start_up}};
  };
  const auto started = Clock::now();
  std::vector<core::Duration> first;  // each warmup-400ms check's first result, from the start
  std::optional<core::Duration> immediate;
  const SubscriptionId at_once = scheduler.subscribe(spec(kFirstPort, core::Duration::zero(), false), [&](const CheckEvent&) {
    if (!immediate) immediate = Clock::now() - started;
  });
  SubscriptionId alpha = 0, no_alpha = 0;
  for (int i = 1; i <= kChecks; ++i) {
    const bool start_up = i == 2;
    const SubscriptionId id = scheduler.subscribe(
        spec(static_cast<std::uint16_t>(kFirstPort + i), warmup, start_up),
        [&](const CheckEvent&) { first.push_back(Clock::now() - started); });
    if (i == 1) alpha = id;
    if (i == 2) no_alpha = id;
  }
  EXPECT_EQ(scheduler.verdict(alpha), Verdict::kUnknown);  // alpha: out until it passes
  EXPECT_EQ(scheduler.verdict(no_alpha), Verdict::kUp);    // keepalived without alpha: in at once
  EXPECT_EQ(scheduler.verdict(at_once), Verdict::kUnknown);
  run_loop_until(loop, [&] { return first.size() == kChecks && immediate; }, milliseconds(3000));
  ASSERT_TRUE(immediate);
  EXPECT_LT(*immediate, milliseconds(150));
  ASSERT_EQ(first.size(), static_cast<std::size_t>(kChecks));
  const auto latest = *std::max_element(first.begin(), first.end());
  const auto earliest = *std::min_element(first.begin(), first.end());
  // A connect on the test bridge takes what the warmup-0 check (the control) took, plus slack.
  EXPECT_LT(latest, warmup + *immediate + milliseconds(150));
  EXPECT_GT(latest - earliest, milliseconds(100));  // spread over the warmup, not all at once
  EXPECT_EQ(scheduler.verdict(alpha), Verdict::kUp);
}

}  // namespace
}  // namespace lvsd::healthcheck::test
