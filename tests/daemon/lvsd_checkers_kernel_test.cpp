// kernel tier: lvsd itself with PING_CHECK, SMTP_CHECK, DNS_CHECK and
// UDP_CHECK (issue #14 item 5) driving the IPVS pool. rs1 answers pings and
// SMTP (aiosmtpd), rs2 DNS (dnsmasq) and a UDP echo (socat); each real server
// is in the pool while its checks pass, `lvsctl status` shows the checks by
// keyword, and a server whose service stops leaves the pool.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
const std::string kLvsd = LVSD_BINARY;

class LvsdCheckers : public ::testing::Test {
 protected:
  void SetUp() override {
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    rs1_ = &topo_.add_host("rs1", "10.0.0.11/24");
    rs2_ = &topo_.add_host("rs2", "10.0.0.12/24");
    dir_ = "/run/tmp/" + director_->netns();
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
    smtpd_ = rs1_->spawn("/usr/bin/python3 -m aiosmtpd -n -l 10.0.0.11:25");
    dnsmasq_ = rs2_->spawn(
        "dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --listen-address=10.0.0.12 "
        "--bind-interfaces --port=53 --user=root --pid-file= --address=/www.example.test/10.0.0.50");
    echo_ = rs2_->spawn("socat UDP4-RECVFROM:7,bind=10.0.0.12,fork PIPE");
  }
  void TearDown() override {
    lvsd_.reset();
    run_command("rm -rf " + dir_);
  }
  std::string ipvsadm() { return director_->run("ipvsadm -Ln").output; }
  bool listed(const std::string& dest) { return ipvsadm().find(dest) != std::string::npos; }
  CommandResult lvsctl(const std::string& args) {
    return director_->run(std::string(LVSD_LVSCTL) + " --socket " + dir_ + "/lvsd.sock " + args + " 2>&1");
  }

  Topology topo_;
  Host* director_ = nullptr;
  Host* rs1_ = nullptr;
  Host* rs2_ = nullptr;
  std::string dir_;
  std::unique_ptr<Process> smtpd_, dnsmasq_, echo_, lvsd_;
};

TEST_F(LvsdCheckers, EachCheckKeepsItsServerInThePoolUntilItsServiceStops) {
  std::ofstream(dir_ + "/lvsd.yaml")
      << "global: {control_socket: " << dir_ << "/lvsd.sock, metrics: \"127.0.0.1:9105\"}\n"
      << "virtual_servers:\n"
         "  - address: 10.0.0.100\n    port: 25\n    lb_algo: rr\n    lb_kind: NAT\n    delay_loop: 1s\n"
         "    real_servers:\n"
         "      - address: 10.0.0.11\n"
         "        PING_CHECK: {connect_timeout: 1s, retry: 0}\n"
         "        SMTP_CHECK: {connect_timeout: 2s, retry: 0, helo_name: lvsd.test}\n"
         "      - address: 10.0.0.12\n"
         "        DNS_CHECK: {connect_port: 53, type: A, name: www.example.test, connect_timeout: 1s, retry: 0}\n"
         "        UDP_CHECK: {connect_port: 7, payload: 6c767364, require_reply: 6c76xx, connect_timeout: 1s, "
         "retry: 0}\n";
  lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/lvsd.yaml --state-file " + dir_ + "/owned");
  ASSERT_TRUE(wait_until([&] { return listed("10.0.0.11:25") && listed("10.0.0.12:25"); }, 30s, 200ms))
      << ipvsadm() << lvsd_->output();
  // lvsctl shows each real server's last check by keyword; the metrics have every check's durations.
  const std::string status = lvsctl("status").output;
  EXPECT_TRUE(status.find("PING_CHECK ok") != std::string::npos || status.find("SMTP_CHECK ok") != std::string::npos)
      << status;
  EXPECT_TRUE(status.find("DNS_CHECK ok") != std::string::npos || status.find("UDP_CHECK ok") != std::string::npos)
      << status;
  const std::string metrics = director_->run("curl -s -m 5 http://127.0.0.1:9105/metrics").output;
  for (const char* keyword : {"PING_CHECK", "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK"})
    EXPECT_NE(metrics.find(std::string("check=\"") + keyword + "\""), std::string::npos) << keyword << "\n" << metrics;

  // rs1 stops answering pings: PING_CHECK fails, rs1 leaves.
  ASSERT_EQ(rs1_->run("sysctl -qw net.ipv4.icmp_echo_ignore_all=1").exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return !listed("10.0.0.11:25"); }, 15s, 200ms)) << ipvsadm();
  EXPECT_NE(lvsd_->output().find("-> 10.0.0.11:25: down (PING_CHECK: no echo reply after 1s"), std::string::npos)
      << lvsd_->output();
  // rs2's DNS server stops: DNS_CHECK fails, rs2 leaves.
  dnsmasq_->kill_and_wait();
  EXPECT_TRUE(wait_until([&] { return !listed("10.0.0.12:25"); }, 15s, 200ms)) << ipvsadm();
  EXPECT_NE(lvsd_->output().find("-> 10.0.0.12:25: down (DNS_CHECK: ICMP port unreachable"), std::string::npos)
      << lvsd_->output();
}

}  // namespace
}  // namespace lvsd::test
