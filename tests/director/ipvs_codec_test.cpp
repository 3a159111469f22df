// ipvs_codec: every request compared byte for byte with a hand-built message,
// and every attribute parsed back.
#include "director/ipvs_codec.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/ip_vs.h>
#include <sys/socket.h>

#include <algorithm>

#include "director/reconciler.hpp"
#include "tests/director/netlink_writer.hpp"

namespace lvsd::director {
namespace {

using ipvs_codec::Bytes;
using ipvs_codec::Header;
using test::NetlinkWriter;

constexpr std::uint16_t kFamily = 0x2a;
constexpr Header kHeader{.family_id = kFamily, .sequence = 77};
constexpr std::uint16_t kChange = NLM_F_REQUEST | NLM_F_ACK;
constexpr std::uint16_t kDump = NLM_F_REQUEST | NLM_F_DUMP;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

std::vector<std::uint8_t> addr16(const char* text) {
  core::IpAddress a = ip(text);
  std::vector<std::uint8_t> out(16, 0);  // a full nf_inet_addr
  std::copy(a.bytes().begin(), a.bytes().end(), out.begin());
  return out;
}

std::vector<std::uint8_t> flags_bytes(std::uint32_t flags, std::uint32_t mask) {
  std::vector<std::uint8_t> v(8);
  std::memcpy(v.data(), &flags, 4);
  std::memcpy(v.data() + 4, &mask, 4);
  return v;
}

Service tcp_web() {
  return Service{{.key = ServiceKey::inet(Protocol::kTcp, ip("10.0.0.1"), 80),
                 .scheduler = "wrr",
                 .flags = kServiceFlagPersistent,
                 .persistence_timeout_s = 300,
                 .persistence_prefix = 24}};
}

TEST(IpvsCodec, NewServiceIpv4MatchesHandBuiltBytes) {
  Bytes got = ipvs_codec::new_service(kHeader, tcp_web());
  Bytes want = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_NEW_SERVICE)
                   .begin(IPVS_CMD_ATTR_SERVICE)
                   .u16(IPVS_SVC_ATTR_AF, AF_INET)
                   .u16(IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP)
                   .bytes(IPVS_SVC_ATTR_ADDR, addr16("10.0.0.1"))
                   .be16(IPVS_SVC_ATTR_PORT, 80)
                   .str(IPVS_SVC_ATTR_SCHED_NAME, "wrr")
                   .bytes(IPVS_SVC_ATTR_FLAGS, flags_bytes(IP_VS_SVC_F_PERSISTENT, 0xffffffff))
                   .u32(IPVS_SVC_ATTR_TIMEOUT, 300)
                   .bytes(IPVS_SVC_ATTR_NETMASK, {0xff, 0xff, 0xff, 0x00})  // /24, network order
                   .end()
                   .done();
  EXPECT_EQ(got, want);
}

TEST(IpvsCodec, PortIsBigEndianOnTheWire) {
  Service s = tcp_web();
  s.key.endpoint.port = 0x1f90;  // 8080
  Bytes b = ipvs_codec::new_service(kHeader, s);
  // nlmsghdr(16) + genlmsghdr(4) + nest hdr(4) + AF(8) + PROTOCOL(8) + ADDR(20) + PORT hdr(4)
  std::size_t port_at = 16 + 4 + 4 + 8 + 8 + 20 + 4;
  EXPECT_EQ(b[port_at], 0x1f);
  EXPECT_EQ(b[port_at + 1], 0x90);
  EXPECT_EQ(ipvs_codec::parse_service(b)->key.endpoint.port, 8080);
}

TEST(IpvsCodec, NewServiceDefaultNetmaskIsAllOnesForIpv4And128ForIpv6) {
  ServiceSettings v4{.key = ServiceKey::inet(Protocol::kUdp, ip("10.0.0.1"), 53), .scheduler = "rr"};
  Bytes b4 = ipvs_codec::new_service(kHeader, v4);
  Bytes want4 = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_NEW_SERVICE)
                    .begin(IPVS_CMD_ATTR_SERVICE)
                    .u16(IPVS_SVC_ATTR_AF, AF_INET)
                    .u16(IPVS_SVC_ATTR_PROTOCOL, IPPROTO_UDP)
                    .bytes(IPVS_SVC_ATTR_ADDR, addr16("10.0.0.1"))
                    .be16(IPVS_SVC_ATTR_PORT, 53)
                    .str(IPVS_SVC_ATTR_SCHED_NAME, "rr")
                    .bytes(IPVS_SVC_ATTR_FLAGS, flags_bytes(0, 0xffffffff))
                    .u32(IPVS_SVC_ATTR_TIMEOUT, 0)
                    .u32(IPVS_SVC_ATTR_NETMASK, 0xffffffff)
                    .end()
                    .done();
  EXPECT_EQ(b4, want4);

