// unit: rtnetlink address messages, built without a socket and parsed back.
#include "vrrp/addr.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstring>
#include <map>

namespace lvsd::vrrp {
namespace {

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

struct Parsed {
  const nlmsghdr* nlh;
  const ifaddrmsg* ifa;
  std::map<int, std::vector<std::uint8_t>> attrs;
};

// `msg` must outlive the result (it points into it).
Parsed parse(std::vector<std::uint8_t>&&) = delete;
Parsed parse(const std::vector<std::uint8_t>& msg) {
  Parsed p{};
  p.nlh = reinterpret_cast<const nlmsghdr*>(msg.data());
  EXPECT_EQ(p.nlh->nlmsg_len, msg.size());
  p.ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(p.nlh));
  mnl_attr_parse(
      p.nlh, sizeof(ifaddrmsg),
      [](const nlattr* a, void* data) -> int {
        const auto* b = static_cast<const std::uint8_t*>(mnl_attr_get_payload(a));
        (*static_cast<std::map<int, std::vector<std::uint8_t>>*>(data))[mnl_attr_get_type(a)] =
            std::vector<std::uint8_t>(b, b + mnl_attr_get_payload_len(a));
        return MNL_CB_OK;
      },
      &p.attrs);
  return p;
}

TEST(AddressRequest, AddIpv4WithLabelAndScope) {
  const auto msg = build_address_request(
      AddressOp::kAdd,
      VipSpec{.prefix = {ip("10.0.0.100"), 24}, .ifindex = 3, .label = "eth0:vip",
              .scope = AddressScope::kGlobal},
      77);
  const auto p = parse(msg);
  EXPECT_EQ(p.nlh->nlmsg_type, RTM_NEWADDR);
  EXPECT_EQ(p.nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  EXPECT_EQ(p.nlh->nlmsg_seq, 77u);
  EXPECT_EQ(p.ifa->ifa_family, AF_INET);
  EXPECT_EQ(p.ifa->ifa_prefixlen, 24);
  EXPECT_EQ(p.ifa->ifa_index, 3u);
  EXPECT_EQ(p.ifa->ifa_scope, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(p.attrs.at(IFA_LOCAL), (std::vector<std::uint8_t>{10, 0, 0, 100}));
  EXPECT_EQ(p.attrs.at(IFA_ADDRESS), (std::vector<std::uint8_t>{10, 0, 0, 100}));
  EXPECT_EQ(p.attrs.at(IFA_LABEL), (std::vector<std::uint8_t>{'e', 't', 'h', '0', ':', 'v', 'i', 'p', 0}));
  EXPECT_EQ(p.attrs.count(IFA_FLAGS), 0u);
}

TEST(AddressRequest, AddIpv6IsNodadAndHasNoLabel) {
  const auto msg = build_address_request(
      AddressOp::kAdd,
      VipSpec{.prefix = {ip("2001:db8::100"), 128}, .ifindex = 4, .label = "eth0:x",
              .scope = AddressScope::kLink},
      1);
  const auto p = parse(msg);
  EXPECT_EQ(p.ifa->ifa_family, AF_INET6);
  EXPECT_EQ(p.ifa->ifa_scope, RT_SCOPE_LINK);
  EXPECT_EQ(p.ifa->ifa_flags, IFA_F_NODAD);
  ASSERT_EQ(p.attrs.at(IFA_LOCAL).size(), 16u);
  EXPECT_EQ(p.attrs.at(IFA_LOCAL)[0], 0x20);
  EXPECT_EQ(p.attrs.at(IFA_LOCAL)[15], 0x00);
  EXPECT_EQ(p.attrs.at(IFA_LOCAL)[14], 0x01);
  std::uint32_t flags = 0;
  std::memcpy(&flags, p.attrs.at(IFA_FLAGS).data(), 4);
  EXPECT_EQ(flags, static_cast<std::uint32_t>(IFA_F_NODAD));
  EXPECT_EQ(p.attrs.count(IFA_LABEL), 0u);
}

TEST(AddressRequest, KeepalivedOptions) {
  VipSpec spec{.prefix = {ip("10.0.0.112"), 24}, .ifindex = 3};
  spec.broadcast = ip("10.0.0.255");
  spec.peer = ip("10.0.0.250");
  spec.flags = IFA_F_NOPREFIXROUTE;
  spec.preferred_lft = 0;
  const auto msg = build_address_request(AddressOp::kAdd, spec, 5);
  const auto p = parse(msg);
  EXPECT_EQ(p.attrs.at(IFA_LOCAL), (std::vector<std::uint8_t>{10, 0, 0, 112}));
  EXPECT_EQ(p.attrs.at(IFA_ADDRESS), (std::vector<std::uint8_t>{10, 0, 0, 250})) << "the peer";
  EXPECT_EQ(p.attrs.at(IFA_BROADCAST), (std::vector<std::uint8_t>{10, 0, 0, 255}));
  std::uint32_t flags = 0;
  std::memcpy(&flags, p.attrs.at(IFA_FLAGS).data(), 4);
  EXPECT_EQ(flags, static_cast<std::uint32_t>(IFA_F_NOPREFIXROUTE));
  ifa_cacheinfo lifetimes{};
  ASSERT_EQ(p.attrs.at(IFA_CACHEINFO).size(), sizeof lifetimes);
  std::memcpy(&lifetimes, p.attrs.at(IFA_CACHEINFO).data(), sizeof lifetimes);
  EXPECT_EQ(lifetimes.ifa_prefered, 0u) << "deprecated";
  EXPECT_EQ(lifetimes.ifa_valid, 0xFFFFFFFFu) << "valid forever";
  // A removal names the same local and peer addresses, and no more.
  const auto del_msg = build_address_request(AddressOp::kRemove, spec, 6);
  const auto del = parse(del_msg);
  EXPECT_EQ(del.attrs.at(IFA_ADDRESS), (std::vector<std::uint8_t>{10, 0, 0, 250}));
  EXPECT_EQ(del.attrs.count(IFA_CACHEINFO), 0u);
}

TEST(AddressRequest, Remove) {
  const auto msg = build_address_request(
      AddressOp::kRemove, VipSpec{.prefix = {ip("10.0.0.100"), 32}, .ifindex = 3}, 9);
  const auto p = parse(msg);
  EXPECT_EQ(p.nlh->nlmsg_type, RTM_DELADDR);
  EXPECT_EQ(p.nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  EXPECT_EQ(p.ifa->ifa_prefixlen, 32);
  EXPECT_EQ(p.attrs.at(IFA_LOCAL), (std::vector<std::uint8_t>{10, 0, 0, 100}));
}

TEST(AddressRequest, Dump) {
  const auto msg = build_address_dump(core::AddressFamily::kIpv6, 5);
  const auto p = parse(msg);
  EXPECT_EQ(p.nlh->nlmsg_type, RTM_GETADDR);
  EXPECT_EQ(p.nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(p.ifa->ifa_family, AF_INET6);
}

TEST(AddressMessage, ParsesWhatTheKernelSends) {
  // An RTM_NEWADDR as in a dump has the same layout as our add request.
  auto msg = build_address_request(
      AddressOp::kAdd,
      VipSpec{.prefix = {ip("192.168.7.9"), 27}, .ifindex = 12, .label = "eth1:vip",
              .scope = AddressScope::kHost},
      1);
  const auto a = parse_address_message(msg);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->prefix.address, ip("192.168.7.9"));
  EXPECT_EQ(a->prefix.length, 27);
  EXPECT_EQ(a->ifindex, 12);
  EXPECT_EQ(a->label, "eth1:vip");
  EXPECT_EQ(a->scope, AddressScope::kHost);
}

TEST(AddressMessage, RejectsOtherMessagesAndShortInput) {
  EXPECT_FALSE(parse_address_message(build_address_dump(core::AddressFamily::kIpv4, 1)).has_value());  // RTM_GETADDR
  auto msg = build_address_request(AddressOp::kAdd, VipSpec{.prefix = {ip("10.0.0.1")}, .ifindex = 1}, 1);
  msg.resize(10);
  EXPECT_FALSE(parse_address_message(msg).has_value());
}

}  // namespace
}  // namespace lvsd::vrrp
