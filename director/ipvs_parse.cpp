// Parsing half of ipvs_codec: received netlink bytes -> director types.
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <array>
#include <bit>
#include <cstring>

#include "director/ipvs_codec.hpp"

namespace lvsd::director::ipvs_codec {
namespace {

using core::Error;
using core::Result;

constexpr std::size_t kGenlMessageMin = NLMSG_HDRLEN + GENL_HDRLEN;

// libnl takes non-const pointers but does not write through them when parsing.
nlmsghdr* header_of(MessageView m) {
  return reinterpret_cast<nlmsghdr*>(const_cast<std::uint8_t*>(m.data()));
}

Result<nlmsghdr*> genl_message(MessageView m) {
  if (m.size() < kGenlMessageMin) return Error{"IPVS reply too short (" + std::to_string(m.size()) + " bytes)"};
  nlmsghdr* nlh = header_of(m);
  if (nlh->nlmsg_len < kGenlMessageMin || nlh->nlmsg_len > m.size()) {
    return Error{"IPVS reply has a bad length " + std::to_string(nlh->nlmsg_len)};
  }
  return nlh;
}

Error parse_error(const char* what, int rc) { return Error{std::string(what) + ": " + nl_geterror(rc)}; }

template <std::size_t N>
using Table = std::array<nlattr*, N>;

std::uint16_t get_port(const nlattr* a) { return ntohs(nla_get_u16(const_cast<nlattr*>(a))); }

core::IpAddress get_address(core::AddressFamily family, nlattr* a) {
  std::span<const std::uint8_t> raw(static_cast<const std::uint8_t*>(nla_data(a)), static_cast<std::size_t>(nla_len(a)));
  return core::IpAddress::from_bytes(family, raw);
}

// STATS has u32 and u64 members, STATS64 only u64: read each by its length.
Result<Stats> parse_stats(nlattr* nest) {
  Table<IPVS_STATS_ATTR_MAX + 1> tb{};
  if (int rc = nla_parse_nested(tb.data(), IPVS_STATS_ATTR_MAX, nest, nullptr); rc < 0) {
    return parse_error("IPVS stats", rc);
  }
  auto value = [&](int attr) -> std::uint64_t {
    nlattr* a = tb[static_cast<std::size_t>(attr)];
    if (a == nullptr) return 0;
    if (nla_len(a) >= 8) return nla_get_u64(a);
    if (nla_len(a) >= 4) return nla_get_u32(a);
    return 0;
  };
  return Stats{.connections = value(IPVS_STATS_ATTR_CONNS),
               .in_packets = value(IPVS_STATS_ATTR_INPKTS),
               .out_packets = value(IPVS_STATS_ATTR_OUTPKTS),
               .in_bytes = value(IPVS_STATS_ATTR_INBYTES),
               .out_bytes = value(IPVS_STATS_ATTR_OUTBYTES),
               .connection_rate = value(IPVS_STATS_ATTR_CPS),
               .in_packet_rate = value(IPVS_STATS_ATTR_INPPS),
               .out_packet_rate = value(IPVS_STATS_ATTR_OUTPPS),
               .in_byte_rate = value(IPVS_STATS_ATTR_INBPS),
               .out_byte_rate = value(IPVS_STATS_ATTR_OUTBPS)};
}

Result<Stats> parse_stats_preferring_64(nlattr* stats64, nlattr* stats) {
  if (stats64 != nullptr) return parse_stats(stats64);
  if (stats != nullptr) return parse_stats(stats);
  return Stats{};
}

template <std::size_t N>
Result<Table<N>> parse_top(MessageView m, const nla_policy* policy) {
  auto nlh = genl_message(m);
  if (!nlh) return nlh.error();
  Table<N> tb{};
  if (int rc = genlmsg_parse(*nlh, 0, tb.data(), N - 1, const_cast<nla_policy*>(policy)); rc < 0) {
    return parse_error("IPVS reply", rc);
  }
  return tb;
}

template <std::size_t N>
Result<Table<N>> parse_nested(nlattr* nest, const nla_policy* policy, const char* what) {
  Table<N> tb{};
  if (nest == nullptr) return Error{std::string("IPVS reply has no ") + what + " attribute"};
  if (int rc = nla_parse_nested(tb.data(), N - 1, nest, const_cast<nla_policy*>(policy)); rc < 0) {
    return parse_error(what, rc);
  }
  return tb;
}

std::array<nla_policy, IPVS_SVC_ATTR_MAX + 1> service_policy() {
  std::array<nla_policy, IPVS_SVC_ATTR_MAX + 1> p{};
  p[IPVS_SVC_ATTR_AF].type = NLA_U16;
  p[IPVS_SVC_ATTR_PROTOCOL].type = NLA_U16;
  p[IPVS_SVC_ATTR_ADDR].minlen = 4;
  p[IPVS_SVC_ATTR_PORT].type = NLA_U16;
  p[IPVS_SVC_ATTR_FWMARK].type = NLA_U32;
  p[IPVS_SVC_ATTR_SCHED_NAME].type = NLA_STRING;
  p[IPVS_SVC_ATTR_FLAGS].minlen = sizeof(ip_vs_flags);
  p[IPVS_SVC_ATTR_TIMEOUT].type = NLA_U32;
  p[IPVS_SVC_ATTR_NETMASK].type = NLA_U32;
  p[IPVS_SVC_ATTR_STATS].type = NLA_NESTED;
  p[IPVS_SVC_ATTR_PE_NAME].type = NLA_STRING;
  p[IPVS_SVC_ATTR_STATS64].type = NLA_NESTED;
  return p;
}

std::array<nla_policy, IPVS_DEST_ATTR_MAX + 1> destination_policy() {
  std::array<nla_policy, IPVS_DEST_ATTR_MAX + 1> p{};
  p[IPVS_DEST_ATTR_ADDR].minlen = 4;
  p[IPVS_DEST_ATTR_PORT].type = NLA_U16;
  p[IPVS_DEST_ATTR_FWD_METHOD].type = NLA_U32;
  p[IPVS_DEST_ATTR_WEIGHT].type = NLA_U32;
  p[IPVS_DEST_ATTR_U_THRESH].type = NLA_U32;
  p[IPVS_DEST_ATTR_L_THRESH].type = NLA_U32;
  p[IPVS_DEST_ATTR_ACTIVE_CONNS].type = NLA_U32;
  p[IPVS_DEST_ATTR_INACT_CONNS].type = NLA_U32;
  p[IPVS_DEST_ATTR_PERSIST_CONNS].type = NLA_U32;
  p[IPVS_DEST_ATTR_STATS].type = NLA_NESTED;
  p[IPVS_DEST_ATTR_ADDR_FAMILY].type = NLA_U16;
  p[IPVS_DEST_ATTR_STATS64].type = NLA_NESTED;
  p[IPVS_DEST_ATTR_TUN_TYPE].type = NLA_U8;
  p[IPVS_DEST_ATTR_TUN_PORT].type = NLA_U16;
  p[IPVS_DEST_ATTR_TUN_FLAGS].type = NLA_U16;
  return p;
}

std::array<nla_policy, IPVS_CMD_ATTR_MAX + 1> command_policy() {
  std::array<nla_policy, IPVS_CMD_ATTR_MAX + 1> p{};
  p[IPVS_CMD_ATTR_SERVICE].type = NLA_NESTED;
  p[IPVS_CMD_ATTR_DEST].type = NLA_NESTED;
  p[IPVS_CMD_ATTR_DAEMON].type = NLA_NESTED;
  p[IPVS_CMD_ATTR_TIMEOUT_TCP].type = NLA_U32;
  p[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN].type = NLA_U32;
  p[IPVS_CMD_ATTR_TIMEOUT_UDP].type = NLA_U32;
  return p;
}

std::optional<std::uint8_t> decode_netmask(core::AddressFamily family, std::uint32_t raw) {
  if (family == core::AddressFamily::kIpv6) {
    if (raw >= 128) return std::nullopt;
    return static_cast<std::uint8_t>(raw);
  }
  std::uint32_t mask = ntohl(raw);
  auto prefix = static_cast<std::uint8_t>(std::countl_one(mask));
  if (prefix == 32) return std::nullopt;
  return prefix;
}

}  // namespace

Result<std::vector<MessageView>> split_messages(std::span<const std::uint8_t> datagram) {
  std::vector<MessageView> out;
  std::size_t offset = 0;
  while (offset < datagram.size()) {
    std::size_t left = datagram.size() - offset;
    if (left < NLMSG_HDRLEN) return Error{"netlink datagram has " + std::to_string(left) + " trailing bytes"};
    nlmsghdr h;
    std::memcpy(&h, datagram.data() + offset, sizeof h);
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left) {
      return Error{"netlink message has a bad length " + std::to_string(h.nlmsg_len)};
    }
    out.push_back(datagram.subspan(offset, h.nlmsg_len));
    offset += std::min<std::size_t>(NLMSG_ALIGN(h.nlmsg_len), left);
  }
  return out;
}