  ServiceSettings v6{.key = ServiceKey::inet(Protocol::kTcp, ip("2001:db8::1"), 443),
             .scheduler = "lc",
             .flags = kServiceFlagOnePacket};
  Bytes b6 = ipvs_codec::set_service(kHeader, v6);
  Bytes want6 = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_SET_SERVICE)
                    .begin(IPVS_CMD_ATTR_SERVICE)
                    .u16(IPVS_SVC_ATTR_AF, AF_INET6)
                    .u16(IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP)
                    .bytes(IPVS_SVC_ATTR_ADDR, addr16("2001:db8::1"))
                    .be16(IPVS_SVC_ATTR_PORT, 443)
                    .str(IPVS_SVC_ATTR_SCHED_NAME, "lc")
                    .bytes(IPVS_SVC_ATTR_FLAGS, flags_bytes(IP_VS_SVC_F_ONEPACKET, 0xffffffff))
                    .u32(IPVS_SVC_ATTR_TIMEOUT, 0)
                    .u32(IPVS_SVC_ATTR_NETMASK, 128)
                    .end()
                    .done();
  EXPECT_EQ(b6, want6);
}

TEST(IpvsCodec, FwmarkServiceCarriesOnlyFamilyAndMark) {
  Bytes got = ipvs_codec::del_service(kHeader, ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 7));
  Bytes want = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_DEL_SERVICE)
                   .begin(IPVS_CMD_ATTR_SERVICE)
                   .u16(IPVS_SVC_ATTR_AF, AF_INET6)
                   .u32(IPVS_SVC_ATTR_FWMARK, 7)
                   .end()
                   .done();
  EXPECT_EQ(got, want);
  auto key = ipvs_codec::parse_service(got)->key;
  EXPECT_EQ(key, ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 7));
  EXPECT_TRUE(key.is_fwmark());
}

TEST(IpvsCodec, ServiceRoundTripsEveryField) {
  for (Service s : {tcp_web(),
                    Service{{.key = ServiceKey::inet(Protocol::kUdp, ip("2001:db8::5"), 5060),
                            .scheduler = "sh",
                            .flags = kServiceFlagPersistent | kServiceFlagOnePacket | kServiceFlagScheduler1,
                            .persistence_timeout_s = 60,
                            .persistence_prefix = 64,
                            .persistence_engine = "sip"}},
                    Service{{.key = ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 42), .scheduler = "mh"}}}) {
    auto parsed = ipvs_codec::parse_service(ipvs_codec::new_service(kHeader, s));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_TRUE(same_settings(*parsed, s)) << describe(s.key);
    EXPECT_EQ(parsed->key, s.key);
    EXPECT_EQ(parsed->scheduler, s.scheduler);
    EXPECT_EQ(parsed->flags, s.flags);
    EXPECT_EQ(parsed->persistence_timeout_s, s.persistence_timeout_s);
    EXPECT_EQ(parsed->persistence_prefix, s.persistence_prefix);
    EXPECT_EQ(parsed->persistence_engine, s.persistence_engine);
  }
}

