// netns tier (sockets, threads, bounded waits; no namespace needed): the
// control socket server with a blocking client on another thread.
#include "control/server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "control/client.hpp"
#include "tests/control/loop_runner.hpp"

namespace lvsd::control {
namespace {

using test_support::run_loop_with_client;

// The server closed the connection (with unread data on its side, the peer sees a reset).
bool closed(const std::string& message) {
  return message.find("closed the connection") != std::string::npos ||
         message.find("Connection reset") != std::string::npos;
}

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvsd-control-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/run/lvsd.sock";  // "run" does not exist yet
    handlers_.status = [this](ReplyLine done) {
      ++status_calls_;
      done(status_reply_line(StatusSnapshot{.version = "test", .pid = 7}), true);
    };
    handlers_.reload = [](std::function<void(ReloadOutcome)> done) {
      done(ReloadOutcome{.applied = false, .errors = {"lvsd.yaml:3:5: virtual_servers[0].port: 0 is not allowed"}});
    };
    handlers_.disable = [](const DisableRequest&) -> core::Result<bool> { throw std::runtime_error("boom"); };
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ControlServer> open_server(ControlServerOptions options = {}) {
    options.path = path_;
    auto server = ControlServer::open(loop_, options, handlers_);
    EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
    return server.ok() ? std::move(*server) : nullptr;
  }

  static ControlClient connect_or_die(const std::string& path) {
    auto c = ControlClient::connect(path, std::chrono::seconds(5));
    if (!c.ok()) throw std::runtime_error(c.error().message);
    return std::move(*c);
  }

  core::EventLoop loop_;
  std::string dir_;
  std::string path_;
  ControlHandlers handlers_;
  int status_calls_ = 0;
};

TEST_F(ControlServerTest, AnswersStatusWithMode0600AndRemovesTheSocketOnShutdown) {
  auto server = open_server();
  ASSERT_TRUE(server);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);

  core::Result<Reply> reply = core::Error{"not called"};
  ASSERT_TRUE(run_loop_with_client(loop_, [&] { reply = connect_or_die(path_).call(StatusRequest{}); }));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  ASSERT_TRUE(reply->ok);
  auto snapshot = status_from_json(reply->result);
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  EXPECT_EQ(snapshot->version, "test");
  EXPECT_EQ(snapshot->pid, 7);

  server.reset();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(ControlServerTest, RefusedReloadCarriesEveryError) {
  auto server = open_server();
  core::Result<Reply> reply = core::Error{"not called"};
  ASSERT_TRUE(run_loop_with_client(loop_, [&] { reply = connect_or_die(path_).call(ReloadRequest{}); }));
  ASSERT_TRUE(reply.ok());
  EXPECT_FALSE(reply->ok);
  EXPECT_NE(reply->error.find("configuration refused"), std::string::npos);
  ASSERT_EQ(reply->errors.size(), 1u);
  EXPECT_NE(reply->errors[0].find("lvsd.yaml:3:5"), std::string::npos);
}

TEST_F(ControlServerTest, MissingHandlerAndThrowingHandlerAreErrorReplies) {
  auto server = open_server();
  std::vector<std::string> lines;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto c = connect_or_die(path_);
    lines.push_back(c.call_raw(R"({"command":"restart"})" "\n").value());
    lines.push_back(c.call_raw(R"({"command":"disable","virtual_server":"10.0.0.1:80"})" "\n").value());
    lines.push_back(c.call_raw(R"({"command":"status"})" "\n").value());
  }));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("not supported"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("internal error in disable: boom"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("\"ok\":true"), std::string::npos) << lines[2];
}

