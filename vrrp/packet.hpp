#pragma once
// VRRP advertisement codec: bytes in, typed advert or typed drop reason out.
// Pure: no sockets. The decoder takes the VRRP payload (the IP payload, no IP
// header) plus what recvmsg told the caller about it (ReceivedMeta), and what
// the local instance expects (LocalExpectations).
//
// VRRPv2, RFC 3768 5.1 (auth fields from RFC 2338 5.3.6, which keepalived
// still speaks as "PASS"):
//   0: Version(4)|Type(4)  1: VRID  2: Priority  3: Count IP Addrs
//   4: Auth Type  5: Adver Int (s)  6-7: Checksum  8..: IPv4 addrs  then 8 bytes auth data
// VRRPv3, RFC 5798 5.1:
//   0: Version(4)|Type(4)  1: VRID  2: Priority  3: Count IPvX Addr
//   4-5: rsvd(4)|Max Adver Int (12 bits, cs)  6-7: Checksum  8..: IPv4 or IPv6 addrs
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "vrrp/interval.hpp"
#include "core/net_address.hpp"

namespace lvsd::vrrp {

inline constexpr std::uint8_t kTypeAdvertisement = 1;   // RFC 5798 5.2.2, RFC 3768 5.3.2
inline constexpr std::uint8_t kPriorityOwner = 255;     // RFC 5798 5.2.4
inline constexpr std::uint8_t kPriorityResign = 0;      // RFC 5798 5.2.4: master stops
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kAuthDataSize = 8;         // RFC 2338 5.3.10
inline constexpr int kRequiredTtl = 255;                // RFC 5798 5.1.1.3, RFC 3768 5.2.3
inline constexpr Centiseconds kMaxV3Interval{4095};     // 12 bits, RFC 5798 5.2.7
inline constexpr Centiseconds kMaxV2Interval{255 * 100};

// VRRPv2 Auth Type (RFC 2338 5.3.6; RFC 3768 5.3.6 keeps only 0 but
// reserves 1 and 2 for compatibility).
enum class AuthType : std::uint8_t { kNone = 0, kSimplePassword = 1, kIpAh = 2 };

using AuthData = std::array<std::uint8_t, kAuthDataSize>;

// A simple-text password as sent on the wire: the first 8 bytes, zero padded.
AuthData password_auth_data(std::string_view password);

struct Advert {
  Version version = Version::kV3;
  std::uint8_t vrid = 0;
  std::uint8_t priority = 0;
  // v3: Max Adver Int (0..4095 cs). v2: Adver Int, a whole number of seconds (1..255).
  Centiseconds advert_interval{100};
  std::vector<core::IpAddress> addresses{};  // all IPv4, or (v3 only) all IPv6
  // v2 only. Kept as received even for kNone so that a re-encode is byte-exact.
  AuthType auth_type = AuthType::kNone;
  AuthData auth_data{};

  friend bool operator==(const Advert&, const Advert&) = default;
};

// Builds the VRRP payload with its checksum. `source`/`destination` are the
// IP header addresses the packet will be sent with (v3 checksums cover them).
// Errors: more than 255 addresses, mixed or wrong address families, an
// interval the version cannot carry, v2 over IPv6.
core::Result<std::vector<std::uint8_t>> encode(const Advert& advert, const core::IpAddress& source,
                                               const core::IpAddress& destination);

// RFC 5798 5.1.1.2 / 5.1.2.2 (and RFC 3768 5.2.2): the VRRP groups.
core::IpAddress vrrp_multicast_group(core::AddressFamily family);  // 224.0.0.18 or ff02::12

// What the socket layer saw besides the payload.
struct ReceivedMeta {
  core::IpAddress source{};
  core::IpAddress destination{};  // the group, or one of our unicast addresses
  int ttl = 0;              // IPv4 TTL or IPv6 hop limit
  int ifindex = 0;
};

// What the local virtual router is configured with.
struct LocalExpectations {
  Version version = Version::kV3;
  core::AddressFamily family = core::AddressFamily::kIpv4;
  std::uint8_t vrid = 0;
  AuthType auth_type = AuthType::kNone;  // v2 only
  AuthData auth_data{};                  // v2 kSimplePassword only; see password_auth_data()
  Centiseconds advert_interval{100};     // configured Advertisement_Interval
  bool local_is_owner = false;           // our priority is 255 (RFC 5798 7.1)
  std::vector<core::IpAddress> vips{};           // our virtual addresses, in any order
  std::vector<core::IpAddress> own_addresses{};  // addresses of this host on the interface
  // Empty: multicast mode, adverts must be sent to the group. Otherwise
  // unicast mode: only these may send, and not to the group.
  std::vector<core::IpAddress> unicast_peers{};
  // Unicast mode only: drop adverts whose TTL/hop limit is not 255. Off for
  // peers routed apart; multicast adverts are always checked (RFC 5798 7.1).
  bool check_unicast_ttl = true;
  // Multicast mode: the group adverts must be sent to; unset: 224.0.0.18 / ff02::12.
  std::optional<core::IpAddress> multicast_group{};
};

enum class DropReason : std::uint8_t {
  kTruncated,           // shorter than header + addresses (+ auth data for v2)
  kBadLength,           // longer than the header says
  kNoAddresses,         // Count IPvX Addr is 0 (minimum 1, RFC 5798 5.2.5)
  kBadVersion,          // not the version this instance runs
  kBadType,             // not ADVERTISEMENT
  kBadChecksum,
  kWrongTtl,            // TTL/hop limit != 255 (unicast mode: unless check_unicast_ttl is off)
  kWrongFamily,         // IPvX of the packet != the instance's
  kWrongVrid,           // another virtual router's advert: not an error, just not ours
  kLocalIsOwner,        // we are the address owner (RFC 5798 7.1, RFC 3768 7.1)
  kAuthTypeMismatch,    // v2
  kWrongPassword,       // v2 simple password differs
  kIntervalMismatch,    // v2: Adver Int != ours (RFC 3768 7.1); v3: Max Adver Int 0
  kAddressMismatch,     // address list differs: v3 always, v2 unless from the owner (RFC 3768 7.1)
  kFromOwnAddress,      // our own advert looped back, or spoofed with our address
  kSourceIsVirtual,     // non-owner sending from one of our VIPs (must use its primary address)
  kNotAPeer,            // unicast mode: sender is not a configured peer
  kWrongDestination,    // multicast mode: not sent to the group; unicast mode: sent to the group
  kCount
};

std::string_view to_string(DropReason reason);

struct Drop {
  DropReason reason;
  std::string detail;  // for the log, e.g. "TTL 64"
};

struct ReceivedAdvert {
  Advert advert;
  core::IpAddress source{};
  // Only a v2 owner's advert (priority 255) gets here with a different list
  // (RFC 3768 7.1); the caller logs it. Every other mismatch is dropped.
  bool addresses_differ = false;
  // v3 only: the master's interval differs from ours; a backup adopts it
  // (RFC 5798 6.4.2). v2 adverts with another interval are dropped instead.
  bool interval_differs = false;
};

using DecodeResult = std::variant<ReceivedAdvert, Drop>;

DecodeResult decode(std::span<const std::uint8_t> payload, const ReceivedMeta& meta,
                    const LocalExpectations& local);

}  // namespace lvsd::vrrp
