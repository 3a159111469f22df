// TCP_CHECK: up when a TCP connection to the target completes within
// connect_timeout. The connection is closed at once.
#include <utility>

#include "healthcheck/probe_base.hpp"
#include "healthcheck/socket_util.hpp"

namespace lvsd::healthcheck {

namespace {

class TcpChecker final : public ProbeBase {
 public:
  TcpChecker(core::EventLoop& loop, CheckSpec spec) : ProbeBase(loop), spec_(std::move(spec)) {}
  ~TcpChecker() override { cancel(); }

  void start(Done done) override {
    begin(std::move(done), spec_.connect_timeout);
    auto address = parse_socket_address(spec_.address, spec_.port);
    if (!address) return finish_soon(false, address.error().message);
    auto attempt = start_connect(*address);
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
  void release() override {
    watcher_.reset();
    fd_.reset();
  }
  std::string timeout_reason() override { return "connect timeout after " + format_duration(spec_.connect_timeout); }

  CheckSpec spec_;
  UniqueFd fd_;
  std::unique_ptr<core::IoWatcher> watcher_;
};

}  // namespace

std::unique_ptr<Checker> make_tcp_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return std::make_unique<TcpChecker>(loop, spec);
}

}  // namespace lvsd::healthcheck
