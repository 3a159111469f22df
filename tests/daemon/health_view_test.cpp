// HealthView driven by FakeScheduler and checkers the test completes by hand:
// no sockets, no sleeping.
#include "daemon/health_view.hpp"
#include "daemon/desired_state.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/fake_scheduler.hpp"
#include "core/log.hpp"

namespace lvsd::daemon {
namespace {

using healthcheck::CheckResult;
using std::chrono::milliseconds;
using std::chrono::seconds;

conf::IpAddress ip(const char* text) { return *conf::IpAddress::parse(text); }

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
      out[director::describe_endpoint(d.address, d.port)] = d.weight;
    return out;
  }
};

using Pool = std::map<std::string, int>;

// Copies what the process logger prints while it lives (message text only).
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)) {
    sink_->set_pattern("%v");
    core::log::get()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = core::log::get()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

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
  EXPECT_EQ(m.misc_argv, (std::vector<std::string>{"/bin/sh", "-c", "/usr/local/bin/check --deep 'a b'"}));
  EXPECT_EQ(m.misc_timeout, seconds(4));
  EXPECT_TRUE(m.misc_dynamic);
}

}  // namespace
}  // namespace lvsd::daemon
