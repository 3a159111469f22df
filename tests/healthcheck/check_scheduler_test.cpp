// CheckScheduler driven by FakeScheduler and fake checkers: no sockets, no sleeping.
#include "healthcheck/check_scheduler.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "core/fake_scheduler.hpp"
#include "tests/healthcheck/late_scheduler.hpp"

namespace lvsd::healthcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A pretend server: each probe takes `latency` and reports `up`.
struct FakeServer {
  bool up = true;
  core::Duration latency = milliseconds(100);
  std::vector<core::TimePoint> starts;
  int cancels = 0;
};

class FakeChecker final : public Checker {
 public:
  FakeChecker(core::Scheduler& s, FakeServer& server)
      : scheduler_(s), server_(server), timer_(s.create_timer([this] { complete(); })) {}
  ~FakeChecker() override { cancel(); }
  void start(Done done) override {
    ASSERT_FALSE(done_) << "probe started while one runs";
    done_ = std::move(done);
    server_.starts.push_back(scheduler_.now());
    timer_->arm(server_.latency);
  }
  void cancel() override {
    if (!done_) return;
    timer_->cancel();
    done_ = nullptr;
    ++server_.cancels;
  }

 private:
  void complete() {
    Done done = std::move(done_);
    done_ = nullptr;
    done(CheckResult{.up = server_.up, .reason = server_.up ? "fine" : "HTTP 503 on /health",
                     .latency = server_.latency});
  }
  core::Scheduler& scheduler_;
  FakeServer& server_;
  std::unique_ptr<core::Timer> timer_;
  Done done_;
};

class CheckSchedulerTest : public ::testing::Test {
 protected:
  core::FakeScheduler clock_;
  std::map<std::uint16_t, FakeServer> servers_;  // by port
  int factory_calls_ = 0;
  core::Duration offset_ = milliseconds(300);
  CheckScheduler scheduler_{clock_,
                            [this](const CheckSpec& spec) {
                              ++factory_calls_;
                              return std::make_unique<FakeChecker>(clock_, servers_[spec.port]);
                            },
                            [this](core::Duration) { return offset_; }};
  const core::TimePoint t0_ = clock_.now();

  static CheckSpec spec(std::uint16_t port, int rise = 1, int fall = 1) {
    return CheckSpec{.kind = CheckKind::kHttp,
                     .address = "10.0.0.1",
                     .port = port,
                     .connect_timeout = seconds(1),
                     .delay_loop = seconds(1),
                     .delay_before_retry = milliseconds(200),
                     .thresholds = HealthThresholds{.rise = rise, .fall = fall}};
  }
  std::vector<core::Duration> start_offsets(std::uint16_t port) {
    std::vector<core::Duration> out;
    for (auto t : servers_[port].starts) out.push_back(t - t0_);
    return out;
  }
};

TEST_F(CheckSchedulerTest, FirstProbeAfterTheRandomOffsetThenDelayLoopAfterEachProbeEnds) {
  std::vector<Verdict> verdicts;
  scheduler_.subscribe(spec(80), [&](const CheckEvent& e) { verdicts.push_back(e.verdict); });
  clock_.advance(milliseconds(299));
  EXPECT_TRUE(servers_[80].starts.empty());
  clock_.advance(milliseconds(3351));  // t = 3650
  using D = core::Duration;
  // Each probe takes 100 ms; the next starts delay_loop (1 s) after it ended.
  EXPECT_EQ(start_offsets(80), (std::vector<D>{milliseconds(300), milliseconds(1400), milliseconds(2500),
                                                 milliseconds(3600)}));
  EXPECT_EQ(verdicts, (std::vector<Verdict>{Verdict::kUp, Verdict::kUp, Verdict::kUp}));
}