// A service as the kernel dumps it: HASHED flag set, STATS and STATS64.
Bytes kernel_service_reply(bool with_stats64) {
  NetlinkWriter w(kFamily, NLM_F_MULTI, 5, IPVS_CMD_NEW_SERVICE);
  w.begin(IPVS_CMD_ATTR_SERVICE)
      .u16(IPVS_SVC_ATTR_AF, AF_INET)
      .u16(IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP)
      .bytes(IPVS_SVC_ATTR_ADDR, addr16("192.168.1.10"))
      .be16(IPVS_SVC_ATTR_PORT, 443)
      .str(IPVS_SVC_ATTR_SCHED_NAME, "wlc")
      .bytes(IPVS_SVC_ATTR_FLAGS, flags_bytes(IP_VS_SVC_F_HASHED | IP_VS_SVC_F_PERSISTENT, 0xffffffff))
      .u32(IPVS_SVC_ATTR_TIMEOUT, 360)
      .u32(IPVS_SVC_ATTR_NETMASK, 0xffffffff);
  w.begin(IPVS_SVC_ATTR_STATS)
      .u32(IPVS_STATS_ATTR_CONNS, 1)
      .u32(IPVS_STATS_ATTR_INPKTS, 2)
      .u32(IPVS_STATS_ATTR_OUTPKTS, 3)
      .u64(IPVS_STATS_ATTR_INBYTES, 4)
      .u64(IPVS_STATS_ATTR_OUTBYTES, 5)
      .u32(IPVS_STATS_ATTR_CPS, 6)
      .end();
  if (with_stats64) {
    w.begin(IPVS_SVC_ATTR_STATS64)
        .u64(IPVS_STATS_ATTR_CONNS, 10'000'000'000ULL)
        .u64(IPVS_STATS_ATTR_INPKTS, 20)
        .u64(IPVS_STATS_ATTR_OUTPKTS, 30)
        .u64(IPVS_STATS_ATTR_INBYTES, 40)
        .u64(IPVS_STATS_ATTR_OUTBYTES, 50)
        .u64(IPVS_STATS_ATTR_CPS, 60)
        .u64(IPVS_STATS_ATTR_INPPS, 70)
        .u64(IPVS_STATS_ATTR_OUTPPS, 80)
        .u64(IPVS_STATS_ATTR_INBPS, 90)
        .u64(IPVS_STATS_ATTR_OUTBPS, 100)
        .end();
  }
  return w.end().done();
}

TEST(IpvsCodec, ParsesKernelServiceDumpPreferringStats64) {
  auto s = ipvs_codec::parse_service(kernel_service_reply(true));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(describe(s->key), "TCP 192.168.1.10:443");
  EXPECT_EQ(s->scheduler, "wlc");
  EXPECT_EQ(s->flags, kServiceFlagPersistent);  // HASHED dropped
  EXPECT_EQ(s->persistence_timeout_s, 360u);
  EXPECT_EQ(s->persistence_prefix, std::nullopt);
  EXPECT_EQ(s->stats.connections, 10'000'000'000ULL);
  EXPECT_EQ(s->stats.out_byte_rate, 100u);
  EXPECT_EQ(s->stats.in_packet_rate, 70u);
}

TEST(IpvsCodec, FallsBackToStatsWithout64) {
  auto s = ipvs_codec::parse_service(kernel_service_reply(false));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->stats.connections, 1u);
  EXPECT_EQ(s->stats.in_packets, 2u);
  EXPECT_EQ(s->stats.out_packets, 3u);
  EXPECT_EQ(s->stats.in_bytes, 4u);
  EXPECT_EQ(s->stats.out_bytes, 5u);
  EXPECT_EQ(s->stats.connection_rate, 6u);
}

Destination dr_dest() {
  return Destination{.endpoint = {ip("10.0.0.2"), 8080},
                     .forward = ForwardMethod::kDirectRoute,
                     .weight = 3,
                     .upper_threshold = 100,
                     .lower_threshold = 10};
}

TEST(IpvsCodec, NewDestinationCarriesServiceKeyAndFullDestination) {
  ServiceKey key = tcp_web().key;
  Bytes got = ipvs_codec::new_destination(kHeader, key, dr_dest());
  Bytes want = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_NEW_DEST)
                   .begin(IPVS_CMD_ATTR_SERVICE)
                   .u16(IPVS_SVC_ATTR_AF, AF_INET)
                   .u16(IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP)
                   .bytes(IPVS_SVC_ATTR_ADDR, addr16("10.0.0.1"))
                   .be16(IPVS_SVC_ATTR_PORT, 80)
                   .end()
                   .begin(IPVS_CMD_ATTR_DEST)
                   .bytes(IPVS_DEST_ATTR_ADDR, addr16("10.0.0.2"))
                   .be16(IPVS_DEST_ATTR_PORT, 8080)
                   .u16(IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET)
                   .u32(IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_DROUTE)
                   .u32(IPVS_DEST_ATTR_WEIGHT, 3)
                   .u32(IPVS_DEST_ATTR_U_THRESH, 100)
                   .u32(IPVS_DEST_ATTR_L_THRESH, 10)
                   .end()
                   .done();
  EXPECT_EQ(got, want);
}

