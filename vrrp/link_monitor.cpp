#include "vrrp/link_monitor.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <utility>

namespace lvsd::vrrp {
namespace {

int parse_attr(const nlattr* attr, void* data) {
  auto* out = static_cast<LinkState*>(data);
  if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
    out->name = mnl_attr_get_str(attr);
  }
  return MNL_CB_OK;
}

}  // namespace

std::optional<LinkState> parse_link_message(std::span<const std::uint8_t> message) {
  if (message.size() < sizeof(nlmsghdr) + sizeof(ifinfomsg)) return std::nullopt;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(message.data());
  if (nlh->nlmsg_len > message.size() || nlh->nlmsg_len < sizeof(nlmsghdr) + sizeof(ifinfomsg)) return std::nullopt;
  if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  LinkState out;
  out.ifindex = ifi->ifi_index;
  out.up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) != 0 && (ifi->ifi_flags & IFF_RUNNING) != 0;
  mnl_attr_parse(nlh, sizeof(ifinfomsg), parse_attr, &out);
  if (out.name.empty()) return std::nullopt;
  return out;
}

std::vector<LinkState> parse_link_messages(std::span<const std::uint8_t> buffer) {
  std::vector<LinkState> out;
  std::size_t offset = 0;
  while (buffer.size() - offset >= sizeof(nlmsghdr)) {
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data() + offset);
    if (nlh->nlmsg_len < sizeof(nlmsghdr) || nlh->nlmsg_len > buffer.size() - offset) break;
    if (auto link = parse_link_message(buffer.subspan(offset, nlh->nlmsg_len))) out.push_back(std::move(*link));
    offset += NLMSG_ALIGN(nlh->nlmsg_len);
  }
  return out;
}

core::Result<mnl_socket*> open_route_socket(unsigned groups, bool nonblocking) {
  mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);  // scripts must not inherit it
  if (nl == nullptr) return core::errno_error("netlink socket", errno);
  if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
    const int err = errno;
    mnl_socket_close(nl);
    return core::errno_error("netlink bind to groups " + std::to_string(groups), err);
  }
  const int fd = mnl_socket_get_fd(nl);
  if (nonblocking && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
    const int err = errno;
    mnl_socket_close(nl);
    return core::errno_error("O_NONBLOCK", err);
  }
  return nl;
}

core::Result<LinkMonitor> LinkMonitor::open(core::Duration dump_timeout) {
  auto nl = open_route_socket(RTMGRP_LINK, /*nonblocking=*/true);
  if (!nl.ok()) return nl.error();
  return LinkMonitor(*nl, dump_timeout);
}

LinkMonitor::LinkMonitor(LinkMonitor&& other) noexcept
    : nl_(std::exchange(other.nl_, nullptr)), dump_timeout_(other.dump_timeout_) {}

LinkMonitor& LinkMonitor::operator=(LinkMonitor&& other) noexcept {
  if (this != &other) {
    if (nl_ != nullptr) mnl_socket_close(nl_);
    nl_ = std::exchange(other.nl_, nullptr);
    dump_timeout_ = other.dump_timeout_;
  }
  return *this;
}

LinkMonitor::~LinkMonitor() {
  if (nl_ != nullptr) mnl_socket_close(nl_);
}

int LinkMonitor::fd() const { return mnl_socket_get_fd(nl_); }

core::Result<std::vector<LinkState>> LinkMonitor::dump() {
  auto opened = open_route_socket(0, /*nonblocking=*/false);
  if (!opened.ok()) return opened.error();
  mnl_socket* nl = *opened;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(dump_timeout_).count();
  timeval tv{.tv_sec = static_cast<time_t>(us / 1000000), .tv_usec = static_cast<suseconds_t>(us % 1000000)};
  setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = 1;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
    const int err = errno;
    mnl_socket_close(nl);
    return core::errno_error("RTM_GETLINK", err);
  }
  std::vector<LinkState> out;
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
    if (n <= 0) {
      const int err = errno;
      mnl_socket_close(nl);
      return core::errno_error("RTM_GETLINK dump", n == 0 ? EIO : err);
    }
    bool done = false;
    std::size_t offset = 0;
    const auto size = static_cast<std::size_t>(n);
    while (size - offset >= sizeof(nlmsghdr)) {
      const auto* m = reinterpret_cast<const nlmsghdr*>(buf.data() + offset);
      if (m->nlmsg_len < sizeof(nlmsghdr) || m->nlmsg_len > size - offset) break;
      if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) done = true;
      if (auto link = parse_link_message({buf.data() + offset, m->nlmsg_len})) out.push_back(std::move(*link));
      offset += NLMSG_ALIGN(m->nlmsg_len);
    }
    if (done) break;
  }
  mnl_socket_close(nl);
  return out;
}

std::vector<LinkState> LinkMonitor::drain() {
  std::vector<LinkState> out;
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  for (;;) {
    const ssize_t n = recv(fd(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == ENOBUFS) {
      // The kernel dropped notifications (our buffer overran): read the
      // whole table again so no change is missed.
      if (auto all = dump(); all.ok()) out.insert(out.end(), all->begin(), all->end());
      continue;
    }
    if (n <= 0) break;  // EAGAIN: all read
    auto links = parse_link_messages({buf.data(), static_cast<std::size_t>(n)});
    out.insert(out.end(), links.begin(), links.end());
  }
  return out;
}

}  // namespace lvsd::vrrp
