#include "vrrp/vmac.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lvsd::vrrp {
namespace {

nlmsghdr* put_link_header(std::vector<std::uint8_t>& buf, std::uint16_t type, std::uint16_t flags,
                          std::uint32_t seq, int ifindex) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  nlh->nlmsg_seq = seq;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  return nlh;
}

std::vector<std::uint8_t> finish(std::vector<std::uint8_t>& buf, const nlmsghdr* nlh) {
  buf.resize(nlh->nlmsg_len);
  return std::move(buf);
}

struct LinkParse {
  LinkInfo out;
};

int parse_macvlan_data(const nlattr* attr, void* data) {
  auto* st = static_cast<LinkParse*>(data);
  if (mnl_attr_get_type(attr) == IFLA_MACVLAN_MODE && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
    st->out.macvlan_mode = mnl_attr_get_u32(attr);
  return MNL_CB_OK;
}

int parse_link_info(const nlattr* attr, void* data) {
  auto* st = static_cast<LinkParse*>(data);
  const auto type = mnl_attr_get_type(attr);
  if (type == IFLA_INFO_KIND && mnl_attr_validate(attr, MNL_TYPE_STRING) >= 0) {
    st->out.kind.assign(static_cast<const char*>(mnl_attr_get_payload(attr)),
                        strnlen(static_cast<const char*>(mnl_attr_get_payload(attr)), mnl_attr_get_payload_len(attr)));
  } else if (type == IFLA_INFO_DATA && mnl_attr_validate(attr, MNL_TYPE_NESTED) >= 0) {
    mnl_attr_parse_nested(attr, parse_macvlan_data, st);
  }
  return MNL_CB_OK;
}

int parse_link_attr(const nlattr* attr, void* data) {
  auto* st = static_cast<LinkParse*>(data);
  switch (mnl_attr_get_type(attr)) {
    case IFLA_IFNAME:
      if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) st->out.name = mnl_attr_get_str(attr);
      break;
    case IFLA_LINK:
      if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) st->out.link = static_cast<int>(mnl_attr_get_u32(attr));
      break;
    case IFLA_ADDRESS:
      if (mnl_attr_get_payload_len(attr) == 6) {
        MacAddress mac{};
        std::memcpy(mac.data(), mnl_attr_get_payload(attr), mac.size());
        st->out.mac = mac;
      }
      break;
    case IFLA_LINKINFO:
      if (mnl_attr_validate(attr, MNL_TYPE_NESTED) >= 0) mnl_attr_parse_nested(attr, parse_link_info, st);
      break;
    default:
      break;
  }
  return MNL_CB_OK;
}

}  // namespace

std::vector<std::uint8_t> build_vmac_create(const VmacSpec& spec, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_link_header(buf, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, 0);
  mnl_attr_put_strz(nlh, IFLA_IFNAME, spec.name.c_str());
  mnl_attr_put_u32(nlh, IFLA_LINK, static_cast<std::uint32_t>(spec.base_ifindex));
  mnl_attr_put(nlh, IFLA_ADDRESS, spec.mac.size(), spec.mac.data());
  nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
  nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
  mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE);
  mnl_attr_nest_end(nlh, data);
  mnl_attr_nest_end(nlh, info);
  return finish(buf, nlh);
}

std::vector<std::uint8_t> build_addr_gen_mode_none(int ifindex, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_link_header(buf, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq, ifindex);
  nlattr* af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
  nlattr* inet6 = mnl_attr_nest_start(nlh, AF_INET6);
  mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
  mnl_attr_nest_end(nlh, inet6);
  mnl_attr_nest_end(nlh, af);
  return finish(buf, nlh);
}

std::vector<std::uint8_t> build_link_up(int ifindex, bool up, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_link_header(buf, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq, ifindex);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
  return finish(buf, nlh);
}

std::vector<std::uint8_t> build_link_delete(int ifindex, std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_link_header(buf, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq, ifindex);
  return finish(buf, nlh);
}

std::vector<std::uint8_t> build_link_dump(std::uint32_t seq) {
  std::vector<std::uint8_t> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_link_header(buf, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq, 0);
  return finish(buf, nlh);
}

std::optional<LinkInfo> parse_link_message(const std::vector<std::uint8_t>& message) {
  if (message.size() < sizeof(nlmsghdr) + sizeof(ifinfomsg)) return std::nullopt;
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(message.data());
  if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len > message.size() ||
      nlh->nlmsg_len < sizeof(nlmsghdr) + sizeof(ifinfomsg))
    return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  LinkParse st;
  st.out.ifindex = ifi->ifi_index;
  st.out.up = (ifi->ifi_flags & IFF_UP) != 0;
  mnl_attr_parse(nlh, sizeof(ifinfomsg), parse_link_attr, &st);
  if (st.out.name.empty()) return std::nullopt;
  return st.out;
}

