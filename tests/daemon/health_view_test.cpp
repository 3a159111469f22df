// HealthView: verdicts, the pool they make (weights, inhibit, slow start,
// quorum and sorry server), its log lines, counters and status, and the check
// specs it derives. Reloads, start_up and ha_suspend: health_view_reload_test.cpp.
#include "daemon/health_view.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/daemon/health_view_fixture.hpp"

namespace lvsd::daemon {
namespace {

using namespace test_support;  // the fixture, its config builders and the names they use

TEST_F(HealthViewTest, UnknownRealServerIsNotInThePoolUntilItsFirstVerdict) {
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 3, {tcp_check(80)})})}));
  EXPECT_EQ(view_.table().services.size(), 1u);
  EXPECT_EQ(pool(), Pool{});
  EXPECT_EQ(view_.check_count(), 1u);
  EXPECT_EQ(changes_, 0);  // set_config leaves reading table() to the caller
}

TEST_F(HealthViewTest, AfterARestartWhatTheKernelHeldStaysUntilChecked) {
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 3, {tcp_check(80)}),
                                              real_server("10.0.0.12", 5, {tcp_check(80)})})}));
  // The kernel holds 10.0.0.11 (lvsd was restarted) but not 10.0.0.12.
  director::IpvsTable kernel = configured_table(config_of({virtual_server({real_server("10.0.0.11", 3, {})})}));
  view_.keep_until_checked(kernel);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}}));
  // Its first verdict decides from then on.
  fail("10.0.0.11:80");
  pass("10.0.0.12:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.12:80", 5}}));
}

// A restart finds 10.0.0.11 held at weight 0 (the previous run inhibited it
// as failed): it is not taken for up; its first passing check brings it back.
TEST_F(HealthViewTest, RestartDoesNotTakeAnInhibitedRealServerForUp) {
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 3, {tcp_check(80)}),
                                              real_server("10.0.0.12", 5, {tcp_check(80)})})}));
  director::IpvsTable kernel = configured_table(
      config_of({virtual_server({real_server("10.0.0.11", 3, {}), real_server("10.0.0.12", 5, {})})}));
  kernel.services[0].destinations[0].weight = 0;
  view_.keep_until_checked(kernel);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.12:80", 5}}));
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}, {"10.0.0.12:80", 5}}));
}

TEST_F(HealthViewTest, UpRealServerJoinsWithItsConfiguredWeight) {
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 3, {tcp_check(80)}),
                                              real_server("10.0.0.12", 5, {tcp_check(80)})})}));
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}}));
  EXPECT_EQ(changes_, 1);
  pass("10.0.0.12:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}, {"10.0.0.12:80", 5}}));
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(view_.counters().transitions_up, 2u);
  // Another pass changes nothing: no extra on_change.
  pass("10.0.0.11:80");
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(view_.counters().check_results, 3u);
  // The forwarding method comes from the configured table.
  EXPECT_EQ(view_.table().services[0].destinations[0].forward, director::ForwardMethod::kDirectRoute);
}

TEST_F(HealthViewTest, DownRealServerIsRemovedAndTheTransitionIsLoggedOnce) {
  LogCapture log;
  conf::Check http{.probe = conf::HttpCheck{.url = {conf::UrlCheck{.path = "/"}}}, .retry = 0};
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 3, {http})})}));
  pass("10.0.0.11:80");
  fail("10.0.0.11:80", "HTTP 503 on /");
  fail("10.0.0.11:80", "HTTP 503 on /");  // still down: not a transition

  EXPECT_EQ(pool(), Pool{});
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(view_.counters().transitions_down, 1u);
  const std::string text = log.text();
  const std::string line = "TCP 10.0.0.100:80 -> 10.0.0.11:80: down (HTTP_GET: HTTP 503 on /; was up)";
  EXPECT_NE(text.find(line), std::string::npos) << text;
  EXPECT_EQ(text.find(line), text.rfind(line)) << text;
  EXPECT_NE(text.find("TCP 10.0.0.100:80 -> 10.0.0.11:80: up (HTTP_GET: connected; was unknown)"), std::string::npos)
      << text;
}

TEST_F(HealthViewTest, FallAndRetryMultiply) {
  conf::Check check = tcp_check(80);
  check.fall = 2;
  check.retry = 1;  // each probe is two attempts: four failures in a row to go down
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 1, {check})})}));
  pass("10.0.0.11:80");
  for (int i = 0; i < 3; ++i) {
    fail("10.0.0.11:80");
    EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}})) << "after failure " << i + 1;
  }
  fail("10.0.0.11:80");
  EXPECT_EQ(pool(), Pool{});
}

TEST_F(HealthViewTest, InhibitOnFailureKeepsTheRealServerWithWeightZero) {
  conf::RealServer own = real_server("10.0.0.11", 3, {tcp_check(80)});
  own.options.edit().inhibit_on_failure = true;
  conf::RealServer inherits = real_server("10.0.0.12", 4, {tcp_check(80)});
  conf::RealServer overrides = real_server("10.0.0.13", 5, {tcp_check(80)});
  overrides.options.edit().inhibit_on_failure = false;
  conf::VirtualServer vs = virtual_server({own});
  conf::VirtualServer vs2 = virtual_server({inherits, overrides});
  vs2.port = 443;
  vs2.inhibit_on_failure = true;
  view_.set_config(config_of({vs, vs2}));
  // Unknown counts as down: inhibited servers sit at weight 0 from the start.
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 0}}));
  EXPECT_EQ(pool(1), (Pool{{"10.0.0.12:80", 0}}));
  pass("10.0.0.11:80");
  pass("10.0.0.12:80");
  pass("10.0.0.13:80");
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 3}}));
  EXPECT_EQ(pool(1), (Pool{{"10.0.0.12:80", 4}, {"10.0.0.13:80", 5}}));
  fail("10.0.0.11:80");
  fail("10.0.0.12:80");
  fail("10.0.0.13:80");
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 0}}));
  EXPECT_EQ(pool(1), (Pool{{"10.0.0.12:80", 0}}));
}

