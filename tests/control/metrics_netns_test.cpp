// netns tier: curl scrapes the metrics endpoint over loopback.
#include <gtest/gtest.h>

#include "control/metrics.hpp"
#include "tests/control/loop_runner.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::control {
namespace {

// libev's default loop reaps every child, so the shell prints the exit code.
test::CommandResult run(core::EventLoop& loop, const std::string& command) {
  test::CommandResult result;
  EXPECT_TRUE(test_support::run_loop_with_client(loop, [&] {
    result = test::run_command(command + "; echo \"exit=$?\"");
  }));
  const auto at = result.output.rfind("exit=");
  if (at != std::string::npos) {
    result.exit_code = std::stoi(result.output.substr(at + 5));
    result.output.erase(at);
  }
  return result;
}

TEST(MetricsEndpoint, CurlScrapesMetricsAndGets404Elsewhere) {
  core::EventLoop loop;
  int renders = 0;
  // The text comes from a later loop turn, as the daemon's comes from its
  // worker thread: the reply is deferred.
  std::function<void(std::string)> pending;
  std::string text;
  auto later = loop.scheduler().create_timer([&] {
    auto done = std::move(pending);
    done(text);
  });
  auto server = MetricsServer::open(loop, {.listen = "127.0.0.1:0"}, [&](std::function<void(std::string)> done) {
    ++renders;
    StatusSnapshot s;
    s.counters.reloads_succeeded = 5;
    text = render_metrics(s);
    pending = std::move(done);
    later->arm(std::chrono::milliseconds(20));
  });
  ASSERT_TRUE(server.ok()) << server.error().message;
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());

  auto scrape = run(loop, "curl -sS --max-time 5 -D - " + base + "/metrics");
  EXPECT_EQ(scrape.exit_code, 0) << scrape.output;
  EXPECT_NE(scrape.output.find("HTTP/1.0 200 OK"), std::string::npos) << scrape.output;
  EXPECT_NE(scrape.output.find("lvsd_config_reloads_total{result=\"success\"} 5"), std::string::npos) << scrape.output;
  EXPECT_EQ(renders, 1);

  auto missing = run(loop, "curl -s --max-time 5 -o /dev/null -w '%{http_code}' " + base + "/");
  EXPECT_EQ(missing.output, "404") << missing.output;
  EXPECT_EQ(renders, 1);

  // An endless header is cut off; the endpoint keeps serving.
  auto huge = run(loop, "curl -s --max-time 5 -o /dev/null -w '%{http_code}' -H \"X-Big: $(head -c 20000 /dev/zero | tr '\\0' a)\" " +
                            base + "/metrics");
  EXPECT_EQ(huge.output, "431") << huge.output;
  auto again = run(loop, "curl -s --max-time 5 -o /dev/null -w '%{http_code}' " + base + "/metrics");
  EXPECT_EQ(again.output, "200") << again.output;
}

TEST(MetricsEndpoint, BadListenAddressIsAnError) {
  core::EventLoop loop;
  auto bad = MetricsServer::open(loop, {.listen = "localhost:9547"}, [](std::function<void(std::string)> done) { done(std::string()); });
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not an IP address"), std::string::npos);
  EXPECT_FALSE(MetricsServer::open(loop, {.listen = "127.0.0.1"}, [](std::function<void(std::string)> done) { done(std::string()); }).ok());
  EXPECT_FALSE(MetricsServer::open(loop, {.listen = "127.0.0.1:http"}, [](std::function<void(std::string)> done) { done(std::string()); }).ok());
}

}  // namespace
}  // namespace lvsd::control