bool is_vmac(const LinkInfo& link, const VmacSpec& spec) {
  return link.name == spec.name && link.kind == "macvlan" && link.link == spec.base_ifindex &&
         link.mac == spec.mac && link.macvlan_mode == MACVLAN_MODE_PRIVATE;
}

std::string vmac_filter_commands(core::AddressFamily family,
                                 const std::vector<std::pair<std::string, std::string>>& vmacs) {
  const bool v4 = family == core::AddressFamily::kIpv4;
  const std::string t = std::string(v4 ? "ip" : "ip6") + " lvsd";
  std::string out;
  out += "add table " + t + "\n";
  out += "add chain " + t + " vmac { type filter hook output priority filter - 1; policy accept; }\n";
  out += "flush chain " + t + " vmac\n";
  for (const auto& [vmac, base] : vmacs) {
    const std::string oif = "oifname \"" + vmac + "\" ";
    if (v4) {
      out += "add rule " + t + " vmac " + oif + "ip protocol igmp dup to ip daddr device \"" + base + "\" drop\n";
    } else {
      out += "add rule " + t + " vmac " + oif +
             "icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report } dup to ip6 daddr device \"" +
             base + "\" drop\n";
      out += "add rule " + t + " vmac " + oif + "icmpv6 type nd-router-solicit drop\n";
    }
  }
  return out;
}

core::Result<VmacClient> VmacClient::open(core::Duration receive_timeout) {
  auto socket = RtnetlinkSocket::open(receive_timeout);
  if (!socket.ok()) return socket.error();
  return VmacClient(std::move(*socket));
}

core::Result<std::vector<LinkInfo>> VmacClient::links() {
  std::vector<LinkInfo> out;
  auto st = socket_.dump(build_link_dump(socket_.next_seq()), "RTM_GETLINK", [&](const nlmsghdr* nlh) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(nlh);
    if (auto l = parse_link_message(std::vector<std::uint8_t>(p, p + nlh->nlmsg_len))) out.push_back(std::move(*l));
  });
  if (!st.ok()) return st.error();
  return out;
}

core::Result<int> VmacClient::ensure(const VmacSpec& spec) {
  auto all = links();
  if (!all.ok()) return all.error();
  auto it = std::find_if(all->begin(), all->end(), [&](const LinkInfo& l) { return l.name == spec.name; });
  if (it != all->end()) {
    if (is_vmac(*it, spec)) return it->ifindex;
    return core::Error{"interface " + spec.name + " exists and is not this instance's VMAC (a private macvlan on "
                       "interface index " + std::to_string(spec.base_ifindex) + " with its MAC): rename one"};
  }
  if (int err = socket_.request(build_vmac_create(spec, socket_.next_seq())); err != 0)
    return core::errno_error("creating VMAC " + spec.name + " (RTM_NEWLINK macvlan)", err);
  const int ifindex = static_cast<int>(if_nametoindex(spec.name.c_str()));
  if (ifindex == 0) return core::errno_error("VMAC " + spec.name + " after creating it", errno);
  // No IPv6 address of its own: the kernel would make one from the virtual
  // MAC, and a BACKUP would send from it.
  if (int err = socket_.request(build_addr_gen_mode_none(ifindex, socket_.next_seq())); err != 0)
    return core::errno_error("VMAC " + spec.name + ": IPv6 address generation off", err);
  return ifindex;
}

core::Status VmacClient::set_up(int ifindex) {
  if (int err = socket_.request(build_link_up(ifindex, true, socket_.next_seq())); err != 0)
    return core::errno_error("VMAC interface index " + std::to_string(ifindex) + ": up", err);
  return {};
}

core::Status VmacClient::remove(const std::string& name) {
  auto all = links();
  if (!all.ok()) return all.error();
  auto it = std::find_if(all->begin(), all->end(), [&](const LinkInfo& l) { return l.name == name; });
  if (it == all->end() || it->kind != "macvlan") return {};
  if (int err = socket_.request(build_link_delete(it->ifindex, socket_.next_seq())); err != 0 && err != ENODEV)
    return core::errno_error("deleting VMAC " + name, err);
  return {};
}

}  // namespace lvsd::vrrp
