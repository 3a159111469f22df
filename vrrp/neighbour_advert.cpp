#include "vrrp/neighbour_advert.hpp"

#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace lvsd::vrrp {
namespace {

constexpr std::uint8_t kIcmpv6NeighbourAdvert = 136;  // RFC 4861 4.4
constexpr std::uint8_t kFlagRouter = 0x80;
constexpr std::uint8_t kFlagOverride = 0x20;
constexpr std::uint8_t kOptionTargetLinkLayer = 2;  // RFC 4861 4.6.1
constexpr int kHopLimit = 255;                       // RFC 4861 7.2.6 / 7.1.2

}  // namespace

std::vector<std::uint8_t> build_unsolicited_na(const MacAddress& mac, const core::IpAddress& vip, bool router) {
  std::vector<std::uint8_t> m;
  m.reserve(32);
  m.push_back(kIcmpv6NeighbourAdvert);
  m.push_back(0);  // code
  m.push_back(0);  // checksum: the kernel computes it for raw ICMPv6 sockets (RFC 3542 3.1)
  m.push_back(0);
  // Unsolicited: S clear (RFC 4861 7.2.6); O set so neighbours replace the old MAC.
  m.push_back(static_cast<std::uint8_t>(kFlagOverride | (router ? kFlagRouter : 0)));
  m.insert(m.end(), 3, 0);
  m.insert(m.end(), vip.bytes().begin(), vip.bytes().end());
  m.push_back(kOptionTargetLinkLayer);
  m.push_back(1);  // length in units of 8 octets
  m.insert(m.end(), mac.begin(), mac.end());
  return m;
}

core::Result<NaSender> NaSender::open(const std::string& interface) {
  const int ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
  if (ifindex == 0) return core::errno_error("interface " + interface, errno);
  const int fd = ::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
  if (fd < 0) return core::errno_error("socket(ICMPv6)", errno);
  NaSender sender(fd, ifindex, {});
  ifreq ifr{};
  if (interface.size() >= sizeof ifr.ifr_name) return core::Error{"interface name too long: " + interface};
  std::memcpy(ifr.ifr_name, interface.c_str(), interface.size());
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) return core::errno_error("SIOCGIFHWADDR " + interface, errno);
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) return core::Error{interface + " is not an Ethernet interface"};
  std::memcpy(sender.mac_.data(), ifr.ifr_hwaddr.sa_data, 6);
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &kHopLimit, sizeof kHopLimit) != 0) {
    return core::errno_error("IPV6_MULTICAST_HOPS", errno);
  }
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex) != 0) {
    return core::errno_error("IPV6_MULTICAST_IF", errno);
  }
  return sender;
}

NaSender::NaSender(NaSender&&) noexcept = default;
NaSender& NaSender::operator=(NaSender&&) noexcept = default;
NaSender::~NaSender() = default;

core::Status NaSender::send(const core::IpAddress& vip, bool router) {
  if (vip.family() != core::AddressFamily::kIpv6) return core::Error{"neighbour advertisement is IPv6 only: " + vip.to_string()};
  auto message = build_unsolicited_na(mac_, vip, router);
  iovec iov{message.data(), message.size()};
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_addr.s6_addr[0] = 0xff;  // ff02::1, all nodes (RFC 4861 7.2.6)
  to.sin6_addr.s6_addr[1] = 0x02;
  to.sin6_addr.s6_addr[15] = 0x01;
  to.sin6_scope_id = static_cast<std::uint32_t>(ifindex_);
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in6_pktinfo))> control{};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
  in6_pktinfo info{};
  std::memcpy(&info.ipi6_addr, vip.bytes().data(), 16);  // from the VIP itself
  info.ipi6_ifindex = static_cast<unsigned>(ifindex_);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  if (::sendmsg(fd_.get(), &msg, MSG_DONTWAIT) < 0) {
    return core::errno_error("unsolicited NA for " + vip.to_string(), errno);
  }
  return {};
}

}  // namespace lvsd::vrrp