TEST(IpvsCodec, DelDestinationCarriesIdentityAndFamilyOnly) {
  DestinationSettings d{.endpoint = {ip("2001:db8::9"), 80}};
  Bytes got = ipvs_codec::del_destination(kHeader, ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 3), d);
  Bytes want = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_DEL_DEST)
                   .begin(IPVS_CMD_ATTR_SERVICE)
                   .u16(IPVS_SVC_ATTR_AF, AF_INET6)
                   .u32(IPVS_SVC_ATTR_FWMARK, 3)
                   .end()
                   .begin(IPVS_CMD_ATTR_DEST)
                   .bytes(IPVS_DEST_ATTR_ADDR, addr16("2001:db8::9"))
                   .be16(IPVS_DEST_ATTR_PORT, 80)
                   .u16(IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET6)
                   .end()
                   .done();
  EXPECT_EQ(got, want);
}

TEST(IpvsCodec, TunnelDestinationCarriesTunnelAttributes) {
  DestinationSettings d{.endpoint = {ip("10.0.0.3"), 80},
                .forward = ForwardMethod::kTunnel,
                .weight = 1,
                .tunnel_type = TunnelType::kGue,
                .tunnel_port = 6080,
                .tunnel_flags = kTunnelFlagChecksum};
  Bytes got = ipvs_codec::set_destination(kHeader, tcp_web().key, d);
  Bytes want = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_SET_DEST)
                   .begin(IPVS_CMD_ATTR_SERVICE)
                   .u16(IPVS_SVC_ATTR_AF, AF_INET)
                   .u16(IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP)
                   .bytes(IPVS_SVC_ATTR_ADDR, addr16("10.0.0.1"))
                   .be16(IPVS_SVC_ATTR_PORT, 80)
                   .end()
                   .begin(IPVS_CMD_ATTR_DEST)
                   .bytes(IPVS_DEST_ATTR_ADDR, addr16("10.0.0.3"))
                   .be16(IPVS_DEST_ATTR_PORT, 80)
                   .u16(IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET)
                   .u32(IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_TUNNEL)
                   .u32(IPVS_DEST_ATTR_WEIGHT, 1)
                   .u32(IPVS_DEST_ATTR_U_THRESH, 0)
                   .u32(IPVS_DEST_ATTR_L_THRESH, 0)
                   .u8(IPVS_DEST_ATTR_TUN_TYPE, IP_VS_CONN_F_TUNNEL_TYPE_GUE)
                   .be16(IPVS_DEST_ATTR_TUN_PORT, 6080)
                   .u16(IPVS_DEST_ATTR_TUN_FLAGS, IP_VS_TUNNEL_ENCAP_FLAG_CSUM)
                   .end()
                   .done();
  EXPECT_EQ(got, want);
  auto back = ipvs_codec::parse_destination(got, core::AddressFamily::kIpv4);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->destination.tunnel_type, TunnelType::kGue);
  EXPECT_EQ(back->destination.tunnel_port, 6080);
  EXPECT_EQ(back->destination.tunnel_flags, kTunnelFlagChecksum);
  EXPECT_TRUE(same_settings(back->destination, d));
}