TEST_F(ControlServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = open_server();
  std::string all;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto c = connect_or_die(path_);
    auto first = c.call_raw("{\"command\":\"status\"}\n\n{\"command\":\"nope\"}\r\n{\"command\":\"reload\"}\n");
    all += first.value() + "\n";
    all += c.call_raw("").value() + "\n";
    all += c.call_raw("").value() + "\n";
  }));
  const auto a = all.find("\"ok\":true");
  const auto b = all.find("unknown command 'nope'");
  const auto c = all.find("configuration refused");
  ASSERT_NE(a, std::string::npos) << all;
  ASSERT_NE(b, std::string::npos) << all;
  ASSERT_NE(c, std::string::npos) << all;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(ControlServerTest, HalfSentRequestDoesNotBlockOtherClients) {
  auto server = open_server();
  std::string slow_reply, fast_reply;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto slow = connect_or_die(path_);
    // First half only: the server must wait for the rest without blocking.
    ASSERT_EQ(::send(slow.fd(), "{\"comm", 6, MSG_NOSIGNAL), 6);
    fast_reply = connect_or_die(path_).call_raw("{\"command\":\"status\"}\n").value();
    slow_reply = slow.call_raw("and\":\"status\"}\n").value();
  }));
  EXPECT_NE(fast_reply.find("\"ok\":true"), std::string::npos);
  EXPECT_NE(slow_reply.find("\"ok\":true"), std::string::npos) << slow_reply;
  EXPECT_EQ(status_calls_, 2);
}

TEST_F(ControlServerTest, OversizedLineGetsAnErrorAndTheConnectionIsClosed) {
  auto server = open_server();
  std::string reply;
  std::string after;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto c = connect_or_die(path_);
    reply = c.call_raw(std::string(kMaxRequestBytes + 100, 'x')).value();
    auto next = c.call_raw("{\"command\":\"status\"}\n");
    after = next.ok() ? *next : next.error().message;
    // The server is fine for others.
    after += " | " + connect_or_die(path_).call_raw("{\"command\":\"status\"}\n").value();
  }));
  EXPECT_NE(reply.find("longer than 65536 bytes"), std::string::npos) << reply.substr(0, 200);
  EXPECT_TRUE(closed(after)) << after;
  EXPECT_NE(after.find("\"ok\":true"), std::string::npos) << after;
}

TEST_F(ControlServerTest, ClientThatNeverReadsHoldsOneReplyAndBlocksNobody) {
  ControlServerOptions options;
  auto server = open_server(options);
  std::string fast_reply;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto greedy = connect_or_die(path_);
    // Far more requests than the socket buffers hold, never reading a reply.
    const std::string burst = [] {
      std::string s;
      for (int i = 0; i < 2000; ++i) s += "{\"command\":\"status\"}\n";
      return s;
    }();
    const int fd = greedy.fd();
    timeval tv{.tv_sec = 0, .tv_usec = 200000};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    for (int i = 0; i < 50; ++i) {
      if (::send(fd, burst.data(), burst.size(), MSG_NOSIGNAL) < 0) break;  // the server stopped reading
    }
    fast_reply = connect_or_die(path_).call_raw("{\"command\":\"status\"}\n").value();
  }));
  EXPECT_NE(fast_reply.find("\"ok\":true"), std::string::npos);
  // Answered only what fit while the greedy client's socket still accepted replies.
  EXPECT_LT(status_calls_, 50 * 2000);
}

TEST_F(ControlServerTest, TooManyClientsAreTurnedAway) {
  ControlServerOptions options;
  options.stream.max_clients = 2;
  auto server = open_server(options);
  std::string third;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto a = connect_or_die(path_);
    auto b = connect_or_die(path_);
    (void)a.call_raw("{\"command\":\"status\"}\n");
    (void)b.call_raw("{\"command\":\"status\"}\n");
    auto c = connect_or_die(path_);
    auto r = c.call_raw("{\"command\":\"status\"}\n");
    third = r.ok() ? *r : r.error().message;
  }));
  EXPECT_NE(third.find("too many control clients"), std::string::npos) << third;
  EXPECT_EQ(server->connection_counters().rejected_too_many, 1u);
}

TEST_F(ControlServerTest, IdleClientIsDropped) {
  ControlServerOptions options;
  options.stream.idle_timeout = std::chrono::milliseconds(100);
  auto server = open_server(options);
  std::string result;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto c = connect_or_die(path_);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto r = c.call_raw("{\"command\":\"status\"}\n");
    result = r.ok() ? *r : r.error().message;
  }));
  EXPECT_EQ(server->connection_counters().dropped_idle, 1u);
  EXPECT_EQ(status_calls_, 0);
}

