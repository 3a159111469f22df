// HealthView across reloads (what it keeps, rebuilds, drops), with start_up
// and with ha_suspend (checks that wait for their address). Verdicts and the
// pool: health_view_test.cpp.
#include "daemon/health_view.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/daemon/health_view_fixture.hpp"

namespace lvsd::daemon {
namespace {

using namespace test_support;  // the fixture, its config builders and the names they use

TEST_F(HealthViewTest, ReloadKeepsUnchangedRealServersAndDropsRemovedOnes) {
  conf::RealServer a = real_server("10.0.0.11", 3, {tcp_check(80)});
  conf::RealServer b = real_server("10.0.0.12", 3, {tcp_check(80)});
  view_.set_config(config_of({virtual_server({a, b})}));
  pass("10.0.0.11:80");
  pass("10.0.0.12:80");
  EXPECT_EQ(factory_calls_, 2);

  a.weight = 4;  // the weight is not part of the check: same subscription, new weight
  conf::RealServer c = real_server("10.0.0.13", 3, {tcp_check(80)});
  view_.set_config(config_of({virtual_server({a, c})}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 4}}));  // c is unknown, b is gone
  EXPECT_EQ(checks_.subscription_count(), 2u);
  EXPECT_EQ(checks_.check_count(), 2u);
  EXPECT_EQ(factory_calls_, 3);  // only c's check is new
  EXPECT_FALSE(pending_.contains("10.0.0.12:80"));
  pass("10.0.0.13:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 4}, {"10.0.0.13:80", 3}}));
  EXPECT_EQ(view_.check_count(), 2u);
}

TEST_F(HealthViewTest, ReloadThatRetunesACheckKeepsItsVerdictUntilTheNewCheckReports) {
  conf::RealServer a = real_server("10.0.0.11", 3, {tcp_check(80)});
  view_.set_config(config_of({virtual_server({a})}));
  pass("10.0.0.11:80");
  a.checks[0].connect_timeout = seconds(2);
  view_.set_config(config_of({virtual_server({a})}));
  EXPECT_EQ(factory_calls_, 2);
  EXPECT_EQ(checks_.subscription_count(), 1u);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}}));
  fail("10.0.0.11:80");
  EXPECT_EQ(pool(), Pool{});
}

TEST_F(HealthViewTest, UnchangedReloadKeepsEveryVerdictTimerAndLastResult) {
  conf::VirtualServer web = virtual_server({real_server("10.0.0.11", 3, {tcp_check(80)}),
                                            real_server("10.0.0.12", 3, {tcp_check(81), tcp_check(82)}),
                                            real_server("10.0.0.13", 5, {})});
  conf::VirtualServer api = virtual_server({real_server("10.0.0.21", 1, {tcp_check(80)})});
  api.port = 8080;
  const conf::Config config = config_of({web, api});
  view_.set_config(config);
  pass("10.0.0.11:80");
  pass("10.0.0.12:81");
  pass("10.0.0.12:82");
  fail("10.0.0.21:80", "connect timeout after 1s");
  const Pool web_pool = pool(0);
  EXPECT_EQ(web_pool, (Pool{{"10.0.0.11:80", 3}, {"10.0.0.12:80", 3}, {"10.0.0.13:80", 5}}));
  const auto status = view_.status();
  const core::TimePoint next = clock_.next_deadline();
  const std::size_t armed = clock_.armed_count();
  const auto transitions = view_.counters().transitions;

  clock_.advance(milliseconds(10));
  view_.set_config(config);
  EXPECT_EQ(factory_calls_, 4);  // no check rebuilt
  EXPECT_EQ(checks_.subscription_count(), 4u);
  EXPECT_EQ(clock_.next_deadline(), next);  // no timer re-armed
  EXPECT_EQ(clock_.armed_count(), armed);
  EXPECT_EQ(view_.counters().transitions, transitions);
  EXPECT_EQ(pool(0), web_pool);
  EXPECT_EQ(pool(1), Pool{});
  const auto again = view_.status();
  ASSERT_EQ(again.size(), 2u);
  for (std::size_t i = 0; i < again.size(); ++i) {
    ASSERT_EQ(again[i].real_servers.size(), status[i].real_servers.size());
    for (std::size_t j = 0; j < again[i].real_servers.size(); ++j) {
      const RealServerHealth& a = again[i].real_servers[j];
      const RealServerHealth& b = status[i].real_servers[j];
      EXPECT_EQ(a.state, b.state) << i << "/" << j;
      EXPECT_EQ(a.state_since, b.state_since) << i << "/" << j;
      EXPECT_EQ(a.weight, b.weight) << i << "/" << j;
      EXPECT_EQ(a.checks_passed, b.checks_passed) << i << "/" << j;
      EXPECT_EQ(a.transitions, b.transitions) << i << "/" << j;
      ASSERT_EQ(a.last_check.has_value(), b.last_check.has_value()) << i << "/" << j;
      if (a.last_check) {
        EXPECT_EQ(a.last_check->check, b.last_check->check);
        EXPECT_EQ(a.last_check->reason, b.last_check->reason);
        EXPECT_EQ(a.last_check->at, b.last_check->at);
      }
    }
  }
  EXPECT_EQ(again[1].real_servers[0].last_check->reason, "connect timeout after 1s");
  // The kept subscriptions still reach their real servers.
  pass("10.0.0.21:80");
  EXPECT_EQ(pool(1), (Pool{{"10.0.0.21:80", 1}}));
  fail("10.0.0.12:82");
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 3}, {"10.0.0.13:80", 5}}));
}

