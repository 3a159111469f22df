// netns tier: TCP_CHECK and HTTP_GET against busybox httpd, a closed port, a
// silent address and a server that accepts and never answers.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>

#include "healthcheck/checker.hpp"
#include "healthcheck/http_response.hpp"
#include "tests/healthcheck/netns_support.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;
using lvsd::test::Topology;

void write_file(const std::string& path, const std::string& content, bool executable = false) {
  std::ofstream(path) << content;
  if (executable) lvsd::test::run_command("chmod +x " + lvsd::test::shell_quote(path));
}

class TcpHttpNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    ignore_sigpipe();
    www_ = "/tmp/" + topo_.id() + "-www";
    ASSERT_EQ(lvsd::test::run_command("mkdir -p " + www_ + "/cgi-bin").exit_code, 0);
    write_file(www_ + "/index.html", "hello\n");
    // 200 unless the flag file exists, then 503.
    write_file(www_ + "/cgi-bin/health",
               "#!/bin/sh\n"
               "if [ -e " + www_ + "/down ]; then printf 'Status: 503 Service Unavailable\\r\\n\\r\\ndown\\n';\n"
               "else printf 'Content-Type: text/plain\\r\\n\\r\\nup\\n'; fi\n",
               true);
    // 200 only when the Host header is api.example.
    write_file(www_ + "/cgi-bin/host",
               "#!/bin/sh\n"
               "if [ \"$HTTP_HOST\" = api.example ]; then printf 'Content-Type: text/plain\\r\\n\\r\\nok\\n';\n"
               "else printf 'Status: 421 Misdirected Request\\r\\n\\r\\n%s\\n' \"$HTTP_HOST\"; fi\n",
               true);
    httpd_ = server_.spawn("busybox httpd -f -p 10.81.0.2:80 -h " + www_);
    ASSERT_TRUE(lvsd::test::wait_until(
        [&] { return client_.run("curl -s -o /dev/null -w '%{http_code}' http://10.81.0.2/index.html").output == "200"; },
        std::chrono::seconds(10), milliseconds(50)));
  }
  void TearDown() override { lvsd::test::run_command("rm -rf " + www_); }

  CheckResult probe(const CheckSpec& spec) {
    NetnsScope in_client(client_);
    return probe_once(loop_, spec);
  }
  static CheckSpec http(std::vector<HttpUrl> urls) {
    return CheckSpec{.kind = CheckKind::kHttp, .address = "10.81.0.2", .port = 80,
                     .connect_timeout = milliseconds(1000), .urls = std::move(urls)};
  }

  Topology topo_;
  lvsd::test::Host& client_ = topo_.add_host("c", "10.81.0.1/24");
  lvsd::test::Host& server_ = topo_.add_host("s", "10.81.0.2/24");
  std::string www_;
  std::unique_ptr<lvsd::test::Process> httpd_;
  core::EventLoop loop_;
};

TEST_F(TcpHttpNetns, TcpCheckUpOnAListeningPort) {
  auto r = probe(CheckSpec{.kind = CheckKind::kTcp, .address = "10.81.0.2", .port = 80});
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "connected");
  EXPECT_LT(r.latency, milliseconds(500));
}

TEST_F(TcpHttpNetns, TcpCheckClosedPortIsRefused) {
  auto r = probe(CheckSpec{.kind = CheckKind::kTcp, .address = "10.81.0.2", .port = 81});
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "connection refused");
}

TEST_F(TcpHttpNetns, TcpCheckSilentAddressTimesOut) {
  // Nobody answers ARP for .99: the SYN never leaves, the deadline fires.
  auto r = probe(CheckSpec{.kind = CheckKind::kTcp, .address = "10.81.0.99", .port = 80,
                           .connect_timeout = milliseconds(300)});
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "connect timeout after 300ms");
  EXPECT_GE(r.latency, milliseconds(250));
  EXPECT_LT(r.latency, milliseconds(1000));
}

TEST_F(TcpHttpNetns, HttpGetFollowsTheServer200Then503ThenKilled) {
  auto spec = http({HttpUrl{.path = "/cgi-bin/health"}});
  auto r = probe(spec);
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "HTTP 200 on /cgi-bin/health");

  write_file(www_ + "/down", "");
  r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "HTTP 503 on /cgi-bin/health");

  httpd_->kill_and_wait();
  r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "connection refused");
}

