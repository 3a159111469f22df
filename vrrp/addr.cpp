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
  const auto len = mnl_attr_get_payload_len(attr);
  const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
  // IFA_LOCAL is our address on point-to-point links; otherwise IFA_ADDRESS.
  if ((type == IFA_LOCAL || (type == IFA_ADDRESS && !st->has_address)) && (len == 4 || len == 16)) {
    if (len == 4) {
      st->out.prefix.address = core::IpAddress::v4({p[0], p[1], p[2], p[3]});
    } else {
      std::array<std::uint8_t, 16> b{};
      std::memcpy(b.data(), p, 16);
      st->out.prefix.address = core::IpAddress::v6(b);
    }
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
  mnl_attr_put(nlh, IFA_ADDRESS, len, address.bytes().data());
  if (v4 && !vip.label.empty()) mnl_attr_put_strz(nlh, IFA_LABEL, vip.label.c_str());
  if (!v4 && op == AddressOp::kAdd) {
    ifa->ifa_flags = IFA_F_NODAD;
    mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
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
  if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len > message.size() ||
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
  mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);  // scripts must not inherit it
  if (nl == nullptr) return core::errno_error("netlink socket (NETLINK_ROUTE)", errno);
  AddressClient client(nl);
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) return core::errno_error("netlink bind", errno);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(receive_timeout).count();
  timeval tv{static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
  if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
    return core::errno_error("SO_RCVTIMEO", errno);
  }
  return client;
}

AddressClient::AddressClient(AddressClient&& o) noexcept : nl_(std::exchange(o.nl_, nullptr)), seq_(o.seq_) {}

AddressClient& AddressClient::operator=(AddressClient&& o) noexcept {
  if (this != &o) {
    if (nl_ != nullptr) mnl_socket_close(nl_);
    nl_ = std::exchange(o.nl_, nullptr);
    seq_ = o.seq_;
  }
  return *this;
}

AddressClient::~AddressClient() {
  if (nl_ != nullptr) mnl_socket_close(nl_);
}

int AddressClient::round_trip(const std::vector<std::uint8_t>& request) {
  if (mnl_socket_sendto(nl_, request.data(), request.size()) < 0) return errno;
  const auto* sent = reinterpret_cast<const nlmsghdr*>(request.data());
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  const unsigned portid = mnl_socket_get_portid(nl_);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) return errno;  // EAGAIN: the receive timeout passed
    // mnl_cb_run: MNL_CB_STOP on the ACK, -1 with errno from an NLMSG_ERROR.
    const int r = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), sent->nlmsg_seq, portid, nullptr, nullptr);
    if (r == MNL_CB_STOP) return 0;
    if (r < 0) {
      if (errno == ESRCH) continue;  // a late reply to an earlier, timed-out request
      return errno;
    }
  }
}

core::Status AddressClient::add(const VipSpec& vip) {
  const int err = round_trip(build_address_request(AddressOp::kAdd, vip, seq_++));
  if (err != 0) return core::errno_error("RTM_NEWADDR " + describe(vip), err);
  return {};
}

core::Status AddressClient::remove(const VipSpec& vip) {
  const int err = round_trip(build_address_request(AddressOp::kRemove, vip, seq_++));
  // Already gone is what we wanted.
  if (err != 0 && err != EADDRNOTAVAIL && err != ENOENT) {
    return core::errno_error("RTM_DELADDR " + describe(vip), err);
  }
  return {};
}

core::Result<std::vector<InterfaceAddress>> AddressClient::list(core::AddressFamily family, int ifindex) {
  const auto request = build_address_dump(family, seq_++);
  if (mnl_socket_sendto(nl_, request.data(), request.size()) < 0) {
    return core::errno_error("RTM_GETADDR: send", errno);
  }
  const auto* sent = reinterpret_cast<const nlmsghdr*>(request.data());
  struct Collect {
    std::vector<InterfaceAddress> out;
    int ifindex;
  } collect{{}, ifindex};
  const auto cb = [](const nlmsghdr* nlh, void* data) -> int {
    auto* c = static_cast<Collect*>(data);
    const auto* p = reinterpret_cast<const std::uint8_t*>(nlh);
    auto a = parse_address_message(std::vector<std::uint8_t>(p, p + nlh->nlmsg_len));
    if (a && (c->ifindex == 0 || a->ifindex == c->ifindex)) c->out.push_back(std::move(*a));
    return MNL_CB_OK;
  };
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  const unsigned portid = mnl_socket_get_portid(nl_);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) return core::errno_error("RTM_GETADDR: receive", errno);
    const int r = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), sent->nlmsg_seq, portid, cb, &collect);
    if (r == MNL_CB_STOP) break;
    if (r < 0) return core::errno_error("RTM_GETADDR", errno);
  }
  return std::move(collect.out);
}

}  // namespace lvsd::vrrp
