#include "core/net_address.hpp"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <map>
#include <vector>

namespace lvsd::core {
namespace {

IpAddress ip(const char* text) { return IpAddress::parse(text).value(); }

TEST(IpAddress, ParsesBothFamiliesAndPrintsCanonically) {
  EXPECT_EQ(ip("10.0.0.1").family(), AddressFamily::kIpv4);
  EXPECT_EQ(ip("10.0.0.1").to_string(), "10.0.0.1");
  EXPECT_EQ(ip("10.0.0.1").size(), 4u);
  EXPECT_EQ(ip("2001:DB8:0:0:0:0:0:1").family(), AddressFamily::kIpv6);
  EXPECT_EQ(ip("2001:DB8:0:0:0:0:0:1").to_string(), "2001:db8::1");
  EXPECT_EQ(ip("::ffff:10.0.0.1").to_string(), "::ffff:10.0.0.1");
  EXPECT_EQ(ip("fe80::1").size(), 16u);
  EXPECT_EQ(IpAddress{}.to_string(), "0.0.0.0");
}

// IPv4 is printed without inet_ntop: every octet value, in every position,
// as inet_ntop prints it.
TEST(IpAddress, PrintsIpv4AsInetNtopDoes) {
  for (unsigned v = 0; v < 256; ++v) {
    for (std::size_t pos = 0; pos < 4; ++pos) {
      std::array<std::uint8_t, 4> octets{1, 22, 203, 0};
      octets[pos] = static_cast<std::uint8_t>(v);
      char expected[INET_ADDRSTRLEN] = {};
      ASSERT_NE(inet_ntop(AF_INET, octets.data(), expected, sizeof expected), nullptr);
      EXPECT_EQ(IpAddress::v4(octets).to_string(), expected);
    }
  }
  EXPECT_EQ(ip("255.255.255.255").to_string(), "255.255.255.255");
}

TEST(IpAddress, RefusesAnythingButAnAddress) {
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "10.0.0.1/24", "host", "::1%eth0", "1:2:3:4:5:6:7:8:9",
                          " 10.0.0.1", "10.0.0.1 "}) {
    EXPECT_FALSE(IpAddress::parse(bad).has_value()) << bad;
  }
  EXPECT_FALSE(IpAddress::parse(std::string(100, '1')).has_value());
}

TEST(IpAddress, BytesAreInNetworkOrder) {
  const auto a = ip("10.1.2.3");
  EXPECT_EQ(std::vector<std::uint8_t>(a.bytes().begin(), a.bytes().end()), (std::vector<std::uint8_t>{10, 1, 2, 3}));
  EXPECT_EQ(IpAddress::v4({10, 1, 2, 3}), a);
  EXPECT_EQ(IpAddress::from_bytes(AddressFamily::kIpv4, a.bytes()), a);
  std::array<std::uint8_t, 16> six{0x20, 0x01, 0x0d, 0xb8};
  six[15] = 1;
  EXPECT_EQ(IpAddress::v6(six), ip("2001:db8::1"));
  EXPECT_EQ(IpAddress::from_bytes(AddressFamily::kIpv6, six), ip("2001:db8::1"));
  // Extra bytes (an IPv4 address in a 16-byte netlink attribute) are ignored.
  EXPECT_EQ(IpAddress::from_bytes(AddressFamily::kIpv4, six), ip("32.1.13.184"));
}

TEST(IpAddress, AnyAndFamilies) {
  EXPECT_EQ(IpAddress::any(AddressFamily::kIpv4).to_string(), "0.0.0.0");
  EXPECT_EQ(IpAddress::any(AddressFamily::kIpv6).to_string(), "::");
  EXPECT_EQ(ip("10.0.0.1").max_prefix_len(), 32);
  EXPECT_EQ(ip("::1").max_prefix_len(), 128);
  EXPECT_EQ(to_string(AddressFamily::kIpv4), "IPv4");
  EXPECT_EQ(to_string(AddressFamily::kIpv6), "IPv6");
  EXPECT_EQ(af_number(AddressFamily::kIpv4), AF_INET);
  EXPECT_EQ(af_number(AddressFamily::kIpv6), AF_INET6);
  EXPECT_EQ(family_of_af(AF_INET), AddressFamily::kIpv4);
  EXPECT_EQ(family_of_af(AF_INET6), AddressFamily::kIpv6);
  EXPECT_FALSE(family_of_af(AF_UNIX).has_value());
}

TEST(IpAddress, LoopbackAndLinkLocal) {
  EXPECT_TRUE(ip("127.0.0.1").is_loopback());
  EXPECT_TRUE(ip("::1").is_loopback());
  EXPECT_FALSE(ip("10.0.0.1").is_loopback());
  EXPECT_FALSE(ip("::2").is_loopback());
  EXPECT_TRUE(ip("fe80::1").is_ipv6_link_local());
  EXPECT_TRUE(ip("febf::1").is_ipv6_link_local());
  EXPECT_FALSE(ip("fec0::1").is_ipv6_link_local());
  EXPECT_FALSE(ip("254.128.0.1").is_ipv6_link_local());
}

