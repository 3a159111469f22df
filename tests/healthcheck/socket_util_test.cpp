#include "healthcheck/socket_util.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cerrno>

namespace lvsd::healthcheck {
namespace {

TEST(SocketAddress, ParsesIpv4WithThePortInNetworkOrder) {
  auto a = parse_socket_address("10.1.2.3", 8080);
  ASSERT_TRUE(a.ok()) << a.error().message;
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&a->storage);
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(a->length, sizeof(sockaddr_in));
  EXPECT_EQ(ntohs(sin->sin_port), 8080);
  EXPECT_EQ(reinterpret_cast<const unsigned char*>(&sin->sin_port)[0], 0x1f);  // 8080 = 0x1f90, big-endian
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0x0a010203u);
}

TEST(SocketAddress, ParsesIpv6) {
  auto a = parse_socket_address("fd00::1", 443);
  ASSERT_TRUE(a.ok()) << a.error().message;
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&a->storage);
  EXPECT_EQ(sin6->sin6_family, AF_INET6);
  EXPECT_EQ(a->length, sizeof(sockaddr_in6));
  EXPECT_EQ(ntohs(sin6->sin6_port), 443);
  EXPECT_EQ(sin6->sin6_addr.s6_addr[0], 0xfd);
  EXPECT_EQ(sin6->sin6_addr.s6_addr[15], 0x01);
}

TEST(SocketAddress, RejectsNamesAndGarbage) {
  for (const char* bad : {"example.com", "", "10.0.0", "10.0.0.256", "[fd00::1]"}) {
    auto a = parse_socket_address(bad, 80);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.error().message, std::string("not an IP address: '") + bad + "'");
  }
}

TEST(SocketAddress, ConnectFailureReasons) {
  EXPECT_EQ(connect_failure_reason(ECONNREFUSED), "connection refused");
  EXPECT_EQ(connect_failure_reason(EHOSTUNREACH), "connect: No route to host");
}

TEST(SocketAddress, ConnectErrorsThatAFirstSendReports) {
  for (int err : {ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT, EHOSTDOWN}) EXPECT_TRUE(is_connect_error(err)) << err;
  // A reset or a closed pipe after connecting is a send failure, not a connect failure.
  for (int err : {ECONNRESET, EPIPE, EAGAIN, 0}) EXPECT_FALSE(is_connect_error(err)) << err;
}

}  // namespace
// keepalived's connection options: none asked, none held; PING_CHECK's
// socket has no port; a bad bindto is the probe's reason.
TEST(SourceOptions, OnlyWhatTheSpecAsksForAndNoPortForPing) {
  CheckSpec spec{.kind = CheckKind::kTcp, .address = "10.0.0.1", .port = 80};
  auto none = source_options(spec);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->get(), nullptr);
  spec.bind_address = "10.0.0.9";
  spec.bind_port = 40000;
  spec.bind_interface = "eth1";
  spec.fwmark = 7;
  auto some = source_options(spec);
  ASSERT_TRUE(some.ok());
  ASSERT_NE(some->get(), nullptr);
  ASSERT_TRUE((*some)->bind);
  EXPECT_EQ(ntohs((*some)->bind->storage.v4.sin_port), 40000);
  EXPECT_EQ((*some)->interface, "eth1");
  EXPECT_EQ((*some)->fwmark, 7u);
  auto ping = source_options(spec, /*with_port=*/false);
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ntohs((*ping)->bind->storage.v4.sin_port), 0);
  spec.bind_address = "lb.example";
  auto bad = source_options(spec);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "bindto: not an IP address: 'lb.example'");
  // A mark alone (no address) binds nothing.
  auto mark = source_options(CheckSpec{.kind = CheckKind::kTcp, .fwmark = 3});
  ASSERT_TRUE(mark.ok() && *mark);
  EXPECT_FALSE((*mark)->bind);
}

}  // namespace lvsd::healthcheck
