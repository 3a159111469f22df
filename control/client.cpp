#include "control/client.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lvsd::control {

core::Result<ControlClient> ControlClient::connect(const std::string& path, core::Duration timeout,
                                                   int* failed_errno) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return core::Error{"socket path too long: " + path};
  std::memcpy(addr.sun_path, path.data(), path.size());
  core::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return core::errno_error("socket", errno);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  timeval tv{.tv_sec = static_cast<time_t>(us / 1000000), .tv_usec = static_cast<suseconds_t>(us % 1000000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    if (failed_errno != nullptr) *failed_errno = err;
    return core::errno_error(path, err);
  }
  return ControlClient(std::move(fd));
}

core::Result<std::string> ControlClient::call_raw(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The server may refuse an oversized request and close before we are
      // done sending: its reply may still be readable below.
      if (errno == EPIPE || errno == ECONNRESET) break;
      return core::errno_error("sending the request", errno);
    }
    sent += static_cast<std::size_t>(n);
  }
  for (;;) {
    const auto newline = pending_.find('\n');
    if (newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    if (pending_.size() > kMaxReplyBytes) return core::Error{"reply longer than " + std::to_string(kMaxReplyBytes)};
    char buf[65536];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n > 0) {
      pending_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return core::Error{"lvsd closed the connection without a reply"};
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return core::Error{"no reply from lvsd in time"};
    } else if (errno != EINTR) {
      return core::errno_error("reading the reply", errno);
    }
  }
}

core::Result<Reply> ControlClient::call(const Request& request) {
  auto line = call_raw(encode_request(request) + "\n");
  if (!line.ok()) return line.error();
  return parse_reply(*line);
}

}  // namespace lvsd::control
