// netns tier, bounded: the control socket under random bytes, huge lines,
// half JSON and wrong types. Every reply is a well-formed error, nothing
// reaches a state-changing handler, and a valid status is answered after.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "control/client.hpp"
#include "control/server.hpp"
#include "tests/control/loop_runner.hpp"

namespace lvsd::control {
namespace {

// Sends `payload`, closes the sending side, returns every reply line.
std::vector<std::string> send_and_read_all(const std::string& path, const std::string& payload) {
  auto client = ControlClient::connect(path, std::chrono::seconds(2));
  if (!client.ok()) return {"connect failed: " + client.error().message};
  const int fd = client->fd();
  std::size_t sent = 0;
  while (sent < payload.size()) {
    const ssize_t n = ::send(fd, payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server refused an oversized line and closed
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string all;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    all.append(buf, static_cast<std::size_t>(n));
  }
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (auto nl = all.find('\n'); nl != std::string::npos; nl = all.find('\n', start)) {
    lines.push_back(all.substr(start, nl - start));
    start = nl + 1;
  }
  if (start < all.size()) lines.push_back("partial line: " + all.substr(start));
  return lines;
}

std::string random_payload(std::mt19937& rng, int kind) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(1, 2000);
  switch (kind) {
    case 0: {  // random bytes, newlines included
      std::string s(static_cast<std::size_t>(len(rng)), '\0');
      for (auto& c : s) c = static_cast<char>(byte(rng));
      return s + "\n";
    }
    case 1:  // a huge line
      return std::string(kMaxRequestBytes + 1 + static_cast<std::size_t>(len(rng)), '{');
    case 2: {  // half a valid request
      const std::string full = R"({"command":"drain","virtual_server":"10.0.0.1:80","real_server":"10.0.0.2:80"})";
      return full.substr(0, static_cast<std::size_t>(len(rng)) % full.size()) + "\n";
    }
    case 3: {  // wrong types in every field
      static const char* kWrong[] = {
          R"({"command":["drain"]})",
          R"({"command":"drain","virtual_server":{"a":1},"real_server":"10.0.0.2"})",
          R"({"command":"drain","virtual_server":"10.0.0.1:80","real_server":null})",
          R"({"command":"drain","virtual_server":"10.0.0.1:80","real_server":"10.0.0.2","timeout_s":-3})",
          R"({"command":"disable","virtual_server":true})",
          R"({"command":"enable","virtual_server":"10.0.0.1:80","extra":1})",
          R"({"command":null})",
          R"("status")",
          R"([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]])",
          R"({"command":"drain","virtual_server":"1e999","real_server":"10.0.0.2"})",
          "{\"command\":\"st\xc3\x28tus\"}",
      };
      return std::string(kWrong[static_cast<std::size_t>(len(rng)) % std::size(kWrong)]) + "\n";
    }
    default: {  // deep nesting
      const std::size_t depth = static_cast<std::size_t>(len(rng)) * 10;
      return std::string(depth, '[') + std::string(depth, ']') + "\n";
    }
  }
}

TEST(ControlSocketFuzz, GarbageGetsErrorRepliesAndChangesNothing) {
  char tmpl[] = "/tmp/lvsd-fuzz-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/lvsd.sock";
  core::EventLoop loop;
  int mutations = 0;
  int statuses = 0;
  ControlHandlers h;
  h.status = [&](ReplyLine done) {
    ++statuses;
    done(status_reply_line(StatusSnapshot{.version = "fuzz"}), true);
  };
  h.reload = [&](std::function<void(ReloadOutcome)> done) {
    ++mutations;
    done(ReloadOutcome{.applied = true});
  };
  auto mutate = [&](const auto&) -> core::Result<bool> {
    ++mutations;
    return true;
  };
  h.drain = mutate;
  h.undrain = mutate;
  h.enable = mutate;
  h.disable = mutate;
  h.restart = [&]() -> core::Status {
    ++mutations;
    return {};
  };
  auto server = ControlServer::open(loop, {.path = path}, h);
  ASSERT_TRUE(server.ok()) << server.error().message;

  std::mt19937 rng(20261122);  // fixed: a failure reproduces
  std::vector<std::string> bad;
  std::size_t replies = 0;
  std::string final_status;
  ASSERT_TRUE(test_support::run_loop_with_client(
      loop,
      [&] {
        for (int i = 0; i < 300; ++i) {
          for (const auto& line : send_and_read_all(path, random_payload(rng, i % 5))) {
            ++replies;
            auto reply = parse_reply(line);
            if (!reply.ok() || (reply->ok && line.find("\"version\":\"fuzz\"") == std::string::npos)) {
              bad.push_back(line.substr(0, 200));
            }
          }
        }
        auto c = ControlClient::connect(path, std::chrono::seconds(2));
        if (c.ok()) {
          auto r = c->call(StatusRequest{});
          final_status = r.ok() && r->ok ? r->result.dump() : "no status";
        }
      },
      std::chrono::seconds(120)));
  EXPECT_TRUE(bad.empty()) << bad.size() << " bad replies, first: " << bad.front();
  EXPECT_GT(replies, 300u);
  EXPECT_EQ(mutations, 0);
  EXPECT_NE(final_status.find("\"version\":\"fuzz\""), std::string::npos) << final_status;
  // Every connection is gone once the loop has seen the last close.
  for (int i = 0; i < 200 && (*server)->client_count() > 0; ++i) {
    loop.run_once(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ((*server)->client_count(), 0u);
  server->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lvsd::control
