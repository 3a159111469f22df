// netns tier: SSL_GET against `openssl s_server -www` with a self-signed
// certificate made by the test. The server only accepts the SNI name
// hc.test (-servername_fatal), which proves the checker sends SNI.
#include <gtest/gtest.h>

#include "healthcheck/checker.hpp"
#include "tests/healthcheck/netns_support.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;

class TlsNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    ignore_sigpipe();
    dir_ = "/tmp/" + topo_.id() + "-tls";
    auto r = lvsd::test::run_command("mkdir -p " + dir_ + " && cd " + dir_ +
                                     " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem"
                                     " -days 1 -subj /CN=hc.test -addext subjectAltName=DNS:hc.test");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    server_proc_ = server_.spawn("openssl s_server -quiet -www -accept 10.82.0.2:443 -cert " + dir_ +
                                 "/cert.pem -key " + dir_ + "/key.pem -cert2 " + dir_ + "/cert.pem -key2 " + dir_ +
                                 "/key.pem -servername hc.test -servername_fatal");
    ASSERT_TRUE(lvsd::test::wait_until(
        [&] {
          return client_.run("curl -sk --resolve hc.test:443:10.82.0.2 -o /dev/null -w '%{http_code}' https://hc.test/")
                     .output == "200";
        },
        std::chrono::seconds(10), milliseconds(50)));
  }
  void TearDown() override { lvsd::test::run_command("rm -rf " + dir_); }

  CheckSpec ssl() const {
    return CheckSpec{.kind = CheckKind::kSsl, .address = "10.82.0.2", .port = 443,
                     .connect_timeout = milliseconds(2000), .urls = {HttpUrl{.path = "/health"}},
                     .tls_sni = "hc.test"};
  }
  CheckResult probe(const CheckSpec& spec) {
    NetnsScope in_client(client_);
    return probe_once(loop_, spec);
  }

  lvsd::test::Topology topo_;
  lvsd::test::Host& client_ = topo_.add_host("c", "10.82.0.1/24");
  lvsd::test::Host& server_ = topo_.add_host("s", "10.82.0.2/24");
  std::string dir_;
  std::unique_ptr<lvsd::test::Process> server_proc_;
  core::EventLoop loop_;
};

TEST_F(TlsNetns, SslGetWithoutVerificationIsUp) {
  auto r = probe(ssl());
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "HTTP 200 on /health");
}

TEST_F(TlsNetns, WrongSniIsRejectedByTheServer) {
  auto spec = ssl();
  spec.tls_sni = "other.test";
  auto r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason.rfind("TLS handshake failed: ", 0), 0u) << r.reason;
  EXPECT_NE(r.reason.find("unrecognized name"), std::string::npos) << r.reason;  // the server's alert
}

// A url's own server name (keepalived: its virtualhost, with enable_sni)
// wins over the check's.
TEST_F(TlsNetns, AUrlsServerNameWinsOverTheChecks) {
  auto spec = ssl();
  spec.tls_sni = "other.test";
  spec.urls[0].tls_sni = "hc.test";
  auto r = probe(spec);
  EXPECT_TRUE(r.up) << r.reason;
  spec.tls_sni = "hc.test";
  spec.urls[0].tls_sni = "other.test";
  r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.reason.find("unrecognized name"), std::string::npos) << r.reason;
}

TEST_F(TlsNetns, VerificationAgainstTheTestCaPasses) {
  auto spec = ssl();
  spec.tls_verify = true;
  spec.tls_ca_file = dir_ + "/cert.pem";
  auto r = probe(spec);
  EXPECT_TRUE(r.up) << r.reason;
}

TEST_F(TlsNetns, VerificationFailsForAnUntrustedCertificate) {
  auto spec = ssl();
  spec.tls_verify = true;  // system CAs do not know our self-signed certificate
  auto r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.reason.find("certificate verification: self-signed certificate"), std::string::npos) << r.reason;
}

TEST_F(TlsNetns, VerificationChecksTheName) {
  // Right CA, but the certificate is for hc.test, not for 10.82.0.2.
  auto spec = ssl();
  spec.tls_sni.clear();
  spec.tls_verify = true;
  spec.tls_ca_file = dir_ + "/cert.pem";
  auto r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_NE(r.reason.find("certificate verification"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace lvsd::healthcheck::test
