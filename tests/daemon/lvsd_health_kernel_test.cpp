// kernel tier: health checks drive the IPVS pool. A real server that stops
// answering leaves within fall x delay_loop + connect_timeout and comes back
// when it recovers; with inhibit_on_failure it stays at weight 0 and an
// established connection through the VIP keeps working.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
const std::string kLvsd = LVSD_BINARY;

// delay_loop 1s, connect_timeout 1s, fall 1, retry 0: the bound is 2 s.
constexpr auto kBound = 2s;
// UML runs every process slowly; polling adds up to 100 ms.
constexpr auto kSlack = 1500ms;

class LvsdHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = &topo_.add_host("client", "10.0.0.1/24");
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    dir_ = "/run/tmp/" + director_->netns();
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
    ASSERT_EQ(director_->run("ip addr add 10.0.0.100/24 dev eth0").exit_code, 0);
    for (int i = 1; i <= 2; ++i) {
      auto& rs = topo_.add_host("rs" + std::to_string(i), "10.0.0.1" + std::to_string(i) + "/24");
      ASSERT_EQ(rs.run("ip addr add 10.0.0.100/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 "
                       "net.ipv4.conf.all.arp_announce=2 && mkdir -p /run/tmp/" + rs.netns() + " && echo " +
                       rs.name() + " > /run/tmp/" + rs.netns() + "/index.html")
                    .exit_code,
                0);
      reals_.push_back(&rs);
      httpd_.push_back(nullptr);
      start_httpd(i - 1);
      echo_.push_back(rs.spawn("busybox nc -ll -p 7000 -e cat"));
    }
  }
  void TearDown() override {
    lvsd_.reset();
    run_command("rm -rf " + dir_);
  }
  void start_httpd(int i) {
    httpd_[i] = reals_[i]->spawn("busybox httpd -f -p 80 -h /run/tmp/" + reals_[i]->netns());
    ASSERT_TRUE(wait_until([&] { return reals_[i]->run("curl -s -m 1 http://" + reals_[i]->address() + "/").exit_code == 0; }, 5s));
  }
  void start_lvsd(const std::string& config) {
    std::ofstream(dir_ + "/lvsd.yaml") << config;
    lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/lvsd.yaml --state-file " + dir_ + "/owned");
  }
  std::string ipvsadm() { return director_->run("ipvsadm -Ln").output; }
  bool listed(const std::string& dest) { return ipvsadm().find(dest) != std::string::npos; }

  Topology topo_;
  Host* client_ = nullptr;
  Host* director_ = nullptr;
  std::vector<Host*> reals_;
  std::vector<std::unique_ptr<Process>> httpd_, echo_;
  std::string dir_;
  std::unique_ptr<Process> lvsd_;
};

constexpr const char* kHttpCheck =
    "HTTP_GET: { url: [ { path: /, status_code: 200 } ], connect_timeout: 1s, retry: 0, fall: 1, "
    "delay_before_retry: 1s }";

TEST_F(LvsdHealth, DeadServerLeavesWithinTheBoundAndReturnsWhenItRecovers) {
  start_lvsd(std::string("virtual_servers:\n  - { address: 10.0.0.100, port: 80, lb_algo: rr, lb_kind: DR, "
                         "delay_loop: 1s, real_servers: [\n") +
             "      { address: 10.0.0.11, port: 80, " + kHttpCheck + " },\n" +
             "      { address: 10.0.0.12, port: 80, " + kHttpCheck + " } ] }\n");
  // Both join once their first check passed.
  ASSERT_TRUE(wait_until([&] { return listed("10.0.0.11:80") && listed("10.0.0.12:80"); }, 10s))
      << ipvsadm() << lvsd_->output();

  httpd_[1]->kill_and_wait();
  const auto died = Clock::now();
  ASSERT_TRUE(wait_until([&] { return !listed("10.0.0.12:80"); }, 10s)) << ipvsadm();
  const auto took = Clock::now() - died;
  EXPECT_LE(took, kBound + kSlack) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_NE(lvsd_->output().find("TCP 10.0.0.100:80 -> 10.0.0.12:80: down"), std::string::npos) << lvsd_->output();
  // Every request now goes to the live one.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(client_->run("curl -s -m 2 http://10.0.0.100/").output, "rs1\n");

  start_httpd(1);
  EXPECT_TRUE(wait_until([&] { return listed("10.0.0.12:80"); }, kBound + kSlack)) << ipvsadm();
  EXPECT_NE(lvsd_->output().find("TCP 10.0.0.100:80 -> 10.0.0.12:80: up"), std::string::npos) << lvsd_->output();
}