TEST_F(CheckSchedulerTest, ManyChecksShareOneTimerAndEachRunsOnItsOwnSchedule) {
  constexpr std::uint16_t kChecks = 100;
  for (std::uint16_t i = 0; i < kChecks; ++i) {
    offset_ = milliseconds(10 * (kChecks - 1 - i));  // subscribed latest first
    scheduler_.subscribe(spec(static_cast<std::uint16_t>(1000 + i)), [](const CheckEvent&) {});
  }
  EXPECT_EQ(clock_.armed_count(), 1u);  // no timer per check
  EXPECT_EQ(clock_.next_deadline(), t0_);  // armed for the earliest
  clock_.advance(milliseconds(3000));
  for (std::uint16_t i = 0; i < kChecks; ++i) {
    std::vector<core::Duration> expected;
    for (core::Duration t = milliseconds(10 * (kChecks - 1 - i)); t <= milliseconds(3000); t += milliseconds(1100))
      expected.push_back(t);
    EXPECT_EQ(start_offsets(static_cast<std::uint16_t>(1000 + i)), expected) << "check " << i;
  }
}

TEST_F(CheckSchedulerTest, ABacklogOfDueProbesStartsSixteenPerFiringAndTheRestOnTheNext) {
  offset_ = core::Duration::zero();
  for (std::uint16_t i = 0; i < 40; ++i)
    scheduler_.subscribe(spec(static_cast<std::uint16_t>(2000 + i)), [](const CheckEvent&) {});
  auto started = [&] {
    std::size_t n = 0;
    for (std::uint16_t i = 0; i < 40; ++i) n += servers_[static_cast<std::uint16_t>(2000 + i)].starts.size();
    return n;
  };
  ASSERT_TRUE(clock_.run_next());
  EXPECT_EQ(started(), 16u);
  ASSERT_TRUE(clock_.run_next());  // armed for now: the loop's I/O ran in between
  EXPECT_EQ(started(), 32u);
  ASSERT_TRUE(clock_.run_next());
  EXPECT_EQ(started(), 40u);
  EXPECT_EQ(clock_.now(), t0_);  // all at once in time
}

TEST_F(CheckSchedulerTest, RetriesEveryDelayBeforeRetryWhileUpButFailingThenBackToDelayLoop) {
  std::vector<std::optional<Transition>> transitions;
  scheduler_.subscribe(spec(80, /*rise=*/1, /*fall=*/3), [&](const CheckEvent& e) {
    if (e.transition) transitions.push_back(e.transition);
  });
  clock_.advance(milliseconds(400));  // first probe at 300 passed at 400
  ASSERT_EQ(transitions.size(), 1u);
  EXPECT_EQ(transitions[0]->to, Verdict::kUp);
  clock_.advance(milliseconds(800));   // t = 1200
  servers_[80].up = false;
  servers_[80].starts.clear();
  clock_.advance(seconds(5));
  using D = core::Duration;
  // 1400 fails at 1500 (up, 1 of 3) -> retry 200 ms later at 1700 (2 of 3)
  // -> retry at 2000, fails at 2100: down -> back to delay_loop after each end.
  EXPECT_EQ(start_offsets(80), (std::vector<D>{milliseconds(1400), milliseconds(1700), milliseconds(2000),
                                                 milliseconds(3100), milliseconds(4200), milliseconds(5300)}));
  ASSERT_EQ(transitions.size(), 2u);
  EXPECT_EQ(transitions[1]->from, Verdict::kUp);
  EXPECT_EQ(transitions[1]->to, Verdict::kDown);
  EXPECT_EQ(transitions[1]->reason, "HTTP 503 on /health");
  EXPECT_EQ(transitions[1]->at, t0_ + milliseconds(2100));
}

TEST_F(CheckSchedulerTest, SlowProbeNeverOverlapsItselfAndTheNextWaitsDelayLoopAfterIt) {
  servers_[80].latency = milliseconds(1500);
  scheduler_.subscribe(spec(80), [](const CheckEvent&) {});
  clock_.advance(seconds(6));
  using D = core::Duration;
  // 300 ends at 1800, next at 2800 (not at 1800: no catching up), ends 4300, next 5300.
  EXPECT_EQ(start_offsets(80), (std::vector<D>{milliseconds(300), milliseconds(2800), milliseconds(5300)}));
}

