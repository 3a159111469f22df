#include "daemon/ip_config.hpp"
#include "daemon/vrrp_config.hpp"

#include <linux/rtnetlink.h>

#include <algorithm>
#include <cerrno>

namespace lvsd::daemon {

std::uint8_t rt_scope(conf::AddressScope scope) {
  switch (scope) {
    case conf::AddressScope::kGlobal: return RT_SCOPE_UNIVERSE;
    case conf::AddressScope::kSite: return RT_SCOPE_SITE;
    case conf::AddressScope::kLink: return RT_SCOPE_LINK;
    case conf::AddressScope::kHost: return RT_SCOPE_HOST;
    case conf::AddressScope::kNowhere: return RT_SCOPE_NOWHERE;
  }
  return RT_SCOPE_UNIVERSE;
}

namespace {

std::uint8_t rtn_type(conf::RouteType type) {
  switch (type) {
    case conf::RouteType::kUnicast: return RTN_UNICAST;
    case conf::RouteType::kBlackhole: return RTN_BLACKHOLE;
    case conf::RouteType::kUnreachable: return RTN_UNREACHABLE;
    case conf::RouteType::kProhibit: return RTN_PROHIBIT;
    case conf::RouteType::kThrow: return RTN_THROW;
  }
  return RTN_UNICAST;
}

}  // namespace

core::Result<KernelRoute> kernel_route(const conf::IpRoute& route, const IfindexOf& ifindex_of) {
  KernelRoute k{.dst = route.dst,
                .type = rtn_type(route.type),
                .table = route.table,
                .protocol = route.protocol,
                .scope = RT_SCOPE_UNIVERSE,
                .oif = 0,
                .gateway = route.via,
                .prefsrc = route.src,
                .metric = route.metric,
                .onlink = route.onlink};
  if (!route.dev.empty()) {
    k.oif = ifindex_of(route.dev);
    if (k.oif == 0) return core::Error{"route " + conf::ip_route_text(route) + ": no interface " + route.dev};
  }
  if (route.scope) k.scope = rt_scope(*route.scope);
  else if (route.type == conf::RouteType::kUnicast && !route.via) k.scope = RT_SCOPE_LINK;
  return k;
}

KernelRule kernel_rule(const conf::IpRule& rule) {
  return KernelRule{.family = rule.family,
                    .src = rule.from,
                    .dst = rule.to,
                    .invert = rule.invert,
                    .table = rule.table,
                    .priority = rule.priority,
                    .iif = rule.iif,
                    .oif = rule.oif,
                    .fwmark = rule.fwmark,
                    .fwmask = rule.fwmask};
}

core::Result<vrrp::VipSpec> static_address(const conf::VirtualIpAddress& address, const IfindexOf& ifindex_of) {
  const int ifindex = ifindex_of(address.dev);
  if (ifindex == 0) return core::Error{"static address " + address.prefix.to_string() + ": no interface " + address.dev};
  vrrp::VipSpec spec = vip_spec(address);
  spec.ifindex = ifindex;
  if (address.scope) spec.scope = static_cast<vrrp::AddressScope>(rt_scope(*address.scope));
  return spec;
}

core::Result<IpConfigClient> IpConfigClient::open(core::Duration receive_timeout) {
  auto socket = vrrp::RtnetlinkSocket::open(receive_timeout);
  if (!socket.ok()) return socket.error();
  return IpConfigClient(std::move(*socket));
}

core::Status IpConfigClient::add(const KernelRoute& route) {
  const int err = socket_.request(build_kernel_route_request(RouteOp::kAdd, route, socket_.next_seq()));
  if (err != 0) return core::errno_error("RTM_NEWROUTE " + describe(route), err);
  return {};
}

core::Status IpConfigClient::remove(const KernelRoute& route) {
  const int err = socket_.request(build_kernel_route_request(RouteOp::kRemove, route, socket_.next_seq()));
  if (err != 0 && err != ESRCH && err != ENOENT) return core::errno_error("RTM_DELROUTE " + describe(route), err);
  return {};
}

core::Result<std::vector<KernelRule>> IpConfigClient::rules(core::AddressFamily family) {
  std::vector<KernelRule> out;
  auto st = socket_.dump(build_rule_dump(family, socket_.next_seq()), "RTM_GETRULE", [&](const nlmsghdr* nlh) {
    if (auto r = parse_rule_message(reinterpret_cast<const std::uint8_t*>(nlh), nlh->nlmsg_len)) out.push_back(*r);
  });
  if (!st.ok()) return st.error();
  return out;
}

core::Status IpConfigClient::add(const KernelRule& rule) {
  // Without a priority the kernel would add a second copy of a present
  // rule (at the next free priority): look first.
  auto present = rules(rule.family);
  if (!present.ok()) return present.error().context("RTM_NEWRULE " + describe(rule));
  if (std::any_of(present->begin(), present->end(), [&](const KernelRule& p) { return rule_matches(p, rule); }))
    return {};
  const int err = socket_.request(build_rule_request(RouteOp::kAdd, rule, socket_.next_seq()));
  if (err != 0 && err != EEXIST) return core::errno_error("RTM_NEWRULE " + describe(rule), err);
  return {};
}

core::Status IpConfigClient::remove(const KernelRule& rule) {
  const int err = socket_.request(build_rule_request(RouteOp::kRemove, rule, socket_.next_seq()));
  if (err != 0 && err != ENOENT && err != ESRCH) return core::errno_error("RTM_DELRULE " + describe(rule), err);
  return {};
}

}  // namespace lvsd::daemon
