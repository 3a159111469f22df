// netns tier: two namespaces on a bridge exchange VRRP adverts through
// VrrpSocket; the receiver's metadata (source, destination, TTL, ifindex)
// comes from the kernel and the advert decodes.
#include <netinet/in.h>
#include <poll.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "tests/support/netns.hpp"
#include "tests/vrrp/in_netns.hpp"
#include "vrrp/socket.hpp"

namespace lvsd::vrrp {
namespace {

using test::Host;
using test::Topology;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

core::Result<VrrpSocket> open_in(const Host& host, SocketOptions options) {
  return test_support::in_netns<VrrpSocket>(host, [&] { return VrrpSocket::open(options); });
}

int ifindex_in(const Host& host, const char* name) {
  const auto r = host.run(std::string("cat /sys/class/net/") + name + "/ifindex");
  return std::stoi(r.output);
}

// Waits (bounded) for a datagram.
std::optional<Datagram> receive_within(VrrpSocket& s, int timeout_ms) {
  pollfd p{s.fd(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
  auto r = s.receive();
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::nullopt;
}

Advert advert_for(const core::IpAddress& vip, std::uint8_t priority) {
  return Advert{.version = Version::kV3,
                .vrid = 42,
                .priority = priority,
                .advert_interval = Centiseconds{100},
                .addresses = {vip}};
}

LocalExpectations expectations(core::AddressFamily f, const core::IpAddress& vip, const core::IpAddress& own) {
  return LocalExpectations{.version = Version::kV3,
                           .family = f,
                           .vrid = 42,
                           .advert_interval = Centiseconds{100},
                           .vips = {vip},
                           .own_addresses = {own}};
}

TEST(VrrpSocketNetns, Ipv4AdvertCrossesTheBridgeAndDecodes) {
  Topology topo;
  Host& a = topo.add_host("a", "10.88.0.1/24");
  Host& b = topo.add_host("b", "10.88.0.2/24");
  auto sa = open_in(a, {.family = core::AddressFamily::kIpv4, .interface = "eth0", .source = ip("10.88.0.1")});
  ASSERT_TRUE(sa.ok()) << sa.error().message;
  auto sb = open_in(b, {.family = core::AddressFamily::kIpv4, .interface = "eth0", .source = ip("10.88.0.2")});
  ASSERT_TRUE(sb.ok()) << sb.error().message;

  const core::IpAddress group = vrrp_multicast_group(core::AddressFamily::kIpv4);
  const Advert sent = advert_for(ip("10.88.0.100"), 150);
  const auto bytes = encode(sent, ip("10.88.0.1"), group).value();
  const auto st = sa->send(bytes, group);
  ASSERT_TRUE(st.ok()) << st.error().message;

  const auto d = receive_within(*sb, 2000);
  ASSERT_TRUE(d.has_value()) << "no advert within 2 s";
  EXPECT_EQ(d->payload, bytes);
  EXPECT_EQ(d->meta.source, ip("10.88.0.1"));
  EXPECT_EQ(d->meta.destination, group);
  EXPECT_EQ(d->meta.ttl, 255);
  EXPECT_EQ(d->meta.ifindex, ifindex_in(b, "eth0"));
  const auto r = decode(d->payload, d->meta, expectations(core::AddressFamily::kIpv4, ip("10.88.0.100"), ip("10.88.0.2")));
  ASSERT_TRUE(std::holds_alternative<ReceivedAdvert>(r)) << to_string(std::get<Drop>(r).reason);
  EXPECT_EQ(std::get<ReceivedAdvert>(r).advert, sent);

  // Multicast loop is off: the sender does not hear itself.
  auto own = sa->receive();
  ASSERT_TRUE(own.ok());
  EXPECT_FALSE(own->has_value());
}

TEST(VrrpSocketNetns, LowTtlAdvertIsSeenWithItsTtlAndDropped) {
  Topology topo;
  Host& a = topo.add_host("a", "10.88.1.1/24");
  Host& b = topo.add_host("b", "10.88.1.2/24");
  auto sa = open_in(a, {.family = core::AddressFamily::kIpv4, .interface = "eth0", .source = ip("10.88.1.1")});
  ASSERT_TRUE(sa.ok()) << sa.error().message;
  auto sb = open_in(b, {.family = core::AddressFamily::kIpv4, .interface = "eth0", .source = ip("10.88.1.2")});
  ASSERT_TRUE(sb.ok()) << sb.error().message;
  // A sender that is not RFC-conformant (or a packet that crossed a router).
  const int ttl = 1;
  ASSERT_EQ(setsockopt(sa->fd(), IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl), 0);
  const core::IpAddress group = vrrp_multicast_group(core::AddressFamily::kIpv4);
  ASSERT_TRUE(sa->send(encode(advert_for(ip("10.88.1.100"), 100), ip("10.88.1.1"), group).value(), group).ok());
  const auto d = receive_within(*sb, 2000);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->meta.ttl, 1);
  const auto r = decode(d->payload, d->meta, expectations(core::AddressFamily::kIpv4, ip("10.88.1.100"), ip("10.88.1.2")));
  ASSERT_TRUE(std::holds_alternative<Drop>(r));
  EXPECT_EQ(std::get<Drop>(r).reason, DropReason::kWrongTtl);
}

TEST(VrrpSocketNetns, Ipv6AdvertCarriesHopLimitAndPktinfo) {
  Topology topo;
  Host& a = topo.add_host("a", "10.88.2.1/24");
  Host& b = topo.add_host("b", "10.88.2.2/24");
  for (const auto& [h, addr] : {std::pair{&a, "fe80::a1"}, std::pair{&b, "fe80::b2"}}) {
    const auto r = h->run(std::string("sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0; ip -6 addr add ") + addr +
                          "/64 dev eth0 nodad");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto sa = open_in(a, {.family = core::AddressFamily::kIpv6, .interface = "eth0", .source = ip("fe80::a1")});
  ASSERT_TRUE(sa.ok()) << sa.error().message;
  auto sb = open_in(b, {.family = core::AddressFamily::kIpv6, .interface = "eth0", .source = ip("fe80::b2")});
  ASSERT_TRUE(sb.ok()) << sb.error().message;

  const core::IpAddress group = vrrp_multicast_group(core::AddressFamily::kIpv6);
  const Advert sent = advert_for(ip("2001:db8::100"), 200);
  const auto bytes = encode(sent, ip("fe80::a1"), group).value();
  // The first multicast may be lost while MLD settles: resend, bounded.
  std::optional<Datagram> d;
  for (int i = 0; i < 10 && !d; ++i) {
    const auto st = sa->send(bytes, group);
    ASSERT_TRUE(st.ok()) << st.error().message;
    d = receive_within(*sb, 300);
  }
  ASSERT_TRUE(d.has_value()) << "no IPv6 advert received";
  EXPECT_EQ(d->payload, bytes);
  EXPECT_EQ(d->meta.source, ip("fe80::a1"));
  EXPECT_EQ(d->meta.destination, group);
  EXPECT_EQ(d->meta.ttl, 255);
  EXPECT_EQ(d->meta.ifindex, ifindex_in(b, "eth0"));
  const auto r = decode(d->payload, d->meta, expectations(core::AddressFamily::kIpv6, ip("2001:db8::100"), ip("fe80::b2")));
  ASSERT_TRUE(std::holds_alternative<ReceivedAdvert>(r)) << to_string(std::get<Drop>(r).reason);
  EXPECT_EQ(std::get<ReceivedAdvert>(r).advert, sent);
}

TEST(VrrpSocketNetns, OpenFailsForAMissingInterface) {
  Topology topo;
  Host& a = topo.add_host("a", "10.88.3.1/24");
  auto s = open_in(a, {.family = core::AddressFamily::kIpv4, .interface = "nosuch0", .source = ip("10.88.3.1")});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("nosuch0"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace lvsd::vrrp