TEST_F(CheckSchedulerTest, IdenticalChecksRunOnceAndFeedEverySubscriber) {
  int a = 0, b = 0, c = 0;
  auto ida = scheduler_.subscribe(spec(80), [&](const CheckEvent&) { ++a; });
  auto idb = scheduler_.subscribe(spec(80), [&](const CheckEvent&) { ++b; });
  scheduler_.subscribe(spec(81), [&](const CheckEvent&) { ++c; });
  EXPECT_EQ(factory_calls_, 2);
  EXPECT_EQ(scheduler_.check_count(), 2u);
  EXPECT_EQ(scheduler_.subscription_count(), 3u);
  clock_.advance(milliseconds(2550));
  EXPECT_EQ(servers_[80].starts.size(), 3u);  // 300, 1400, 2500: not 6
  EXPECT_EQ(a, 2);  // results at 400, 1500
  EXPECT_EQ(b, 2);
  EXPECT_EQ(c, 2);
  EXPECT_EQ(scheduler_.verdict(ida), Verdict::kUp);
  EXPECT_EQ(scheduler_.health(idb), scheduler_.health(ida));
  ASSERT_NE(scheduler_.last_result(ida), nullptr);
  EXPECT_EQ(scheduler_.last_result(ida)->reason, "fine");
}

TEST_F(CheckSchedulerTest, IdentityIsTheSharedChecksIdentityWhileSubscribed) {
  auto ida = scheduler_.subscribe(spec(80), [](const CheckEvent&) {});
  auto idb = scheduler_.subscribe(spec(80), [](const CheckEvent&) {});
  auto idc = scheduler_.subscribe(spec(81), [](const CheckEvent&) {});
  EXPECT_EQ(scheduler_.identity(ida), check_identity(spec(80)));
  EXPECT_EQ(scheduler_.identity(idb), scheduler_.identity(ida));
  EXPECT_EQ(scheduler_.identity(idc), check_identity(spec(81)));
  EXPECT_NE(scheduler_.identity(idc), scheduler_.identity(ida));
  scheduler_.unsubscribe(ida);
  EXPECT_EQ(scheduler_.identity(ida), "");
  EXPECT_EQ(scheduler_.identity(idb), check_identity(spec(80)));
}

TEST_F(CheckSchedulerTest, DifferentParametersAreDifferentChecks) {
  scheduler_.subscribe(spec(80, 1, 1), [](const CheckEvent&) {});
  scheduler_.subscribe(spec(80, 1, 2), [](const CheckEvent&) {});
  auto other_path = spec(80, 1, 1);
  other_path.urls = {HttpUrl{.path = "/other"}};
  scheduler_.subscribe(other_path, [](const CheckEvent&) {});
  EXPECT_EQ(scheduler_.check_count(), 3u);
}

TEST_F(CheckSchedulerTest, LastUnsubscribeStopsTheCheckAndCancelsTheProbeInFlight) {
  int events = 0;
  auto id1 = scheduler_.subscribe(spec(80), [&](const CheckEvent&) { ++events; });
  auto id2 = scheduler_.subscribe(spec(80), [&](const CheckEvent&) { ++events; });
  clock_.advance(milliseconds(350));  // probe in flight
  scheduler_.unsubscribe(id1);
  EXPECT_EQ(servers_[80].cancels, 0);
  scheduler_.unsubscribe(id2);
  EXPECT_EQ(servers_[80].cancels, 1);
  EXPECT_EQ(scheduler_.check_count(), 0u);
  clock_.advance(seconds(10));
  EXPECT_EQ(events, 0);
  EXPECT_EQ(servers_[80].starts.size(), 1u);
  EXPECT_EQ(clock_.armed_count(), 0u);
  EXPECT_EQ(scheduler_.verdict(id1), Verdict::kUnknown);
  scheduler_.unsubscribe(id1);  // unknown ids are ignored
}