// Messages are built in buffers of 1,024 bytes (ipvs_codec.cpp): the largest
// service and destination, IPv6 with every attribute, stay well below.
TEST(IpvsCodec, TheLargestMessagesFitTheirBuffer) {
  const Service s{{.key = ServiceKey::inet(Protocol::kSctp, ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), 65535),
                   .scheduler = "lblcr",
                   .flags = kServiceFlagPersistent | kServiceFlagOnePacket | kServiceFlagScheduler1,
                   .persistence_timeout_s = 4294967295u,
                   .persistence_prefix = 128,
                   .persistence_engine = "sip"}};
  const DestinationSettings d{.endpoint = {ip("2001:db8:ffff:ffff:ffff:ffff:ffff:fffe"), 65535},
                              .forward = ForwardMethod::kTunnel,
                              .weight = 65535,
                              .upper_threshold = 4294967295u,
                              .lower_threshold = 4294967295u,
                              .tunnel_type = TunnelType::kGue,
                              .tunnel_port = 65535,
                              .tunnel_flags = kTunnelFlagChecksum | kTunnelFlagRemoteChecksum};
  EXPECT_LT(ipvs_codec::new_service(kHeader, s).size(), 512u);
  EXPECT_LT(ipvs_codec::set_service(kHeader, s).size(), 512u);
  const Bytes dest = ipvs_codec::new_destination(kHeader, s.key, d);
  EXPECT_LT(dest.size(), 512u);
  auto back = ipvs_codec::parse_destination(dest, core::AddressFamily::kIpv6);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(same_settings(back->destination, d));
}

TEST(IpvsCodec, DestinationRoundTripsIpv4AndIpv6) {
  for (Destination d : {dr_dest(), Destination{.endpoint = {ip("2001:db8::20"), 443},
                                               .forward = ForwardMethod::kNat,
                                               .weight = 0,
                                               .upper_threshold = 7}}) {
    auto back =
        ipvs_codec::parse_destination(ipvs_codec::new_destination(kHeader, tcp_web().key, d), core::AddressFamily::kIpv4);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->destination.endpoint, d.endpoint);
    EXPECT_EQ(back->destination.forward, d.forward);
    EXPECT_EQ(back->destination.weight, d.weight);
    EXPECT_EQ(back->destination.upper_threshold, d.upper_threshold);
    EXPECT_EQ(back->destination.lower_threshold, d.lower_threshold);
  }
}

