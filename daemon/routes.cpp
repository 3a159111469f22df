#include "daemon/routes.hpp"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>

namespace lvsd::daemon {

namespace {

// The loopback device: ifindex 1 in every network namespace.
constexpr int kLoopbackIfindex = 1;

struct ParseState {
  std::optional<core::IpAddress> dst;
  std::optional<std::uint32_t> table;
  std::optional<std::uint32_t> oif;
  std::optional<core::IpAddress> gateway;
  std::optional<core::IpAddress> prefsrc;
  std::optional<std::uint32_t> metric;
};

int parse_attr(const nlattr* attr, void* data) {
  auto* st = static_cast<ParseState*>(data);
  const auto type = mnl_attr_get_type(attr);
  const auto len = mnl_attr_get_payload_len(attr);
  const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
  if (type == RTA_DST && len == 4) {
    st->dst = core::IpAddress::v4({p[0], p[1], p[2], p[3]});
  } else if (type == RTA_DST && len == 16) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), p, 16);
    st->dst = core::IpAddress::v6(b);
  } else if (type == RTA_TABLE && len == 4) {
    st->table = mnl_attr_get_u32(attr);
  } else if (type == RTA_OIF && len == 4) {
    st->oif = mnl_attr_get_u32(attr);
  } else if (type == RTA_GATEWAY) {
    st->gateway = vrrp::address_attribute(attr);
  } else if (type == RTA_PREFSRC) {
    st->prefsrc = vrrp::address_attribute(attr);
  } else if (type == RTA_PRIORITY && len == 4) {
    st->metric = mnl_attr_get_u32(attr);
  }
  return MNL_CB_OK;
}

}  // namespace

std::string describe(const VipRoute& route) {
  if (route.kind == RouteKind::kLocal) return "local " + route.vip.to_string();
  return "announce " + route.vip.to_string() + " table " + std::to_string(route.table);
}

std::vector<std::uint8_t> build_route_request(RouteOp op, const VipRoute& route, int ifindex, std::uint32_t seq) {
  const bool local = route.kind == RouteKind::kLocal;
  const KernelRoute k{.dst = core::IpPrefix{.address = route.vip, .length = static_cast<int>(route.vip.size() * 8)},
                      .type = static_cast<std::uint8_t>(local ? RTN_LOCAL : RTN_UNICAST),
                      .table = local ? kLocalTable : route.table,
                      .protocol = kRouteProtocol,
                      .scope = static_cast<std::uint8_t>(local ? RT_SCOPE_HOST : RT_SCOPE_LINK),
                      .oif = ifindex};
  return build_kernel_route_request(op, k, seq);
}

std::vector<std::uint8_t> build_kernel_route_request(RouteOp op, const KernelRoute& route, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = op == RouteOp::kAdd ? RTM_NEWROUTE : RTM_DELROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (op == RouteOp::kAdd) nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  const auto& a = route.dst.address;
  rtm->rtm_family = static_cast<std::uint8_t>(core::af_number(a.family()));
  rtm->rtm_dst_len = static_cast<std::uint8_t>(route.dst.length);
  rtm->rtm_table = route.table < 256 ? static_cast<std::uint8_t>(route.table) : static_cast<std::uint8_t>(RT_TABLE_UNSPEC);
  rtm->rtm_protocol = route.protocol;
  rtm->rtm_scope = route.scope;
  rtm->rtm_type = route.type;
  if (route.onlink) rtm->rtm_flags |= RTNH_F_ONLINK;
  // A default route (length 0) carries no RTA_DST, as ip(8) sends it.
  if (route.dst.length > 0) mnl_attr_put(nlh, RTA_DST, static_cast<std::uint16_t>(a.size()), a.bytes().data());
  mnl_attr_put_u32(nlh, RTA_TABLE, route.table);
  if (route.oif != 0) mnl_attr_put_u32(nlh, RTA_OIF, static_cast<std::uint32_t>(route.oif));
  if (route.gateway)
    mnl_attr_put(nlh, RTA_GATEWAY, static_cast<std::uint16_t>(route.gateway->size()), route.gateway->bytes().data());
  if (route.prefsrc)
    mnl_attr_put(nlh, RTA_PREFSRC, static_cast<std::uint16_t>(route.prefsrc->size()), route.prefsrc->bytes().data());
  if (route.metric) mnl_attr_put_u32(nlh, RTA_PRIORITY, *route.metric);
  buf.resize(nlh->nlmsg_len);
  return buf;
}

