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
  saved_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = ::open(("/run/netns/" + host.netns()).c_str(), O_RDONLY | O_CLOEXEC);
  if (saved_ < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
    std::string err = std::strerror(errno);
    if (target >= 0) ::close(target);
    throw std::runtime_error("cannot enter namespace " + host.netns() + ": " + err);
  }
  ::close(target);
}

NetnsScope::~NetnsScope() {
  if (saved_ >= 0) {
    (void)::setns(saved_, CLONE_NEWNET);
    ::close(saved_);
  }
}

int listen_tcp(const std::string& address, std::uint16_t port, int backlog) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, backlog) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " + err);
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

TinyHttpResponder::TinyHttpResponder(std::vector<int> listeners) : listeners_(std::move(listeners)) {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { serve(); });
}

TinyHttpResponder::~TinyHttpResponder() {
  std::uint64_t one = 1;
  (void)::write(stop_fd_, &one, sizeof one);
  thread_.join();
  for (int fd : listeners_) ::close(fd);
  ::close(stop_fd_);
}

void TinyHttpResponder::serve() {
  static const char kResponse[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  std::vector<pollfd> fds;
  fds.push_back(pollfd{.fd = stop_fd_, .events = POLLIN, .revents = 0});
  for (int fd : listeners_) fds.push_back(pollfd{.fd = fd, .events = POLLIN, .revents = 0});
  while (true) {
    if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents != 0) return;
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      int c = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
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
      ::close(c);
      served_++;
    }
  }
}

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace lvsd::healthcheck::test
