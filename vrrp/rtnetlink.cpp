#include "vrrp/rtnetlink.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace lvsd::vrrp {

std::optional<core::IpAddress> address_attribute(const nlattr* attr) {
  const auto len = mnl_attr_get_payload_len(attr);
  const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
  if (len == 4) return core::IpAddress::v4({p[0], p[1], p[2], p[3]});
  if (len == 16) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), p, 16);
    return core::IpAddress::v6(b);
  }
  return std::nullopt;
}

core::Result<RtnetlinkSocket> RtnetlinkSocket::open(core::Duration receive_timeout) {
  mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl == nullptr) return core::errno_error("netlink socket (NETLINK_ROUTE)", errno);
  RtnetlinkSocket socket(nl);
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) return core::errno_error("netlink bind", errno);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(receive_timeout).count();
  timeval tv{static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
  if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
    return core::errno_error("SO_RCVTIMEO", errno);
  }
  // Kernel 4.20 and later; an older one refuses it and dumps everything,
  // which the callers' parsers filter.
  const int one = 1;
  (void)setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  return socket;
}

RtnetlinkSocket::RtnetlinkSocket(RtnetlinkSocket&& o) noexcept : nl_(std::exchange(o.nl_, nullptr)), seq_(o.seq_) {}

RtnetlinkSocket& RtnetlinkSocket::operator=(RtnetlinkSocket&& o) noexcept {
  if (this != &o) {
    if (nl_ != nullptr) mnl_socket_close(nl_);
    nl_ = std::exchange(o.nl_, nullptr);
    seq_ = o.seq_;
  }
  return *this;
}

RtnetlinkSocket::~RtnetlinkSocket() {
  if (nl_ != nullptr) mnl_socket_close(nl_);
}

int RtnetlinkSocket::request(const std::vector<std::uint8_t>& request) {
  if (mnl_socket_sendto(nl_, request.data(), request.size()) < 0) return errno;
  const auto seq = reinterpret_cast<const nlmsghdr*>(request.data())->nlmsg_seq;
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) return errno;  // EAGAIN: the receive timeout passed
    int len = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_seq != seq || nlh->nlmsg_type != NLMSG_ERROR) continue;
      if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) return EBADMSG;
      const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      return -e->error;  // 0: the ACK
    }
  }
}

core::Status RtnetlinkSocket::dump(const std::vector<std::uint8_t>& request, const char* what,
                                   const std::function<void(const nlmsghdr*)>& each) {
  if (mnl_socket_sendto(nl_, request.data(), request.size()) < 0) {
    return core::errno_error(std::string(what) + ": send", errno);
  }
  const auto* sent = reinterpret_cast<const nlmsghdr*>(request.data());
  const auto cb = [](const nlmsghdr* nlh, void* data) -> int {
    (*static_cast<const std::function<void(const nlmsghdr*)>*>(data))(nlh);
    return MNL_CB_OK;
  };
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  const unsigned portid = mnl_socket_get_portid(nl_);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) return core::errno_error(std::string(what) + ": receive", errno);
    const int r = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), sent->nlmsg_seq, portid, cb,
                             const_cast<std::function<void(const nlmsghdr*)>*>(&each));
    if (r == MNL_CB_STOP) return {};
    if (r < 0) return core::errno_error(what, errno);
  }
}

}  // namespace lvsd::vrrp
