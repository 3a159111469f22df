// netns tier: UDP_CHECK against socat (a UDP echo, and a sink that never
// answers), DNS_CHECK against dnsmasq, SMTP_CHECK against Python's aiosmtpd
// (Debian's python3-aiosmtpd) and against servers that greet wrongly or not
// at all. Each passes while its server answers and fails (the check goes
// down after `fall` results) once the server is stopped.
#include <gtest/gtest.h>

#include <fstream>

#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"
#include "tests/healthcheck/netns_support.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;

class ProtocolNetns : public ::testing::Test {
 protected:
  void SetUp() override { ignore_sigpipe(); }

  static CheckSpec spec(CheckKind kind, std::uint16_t port) {
    return CheckSpec{.kind = kind, .address = "10.87.0.2", .port = port, .connect_timeout = milliseconds(300),
                     .delay_loop = milliseconds(100), .delay_before_retry = milliseconds(100),
                     .thresholds = HealthThresholds{.rise = 1, .fall = 2}};
  }
  CheckResult probe(const CheckSpec& s) {
    NetnsScope in_client(client_);
    return probe_once(loop_, s);
  }
  bool udp_port_open(std::uint16_t port) {
    return server_.run("ss -Hlun 'sport = :" + std::to_string(port) + "'").output.find("10.87.0.2") !=
           std::string::npos;
  }
  bool tcp_port_open(std::uint16_t port) {
    return server_.run("ss -Hltn 'sport = :" + std::to_string(port) + "'").output.find("10.87.0.2") !=
           std::string::npos;
  }
  std::unique_ptr<lvsd::test::Process> udp_echo(std::uint16_t port) {
    auto p = server_.spawn("socat UDP4-RECVFROM:" + std::to_string(port) + ",bind=10.87.0.2,fork PIPE");
    EXPECT_TRUE(lvsd::test::wait_until([&] { return udp_port_open(port); }, std::chrono::seconds(5)));
    return p;
  }
  std::unique_ptr<lvsd::test::Process> dnsmasq() {
    auto p = server_.spawn(
        "dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --listen-address=10.87.0.2 "
        "--bind-interfaces --port=53 --user=root --pid-file= --local=/example.test/ "
        "--address=/www.example.test/10.87.0.50");
    EXPECT_TRUE(lvsd::test::wait_until([&] { return udp_port_open(53); }, std::chrono::seconds(5)));
    return p;
  }
  std::unique_ptr<lvsd::test::Process> smtpd() {
    auto p = server_.spawn("/usr/bin/python3 -m aiosmtpd -n -l 10.87.0.2:25");
    EXPECT_TRUE(lvsd::test::wait_until([&] { return tcp_port_open(25); }, std::chrono::seconds(10)));
    return p;
  }
  // Runs `s` on the scheduler until it is up, stops the server with `stop`,
  // and expects down after exactly `fall` failed results.
  void goes_down_when_stopped(const CheckSpec& s, const std::function<void()>& stop, const std::string& reason) {
    NetnsScope in_client(client_);
    CheckScheduler scheduler(loop_.scheduler(), [&](const CheckSpec& c) { return make_checker(loop_, c); });
    int failures = 0;
    auto id = scheduler.subscribe(s, [&](const CheckEvent& e) { failures += e.result.up ? 0 : 1; });
    ASSERT_TRUE(run_loop_until(loop_, [&] { return scheduler.verdict(id) == Verdict::kUp; }, std::chrono::seconds(3)))
        << (scheduler.last_result(id) ? scheduler.last_result(id)->reason : "no result");
    stop();
    failures = 0;
    ASSERT_TRUE(run_loop_until(loop_, [&] { return scheduler.verdict(id) == Verdict::kDown; }, std::chrono::seconds(5)));
    EXPECT_EQ(failures, s.thresholds.fall);
    EXPECT_EQ(scheduler.last_result(id)->reason, reason);
  }

  lvsd::test::Topology topo_;
  lvsd::test::Host& client_ = topo_.add_host("c", "10.87.0.1/24");
  lvsd::test::Host& server_ = topo_.add_host("s", "10.87.0.2/24");
  core::EventLoop loop_;
};

// ------------------------------------------------------------ UDP_CHECK

TEST_F(ProtocolNetns, UdpReplyMustMatchThePattern) {
  auto echo = udp_echo(7);
  auto s = spec(CheckKind::kUdp, 7);
  s.udp_payload = {'l', 'v', 's', 'd'};
  s.udp_require_reply = true;
  auto r = probe(s);
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "UDP reply of 4 bytes");
  s.udp_reply = {'l', 'v', 0};
  s.udp_reply_wildcard = {0, 0, 0xff};  // "6c76xx"
  r = probe(s);
  EXPECT_TRUE(r.up) << r.reason;
  s.udp_reply = {'l', 'x'};
  r = probe(s);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "reply byte 1 is 0x76, expected 0x78");
  s.udp_reply = {'l'};
  s.udp_min_reply_length = 5;
  r = probe(s);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "reply of 4 bytes, expected 5-255");
}

