#pragma once
// A VRRP packet injector for tests: crafts adverts that a VRRP router must
// drop (and says which drop reason our decoder gives them), and sends them
// onto a test segment from inside a namespace with a raw IPv4 socket that
// writes its own IP header, so TTL and source address can be anything.
//
//   auto bad = craft(BadAdvert::kWrongPassword, valid);   // pure
//   auto inj = in_netns(host, [] { return Injector::open("eth0"); });
//   inj->send(bad);
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/net_address.hpp"
#include "core/unique_fd.hpp"
#include "vrrp/packet.hpp"

namespace lvsd::interop {

enum class BadAdvert : std::uint8_t {
  kWrongTtl,           // TTL 64 on the multicast group
  kBadChecksum,        // one checksum bit flipped
  kWrongVrid,          // another virtual router (not an error, but not ours)
  kWrongPassword,      // v2 PASS differs
  kAuthTypeMismatch,   // v2 without authentication
  kTruncated,          // cut in the middle of the address list
  kTrailingBytes,      // longer than the header says
  kWrongVersion,       // v3 to a v2 router, v2 to a v3 router
  kBadType,            // type 2 (not ADVERTISEMENT)
  kNoAddresses,        // Count IPvX Addr 0
  kIntervalMismatch,   // v2: another Adver Int; v3: Max Adver Int 0
  kStrangerOtherVips,  // a stranger with priority 254 advertises our VRID with a different address list
  kFromOurVip,         // a stranger sends from our VIP with priority 254
  kCount
};

std::string_view to_string(BadAdvert kind);

// An IPv4 VRRP packet: the payload plus the IP header fields we set.
struct CraftedPacket {
  std::string name{};
  core::IpAddress source{};
  core::IpAddress destination{};
  int ttl = 255;
  std::vector<std::uint8_t> payload{};
  vrrp::DropReason expected{};  // what our decoder must say
};

// A valid advert as a stranger on the segment would send it.
struct ValidAdvert {
  vrrp::Advert advert{};
  core::IpAddress source{};
  core::IpAddress destination{};  // 224.0.0.18 or a unicast address
};

// The bad variant of `valid`. Which field is broken depends on `kind`; the
// rest stays valid, so the packet is dropped for exactly that reason.
CraftedPacket craft(BadAdvert kind, const ValidAdvert& valid);
// `valid` itself, unchanged (to check the injector's packets are accepted).
CraftedPacket craft_valid(const ValidAdvert& valid);

// The IPv4 header + payload as sent (header checksum filled in).
std::vector<std::uint8_t> ipv4_datagram(const CraftedPacket& packet);

class Injector {
 public:
  // A raw IPPROTO_RAW socket bound to `interface`; call inside the namespace.
  static core::Result<Injector> open(const std::string& interface);
  Injector(Injector&& other) noexcept;
  Injector& operator=(Injector&& other) noexcept;
  Injector(const Injector&) = delete;
  Injector& operator=(const Injector&) = delete;
  ~Injector();

  core::Status send(const CraftedPacket& packet);

 private:
  explicit Injector(int fd) : fd_(fd) {}
  core::UniqueFd fd_;
};

}  // namespace lvsd::interop