TEST_F(HealthViewTest, ReloadRebuildsOnlyTheChangedCheckAndKeepsTheLastResultOfTheOther) {
  conf::RealServer a = real_server("10.0.0.11", 3, {tcp_check(81), tcp_check(82)});
  view_.set_config(config_of({virtual_server({a})}));
  pass("10.0.0.11:82");
  pass("10.0.0.11:81");  // the last result: check 81
  EXPECT_EQ(factory_calls_, 2);
  a.checks[1].connect_timeout = seconds(2);  // check 82 changes
  view_.set_config(config_of({virtual_server({a})}));
  EXPECT_EQ(factory_calls_, 3);
  EXPECT_EQ(checks_.subscription_count(), 2u);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}}));  // the new check inherits "up"
  auto status = view_.status();
  ASSERT_TRUE(status[0].real_servers[0].last_check.has_value());
  EXPECT_EQ(status[0].real_servers[0].last_check->check, "TCP_CHECK");
  EXPECT_EQ(status[0].real_servers[0].last_check->reason, "connected");
  fail("10.0.0.11:82", "refused by the new check");
  EXPECT_EQ(pool(), Pool{});
  status = view_.status();
  EXPECT_EQ(status[0].real_servers[0].last_check->reason, "refused by the new check");
  // Changing the check that gave the last result drops it (its result is gone with it).
  a.checks[1].connect_timeout = seconds(3);
  view_.set_config(config_of({virtual_server({a})}));
  EXPECT_FALSE(view_.status()[0].real_servers[0].last_check.has_value());
  EXPECT_EQ(pool(), Pool{});  // inherits "down"
}

TEST_F(HealthViewTest, ReloadFindsRealServersAndServicesThatMoved) {
  conf::VirtualServer web = virtual_server({real_server("10.0.0.11", 3, {tcp_check(80)}),
                                            real_server("10.0.0.12", 4, {tcp_check(80)})});
  conf::VirtualServer api = virtual_server({real_server("10.0.0.21", 1, {tcp_check(80)})});
  api.port = 8080;
  view_.set_config(config_of({web, api}));
  pass("10.0.0.11:80");
  pass("10.0.0.12:80");
  pass("10.0.0.21:80");
  std::swap(web.real_servers[0], web.real_servers[1]);
  view_.set_config(config_of({api, web}));  // services swapped, real servers swapped
  EXPECT_EQ(factory_calls_, 3);
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.21:80", 1}}));
  EXPECT_EQ(pool(1), (Pool{{"10.0.0.11:80", 3}, {"10.0.0.12:80", 4}}));
  const auto status = view_.status();
  EXPECT_EQ(status[1].real_servers[0].real_server, "10.0.0.12:80");
  EXPECT_EQ(status[1].real_servers[0].checks_passed, 1u);
  fail("10.0.0.12:80");  // its listener reaches the moved slot
  EXPECT_EQ(pool(1), (Pool{{"10.0.0.11:80", 3}}));
}

// ---------------------------------------------------------------- start_up

TEST_F(HealthViewTest, StartUpRealServersAreInThePoolAtOnceAndLeaveAfterFallFailures) {
  LogCapture log;
  conf::Check check = tcp_check(80);
  check.fall = 2;
  conf::RealServer rs = real_server("10.0.0.11", 3, {check});
  rs.options.edit().slow_start = seconds(10);  // start_up servers are assumed serving: no ramp at start
  conf::VirtualServer vs = virtual_server({rs, real_server("10.0.0.12", 5, {tcp_check(81)})});
  vs.start_up = true;
  view_.set_config(config_of({vs}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}, {"10.0.0.12:80", 5}}));
  EXPECT_EQ(lines_with(log.text(), "-> 10.0.0.11:80: up (start_up; was unknown)").size(), 1u) << log.text();

  fail("10.0.0.11:80");  // 1 of 2
  pass("10.0.0.12:81");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}, {"10.0.0.12:80", 5}}));
  fail("10.0.0.11:80");  // 2 of 2: out
  fail("10.0.0.12:81");  // fall 1: out at once
  EXPECT_EQ(pool(), Pool{});
  // Coming back is an ordinary recovery: the slow-start ramp applies.
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}}));
}

