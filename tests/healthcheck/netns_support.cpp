#include "tests/healthcheck/netns_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <stdexcept>

#include "healthcheck/checker.hpp"

namespace lvsd::healthcheck::test {

NetnsScope::NetnsScope(const lvsd::test::Host& host) {
  saved_.reset(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  const core::UniqueFd target(::open(("/run/netns/" + host.netns()).c_str(), O_RDONLY | O_CLOEXEC));
  if (!saved_ || !target || ::setns(target.get(), CLONE_NEWNET) != 0) {
    throw std::runtime_error("cannot enter namespace " + host.netns() + ": " + std::strerror(errno));
  }
}

NetnsScope::~NetnsScope() {
  if (saved_) (void)::setns(saved_.get(), CLONE_NEWNET);
}

core::UniqueFd listen_tcp(const std::string& address, std::uint16_t port, int backlog) {
  core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd.get(), backlog) != 0) {
    throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " + std::strerror(errno));
  }
  return fd;
}

bool run_loop_until(core::EventLoop& loop, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  // A ticking timer bounds each blocking iteration so the wall clock is re-read.
  auto tick = loop.scheduler().create_timer([] {});
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    tick->arm(std::chrono::milliseconds(10));
    loop.run_once(true);
  }
  return done();
}

CheckResult probe_once(core::EventLoop& loop, const CheckSpec& spec, std::chrono::milliseconds timeout) {
  auto checker = make_checker(loop, spec);
  std::optional<CheckResult> result;
  checker->start([&](CheckResult r) { result = std::move(r); });
  if (!run_loop_until(loop, [&] { return result.has_value(); }, timeout)) {
    checker->cancel();
    return CheckResult{.up = false, .reason = "TEST: probe did not finish"};
  }
  return *result;
}

TinyHttpResponder::TinyHttpResponder(std::vector<core::UniqueFd> listeners) : listeners_(std::move(listeners)) {
  stop_fd_.reset(::eventfd(0, EFD_CLOEXEC));
  thread_ = std::thread([this] { serve(); });
}

TinyHttpResponder::~TinyHttpResponder() {
  std::uint64_t one = 1;
  (void)::write(stop_fd_.get(), &one, sizeof one);
  thread_.join();  // listeners_ and stop_fd_ close after the thread stopped using them
}

void TinyHttpResponder::serve() {
  static const char kResponse[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  std::vector<pollfd> fds;
  fds.push_back(pollfd{.fd = stop_fd_.get(), .events = POLLIN, .revents = 0});
  for (const auto& fd : listeners_) fds.push_back(pollfd{.fd = fd.get(), .events = POLLIN, .revents = 0});
  while (true) {
    if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents != 0) return;
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      core::UniqueFd conn(::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC));
      if (!conn) continue;
      const int c = conn.get();
      timeval tv{.tv_sec = 1, .tv_usec = 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char buf[2048];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      (void)::send(c, kResponse, sizeof kResponse - 1, MSG_NOSIGNAL);
      conn.reset();
      served_++;
    }
  }
}

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace lvsd::healthcheck::test
