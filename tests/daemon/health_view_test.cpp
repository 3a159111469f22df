// HealthView driven by FakeScheduler and checkers the test completes by hand:
// no sockets, no sleeping.
#include "daemon/health_view.hpp"
#include "daemon/desired_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/fake_scheduler.hpp"
#include "core/log.hpp"

namespace lvsd::daemon {
namespace {

using healthcheck::CheckResult;
using std::chrono::milliseconds;
using std::chrono::seconds;

core::IpAddress ip(const char* text) { return *core::IpAddress::parse(text); }

// A TCP check on `port` that goes down on the first failed attempt.
conf::Check tcp_check(std::uint16_t port) {
  return conf::Check{.probe = conf::TcpCheck{}, .connect_port = port, .retry = 0, .delay_loop = seconds(60)};
}

conf::Check misc_check(std::uint16_t port, bool dynamic) {
  return conf::Check{.probe = conf::MiscCheck{.misc_path = "/bin/true", .misc_dynamic = dynamic},
                     .connect_port = port, .retry = 0, .delay_loop = seconds(60)};
}

conf::RealServer real_server(const char* address, std::uint32_t weight, std::vector<conf::Check> checks) {
  return conf::RealServer{.address = ip(address), .port = 80, .weight = weight, .checks = std::move(checks)};
}

conf::VirtualServer virtual_server(std::vector<conf::RealServer> real_servers) {
  return conf::VirtualServer{.address = ip("10.0.0.100"), .port = 80, .lb_kind = conf::ForwardingMethod::kDr,
                             .real_servers = std::move(real_servers)};
}

conf::Config config_of(std::vector<conf::VirtualServer> virtual_servers) {
  return conf::Config{.virtual_servers = std::move(virtual_servers)};
}

// Probes wait in `pending` (by "address:port") until the test completes them.
using Pending = std::map<std::string, healthcheck::Checker::Done>;

class ManualChecker final : public healthcheck::Checker {
 public:
  ManualChecker(Pending& pending, std::string key) : pending_(pending), key_(std::move(key)) {}
  ~ManualChecker() override { cancel(); }
  void start(Done done) override { pending_[key_] = std::move(done); }
  void cancel() override { pending_.erase(key_); }

 private:
  Pending& pending_;
  std::string key_;
};

class HealthViewTest : public ::testing::Test {
 protected:
  core::FakeScheduler clock_;
  Pending pending_;
  int factory_calls_ = 0;
  healthcheck::CheckScheduler checks_{clock_,
                                      [this](const healthcheck::CheckSpec& spec) {
                                        ++factory_calls_;
                                        return std::make_unique<ManualChecker>(
                                            pending_, spec.address + ":" + std::to_string(spec.port));
                                      },
                                      [](core::Duration) { return core::Duration::zero(); }};
  int changes_ = 0;
  HealthView view_{clock_, checks_, [this] { ++changes_; }};

  // Lets time run until the probe of `key` has started, then completes it.
  void probe(const std::string& key, CheckResult result) {
    for (int i = 0; i < 1000 && !pending_.contains(key); ++i) {
      if (clock_.next_deadline() > clock_.now()) {
        ASSERT_TRUE(clock_.run_next()) << "no probe of " << key << " will ever start";
      } else {
        clock_.advance(core::Duration::zero());
      }
    }
    ASSERT_TRUE(pending_.contains(key)) << key;
    auto done = std::move(pending_[key]);
    pending_.erase(key);
    done(std::move(result));
  }
  void pass(const std::string& key) { probe(key, CheckResult{.up = true, .reason = "connected"}); }
  void fail(const std::string& key, std::string reason = "connection refused") {
    probe(key, CheckResult{.up = false, .reason = std::move(reason)});
  }

  // "address:port" -> weight of every destination of service `index`.
  std::map<std::string, int> pool(std::size_t index = 0) const {
    std::map<std::string, int> out;
    const director::IpvsTable table = view_.table();
    if (index >= table.services.size()) return out;
    for (const auto& d : table.services[index].destinations)
      out[core::endpoint_text(d.address, d.port)] = d.weight;
    return out;
  }
};

using Pool = std::map<std::string, int>;

// Copies what the process logger prints at info and above while it lives
// (message text only). The logger itself runs at debug meanwhile, so a debug
// line that would duplicate an info line is seen not to reach the capture.
class LogCapture {
 public:
  LogCapture() : previous_level_(core::log::get()->level()) { core::log::get()->set_level(core::log::Level::debug); }
  ~LogCapture() { core::log::get()->set_level(previous_level_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const { return capture_.text(); }

 private:
  core::log::Capture capture_{core::log::Level::info};
  core::log::Level previous_level_;
};

// The lines of `text` that contain `needle`.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

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
  own.inhibit_on_failure = true;
  conf::RealServer inherits = real_server("10.0.0.12", 4, {tcp_check(80)});
  conf::RealServer overrides = real_server("10.0.0.13", 5, {tcp_check(80)});
  overrides.inhibit_on_failure = false;
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
  rs.slow_start = seconds(10);
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

// ---------------------------------------------------------------- start_up

TEST_F(HealthViewTest, StartUpRealServersAreInThePoolAtOnceAndLeaveAfterFallFailures) {
  LogCapture log;
  conf::Check check = tcp_check(80);
  check.fall = 2;
  conf::RealServer rs = real_server("10.0.0.11", 3, {check});
  rs.slow_start = seconds(10);  // start_up servers are assumed serving: no ramp at start
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

TEST(ToCheckSpec, DefaultsComeFromTheRealAndVirtualServer) {
  conf::VirtualServer vs{.address = ip("10.0.0.100"), .port = 8080, .delay_loop = seconds(7),
                         .virtualhost = "www.example.test"};
  conf::RealServer rs{.address = ip("10.0.0.11"), .port = 0};
  conf::Check check{.probe = conf::HttpCheck{.tls = true,
                                             .url = {conf::UrlCheck{.path = "/health",
                                                                    .status_code = {.low = 200, .high = 399},
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
  ASSERT_EQ(spec.urls.size(), 1u);
  EXPECT_EQ(spec.urls[0].path, "/health");
  EXPECT_EQ(spec.urls[0].status.high, 399);
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
}

}  // namespace
}  // namespace lvsd::daemon
