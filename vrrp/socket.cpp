#include "vrrp/socket.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>

#include "vrrp/checksum.hpp"

namespace lvsd::vrrp {
namespace {

constexpr int kTtl = kRequiredTtl;

core::Error sys_error(const std::string& what) { return core::errno_error(what, errno); }

template <typename T>
bool set_opt(int fd, int level, int name, const T& value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

core::IpAddress from_in6(const in6_addr& a) {
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), &a, 16);
  return core::IpAddress::v6(b);
}

// Sets the options of an open raw socket; returns an error naming the call.
core::Status configure(int fd, int ifindex, const SocketOptions& o) {
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o.interface.c_str(),
                 static_cast<socklen_t>(o.interface.size())) != 0) {
    return sys_error("SO_BINDTODEVICE " + o.interface);
  }
  const core::IpAddress group = o.group.value_or(vrrp_multicast_group(o.family));
  if (o.family == core::AddressFamily::kIpv4) {
    const int one = 1, zero = 0;
    if (!set_opt(fd, IPPROTO_IP, IP_TTL, o.unicast_ttl)) return sys_error("IP_TTL");
    if (!set_opt(fd, IPPROTO_IP, IP_MULTICAST_TTL, kTtl)) return sys_error("IP_MULTICAST_TTL");
    // Our own adverts must not come back to us.
    if (!set_opt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, zero)) return sys_error("IP_MULTICAST_LOOP");
    if (!set_opt(fd, IPPROTO_IP, IP_PKTINFO, one)) return sys_error("IP_PKTINFO");
    ip_mreqn mreq{};
    std::memcpy(&mreq.imr_multiaddr, group.bytes().data(), 4);
    mreq.imr_ifindex = ifindex;
    if (!set_opt(fd, IPPROTO_IP, IP_MULTICAST_IF, mreq)) return sys_error("IP_MULTICAST_IF");
    if (o.join_multicast && !set_opt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq)) {
      return sys_error("IP_ADD_MEMBERSHIP " + group.to_string() + " on " + o.interface);
    }
  } else {
    const int one = 1, zero = 0;
    if (!set_opt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, o.unicast_ttl)) return sys_error("IPV6_UNICAST_HOPS");
    if (!set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, kTtl)) return sys_error("IPV6_MULTICAST_HOPS");
    if (!set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, zero)) return sys_error("IPV6_MULTICAST_LOOP");
    if (!set_opt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, one)) return sys_error("IPV6_RECVHOPLIMIT");
    if (!set_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, one)) return sys_error("IPV6_RECVPKTINFO");
    if (!set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex)) return sys_error("IPV6_MULTICAST_IF");
    if (o.join_multicast) {
      ipv6_mreq mreq{};
      std::memcpy(&mreq.ipv6mr_multiaddr, group.bytes().data(), 16);
      mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
      if (!set_opt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq)) {
        return sys_error("IPV6_ADD_MEMBERSHIP " + group.to_string() + " on " + o.interface);
      }
    }
  }
  return {};
}

}  // namespace

core::Result<VrrpSocket> VrrpSocket::open(const SocketOptions& options) {
  if (options.source.family() != options.family) {
    return core::Error{"source address " + options.source.to_string() + " is not of the socket's family"};
  }
  const int ifindex = static_cast<int>(if_nametoindex(options.interface.c_str()));
  if (ifindex == 0) return sys_error("interface " + options.interface);
  const int domain = core::af_number(options.family);
  const int fd = ::socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kVrrpIpProtocol);
  if (fd < 0) return sys_error("socket(SOCK_RAW, 112)");
  VrrpSocket sock(fd, ifindex, options);  // closes fd on any error below
  if (auto st = configure(fd, ifindex, options); !st) return st.error();
  return sock;
}

VrrpSocket::VrrpSocket(VrrpSocket&&) noexcept = default;
VrrpSocket& VrrpSocket::operator=(VrrpSocket&&) noexcept = default;
VrrpSocket::~VrrpSocket() = default;

core::Status VrrpSocket::send(std::span<const std::uint8_t> payload, const core::IpAddress& destination) {
  if (destination.family() != options_.family) return core::Error{"destination family differs from socket's"};
  iovec iov{const_cast<std::uint8_t*>(payload.data()), payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in6_pktinfo))> control{};
  sockaddr_in dst4{};
  sockaddr_in6 dst6{};
  msg.msg_control = control.data();
  cmsghdr* c = nullptr;
  if (options_.family == core::AddressFamily::kIpv4) {
    dst4.sin_family = AF_INET;
    std::memcpy(&dst4.sin_addr, destination.bytes().data(), 4);
    msg.msg_name = &dst4;
    msg.msg_namelen = sizeof dst4;
    msg.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_ifindex = ifindex_;
    std::memcpy(&info.ipi_spec_dst, options_.source.bytes().data(), 4);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  } else {
    dst6.sin6_family = AF_INET6;
    std::memcpy(&dst6.sin6_addr, destination.bytes().data(), 16);
    dst6.sin6_scope_id = static_cast<std::uint32_t>(ifindex_);
    msg.msg_name = &dst6;
    msg.msg_namelen = sizeof dst6;
    msg.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    in6_pktinfo info{};
    info.ipi6_ifindex = static_cast<unsigned>(ifindex_);
    std::memcpy(&info.ipi6_addr, options_.source.bytes().data(), 16);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  const ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_DONTWAIT);
  if (n < 0) return sys_error("sendmsg to " + destination.to_string());
  if (static_cast<std::size_t>(n) != payload.size()) return core::Error{"sendmsg: short write"};
  return {};
}

core::Result<std::optional<Datagram>> VrrpSocket::receive() {
  std::array<std::uint8_t, 65536> buf;
  sockaddr_storage from{};
  alignas(cmsghdr) std::array<char, 256> control{};
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return std::optional<Datagram>{};
    return sys_error("recvmsg");
  }
  Datagram d;
  d.meta.ifindex = ifindex_;
  std::span<const std::uint8_t> data(buf.data(), static_cast<std::size_t>(n));
  if (options_.family == core::AddressFamily::kIpv4) {
    // IPv4 raw sockets deliver the IP header: TTL, source and destination come from it.
    if (data.size() < 20) return core::Error{"recvmsg: datagram shorter than an IPv4 header"};
    const std::size_t ihl = static_cast<std::size_t>(data[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > data.size()) return core::Error{"recvmsg: bad IPv4 header length"};
    d.meta.ttl = data[8];
    d.meta.source = core::IpAddress::v4({data[12], data[13], data[14], data[15]});
    d.meta.destination = core::IpAddress::v4({data[16], data[17], data[18], data[19]});
    data = data.subspan(ihl);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        d.meta.ifindex = info.ipi_ifindex;
      }
    }
  } else {
    d.meta.source = from_in6(reinterpret_cast<const sockaddr_in6*>(&from)->sin6_addr);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        int hops = 0;
        std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
        d.meta.ttl = hops;
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        d.meta.destination = from_in6(info.ipi6_addr);
        d.meta.ifindex = static_cast<int>(info.ipi6_ifindex);
      }
    }
  }
  d.payload.assign(data.begin(), data.end());
  return std::optional<Datagram>{std::move(d)};
}

}  // namespace lvsd::vrrp
