// Probe deadlines on a busy loop: the real HTTP_GET and TCP_CHECK checkers,
// their I/O on a real libev loop over loopback (127.0.0.1, no namespace
// needed), their deadlines and clock on a LateScheduler that models a loop
// stuck in other work. No sleeping: the fake clock only moves when told.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "core/unique_fd.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"
#include "tests/healthcheck/late_scheduler.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// A listener on 127.0.0.1 (ephemeral port) whose connections the test
// accepts and answers by hand.
class LoopbackServer {
 public:
  LoopbackServer() {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
    EXPECT_EQ(::listen(listener_.get(), 16), 0);
    socklen_t len = sizeof a;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  std::uint16_t port() const { return port_; }

  // Accepts the probe's connection (already queued by its connect()).
  bool accept_connection() {
    if (!wait_readable(listener_.get(), 5000)) return false;
    conn_.reset(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    return static_cast<bool>(conn_);
  }
  // Runs `loop` (non-blocking iterations, bounded) until the whole request
  // (up to the blank line) has arrived.
  bool receive_request(core::EventLoop& loop) {
    std::string request;
    for (int i = 0; i < 5000 && request.find("\r\n\r\n") == std::string::npos; ++i) {
      loop.run_once(false);
      if (!wait_readable(conn_.get(), 1)) continue;
      char buf[1024];
      ssize_t n = ::recv(conn_.get(), buf, sizeof buf, 0);
      if (n <= 0) return false;
      request.append(buf, static_cast<std::size_t>(n));
    }
    return request.starts_with("GET / HTTP/1.1\r\n") && request.ends_with("\r\n\r\n");
  }
  void answer_and_close(const std::string& response) {
    EXPECT_EQ(::send(conn_.get(), response.data(), response.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(response.size()));
    conn_.reset();
  }

 private:
  core::UniqueFd listener_;
  core::UniqueFd conn_;  // closes before listener_
  std::uint16_t port_ = 0;
};

constexpr const char* kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

class ProbeDeadlineTest : public ::testing::Test {
 protected:
  ProbeDeadlineTest() { std::signal(SIGPIPE, SIG_IGN); }

  SubscriptionId subscribe(CheckKind kind) {
    return checks_.subscribe(CheckSpec{.kind = kind, .address = "127.0.0.1", .port = server_.port(),
                                       .connect_timeout = seconds(1), .delay_loop = seconds(1)},
                             [this](const CheckEvent& e) {
                               results_.push_back(e.result);
                               result_times_.push_back(clock_.now());
                             });
  }
  // Bounded: runs the loop until a result arrived.
  bool run_until_result() {
    const std::size_t before = results_.size();
    for (int i = 0; i < 5000 && results_.size() == before; ++i) {
      loop_.run_once(false);
      if (results_.size() == before) ::poll(nullptr, 0, 1);
    }
    return results_.size() > before;
  }

  LoopbackServer server_;
  core::EventLoop loop_;
  LateScheduler clock_;
  CheckScheduler checks_{clock_, [this](const CheckSpec& spec) { return make_checker(loop_, clock_, spec); },
                         [](core::Duration) { return milliseconds(300); }};
  const core::TimePoint t0_ = clock_.now();
  std::vector<CheckResult> results_;
  std::vector<core::TimePoint> result_times_;
};

TEST_F(ProbeDeadlineTest, ALateStartedProbeGetsItsWholeConnectTimeout) {
  subscribe(CheckKind::kHttp);
  clock_.stall(milliseconds(2000));  // the probe was due at 300; the loop gets to it at 2000
  ASSERT_EQ(clock_.fire_due(), 1u);
  EXPECT_EQ(checks_.counters().probes_started, 1u);
  ASSERT_TRUE(server_.accept_connection());
  ASSERT_TRUE(server_.receive_request(loop_));  // the server sits on it: no answer
  clock_.advance(milliseconds(999));
  EXPECT_TRUE(results_.empty()) << "timed out before 1 s from its real start: " << results_[0].reason;
  clock_.advance(milliseconds(1));
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_FALSE(results_[0].up);
  EXPECT_EQ(results_[0].reason, "timeout waiting for response after 1s on /");
  EXPECT_EQ(results_[0].latency, seconds(1));
  EXPECT_EQ(result_times_[0] - t0_, milliseconds(3000));
  // The next probe: delay_loop after this one ended.
  clock_.advance(milliseconds(999));
  EXPECT_EQ(checks_.counters().probes_started, 1u);
  clock_.advance(milliseconds(1));
  EXPECT_EQ(checks_.counters().probes_started, 2u);
}

TEST_F(ProbeDeadlineTest, AResponseThatArrivedBeforeALateDeadlineIsNotATimeout) {
  auto id = subscribe(CheckKind::kHttp);
  clock_.advance(milliseconds(300));  // on time; deadline at 1300
  ASSERT_TRUE(server_.accept_connection());
  ASSERT_TRUE(server_.receive_request(loop_));
  server_.answer_and_close(kOk);      // in time...
  clock_.stall(milliseconds(1500));   // ...but the loop is busy until 1800
  // The next iteration runs the overdue deadline before the socket's event,
  // as libev does: the checker must look at the socket first.
  ASSERT_EQ(clock_.fire_due(), 1u);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].up) << results_[0].reason;
  EXPECT_EQ(results_[0].reason, "HTTP 200 on /");
  EXPECT_EQ(checks_.verdict(id), Verdict::kUp);
}

TEST_F(ProbeDeadlineTest, AConnectDoneBeforeALateDeadlineGoesOn) {
  auto id = subscribe(CheckKind::kHttp);
  clock_.advance(milliseconds(300));  // connect issued; the loop never ran its event
  clock_.stall(milliseconds(1500));   // busy until 1800, past the 1300 deadline
  ASSERT_EQ(clock_.fire_due(), 1u);   // deadline: connected, so the request goes out now
  EXPECT_TRUE(results_.empty());
  ASSERT_TRUE(server_.accept_connection());
  ASSERT_TRUE(server_.receive_request(loop_));
  server_.answer_and_close(kOk);
  ASSERT_TRUE(run_until_result());
  EXPECT_TRUE(results_[0].up) << results_[0].reason;
  EXPECT_EQ(checks_.verdict(id), Verdict::kUp);
}

TEST_F(ProbeDeadlineTest, AConnectionNoticedLateGivesTheServerAWholeTimeoutToAnswer) {
  subscribe(CheckKind::kHttp);
  clock_.advance(milliseconds(300));  // connect issued; deadline 1300
  clock_.stall(milliseconds(1500));
  ASSERT_EQ(clock_.fire_due(), 1u);   // 1800: found connected, request sent now
  ASSERT_TRUE(server_.accept_connection());
  ASSERT_TRUE(server_.receive_request(loop_));  // and never answered
  clock_.advance(milliseconds(999));
  EXPECT_TRUE(results_.empty()) << "the server had less than 1 s after the request: " << results_[0].reason;
  clock_.advance(milliseconds(1));
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].reason, "timeout waiting for response after 1s on /");
  EXPECT_EQ(results_[0].latency, milliseconds(2500));
}