std::optional<KernelRoute> parse_kernel_route(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(nlmsghdr) + sizeof(rtmsg)) return std::nullopt;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
  if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len > size || nlh->nlmsg_len < sizeof(nlmsghdr) + sizeof(rtmsg)) {
    return std::nullopt;
  }
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return std::nullopt;
  const bool v4 = rtm->rtm_family == AF_INET;
  ParseState st;
  mnl_attr_parse(nlh, sizeof(rtmsg), parse_attr, &st);
  KernelRoute r;
  if (st.dst) {
    if (st.dst->is_ipv4() != v4) return std::nullopt;
    r.dst = core::IpPrefix{.address = *st.dst, .length = rtm->rtm_dst_len};
  } else {
    r.dst = core::IpPrefix{.address = *core::IpAddress::parse(v4 ? "0.0.0.0" : "::"), .length = rtm->rtm_dst_len};
  }
  if (r.dst.length > static_cast<int>(r.dst.address.size() * 8)) return std::nullopt;
  r.type = rtm->rtm_type;
  r.table = st.table.value_or(rtm->rtm_table);
  r.protocol = rtm->rtm_protocol;
  r.scope = rtm->rtm_scope;
  r.oif = static_cast<int>(st.oif.value_or(0));
  r.gateway = st.gateway;
  r.prefsrc = st.prefsrc;
  r.metric = st.metric;
  r.onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0;
  return r;
}

std::string describe(const KernelRoute& route) {
  std::string out = route.dst.to_string();
  if (route.type != RTN_UNICAST) out = "type " + std::to_string(route.type) + " " + out;
  if (route.gateway) out += " via " + route.gateway->to_string();
  if (route.oif != 0) out += " oif " + std::to_string(route.oif);
  out += " table " + std::to_string(route.table);
  if (route.metric) out += " metric " + std::to_string(*route.metric);
  return out;
}

std::vector<std::uint8_t> build_route_dump(core::AddressFamily family, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<std::uint8_t>(core::af_number(family));
  // With NETLINK_GET_STRICT_CHK the kernel returns only lvsd's routes (a
  // director with a full routing table is not dumped whole); without it the
  // field is ignored and parse_route_message() filters.
  rtm->rtm_protocol = kRouteProtocol;
  buf.resize(nlh->nlmsg_len);
  return buf;
}

std::optional<VipRoute> parse_route_message(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(nlmsghdr) + sizeof(rtmsg)) return std::nullopt;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
  if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len > size || nlh->nlmsg_len < sizeof(nlmsghdr) + sizeof(rtmsg)) {
    return std::nullopt;
  }
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_protocol != kRouteProtocol) return std::nullopt;
  if (rtm->rtm_type != RTN_LOCAL && rtm->rtm_type != RTN_UNICAST) return std::nullopt;
  ParseState st;
  mnl_attr_parse(nlh, sizeof(rtmsg), parse_attr, &st);
  if (!st.dst || rtm->rtm_dst_len != st.dst->size() * 8) return std::nullopt;
  const std::uint32_t table = st.table.value_or(rtm->rtm_table);
  if (rtm->rtm_type == RTN_LOCAL) return VipRoute{.kind = RouteKind::kLocal, .table = table, .vip = *st.dst};
  return VipRoute{.kind = RouteKind::kAnnounce, .table = table, .vip = *st.dst};
}

core::Result<RouteClient> RouteClient::open(core::Duration receive_timeout) {
  auto socket = vrrp::RtnetlinkSocket::open(receive_timeout);
  if (!socket.ok()) return socket.error();
  return RouteClient(std::move(*socket));
}

core::Status RouteClient::add(const VipRoute& route) {
  const int err = socket_.request(build_route_request(RouteOp::kAdd, route, kLoopbackIfindex, socket_.next_seq()));
  if (err != 0) return core::errno_error("RTM_NEWROUTE " + describe(route), err);
  return {};
}

core::Status RouteClient::remove(const VipRoute& route) {
  const int err = socket_.request(build_route_request(RouteOp::kRemove, route, kLoopbackIfindex, socket_.next_seq()));
  if (err != 0 && err != ESRCH && err != ENOENT) return core::errno_error("RTM_DELROUTE " + describe(route), err);
  return {};
}

core::Result<std::vector<VipRoute>> RouteClient::list() {
  std::vector<VipRoute> out;
  for (auto family : {core::AddressFamily::kIpv4, core::AddressFamily::kIpv6}) {
    auto st = socket_.dump(build_route_dump(family, socket_.next_seq()), "RTM_GETROUTE", [&](const nlmsghdr* nlh) {
      if (auto r = parse_route_message(reinterpret_cast<const std::uint8_t*>(nlh), nlh->nlmsg_len)) out.push_back(*r);
    });
    if (!st.ok()) return st.error();
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

RoutePlan plan_routes(std::vector<VipRoute> held, std::vector<VipRoute> wanted) {
  std::sort(held.begin(), held.end());
  held.erase(std::unique(held.begin(), held.end()), held.end());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  RoutePlan plan;
  std::set_difference(wanted.begin(), wanted.end(), held.begin(), held.end(), std::back_inserter(plan.add));
  std::set_difference(held.begin(), held.end(), wanted.begin(), wanted.end(), std::back_inserter(plan.remove));
  return plan;
}

}  // namespace lvsd::daemon
