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
}  // namespace lvsd::healthcheck
