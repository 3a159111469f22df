#include "healthcheck/datagram_probe.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace lvsd::healthcheck {
namespace {

std::string icmp_error_reason(int err) {
  if (err == ECONNREFUSED) return "ICMP port unreachable";
  return std::string("ICMP error: ") + std::strerror(err);
}

}  // namespace

DatagramProbe::DatagramProbe(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec,
                             std::size_t max_datagram)
    : ProbeBase(loop, timers), connect_timeout_(spec.connect_timeout), max_datagram_(max_datagram) {
  if (auto address = parse_socket_address(spec.address, spec.port)) {
    address_ = *address;
  } else {
    address_error_ = address.error().message;
  }
  if (auto source = source_options(spec)) source_ = std::move(*source);
  else address_error_ = source.error().message;
}

void DatagramProbe::start(Done done) {
  begin(std::move(done), connect_timeout_);
  if (!address_error_.empty()) return finish_soon(false, address_error_);
  auto message = request();
  if (!message) return finish_soon(false, message.error().message);
  fd_ = core::UniqueFd(::socket(address_.storage.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_) return finish_soon(false, std::string("socket: ") + std::strerror(errno));
  if (source_) {
    if (auto applied = apply_source_options(fd_.get(), *source_); !applied.ok())
      return finish_soon(false, applied.error().message);
  }
  if (::connect(fd_.get(), &address_.storage.sa, address_.length) != 0)
    return finish_soon(false, std::string("connect: ") + std::strerror(errno));
  if (::send(fd_.get(), message->data(), message->size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    return finish_soon(false, std::string("send: ") + std::strerror(errno));
  watcher_ = std::make_unique<core::IoWatcher>(loop_, fd_.get(), core::IoWatcher::kRead, [this](int) {
    if (auto result = read_datagrams()) finish(std::move(*result));
  });
  watcher_->start();
}

std::optional<CheckResult> DatagramProbe::read_datagrams() {
  std::vector<std::uint8_t> buffer(max_datagram_);
  for (;;) {
    // MSG_TRUNC: the datagram's whole length, even when the buffer holds less.
    const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::nullopt;
      return CheckResult{.up = false, .reason = icmp_error_reason(errno)};
    }
    const auto length = static_cast<std::size_t>(n);
    auto data = std::span<const std::uint8_t>(buffer.data(), std::min(length, buffer.size()));
    if (auto result = on_datagram(data, length)) return result;
  }
}

// A datagram that came in time but whose event our busy loop has not run yet
// is read first.
void DatagramProbe::on_deadline() {
  if (ready_now(fd_.get(), core::IoWatcher::kRead) != 0) {
    if (auto result = read_datagrams()) return finish(std::move(*result));
  }
  finish(on_silence());
}

void DatagramProbe::release() {
  watcher_.reset();
  fd_.reset();
}

}  // namespace lvsd::healthcheck
