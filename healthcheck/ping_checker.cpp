// PING_CHECK: up when the target answers one ICMP (ICMPv6) echo request
// within connect_timeout. The request goes out on an ICMP datagram socket
// (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)) when net.ipv4.ping_group_range
// lets lvsd's group use one, else on a raw socket (lvsd runs as root): the
// first refusal (EACCES) switches the checker to raw for good. Either socket
// is connected to the target, so the kernel hands it only the target's
// packets; a reply counts when its sequence number and data (16 random bytes
// per probe) are ours, and on a raw socket also its identifier.
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "healthcheck/icmp_echo.hpp"
#include "healthcheck/probe_base.hpp"
#include "healthcheck/socket_util.hpp"

namespace lvsd::healthcheck {

namespace {

constexpr std::size_t kTokenBytes = 16;
// Echo replies are small; anything larger is not ours (read truncated, dropped).
constexpr std::size_t kReceiveBytes = 256;

class PingChecker final : public ProbeBase {
 public:
  PingChecker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec)
      : ProbeBase(loop, timers), connect_timeout_(spec.connect_timeout) {
    if (auto address = parse_socket_address(spec.address, 0)) {
      address_ = *address;
    } else {
      address_error_ = address.error().message;
    }
    // keepalived 2.2.7's PING_CHECK accepts bindto, bind_if and fwmark but
    // leaves them unused; lvsd applies them (an ICMP socket has no port).
    if (auto source = source_options(spec, /*with_port=*/false)) source_ = std::move(*source);
    else address_error_ = source.error().message;
  }
  ~PingChecker() override { cancel(); }

  void start(Done done) override {
    begin(std::move(done), connect_timeout_);
    if (!address_error_.empty()) return finish_soon(false, address_error_);
    if (auto opened = open_socket(); !opened.empty()) return finish_soon(false, opened);
    if (source_) {
      if (auto applied = apply_source_options(fd_.get(), *source_); !applied.ok())
        return finish_soon(false, applied.error().message);
    }
    if (::connect(fd_.get(), &address_.storage.sa, address_.length) != 0)
      return finish_soon(false, std::string("connect: ") + std::strerror(errno));
    random_bytes(token_);
    std::array<std::uint8_t, 2> id{};
    random_bytes(id);
    id_ = static_cast<std::uint16_t>(id[0] << 8 | id[1]);
    ++sequence_;
    const auto request = build_echo_request(family(), id_, sequence_, token_);
    if (::send(fd_.get(), request.data(), request.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
      return finish_soon(false, std::string("echo request: ") + std::strerror(errno));
    watcher_ = std::make_unique<core::IoWatcher>(loop_, fd_.get(), core::IoWatcher::kRead,
                                                 [this](int) { on_readable(); });
    watcher_->start();
  }

 private:
  IcmpFamily family() const {
    return address_.storage.sa.sa_family == AF_INET6 ? IcmpFamily::kIpv6 : IcmpFamily::kIpv4;
  }

  // Empty on success, else the reason.
  std::string open_socket() {
    const bool v6 = family() == IcmpFamily::kIpv6;
    const int domain = v6 ? AF_INET6 : AF_INET;
    const int protocol = v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP};
    if (!raw_) {
      fd_ = core::UniqueFd(::socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
      if (fd_) return {};
      // ping_group_range leaves lvsd's group out: use a raw socket.
      if (errno != EACCES && errno != EPERM) return std::string("ICMP socket: ") + std::strerror(errno);
      raw_ = true;
    }
    fd_ = core::UniqueFd(::socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
    if (!fd_) return std::string("raw ICMP socket: ") + std::strerror(errno);
    return {};
  }

  // Reads what is queued: a result when our reply (or an error) is among it,
  // nullopt when nothing of ours came yet.
  std::optional<CheckResult> read_replies() {
    std::array<std::uint8_t, kReceiveBytes> buffer{};
    for (;;) {
      const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::nullopt;
        // An ICMP error the kernel reported on the socket (host unreachable...).
        return CheckResult{.up = false, .reason = std::string("echo: ") + std::strerror(errno)};
      }
      // A raw IPv4 socket receives the IP header too; ICMPv6 and datagram sockets do not.
      const bool ip_header = raw_ && family() == IcmpFamily::kIpv4;
      const auto reply = parse_echo_reply(family(), std::span(buffer.data(), static_cast<std::size_t>(n)), ip_header);
      if (!reply || reply->sequence != sequence_ || (raw_ && reply->id != id_)) continue;
      if (reply->data.size() != token_.size() || !std::equal(token_.begin(), token_.end(), reply->data.begin()))
        continue;
      return CheckResult{.up = true, .reason = "echo reply"};
    }
  }

  void on_readable() {
    if (auto result = read_replies()) finish(std::move(*result));
  }
  // A reply that came in time but whose event our busy loop has not run yet.
  void on_deadline() override {
    if (ready_now(fd_.get(), core::IoWatcher::kRead) != 0) {
      if (auto result = read_replies()) return finish(std::move(*result));
    }
    finish(false, timeout_reason());
  }
  void release() override {
    watcher_.reset();
    fd_.reset();
  }
  std::string timeout_reason() override { return "no echo reply after " + format_duration(connect_timeout_); }

  core::Duration connect_timeout_;
  SocketAddress address_{};
  std::string address_error_;
  std::unique_ptr<SourceOptions> source_;  // bindto...: rare, held apart
  bool raw_ = false;  // ICMP datagram sockets are refused to lvsd's group
  std::uint16_t id_ = 0;
  std::uint16_t sequence_ = 0;
  std::array<std::uint8_t, kTokenBytes> token_{};
  core::UniqueFd fd_;
  std::unique_ptr<core::IoWatcher> watcher_;
};

}  // namespace

std::unique_ptr<Checker> make_ping_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<PingChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
