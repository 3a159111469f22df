// TrackFiles on the loop: the VRRP instances' and the real servers' files
// are read and followed through the loop's one DirectoryWatch, so a file both
// use is watched once, and a change reaches both listeners.
#include "daemon/track_files.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/directory_watch.hpp"
#include "core/event_loop.hpp"

namespace lvsd::daemon {
namespace {

class TrackFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/lvsd-track-files-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    // As a tool would: a new file renamed over the old one.
    std::ofstream(dir_ + "/." + name) << text;
    std::filesystem::rename(dir_ + "/." + name, dir_ + "/" + name);
  }
  // Runs the loop until `done` or 2 s.
  template <typename Done>
  void run_until(Done done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done() && std::chrono::steady_clock::now() < until) loop_.run_once(false);
  }
  conf::Config config() const {
    conf::Config c;
    c.track_files = {{.name = "load", .file = dir_ + "/load"}, {.name = "vrrp_only", .file = dir_ + "/other"}};
    c.vrrp_instances = {conf::VrrpInstance{.name = "VI_1", .track_file = {{.name = "load"}, {.name = "vrrp_only"}}}};
    conf::RealServer rs{.address = *core::IpAddress::parse("10.0.0.11"), .port = 80};
    rs.options.edit().file_checks = {{.name = "load"}};
    c.virtual_servers = {conf::VirtualServer{.address = *core::IpAddress::parse("10.0.0.100"), .port = 80,
                                             .real_servers = {rs}}};
    return c;
  }

  std::string dir_;
  core::EventLoop loop_;
};

TEST_F(TrackFilesTest, VrrpAndRealServersShareOneWatchAndBothHearAChange) {
  write("load", "3\n");
  std::map<std::string, long> vrrp_heard, rs_heard;
  TrackFiles vrrp(loop_, [&](const std::string& n, long v) { vrrp_heard[n] = v; });
  TrackFiles real_servers(loop_, [&](const std::string& n, long v) { rs_heard[n] = v; },
                          TrackFiles::Users::kRealServers);
  vrrp.apply(config());
  real_servers.apply(config());
  EXPECT_EQ(vrrp.value("load"), 3);
  EXPECT_EQ(real_servers.value("load"), 3);
  EXPECT_EQ(real_servers.value("vrrp_only"), 0);  // not one of the real servers' files
  EXPECT_EQ(loop_.directory_watch().directories(), 1u);

  write("load", "7\n");
  run_until([&] { return vrrp_heard["load"] == 7 && rs_heard["load"] == 7; });
  EXPECT_EQ(vrrp_heard["load"], 7);
  EXPECT_EQ(rs_heard["load"], 7);

  std::filesystem::remove(dir_ + "/load");  // a missing file holds 0
  run_until([&] { return rs_heard["load"] == 0; });
  EXPECT_EQ(rs_heard["load"], 0);
  EXPECT_FALSE(rs_heard.contains("vrrp_only"));
}

TEST_F(TrackFilesTest, TheWatchGoesWithItsLastFollower) {
  {
    TrackFiles real_servers(loop_, [](const std::string&, long) {}, TrackFiles::Users::kRealServers);
    real_servers.apply(config());
    EXPECT_EQ(loop_.directory_watch().directories(), 1u);
    real_servers.apply(conf::Config{});  // a reload without FILE_CHECKs
    EXPECT_EQ(loop_.directory_watch().directories(), 0u);
    real_servers.apply(config());
  }
  EXPECT_EQ(loop_.directory_watch().directories(), 0u);
}

}  // namespace
}  // namespace lvsd::daemon