TEST_F(HealthViewTest, EveryCheckOfARealServerMustPass) {
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 2, {tcp_check(80), tcp_check(22)})})}));
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), Pool{});
  pass("10.0.0.11:22");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 2}}));
  fail("10.0.0.11:22");
  EXPECT_EQ(pool(), Pool{});
  pass("10.0.0.11:22");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 2}}));
  EXPECT_EQ(view_.counters().transitions_up, 2u);
  EXPECT_EQ(view_.counters().transitions_down, 1u);
}

TEST_F(HealthViewTest, MiscDynamicWeightReplacesTheConfiguredWeight) {
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 10, {misc_check(80, true)}),
                                              real_server("10.0.0.12", 10, {misc_check(81, false)})})}));
  probe("10.0.0.11:80", CheckResult{.up = true, .reason = "script exit 9", .weight = 7});
  probe("10.0.0.12:81", CheckResult{.up = true, .reason = "script exit 9", .weight = 7});  // not dynamic: ignored
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 7}, {"10.0.0.12:80", 10}}));
  const int changes = changes_;
  probe("10.0.0.11:80", CheckResult{.up = true, .reason = "script exit 0"});  // exit 0 keeps the last weight
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 7}, {"10.0.0.12:80", 10}}));
  EXPECT_EQ(changes_, changes);
  probe("10.0.0.11:80", CheckResult{.up = true, .reason = "script exit 4", .weight = 2});
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 2}, {"10.0.0.12:80", 10}}));
  EXPECT_EQ(changes_, changes + 1);
}

TEST_F(HealthViewTest, SlowStartRampsTheWeightWithOneOnChangePerStep) {
  conf::RealServer rs = real_server("10.0.0.11", 3, {tcp_check(80)});
  rs.options.edit().slow_start = seconds(10);
  view_.set_config(config_of({virtual_server({rs})}));
  pass("10.0.0.11:80");  // at t0: the next probe is 60 s away
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}}));
  EXPECT_EQ(changes_, 1);
  clock_.advance(milliseconds(4999));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}}));
  EXPECT_EQ(changes_, 1);
  clock_.advance(milliseconds(1));  // 5 s: 1 + floor(2 * 5 / 10) = 2
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 2}}));
  clock_.advance(seconds(5));  // 10 s: the configured weight
  EXPECT_EQ(changes_, 3);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}}));
  clock_.advance(seconds(40));  // ramp over: no more changes (the next probe starts at 60 s)
  EXPECT_EQ(changes_, 3);
  // Down and up again: the ramp starts over.
  fail("10.0.0.11:80");
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}}));
  clock_.advance(seconds(5));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 2}}));
}

TEST_F(HealthViewTest, SorryServerWhileTheQuorumIsLostAndGoneWhenRegainedWithHysteresis) {
  conf::VirtualServer vs = virtual_server({real_server("10.0.0.11", 2, {tcp_check(80)}),
                                           real_server("10.0.0.12", 2, {tcp_check(80)}),
                                           real_server("10.0.0.13", 2, {tcp_check(80)})});
  vs.quorum = 4;
  vs.hysteresis = 1;  // lost below 3, regained at 5
  vs.sorry_server = conf::SorryServer{.address = ip("10.0.0.200"), .port = 0};
  view_.set_config(config_of({vs}));
  const Pool sorry{{"10.0.0.200:80", 1}};
  EXPECT_EQ(pool(), sorry);  // a new pool starts without quorum
  EXPECT_EQ(view_.table().services[0].destinations[0].forward, director::ForwardMethod::kDirectRoute);
  pass("10.0.0.11:80");
  pass("10.0.0.12:80");  // live 4: not yet 5
  EXPECT_EQ(pool(), sorry);
  pass("10.0.0.13:80");  // live 6
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 2}, {"10.0.0.12:80", 2}, {"10.0.0.13:80", 2}}));
  EXPECT_EQ(view_.counters().quorum_regained, 1u);
  fail("10.0.0.13:80");  // live 4: not below 3, quorum holds
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 2}, {"10.0.0.12:80", 2}}));
  fail("10.0.0.12:80");  // live 2: lost; the survivor leaves with the others
  EXPECT_EQ(pool(), sorry);
  EXPECT_EQ(view_.counters().quorum_lost, 1u);
  pass("10.0.0.12:80");  // live 4: between the thresholds, still lost
  EXPECT_EQ(pool(), sorry);
  const int changes = changes_;
  pass("10.0.0.13:80");  // live 6: regained
  EXPECT_EQ(changes_, changes + 1);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 2}, {"10.0.0.12:80", 2}, {"10.0.0.13:80", 2}}));
}

TEST_F(HealthViewTest, WithoutSorryServerTheQuorumDoesNotChangeThePool) {
  conf::VirtualServer vs = virtual_server({real_server("10.0.0.11", 1, {tcp_check(80)})});
  vs.quorum = 5;
  view_.set_config(config_of({vs}));
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}}));
}

TEST_F(HealthViewTest, SorryServerTakesTheServicesForwardingMethodAndTunnel) {
  conf::VirtualServer vs = virtual_server({real_server("10.0.0.11", 2, {tcp_check(80)})});
  vs.lb_kind = conf::ForwardingMethod::kTun;
  vs.tunnel_type = conf::TunnelType::kGue;
  vs.tunnel_port = 6080;
  vs.quorum = 5;
  vs.sorry_server = conf::SorryServer{.address = ip("10.0.0.200"), .port = 8081};
  view_.set_config(config_of({vs}));
  // What configured_table() makes of the sorry server as the only real server.
  conf::VirtualServer alone = vs;
  alone.real_servers = {conf::RealServer{.address = ip("10.0.0.200"), .port = 8081, .weight = 1}};
  const director::Destination expected = configured_table(config_of({alone})).services[0].destinations[0];
  const director::IpvsTable table = view_.table();
  ASSERT_EQ(table.services[0].destinations.size(), 1u);
  const director::Destination& sorry = table.services[0].destinations[0];
  EXPECT_TRUE(director::same_identity(sorry, expected));
  EXPECT_TRUE(director::same_settings(sorry, expected));
  EXPECT_EQ(sorry.tunnel_port, 6080);
}

