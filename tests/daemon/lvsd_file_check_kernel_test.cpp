// kernel tier: lvsd with keepalived's FILE_CHECK. Writing a track_file moves
// the real server's weight in IPVS (ipvsadm -Ln), a weight-0 file takes it
// out and brings it back, and `lvsctl status` shows the check. Nothing is
// probed, so the director needs no real server behind it.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
const std::string kLvsd = LVSD_BINARY;

class LvsdFileCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    dir_ = "/run/tmp/" + director_->netns();
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
  }
  void TearDown() override {
    lvsd_.reset();
    run_command("rm -rf " + dir_);
  }
  std::string ipvsadm() { return director_->run("ipvsadm -Ln").output; }
  // The weight ipvsadm shows for `dest`, or -1 when it is not in the table.
  int weight(const std::string& dest) {
    std::smatch m;
    const std::string table = ipvsadm();
    const std::regex line("-> " + std::regex_replace(dest, std::regex("\\."), "\\.") + " +\\w+ +(\\d+)");
    return std::regex_search(table, m, line) ? std::stoi(m[1]) : -1;
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name + ".tmp") << text << "\n";
    ASSERT_EQ(std::rename((dir_ + "/" + name + ".tmp").c_str(), (dir_ + "/" + name).c_str()), 0);
  }

  Topology topo_;
  Host* director_ = nullptr;
  std::string dir_;
  std::unique_ptr<Process> lvsd_;
};

TEST_F(LvsdFileCheck, TheFileMovesTheWeightAndTakesTheServerOut) {
  write("load", "0");
  std::ofstream(dir_ + "/lvsd.yaml")
      << "global: {control_socket: " << dir_ << "/lvsd.sock}\n"
      << "track_files:\n"
         "  - {name: load, file: " << dir_ << "/load}\n"
         "  - {name: drain, file: " << dir_ << "/drain, weight: 0}\n"
         "virtual_servers:\n"
         "  - address: 10.0.0.100\n    port: 80\n    lb_algo: rr\n    lb_kind: DR\n"
         "    real_servers:\n"
         "      - address: 10.0.1.1\n        weight: 10\n"
         "        FILE_CHECK: [{track_file: load}, {track_file: drain}]\n"
         "      - address: 10.0.1.2\n        weight: 10\n"
         "        FILE_CHECK: {track_file: load, weight: 2, reverse: true}\n";
  lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/lvsd.yaml --state-file " + dir_ + "/owned");
  ASSERT_TRUE(wait_until([&] { return weight("10.0.1.1:80") == 10 && weight("10.0.1.2:80") == 10; }, 20s, 100ms))
      << ipvsadm() << lvsd_->output();

  write("load", "3");  // 10 + 3, and 10 - 2 x 3
  EXPECT_TRUE(wait_until([&] { return weight("10.0.1.1:80") == 13 && weight("10.0.1.2:80") == 4; }, 5s, 50ms))
      << ipvsadm() << lvsd_->output();
  write("load", "-20");  // held at 0, still in the table; the other gets 50
  EXPECT_TRUE(wait_until([&] { return weight("10.0.1.1:80") == 0 && weight("10.0.1.2:80") == 50; }, 5s, 50ms))
      << ipvsadm() << lvsd_->output();
  write("load", "3");
  ASSERT_TRUE(wait_until([&] { return weight("10.0.1.1:80") == 13; }, 5s, 50ms)) << ipvsadm() << lvsd_->output();
  write("drain", "1");  // weight 0: any number but 0 takes it out
  EXPECT_TRUE(wait_until([&] { return weight("10.0.1.1:80") == -1 && weight("10.0.1.2:80") == 4; }, 5s, 50ms))
      << ipvsadm() << lvsd_->output();
  EXPECT_NE(lvsd_->output().find("-> 10.0.1.1:80: down (FILE_CHECK: track_file drain holds 1; was up)"),
            std::string::npos)
      << lvsd_->output();
  const std::string status =
      director_->run(std::string(LVSD_LVSCTL) + " --socket " + dir_ + "/lvsd.sock status 2>&1").output;
  EXPECT_NE(status.find("FILE_CHECK track_file drain holds 1"), std::string::npos) << status;
  ASSERT_EQ(run_command("rm " + dir_ + "/drain").exit_code, 0);  // a missing file holds 0: back
  EXPECT_TRUE(wait_until([&] { return weight("10.0.1.1:80") == 13; }, 5s, 50ms)) << ipvsadm() << lvsd_->output();
}

}  // namespace
}  // namespace lvsd::test