TEST_F(ProtocolNetns, UdpWithoutRequireReplyFailsOnlyOnAnIcmpError) {
  auto s = spec(CheckKind::kUdp, 9);
  auto r = probe(s);  // nothing listens: port unreachable
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "ICMP port unreachable");
  EXPECT_LT(r.latency, milliseconds(250));
  auto sink = server_.spawn("socat -u UDP4-RECV:9,bind=10.87.0.2 OPEN:/dev/null");
  ASSERT_TRUE(lvsd::test::wait_until([&] { return udp_port_open(9); }, std::chrono::seconds(5)));
  r = probe(s);  // a silent listener: passes when the timeout passes
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "no ICMP error in 300ms");
  EXPECT_GE(r.latency, milliseconds(280));
  s.udp_require_reply = true;
  r = probe(s);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "no UDP reply after 300ms");
}

TEST_F(ProtocolNetns, UdpEchoThatStopsGoesDown) {
  auto echo = udp_echo(7);
  auto s = spec(CheckKind::kUdp, 7);
  s.udp_require_reply = true;
  goes_down_when_stopped(s, [&] { echo->kill_and_wait(); }, "ICMP port unreachable");
}

// ------------------------------------------------------------ DNS_CHECK

TEST_F(ProtocolNetns, DnsNoerrorPassesAndOtherRcodesFail) {
  auto server = dnsmasq();
  auto s = spec(CheckKind::kDns, 53);
  s.dns_type = DnsType::kA;
  s.dns_name = "www.example.test";
  auto r = probe(s);
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "DNS A www.example.test: NOERROR, 1 answers");
  s.dns_name = "nothere.example.test";
  r = probe(s);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "DNS A nothere.example.test: NXDOMAIN");
  // keepalived's default query, SOA of the root: dnsmasq has no upstream to ask.
  r = probe(spec(CheckKind::kDns, 53));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "DNS SOA .: REFUSED");
}

TEST_F(ProtocolNetns, DnsServerThatStopsGoesDown) {
  auto server = dnsmasq();
  auto s = spec(CheckKind::kDns, 53);
  s.dns_type = DnsType::kA;
  s.dns_name = "www.example.test";
  goes_down_when_stopped(s, [&] { server->kill_and_wait(); }, "ICMP port unreachable");
}

TEST_F(ProtocolNetns, DnsServerThatDropsQueriesTimesOut) {
  auto sink = server_.spawn("socat -u UDP4-RECV:53,bind=10.87.0.2 OPEN:/dev/null");
  ASSERT_TRUE(lvsd::test::wait_until([&] { return udp_port_open(53); }, std::chrono::seconds(5)));
  auto r = probe(spec(CheckKind::kDns, 53));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "no DNS reply after 300ms");
}

// ------------------------------------------------------------ SMTP_CHECK

TEST_F(ProtocolNetns, SmtpGreetingHeloAndQuit) {
  auto server = smtpd();
  auto s = spec(CheckKind::kSmtp, 25);
  s.smtp_helo_name = "lb1.example.test";
  auto r = probe(s);
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "SMTP 250 to HELO");
}

TEST_F(ProtocolNetns, SmtpServerThatStopsGoesDown) {
  auto server = smtpd();
  auto s = spec(CheckKind::kSmtp, 25);
  s.smtp_helo_name = "lb1.example.test";
  goes_down_when_stopped(s, [&] { server->kill_and_wait(); }, "connection refused");
}

TEST_F(ProtocolNetns, SmtpBadGreetingBadHeloReplyAndSilence) {
  auto s = spec(CheckKind::kSmtp, 2525);
  s.smtp_helo_name = "lb1";
  // Each connection runs a script of socat's (EXEC: no shell quoting in the way).
  const std::string dir = "/tmp/" + topo_.id() + "-smtp";
  ASSERT_EQ(lvsd::test::run_command("mkdir -p " + dir).exit_code, 0);
  const auto script = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir + "/" + name) << "#!/bin/sh\n" << body;
    EXPECT_EQ(lvsd::test::run_command("chmod +x " + dir + "/" + name).exit_code, 0);
    return dir + "/" + name;
  };
  auto busy = server_.spawn("socat TCP4-LISTEN:2525,bind=10.87.0.2,reuseaddr,fork EXEC:" +
                            script("busy", "printf '554-busy\\r\\n554 go away\\r\\n'; sleep 1\n"));
  ASSERT_TRUE(lvsd::test::wait_until([&] { return tcp_port_open(2525); }, std::chrono::seconds(5)));
  auto r = probe(s);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "SMTP greeting 554 go away, expected 220");
  busy->kill_and_wait();

  auto picky = server_.spawn("socat TCP4-LISTEN:2526,bind=10.87.0.2,reuseaddr,fork EXEC:" +
                             script("picky", "printf '220 hi\\r\\n'; read l; printf '501 bad HELO\\r\\n'; sleep 1\n"));
  ASSERT_TRUE(lvsd::test::wait_until([&] { return tcp_port_open(2526); }, std::chrono::seconds(5)));
  s.port = 2526;
  r = probe(s);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "SMTP HELO answered 501 bad HELO, expected 250");
  lvsd::test::run_command("rm -rf " + dir);

  core::UniqueFd silent;
  {
    NetnsScope in_server(server_);
    silent = listen_tcp("10.87.0.2", 2527);
  }
  s.port = 2527;
  r = probe(s);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "SMTP timeout waiting for the greeting after 300ms");
}

}  // namespace
}  // namespace lvsd::healthcheck::test