TEST_F(ProbeDeadlineTest, AServerSilentPastALateDeadlineStillTimesOut) {
  auto id = subscribe(CheckKind::kHttp);
  clock_.advance(milliseconds(300));
  ASSERT_TRUE(server_.accept_connection());
  ASSERT_TRUE(server_.receive_request(loop_));  // request sent; never answered
  clock_.stall(milliseconds(1500));
  ASSERT_EQ(clock_.fire_due(), 1u);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_FALSE(results_[0].up);
  EXPECT_EQ(results_[0].reason, "timeout waiting for response after 1s on /");
  EXPECT_EQ(checks_.verdict(id), Verdict::kDown);
}

TEST_F(ProbeDeadlineTest, ATcpConnectDoneBeforeALateDeadlineIsUp) {
  auto id = subscribe(CheckKind::kTcp);
  clock_.advance(milliseconds(300));
  clock_.stall(milliseconds(1500));
  clock_.fire_due();
  if (results_.empty()) {
    ASSERT_TRUE(run_until_result());  // connected at once: delivered from the loop
  }
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].up) << results_[0].reason;
  EXPECT_EQ(results_[0].reason, "connected");
  EXPECT_EQ(checks_.verdict(id), Verdict::kUp);
}

}  // namespace
}  // namespace lvsd::healthcheck::test
