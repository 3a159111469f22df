#pragma once
// The byte pipe under IpvsClient: sends datagrams that each hold one or more
// netlink messages, receives the kernel's replies with a timeout, and can be
// replaced by a fresh socket. IpvsClient keeps every decision (batching,
// sequence matching, when to reopen) so tests drive it through a scripted
// transport without a kernel.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.hpp"

struct nl_sock;
struct iovec;
struct mmsghdr;

namespace lvsd::director {

class NetlinkTransport {
 public:
  virtual ~NetlinkTransport() = default;

  // Closes the current socket, if any, and opens a fresh one; returns the
  // generic netlink family id of `family_name` resolved on it, waiting at
  // most `timeout` for the answer. Replies still queued on the old socket go
  // with it.
  virtual core::Result<std::uint16_t> connect(const char* family_name, std::chrono::milliseconds timeout) = 0;
  // Sends one datagram holding `messages` complete netlink messages.
  // Returns 0 or an errno.
  virtual int send(std::span<const std::uint8_t> bytes, std::size_t messages) = 0;
  // Waits up to `timeout` for the first datagram, then takes whatever else is
  // already queued, up to max_datagrams(). Returns how many, or -errno
  // (-ETIMEDOUT when nothing came in time). Read them with datagram(i) until
  // the next receive().
  virtual long receive(std::chrono::milliseconds timeout) = 0;
  virtual std::span<const std::uint8_t> datagram(std::size_t i) const = 0;
  virtual std::size_t max_datagrams() const = 0;
};

// A generic netlink socket (libnl's nl_sock) read with recvmmsg().
class GenlSocketTransport final : public NetlinkTransport {
 public:
  GenlSocketTransport();
  ~GenlSocketTransport() override;
  GenlSocketTransport(const GenlSocketTransport&) = delete;
  GenlSocketTransport& operator=(const GenlSocketTransport&) = delete;

  core::Result<std::uint16_t> connect(const char* family_name, std::chrono::milliseconds timeout) override;
  int send(std::span<const std::uint8_t> bytes, std::size_t messages) override;
  long receive(std::chrono::milliseconds timeout) override;
  std::span<const std::uint8_t> datagram(std::size_t i) const override;
  std::size_t max_datagrams() const override;

 private:
  void close();
  void apply_timeout(std::chrono::milliseconds timeout);

  nl_sock* sock_ = nullptr;
  int fd_ = -1;
  // The SO_RCVTIMEO the socket has; set again only when it changes.
  std::chrono::milliseconds timeout_{-1};
  // Slots left uninitialised: a page is only made resident when the kernel
  // first writes a reply into it (a zero-filled vector would hold the whole
  // 1 MiB resident from the start).
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::vector<struct iovec> slots_;
  std::vector<struct mmsghdr> headers_;
};

}  // namespace lvsd::director