TEST_F(HealthViewTest, SorryServerAndRealServersWithForwardingOfTheirOwn) {
  conf::RealServer nat = real_server("10.0.0.11", 2, {tcp_check(80)});
  nat.port = 8080;
  nat.options.edit().forwarding = conf::Forwarding{.lb_kind = conf::ForwardingMethod::kNat};
  conf::RealServer gre = real_server("10.0.0.12", 2, {tcp_check(80)});
  gre.options.edit().forwarding = conf::Forwarding{.lb_kind = conf::ForwardingMethod::kTun, .tunnel_type = conf::TunnelType::kGre,
                                    .tunnel_checksum = conf::TunnelChecksum::kChecksum};
  conf::VirtualServer vs = virtual_server({nat, gre, real_server("10.0.0.13", 2, {tcp_check(80)})});  // DR
  vs.quorum = 5;
  vs.sorry_server = conf::SorryServer{.address = ip("10.0.0.200"), .port = 8081,
                                      .forwarding = conf::Forwarding{.lb_kind = conf::ForwardingMethod::kNat}};
  view_.set_config(config_of({vs}));
  director::IpvsTable table = view_.table();
  ASSERT_EQ(table.services[0].destinations.size(), 1u);
  EXPECT_EQ(table.services[0].destinations[0].forward, director::ForwardMethod::kNat);  // not the service's DR
  pass("10.0.0.11:80");  // (its check's connect_port)
  pass("10.0.0.12:80");
  pass("10.0.0.13:80");
  table = view_.table();
  ASSERT_EQ(table.services[0].destinations.size(), 3u);
  EXPECT_EQ(table.services[0].destinations[0].forward, director::ForwardMethod::kNat);
  EXPECT_EQ(table.services[0].destinations[1].forward, director::ForwardMethod::kTunnel);
  EXPECT_EQ(table.services[0].destinations[1].tunnel_type, director::TunnelType::kGre);
  EXPECT_EQ(table.services[0].destinations[1].tunnel_flags, director::kTunnelFlagChecksum);
  EXPECT_EQ(table.services[0].destinations[2].forward, director::ForwardMethod::kDirectRoute);
}

// keepalived's sorry_server_inhibit: once the sorry server has served, it
// stays at weight 0 while the quorum holds; without it, it is removed. A
// sorry server that never served (the quorum held from the start) is not added.
TEST_F(HealthViewTest, SorryServerInhibitKeepsItAtWeightZeroOnceItHasServed) {
  conf::VirtualServer vs = virtual_server({real_server("10.0.0.11", 1, {tcp_check(80)})});
  vs.sorry_server = conf::SorryServer{.address = ip("10.0.0.200"), .port = 0, .inhibit_on_failure = true};
  view_.set_config(config_of({vs}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.200:80", 1}}));  // no quorum yet: the sorry server serves
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}, {"10.0.0.200:80", 0}}));
  fail("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.200:80", 1}}));
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}, {"10.0.0.200:80", 0}}));
  // A reload that keeps the sorry server keeps it draining.
  view_.set_config(config_of({vs}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}, {"10.0.0.200:80", 0}}));
  // Without inhibit it leaves.
  vs.sorry_server->inhibit_on_failure = false;
  view_.set_config(config_of({vs}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}}));
}

TEST_F(HealthViewTest, SorryServerInhibitAddsNothingWhileTheQuorumHeldFromTheStart) {
  conf::VirtualServer vs = virtual_server({real_server("10.0.0.11", 1, {tcp_check(80)})});
  vs.start_up = true;  // keepalived without alpha: the real server serves from the start
  vs.sorry_server = conf::SorryServer{.address = ip("10.0.0.200"), .port = 0, .inhibit_on_failure = true};
  view_.set_config(config_of({vs}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}}));
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 1}}));
}

TEST_F(HealthViewTest, RealServerWithoutChecksIsAlwaysPresent) {
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 3, {}),
                                              real_server("10.0.0.12", 2, {tcp_check(80)})})}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}}));
  fail("10.0.0.12:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 3}}));
  EXPECT_EQ(view_.counters().transitions_up, 0u);
}

TEST_F(HealthViewTest, TheSameCheckOnTwoVirtualServersRunsOnceAndFeedsBoth) {
  conf::VirtualServer http = virtual_server({real_server("10.0.0.11", 1, {tcp_check(80)})});
  conf::VirtualServer https = virtual_server({real_server("10.0.0.11", 1, {tcp_check(80)})});
  https.port = 443;
  https.real_servers[0].port = 443;
  view_.set_config(config_of({http, https}));
  EXPECT_EQ(factory_calls_, 1);
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(0), (Pool{{"10.0.0.11:80", 1}}));
  EXPECT_EQ(pool(1), (Pool{{"10.0.0.11:443", 1}}));
}

// ---------------------------------------------------------------- logging, counters, status

