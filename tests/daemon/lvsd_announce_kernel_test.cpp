// kernel tier: scale-out announcements of one director, as the routing
// daemon sees them (the kernel routing table it imports): announced once a
// real server passed its check, withdrawn when the pool empties, on
// drain-node, on stop; kept across a hitless restart; removed by
// `lvsd --cleanup` after kill -9. Traffic to the VIP is delivered to IPVS by
// lvsd's local route alone (no address on any interface). The whole ECMP
// topology with FRR is tests/scaleout.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
const std::string kLvsd = LVSD_BINARY;
const std::string kLvsctl = LVSD_LVSCTL;

class LvsdAnnounce : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = &topo_.add_host("client", "10.0.0.1/24");
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    rs_ = &topo_.add_host("rs1", "10.0.0.11/24");
    dir_ = "/run/tmp/" + director_->netns();
    ASSERT_EQ(run_command("mkdir -p " + dir_ + " /run/tmp/" + rs_->netns()).exit_code, 0);
    // The client reaches the VIP through the director, as the router would
    // once it learnt the announcement.
    ASSERT_EQ(client_->run("ip route add 10.0.0.100/32 via 10.0.0.2").exit_code, 0);
    ASSERT_EQ(rs_->run("ip addr add 10.0.0.100/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 "
                       "net.ipv4.conf.all.arp_announce=2 && echo rs1 > /run/tmp/" + rs_->netns() + "/index.html")
                  .exit_code,
              0);
    start_httpd();
    std::ofstream(dir_ + "/lvsd.yaml")
        << "global:\n  control_socket: " << dir_ << "/lvsd.sock\n  sloppy_tcp: true\n"
        << "  announce: {table: 200, drain_grace: 2s}\n"
           "virtual_servers:\n"
           "  - { address: 10.0.0.100, port: 80, lb_algo: mh, scheduler_flags: [mh-port], lb_kind: DR,\n"
           "      delay_loop: 1s, announce: true, real_servers: [\n"
           "      { address: 10.0.0.11, port: 80, TCP_CHECK: { connect_timeout: 1s, retry: 0 } } ] }\n";
  }
  void TearDown() override {
    lvsd_.reset();
    run_command("rm -rf " + dir_);
  }
  void start_httpd() {
    httpd_ = rs_->spawn("busybox httpd -f -p 80 -h /run/tmp/" + rs_->netns());
    ASSERT_TRUE(wait_until([&] { return rs_->run("curl -s -m 1 http://10.0.0.11/").exit_code == 0; }, 5s));
  }
  void start_lvsd() {
    lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/lvsd.yaml --state-file " + dir_ + "/owned");
  }
  std::string lvsctl(const std::string& args) {
    return director_->run(kLvsctl + " --socket " + dir_ + "/lvsd.sock " + args).output;
  }
  // What a routing daemon importing table 200 would announce.
  bool announced() { return director_->run("ip -o route show table 200 proto 250").output.find("10.0.0.100 dev lo") != std::string::npos; }
  bool local_route() {
    return director_->run("ip -o route show table local type local proto 250").output.find("10.0.0.100") !=
           std::string::npos;
  }
  bool served() { return client_->run("curl -s -m 2 http://10.0.0.100/").output == "rs1\n"; }

  Topology topo_;
  Host* client_ = nullptr;
  Host* director_ = nullptr;
  Host* rs_ = nullptr;
  std::string dir_;
  std::unique_ptr<Process> lvsd_, httpd_;
};

TEST_F(LvsdAnnounce, FollowsHealthDrainAndStop) {
  start_lvsd();
  ASSERT_TRUE(wait_until([&] { return announced(); }, 15s)) << lvsd_->output();
  EXPECT_TRUE(local_route());
  EXPECT_EQ(director_->run("ip -o addr show | grep -c 10.0.0.100").output, "0\n");  // on no interface
  EXPECT_TRUE(served());
  EXPECT_EQ(director_->run("cat /proc/sys/net/ipv4/vs/sloppy_tcp").output, "1\n");
  const std::string status = lvsctl("status");
  EXPECT_NE(status.find("ANNOUNCEMENTS (routing table 200)  node: in service"), std::string::npos) << status;
  EXPECT_NE(status.find("announced"), std::string::npos) << status;

  // The pool empties: withdrawn, but still forwarded (the local route stays).
  httpd_->kill_and_wait();
  ASSERT_TRUE(wait_until([&] { return !announced(); }, 10s)) << lvsd_->output();
  EXPECT_TRUE(local_route());
  EXPECT_NE(lvsctl("status").find("no quorum"), std::string::npos);
  start_httpd();
  ASSERT_TRUE(wait_until([&] { return announced(); }, 10s)) << lvsd_->output();

  // drain-node withdraws; forwarding goes on; undrain-node announces again.
  EXPECT_EQ(lvsctl("drain-node"),
            "drain-node: every announcement withdrawn; forwarding goes on for what still arrives\n");
  EXPECT_FALSE(announced());
  EXPECT_TRUE(served());
  EXPECT_NE(lvsctl("status").find("node: DRAINED"), std::string::npos);
  EXPECT_EQ(lvsctl("undrain-node"), "undrain-node: announcing again\n");
  EXPECT_TRUE(announced());

  // A hitless restart keeps the announcement throughout.
  std::unique_ptr<Process> watch = director_->spawn(
      "for i in $(seq 1 300); do ip -o route show table 200 proto 250 | grep -q 10.0.0.100 || echo GONE; "
      "sleep 0.02; done; echo DONE");
  EXPECT_NE(lvsctl("restart").find("restart: lvsd re-executed itself"), std::string::npos);
  ASSERT_TRUE(wait_until([&] { return watch->output().find("DONE") != std::string::npos; }, 30s));
  EXPECT_EQ(watch->output().find("GONE"), std::string::npos) << "withdrawn during the restart";

  // drain-node --stop: withdrawn at once, forwarding for drain_grace (2 s), then lvsd exits and removes the rest.
  EXPECT_NE(lvsctl("drain-node --stop").find("lvsd stops after its drain_grace"), std::string::npos);
  EXPECT_FALSE(announced());
  EXPECT_TRUE(served());
  EXPECT_GE(lvsd_->wait(10s), 0);
  EXPECT_FALSE(local_route());
}

TEST_F(LvsdAnnounce, CleanupAfterKillNineWithdraws) {
  start_lvsd();
  ASSERT_TRUE(wait_until([&] { return announced(); }, 15s)) << lvsd_->output();
  lvsd_->signal(SIGKILL);
  lvsd_->wait(5s);
  EXPECT_TRUE(announced());  // nobody withdrew: this is what ExecStopPost is for
  // Even with a file that no longer loads.
  std::ofstream(dir_ + "/lvsd.yaml", std::ios::app) << "bogus: key\n";
  const auto cleanup = director_->run(kLvsd + " --cleanup -f " + dir_ + "/lvsd.yaml");
  EXPECT_NE(cleanup.output.find("removed route announce 10.0.0.100 table 200"), std::string::npos) << cleanup.output;
  EXPECT_FALSE(announced());
  EXPECT_FALSE(local_route());
}

}  // namespace
}  // namespace lvsd::test
