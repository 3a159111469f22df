// netns tier: PING_CHECK against a host's own kernel (it answers echo
// requests), over the ICMP datagram socket and the raw socket, IPv4 and
// IPv6; the server stops answering (icmp_echo_ignore_all) and must go down
// after `fall` failures, then come back after `rise` passes.
#include <gtest/gtest.h>

#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"
#include "tests/healthcheck/netns_support.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;

class PingNetns : public ::testing::Test {
 protected:
  static CheckSpec ping(const std::string& address) {
    return CheckSpec{.kind = CheckKind::kPing, .address = address, .connect_timeout = milliseconds(300),
                     .delay_loop = milliseconds(100), .delay_before_retry = milliseconds(100),
                     .thresholds = HealthThresholds{.rise = 2, .fall = 2}};
  }
  CheckResult probe(const CheckSpec& spec) {
    NetnsScope in_client(client_);
    return probe_once(loop_, spec);
  }
  // Which ICMP sockets the client's group may open (a new namespace allows none: "1 0").
  void allow_datagram_sockets(bool allow) {
    ASSERT_EQ(client_.run(std::string("sysctl -qw net.ipv4.ping_group_range='") + (allow ? "0 2147483647" : "1 0") +
                          "'").exit_code, 0);
  }
  void server_answers(bool answer) {
    ASSERT_EQ(server_.run(std::string("sysctl -qw net.ipv4.icmp_echo_ignore_all=") + (answer ? "0" : "1") +
                          " net.ipv6.icmp.echo_ignore_all=" + (answer ? "0" : "1")).exit_code, 0);
  }

  lvsd::test::Topology topo_;
  lvsd::test::Host& client_ = topo_.add_host("c", "10.86.0.1/24");
  lvsd::test::Host& server_ = topo_.add_host("s", "10.86.0.2/24");
  core::EventLoop loop_;
};

TEST_F(PingNetns, RawSocketWhenDatagramSocketsAreRefused) {
  allow_datagram_sockets(false);
  auto r = probe(ping("10.86.0.2"));
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "echo reply");
}

TEST_F(PingNetns, DatagramSocketWhenPingGroupRangeAllowsIt) {
  allow_datagram_sockets(true);
  auto r = probe(ping("10.86.0.2"));
  EXPECT_TRUE(r.up) << r.reason;
  server_answers(false);
  r = probe(ping("10.86.0.2"));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "no echo reply after 300ms");
  EXPECT_GE(r.latency, milliseconds(280));
}

TEST_F(PingNetns, Ipv6OverBothSockets) {
  ASSERT_EQ(client_.run("ip -6 addr add fd86::1/64 dev eth0 nodad").exit_code, 0);
  ASSERT_EQ(server_.run("ip -6 addr add fd86::2/64 dev eth0 nodad").exit_code, 0);
  for (bool datagram : {false, true}) {
    allow_datagram_sockets(datagram);  // (the IPv4 sysctl governs ICMPv6 datagram sockets too)
    auto r = probe(ping("fd86::2"));
    EXPECT_TRUE(r.up) << "datagram " << datagram << ": " << r.reason;
  }
  server_answers(false);
  auto r = probe(ping("fd86::2"));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "no echo reply after 300ms");
}

TEST_F(PingNetns, SilentAddressTimesOut) {
  auto r = probe(ping("10.86.0.99"));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "no echo reply after 300ms");
}

TEST_F(PingNetns, ServerThatStopsAnsweringGoesDownAfterFallAndBackAfterRise) {
  NetnsScope in_client(client_);
  CheckScheduler scheduler(loop_.scheduler(), [&](const CheckSpec& spec) { return make_checker(loop_, spec); });
  std::vector<Verdict> verdicts;
  int results = 0;
  auto id = scheduler.subscribe(ping("10.86.0.2"), [&](const CheckEvent& e) {
    ++results;
    if (e.transition) verdicts.push_back(e.transition->to);
  });
  ASSERT_TRUE(run_loop_until(loop_, [&] { return scheduler.verdict(id) == Verdict::kUp; }, std::chrono::seconds(3)));

  server_answers(false);
  const int before = results;
  ASSERT_TRUE(run_loop_until(loop_, [&] { return scheduler.verdict(id) == Verdict::kDown; }, std::chrono::seconds(5)));
  EXPECT_EQ(results - before, 2);  // fall 2: the first failure keeps it up
  EXPECT_EQ(scheduler.last_result(id)->reason, "no echo reply after 300ms");

  server_answers(true);
  const int down_at = results;
  ASSERT_TRUE(run_loop_until(loop_, [&] { return scheduler.verdict(id) == Verdict::kUp; }, std::chrono::seconds(5)));
  EXPECT_EQ(results - down_at, 2);  // rise 2
  EXPECT_EQ(verdicts, (std::vector<Verdict>{Verdict::kUp, Verdict::kDown, Verdict::kUp}));
}

}  // namespace
}  // namespace lvsd::healthcheck::test
