#include "director/ipvs_codec.hpp"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

namespace lvsd::director::ipvs_codec {
namespace {

using core::Error;
using core::Result;

// Every address attribute carries a full union nf_inet_addr (16 bytes), as the
// kernel's own replies do; IPv4 uses the first 4.
constexpr int kAddressAttrLen = 16;

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;

// The largest message (a service and a destination with every attribute) is
// under 400 bytes. nlmsg_alloc() takes a zeroed page per message: at 11,000
// operations that zeroing was half of the codec's instructions.
constexpr std::size_t kMessageBytes = 1024;

MsgPtr start(Header header, std::uint8_t command, int flags) {
  MsgPtr msg(nlmsg_alloc_size(kMessageBytes));
  if (!msg) throw std::bad_alloc();
  genlmsg_put(msg.get(), NL_AUTO_PORT, header.sequence, header.family_id, 0, flags, command, IPVS_GENL_VERSION);
  return msg;
}

Bytes finish(const MsgPtr& msg) {
  const nlmsghdr* nlh = nlmsg_hdr(msg.get());
  const auto* p = reinterpret_cast<const std::uint8_t*>(nlh);
  return Bytes(p, p + nlh->nlmsg_len);
}

// libnl's put calls fail only when the message buffer is full; our messages
// are a few hundred bytes in a buffer of kMessageBytes, so a failure is a bug.
void check(int rc) {
  if (rc < 0) throw std::runtime_error(std::string("building IPVS message: ") + nl_geterror(rc));
}

void put_address(nl_msg* msg, int attr, const core::IpAddress& address) {
  std::uint8_t raw[kAddressAttrLen] = {};
  std::memcpy(raw, address.bytes().data(), address.size());
  check(nla_put(msg, attr, sizeof raw, raw));
}

// Ports are big-endian inside a u16 attribute.
void put_port(nl_msg* msg, int attr, std::uint16_t port) { check(nla_put_u16(msg, attr, htons(port))); }

std::uint32_t encode_netmask(const ServiceSettings& s) {
  if (s.key.family() == core::AddressFamily::kIpv6) return s.persistence_prefix.value_or(128);  // a prefix length, host order
  std::uint8_t prefix = s.persistence_prefix.value_or(32);
  std::uint32_t mask = prefix == 0 ? 0 : (0xffffffffu << (32 - prefix));
  return htonl(mask);  // an IPv4 netmask, network order
}

void put_service_key(nl_msg* msg, const ServiceKey& key) {
  check(nla_put_u16(msg, IPVS_SVC_ATTR_AF, static_cast<std::uint16_t>(core::af_number(key.family()))));
  if (key.is_fwmark()) {
    check(nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, key.fwmark));
    return;
  }
  check(nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, static_cast<std::uint16_t>(key.protocol)));
  put_address(msg, IPVS_SVC_ATTR_ADDR, key.endpoint.address);
  put_port(msg, IPVS_SVC_ATTR_PORT, key.endpoint.port);
}

void put_service_nest(nl_msg* msg, const ServiceKey& key, const ServiceSettings* full) {
  nlattr* nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
  if (nest == nullptr) check(-NLE_NOMEM);
  put_service_key(msg, key);
  if (full != nullptr) {
    // NEW/SET_SERVICE need all four; the kernel answers EINVAL otherwise.
    check(nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, full->scheduler.c_str()));
    if (!full->persistence_engine.empty()) {
      check(nla_put_string(msg, IPVS_SVC_ATTR_PE_NAME, full->persistence_engine.c_str()));
    }
    ip_vs_flags flags{.flags = full->flags & ~static_cast<std::uint32_t>(kServiceFlagHashed), .mask = 0xffffffffu};
    check(nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof flags, &flags));
    check(nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, full->persistence_timeout_s));
    check(nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, encode_netmask(*full)));
  }
  check(nla_nest_end(msg, nest));
}

void put_destination_nest(nl_msg* msg, const DestinationSettings& d, bool full) {
  nlattr* nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
  if (nest == nullptr) check(-NLE_NOMEM);
  put_address(msg, IPVS_DEST_ATTR_ADDR, d.endpoint.address);
  put_port(msg, IPVS_DEST_ATTR_PORT, d.endpoint.port);
  check(nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, static_cast<std::uint16_t>(core::af_number(d.endpoint.family()))));
  if (full) {
    check(nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, static_cast<std::uint32_t>(d.forward)));
    check(nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, static_cast<std::uint32_t>(d.weight)));
    check(nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, d.upper_threshold));
    check(nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, d.lower_threshold));
    if (d.forward == ForwardMethod::kTunnel) {
      check(nla_put_u8(msg, IPVS_DEST_ATTR_TUN_TYPE, static_cast<std::uint8_t>(d.tunnel_type)));
      put_port(msg, IPVS_DEST_ATTR_TUN_PORT, d.tunnel_port);
      check(nla_put_u16(msg, IPVS_DEST_ATTR_TUN_FLAGS, d.tunnel_flags));
    }
  }
  check(nla_nest_end(msg, nest));
}

constexpr int kChange = NLM_F_REQUEST | NLM_F_ACK;
constexpr int kDump = NLM_F_REQUEST | NLM_F_DUMP;

Bytes service_command(Header header, std::uint8_t command, const ServiceKey& key, const ServiceSettings* full) {
  MsgPtr msg = start(header, command, kChange);
  put_service_nest(msg.get(), key, full);
  return finish(msg);
}

Bytes destination_command(Header header, std::uint8_t command, const ServiceKey& key, const DestinationSettings& d,
                          bool full) {
  MsgPtr msg = start(header, command, kChange);
  put_service_nest(msg.get(), key, nullptr);
  put_destination_nest(msg.get(), d, full);
  return finish(msg);
}

