#pragma once
// Scale-out announcements, the kernel part: the routes lvsd keeps for
// announced VIPs (docs/scale-out.md), over rtnetlink through libmnl.
//   - kLocal:    `local VIP dev lo table local proto 250`: packets for the VIP
//                are delivered locally, where IPVS takes them. No address on
//                an interface (no ARP, and the routing daemon sees no
//                connected route that would win over the announcement).
//   - kAnnounce: `VIP dev lo table <announce.table> proto 250`: the routing
//                daemon imports the table and advertises what is in it.
// Every route lvsd writes carries protocol 250, so lvsd (and `lvsd --cleanup`
// after a crash) finds its own without a record of them.
// The messages are built and parsed by pure functions, tested byte by byte.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/net_address.hpp"
#include "core/result.hpp"
#include "vrrp/rtnetlink.hpp"


namespace lvsd::daemon {

inline constexpr std::uint8_t kRouteProtocol = 250;  // RTPROT_* value of lvsd's routes
inline constexpr std::uint32_t kLocalTable = 255;    // RT_TABLE_LOCAL

enum class RouteKind : std::uint8_t { kLocal, kAnnounce };

struct VipRoute {
  RouteKind kind = RouteKind::kAnnounce;
  std::uint32_t table = 0;  // kAnnounce: the announce table; kLocal: kLocalTable
  core::IpAddress vip{};
  friend auto operator<=>(const VipRoute&, const VipRoute&) = default;
};

std::string describe(const VipRoute& route);  // "announce 10.0.0.100 table 200"

enum class RouteOp : std::uint8_t { kAdd, kRemove };

// Any route, in rtnetlink's terms: what build_kernel_route_request() sends
// and parse_kernel_route() reads back. lvsd's VipRoutes are one case of it;
// static_routes / virtual_routes (daemon/ip_config.hpp) are the others.
struct KernelRoute {
  core::IpPrefix dst{};
  std::uint8_t type = 1;        // RTN_UNICAST, RTN_BLACKHOLE, ...
  std::uint32_t table = 254;    // RT_TABLE_MAIN
  std::uint8_t protocol = 18;   // RTPROT_*
  std::uint8_t scope = 0;       // RT_SCOPE_*
  int oif = 0;                  // 0: none
  std::optional<core::IpAddress> gateway{};
  std::optional<core::IpAddress> prefsrc{};
  std::optional<std::uint32_t> metric{};
  bool onlink = false;
  friend auto operator<=>(const KernelRoute&, const KernelRoute&) = default;
};

// RTM_NEWROUTE (create or replace) / RTM_DELROUTE; attributes in the order
// RTA_DST, RTA_TABLE, RTA_OIF, RTA_GATEWAY, RTA_PREFSRC, RTA_PRIORITY.
std::vector<std::uint8_t> build_kernel_route_request(RouteOp op, const KernelRoute& route, std::uint32_t seq);
// One RTM_NEWROUTE (a dump's entry); nullopt if malformed.
std::optional<KernelRoute> parse_kernel_route(const std::uint8_t* data, std::size_t size);
std::string describe(const KernelRoute& route);  // "10.1.0.0/16 via 10.0.0.254 oif 2 table 100"

// One RTM_NEWROUTE / RTM_DELROUTE; host route (/32 or /128) on `ifindex`
// (the loopback device), protocol kRouteProtocol.
std::vector<std::uint8_t> build_route_request(RouteOp op, const VipRoute& route, int ifindex, std::uint32_t seq);
// A dump of every route of `family` (all tables).
std::vector<std::uint8_t> build_route_dump(core::AddressFamily family, std::uint32_t seq);
// One RTM_NEWROUTE from a dump: the route if it is one of lvsd's (protocol
// kRouteProtocol, a host route of type local or unicast); nullopt otherwise.
std::optional<VipRoute> parse_route_message(const std::uint8_t* data, std::size_t size);

// lvsd's routes over an RtnetlinkSocket (vrrp/rtnetlink.hpp); dumps are
// filtered by the kernel on protocol 250 where it can.
class RouteClient {
 public:
  // A NETLINK_ROUTE socket in the caller's network namespace.
  static core::Result<RouteClient> open(core::Duration receive_timeout = std::chrono::milliseconds(500));

  // Idempotent: adding a present route or removing an absent one succeeds.
  core::Status add(const VipRoute& route);
  core::Status remove(const VipRoute& route);
  // Every route of lvsd's (both families, all tables).
  core::Result<std::vector<VipRoute>> list();

 private:
  explicit RouteClient(vrrp::RtnetlinkSocket socket) : socket_(std::move(socket)) {}
  vrrp::RtnetlinkSocket socket_;
};

// What to add and remove so that the routes lvsd holds (`held`) become
// `wanted` (both sorted or not; the result is sorted).
struct RoutePlan {
  std::vector<VipRoute> add;
  std::vector<VipRoute> remove;
};
RoutePlan plan_routes(std::vector<VipRoute> held, std::vector<VipRoute> wanted);

}  // namespace lvsd::daemon