Result<ReplyInfo> reply_info(MessageView m) {
  if (m.size() < NLMSG_HDRLEN) return Error{"netlink message too short"};
  nlmsghdr h;
  std::memcpy(&h, m.data(), sizeof h);
  ReplyInfo info{.type = h.nlmsg_type, .flags = h.nlmsg_flags, .sequence = h.nlmsg_seq};
  if (h.nlmsg_type == NLMSG_ERROR) {
    if (m.size() < NLMSG_HDRLEN + sizeof(nlmsgerr)) return Error{"netlink error message too short"};
    nlmsgerr e;
    std::memcpy(&e, m.data() + NLMSG_HDRLEN, sizeof e);
    info.error = -e.error;
  } else if (h.nlmsg_type >= NLMSG_MIN_TYPE && m.size() >= kGenlMessageMin) {
    genlmsghdr g;
    std::memcpy(&g, m.data() + NLMSG_HDRLEN, sizeof g);
    info.command = g.cmd;
  }
  return info;
}

Result<Service> parse_service(MessageView m) {
  static const auto cmd_policy = command_policy();
  static const auto svc_policy = service_policy();
  auto top = parse_top<IPVS_CMD_ATTR_MAX + 1>(m, cmd_policy.data());
  if (!top) return top.error();
  auto tb = parse_nested<IPVS_SVC_ATTR_MAX + 1>((*top)[IPVS_CMD_ATTR_SERVICE], svc_policy.data(), "service");
  if (!tb) return tb.error();
  auto& a = *tb;
  if (a[IPVS_SVC_ATTR_AF] == nullptr) return Error{"IPVS service has no address family"};
  const int af = nla_get_u16(a[IPVS_SVC_ATTR_AF]);
  const auto known = core::family_of_af(af);
  if (!known) return Error{"IPVS service has address family " + std::to_string(af)};
  const core::AddressFamily family = *known;

  Service s;
  if (a[IPVS_SVC_ATTR_FWMARK] != nullptr && nla_get_u32(a[IPVS_SVC_ATTR_FWMARK]) != 0) {
    s.key = ServiceKey::firewall_mark(family, nla_get_u32(a[IPVS_SVC_ATTR_FWMARK]));
  } else {
    if (a[IPVS_SVC_ATTR_PROTOCOL] == nullptr || a[IPVS_SVC_ATTR_ADDR] == nullptr || a[IPVS_SVC_ATTR_PORT] == nullptr) {
      return Error{"IPVS service has neither a fwmark nor protocol, address and port"};
    }
    s.key = ServiceKey::inet(static_cast<Protocol>(nla_get_u16(a[IPVS_SVC_ATTR_PROTOCOL])),
                             get_address(family, a[IPVS_SVC_ATTR_ADDR]), get_port(a[IPVS_SVC_ATTR_PORT]));
  }
  if (a[IPVS_SVC_ATTR_SCHED_NAME] != nullptr) s.scheduler = nla_get_string(a[IPVS_SVC_ATTR_SCHED_NAME]);
  if (a[IPVS_SVC_ATTR_PE_NAME] != nullptr) s.persistence_engine = nla_get_string(a[IPVS_SVC_ATTR_PE_NAME]);
  if (a[IPVS_SVC_ATTR_FLAGS] != nullptr) {
    ip_vs_flags flags;
    std::memcpy(&flags, nla_data(a[IPVS_SVC_ATTR_FLAGS]), sizeof flags);
    s.flags = flags.flags & ~kServiceFlagHashed;
  }
  if (a[IPVS_SVC_ATTR_TIMEOUT] != nullptr) s.persistence_timeout_s = nla_get_u32(a[IPVS_SVC_ATTR_TIMEOUT]);
  if (a[IPVS_SVC_ATTR_NETMASK] != nullptr) {
    s.persistence_prefix = decode_netmask(family, nla_get_u32(a[IPVS_SVC_ATTR_NETMASK]));
  }
  auto stats = parse_stats_preferring_64(a[IPVS_SVC_ATTR_STATS64], a[IPVS_SVC_ATTR_STATS]);
  if (!stats) return stats.error();
  s.stats = *stats;
  return s;
}

