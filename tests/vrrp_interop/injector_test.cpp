// unit: every packet the injector crafts is dropped by our decoder for
// exactly the reason it claims (and the unmodified advert is accepted), for
// a VRRPv2 PASS router and a VRRPv3 router; the IPv4 header is well formed.
#include <gtest/gtest.h>

#include <variant>

#include "tests/vrrp_interop/injector.hpp"
#include "vrrp/checksum.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

ValidAdvert valid_advert(vrrp::Version version) {
  vrrp::Advert advert{.version = version,
                      .vrid = 51,
                      .priority = 100,
                      .advert_interval = vrrp::Centiseconds{100},
                      .addresses = {ip("10.0.0.100")}};
  if (version == vrrp::Version::kV2) {
    advert.auth_type = vrrp::AuthType::kSimplePassword;
    advert.auth_data = vrrp::password_auth_data("secret");
  }
  return {.advert = advert, .source = ip("10.0.0.9"), .destination = ip("224.0.0.18")};
}

vrrp::LocalExpectations router(vrrp::Version version) {
  const bool v2 = version == vrrp::Version::kV2;
  return {.version = version,
          .family = core::AddressFamily::kIpv4,
          .vrid = 51,
          .auth_type = v2 ? vrrp::AuthType::kSimplePassword : vrrp::AuthType::kNone,
          .auth_data = v2 ? vrrp::password_auth_data("secret") : vrrp::AuthData{},
          .advert_interval = vrrp::Centiseconds{100},
          .vips = {ip("10.0.0.100")},
          .own_addresses = {ip("10.0.0.1")}};
}

vrrp::DecodeResult receive(const CraftedPacket& p, vrrp::Version version) {
  const vrrp::ReceivedMeta meta{.source = p.source, .destination = p.destination, .ttl = p.ttl};
  return vrrp::decode(p.payload, meta, router(version));
}

void expect_reasons(vrrp::Version version) {
  const ValidAdvert valid = valid_advert(version);
  EXPECT_TRUE(std::holds_alternative<vrrp::ReceivedAdvert>(receive(craft_valid(valid), version)));
  int dropped = 0;
  for (int k = 0; k < static_cast<int>(BadAdvert::kCount); ++k) {
    const CraftedPacket p = craft(static_cast<BadAdvert>(k), valid);
    ASSERT_FALSE(p.payload.empty()) << p.name;
    const auto result = receive(p, version);
    if (p.expected == vrrp::DropReason::kCount) {
      EXPECT_TRUE(std::holds_alternative<vrrp::ReceivedAdvert>(result)) << p.name << " should be accepted";
      continue;
    }
    const auto* drop = std::get_if<vrrp::Drop>(&result);
    ASSERT_NE(drop, nullptr) << p.name << " was accepted";
    EXPECT_EQ(drop->reason, p.expected) << p.name << ": " << vrrp::to_string(drop->reason) << " (" << drop->detail
                                        << ")";
    ++dropped;
  }
  EXPECT_GE(dropped, version == vrrp::Version::kV2 ? 13 : 10);
}

TEST(Injector, EveryV2CraftIsDroppedForItsReason) { expect_reasons(vrrp::Version::kV2); }
TEST(Injector, EveryV3CraftIsDroppedForItsReason) { expect_reasons(vrrp::Version::kV3); }

TEST(Injector, Ipv4HeaderCarriesTtlProtocolAddressesAndAValidChecksum) {
  const CraftedPacket p = craft(BadAdvert::kWrongTtl, valid_advert(vrrp::Version::kV2));
  const auto d = ipv4_datagram(p);
  ASSERT_EQ(d.size(), 20 + p.payload.size());
  EXPECT_EQ(d[0], 0x45);
  EXPECT_EQ(d[2] << 8 | d[3], static_cast<int>(d.size()));
  EXPECT_EQ(d[8], 64);
  EXPECT_EQ(d[9], vrrp::kVrrpIpProtocol);
  EXPECT_EQ(std::vector<std::uint8_t>(d.begin() + 12, d.begin() + 16), (std::vector<std::uint8_t>{10, 0, 0, 9}));
  EXPECT_EQ(std::vector<std::uint8_t>(d.begin() + 16, d.begin() + 20), (std::vector<std::uint8_t>{224, 0, 0, 18}));
  EXPECT_EQ(vrrp::internet_checksum(std::span<const std::uint8_t>(d.data(), 20)), 0);
  EXPECT_TRUE(std::equal(p.payload.begin(), p.payload.end(), d.begin() + 20));
}

}  // namespace
}  // namespace lvsd::interop
