#include "vrrp/address_monitor.hpp"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "vrrp/addr.hpp"
#include "vrrp/link_monitor.hpp"

namespace lvsd::vrrp {

std::vector<AddressDeleted> parse_address_deletions(std::span<const std::uint8_t> buffer) {
  std::vector<AddressDeleted> out;
  std::size_t offset = 0;
  while (buffer.size() - offset >= sizeof(nlmsghdr)) {
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data() + offset);
    if (nlh->nlmsg_len < sizeof(nlmsghdr) || nlh->nlmsg_len > buffer.size() - offset) break;
    if (nlh->nlmsg_type == RTM_DELADDR) {
      const auto* p = buffer.data() + offset;
      if (auto a = parse_address_message(std::vector<std::uint8_t>(p, p + nlh->nlmsg_len)))
        out.push_back({.ifindex = a->ifindex, .address = a->prefix.address});
    }
    offset += NLMSG_ALIGN(nlh->nlmsg_len);
  }
  return out;
}

core::Result<AddressMonitor> AddressMonitor::open() {
  auto nl = open_route_socket(RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, /*nonblocking=*/true);
  if (!nl.ok()) return nl.error();
  return AddressMonitor(*nl);
}

AddressMonitor::AddressMonitor(AddressMonitor&& other) noexcept : nl_(std::exchange(other.nl_, nullptr)) {}

AddressMonitor& AddressMonitor::operator=(AddressMonitor&& other) noexcept {
  if (this != &other) {
    if (nl_ != nullptr) mnl_socket_close(nl_);
    nl_ = std::exchange(other.nl_, nullptr);
  }
  return *this;
}

AddressMonitor::~AddressMonitor() {
  if (nl_ != nullptr) mnl_socket_close(nl_);
}

int AddressMonitor::fd() const { return mnl_socket_get_fd(nl_); }

std::vector<AddressDeleted> AddressMonitor::drain() {
  std::vector<AddressDeleted> out;
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  for (int i = 0; i < 64; ++i) {
    const ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n <= 0) break;  // EAGAIN: nothing more; ENOBUFS: lost ones (a VIP still held is checked again)
    auto some = parse_address_deletions(std::span(buf.data(), static_cast<std::size_t>(n)));
    out.insert(out.end(), some.begin(), some.end());
  }
  return out;
}

}  // namespace lvsd::vrrp