TEST_F(LvsdHealth, InhibitOnFailureDrainsAndKeepsEstablishedConnections) {
  // Port 7000 (a TCP echo) is judged by the HTTP check on port 80.
  start_lvsd(std::string("virtual_servers:\n  - { address: 10.0.0.100, port: 7000, lb_algo: rr, lb_kind: DR, "
                         "delay_loop: 1s, inhibit_on_failure: true, real_servers: [\n") +
             "      { address: 10.0.0.12, port: 7000, HTTP_GET: { url: [ { path: / } ], connect_port: 80, "
             "connect_timeout: 1s, retry: 0 } } ] }\n");
  ASSERT_TRUE(wait_until([&] { return ipvsadm().find("10.0.0.12:7000               Route   1") != std::string::npos; }, 10s))
      << ipvsadm() << lvsd_->output();
  const std::string fifo = dir_ + "/in";
  ASSERT_EQ(run_command("mkfifo " + fifo).exit_code, 0);
  auto conn = client_->spawn("sh -c 'exec 3<>" + fifo + "; busybox nc 10.0.0.100 7000 <&3'");
  run_command("echo before > " + fifo);
  ASSERT_TRUE(wait_until([&] { return conn->output().find("before") != std::string::npos; }, 5s)) << conn->output();

  httpd_[1]->kill_and_wait();
  ASSERT_TRUE(wait_until([&] { return ipvsadm().find("10.0.0.12:7000               Route   0") != std::string::npos; },
                         kBound + kSlack))
      << ipvsadm();
  run_command("echo after > " + fifo);
  EXPECT_TRUE(wait_until([&] { return conn->output().find("after") != std::string::npos; }, 5s)) << conn->output();
}

// keepalived.conf's notify_up / notify_down, quorum_up / quorum_down and
// omega, run by lvsd as real processes: each script appends its arguments to
// a log, which the test reads in order.
TEST_F(LvsdHealth, QuorumAndNotifyScriptsRunOnTransitionsAndWithOmegaAtStop) {
  const std::string log = dir_ + "/scripts.log";
  const std::string note = dir_ + "/note.sh";
  std::ofstream(note) << "#!/bin/sh\necho \"$*\" >> " << log << "\n";
  ASSERT_EQ(run_command("chmod 755 " + note + " && touch " + log + " && chmod 666 " + log).exit_code, 0);
  std::string rs_blocks;
  for (const char* rs : {"10.0.0.11", "10.0.0.12"})
    rs_blocks += std::string("  real_server ") + rs + " 80 {\n    notify_up \"" + note + " RS " + rs +
                 " UP\"\n    notify_down \"" + note + " RS " + rs + " DOWN\"\n" +
                 "    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n";
  std::ofstream(dir_ + "/keepalived.conf")
      << "virtual_server 10.0.0.100 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n"
      << "  quorum 2\n  quorum_up \"" << note << " VS UP\"\n  quorum_down \"" << note << " VS DOWN\"\n"
      << "  omega\n" << rs_blocks << "}\n";
  lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/keepalived.conf --state-file " + dir_ + "/owned");
  // The lines from `first` on, sorted: scripts started together run in parallel.
  auto lines = [&](std::size_t first = 0) {
    std::ifstream in(log);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(std::min(first, out.size())));
    std::sort(out.begin(), out.end());
    return out;
  };
  using Lines = std::vector<std::string>;
  // Without `alpha` both are in the pool from the start, with the quorum
  // up: nothing runs while the first checks confirm it (as keepalived).
  ASSERT_TRUE(wait_until([&] { return listed("10.0.0.11:80") && listed("10.0.0.12:80"); }, 10s))
      << ipvsadm() << lvsd_->output();
  std::this_thread::sleep_for(2500ms);  // two more check rounds
  EXPECT_EQ(lines(), Lines{}) << lvsd_->output();

  // One of two down: its notify_down, and the quorum (2) is lost.
  httpd_[1]->kill_and_wait();
  ASSERT_TRUE(wait_until([&] { return lines().size() >= 2; }, 10s)) << lvsd_->output();
  EXPECT_EQ(lines(), (Lines{"RS 10.0.0.12 DOWN", "VS DOWN"})) << lvsd_->output();

  start_httpd(1);
  ASSERT_TRUE(wait_until([&] { return lines().size() >= 4; }, 10s)) << lvsd_->output();
  EXPECT_EQ(lines(2), (Lines{"RS 10.0.0.12 UP", "VS UP"})) << lvsd_->output();

  // omega: a stop runs every up real server's notify_down and quorum_down,
  // and lvsd waits for them before it exits.
  ASSERT_TRUE(lvsd_->signal(SIGTERM));
  EXPECT_NE(lvsd_->wait(10s), -1) << lvsd_->output();
  EXPECT_EQ(lines(4), (Lines{"RS 10.0.0.11 DOWN", "RS 10.0.0.12 DOWN", "VS DOWN"})) << lvsd_->output();
}

