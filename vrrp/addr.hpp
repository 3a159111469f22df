#pragma once
// Virtual addresses on an interface, over rtnetlink (RTM_NEWADDR /
// RTM_DELADDR / RTM_GETADDR) through libmnl. The messages are built by pure
// functions (build_*), tested byte by byte; AddressClient sends them over an
// RtnetlinkSocket (vrrp/rtnetlink.hpp), whose receives are bounded.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/net_address.hpp"
#include "vrrp/rtnetlink.hpp"


namespace lvsd::vrrp {

enum class AddressScope : std::uint8_t { kGlobal = 0, kSite = 200, kLink = 253, kHost = 254 };  // RT_SCOPE_*

struct VipSpec {
  core::IpPrefix prefix{};
  int ifindex = 0;
  std::string label{};  // IPv4 only; the kernel wants it to start with the interface name ("eth0:vip")
  AddressScope scope = AddressScope::kGlobal;
  // false: keepalived's virtual_ipaddress_excluded, added and removed with
  // the others but not listed in adverts nor checked against the peer's.
  bool in_advert = true;
  std::optional<core::IpAddress> broadcast{};  // IFA_BROADCAST (IPv4 `brd`)
  std::optional<core::IpAddress> peer{};       // IFA_ADDRESS of a point-to-point address (`peer`)
  std::uint32_t flags = 0;                     // more IFA_F_*: HOMEADDRESS, MANAGETEMPADDR, NOPREFIXROUTE, MCAUTOJOIN
  std::optional<std::uint32_t> preferred_lft{};  // seconds (IFA_CACHEINFO); unset: forever
  // keepalived's VIP tracking: a MASTER resigns when the address is deleted
  // under it (false: keepalived's no_track).
  bool track = true;
};

struct InterfaceAddress {
  core::IpPrefix prefix{};
  int ifindex = 0;
  std::string label{};
  AddressScope scope = AddressScope::kGlobal;
};

enum class AddressOp : std::uint8_t { kAdd, kRemove };

// One netlink message. kAdd replaces an existing identical address (so a
// repeated add succeeds); IPv6 VIPs are added with IFA_F_NODAD so they can
// be used at once after a failover.
std::vector<std::uint8_t> build_address_request(AddressOp op, const VipSpec& vip, std::uint32_t seq);
// A dump request for all addresses of `family`.
std::vector<std::uint8_t> build_address_dump(core::AddressFamily family, std::uint32_t seq);
// Parses one RTM_NEWADDR message (as in a dump) or RTM_DELADDR message (as
// the kernel announces a deletion); nullopt if it is neither or lacks an
// address.
std::optional<InterfaceAddress> parse_address_message(const std::vector<std::uint8_t>& message);

class AddressClient {
 public:
  // Opens a NETLINK_ROUTE socket in the caller's network namespace.
  static core::Result<AddressClient> open(core::Duration receive_timeout = std::chrono::milliseconds(500));

  // Idempotent: adding a present address or removing an absent one succeeds.
  core::Status add(const VipSpec& vip);
  core::Status remove(const VipSpec& vip);
  // Addresses of `family` on `ifindex` (0 = every interface).
  core::Result<std::vector<InterfaceAddress>> list(core::AddressFamily family, int ifindex = 0);

 private:
  explicit AddressClient(RtnetlinkSocket socket) : socket_(std::move(socket)) {}
  RtnetlinkSocket socket_;
};

}  // namespace lvsd::vrrp
