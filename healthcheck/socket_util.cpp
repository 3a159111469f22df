#include "healthcheck/socket_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace lvsd::healthcheck {

core::Result<SocketAddress> parse_socket_address(const std::string& address, std::uint16_t port) {
  SocketAddress out;
  sockaddr_in* v4 = &out.storage.v4;
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length = sizeof(sockaddr_in);
    return out;
  }
  sockaddr_in6* v6 = &out.storage.v6;
  if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.length = sizeof(sockaddr_in6);
    return out;
  }
  return core::Error{"not an IP address: '" + address + "'"};
}

std::string connect_failure_reason(int err) {
  if (err == ECONNREFUSED) return "connection refused";
  return std::string("connect: ") + std::strerror(err);
}

bool is_connect_error(int err) {
  return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == ETIMEDOUT || err == EHOSTDOWN;
}

core::Result<std::unique_ptr<SourceOptions>> source_options(const CheckSpec& spec, bool with_port) {
  if (spec.bind_address.empty() && spec.bind_interface.empty() && spec.fwmark == 0)
    return std::unique_ptr<SourceOptions>();
  auto out = std::make_unique<SourceOptions>();
  if (!spec.bind_address.empty()) {
    auto bind = parse_socket_address(spec.bind_address, with_port ? spec.bind_port : 0);
    if (!bind) return core::Error{"bindto: " + bind.error().message};
    out->bind = *bind;
  }
  out->interface = spec.bind_interface;
  out->fwmark = spec.fwmark;
  return out;
}

core::Status apply_source_options(int fd, const SourceOptions& options) {
  if (options.fwmark != 0 && ::setsockopt(fd, SOL_SOCKET, SO_MARK, &options.fwmark, sizeof options.fwmark) != 0)
    return core::Error{"SO_MARK " + std::to_string(options.fwmark) + ": " + std::strerror(errno)};
  if (!options.interface.empty() &&
      ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, options.interface.c_str(),
                   static_cast<socklen_t>(options.interface.size() + 1)) != 0)
    return core::Error{"bind_if " + options.interface + ": " + std::strerror(errno)};
  if (options.bind && ::bind(fd, &options.bind->storage.sa, options.bind->length) != 0)
    return core::Error{std::string("bindto: ") + std::strerror(errno)};
  return core::Status{};
}

core::Result<ConnectAttempt> start_connect(const SocketAddress& address, bool no_delay, const SourceOptions* source) {
  ConnectAttempt attempt;
  attempt.fd = core::UniqueFd(::socket(address.storage.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!attempt.fd) return core::Error{std::string("socket: ") + std::strerror(errno)};
  if (source != nullptr) {
    if (auto applied = apply_source_options(attempt.fd.get(), *source); !applied.ok()) return applied.error();
  }
  if (no_delay) {
    int one = 1;
    ::setsockopt(attempt.fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (::connect(attempt.fd.get(), &address.storage.sa, address.length) == 0) {
    attempt.connected = true;
    return attempt;
  }
  if (errno == EINPROGRESS) return attempt;
  return core::Error{connect_failure_reason(errno)};
}

int pending_socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

void random_bytes(std::span<std::uint8_t> out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    const ssize_t n = ::getrandom(out.data() + filled, out.size() - filled, GRND_NONBLOCK);
    if (n <= 0) break;
    filled += static_cast<std::size_t>(n);
  }
  if (filled == out.size()) return;
  // No entropy yet (early boot): the clock still tells probes apart, which is
  // all these bytes are for (they are no secret).
  auto x = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (std::size_t i = filled; i < out.size(); ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<std::uint8_t>(x);
  }
}

}  // namespace lvsd::healthcheck