TEST_F(HealthViewTest, EveryTransitionIsOneLogLineWithCheckAndReasonAndIsCounted) {
  LogCapture log;
  conf::Check http{.probe = conf::HttpCheck{.url = {conf::UrlCheck{.path = "/health"}}}, .retry = 0};
  view_.set_config(config_of({virtual_server({real_server("10.0.0.11", 3, {http})})}));
  const core::TimePoint configured = clock_.now();
  {
    const auto status = view_.status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].virtual_server, "TCP 10.0.0.100:80");
    ASSERT_EQ(status[0].real_servers.size(), 1u);
    EXPECT_EQ(status[0].real_servers[0].real_server, "10.0.0.11:80");
    EXPECT_EQ(status[0].real_servers[0].state, RealServerState::kUnknown);
    EXPECT_EQ(status[0].real_servers[0].state_since, configured);
    EXPECT_EQ(status[0].real_servers[0].weight, std::nullopt);
    EXPECT_EQ(status[0].real_servers[0].last_check, std::nullopt);
  }
  probe("10.0.0.11:80", CheckResult{.up = true, .reason = "HTTP 200 on /health", .latency = milliseconds(3)});
  clock_.advance(seconds(10));
  probe("10.0.0.11:80", CheckResult{.up = false, .reason = "HTTP 503 on /health", .latency = milliseconds(4)});
  const core::TimePoint went_down = clock_.now();
  probe("10.0.0.11:80", CheckResult{.up = false, .reason = "connect timeout after 3s", .latency = seconds(3)});
  probe("10.0.0.11:80", CheckResult{.up = true, .reason = "HTTP 200 on /health", .latency = milliseconds(2)});

  const std::vector<std::string> lines = lines_with(log.text(), "10.0.0.11:80");
  ASSERT_EQ(lines.size(), 3u) << log.text();
  EXPECT_EQ(lines[0], "TCP 10.0.0.100:80 -> 10.0.0.11:80: up (HTTP_GET: HTTP 200 on /health; was unknown)");
  EXPECT_EQ(lines[1], "TCP 10.0.0.100:80 -> 10.0.0.11:80: down (HTTP_GET: HTTP 503 on /health; was up)");
  EXPECT_EQ(lines[2], "TCP 10.0.0.100:80 -> 10.0.0.11:80: up (HTTP_GET: HTTP 200 on /health; was down)");

  EXPECT_EQ(view_.counters().transitions, 3u);
  EXPECT_EQ(view_.counters().transitions_up, 2u);
  EXPECT_EQ(view_.counters().transitions_down, 1u);
  EXPECT_EQ(view_.counters().check_results, 4u);
  EXPECT_EQ(view_.counters().checks_passed, 2u);
  EXPECT_EQ(view_.counters().checks_failed, 2u);
  EXPECT_EQ(checks_.counters().probes_passed, 2u);
  EXPECT_EQ(checks_.counters().probes_failed, 2u);

  const RealServerHealth rs = view_.status()[0].real_servers[0];
  EXPECT_EQ(rs.state, RealServerState::kUp);
  EXPECT_EQ(rs.state_since, clock_.now());
  EXPECT_GT(rs.state_since, went_down);
  EXPECT_EQ(rs.weight, std::optional<int>(3));
  EXPECT_EQ(rs.checks_passed, 2u);
  EXPECT_EQ(rs.checks_failed, 2u);
  EXPECT_EQ(rs.transitions, 3u);
  ASSERT_TRUE(rs.last_check.has_value());
  EXPECT_EQ(rs.last_check->check, "HTTP_GET");
  EXPECT_TRUE(rs.last_check->passed);
  EXPECT_EQ(rs.last_check->reason, "HTTP 200 on /health");
  EXPECT_EQ(rs.last_check->latency, milliseconds(2));
  EXPECT_EQ(rs.last_check->at, clock_.now());
}

TEST_F(HealthViewTest, StatusShowsInhibitedWeightAndSorryServer) {
  conf::VirtualServer vs = virtual_server({real_server("10.0.0.11", 2, {tcp_check(80)}),
                                           real_server("10.0.0.12", 2, {tcp_check(81)})});
  vs.inhibit_on_failure = true;
  vs.quorum = 3;
  vs.sorry_server = conf::SorryServer{.address = ip("10.0.0.200"), .port = 0};
  view_.set_config(config_of({vs}));
  pass("10.0.0.11:80");
  pass("10.0.0.12:81");
  fail("10.0.0.12:81");
  auto status = view_.status();
  EXPECT_TRUE(status[0].sorry_server_active);  // live weight 2 < 3
  EXPECT_FALSE(status[0].quorum_met);
  EXPECT_EQ(status[0].real_servers[0].weight, std::nullopt);  // out while the sorry server serves
  vs.quorum = 1;
  view_.set_config(config_of({vs}));
  status = view_.status();
  EXPECT_FALSE(status[0].sorry_server_active);
  EXPECT_EQ(status[0].real_servers[0].weight, std::optional<int>(2));
  EXPECT_EQ(status[0].real_servers[1].weight, std::optional<int>(0));  // inhibited
  EXPECT_EQ(status[0].real_servers[1].state, RealServerState::kDown);
  ASSERT_TRUE(status[0].real_servers[1].last_check.has_value());
  EXPECT_FALSE(status[0].real_servers[1].last_check->passed);
  EXPECT_EQ(status[0].real_servers[1].last_check->reason, "connection refused");
}

