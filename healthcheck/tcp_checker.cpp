// TCP_CHECK: up when a TCP connection to the target completes within
// connect_timeout. The connection is closed at once.
#include <utility>

#include "healthcheck/probe_base.hpp"
#include "healthcheck/socket_util.hpp"

namespace lvsd::healthcheck {

namespace {

class TcpChecker final : public ProbeBase {
 public:
  // Keeps only the parsed target and the timeout, not the whole spec.
  TcpChecker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec)
      : ProbeBase(loop, timers), connect_timeout_(spec.connect_timeout) {
    if (auto address = parse_socket_address(spec.address, spec.port)) {
      address_ = *address;
    } else {
      address_error_ = address.error().message;
    }
    if (auto source = source_options(spec)) source_ = std::move(*source);
    else address_error_ = source.error().message;
  }
  ~TcpChecker() override { cancel(); }

  void start(Done done) override {
    begin(std::move(done), connect_timeout_);
    if (!address_error_.empty()) return finish_soon(false, address_error_);
    auto attempt = start_connect(address_, false, source_.get());
    if (!attempt) return finish_soon(false, attempt.error().message);
    if (attempt->connected) return finish_soon(true, "connected");
    fd_ = std::move(attempt->fd);
    watcher_ = std::make_unique<core::IoWatcher>(loop_, fd_.get(), core::IoWatcher::kWrite,
                                                 [this](int) { on_writable(); });
    watcher_->start();
  }

 private:
  void on_writable() {
    int err = pending_socket_error(fd_.get());
    if (err != 0) return finish(false, connect_failure_reason(err));
    finish(true, "connected");
  }
  // A connect that completed (or failed) in time but whose event our busy
  // loop has not run yet is not a timeout.
  void on_deadline() override {
    if (ready_now(fd_.get(), core::IoWatcher::kWrite) != 0) return on_writable();
    finish(false, timeout_reason());
  }
  void release() override {
    watcher_.reset();
    fd_.reset();
  }
  std::string timeout_reason() override { return "connect timeout after " + format_duration(connect_timeout_); }

  core::Duration connect_timeout_;
  SocketAddress address_{};
  std::string address_error_;
  std::unique_ptr<SourceOptions> source_;  // bindto...: rare, held apart
  core::UniqueFd fd_;
  std::unique_ptr<core::IoWatcher> watcher_;
};

}  // namespace

std::unique_ptr<Checker> make_tcp_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<TcpChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
