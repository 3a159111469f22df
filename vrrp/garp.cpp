#include "vrrp/garp.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace lvsd::vrrp {
namespace {

constexpr std::size_t kMinFrame = 60;  // Ethernet minimum without FCS

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

}  // namespace

std::vector<std::uint8_t> build_gratuitous_arp(const MacAddress& mac, const core::IpAddress& vip) {
  std::vector<std::uint8_t> f;
  f.reserve(kMinFrame);
  f.insert(f.end(), 6, 0xff);                  // destination: broadcast
  f.insert(f.end(), mac.begin(), mac.end());   // source
  put16(f, ETH_P_ARP);
  put16(f, ARPHRD_ETHER);                      // hardware type
  put16(f, ETH_P_IP);                          // protocol type
  f.push_back(6);                              // hardware address length
  f.push_back(4);                              // protocol address length
  put16(f, ARPOP_REQUEST);
  f.insert(f.end(), mac.begin(), mac.end());   // sender MAC
  f.insert(f.end(), vip.bytes().begin(), vip.bytes().end());  // sender IP = VIP
  f.insert(f.end(), 6, 0x00);                  // target MAC: unknown (RFC 5227 2.1.1)
  f.insert(f.end(), vip.bytes().begin(), vip.bytes().end());  // target IP = VIP
  f.resize(std::max(f.size(), kMinFrame), 0);
  return f;
}

core::Result<GarpSender> GarpSender::open(const std::string& interface) {
  const int ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
  if (ifindex == 0) return core::errno_error("interface " + interface, errno);
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);  // protocol 0: send only
  if (fd < 0) return core::errno_error("socket(AF_PACKET)", errno);
  GarpSender sender(fd, ifindex, {});
  ifreq ifr{};
  if (interface.size() >= sizeof ifr.ifr_name) return core::Error{"interface name too long: " + interface};
  std::memcpy(ifr.ifr_name, interface.c_str(), interface.size());
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) return core::errno_error("SIOCGIFHWADDR " + interface, errno);
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) return core::Error{interface + " is not an Ethernet interface"};
  std::memcpy(sender.mac_.data(), ifr.ifr_hwaddr.sa_data, 6);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
    return core::errno_error("bind AF_PACKET to " + interface, errno);
  }
  return sender;
}

GarpSender::GarpSender(GarpSender&&) noexcept = default;
GarpSender& GarpSender::operator=(GarpSender&&) noexcept = default;
GarpSender::~GarpSender() = default;

core::Status GarpSender::send(const core::IpAddress& vip) {
  if (vip.family() != core::AddressFamily::kIpv4) return core::Error{"gratuitous ARP is IPv4 only: " + vip.to_string()};
  const auto frame = build_gratuitous_arp(mac_, vip);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex_;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_halen = 6;
  std::fill_n(to.sll_addr, 6, 0xff);
  const ssize_t n =
      ::sendto(fd_.get(), frame.data(), frame.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&to), sizeof to);
  if (n < 0) return core::errno_error("gratuitous ARP for " + vip.to_string(), errno);
  return {};
}

}  // namespace lvsd::vrrp
