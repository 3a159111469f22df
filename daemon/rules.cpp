#include "daemon/rules.hpp"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "vrrp/rtnetlink.hpp"

#include <array>
#include <cstring>

namespace lvsd::daemon {
namespace {

struct RuleAttrs {
  std::optional<core::IpAddress> src, dst;
  std::optional<std::uint32_t> table, priority, fwmark, fwmask;
  std::optional<std::string> iif, oif;
  std::optional<std::uint8_t> protocol;
};

int rule_attr(const nlattr* attr, void* data) {
  auto* st = static_cast<RuleAttrs*>(data);
  const auto type = mnl_attr_get_type(attr);
  const auto len = mnl_attr_get_payload_len(attr);
  switch (type) {
    case FRA_SRC: st->src = vrrp::address_attribute(attr); break;
    case FRA_DST: st->dst = vrrp::address_attribute(attr); break;
    case FRA_TABLE: if (len == 4) st->table = mnl_attr_get_u32(attr); break;
    case FRA_PRIORITY: if (len == 4) st->priority = mnl_attr_get_u32(attr); break;
    case FRA_FWMARK: if (len == 4) st->fwmark = mnl_attr_get_u32(attr); break;
    case FRA_FWMASK: if (len == 4) st->fwmask = mnl_attr_get_u32(attr); break;
    case FRA_IFNAME: if (len > 0) st->iif = std::string(mnl_attr_get_str(attr), strnlen(mnl_attr_get_str(attr), len)); break;
    case FRA_OIFNAME: if (len > 0) st->oif = std::string(mnl_attr_get_str(attr), strnlen(mnl_attr_get_str(attr), len)); break;
    case FRA_PROTOCOL: if (len == 1) st->protocol = mnl_attr_get_u8(attr); break;
    default: break;
  }
  return MNL_CB_OK;
}

}  // namespace

std::string describe(const KernelRule& r) {
  std::string out;
  if (r.invert) out += "not ";
  out += "from " + (r.src ? r.src->to_string() : std::string("all"));
  if (r.dst) out += " to " + r.dst->to_string();
  if (!r.iif.empty()) out += " iif " + r.iif;
  if (!r.oif.empty()) out += " oif " + r.oif;
  if (r.fwmark) out += " fwmark " + std::to_string(*r.fwmark) + (r.fwmask ? "/" + std::to_string(*r.fwmask) : "");
  out += " table " + std::to_string(r.table);
  if (r.priority) out += " priority " + std::to_string(*r.priority);
  return out;
}

std::vector<std::uint8_t> build_rule_request(RouteOp op, const KernelRule& rule, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = op == RouteOp::kAdd ? RTM_NEWRULE : RTM_DELRULE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (op == RouteOp::kAdd) nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
  nlh->nlmsg_seq = seq;
  auto* frh = static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(fib_rule_hdr)));
  frh->family = static_cast<std::uint8_t>(core::af_number(rule.family));
  frh->src_len = rule.src ? static_cast<std::uint8_t>(rule.src->length) : 0;
  frh->dst_len = rule.dst ? static_cast<std::uint8_t>(rule.dst->length) : 0;
  frh->table = rule.table < 256 ? static_cast<std::uint8_t>(rule.table) : static_cast<std::uint8_t>(RT_TABLE_UNSPEC);
  frh->action = FR_ACT_TO_TBL;
  frh->flags = rule.invert ? FIB_RULE_INVERT : 0;
  if (rule.src) mnl_attr_put(nlh, FRA_SRC, static_cast<std::uint16_t>(rule.src->address.size()), rule.src->address.bytes().data());
  if (rule.dst) mnl_attr_put(nlh, FRA_DST, static_cast<std::uint16_t>(rule.dst->address.size()), rule.dst->address.bytes().data());
  mnl_attr_put_u32(nlh, FRA_TABLE, rule.table);
  if (rule.priority) mnl_attr_put_u32(nlh, FRA_PRIORITY, *rule.priority);
  if (!rule.iif.empty()) mnl_attr_put_strz(nlh, FRA_IFNAME, rule.iif.c_str());
  if (!rule.oif.empty()) mnl_attr_put_strz(nlh, FRA_OIFNAME, rule.oif.c_str());
  if (rule.fwmark) mnl_attr_put_u32(nlh, FRA_FWMARK, *rule.fwmark);
  if (rule.fwmask) mnl_attr_put_u32(nlh, FRA_FWMASK, *rule.fwmask);
  mnl_attr_put_u8(nlh, FRA_PROTOCOL, rule.protocol);
  buf.resize(nlh->nlmsg_len);
  return buf;
}

std::vector<std::uint8_t> build_rule_dump(core::AddressFamily family, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETRULE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq;
  auto* frh = static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(fib_rule_hdr)));
  frh->family = static_cast<std::uint8_t>(core::af_number(family));
  buf.resize(nlh->nlmsg_len);
  return buf;
}

std::optional<KernelRule> parse_rule_message(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(nlmsghdr) + sizeof(fib_rule_hdr)) return std::nullopt;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
  if (nlh->nlmsg_type != RTM_NEWRULE || nlh->nlmsg_len > size ||
      nlh->nlmsg_len < sizeof(nlmsghdr) + sizeof(fib_rule_hdr)) {
    return std::nullopt;
  }
  const auto* frh = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(nlh));
  if (frh->action != FR_ACT_TO_TBL) return std::nullopt;
  if (frh->family != AF_INET && frh->family != AF_INET6) return std::nullopt;
  RuleAttrs st;
  mnl_attr_parse(nlh, sizeof(fib_rule_hdr), rule_attr, &st);
  KernelRule r;
  r.family = frh->family == AF_INET ? core::AddressFamily::kIpv4 : core::AddressFamily::kIpv6;
  if (st.src) r.src = core::IpPrefix{.address = *st.src, .length = frh->src_len};
  if (st.dst) r.dst = core::IpPrefix{.address = *st.dst, .length = frh->dst_len};
  r.invert = (frh->flags & FIB_RULE_INVERT) != 0;
  r.table = st.table.value_or(frh->table);
  r.priority = st.priority;
  r.iif = st.iif.value_or("");
  r.oif = st.oif.value_or("");
  r.fwmark = st.fwmark;
  // The kernel reports a mask of all ones with a mark given alone.
  r.fwmask = st.fwmask;
  r.protocol = st.protocol.value_or(0);
  return r;
}

bool rule_matches(const KernelRule& present, const KernelRule& wanted) {
  if (wanted.priority && present.priority != wanted.priority) return false;
  const auto mask = [](const KernelRule& r) -> std::optional<std::uint32_t> {
    if (!r.fwmark) return std::nullopt;
    return r.fwmask.value_or(0xFFFFFFFFu);
  };
  return present.family == wanted.family && present.src == wanted.src && present.dst == wanted.dst &&
         present.invert == wanted.invert && present.table == wanted.table && present.iif == wanted.iif &&
         present.oif == wanted.oif && present.fwmark.value_or(0) == wanted.fwmark.value_or(0) &&
         mask(present) == mask(wanted);
}

}  // namespace lvsd::daemon
