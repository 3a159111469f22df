#pragma once
// The routes and rules of keepalived's static_routes / static_rules and of a
// vrrp_instance's virtual_routes / virtual_rules, and static_ipaddress:
// conf -> kernel terms (pure, given how to look an interface up) and one
// client that adds and removes them over an RtnetlinkSocket (bounded
// receives, as every netlink round trip on the loop).
//   - a route is added with create-or-replace, so adding it again succeeds;
//   - a rule has no replace: a present rule (as a dump shows it) is not
//     added again, and removing an absent one succeeds.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/ip_syntax.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "daemon/routes.hpp"
#include "daemon/rules.hpp"
#include "vrrp/addr.hpp"
#include "vrrp/rtnetlink.hpp"

namespace lvsd::daemon {

using IfindexOf = std::function<int(const std::string&)>;  // 0: no such interface

// RT_SCOPE_* of conf's scope names.
std::uint8_t rt_scope(conf::AddressScope scope);
// The route in the kernel's terms; an error if its device does not exist.
// Without a scope: link for a device route without a gateway, else universe
// (as ip route add).
core::Result<KernelRoute> kernel_route(const conf::IpRoute& route, const IfindexOf& ifindex_of);
KernelRule kernel_rule(const conf::IpRule& rule);
// A static_ipaddress entry (its dev is required) as an address to add.
core::Result<vrrp::VipSpec> static_address(const conf::VirtualIpAddress& address, const IfindexOf& ifindex_of);

// What to add and remove when the static entries change from `before` to
// `after` (a reload): every entry of `after` is (re-)added, so one removed
// by hand comes back; entries only in `before` are removed.
template <typename T>
std::vector<T> only_in(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  return out;
}

class IpConfigClient {
 public:
  static core::Result<IpConfigClient> open(core::Duration receive_timeout = std::chrono::milliseconds(500));

  core::Status add(const KernelRoute& route);
  core::Status remove(const KernelRoute& route);  // absent: success
  core::Status add(const KernelRule& rule);       // present: success, nothing sent
  core::Status remove(const KernelRule& rule);    // absent: success
  core::Result<std::vector<KernelRule>> rules(core::AddressFamily family);

 private:
  explicit IpConfigClient(vrrp::RtnetlinkSocket socket) : socket_(std::move(socket)) {}
  vrrp::RtnetlinkSocket socket_;
};

}  // namespace lvsd::daemon