TEST_F(CheckSchedulerTest, ListenerMayUnsubscribeItsOwnCheckFromItsCallback) {
  int events = 0;
  SubscriptionId id = 0;
  id = scheduler_.subscribe(spec(80), [&](const CheckEvent&) {
    ++events;
    scheduler_.unsubscribe(id);
  });
  clock_.advance(seconds(5));
  EXPECT_EQ(events, 1);
  EXPECT_EQ(scheduler_.check_count(), 0u);
  EXPECT_EQ(servers_[80].starts.size(), 1u);
}

TEST_F(CheckSchedulerTest, ListenerUnsubscribingAnotherSubscriberStopsItsDelivery) {
  int first = 0, second = 0;
  SubscriptionId id2 = 0;
  scheduler_.subscribe(spec(80), [&](const CheckEvent&) {
    ++first;
    scheduler_.unsubscribe(id2);
  });
  id2 = scheduler_.subscribe(spec(80), [&](const CheckEvent&) { ++second; });
  clock_.advance(milliseconds(2650));  // results at 400, 1500, 2600
  EXPECT_EQ(first, 3);
  EXPECT_EQ(second, 0);
}

TEST_F(CheckSchedulerTest, CountsProbesFailuresAndTransitions) {
  scheduler_.subscribe(spec(80), [](const CheckEvent&) {});
  clock_.advance(milliseconds(1550));  // 2 passes (at 400 and 1500)
  servers_[80].up = false;
  clock_.advance(milliseconds(1100));  // 1 failure (2500, down at 2600)
  EXPECT_EQ(scheduler_.counters().probes_started, 3u);
  EXPECT_EQ(scheduler_.counters().probes_failed, 1u);
  EXPECT_EQ(scheduler_.counters().probes_passed, 2u);
  EXPECT_EQ(scheduler_.counters().transitions, 2u);
}

TEST_F(CheckSchedulerTest, PausingTheOnlySubscriptionStopsProbingAndKeepsTheState) {
  int events = 0;
  auto id = scheduler_.subscribe(spec(80, /*rise=*/1, /*fall=*/3), [&](const CheckEvent&) { ++events; });
  clock_.advance(milliseconds(400));  // 300: up
  servers_[80].up = false;
  clock_.advance(milliseconds(1350));  // 1400 fails at 1500 (1 of 3); the retry of 1700 is in flight
  ASSERT_EQ(servers_[80].starts.size(), 3u);
  scheduler_.set_paused(id, true);
  EXPECT_TRUE(scheduler_.paused(id));
  EXPECT_EQ(servers_[80].cancels, 1);
  EXPECT_EQ(clock_.armed_count(), 0u);
  clock_.advance(seconds(30));
  EXPECT_EQ(servers_[80].starts.size(), 3u);  // nothing ran while paused
  EXPECT_EQ(events, 2);
  EXPECT_EQ(scheduler_.verdict(id), Verdict::kUp);

  // Resume: next probe after the random offset (300 ms); the verdict and the
  // failure count are kept, so two more failures (not three) take it down.
  const core::TimePoint resumed = clock_.now();
  scheduler_.set_paused(id, false);
  EXPECT_FALSE(scheduler_.paused(id));
  clock_.advance(milliseconds(299));
  EXPECT_EQ(servers_[80].starts.size(), 3u);
  clock_.advance(milliseconds(101));  // starts at +300, fails at +400: 2 of 3, still up
  ASSERT_EQ(servers_[80].starts.size(), 4u);
  EXPECT_EQ(servers_[80].starts[3], resumed + milliseconds(300));
  EXPECT_EQ(scheduler_.verdict(id), Verdict::kUp);
  clock_.advance(milliseconds(299));  // retry at +600 (200 ms after the end), fails at +700: down
  EXPECT_EQ(scheduler_.verdict(id), Verdict::kUp);
  clock_.advance(milliseconds(1));
  EXPECT_EQ(scheduler_.verdict(id), Verdict::kDown);
}

