// netns tier (Unix sockets; no namespace, no sleep): StreamServer's request
// deadline and slot eviction. The loop does the I/O, a FakeScheduler owns the
// server's timers, and the test is the only client (non-blocking sockets),
// so every step is deterministic.
#include "control/stream_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "control/server.hpp"
#include "core/fake_scheduler.hpp"

namespace lvsd::control {
namespace {

using std::chrono::seconds;

// One line in, "ok LINE\n" out.
SessionNext echo_lines(std::string& input, std::string& output, bool) {
  const auto newline = input.find('\n');
  if (newline == std::string::npos) return SessionNext::kContinue;
  output += "ok " + input.substr(0, newline + 1);
  input.erase(0, newline + 1);
  return SessionNext::kContinue;
}

class StreamServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvsd-stream-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/s.sock";
  }
  void TearDown() override {
    server_.reset();
    fds_.clear();
    std::filesystem::remove_all(dir_);
  }

  void start(StreamServerOptions options) {
    auto fd = listen_unix(path_, 0600);
    ASSERT_TRUE(fd.ok()) << fd.error().message;
    server_ = std::make_unique<StreamServer>(loop_, fake_, std::move(*fd), options, echo_lines, "test");
  }

  // Connects and lets the server accept.
  int connect_client() {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fds_.emplace_back(fd);
    EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
    pump();
    return fd;
  }

  void send(int fd, const std::string& bytes) {
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    pump();
  }

  // What the server sent so far; "<closed>" appended once it closed.
  static std::string received(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || errno == ECONNRESET) out += "<closed>";
      return out;
    }
  }

  // Lets the loop handle whatever is ready (Unix sockets deliver at once).
  void pump() {
    for (int i = 0; i < 8; ++i) loop_.run_once(false);
  }

  void advance(core::Duration d) {
    fake_.advance(d);
    pump();
  }

  core::EventLoop loop_;
  core::FakeScheduler fake_;
  std::string dir_, path_;
  std::vector<core::UniqueFd> fds_;
  std::unique_ptr<StreamServer> server_;
};

TEST_F(StreamServerTest, TricklingClientIsDroppedAtTheRequestDeadline) {
  start({.idle_timeout = seconds(3), .request_timeout = seconds(5)});
  const int fd = connect_client();
  // One byte a second keeps the idle timer from ever firing...
  for (int i = 0; i < 4; ++i) {
    advance(seconds(1));
    send(fd, "x");
  }
  advance(std::chrono::milliseconds(999));
  EXPECT_EQ(received(fd), "");
  EXPECT_EQ(server_->client_count(), 1u);
  // ...but the request was not whole 5 s after the accept.
  advance(std::chrono::milliseconds(1));
  EXPECT_EQ(received(fd), "<closed>");
  EXPECT_EQ(server_->client_count(), 0u);
  EXPECT_EQ(server_->counters().dropped_request_timeout, 1u);
  EXPECT_EQ(server_->counters().dropped_idle, 0u);
}

TEST_F(StreamServerTest, DeadlineRestartsWhenAReplyIsOut) {
  start({.idle_timeout = seconds(30), .request_timeout = seconds(5)});
  const int fd = connect_client();
  advance(seconds(4));
  send(fd, "a\n");
  EXPECT_EQ(received(fd), "ok a\n");
  // 8 s after the accept, 4 s after the reply: in time.
  advance(seconds(4));
  send(fd, "b\nc\n");
  EXPECT_EQ(received(fd), "ok b\nok c\n");
  advance(std::chrono::milliseconds(4999));
  EXPECT_EQ(received(fd), "");
  advance(std::chrono::milliseconds(1));
  EXPECT_EQ(received(fd), "<closed>");
  EXPECT_EQ(server_->counters().dropped_request_timeout, 1u);
}

TEST_F(StreamServerTest, FullHouseOfTricklersMakesRoomForTheOldestOnesSuccessor) {
  start({.max_clients = 3, .idle_timeout = seconds(30), .request_timeout = seconds(5), .busy_message = "busy\n"});
  const int first = connect_client();
  send(first, "{\"comm");
  const int second = connect_client();
  const int third = connect_client();
  send(third, "{");
  // A real client arrives while every slot holds an incomplete request.
  const int real = connect_client();
  send(real, "status\n");
  EXPECT_EQ(received(real), "ok status\n");
  EXPECT_EQ(received(first), "<closed>");
  EXPECT_EQ(received(second), "");
  EXPECT_EQ(received(third), "");
  EXPECT_EQ(server_->counters().evicted_incomplete, 1u);
  EXPECT_EQ(server_->counters().rejected_too_many, 0u);
  // The next one takes the second trickler's place, never the real client's.
  const int another = connect_client();
  EXPECT_EQ(received(second), "<closed>");
  send(another, "x\n");
  EXPECT_EQ(received(another), "ok x\n");
  send(real, "again\n");
  EXPECT_EQ(received(real), "ok again\n");
  EXPECT_EQ(server_->counters().evicted_incomplete, 2u);
}

TEST_F(StreamServerTest, ClientsThatWereAnsweredAreNotEvicted) {
  start({.max_clients = 2, .idle_timeout = seconds(30), .request_timeout = seconds(5), .busy_message = "busy\n"});
  const int a = connect_client();
  send(a, "1\n");
  const int b = connect_client();
  send(b, "2\n");
  const int c = connect_client();
  EXPECT_EQ(received(c), "busy\n<closed>");
  EXPECT_EQ(server_->counters().rejected_too_many, 1u);
  EXPECT_EQ(server_->counters().evicted_incomplete, 0u);
  EXPECT_EQ(received(a), "ok 1\n");
  EXPECT_EQ(received(b), "ok 2\n");
}

}  // namespace
}  // namespace lvsd::control