// The metrics' histogram: each probe's duration, as its checker measured it,
// per real server and check keyword; a check keeps its own across a reload
// that does not change it, a changed check starts afresh.
TEST_F(HealthViewTest, StatusCarriesEachChecksProbeDurations) {
  auto config = [](std::uint16_t second_port) {
    return config_of({virtual_server({real_server("10.0.0.11", 1, {tcp_check(80), tcp_check(second_port)}),
                                      real_server("10.0.0.12", 1, {})})});
  };
  view_.set_config(config(81));
  probe("10.0.0.11:80", CheckResult{.up = true, .reason = "connected", .latency = milliseconds(3)});
  probe("10.0.0.11:81", CheckResult{.up = false, .reason = "timeout", .latency = milliseconds(5'001)});
  auto status = view_.status();
  ASSERT_EQ(status[0].real_servers.size(), 2u);
  const auto& durations = status[0].real_servers[0].check_durations;
  ASSERT_EQ(durations.size(), 1u);  // two TCP_CHECKs, one series
  const control::LatencyHistogram& tcp = durations.at("TCP_CHECK");
  EXPECT_EQ(tcp.count(), 2u);
  EXPECT_EQ(tcp.cumulative(1), 0u);   // <= 2.5 ms
  EXPECT_EQ(tcp.cumulative(2), 1u);   // <= 5 ms
  EXPECT_EQ(tcp.cumulative(11), 1u);  // <= 5 s: the timeout is above
  EXPECT_EQ(tcp.cumulative(12), 2u);  // <= 10 s
  EXPECT_DOUBLE_EQ(tcp.sum_s, 5.004);
  EXPECT_TRUE(status[0].real_servers[1].check_durations.empty());  // no checks, no histogram

  view_.set_config(config(81));  // unchanged: both keep theirs
  EXPECT_EQ(view_.status()[0].real_servers[0].check_durations.at("TCP_CHECK").count(), 2u);
  view_.set_config(config(82));  // the second check replaced: its durations go with it
  const auto after = view_.status()[0].real_servers[0].check_durations.at("TCP_CHECK");
  EXPECT_EQ(after.count(), 1u);
  EXPECT_DOUBLE_EQ(after.sum_s, 0.003);
}

TEST(ToCheckSpec, DefaultsComeFromTheRealAndVirtualServer) {
  conf::VirtualServer vs{.address = ip("10.0.0.100"), .port = 8080, .delay_loop = seconds(7),
                         .virtualhost = "www.example.test"};
  conf::RealServer rs{.address = ip("10.0.0.11"), .port = 0};
  conf::Check check{.probe = conf::HttpCheck{.tls = true,
                                             .url = {conf::UrlCheck{.path = "/health",
                                                                    .status_code = {{.low = 200, .high = 399}, {.low = 503, .high = 503}},
                                                                    .digest = "0123456789abcdef0123456789abcdef"}}},
                    .connect_timeout = seconds(3), .retry = 2, .delay_before_retry = milliseconds(500),
                    .rise = 2, .fall = 3};
  const healthcheck::CheckSpec spec = to_check_spec(vs, rs, check);
  EXPECT_EQ(spec.kind, healthcheck::CheckKind::kSsl);
  EXPECT_EQ(spec.address, "10.0.0.11");
  EXPECT_EQ(spec.port, 8080);  // real server port 0: the virtual server's
  EXPECT_EQ(spec.connect_timeout, seconds(3));
  EXPECT_EQ(spec.delay_loop, seconds(7));
  EXPECT_EQ(spec.delay_before_retry, milliseconds(500));
  EXPECT_EQ(spec.thresholds.rise, 2);
  EXPECT_EQ(spec.thresholds.fall, 9);  // 3 probes of 3 attempts
  EXPECT_FALSE(spec.thresholds.start_up);
  vs.start_up = true;
  EXPECT_TRUE(to_check_spec(vs, rs, check).thresholds.start_up);
  // Unset in the check: the real server's, else the virtual server's (keepalived's inheritance).
  conf::Check bare = check;
  bare.connect_timeout.reset();
  bare.retry.reset();
  bare.delay_before_retry.reset();
  rs.options.edit().retry = 1;
  rs.options.edit().delay_loop = seconds(2);
  vs.connect_timeout = seconds(4);
  vs.delay_before_retry = seconds(6);
  const healthcheck::CheckSpec inherited = to_check_spec(vs, rs, bare);
  EXPECT_EQ(inherited.connect_timeout, seconds(4));
  EXPECT_EQ(inherited.delay_before_retry, seconds(6));
  EXPECT_EQ(inherited.delay_loop, seconds(2));
  EXPECT_EQ(inherited.thresholds.fall, 6);  // 3 probes of 2 attempts
  ASSERT_EQ(spec.urls.size(), 1u);
  EXPECT_EQ(spec.urls[0].path, "/health");
  EXPECT_EQ(spec.urls[0].status.first.high, 399);
  // Every range of keepalived's `status_code 200-399 503` is kept.
  EXPECT_TRUE(spec.urls[0].status.contains(503));
  EXPECT_FALSE(spec.urls[0].status.contains(502));
  EXPECT_EQ(spec.urls[0].digest, std::optional<std::string>("0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(spec.virtualhost, "www.example.test");
}

TEST(ToCheckSpec, CheckValuesOverrideTheDefaults) {
  conf::VirtualServer vs{.address = ip("10.0.0.100"), .port = 80, .virtualhost = "vs.test"};
  conf::RealServer rs{.address = ip("10.0.0.11"), .port = 8080};
  conf::Check http{.probe = conf::HttpCheck{.url = {conf::UrlCheck{.path = "/"}}, .virtualhost = "check.test"},
                   .connect_ip = ip("10.0.1.11"), .connect_port = 9000, .delay_loop = seconds(2)};
  const healthcheck::CheckSpec spec = to_check_spec(vs, rs, http);
  EXPECT_EQ(spec.kind, healthcheck::CheckKind::kHttp);
  EXPECT_EQ(spec.address, "10.0.1.11");
  EXPECT_EQ(spec.port, 9000);
  EXPECT_EQ(spec.delay_loop, seconds(2));
  EXPECT_EQ(spec.virtualhost, "check.test");
  EXPECT_EQ(spec.thresholds.fall, 2);  // conf defaults: fall 1, retry 1

  EXPECT_EQ(to_check_spec(vs, rs, conf::Check{.probe = conf::TcpCheck{}}).port, 8080);

  conf::Check redis{.probe = conf::RedisCheck{.password = "s3cret", .expect_role = conf::RedisRole::kReplica}};
  const healthcheck::CheckSpec r = to_check_spec(vs, rs, redis);
  EXPECT_EQ(r.kind, healthcheck::CheckKind::kRedis);
  EXPECT_EQ(r.redis_password, "s3cret");
  EXPECT_EQ(r.redis_expect_role, healthcheck::RedisRole::kReplica);

  conf::Check misc{.probe = conf::MiscCheck{.misc_path = "/usr/local/bin/check --deep 'a b'",
                                            .misc_timeout = seconds(4), .misc_dynamic = true}};
  const healthcheck::CheckSpec m = to_check_spec(vs, rs, misc);
  EXPECT_EQ(m.kind, healthcheck::CheckKind::kMisc);
  EXPECT_EQ(m.misc_argv, (std::vector<std::string>{"/usr/local/bin/check", "--deep", "a b"}));
  EXPECT_EQ(m.misc_timeout, seconds(4));
  EXPECT_TRUE(m.misc_dynamic);
  EXPECT_EQ(m.misc_policy, (core::ScriptPolicy{.user = {}, .group = {}, .security = false}));

  // The global script_user and enable_script_security apply; the check's own user wins.
  const conf::Global global{.script_user = conf::ScriptUser{.user = "nobody", .group = "nogroup"},
                            .enable_script_security = true};
  EXPECT_EQ(to_check_spec(vs, rs, misc, global).misc_policy,
            (core::ScriptPolicy{.user = "nobody", .group = "nogroup", .security = true}));
  std::get<conf::MiscCheck>(misc.probe).user = conf::ScriptUser{.user = "www-data", .group = std::nullopt};
  EXPECT_EQ(to_check_spec(vs, rs, misc, global).misc_policy,
            (core::ScriptPolicy{.user = "www-data", .group = {}, .security = true}));
  EXPECT_NE(healthcheck::check_identity(to_check_spec(vs, rs, misc, global)),
            healthcheck::check_identity(to_check_spec(vs, rs, misc)));

  // PING_CHECK has no port: pings of one address are one check.
  const auto ping = to_check_spec(vs, rs, conf::Check{.probe = conf::PingCheck{}, .connect_port = 99});
  EXPECT_EQ(ping.kind, healthcheck::CheckKind::kPing);
  EXPECT_EQ(ping.port, 0);
  EXPECT_EQ(healthcheck::check_identity(ping),
            healthcheck::check_identity(to_check_spec(vs, rs, conf::Check{.probe = conf::PingCheck{}})));

  conf::UdpCheck udp{.payload = conf::HexPattern{.bytes = {1, 2}, .wildcard = {0, 0}}, .require_reply = true,
                     .reply = conf::HexPattern{.bytes = {1, 0}, .wildcard = {0, 0xff}}, .max_reply_length = 9};
  const auto u = to_check_spec(vs, rs, conf::Check{.probe = udp});
  EXPECT_EQ(u.kind, healthcheck::CheckKind::kUdp);
  EXPECT_EQ(u.udp_payload, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_TRUE(u.udp_require_reply);
  EXPECT_EQ(u.udp_reply_wildcard, (std::vector<std::uint8_t>{0, 0xff}));
  EXPECT_EQ(u.udp_max_reply_length, 9);
  udp.reply->wildcard[1] = 0x0f;
  EXPECT_NE(healthcheck::check_identity(to_check_spec(vs, rs, conf::Check{.probe = udp})),
            healthcheck::check_identity(u));

  const auto d = to_check_spec(vs, rs, conf::Check{.probe = conf::DnsCheck{.type = conf::DnsType::kMx, .name = "a."}});
  EXPECT_EQ(d.kind, healthcheck::CheckKind::kDns);
  EXPECT_EQ(d.dns_type, healthcheck::DnsType::kMx);
  EXPECT_EQ(d.dns_name, "a.");

  const auto smtp = to_check_spec(vs, rs, conf::Check{.probe = conf::SmtpCheck{.helo_name = "lb1.test"}});
  EXPECT_EQ(smtp.kind, healthcheck::CheckKind::kSmtp);
  EXPECT_EQ(smtp.smtp_helo_name, "lb1.test");
  EXPECT_FALSE(to_check_spec(vs, rs, conf::Check{.probe = conf::SmtpCheck{}}).smtp_helo_name.empty());  // the host name
}

TEST_F(HealthViewTest, GroupChecksEachRealServerOnceAndItsHealthDrivesEveryService) {
  conf::Config config;
  config.virtual_server_groups.push_back(conf::VirtualServerGroup{
      .name = "web",
      .members = {conf::VirtualServerGroupEntry{.address = ip("10.0.0.1"), .last = ip("10.0.0.3"), .port = 80},
                  conf::VirtualServerGroupEntry{.fwmark = 7}}});
  conf::VirtualServer vs = virtual_server({real_server("10.0.1.1", 2, {tcp_check(80)}),
                                           real_server("10.0.1.2", 1, {tcp_check(80)})});
  vs.address.reset();
  vs.port = 0;
  vs.group = "web";
  vs.quorum = 2;
  vs.sorry_server = conf::SorryServer{.address = ip("10.0.9.9")};
  config.virtual_servers = {vs};
  view_.set_config(config);
  // One check per real server, not one per service of the group.
  EXPECT_EQ(view_.check_count(), 2u);
  EXPECT_EQ(factory_calls_, 2);
  pass("10.0.1.1:80");
  pass("10.0.1.2:80");
  const director::IpvsTable up = view_.table();
  ASSERT_EQ(up.services.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(pool(i), (Pool{{"10.0.1.1:80", 2}, {"10.0.1.2:80", 1}})) << i;
  EXPECT_EQ(director::describe(up.services[3].service.key), "FWM 7");
  // One failure takes the real server out of every service; the quorum (2)
  // still holds with weight 2.
  fail("10.0.1.2:80");
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(pool(i), (Pool{{"10.0.1.1:80", 2}})) << i;
  // The quorum is the virtual server's: lost once, every service gets the sorry server.
  fail("10.0.1.1:80");
  EXPECT_FALSE(view_.quorum_met(0));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(pool(i), (Pool{{"10.0.9.9:80", 1}})) << i;
  EXPECT_EQ(pool(3), (Pool{{"10.0.9.9:0", 1}}));
  const auto status = view_.status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].virtual_server, "TCP group web");
  EXPECT_EQ(status[0].services,
            (std::vector<std::string>{"TCP 10.0.0.1:80", "TCP 10.0.0.2:80", "TCP 10.0.0.3:80", "FWM 7"}));

  // A reload that changes the group's members keeps the checks and their verdicts.
  config.virtual_server_groups[0].members.pop_back();
  const int calls = factory_calls_;
  view_.set_config(config);
  EXPECT_EQ(factory_calls_, calls);
  EXPECT_EQ(view_.table().services.size(), 3u);
  EXPECT_FALSE(view_.quorum_met(0));
}

TEST_F(HealthViewTest, NotifyUpAndDownRunOnCheckTransitionsOnly) {
  std::vector<std::vector<std::string>> ran;
  view_.set_script_runner(
      [&](const std::vector<std::string>& argv, const core::ScriptPolicy&) { ran.push_back(argv); });
  conf::RealServer rs = real_server("10.0.1.1", 1, {tcp_check(80)});
  rs.options.edit().notify_up = "/usr/local/bin/rs-notify 'web 1' UP";
  rs.options.edit().notify_down = "/usr/local/bin/rs-notify 'web 1' DOWN";
  conf::Config config = config_of({virtual_server({rs, real_server("10.0.1.2", 1, {tcp_check(80)})})});
  view_.set_config(config);
  EXPECT_TRUE(ran.empty());  // nothing at start
  fail("10.0.1.1:80");       // unknown -> down: it was never up
  EXPECT_TRUE(ran.empty());
  pass("10.0.1.1:80");
  pass("10.0.1.2:80");  // (no scripts)
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], (std::vector<std::string>{"/usr/local/bin/rs-notify", "web 1", "UP"}));
  pass("10.0.1.1:80");  // no transition, no script
  fail("10.0.1.1:80");
  ASSERT_EQ(ran.size(), 2u);
  EXPECT_EQ(ran[1].back(), "DOWN");
  view_.set_config(config);  // a reload runs none
  EXPECT_EQ(ran.size(), 2u);
}

// keepalived without `alpha` (start_up): the pool starts in, with its quorum
// up; nothing runs while the checks confirm it.
TEST_F(HealthViewTest, QuorumUpAndDownRunWhenChecksChangeTheQuorum) {
  std::vector<std::vector<std::string>> ran;
  view_.set_script_runner(
      [&](const std::vector<std::string>& argv, const core::ScriptPolicy&) { ran.push_back(argv); });
  conf::VirtualServer vs = virtual_server({real_server("10.0.1.1", 2, {tcp_check(80)}),
                                           real_server("10.0.1.2", 2, {tcp_check(80)}),
                                           real_server("10.0.1.3", 2, {tcp_check(80)})});
  vs.start_up = true;
  vs.quorum = 4;
  vs.hysteresis = 1;
  vs.quorum_up = "/usr/local/bin/vs-quorum 'web pool' UP";
  vs.quorum_down = "/usr/local/bin/vs-quorum 'web pool' DOWN";
  const conf::Config config = config_of({vs});
  view_.set_config(config);
  EXPECT_TRUE(ran.empty());
  pass("10.0.1.1:80");
  pass("10.0.1.2:80");
  pass("10.0.1.3:80");
  EXPECT_TRUE(ran.empty());
  fail("10.0.1.1:80");  // live 4: not below 4 - 1
  EXPECT_TRUE(ran.empty());
  fail("10.0.1.2:80");  // live 2 < 3: lost
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], (std::vector<std::string>{"/usr/local/bin/vs-quorum", "web pool", "DOWN"}));
  fail("10.0.1.2:80");  // still lost: nothing more
  EXPECT_EQ(ran.size(), 1u);
  pass("10.0.1.1:80");  // live 4 < 4 + 1: not regained yet (hysteresis)
  EXPECT_EQ(ran.size(), 1u);
  view_.set_config(config);  // a reload runs none and keeps what was reported
  EXPECT_EQ(ran.size(), 1u);
  pass("10.0.1.2:80");  // live 6: regained
  ASSERT_EQ(ran.size(), 2u);
  EXPECT_EQ(ran[1].back(), "UP");
}

// keepalived with `alpha` (lvsd's default): the pool starts without its
// quorum; quorum_up runs when the first passing checks reach it, and a pool
// that never does runs nothing.
TEST_F(HealthViewTest, WithoutStartUpTheFirstQuorumRunsQuorumUp) {
  std::vector<std::vector<std::string>> ran;
  view_.set_script_runner(
      [&](const std::vector<std::string>& argv, const core::ScriptPolicy&) { ran.push_back(argv); });
  conf::VirtualServer vs =
      virtual_server({real_server("10.0.1.1", 1, {tcp_check(80)}), real_server("10.0.1.2", 1, {tcp_check(80)})});
  vs.quorum = 2;
  vs.quorum_up = "/bin/quorum-up";
  vs.quorum_down = "/bin/quorum-down";
  conf::VirtualServer never = vs;
  never.port = 443;
  for (auto& rs : never.real_servers) rs.checks = {tcp_check(443)};
  view_.set_config(config_of({vs, never}));
  fail("10.0.1.1:443");
  fail("10.0.1.2:443");  // never had its quorum: nothing to report
  pass("10.0.1.1:80");
  EXPECT_TRUE(ran.empty());
  pass("10.0.1.2:80");  // live 2: reached
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], (std::vector<std::string>{"/bin/quorum-up"}));
}

