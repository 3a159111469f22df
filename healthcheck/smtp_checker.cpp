// SMTP_CHECK (keepalived 2.2.7's exchange): connect, read the greeting
// (220), send "HELO helo_name" (250 expected), send QUIT and read its reply
// (any code), then close. connect_timeout bounds the whole exchange.
// Multi-line replies are read whole (healthcheck/smtp_reply).
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "healthcheck/probe_base.hpp"
#include "healthcheck/smtp_reply.hpp"
#include "healthcheck/socket_util.hpp"

namespace lvsd::healthcheck {

namespace {

// A reply longer than this is no SMTP server's greeting.
constexpr std::size_t kMaxReplyBytes = 4096;

class SmtpChecker final : public ProbeBase {
 public:
  SmtpChecker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec)
      : ProbeBase(loop, timers), connect_timeout_(spec.connect_timeout), helo_name_(spec.smtp_helo_name) {
    if (auto address = parse_socket_address(spec.address, spec.port)) {
      address_ = *address;
    } else {
      address_error_ = address.error().message;
    }
    if (auto source = source_options(spec)) source_ = std::move(*source);
    else address_error_ = source.error().message;
  }
  ~SmtpChecker() override { cancel(); }

  void start(Done done) override {
    begin(std::move(done), connect_timeout_);
    phase_ = Phase::kConnect;
    buffer_.clear();
    if (!address_error_.empty()) return finish_soon(false, address_error_);
    auto attempt = start_connect(address_, false, source_.get());
    if (!attempt) return finish_soon(false, attempt.error().message);
    fd_ = std::move(attempt->fd);
    const bool connected = attempt->connected;
    if (connected) phase_ = Phase::kGreeting;
    watcher_ = std::make_unique<core::IoWatcher>(loop_, fd_.get(),
                                                 connected ? core::IoWatcher::kRead : core::IoWatcher::kWrite,
                                                 [this](int) { on_ready(); });
    watcher_->start();
  }

 private:
  enum class Phase { kConnect, kGreeting, kHelo, kQuit };

  void on_ready() {
    if (auto result = step()) finish(std::move(*result));
  }

  // Moves the exchange on with what is ready: a result when it is over.
  std::optional<CheckResult> step() {
    if (phase_ == Phase::kConnect) {
      if (int err = pending_socket_error(fd_.get()); err != 0) return fail(connect_failure_reason(err));
      phase_ = Phase::kGreeting;
      watcher_->set_events(core::IoWatcher::kRead);
      return std::nullopt;
    }
    char chunk[1024];
    bool closed = false;  // (a reply that came before the close still counts: QUIT's)
    while (!closed) {
      const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
        return fail(std::string("SMTP read: ") + std::strerror(errno));
      }
      closed = n == 0;
      buffer_.append(chunk, static_cast<std::size_t>(n));
      if (buffer_.size() > kMaxReplyBytes) return fail("SMTP reply longer than 4096 bytes " + waiting_for());
    }
    while (true) {
      auto parsed = parse_smtp_reply(buffer_);
      if (!parsed) return fail(parsed.error().message + " " + waiting_for());
      if (!*parsed) {
        if (closed) return fail("SMTP server closed the connection " + waiting_for());
        return std::nullopt;
      }
      const SmtpReply reply = std::move(**parsed);
      buffer_.erase(0, reply.length);
      if (auto result = on_reply(reply)) return result;
    }
  }

  std::optional<CheckResult> on_reply(const SmtpReply& reply) {
    const std::string quoted = std::to_string(reply.code) + (reply.text.empty() ? "" : " " + reply.text);
    switch (phase_) {
      case Phase::kGreeting:
        if (reply.code != 220) return fail("SMTP greeting " + quoted + ", expected 220");
        phase_ = Phase::kHelo;
        return send_line("HELO " + helo_name_ + "\r\n");
      case Phase::kHelo:
        if (reply.code != 250) return fail("SMTP HELO answered " + quoted + ", expected 250");
        phase_ = Phase::kQuit;
        return send_line("QUIT\r\n");
      case Phase::kQuit: return CheckResult{.up = true, .reason = "SMTP 250 to HELO"};
      case Phase::kConnect: break;
    }
    return fail("SMTP reply before the connection was up");
  }

  // One short line, written at once (the socket buffer is empty).
  std::optional<CheckResult> send_line(const std::string& line) {
    const ssize_t n = ::send(fd_.get(), line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) return fail(std::string("SMTP write: ") + std::strerror(errno));
    if (static_cast<std::size_t>(n) != line.size()) return fail("SMTP write: short write");
    return std::nullopt;
  }

  static CheckResult fail(std::string reason) { return CheckResult{.up = false, .reason = std::move(reason)}; }

  std::string waiting_for() const {
    switch (phase_) {
      case Phase::kConnect: return "while connecting";
      case Phase::kGreeting: return "waiting for the greeting";
      case Phase::kHelo: return "waiting for the HELO reply";
      case Phase::kQuit: return "waiting for the QUIT reply";
    }
    return "";
  }

  // I/O that was ready in time but whose event our busy loop has not run yet
  // is handled first.
  void on_deadline() override {
    const int wanted = phase_ == Phase::kConnect ? core::IoWatcher::kWrite : core::IoWatcher::kRead;
    if (ready_now(fd_.get(), wanted) != 0) {
      if (auto result = step()) return finish(std::move(*result));
    }
    finish(false, timeout_reason());
  }
  void release() override {
    watcher_.reset();
    fd_.reset();
    buffer_ = std::string();
  }
  std::string timeout_reason() override {
    if (phase_ == Phase::kConnect) return "connect timeout after " + format_duration(connect_timeout_);
    return "SMTP timeout " + waiting_for() + " after " + format_duration(connect_timeout_);
  }

  core::Duration connect_timeout_;
  std::string helo_name_;
  SocketAddress address_{};
  std::string address_error_;
  std::unique_ptr<SourceOptions> source_;  // bindto...: rare, held apart
  Phase phase_ = Phase::kConnect;
  std::string buffer_;
  core::UniqueFd fd_;
  std::unique_ptr<core::IoWatcher> watcher_;
};

}  // namespace

std::unique_ptr<Checker> make_smtp_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<SmtpChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
