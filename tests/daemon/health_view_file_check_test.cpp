// HealthView with FILE_CHECKs: a track_file's number moves a real server's
// weight or takes it out (keepalived 2.2.7's rules, healthcheck/file_check),
// alongside its other checks, its quorum and inhibit_on_failure.
#include <gtest/gtest.h>

#include "tests/daemon/health_view_fixture.hpp"

namespace lvsd::daemon {
namespace {

using namespace test_support;

conf::RealServer filed(const char* address, std::uint32_t weight, std::vector<conf::TrackScript> files,
                       std::vector<conf::Check> checks = {}) {
  conf::RealServer rs = real_server(address, weight, std::move(checks));
  rs.options.edit().file_checks = std::move(files);
  return rs;
}

conf::Config with_files(conf::Config config, std::vector<conf::TrackFile> files) {
  config.track_files = std::move(files);
  return config;
}

const conf::TrackFile kLoad{.name = "load", .file = "/run/lvsd-test/load"};  // weight 1
const conf::TrackFile kDrain{.name = "drain", .file = "/run/lvsd-test/drain", .weight = 0};

TEST_F(HealthViewTest, FileCheckAddsTheNumberTimesTheWeight) {
  view_.set_config(with_files(config_of({virtual_server({filed("10.0.0.11", 10, {{.name = "load"}})})}), {kLoad}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 10}}));  // the file holds 0: in the pool at once
  view_.set_file_value("load", 5);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 15}}));
  EXPECT_EQ(changes_, 1);
  view_.set_file_value("load", -20);  // 10 - 20: held at 0, still in the table
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 0}}));
  view_.set_file_value("other", 7);  // a file no real server names changes nothing
  EXPECT_EQ(changes_, 2);
  const auto status = view_.status();
  ASSERT_TRUE(status[0].real_servers[0].last_check);
  EXPECT_EQ(status[0].real_servers[0].last_check->check, "FILE_CHECK");
  EXPECT_EQ(status[0].real_servers[0].last_check->reason, "track_file load holds -20");
}

TEST_F(HealthViewTest, FileCheckOwnWeightAndReverseReplaceTheFiles) {
  view_.set_config(with_files(
      config_of({virtual_server({filed("10.0.0.11", 10, {{.name = "load", .weight = 2, .reverse = true}})})}),
      {conf::TrackFile{.name = "load", .file = "/x/load", .weight = 5}}));
  view_.set_file_value("load", 3);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 4}}));
}

TEST_F(HealthViewTest, FileCheckWithWeightZeroTakesTheServerOutAndBack) {
  LogCapture log;
  view_.set_config(with_files(config_of({virtual_server({filed("10.0.0.11", 10, {{.name = "drain"}}),
                                                         real_server("10.0.0.12", 10, {})})}),
                              {kDrain}));
  view_.set_file_value("drain", 1);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.12:80", 10}}));
  EXPECT_EQ(lines_with(log.text(), "down (FILE_CHECK: track_file drain holds 1; was up)").size(), 1u) << log.text();
  EXPECT_EQ(view_.counters().transitions_down, 1u);
  view_.set_file_value("drain", 0);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 10}, {"10.0.0.12:80", 10}}));
}

TEST_F(HealthViewTest, FileCheckDownWithInhibitOnFailureStaysAtWeightZero) {
  conf::RealServer rs = filed("10.0.0.11", 10, {{.name = "drain"}});
  rs.options.edit().inhibit_on_failure = true;
  view_.set_config(with_files(config_of({virtual_server({rs})}), {kDrain}));
  view_.set_file_value("drain", 3);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 0}}));
}

TEST_F(HealthViewTest, FileCheckValueKnownBeforeTheConfigurationCounts) {
  view_.set_file_value("drain", 1);  // the daemon reads the files first
  view_.set_file_value("load", 4);
  view_.set_config(with_files(config_of({virtual_server({filed("10.0.0.11", 10, {{.name = "drain"}}),
                                                         filed("10.0.0.12", 10, {{.name = "load"}})})}),
                              {kDrain, kLoad}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.12:80", 14}}));
}

TEST_F(HealthViewTest, EveryCheckMustPassWithAFileCheck) {
  view_.set_config(
      with_files(config_of({virtual_server({filed("10.0.0.11", 10, {{.name = "load"}}, {tcp_check(80)})})}), {kLoad}));
  view_.set_file_value("load", 5);
  EXPECT_EQ(pool(), Pool{});  // TCP_CHECK has no verdict yet
  fail("10.0.0.11:80");
  EXPECT_EQ(pool(), Pool{});
  pass("10.0.0.11:80");
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 15}}));  // the file's weight followed while down
  view_.set_config(with_files(
      config_of({virtual_server({filed("10.0.0.11", 10, {{.name = "drain"}, {.name = "load"}}, {tcp_check(80)})})}),
      {kDrain, kLoad}));
  view_.set_file_value("drain", 1);
  EXPECT_EQ(pool(), Pool{});
}

TEST_F(HealthViewTest, FileCheckWeightCountsTowardsTheQuorum) {
  conf::VirtualServer vs = virtual_server({filed("10.0.0.11", 10, {{.name = "load"}})});
  vs.quorum = 10;
  vs.sorry_server = conf::SorryServer{.address = ip("10.0.0.200"), .port = 0};
  view_.set_config(with_files(config_of({vs}), {kLoad}));
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 10}}));
  view_.set_file_value("load", -8);  // weight 2 < quorum 10: the sorry server
  EXPECT_EQ(pool(), (Pool{{"10.0.0.200:80", 1}}));
  view_.set_file_value("load", 0);
  EXPECT_EQ(pool(), (Pool{{"10.0.0.11:80", 10}}));
}

}  // namespace
}  // namespace lvsd::daemon
