#pragma once
// The blocking client side of the control socket, for lvsctl and tests:
// connect, send one request line, read one reply line, with timeouts.
#include <string>

#include "control/protocol.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::control {

// Largest reply accepted (a status of thousands of services is a few MB).
inline constexpr std::size_t kMaxReplyBytes = 64 * 1024 * 1024;

class ControlClient {
 public:
  // Fails when nobody listens on `path` (lvsd not running) or it is not
  // reachable; then `failed_errno`, if given, gets connect(2)'s errno (lvsctl
  // tells EACCES, a daemon it may not talk to, from no daemon at all).
  static core::Result<ControlClient> connect(const std::string& path,
                                             core::Duration timeout = std::chrono::seconds(60),
                                             int* failed_errno = nullptr);
  ControlClient(ControlClient&&) noexcept = default;
  ControlClient& operator=(ControlClient&&) = delete;

  core::Result<Reply> call(const Request& request);
  int fd() const { return fd_.get(); }
  // Sends raw bytes and reads one reply line (tests: malformed requests).
  core::Result<std::string> call_raw(const std::string& bytes);

 private:
  explicit ControlClient(core::UniqueFd fd) : fd_(std::move(fd)) {}
  core::UniqueFd fd_;
  std::string pending_;  // bytes read past the last reply line
};

}  // namespace lvsd::control