TEST_F(CheckSchedulerTest, ASharedCheckRunsWhileOneSubscriberIsNotPausedAndFeedsBoth) {
  int a = 0, b = 0;
  auto ida = scheduler_.subscribe(spec(80), [&](const CheckEvent&) { ++a; });
  auto idb = scheduler_.subscribe(spec(80), [&](const CheckEvent&) { ++b; });
  scheduler_.set_paused(ida, true);
  clock_.advance(milliseconds(1550));
  EXPECT_EQ(servers_[80].starts.size(), 2u);
  EXPECT_EQ(a, 2);  // paused subscribers still hear results of a check that runs anyway
  EXPECT_EQ(b, 2);
  scheduler_.unsubscribe(idb);  // only a paused subscriber left: the check stops
  clock_.advance(seconds(10));
  EXPECT_EQ(servers_[80].starts.size(), 2u);
  EXPECT_EQ(scheduler_.check_count(), 1u);
  // A new active subscriber restarts it.
  scheduler_.subscribe(spec(80), [](const CheckEvent&) {});
  clock_.advance(milliseconds(300));
  EXPECT_EQ(servers_[80].starts.size(), 3u);
}

TEST_F(CheckSchedulerTest, SubscribingPausedDoesNotStartACheck) {
  auto id = scheduler_.subscribe(spec(80), [](const CheckEvent&) {}, /*paused=*/true);
  clock_.advance(seconds(5));
  EXPECT_TRUE(servers_[80].starts.empty());
  EXPECT_EQ(scheduler_.verdict(id), Verdict::kUnknown);
  scheduler_.set_paused(id, false);
  clock_.advance(milliseconds(300));
  EXPECT_EQ(servers_[80].starts.size(), 1u);
}

// A loop that was busy for seconds: probes that were due start late, one
// each, and the next one comes delay_loop after that late probe ENDED. No
// burst to catch up on the missed schedule.
TEST(CheckSchedulerOnABusyLoop, LateProbesStartOnceAndTheNextIsDelayLoopAfterTheirEnd) {
  test::LateScheduler clock;
  std::map<std::uint16_t, FakeServer> servers;
  CheckScheduler scheduler(
      clock, [&](const CheckSpec& s) { return std::make_unique<FakeChecker>(clock, servers[s.port]); },
      [](core::Duration) { return milliseconds(300); });
  const core::TimePoint t0 = clock.now();
  std::vector<core::TimePoint> results;
  scheduler.subscribe(CheckSpec{.kind = CheckKind::kHttp, .address = "10.0.0.1", .port = 80,
                                .connect_timeout = seconds(1), .delay_loop = seconds(1)},
                      [&](const CheckEvent& e) {
                        EXPECT_EQ(e.verdict, Verdict::kUp);
                        results.push_back(clock.now());
                      });
  clock.advance(milliseconds(450));  // on time: 300 starts, 400 passes; next due at 1400
  ASSERT_EQ(results.size(), 1u);
  clock.stall(milliseconds(3550));    // busy until 4000: the probe due at 1400 (and 2400, 3400) missed
  EXPECT_EQ(clock.fire_due(), 1u);    // one late start, not three
  clock.advance(milliseconds(1250));  // 4000 ends at 4100, next at 5100 (not 4400) ends 5200
  using D = core::Duration;
  std::vector<D> starts;
  for (auto t : servers[80].starts) starts.push_back(t - t0);
  EXPECT_EQ(starts, (std::vector<D>{milliseconds(300), milliseconds(4000), milliseconds(5100)}));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[2] - t0, milliseconds(5200));
}