Result<DumpedDestination> parse_destination(MessageView m, core::AddressFamily service_family, TrafficStats stats_wanted) {
  static const auto cmd_policy = command_policy();
  static const auto dest_policy = destination_policy();
  auto top = parse_top<IPVS_CMD_ATTR_MAX + 1>(m, cmd_policy.data());
  if (!top) return top.error();
  auto tb = parse_nested<IPVS_DEST_ATTR_MAX + 1>((*top)[IPVS_CMD_ATTR_DEST], dest_policy.data(), "destination");
  if (!tb) return tb.error();
  auto& a = *tb;
  if (a[IPVS_DEST_ATTR_ADDR] == nullptr || a[IPVS_DEST_ATTR_PORT] == nullptr) {
    return Error{"IPVS destination has no address or port"};
  }
  const int af = a[IPVS_DEST_ATTR_ADDR_FAMILY] != nullptr ? nla_get_u16(a[IPVS_DEST_ATTR_ADDR_FAMILY])
                                                         : core::af_number(service_family);
  const auto known = core::family_of_af(af);
  if (!known) return Error{"IPVS destination has address family " + std::to_string(af)};
  const core::AddressFamily family = *known;
  auto u32 = [&](int attr) -> std::uint32_t {
    nlattr* x = a[static_cast<std::size_t>(attr)];
    return x != nullptr ? nla_get_u32(x) : 0;
  };
  DumpedDestination out;
  Destination& d = out.destination;
  d.endpoint = {.address = get_address(family, a[IPVS_DEST_ATTR_ADDR]), .port = get_port(a[IPVS_DEST_ATTR_PORT])};
  d.forward = static_cast<ForwardMethod>(u32(IPVS_DEST_ATTR_FWD_METHOD) & IP_VS_CONN_F_FWD_MASK);
  d.weight = static_cast<std::int32_t>(u32(IPVS_DEST_ATTR_WEIGHT));
  d.upper_threshold = u32(IPVS_DEST_ATTR_U_THRESH);
  d.lower_threshold = u32(IPVS_DEST_ATTR_L_THRESH);
  if (a[IPVS_DEST_ATTR_TUN_TYPE] != nullptr) d.tunnel_type = static_cast<TunnelType>(nla_get_u8(a[IPVS_DEST_ATTR_TUN_TYPE]));
  if (a[IPVS_DEST_ATTR_TUN_PORT] != nullptr) d.tunnel_port = get_port(a[IPVS_DEST_ATTR_TUN_PORT]);
  if (a[IPVS_DEST_ATTR_TUN_FLAGS] != nullptr) d.tunnel_flags = nla_get_u16(a[IPVS_DEST_ATTR_TUN_FLAGS]);
  out.counters.active_connections = u32(IPVS_DEST_ATTR_ACTIVE_CONNS);
  out.counters.inactive_connections = u32(IPVS_DEST_ATTR_INACT_CONNS);
  out.counters.persistent_connections = u32(IPVS_DEST_ATTR_PERSIST_CONNS);
  if (stats_wanted == TrafficStats::kSkip) return out;
  auto stats = parse_stats_preferring_64(a[IPVS_DEST_ATTR_STATS64], a[IPVS_DEST_ATTR_STATS]);
  if (!stats) return stats.error();
  out.counters.stats = *stats;
  return out;
}