TEST(IpvsCodec, ParsesKernelDestinationDumpWithCountersAndFallbackFamily) {
  NetlinkWriter w(kFamily, NLM_F_MULTI, 9, IPVS_CMD_NEW_DEST);
  w.begin(IPVS_CMD_ATTR_DEST)
      .bytes(IPVS_DEST_ATTR_ADDR, addr16("10.9.8.7"))
      .be16(IPVS_DEST_ATTR_PORT, 25)
      .u32(IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ | 0x0100)  // only the fwd bits count
      .u32(IPVS_DEST_ATTR_WEIGHT, 5)
      .u32(IPVS_DEST_ATTR_U_THRESH, 0)
      .u32(IPVS_DEST_ATTR_L_THRESH, 0)
      .u32(IPVS_DEST_ATTR_ACTIVE_CONNS, 11)
      .u32(IPVS_DEST_ATTR_INACT_CONNS, 12)
      .u32(IPVS_DEST_ATTR_PERSIST_CONNS, 13)
      .begin(IPVS_DEST_ATTR_STATS64)
      .u64(IPVS_STATS_ATTR_CONNS, 99)
      .u64(IPVS_STATS_ATTR_PAD, 0)
      .end()
      .end();
  auto d = ipvs_codec::parse_destination(w.done(), core::AddressFamily::kIpv4);  // no ADDR_FAMILY: an old kernel
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->destination.endpoint.to_string(), "10.9.8.7:25");
  EXPECT_EQ(d->destination.forward, ForwardMethod::kNat);
  EXPECT_EQ(d->destination.weight, 5);
  EXPECT_EQ(d->counters.active_connections, 11u);
  EXPECT_EQ(d->counters.inactive_connections, 12u);
  EXPECT_EQ(d->counters.persistent_connections, 13u);
  EXPECT_EQ(d->counters.stats.connections, 99u);

  // A listing without traffic columns skips the stats: the rest is the same.
  auto skipped = ipvs_codec::parse_destination(w.done(), core::AddressFamily::kIpv4, ipvs_codec::TrafficStats::kSkip);
  ASSERT_TRUE(skipped.ok()) << skipped.error().message;
  EXPECT_EQ(skipped->destination.endpoint, d->destination.endpoint);
  EXPECT_EQ(skipped->destination.weight, 5);
  EXPECT_EQ(skipped->counters.active_connections, 11u);
  EXPECT_EQ(skipped->counters.inactive_connections, 12u);
  EXPECT_EQ(skipped->counters.persistent_connections, 13u);
  EXPECT_EQ(skipped->counters.stats.connections, 0u);
}

TEST(IpvsCodec, DumpRequests) {
  EXPECT_EQ(ipvs_codec::dump_services(kHeader), NetlinkWriter(kFamily, kDump, 77, IPVS_CMD_GET_SERVICE).done());
  EXPECT_EQ(ipvs_codec::dump_daemons(kHeader), NetlinkWriter(kFamily, kDump, 77, IPVS_CMD_GET_DAEMON).done());
  Bytes want = NetlinkWriter(kFamily, kDump, 77, IPVS_CMD_GET_DEST)
                   .begin(IPVS_CMD_ATTR_SERVICE)
                   .u16(IPVS_SVC_ATTR_AF, AF_INET)
                   .u16(IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP)
                   .bytes(IPVS_SVC_ATTR_ADDR, addr16("10.0.0.1"))
                   .be16(IPVS_SVC_ATTR_PORT, 80)
                   .end()
                   .done();
  EXPECT_EQ(ipvs_codec::dump_destinations(kHeader, tcp_web().key), want);
}

TEST(IpvsCodec, SimpleCommands) {
  EXPECT_EQ(ipvs_codec::flush(kHeader), NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_FLUSH).done());
  EXPECT_EQ(ipvs_codec::get_info(kHeader), NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_GET_INFO).done());
  EXPECT_EQ(ipvs_codec::get_config(kHeader), NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_GET_CONFIG).done());
  EXPECT_EQ(ipvs_codec::zero(kHeader, std::nullopt), NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_ZERO).done());
  Bytes zero_one = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_ZERO)
                       .begin(IPVS_CMD_ATTR_SERVICE)
                       .u16(IPVS_SVC_ATTR_AF, AF_INET)
                       .u32(IPVS_SVC_ATTR_FWMARK, 1)
                       .end()
                       .done();
  EXPECT_EQ(ipvs_codec::zero(kHeader, ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 1)), zero_one);
}

TEST(IpvsCodec, ConfigTimeoutsRoundTrip) {
  Timeouts t{.tcp_s = 900, .tcp_fin_s = 120, .udp_s = 300};
  Bytes got = ipvs_codec::set_config(kHeader, t);
  Bytes want = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_SET_CONFIG)
                   .u32(IPVS_CMD_ATTR_TIMEOUT_TCP, 900)
                   .u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, 120)
                   .u32(IPVS_CMD_ATTR_TIMEOUT_UDP, 300)
                   .done();
  EXPECT_EQ(got, want);
  auto back = ipvs_codec::parse_config(got);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, t);
}

