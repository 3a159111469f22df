#include "vrrp/addr.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace lvsd::vrrp {
namespace {

constexpr std::uint32_t kForever = 0xFFFFFFFF;  // the kernel's INFINITY_LIFE_TIME


std::string describe(const VipSpec& v) {
  return v.prefix.to_string() + " ifindex " + std::to_string(v.ifindex);
}

struct ParseState {
  InterfaceAddress out;
  bool has_address = false;
};

int parse_attr(const nlattr* attr, void* data) {
  auto* st = static_cast<ParseState*>(data);
  const auto type = mnl_attr_get_type(attr);
  // IFA_LOCAL is our address on point-to-point links; otherwise IFA_ADDRESS.
  const bool wanted = type == IFA_LOCAL || (type == IFA_ADDRESS && !st->has_address);
  std::optional<core::IpAddress> address;
  if (wanted && (address = address_attribute(attr))) {
    st->out.prefix.address = *address;
    st->has_address = true;
  } else if (type == IFA_LABEL && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
    st->out.label = mnl_attr_get_str(attr);
  }
  return MNL_CB_OK;
}

}  // namespace

std::vector<std::uint8_t> build_address_request(AddressOp op, const VipSpec& vip, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = op == AddressOp::kAdd ? RTM_NEWADDR : RTM_DELADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (op == AddressOp::kAdd) nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
  nlh->nlmsg_seq = seq;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  const bool v4 = vip.prefix.address.is_ipv4();
  ifa->ifa_family = static_cast<std::uint8_t>(core::af_number(vip.prefix.address.family()));
  ifa->ifa_prefixlen = static_cast<std::uint8_t>(vip.prefix.length);
  ifa->ifa_scope = static_cast<std::uint8_t>(vip.scope);
  ifa->ifa_index = static_cast<std::uint32_t>(vip.ifindex);
  const auto& address = vip.prefix.address;
  const auto len = static_cast<std::uint16_t>(address.size());
  mnl_attr_put(nlh, IFA_LOCAL, len, address.bytes().data());
  const core::IpAddress& far_end = vip.peer ? *vip.peer : address;
  mnl_attr_put(nlh, IFA_ADDRESS, static_cast<std::uint16_t>(far_end.size()), far_end.bytes().data());
  if (v4 && !vip.label.empty()) mnl_attr_put_strz(nlh, IFA_LABEL, vip.label.c_str());
  if (op == AddressOp::kAdd) {
    if (v4 && vip.broadcast) mnl_attr_put(nlh, IFA_BROADCAST, 4, vip.broadcast->bytes().data());
    const std::uint32_t flags = vip.flags | (v4 ? 0u : static_cast<std::uint32_t>(IFA_F_NODAD));
    if (flags != 0) {
      ifa->ifa_flags = static_cast<std::uint8_t>(flags & 0xff);
      mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
    }
    if (vip.preferred_lft) {
      ifa_cacheinfo lifetimes{};
      lifetimes.ifa_prefered = *vip.preferred_lft;
      lifetimes.ifa_valid = kForever;
      mnl_attr_put(nlh, IFA_CACHEINFO, sizeof lifetimes, &lifetimes);
    }
  }
  buf.resize(nlh->nlmsg_len);
  return buf;
}

std::vector<std::uint8_t> build_address_dump(core::AddressFamily family, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = static_cast<std::uint8_t>(core::af_number(family));
  buf.resize(nlh->nlmsg_len);
  return buf;
}

std::optional<InterfaceAddress> parse_address_message(const std::vector<std::uint8_t>& message) {
  if (message.size() < sizeof(nlmsghdr) + sizeof(ifaddrmsg)) return std::nullopt;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(message.data());
  if ((nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR) || nlh->nlmsg_len > message.size() ||
      nlh->nlmsg_len < sizeof(nlmsghdr) + sizeof(ifaddrmsg)) {
    return std::nullopt;
  }
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  ParseState st;
  st.out.prefix.length = ifa->ifa_prefixlen;
  st.out.ifindex = static_cast<int>(ifa->ifa_index);
  st.out.scope = static_cast<AddressScope>(ifa->ifa_scope);
  mnl_attr_parse(nlh, sizeof(ifaddrmsg), parse_attr, &st);
  if (!st.has_address) return std::nullopt;
  return st.out;
}

core::Result<AddressClient> AddressClient::open(core::Duration receive_timeout) {
  auto socket = RtnetlinkSocket::open(receive_timeout);
  if (!socket.ok()) return socket.error();
  return AddressClient(std::move(*socket));
}

core::Status AddressClient::add(const VipSpec& vip) {
  const int err = socket_.request(build_address_request(AddressOp::kAdd, vip, socket_.next_seq()));
  if (err != 0) return core::errno_error("RTM_NEWADDR " + describe(vip), err);
  return {};
}

core::Status AddressClient::remove(const VipSpec& vip) {
  const int err = socket_.request(build_address_request(AddressOp::kRemove, vip, socket_.next_seq()));
  // Already gone is what we wanted.
  if (err != 0 && err != EADDRNOTAVAIL && err != ENOENT) {
    return core::errno_error("RTM_DELADDR " + describe(vip), err);
  }
  return {};
}

core::Result<std::vector<InterfaceAddress>> AddressClient::list(core::AddressFamily family, int ifindex) {
  std::vector<InterfaceAddress> out;
  auto st = socket_.dump(build_address_dump(family, socket_.next_seq()), "RTM_GETADDR", [&](const nlmsghdr* nlh) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(nlh);
    auto a = parse_address_message(std::vector<std::uint8_t>(p, p + nlh->nlmsg_len));
    if (a && (ifindex == 0 || a->ifindex == ifindex)) out.push_back(std::move(*a));
  });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace lvsd::vrrp