TEST_F(HealthViewTest, OmegaRunsNotifyDownOfUpServersAndQuorumDownAtStop) {
  std::vector<std::vector<std::string>> ran;
  view_.set_script_runner(
      [&](const std::vector<std::string>& argv, const core::ScriptPolicy&) { ran.push_back(argv); });
  auto with_notify = [](const char* address) {
    conf::RealServer rs = real_server(address, 1, {tcp_check(80)});
    rs.options.edit().notify_down = std::string("/bin/rs-down ") + address;
    return rs;
  };
  conf::VirtualServer omega = virtual_server({with_notify("10.0.1.1"), with_notify("10.0.1.2")});
  omega.omega = true;
  omega.quorum_down = "/bin/quorum-down web";
  conf::VirtualServer plain = virtual_server({with_notify("10.0.2.1")});
  plain.port = 443;
  plain.quorum_down = "/bin/quorum-down tls";
  view_.set_config(config_of({omega, plain}));
  pass("10.0.1.1:80");
  fail("10.0.1.2:80");
  pass("10.0.2.1:80");
  ASSERT_TRUE(ran.empty());
  EXPECT_EQ(view_.run_stop_scripts(), 2u);
  // Only the omega virtual server; only its real server that is up; its quorum_down although the quorum holds.
  EXPECT_EQ(ran, (std::vector<std::vector<std::string>>{{"/bin/rs-down", "10.0.1.1"}, {"/bin/quorum-down", "web"}}));
}

