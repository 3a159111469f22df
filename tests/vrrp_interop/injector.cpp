#include "tests/vrrp_interop/injector.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "vrrp/checksum.hpp"

namespace lvsd::interop {
namespace {

std::vector<std::uint8_t> encode_payload(const vrrp::Advert& advert, const core::IpAddress& source,
                                        const core::IpAddress& destination) {
  auto bytes = vrrp::encode(advert, source, destination);
  if (!bytes.ok()) return {};
  return std::move(*bytes);
}

}  // namespace

std::string_view to_string(BadAdvert kind) {
  switch (kind) {
    case BadAdvert::kWrongTtl: return "wrong_ttl";
    case BadAdvert::kBadChecksum: return "bad_checksum";
    case BadAdvert::kWrongVrid: return "wrong_vrid";
    case BadAdvert::kWrongPassword: return "wrong_password";
    case BadAdvert::kAuthTypeMismatch: return "auth_type_mismatch";
    case BadAdvert::kTruncated: return "truncated";
    case BadAdvert::kTrailingBytes: return "trailing_bytes";
    case BadAdvert::kWrongVersion: return "wrong_version";
    case BadAdvert::kBadType: return "bad_type";
    case BadAdvert::kNoAddresses: return "no_addresses";
    case BadAdvert::kIntervalMismatch: return "interval_mismatch";
    case BadAdvert::kStrangerOtherVips: return "stranger_other_vips";
    case BadAdvert::kFromOurVip: return "from_our_vip";
    case BadAdvert::kCount: break;
  }
  return "unknown";
}

CraftedPacket craft_valid(const ValidAdvert& valid) {
  return CraftedPacket{.name = "valid",
                       .source = valid.source,
                       .destination = valid.destination,
                       .ttl = 255,
                       .payload = encode_payload(valid.advert, valid.source, valid.destination),
                       .expected = vrrp::DropReason::kCount};
}

CraftedPacket craft(BadAdvert kind, const ValidAdvert& valid) {
  using vrrp::DropReason;
  const bool v2 = valid.advert.version == vrrp::Version::kV2;
  CraftedPacket p = craft_valid(valid);
  p.name = std::string(to_string(kind));
  vrrp::Advert a = valid.advert;
  auto reencode = [&] { p.payload = encode_payload(a, p.source, p.destination); };
  // Fix the checksum after a raw edit, so only the intended field is wrong.
  auto refresh_checksum = [&] {
    p.payload[6] = p.payload[7] = 0;
    const std::uint16_t c = vrrp::vrrp_checksum(valid.advert.version, p.payload, p.source, p.destination);
    p.payload[6] = static_cast<std::uint8_t>(c >> 8);
    p.payload[7] = static_cast<std::uint8_t>(c & 0xff);
  };
  switch (kind) {
    case BadAdvert::kWrongTtl:
      p.ttl = 64;
      p.expected = DropReason::kWrongTtl;
      break;
    case BadAdvert::kBadChecksum:
      p.payload[7] ^= 0x01;
      p.expected = DropReason::kBadChecksum;
      break;
    case BadAdvert::kWrongVrid:
      a.vrid = static_cast<std::uint8_t>(a.vrid + 1);
      reencode();
      p.expected = DropReason::kWrongVrid;
      break;
    case BadAdvert::kWrongPassword:
      a.auth_type = vrrp::AuthType::kSimplePassword;
      a.auth_data = vrrp::password_auth_data("intruder");
      reencode();
      p.expected = v2 ? DropReason::kWrongPassword : DropReason::kCount;
      break;
    case BadAdvert::kAuthTypeMismatch:
      a.auth_type = vrrp::AuthType::kNone;
      a.auth_data = {};
      reencode();
      p.expected = v2 ? DropReason::kAuthTypeMismatch : DropReason::kCount;
      break;
    case BadAdvert::kTruncated:
      p.payload.resize(vrrp::kHeaderSize + 2);
      p.expected = DropReason::kTruncated;
      break;
    case BadAdvert::kTrailingBytes:
      p.payload.insert(p.payload.end(), {0, 0, 0, 0});
      refresh_checksum();
      p.expected = DropReason::kBadLength;
      break;
    case BadAdvert::kWrongVersion:
      p.payload[0] = static_cast<std::uint8_t>((v2 ? 3 : 2) << 4 | vrrp::kTypeAdvertisement);
      refresh_checksum();
      p.expected = DropReason::kBadVersion;
      break;
    case BadAdvert::kBadType:
      p.payload[0] = static_cast<std::uint8_t>((v2 ? 2 : 3) << 4 | 2);
      refresh_checksum();
      p.expected = DropReason::kBadType;
      break;
    case BadAdvert::kNoAddresses:
      p.payload[3] = 0;
      refresh_checksum();
      p.expected = DropReason::kNoAddresses;
      break;
    case BadAdvert::kIntervalMismatch:
      if (v2) {
        a.advert_interval = a.advert_interval + vrrp::Centiseconds{100};
        reencode();
      } else {
        p.payload[4] = 0;
        p.payload[5] = 0;
        refresh_checksum();
      }
      p.expected = DropReason::kIntervalMismatch;
      break;
    case BadAdvert::kStrangerOtherVips: {
      a.priority = 254;
      std::array<std::uint8_t, 4> other{};
      std::copy_n(a.addresses.front().bytes().begin(), 4, other.begin());
      other[3] = static_cast<std::uint8_t>(other[3] + 1);
      a.addresses = {core::IpAddress::v4(other)};
      reencode();
      // RFC 3768 7.1 drops it; RFC 5798 7.1 only asks v3 to log it, lvsd drops it too.
      p.expected = DropReason::kAddressMismatch;
      break;
    }
    case BadAdvert::kFromOurVip:
      a.priority = 254;
      p.source = a.addresses.front();
      reencode();
      p.expected = DropReason::kSourceIsVirtual;
      break;
    case BadAdvert::kCount:
      break;
  }
  return p;
}

std::vector<std::uint8_t> ipv4_datagram(const CraftedPacket& packet) {
  const std::size_t total = 20 + packet.payload.size();
  std::vector<std::uint8_t> d(total);
  d[0] = 0x45;                      // version 4, IHL 5
  d[1] = 0xc0;                      // DSCP CS6 (network control), as routers send VRRP
  d[2] = static_cast<std::uint8_t>(total >> 8);
  d[3] = static_cast<std::uint8_t>(total & 0xff);
  d[8] = static_cast<std::uint8_t>(packet.ttl);
  d[9] = vrrp::kVrrpIpProtocol;
  std::copy_n(packet.source.bytes().begin(), 4, d.begin() + 12);
  std::copy_n(packet.destination.bytes().begin(), 4, d.begin() + 16);
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(d[i] << 8 | d[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const auto c = static_cast<std::uint16_t>(~sum);
  d[10] = static_cast<std::uint8_t>(c >> 8);
  d[11] = static_cast<std::uint8_t>(c & 0xff);
  std::copy(packet.payload.begin(), packet.payload.end(), d.begin() + 20);
  return d;
}

core::Result<Injector> Injector::open(const std::string& interface) {
  const int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);  // IPPROTO_RAW implies IP_HDRINCL
  if (fd < 0) return core::errno_error("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)", errno);
  Injector injector(fd);
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), static_cast<socklen_t>(interface.size())) !=
      0) {
    return core::errno_error("SO_BINDTODEVICE " + interface, errno);
  }
  ip_mreqn mreq{};
  mreq.imr_ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
  if (mreq.imr_ifindex == 0) return core::errno_error("interface " + interface, errno);
  if (::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq) != 0) {
    return core::errno_error("IP_MULTICAST_IF " + interface, errno);
  }
  return injector;
}

Injector::Injector(Injector&&) noexcept = default;
Injector& Injector::operator=(Injector&&) noexcept = default;
Injector::~Injector() = default;

core::Status Injector::send(const CraftedPacket& packet) {
  const auto datagram = ipv4_datagram(packet);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  std::memcpy(&to.sin_addr, packet.destination.bytes().data(), 4);
  const ssize_t n = ::sendto(fd_.get(), datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                             sizeof to);
  if (n < 0) return core::errno_error("sendto " + packet.destination.to_string(), errno);
  if (static_cast<std::size_t>(n) != datagram.size()) return core::Error{"sendto: short write"};
  return {};
}

}  // namespace lvsd::interop