TEST(IpvsCodec, ParsesInfoReply) {
  Bytes reply = NetlinkWriter(kFamily, 0, 1, IPVS_CMD_SET_INFO)
                    .u32(IPVS_INFO_ATTR_VERSION, 0x010201)
                    .u32(IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096)
                    .done();
  auto info = ipvs_codec::parse_info(reply);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->version, 0x010201u);
  EXPECT_EQ(info->connection_table_size, 4096u);
  EXPECT_FALSE(ipvs_codec::parse_info(NetlinkWriter(kFamily, 0, 1, IPVS_CMD_SET_INFO).done()).ok());
}

TEST(IpvsCodec, DaemonStartAndStop) {
  SyncDaemon d{.role = SyncDaemonRole::kBackup,
               .interface = "eth1",
               .sync_id = 9,
               .max_payload = 1400,
               .group = ip("224.0.0.81"),
               .port = 8848,
               .ttl = 2};
  Bytes got = ipvs_codec::new_daemon(kHeader, d);
  Bytes want = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_NEW_DAEMON)
                   .begin(IPVS_CMD_ATTR_DAEMON)
                   .u32(IPVS_DAEMON_ATTR_STATE, IP_VS_STATE_BACKUP)
                   .str(IPVS_DAEMON_ATTR_MCAST_IFN, "eth1")
                   .u32(IPVS_DAEMON_ATTR_SYNC_ID, 9)
                   .u16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, 1400)
                   .bytes(IPVS_DAEMON_ATTR_MCAST_GROUP, {224, 0, 0, 81})
                   .u16(IPVS_DAEMON_ATTR_MCAST_PORT, 8848)  // host order, unlike service ports
                   .u8(IPVS_DAEMON_ATTR_MCAST_TTL, 2)
                   .end()
                   .done();
  EXPECT_EQ(got, want);
  auto back = ipvs_codec::parse_daemon(got);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->role, SyncDaemonRole::kBackup);
  EXPECT_EQ(back->interface, "eth1");
  EXPECT_EQ(back->sync_id, 9u);
  EXPECT_EQ(back->max_payload, 1400);
  EXPECT_EQ(back->group, ip("224.0.0.81"));
  EXPECT_EQ(back->port, 8848);
  EXPECT_EQ(back->ttl, 2);

  Bytes stop = NetlinkWriter(kFamily, kChange, 77, IPVS_CMD_DEL_DAEMON)
                   .begin(IPVS_CMD_ATTR_DAEMON)
                   .u32(IPVS_DAEMON_ATTR_STATE, IP_VS_STATE_MASTER)
                   .end()
                   .done();
  EXPECT_EQ(ipvs_codec::del_daemon(kHeader, SyncDaemonRole::kMaster), stop);
}

TEST(IpvsCodec, EncodeOperationPicksTheCommand) {
  Operation op{.kind = OperationKind::kSetDestination, .service = tcp_web(), .destination = dr_dest()};
  EXPECT_EQ(ipvs_codec::encode(kHeader, op), ipvs_codec::set_destination(kHeader, tcp_web().key, dr_dest()));
  op.kind = OperationKind::kDelService;
  EXPECT_EQ(ipvs_codec::encode(kHeader, op), ipvs_codec::del_service(kHeader, tcp_web().key));
}