// The lvs notify FIFO lines (keepalived's format): RS lines where notify_up /
// notify_down would run (with or without scripts), VS lines when the quorum
// is reached or lost.
TEST_F(HealthViewTest, LvsFifoLinesFollowRealServersAndTheQuorum) {
  std::vector<std::string> lines;
  view_.set_fifo_writer([&](std::string_view line) { lines.emplace_back(line); });
  conf::Config config = config_of({virtual_server({real_server("10.0.1.1", 1, {tcp_check(80)}),
                                                   real_server("10.0.1.2", 1, {tcp_check(80)})})});
  view_.set_config(config);
  EXPECT_TRUE(lines.empty());  // nothing at start
  fail("10.0.1.1:80");         // unknown -> down: it was never up
  EXPECT_TRUE(lines.empty());
  pass("10.0.1.1:80");
  pass("10.0.1.2:80");
  fail("10.0.1.1:80");
  fail("10.0.1.2:80");
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "RS [10.0.1.1]:tcp:80 [10.0.0.100]:tcp:80 UP\n",
                       "VS [10.0.0.100]:tcp:80 UP\n",
                       "RS [10.0.1.2]:tcp:80 [10.0.0.100]:tcp:80 UP\n",
                       "RS [10.0.1.1]:tcp:80 [10.0.0.100]:tcp:80 DOWN\n",
                       "RS [10.0.1.2]:tcp:80 [10.0.0.100]:tcp:80 DOWN\n",
                       "VS [10.0.0.100]:tcp:80 DOWN\n",
                   }));
}

}  // namespace
}  // namespace lvsd::daemon

