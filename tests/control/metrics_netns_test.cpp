// netns tier: curl scrapes the metrics endpoint over loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "control/metrics.hpp"
#include "core/log.hpp"
#include "core/unique_fd.hpp"
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

// A renderer that answers at once with no metrics.
void empty_metrics(MetricsServer::Reply reply) { reply.send(metrics_response("", reply.head_only)); }

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
  auto server = MetricsServer::open(loop, {.listen = "127.0.0.1:0"}, [&](MetricsServer::Reply reply) {
    ++renders;
    StatusSnapshot s;
    s.counters.reloads_succeeded = 5;
    text = metrics_response(render_metrics(s), reply.head_only);
    pending = std::move(reply.send);
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

TEST(MetricsEndpoint, SlowClientsCannotKeepScrapesOut) {
  core::EventLoop loop;
  MetricsServerOptions options{.listen = "127.0.0.1:0"};
  options.stream.request_timeout = std::chrono::seconds(2);
  auto server = MetricsServer::open(loop, options, [](MetricsServer::Reply reply) {
    reply.send(metrics_response("up 1\n", reply.head_only));
  });
  ASSERT_TRUE(server.ok()) << server.error().message;
  const std::uint16_t port = (*server)->port();
  std::vector<core::UniqueFd> slow;
  test::CommandResult scrape;
  std::string trickler_saw;
  ASSERT_TRUE(test_support::run_loop_with_client(loop, [&] {
    // Every slot (8) taken by a request head that never ends.
    for (int i = 0; i < 8; ++i) {
      core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      sockaddr_in sin{};
      sin.sin_family = AF_INET;
      sin.sin_port = htons(port);
      sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ASSERT_EQ(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sin), sizeof sin), 0);
      ASSERT_EQ(::send(fd.get(), "GET /met", 8, MSG_NOSIGNAL), 8);
      slow.push_back(std::move(fd));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    scrape = test::run_command("curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                               std::to_string(port) + "/metrics");
    // The last trickler (never evicted: curl took the first one's slot)
    // meets the request deadline however it keeps sending.
    timeval tv{.tv_sec = 3, .tv_usec = 0};
    ::setsockopt(slow.back().get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (int i = 0; i < 20 && ::send(slow.back().get(), "r", 1, MSG_NOSIGNAL) == 1; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    char buf[64];
    const ssize_t n = ::recv(slow.back().get(), buf, sizeof buf, 0);
    trickler_saw = n == 0 || (n < 0 && errno == ECONNRESET) ? "closed" : "n=" + std::to_string(n);
  }));
  slow.clear();
  EXPECT_EQ(scrape.output, "200") << scrape.output;
  EXPECT_EQ(trickler_saw, "closed");
  EXPECT_GE((*server)->connection_counters().evicted_incomplete, 1u);
  EXPECT_GE((*server)->connection_counters().dropped_request_timeout, 1u);
  EXPECT_EQ((*server)->scrapes(), 1u);
}

TEST(MetricsEndpoint, NonLoopbackListenIsWarnedAbout) {
  core::EventLoop loop;
  for (const char* listen : {"127.0.0.1:0", "127.3.0.1:0", "[::1]:0"}) {
    core::log::Capture capture(core::log::Level::warn);
    auto server = MetricsServer::open(loop, {.listen = listen}, empty_metrics);
    ASSERT_TRUE(server.ok()) << listen << ": " << server.error().message;
    EXPECT_EQ(capture.text(), "") << listen;
  }
  core::log::Capture capture(core::log::Level::warn);
  // Bound, never connected to: the test sends nothing off loopback.
  auto server = MetricsServer::open(loop, {.listen = "0.0.0.0:0"}, empty_metrics);
  ASSERT_TRUE(server.ok()) << server.error().message;
  EXPECT_NE(capture.text().find("metrics: 0.0.0.0:0 is not a loopback address"), std::string::npos)
      << capture.text();
}

TEST(MetricsEndpoint, BadListenAddressIsAnError) {
  core::EventLoop loop;
  auto bad = MetricsServer::open(loop, {.listen = "localhost:9547"}, empty_metrics);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not an IP address"), std::string::npos);
  EXPECT_FALSE(MetricsServer::open(loop, {.listen = "127.0.0.1"}, empty_metrics).ok());
  EXPECT_FALSE(MetricsServer::open(loop, {.listen = "127.0.0.1:http"}, empty_metrics).ok());
}

}  // namespace
}  // namespace lvsd::control
