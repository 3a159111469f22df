#include "director/netlink_transport.hpp"

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <string>

namespace lvsd::director {
namespace {

// Each slot holds any netlink datagram the kernel sends (dump skbs are capped
// at 32 KiB). Several slots let one recvmmsg() take a batch's ACKs, or a
// dump's data and its NLMSG_DONE, in one system call.
constexpr std::size_t kReceiveSlotBytes = 64 * 1024;
constexpr std::size_t kReceiveSlots = 16;
constexpr int kSocketReceiveBuffer = 4 * 1024 * 1024;
constexpr int kSocketSendBuffer = 1024 * 1024;

void raise_buffer(int fd, int force_option, int option, int bytes) {
  // The *FORCE variants need CAP_NET_ADMIN; without it the plain option is
  // capped by net.core.{r,w}mem_max, which is still fine with small batches.
  if (setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) != 0) {
    setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
  }
}

}  // namespace

GenlSocketTransport::GenlSocketTransport()
    : buffer_(new std::uint8_t[kReceiveSlots * kReceiveSlotBytes]), slots_(kReceiveSlots), headers_(kReceiveSlots) {
  for (std::size_t i = 0; i < kReceiveSlots; ++i) {
    slots_[i] = iovec{.iov_base = buffer_.get() + i * kReceiveSlotBytes, .iov_len = kReceiveSlotBytes};
  }
}

GenlSocketTransport::~GenlSocketTransport() { close(); }

void GenlSocketTransport::close() {
  if (sock_ != nullptr) nl_socket_free(sock_);
  sock_ = nullptr;
  fd_ = -1;
  timeout_ = std::chrono::milliseconds{-1};
}

core::Result<std::uint16_t> GenlSocketTransport::connect(const char* family_name, std::chrono::milliseconds timeout) {
  close();
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return core::Error{"allocating a netlink socket: out of memory"};
  if (int rc = genl_connect(sock); rc < 0) {
    nl_socket_free(sock);
    return core::Error{std::string("opening a generic netlink socket: ") + nl_geterror(rc)};
  }
  int fd = nl_socket_get_fd(sock);
  int one = 1;
  // Errors then echo only the request header, not the whole request.
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  raise_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, kSocketReceiveBuffer);
  raise_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, kSocketSendBuffer);
  sock_ = sock;
  fd_ = fd;
  // genl_ctrl_resolve() waits on the socket too: bound it like any reply.
  apply_timeout(timeout);
  int family = genl_ctrl_resolve(sock, family_name);
  if (family < 0) {
    close();
    return core::Error{std::string("resolving the ") + family_name +
                       " generic netlink family (is the ip_vs module loaded?): " + nl_geterror(family)};
  }
  return static_cast<std::uint16_t>(family);
}

int GenlSocketTransport::send(std::span<const std::uint8_t> bytes, std::size_t /*messages*/) {
  if (fd_ < 0) return ENOTCONN;
  for (;;) {
    // The socket's peer is the kernel (port 0), so no address is needed.
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), 0);
    if (n >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

void GenlSocketTransport::apply_timeout(std::chrono::milliseconds timeout) {
  if (timeout == timeout_) return;
  auto usec = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  timeval tv{.tv_sec = static_cast<time_t>(usec / 1'000'000), .tv_usec = static_cast<suseconds_t>(usec % 1'000'000)};
  // A zero SO_RCVTIMEO means "wait forever": never let a zero through.
  if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  timeout_ = timeout;
}

long GenlSocketTransport::receive(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return -ENOTCONN;
  apply_timeout(timeout);
  for (;;) {
    for (std::size_t i = 0; i < kReceiveSlots; ++i) {
      headers_[i] = mmsghdr{};
      headers_[i].msg_hdr.msg_iov = &slots_[i];
      headers_[i].msg_hdr.msg_iovlen = 1;
    }
    // MSG_WAITFORONE: SO_RCVTIMEO bounds the wait for the first datagram only.
    int n = ::recvmmsg(fd_, headers_.data(), kReceiveSlots, MSG_WAITFORONE, nullptr);
    if (n >= 0) {
      for (int i = 0; i < n; ++i) {
        if ((headers_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) return -EMSGSIZE;
      }
      return n;
    }
    if (errno == EINTR) continue;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -errno;
  }
}

std::span<const std::uint8_t> GenlSocketTransport::datagram(std::size_t i) const {
  return {buffer_.get() + i * kReceiveSlotBytes, headers_[i].msg_len};
}

std::size_t GenlSocketTransport::max_datagrams() const { return kReceiveSlots; }

}  // namespace lvsd::director