TEST_F(TcpHttpNetns, HttpGetChecksEveryUrlStatusRangeAndDigest) {
  const std::string digest = md5_hex("hello\n");
  auto r = probe(http({HttpUrl{.path = "/index.html", .digest = digest}, HttpUrl{.path = "/cgi-bin/health"}}));
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "HTTP 200 on /cgi-bin/health (all 2 urls passed)");

  r = probe(http({HttpUrl{.path = "/index.html", .digest = std::string(32, '0')}}));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "digest mismatch on /index.html (got " + digest + ")");

  r = probe(http({HttpUrl{.path = "/index.html"}, HttpUrl{.path = "/missing"}}));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "HTTP 404 on /missing");

  r = probe(http({HttpUrl{.path = "/missing", .status = StatusRange{.low = 404, .high = 404}}}));
  EXPECT_TRUE(r.up) << r.reason;
}

TEST_F(TcpHttpNetns, HttpGetSendsTheVirtualhostAsHost) {
  auto spec = http({HttpUrl{.path = "/cgi-bin/host"}});
  auto r = probe(spec);
  EXPECT_EQ(r.reason, "HTTP 421 on /cgi-bin/host");  // Host: 10.81.0.2
  spec.virtualhost = "api.example";
  r = probe(spec);
  EXPECT_TRUE(r.up) << r.reason;
}

TEST_F(TcpHttpNetns, HttpGetCapsWhatItReads) {
  auto spec = http({HttpUrl{.path = "/index.html"}});
  spec.max_response_body_bytes = 3;
  auto r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "bad HTTP response on /index.html: body larger than 3 bytes");
}

TEST_F(TcpHttpNetns, HttpGetAgainstAServerThatAcceptsAndNeverAnswersTimesOut) {
  core::UniqueFd blackhole;
  {
    NetnsScope in_server(server_);
    blackhole = listen_tcp("10.81.0.2", 8080);  // the kernel accepts; nobody reads or writes
  }
  auto spec = http({HttpUrl{.path = "/health"}});
  spec.port = 8080;
  spec.connect_timeout = milliseconds(300);
  auto r = probe(spec);
  blackhole.reset();
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "timeout waiting for response after 300ms on /health");
  EXPECT_GE(r.latency, milliseconds(250));
}

TEST_F(TcpHttpNetns, CancelledProbesNeverReportAndCheckersAreReusable) {
  NetnsScope in_client(client_);
  for (CheckKind kind : {CheckKind::kTcp, CheckKind::kHttp}) {
    int reports = 0;
    auto spec = http({HttpUrl{.path = "/cgi-bin/health"}});
    spec.kind = kind;
    auto checker = make_checker(loop_, spec);
    checker->start([&](CheckResult) { ++reports; });
    checker->cancel();
    run_loop_until(loop_, [] { return false; }, milliseconds(300));
    EXPECT_EQ(reports, 0);
    std::optional<CheckResult> result;
    checker->start([&](CheckResult r) { result = std::move(r); });
    ASSERT_TRUE(run_loop_until(loop_, [&] { return result.has_value(); }, std::chrono::seconds(2)));
    EXPECT_TRUE(result->up) << result->reason;
    // Destroyed mid-probe: nothing may fire afterwards (ASan would see it).
    checker->start([&](CheckResult) { ++reports; });
    checker.reset();
    run_loop_until(loop_, [] { return false; }, milliseconds(300));
    EXPECT_EQ(reports, 0);
  }
}

// keepalived's connection and HTTP options, seen by the server: a python3
// server on 8080 that logs each connection's peer and request and answers
// "hello world" (HTTP/1.0, closing).
class ProbeOptionsNetns : public TcpHttpNetns {
 protected:
  void SetUp() override {
    TcpHttpNetns::SetUp();
    log_ = www_ + "/requests";
    write_file(www_ + "/srv.py",
               "import socket\n"
               "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
               "s.bind(('0.0.0.0', 8080)); s.listen(16)\n"
               "open('" + www_ + "/ready', 'w').close()\n"
               "while True:\n"
               "    c, a = s.accept(); c.settimeout(2); d = b''\n"
               "    try:\n"
               "        while b'\\r\\n\\r\\n' not in d:\n"
               "            x = c.recv(4096)\n"
               "            if not x: break\n"
               "            d += x\n"
               "    except OSError: pass\n"
               "    with open('" + log_ + "', 'a') as f: f.write('%s %d\\n%s---\\n' % (a[0], a[1], d.decode()))\n"
               "    c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: 11\\r\\n\\r\\nhello world'); c.close()\n");
    raw_ = server_.spawn("python3 " + www_ + "/srv.py");
    ASSERT_TRUE(lvsd::test::wait_until([&] { return std::ifstream(www_ + "/ready").good(); },
                                       std::chrono::seconds(10), milliseconds(20)));
  }
  // What the server logged, then forgets it.
  std::string requests() {
    std::ifstream in(log_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(log_.c_str());
    return text;
  }
  static CheckSpec get(std::vector<HttpUrl> urls = {HttpUrl{.path = "/"}}) {
    CheckSpec spec = http(std::move(urls));
    spec.port = 8080;
    return spec;
  }

  std::string log_;
  std::unique_ptr<lvsd::test::Process> raw_;
};

TEST_F(ProbeOptionsNetns, BindtoAndBindPortAreTheSourceTheServerSees) {
  ASSERT_EQ(client_.run("ip addr add 10.81.0.3/24 dev eth0").exit_code, 0);
  CheckSpec spec = get();
  auto r = probe(spec);
  ASSERT_TRUE(r.up) << r.reason;
  EXPECT_EQ(requests().rfind("10.81.0.1 ", 0), 0u);  // control: the kernel's choice
  spec.bind_address = "10.81.0.3";
  spec.bind_port = 40123;
  r = probe(spec);
  ASSERT_TRUE(r.up) << r.reason;
  EXPECT_EQ(requests().rfind("10.81.0.3 40123\n", 0), 0u);
  // TCP_CHECK binds the same way; an address the host does not have fails the probe.
  spec.kind = CheckKind::kTcp;
  spec.bind_address = "10.81.0.99";
  r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "bindto: Cannot assign requested address");
}