// RFC 5798 6.4.3 compares primary addresses as unsigned integers; IPv4 sorts first.
TEST(IpAddress, OrdersIpv4FirstThenAsUnsignedBigEndian) {
  EXPECT_LT(ip("10.0.0.2"), ip("10.0.0.10"));
  EXPECT_LT(ip("9.255.255.255"), ip("10.0.0.0"));
  EXPECT_LT(ip("127.0.0.1"), ip("128.0.0.1"));  // unsigned: no sign bit
  EXPECT_LT(ip("255.255.255.255"), ip("::"));
  EXPECT_LT(ip("fe80::1"), ip("fe80::2"));
  EXPECT_EQ(ip("2001:db8::1"), ip("2001:db8:0::1"));
  std::map<IpAddress, int> m{{ip("::1"), 1}, {ip("10.0.0.1"), 2}};
  EXPECT_EQ(m.begin()->first, ip("10.0.0.1"));
}

TEST(Endpoint, BracketsIpv6) {
  EXPECT_EQ((Endpoint{ip("10.0.0.1"), 80}).to_string(), "10.0.0.1:80");
  EXPECT_EQ((Endpoint{ip("2001:db8::1"), 443}).to_string(), "[2001:db8::1]:443");
}

TEST(Endpoint, ParsesWhatItPrints) {
  for (const char* text : {"10.0.0.1:80", "[2001:db8::1]:443", "0.0.0.0:0", "[::]:65535", "[fe80::1]:1"}) {
    auto e = Endpoint::parse(text);
    ASSERT_TRUE(e.ok()) << text << ": " << e.error().message;
    EXPECT_EQ(e->to_string(), text);
  }
  auto e = Endpoint::parse("[2001:db8:0::1]:8080");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->address, ip("2001:db8::1"));
  EXPECT_EQ(e->port, 8080);
  EXPECT_EQ(e->family(), AddressFamily::kIpv6);
}

TEST(Endpoint, RefusesWhatItWouldNotPrint) {
  auto message = [](std::string_view text, std::uint16_t min_port = 0) {
    return Endpoint::parse(text, min_port).error().message;
  };
  EXPECT_EQ(message("10.0.0.1"), "missing :PORT in '10.0.0.1'");
  EXPECT_EQ(message("[2001:db8::1"), "missing ']' in '[2001:db8::1'");
  EXPECT_EQ(message("[2001:db8::1]"), "missing :PORT after ']' in '[2001:db8::1]'");
  EXPECT_EQ(message("[2001:db8::1]80"), "missing :PORT after ']' in '[2001:db8::1]80'");
  EXPECT_EQ(message("host:80"), "'host' is not an IP address in 'host:80'");
  EXPECT_EQ(message("2001:db8::1:80"), "an IPv6 address needs brackets, as [2001:db8::1]:PORT in '2001:db8::1:80'");
  EXPECT_EQ(message("[10.0.0.1]:80"), "an IPv4 address takes no brackets in '[10.0.0.1]:80'");
  EXPECT_EQ(message("10.0.0.1:65536"), "bad port '65536' in '10.0.0.1:65536': allowed 0-65535");
  EXPECT_EQ(message("10.0.0.1:0", 1), "bad port '0' in '10.0.0.1:0': allowed 1-65535");
  for (const char* bad : {"", ":80", "10.0.0.1:", "10.0.0.1:+80", "10.0.0.1:-1", "10.0.0.1:8 ", "10.0.0.1:0x50", "[]:80"}) {
    EXPECT_FALSE(Endpoint::parse(bad).ok()) << bad;
  }
}

TEST(Endpoint, OrdersByAddressThenPort) {
  EXPECT_LT((Endpoint{ip("10.0.0.1"), 443}), (Endpoint{ip("10.0.0.2"), 80}));
  EXPECT_LT((Endpoint{ip("10.0.0.1"), 80}), (Endpoint{ip("10.0.0.1"), 443}));
  EXPECT_LT((Endpoint{ip("255.255.255.255"), 80}), (Endpoint{ip("::"), 1}));
}

TEST(IpPrefix, ParsesWithAndWithoutALength) {
  auto p = IpPrefix::parse("192.168.1.10/24");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->address, ip("192.168.1.10"));
  EXPECT_EQ(p->length, 24);
  EXPECT_EQ(p->to_string(), "192.168.1.10/24");
  EXPECT_EQ(IpPrefix::parse("10.0.0.1")->length, 32);
  EXPECT_EQ(IpPrefix::parse("fd00::10")->length, 128);
  EXPECT_EQ(IpPrefix::parse("fd00::10/64")->to_string(), "fd00::10/64");
  EXPECT_EQ(IpPrefix::parse("0.0.0.0/0")->length, 0);
}

TEST(IpPrefix, RefusesBadAddressesAndLengths) {
  EXPECT_EQ(IpPrefix::parse("10.0.0.1/33").error().message, "prefix '33' is not valid for an IPv4 address: allowed 0-32");
  EXPECT_EQ(IpPrefix::parse("fd00::1/129").error().message,
            "prefix '129' is not valid for an IPv6 address: allowed 0-128");
  EXPECT_EQ(IpPrefix::parse("host/24").error().message, "'host' is not an IP address");
  for (const char* bad : {"10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/+8", "10.0.0.1/8x", "10.0.0.1/ 8", "/8", ""}) {
    EXPECT_FALSE(IpPrefix::parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace lvsd::core