Bytes bare(Header header, std::uint8_t command, int flags) { return finish(start(header, command, flags)); }

}  // namespace

Bytes new_service(Header header, const ServiceSettings& s) {
  return service_command(header, IPVS_CMD_NEW_SERVICE, s.key, &s);
}
Bytes set_service(Header header, const ServiceSettings& s) {
  return service_command(header, IPVS_CMD_SET_SERVICE, s.key, &s);
}
Bytes del_service(Header header, const ServiceKey& key) {
  return service_command(header, IPVS_CMD_DEL_SERVICE, key, nullptr);
}
Bytes new_destination(Header header, const ServiceKey& key, const DestinationSettings& d) {
  return destination_command(header, IPVS_CMD_NEW_DEST, key, d, true);
}
Bytes set_destination(Header header, const ServiceKey& key, const DestinationSettings& d) {
  return destination_command(header, IPVS_CMD_SET_DEST, key, d, true);
}
Bytes del_destination(Header header, const ServiceKey& key, const DestinationSettings& d) {
  return destination_command(header, IPVS_CMD_DEL_DEST, key, d, false);
}
Bytes flush(Header header) { return bare(header, IPVS_CMD_FLUSH, kChange); }

Bytes set_config(Header header, const Timeouts& t) {
  MsgPtr msg = start(header, IPVS_CMD_SET_CONFIG, kChange);
  check(nla_put_u32(msg.get(), IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp_s));
  check(nla_put_u32(msg.get(), IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin_s));
  check(nla_put_u32(msg.get(), IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp_s));
  return finish(msg);
}

Bytes zero(Header header, const std::optional<ServiceKey>& key) {
  MsgPtr msg = start(header, IPVS_CMD_ZERO, kChange);
  if (key) put_service_nest(msg.get(), *key, nullptr);
  return finish(msg);
}

Bytes new_daemon(Header header, const SyncDaemon& d) {
  MsgPtr msg = start(header, IPVS_CMD_NEW_DAEMON, kChange);
  nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DAEMON);
  if (nest == nullptr) check(-NLE_NOMEM);
  check(nla_put_u32(msg.get(), IPVS_DAEMON_ATTR_STATE, static_cast<std::uint32_t>(d.role)));
  check(nla_put_string(msg.get(), IPVS_DAEMON_ATTR_MCAST_IFN, d.interface.c_str()));
  check(nla_put_u32(msg.get(), IPVS_DAEMON_ATTR_SYNC_ID, d.sync_id));
  if (d.max_payload != 0) check(nla_put_u16(msg.get(), IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.max_payload));
  if (d.group && d.group->is_ipv4()) {
    check(nla_put(msg.get(), IPVS_DAEMON_ATTR_MCAST_GROUP, 4, d.group->bytes().data()));
  } else if (d.group) {
    check(nla_put(msg.get(), IPVS_DAEMON_ATTR_MCAST_GROUP6, 16, d.group->bytes().data()));
  }
  // Unlike service and destination ports, the sync port is host order (the
  // kernel reads and reports it with plain nla_get/put_u16).
  if (d.port != 0) check(nla_put_u16(msg.get(), IPVS_DAEMON_ATTR_MCAST_PORT, d.port));
  if (d.ttl != 0) check(nla_put_u8(msg.get(), IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl));
  check(nla_nest_end(msg.get(), nest));
  return finish(msg);
}

Bytes del_daemon(Header header, SyncDaemonRole role) {
  MsgPtr msg = start(header, IPVS_CMD_DEL_DAEMON, kChange);
  nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DAEMON);
  if (nest == nullptr) check(-NLE_NOMEM);
  check(nla_put_u32(msg.get(), IPVS_DAEMON_ATTR_STATE, static_cast<std::uint32_t>(role)));
  check(nla_nest_end(msg.get(), nest));
  return finish(msg);
}

Bytes encode(Header header, const Operation& op) {
  switch (op.kind) {
    case OperationKind::kNewService: return new_service(header, op.service);
    case OperationKind::kSetService: return set_service(header, op.service);
    case OperationKind::kDelService: return del_service(header, op.service.key);
    case OperationKind::kNewDestination: return new_destination(header, op.service.key, op.destination);
    case OperationKind::kSetDestination: return set_destination(header, op.service.key, op.destination);
    case OperationKind::kDelDestination: return del_destination(header, op.service.key, op.destination);
  }
  throw std::logic_error("unknown operation kind");
}

void clear_ack(std::span<std::uint8_t> message) {
  if (message.size() < sizeof(nlmsghdr)) throw std::logic_error("clear_ack: not a netlink message");
  nlmsghdr h;
  std::memcpy(&h, message.data(), sizeof h);
  h.nlmsg_flags = static_cast<std::uint16_t>(h.nlmsg_flags & ~NLM_F_ACK);
  std::memcpy(message.data(), &h, sizeof h);
}

Bytes get_info(Header header) { return bare(header, IPVS_CMD_GET_INFO, kChange); }
Bytes get_config(Header header) { return bare(header, IPVS_CMD_GET_CONFIG, kChange); }
Bytes dump_services(Header header) { return bare(header, IPVS_CMD_GET_SERVICE, kDump); }
Bytes dump_daemons(Header header) { return bare(header, IPVS_CMD_GET_DAEMON, kDump); }

Bytes dump_destinations(Header header, const ServiceKey& key) {
  MsgPtr msg = start(header, IPVS_CMD_GET_DEST, kDump);
  put_service_nest(msg.get(), key, nullptr);
  return finish(msg);
}

}  // namespace lvsd::director::ipvs_codec