TEST_F(HealthViewTest, WithoutStartUpTheSameConfigWaitsForTheFirstPass) {
  conf::VirtualServer vs = virtual_server({real_server("10.0.0.11", 3, {tcp_check(80)})});
  vs.start_up = false;
  view_.set_config(config_of({vs}));
  EXPECT_EQ(pool(), Pool{});
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}}));
}

TEST_F(HealthViewTest, StartUpAndNotStartUpServiceDoNotShareACheck) {
  // Their checks start from different verdicts, so they cannot be one check.
  conf::VirtualServer a = virtual_server({real_server("10.0.0.11", 1, {tcp_check(80)})});
  conf::VirtualServer b = a;
  b.port = 8080;
  b.start_up = true;
  view_.set_config(config_of({a, b}));
  EXPECT_EQ(checks_.check_count(), 2u);
  EXPECT_EQ(pool(0), Pool{});
  EXPECT_EQ(pool(1), (Pool{{"10.0.0.11:80", 1}}));
}

// ---------------------------------------------------------------- ha_suspend

class HaSuspendTest : public HealthViewTest {
 protected:
  const core::IpAddress vip_ = ip("10.0.0.100");

  conf::Config two_services(bool ha_suspend) {
    conf::VirtualServer suspended = virtual_server({real_server("10.0.0.11", 3, {tcp_check(80)})});
    suspended.ha_suspend = ha_suspend;
    conf::VirtualServer other = virtual_server({real_server("10.0.0.12", 2, {tcp_check(81)})});
    other.address = ip("10.0.0.101");
    other.ha_suspend = true;  // but VRRP never mentions 10.0.0.101: never suspended
    return config_of({suspended, other});
  }
};

TEST_F(HaSuspendTest, ChecksOfABackupAddressDoNotRunUntilItIsHeld) {
  view_.set_address_held(vip_, false);  // VRRP: backup for the VIP
  view_.set_config(two_services(true));
  clock_.advance(seconds(600));
  EXPECT_FALSE(pending_.contains("10.0.0.11:80"));  // never started
  EXPECT_TRUE(pending_.contains("10.0.0.12:81"));   // address not under VRRP: runs
  EXPECT_TRUE(view_.status()[0].checks_suspended);
  EXPECT_FALSE(view_.status()[1].checks_suspended);
  EXPECT_EQ(pool(0), Pool{});

  view_.set_address_held(vip_, true);  // became master
  EXPECT_FALSE(view_.status()[0].checks_suspended);
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 3}}));
}

TEST_F(HaSuspendTest, LosingTheAddressPausesTheChecksAndKeepsTheState) {
  view_.set_config(two_services(true));
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 3}}));
  clock_.advance(seconds(30));  // the next probe is at 60 s: none in flight
  view_.set_address_held(vip_, false);
  const int changes = changes_;
  clock_.advance(seconds(600));
  EXPECT_FALSE(pending_.contains("10.0.0.11:80"));  // no probe for ten delay_loops
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 3}}));   // state kept
  EXPECT_EQ(changes_, changes);
  EXPECT_EQ(view_.status()[0].real_servers[0].state, RealServerState::kUp);

  view_.set_address_held(vip_, true);
  fail("10.0.0.11:80");  // checks run again and decide
  EXPECT_EQ(pool(0), Pool{});
}

TEST_F(HaSuspendTest, AProbeInFlightIsCancelledWhenTheAddressIsLost) {
  view_.set_config(two_services(true));
  clock_.advance(milliseconds(1));  // both first probes start (offset 0)
  ASSERT_TRUE(pending_.contains("10.0.0.11:80"));
  view_.set_address_held(vip_, false);
  EXPECT_FALSE(pending_.contains("10.0.0.11:80"));  // ManualChecker::cancel removed it
  EXPECT_TRUE(pending_.contains("10.0.0.12:81"));
}

TEST_F(HaSuspendTest, WithoutHaSuspendTheAddressDoesNotMatter) {
  view_.set_address_held(vip_, false);
  view_.set_config(two_services(false));
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 3}}));
  EXPECT_FALSE(view_.status()[0].checks_suspended);
}

TEST_F(HaSuspendTest, ReloadKeepsTheSuspension) {
  view_.set_address_held(vip_, false);
  view_.set_config(two_services(true));
  conf::Config retuned = two_services(true);
  retuned.virtual_servers[0].real_servers[0].checks[0].connect_timeout = seconds(2);  // a new check
  view_.set_config(retuned);
  clock_.advance(seconds(600));
  EXPECT_FALSE(pending_.contains("10.0.0.11:80"));
  view_.set_address_held(vip_, true);
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 3}}));
}

}  // namespace
}  // namespace lvsd::daemon
