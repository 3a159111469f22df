// unit: the gratuitous ARP frame, byte by byte.
#include "vrrp/garp.hpp"
#include "vrrp/neighbour_advert.hpp"

#include <gtest/gtest.h>

namespace lvsd::vrrp {
namespace {

TEST(GratuitousArp, FrameLayout) {
  const MacAddress mac{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  const auto f = build_gratuitous_arp(mac, core::IpAddress::parse("10.0.0.100").value());
  const std::vector<std::uint8_t> expected = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // broadcast
      0x02, 0x11, 0x22, 0x33, 0x44, 0x55,  // our MAC
      0x08, 0x06,                          // ARP
      0x00, 0x01, 0x08, 0x00, 6, 4,        // Ethernet / IPv4
      0x00, 0x01,                          // request
      0x02, 0x11, 0x22, 0x33, 0x44, 0x55,  // sender MAC
      10, 0, 0, 100,                       // sender IP = VIP
      0, 0, 0, 0, 0, 0,                    // target MAC unknown
      10, 0, 0, 100,                       // target IP = VIP
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // padding to 60
  EXPECT_EQ(f, expected);
}

TEST(UnsolicitedNeighbourAdvert, MessageLayout) {
  const MacAddress mac{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  const auto vip = core::IpAddress::parse("2001:db8::100").value();
  const auto m = build_unsolicited_na(mac, vip, /*router=*/false);
  ASSERT_EQ(m.size(), 32u);
  EXPECT_EQ(m[0], 136);   // Neighbor Advertisement (RFC 4861 4.4)
  EXPECT_EQ(m[1], 0);     // code
  EXPECT_EQ(m[4], 0x20);  // O only: unsolicited (no S), not a router
  EXPECT_EQ(std::vector<std::uint8_t>(m.begin() + 8, m.begin() + 24),
            std::vector<std::uint8_t>(vip.bytes().begin(), vip.bytes().end()));
  EXPECT_EQ(m[24], 2);    // Target Link-Layer Address option
  EXPECT_EQ(m[25], 1);    // 8 octets
  EXPECT_EQ(std::vector<std::uint8_t>(m.begin() + 26, m.end()), std::vector<std::uint8_t>(mac.begin(), mac.end()));
  EXPECT_EQ(build_unsolicited_na(mac, vip, /*router=*/true)[4], 0xa0);  // R and O
}

}  // namespace
}  // namespace lvsd::vrrp
