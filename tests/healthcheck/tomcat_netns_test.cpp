// netns tier: HTTP_GET against Debian's tomcat10, the server users put behind
// LVS. Tomcat runs in a namespace with its own CATALINA_BASE (a copy of
// Debian's configuration and default ROOT webapp in a temporary directory),
// is checked on its default page with the status and the MD5 digest the test
// computes from the page it fetched, then stopped: the check fails.
//
// Needs the tomcat10 package (Debian 12; its service must not be running).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "healthcheck/checker.hpp"
#include "healthcheck/http_response.hpp"
#include "tests/healthcheck/netns_support.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using lvsd::test::run_command;
using lvsd::test::shell_quote;

constexpr const char* kCatalinaHome = "/usr/share/tomcat10";
constexpr const char* kDebianConf = "/etc/tomcat10";
constexpr const char* kDebianRoot = "/var/lib/tomcat10/webapps/ROOT";

class TomcatNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    ignore_sigpipe();
    ASSERT_EQ(run_command(std::string("test -x ") + kCatalinaHome + "/bin/catalina.sh && command -v java").exit_code, 0)
        << "tomcat10 is not installed (apt-get install --no-install-recommends tomcat10)";
    base_ = "/tmp/" + topo_.id() + "-tomcat";
    const std::string q = shell_quote(base_);
    const auto made = run_command("set -e; mkdir -p " + q + "/conf " + q + "/logs " + q + "/temp " + q + "/work " + q +
                                  "/webapps " + q + "/lib; cp -r " + kDebianConf + "/. " + q + "/conf/; cp -r " +
                                  kDebianRoot + " " + q + "/webapps/ROOT");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    // spawn() execs the command and `catalina.sh run` execs java, so the
    // Process is the JVM: SIGTERM is Tomcat's own orderly shutdown.
    tomcat_ = server_.spawn("env CATALINA_HOME=" + std::string(kCatalinaHome) + " CATALINA_BASE=" + q +
                            " CATALINA_TMPDIR=" + q + "/temp" +
                            " JAVA_OPTS='-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1'" + " " +
                            kCatalinaHome + "/bin/catalina.sh run");
    // Bounded startup wait: a JVM on a busy 2-core machine takes seconds.
    const bool ready = lvsd::test::wait_until(
        [&] {
          if (!tomcat_->running()) return true;  // gave up: fail at once with its output
          return client_.run("curl -s -m 2 -o /dev/null -w '%{http_code}' http://10.83.0.2:8080/").output == "200";
        },
        seconds(90), milliseconds(250));
    ASSERT_TRUE(ready && tomcat_->running()) << "tomcat did not answer on :8080 within 90 s:\n" << tomcat_->output();
  }
  void TearDown() override {
    tomcat_.reset();
    run_command("rm -rf " + shell_quote(base_));
  }

  CheckResult probe(const CheckSpec& spec) {
    NetnsScope in_client(client_);
    return probe_once(loop_, spec, seconds(10));
  }
  static CheckSpec http_get(std::optional<std::string> digest) {
    return CheckSpec{.kind = CheckKind::kHttp, .address = "10.83.0.2", .port = 8080,
                     .connect_timeout = seconds(3),
                     .urls = {HttpUrl{.path = "/", .status = StatusRange{.low = 200, .high = 200},
                                      .digest = std::move(digest)}}};
  }

  lvsd::test::Topology topo_;
  lvsd::test::Host& client_ = topo_.add_host("c", "10.83.0.1/24");
  lvsd::test::Host& server_ = topo_.add_host("s", "10.83.0.2/24");
  std::string base_;
  std::unique_ptr<lvsd::test::Process> tomcat_;
  core::EventLoop loop_;
};

TEST_F(TomcatNetns, HttpGetWithDigestPassesWhileTomcatRunsAndFailsOnceStopped) {
  // The digest of the default page as a client receives it.
  const std::string page_file = base_ + "/fetched.html";
  const auto fetched = client_.run("curl -s -m 5 -o " + shell_quote(page_file) + " http://10.83.0.2:8080/");
  ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
  std::ifstream in(page_file, std::ios::binary);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(page.find("It works"), std::string::npos) << page;
  const std::string digest = md5_hex(page);

  const CheckResult up = probe(http_get(digest));
  EXPECT_TRUE(up.up) << up.reason;
  EXPECT_EQ(up.reason, "HTTP 200 on /");

  // Another page content would not match: the digest is really compared.
  const CheckResult wrong = probe(http_get(std::string(32, '0')));
  EXPECT_FALSE(wrong.up);
  EXPECT_EQ(wrong.reason, "digest mismatch on / (got " + digest + ")");

  // A missing page is Tomcat's 404, outside the expected status.
  CheckSpec missing = http_get(std::nullopt);
  missing.urls[0].path = "/no-such-page";
  const CheckResult not_found = probe(missing);
  EXPECT_FALSE(not_found.up);
  EXPECT_EQ(not_found.reason, "HTTP 404 on /no-such-page");

  // Stop Tomcat (SIGTERM: its orderly shutdown) and check again.
  ASSERT_TRUE(tomcat_->signal(SIGTERM));
  ASSERT_NE(tomcat_->wait(seconds(30)), -1) << "tomcat did not stop within 30 s";
  const CheckResult down = probe(http_get(digest));
  EXPECT_FALSE(down.up);
  EXPECT_EQ(down.reason, "connection refused");
}

}  // namespace
}  // namespace lvsd::healthcheck::test
