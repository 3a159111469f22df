#pragma once
// The one owner of a file descriptor (socket, timerfd, pipe end, file):
// move-only, closes in its destructor. Code that must keep a descriptor past
// its owner (handed to a new process image across re-exec) says so with
// release().
#include <unistd.h>

#include <utility>

namespace lvsd::core {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

  // Gives the descriptor up without closing it; the caller owns it now.
  int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the descriptor held (if any) and takes `fd` (-1: none).
  void reset(int fd = -1) noexcept {
    const int old = std::exchange(fd_, fd);
    // Linux releases the descriptor even when close() fails with EINTR, so it
    // is never retried: a retry could close a descriptor another thread has
    // just been given.
    if (old >= 0) ::close(old);
  }

 private:
  int fd_ = -1;
};

}  // namespace lvsd::core