TEST_F(ControlServerTest, TricklingClientIsDroppedAtTheRequestDeadline) {
  ControlServerOptions options;
  options.stream.idle_timeout = std::chrono::seconds(10);
  options.stream.request_timeout = std::chrono::milliseconds(300);
  auto server = open_server(options);
  std::string result;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto c = connect_or_die(path_);
    // A byte every 50 ms: always busy, never done.
    const std::string request = "{\"command\":\"status\"}";
    for (std::size_t i = 0; i < request.size(); ++i) {
      if (::send(c.fd(), &request[i], 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto r = c.call_raw("\n");
    result = r.ok() ? *r : r.error().message;
  }));
  EXPECT_TRUE(closed(result)) << result;
  EXPECT_EQ(server->connection_counters().dropped_request_timeout, 1u);
  EXPECT_EQ(server->connection_counters().dropped_idle, 0u);
  EXPECT_EQ(status_calls_, 0);
}

TEST_F(ControlServerTest, TricklersCannotLockOutARealClient) {
  ControlServerOptions options;
  options.stream.max_clients = 2;
  auto server = open_server(options);
  std::string real;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto a = connect_or_die(path_);
    auto b = connect_or_die(path_);
    ASSERT_EQ(::send(a.fd(), "{", 1, MSG_NOSIGNAL), 1);
    ASSERT_EQ(::send(b.fd(), "{", 1, MSG_NOSIGNAL), 1);
    auto r = connect_or_die(path_).call_raw("{\"command\":\"status\"}\n");
    real = r.ok() ? *r : r.error().message;
  }));
  EXPECT_NE(real.find("\"ok\":true"), std::string::npos) << real;
  EXPECT_EQ(server->connection_counters().evicted_incomplete, 1u);
  EXPECT_EQ(server->connection_counters().rejected_too_many, 0u);
}

TEST_F(ControlServerTest, DuplicateKeyOrNulIsRefusedAndNothingRuns) {
  int reloads = 0;
  handlers_.reload = [&](std::function<void(ReloadOutcome)> done) {
    ++reloads;
    done(ReloadOutcome{.applied = true});
  };
  auto server = open_server();
  std::string duplicate, nul;
  ASSERT_TRUE(run_loop_with_client(loop_, [&] {
    auto c = connect_or_die(path_);
    duplicate = c.call_raw(R"({"command":"status","command":"reload"})" "\n").value();
    nul = c.call_raw(std::string(R"({"command":"status"})") + '\0' + R"({"command":"reload"})" "\n").value();
  }));
  EXPECT_NE(duplicate.find("duplicate key 'command'"), std::string::npos) << duplicate;
  EXPECT_NE(nul.find("NUL byte"), std::string::npos) << nul;
  EXPECT_EQ(reloads, 0);
  EXPECT_EQ(status_calls_, 0);
}

TEST_F(ControlServerTest, StaleSocketIsReplacedLiveOrForeignFileIsNot) {
  std::filesystem::create_directories(dir_ + "/run");
  {
    // A socket file nobody listens on (as a crash leaves it).
    auto fd = listen_unix(path_, 0600);
    ASSERT_TRUE(fd.ok());  // closed at once: nobody listens on the file
  }
  ASSERT_TRUE(std::filesystem::exists(path_));
  auto server = open_server();
  ASSERT_TRUE(server);
  // A second server while the first listens: refused, first untouched.
  auto second = ControlServer::open(loop_, ControlServerOptions{.path = path_}, handlers_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("listening"), std::string::npos) << second.error().message;
  server.reset();
  // A regular file is never replaced.
  std::ofstream(path_) << "not a socket";
  auto third = ControlServer::open(loop_, ControlServerOptions{.path = path_}, handlers_);
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message.find("not a socket"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_regular_file(path_));
}

}  // namespace
}  // namespace lvsd::control