Result<IpvsInfo> parse_info(MessageView m) {
  std::array<nla_policy, IPVS_INFO_ATTR_MAX + 1> policy{};
  policy[IPVS_INFO_ATTR_VERSION].type = NLA_U32;
  policy[IPVS_INFO_ATTR_CONN_TAB_SIZE].type = NLA_U32;
  auto tb = parse_top<IPVS_INFO_ATTR_MAX + 1>(m, policy.data());
  if (!tb) return tb.error();
  auto& a = *tb;
  if (a[IPVS_INFO_ATTR_VERSION] == nullptr || a[IPVS_INFO_ATTR_CONN_TAB_SIZE] == nullptr) {
    return Error{"IPVS info reply lacks version or table size"};
  }
  return IpvsInfo{.version = nla_get_u32(a[IPVS_INFO_ATTR_VERSION]),
                  .connection_table_size = nla_get_u32(a[IPVS_INFO_ATTR_CONN_TAB_SIZE])};
}

Result<Timeouts> parse_config(MessageView m) {
  static const auto policy = command_policy();
  auto tb = parse_top<IPVS_CMD_ATTR_MAX + 1>(m, policy.data());
  if (!tb) return tb.error();
  auto u32 = [&](int attr) -> std::uint32_t {
    nlattr* x = (*tb)[static_cast<std::size_t>(attr)];
    return x != nullptr ? nla_get_u32(x) : 0;
  };
  return Timeouts{.tcp_s = u32(IPVS_CMD_ATTR_TIMEOUT_TCP),
                  .tcp_fin_s = u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN),
                  .udp_s = u32(IPVS_CMD_ATTR_TIMEOUT_UDP)};
}