TEST(IpvsCodec, LightOperationsEncodeLikeTheEntriesTheyCameFrom) {
  // An operation keeps settings, not stats: what it sends must still be
  // byte for byte what the full service or destination gives.
  Service service = tcp_web();
  service.persistence_engine = "sip";
  service.stats.connections = 12;
  Destination dest = dr_dest();
  dest.upper_threshold = 50;
  dest.lower_threshold = 5;
  Destination tunnel = dest;
  tunnel.forward = ForwardMethod::kTunnel;
  tunnel.tunnel_type = TunnelType::kGue;
  tunnel.tunnel_port = 6080;
  tunnel.tunnel_flags = kTunnelFlagChecksum;
  IpvsTable desired{.services = {{.service = service, .destinations = {dest}},
                                 {.service = tcp_web(), .destinations = {tunnel}}}};
  desired.services[1].service.key.endpoint.port = 443;
  ReconcilePlan plan = reconcile(desired, IpvsTable{}, OwnershipRecord{});
  ASSERT_EQ(plan.size(), 4u);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const VirtualService& vs = desired.services[i / 2];
    const Operation& op = plan.operations[i];
    if (i % 2 == 0) {
      ASSERT_EQ(op.kind, OperationKind::kNewService);
      EXPECT_EQ(ipvs_codec::encode(kHeader, op), ipvs_codec::new_service(kHeader, vs.service)) << i;
    } else {
      ASSERT_EQ(op.kind, OperationKind::kNewDestination);
      EXPECT_EQ(ipvs_codec::encode(kHeader, op),
                ipvs_codec::new_destination(kHeader, vs.service.key, vs.destinations[0])) << i;
      EXPECT_TRUE(same_settings(op.destination, vs.destinations[0]));
    }
  }
  // Lighter than a full service and destination, or an 11,000-operation
  // plan is twice the memory again.
  EXPECT_LT(sizeof(Operation), sizeof(Service) + sizeof(Destination));
}

TEST(IpvsCodec, SplitsDatagramAndReadsAcks) {
  Bytes a = ipvs_codec::flush(Header{.family_id = kFamily, .sequence = 1});
  // An NLMSG_ERROR carrying -ENOENT for sequence 2.
  Bytes err(NLMSG_HDRLEN + sizeof(nlmsgerr), 0);
  nlmsghdr h{.nlmsg_len = static_cast<std::uint32_t>(err.size()), .nlmsg_type = NLMSG_ERROR, .nlmsg_flags = 0,
             .nlmsg_seq = 2, .nlmsg_pid = 0};
  std::memcpy(err.data(), &h, sizeof h);
  int code = -ENOENT;
  std::memcpy(err.data() + NLMSG_HDRLEN, &code, sizeof code);
  Bytes both = a;
  both.insert(both.end(), err.begin(), err.end());

  auto parts = ipvs_codec::split_messages(both);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  auto first = ipvs_codec::reply_info((*parts)[0]);
  EXPECT_EQ(first->sequence, 1u);
  EXPECT_EQ(first->command, IPVS_CMD_FLUSH);
  auto second = ipvs_codec::reply_info((*parts)[1]);
  EXPECT_EQ(second->type, NLMSG_ERROR);
  EXPECT_EQ(second->sequence, 2u);
  EXPECT_EQ(second->error, ENOENT);

  Bytes truncated(both.begin(), both.end() - 4);
  EXPECT_FALSE(ipvs_codec::split_messages(truncated).ok());
}

TEST(IpvsCodec, RejectsMalformedReplies) {
  EXPECT_FALSE(ipvs_codec::parse_service(Bytes{1, 2, 3}).ok());
  // A service without an address family.
  Bytes no_af = NetlinkWriter(kFamily, 0, 1, IPVS_CMD_NEW_SERVICE)
                    .begin(IPVS_CMD_ATTR_SERVICE)
                    .u32(IPVS_SVC_ATTR_FWMARK, 3)
                    .end()
                    .done();
  EXPECT_FALSE(ipvs_codec::parse_service(no_af).ok());
  // A message that claims more bytes than it has.
  Bytes lying = ipvs_codec::flush(kHeader);
  lying[0] = 200;
  EXPECT_FALSE(ipvs_codec::parse_service(lying).ok());
  // No destination nest.
  EXPECT_FALSE(ipvs_codec::parse_destination(ipvs_codec::flush(kHeader), core::AddressFamily::kIpv4).ok());
}

}  // namespace
}  // namespace lvsd::director