namespace lvsd::daemon {
namespace {

using namespace test_support;

// keepalived's alpha per check and per real server (keepalived without the
// virtual server's alpha, start_up): a check with alpha starts down, so its
// real server stays out of the pool until that check passes, whatever its
// other checks say; real servers without alpha are in at once, not ramped.
TEST_F(HealthViewTest, AnAlphaCheckKeepsItsRealServerOutUntilItPasses) {
  conf::Check alpha_check = tcp_check(81);
  alpha_check.alpha = true;
  conf::RealServer alpha_rs = real_server("10.0.1.2", 5, {tcp_check(80)});
  alpha_rs.options.edit().alpha = true;
  conf::VirtualServer vs = virtual_server({real_server("10.0.1.1", 3, {tcp_check(80), alpha_check}), alpha_rs,
                                           real_server("10.0.1.3", 4, {tcp_check(80)})});
  vs.start_up = true;
  view_.set_config(config_of({vs}));
  EXPECT_EQ(pool(), (Pool{{"10.0.1.3:80", 4}}));
  pass("10.0.1.1:80");  // its other check: still out
  EXPECT_EQ(pool(), (Pool{{"10.0.1.3:80", 4}}));
  pass("10.0.1.1:81");
  pass("10.0.1.2:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.1.1:80", 3}, {"10.0.1.2:80", 5}, {"10.0.1.3:80", 4}}));
  // keepalived 2.2.7 (measured): a check's `alpha no` does not put its real
  // server in the pool at start when the virtual server has alpha.
  conf::Check no_alpha = tcp_check(82);
  no_alpha.alpha = false;
  conf::VirtualServer alpha_vs = virtual_server({real_server("10.0.2.1", 2, {no_alpha})});
  alpha_vs.address = ip("10.0.0.101");
  alpha_vs.start_up = false;
  view_.set_config(config_of({vs, alpha_vs}));
  EXPECT_TRUE(pool(1).empty());
  pass("10.0.2.1:82");
  EXPECT_EQ(pool(1), (Pool{{"10.0.2.1:80", 2}}));
}

TEST(HealthViewSpec, SocketOptionsWarmupHttpProtocolSniAndRegexReachTheCheckSpec) {
  conf::VirtualServer vs{.address = ip("10.0.0.100"), .port = 443, .delay_loop = seconds(7),
                         .warmup = seconds(3), .virtualhost = "vs.example"};
  conf::RealServer rs{.address = ip("10.0.0.11"), .port = 0, .options = conf::RealServerOptions{.virtualhost = "rs.example"}};
  conf::Check check{.probe = conf::HttpCheck{.tls = true,
                                             .url = {conf::UrlCheck{.path = "/a", .virtualhost = "url.example",
                                                                    .regex = "ok", .regex_no_match = true,
                                                                    .regex_options = {"caseless"},
                                                                    .regex_min_offset = 2, .regex_max_offset = 9},
                                                     conf::UrlCheck{.path = "/b"}},
                                             .http_protocol = conf::HttpProtocol::k1_0C,
                                             .enable_sni = true},
                    .bindto = ip("10.0.0.1"), .bind_port = 40000, .bind_if = "eth1", .fwmark = 7};
  healthcheck::CheckSpec spec = to_check_spec(vs, rs, check);
  EXPECT_EQ(spec.bind_address, "10.0.0.1");
  EXPECT_EQ(spec.bind_port, 40000);
  EXPECT_EQ(spec.bind_interface, "eth1");
  EXPECT_EQ(spec.fwmark, 7u);
  EXPECT_EQ(spec.warmup, std::optional<core::Duration>(seconds(3)));
  EXPECT_EQ(spec.http_version, healthcheck::HttpVersion::k1_0_close);
  EXPECT_EQ(spec.virtualhost, "rs.example");  // Host: the real server's before the virtual server's
  EXPECT_EQ(spec.tls_sni, "vs.example");      // SNI: keepalived 2.2.7 skips the real server's
  ASSERT_EQ(spec.urls.size(), 2u);
  EXPECT_EQ(spec.urls[0].host, "url.example");
  EXPECT_EQ(spec.urls[0].tls_sni, "url.example");
  EXPECT_EQ(spec.urls[0].regex, std::optional<std::string>("ok"));
  EXPECT_TRUE(spec.urls[0].regex_no_match);
  EXPECT_EQ(spec.urls[0].regex_options, (std::vector<std::string>{"caseless"}));
  EXPECT_EQ(spec.urls[0].regex_min_offset, 2u);
  EXPECT_EQ(spec.urls[0].regex_max_offset, std::optional<std::size_t>(9));
  EXPECT_EQ(spec.urls[1].host, "");
  EXPECT_FALSE(spec.urls[1].regex);
  // Without enable_sni: no server name at all.
  std::get<conf::HttpCheck>(check.probe).enable_sni = false;
  spec = to_check_spec(vs, rs, check);
  EXPECT_EQ(spec.tls_sni, "");
  EXPECT_EQ(spec.urls[0].tls_sni, "");
  // Unset warmup everywhere: the scheduler uses delay_loop.
  vs.warmup.reset();
  EXPECT_EQ(to_check_spec(vs, rs, check).warmup, std::optional<core::Duration>(seconds(7)));
}

}  // namespace
}  // namespace lvsd::daemon