// lvs_notify_fifo: keepalived 2.2.7's RS and VS lines, in order, as real
// servers go down and come back (daemon/fifo_lines.hpp).
TEST_F(LvsdHealth, LvsNotifyFifoGetsKeepalivedsLinesAsRealServersGoDownAndUp) {
  const std::string fifo = dir_ + "/lvs.fifo";
  start_lvsd("global:\n  lvs_notify_fifo:\n    path: " + fifo + "\n" +
             "virtual_servers:\n  - { address: 10.0.0.100, port: 80, lb_algo: rr, lb_kind: DR, quorum: 2, "
             "delay_loop: 1s, real_servers: [\n" +
             "      { address: 10.0.0.11, port: 80, " + kHttpCheck + " },\n" +
             "      { address: 10.0.0.12, port: 80, " + kHttpCheck + " } ] }\n");
  ASSERT_TRUE(wait_until([&] { return listed("10.0.0.11:80") && listed("10.0.0.12:80"); }, 10s))
      << ipvsadm() << lvsd_->output();
  // lvsd holds the FIFO read-write: what it wrote waits for this reader.
  std::string text;
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fd, 0) << lvsd_->output();
  auto read_more = [&] {
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    return text;
  };
  const std::string up11 = "RS [10.0.0.11]:tcp:80 [10.0.0.100]:tcp:80 UP\n";
  const std::string up12 = "RS [10.0.0.12]:tcp:80 [10.0.0.100]:tcp:80 UP\n";
  const std::string vs_up = "VS [10.0.0.100]:tcp:80 UP\n";
  // The two first checks may finish in either order; the quorum (2) comes with the second.
  EXPECT_TRUE(wait_until([&] { return read_more() == up11 + up12 + vs_up || text == up12 + up11 + vs_up; }, 5s)) << text;
  const std::size_t start = text.size();

  httpd_[1]->kill_and_wait();
  EXPECT_TRUE(wait_until([&] {
    return read_more().substr(start) == "RS [10.0.0.12]:tcp:80 [10.0.0.100]:tcp:80 DOWN\nVS [10.0.0.100]:tcp:80 DOWN\n";
  }, kBound + kSlack + 2s)) << text;
  start_httpd(1);
  EXPECT_TRUE(wait_until([&] {
    return read_more().substr(start) == "RS [10.0.0.12]:tcp:80 [10.0.0.100]:tcp:80 DOWN\nVS [10.0.0.100]:tcp:80 DOWN\n" +
                                            up12 + vs_up;
  }, kBound + kSlack + 2s)) << text;
  ::close(fd);
}

}  // namespace
}  // namespace lvsd::test