TEST_F(ProbeOptionsNetns, FwmarkRoutesTheProbeByAnIpRule) {
  // 10.82.0.2 is reachable from the client only by table 100, which only
  // packets marked 7 use.
  ASSERT_EQ(server_.run("ip addr add 10.82.0.2/24 dev eth0").exit_code, 0);
  ASSERT_EQ(client_.run("ip route add 10.82.0.0/24 dev eth0 table 100").exit_code, 0);
  ASSERT_EQ(client_.run("ip rule add fwmark 7 lookup 100").exit_code, 0);
  CheckSpec spec{.kind = CheckKind::kTcp, .address = "10.82.0.2", .port = 8080,
                 .connect_timeout = milliseconds(1000)};
  auto r = probe(spec);
  EXPECT_FALSE(r.up);  // control: unmarked, no route
  EXPECT_EQ(r.reason, "connect: Network is unreachable");
  spec.fwmark = 7;
  r = probe(spec);
  EXPECT_TRUE(r.up) << r.reason;
  spec.bind_interface = "eth0";  // SO_BINDTODEVICE on the way it goes anyway
  r = probe(spec);
  EXPECT_TRUE(r.up) << r.reason;
}

TEST_F(ProbeOptionsNetns, HttpProtocolIsTheRequestLineTheServerSees) {
  CheckSpec spec = get({HttpUrl{.path = "/v", .host = "url.example"}});
  spec.http_version = HttpVersion::k1_0;
  ASSERT_TRUE(probe(spec).up);
  std::string seen = requests();
  EXPECT_NE(seen.find("\nGET /v HTTP/1.0\r\nHost: url.example\r\n"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("Connection:"), std::string::npos) << seen;
  spec.http_version = HttpVersion::k1_0_close;
  ASSERT_TRUE(probe(spec).up);
  seen = requests();
  EXPECT_NE(seen.find("\nGET /v HTTP/1.0\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\r\nConnection: close\r\n"), std::string::npos) << seen;
  spec.http_version = HttpVersion::k1_1;
  ASSERT_TRUE(probe(spec).up);
  seen = requests();
  EXPECT_NE(seen.find("\nGET /v HTTP/1.1\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\r\nConnection: close\r\n"), std::string::npos) << seen;
}

TEST_F(ProbeOptionsNetns, TheRegexDecidesTheUrl) {
  // The response is "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhello world".
  auto with = [&](HttpUrl url) {
    url.path = "/r";
    return probe(get({url}));
  };
  EXPECT_TRUE(with(HttpUrl{.regex = "wor"}).up);
  auto r = with(HttpUrl{.regex = "^world"});
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "regex did not match on /r");
  EXPECT_FALSE(with(HttpUrl{.regex = "wor", .regex_no_match = true}).up);
  EXPECT_TRUE(with(HttpUrl{.regex = "HELLO", .regex_options = {"caseless"}}).up);
  // keepalived's offsets: from the response's first byte, headers included.
  EXPECT_TRUE(with(HttpUrl{.regex = "hello", .regex_min_offset = 1}).up);
  EXPECT_FALSE(with(HttpUrl{.regex = "world", .regex_max_offset = 6}).up);
  EXPECT_TRUE(with(HttpUrl{.regex = "Content-Length: 11"}).up);
}

}  // namespace
}  // namespace lvsd::healthcheck::test