Result<SyncDaemon> parse_daemon(MessageView m) {
  static const auto cmd_policy = command_policy();
  std::array<nla_policy, IPVS_DAEMON_ATTR_MAX + 1> policy{};
  policy[IPVS_DAEMON_ATTR_STATE].type = NLA_U32;
  policy[IPVS_DAEMON_ATTR_MCAST_IFN].type = NLA_STRING;
  policy[IPVS_DAEMON_ATTR_SYNC_ID].type = NLA_U32;
  policy[IPVS_DAEMON_ATTR_SYNC_MAXLEN].type = NLA_U16;
  policy[IPVS_DAEMON_ATTR_MCAST_GROUP].minlen = 4;
  policy[IPVS_DAEMON_ATTR_MCAST_GROUP6].minlen = 16;
  policy[IPVS_DAEMON_ATTR_MCAST_PORT].type = NLA_U16;
  policy[IPVS_DAEMON_ATTR_MCAST_TTL].type = NLA_U8;
  auto top = parse_top<IPVS_CMD_ATTR_MAX + 1>(m, cmd_policy.data());
  if (!top) return top.error();
  auto tb = parse_nested<IPVS_DAEMON_ATTR_MAX + 1>((*top)[IPVS_CMD_ATTR_DAEMON], policy.data(), "daemon");
  if (!tb) return tb.error();
  auto& a = *tb;
  if (a[IPVS_DAEMON_ATTR_STATE] == nullptr || a[IPVS_DAEMON_ATTR_MCAST_IFN] == nullptr ||
      a[IPVS_DAEMON_ATTR_SYNC_ID] == nullptr) {
    return Error{"IPVS daemon reply lacks state, interface or sync id"};
  }
  SyncDaemon d;
  d.role = static_cast<SyncDaemonRole>(nla_get_u32(a[IPVS_DAEMON_ATTR_STATE]));
  d.interface = nla_get_string(a[IPVS_DAEMON_ATTR_MCAST_IFN]);
  d.sync_id = nla_get_u32(a[IPVS_DAEMON_ATTR_SYNC_ID]);
  if (a[IPVS_DAEMON_ATTR_SYNC_MAXLEN] != nullptr) d.max_payload = nla_get_u16(a[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
  if (a[IPVS_DAEMON_ATTR_MCAST_GROUP] != nullptr) d.group = get_address(core::AddressFamily::kIpv4, a[IPVS_DAEMON_ATTR_MCAST_GROUP]);
  if (a[IPVS_DAEMON_ATTR_MCAST_GROUP6] != nullptr) {
    d.group = get_address(core::AddressFamily::kIpv6, a[IPVS_DAEMON_ATTR_MCAST_GROUP6]);
  }
  if (a[IPVS_DAEMON_ATTR_MCAST_PORT] != nullptr) d.port = nla_get_u16(a[IPVS_DAEMON_ATTR_MCAST_PORT]);  // host order
  if (a[IPVS_DAEMON_ATTR_MCAST_TTL] != nullptr) d.ttl = nla_get_u8(a[IPVS_DAEMON_ATTR_MCAST_TTL]);
  return d;
}

}  // namespace lvsd::director::ipvs_codec