TEST(CheckSchedulerOffsets, DefaultRandomOffsetsSpreadWithinDelayLoop) {
  core::FakeScheduler clock;
  std::map<std::uint16_t, FakeServer> servers;
  CheckScheduler scheduler(clock, [&](const CheckSpec& s) { return std::make_unique<FakeChecker>(clock, servers[s.port]); });
  const core::TimePoint t0 = clock.now();
  for (std::uint16_t port = 1; port <= 200; ++port) {
    scheduler.subscribe(CheckSpec{.kind = CheckKind::kTcp, .address = "10.0.0.1", .port = port,
                                  .delay_loop = seconds(1)},
                        [](const CheckEvent&) {});
  }
  clock.advance(seconds(1) - core::Duration(1));  // offsets lie in [0, 1 s)
  std::set<core::TimePoint> distinct;
  for (auto& [port, server] : servers) {
    ASSERT_EQ(server.starts.size(), 1u) << "port " << port;
    EXPECT_GE(server.starts[0], t0);
    EXPECT_LT(server.starts[0], t0 + seconds(1));
    distinct.insert(server.starts[0]);
  }
  EXPECT_GT(distinct.size(), 150u);  // nanosecond offsets: collisions are vanishingly rare
}

}  // namespace
}  // namespace lvsd::healthcheck

namespace lvsd::healthcheck {
namespace {

// keepalived's warmup: the first probe's random delay lies below warmup
// (default delay_loop); warmup 0 starts it at once.
TEST(CheckSchedulerWarmup, TheRandomOffsetIsBoundedByWarmupNotDelayLoop) {
  core::FakeScheduler clock;
  std::map<std::uint16_t, FakeServer> servers;
  std::vector<core::Duration> asked;  // the bound each first probe's offset was drawn under
  CheckScheduler scheduler(
      clock, [&](const CheckSpec& s) { return std::make_unique<FakeChecker>(clock, servers[s.port]); },
      [&](core::Duration max) {
        asked.push_back(max);
        return max > core::Duration::zero() ? max - milliseconds(1) : max;  // the latest allowed
      });
  const core::TimePoint t0 = clock.now();
  auto spec = [](std::uint16_t port, std::optional<core::Duration> warmup) {
    return CheckSpec{.kind = CheckKind::kTcp, .address = "10.0.0.1", .port = port, .delay_loop = seconds(60),
                     .warmup = warmup};
  };
  scheduler.subscribe(spec(1, milliseconds(500)), [](const CheckEvent&) {});
  scheduler.subscribe(spec(2, core::Duration::zero()), [](const CheckEvent&) {});
  scheduler.subscribe(spec(3, std::nullopt), [](const CheckEvent&) {});
  EXPECT_EQ(asked, (std::vector<core::Duration>{milliseconds(500), core::Duration::zero(), seconds(60)}));
  clock.advance(core::Duration::zero());
  ASSERT_EQ(servers[2].starts.size(), 1u);  // warmup 0: at once
  EXPECT_EQ(servers[2].starts[0], t0);
  clock.advance(milliseconds(499));
  ASSERT_EQ(servers[1].starts.size(), 1u);
  EXPECT_EQ(servers[1].starts[0] - t0, milliseconds(499));
  EXPECT_TRUE(servers[3].starts.empty());  // default: below delay_loop
  // A random offset the scheduler is given beyond warmup is clamped to it.
  CheckScheduler wild(
      clock, [&](const CheckSpec& s) { return std::make_unique<FakeChecker>(clock, servers[s.port]); },
      [](core::Duration) { return seconds(100); });
  const core::TimePoint t1 = clock.now();
  wild.subscribe(spec(4, milliseconds(200)), [](const CheckEvent&) {});
  clock.advance(milliseconds(200));
  ASSERT_EQ(servers[4].starts.size(), 1u);
  EXPECT_EQ(servers[4].starts[0] - t1, milliseconds(200));
}

}  // namespace
}  // namespace lvsd::healthcheck
