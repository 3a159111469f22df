#include "vrrp/packet.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <set>

#include "vrrp/checksum.hpp"

namespace lvsd::vrrp {
namespace {

using Bytes = std::vector<std::uint8_t>;
}  // namespace

// Readable failure messages.
void PrintTo(const Advert& a, std::ostream* os) {
  *os << "Advert{v" << static_cast<int>(a.version) << " vrid " << int{a.vrid} << " prio " << int{a.priority}
      << " int " << a.advert_interval.count() << "cs auth " << static_cast<int>(a.auth_type) << " [";
  for (const auto& x : a.addresses) *os << x.to_string() << " ";
  *os << "]}";
}

namespace {

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

// ---- Known-good vectors. Checksums computed by hand (16-bit one's complement
// sums written out below), then cross-checked with an independent script.

// VRRPv2, VRID 51, priority 100, 1 address 10.0.0.100, PASS "secret", 1 s.
// Words: 2133+6401+0101+0a00+0064+7365+6372+6574+0000 = 1CCE4 -> CCE5 -> ~ = 331A.
const Bytes kV2Pass = {0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x33, 0x1a, 0x0a, 0x00,
                       0x00, 0x64, 's',  'e',  'c',  'r',  'e',  't',  0x00, 0x00};

// VRRPv3 over IPv4 from 10.0.0.1 to 224.0.0.18, VRID 1, priority 100,
// Max Adver Int 100 cs, 1 address 10.0.0.100.
// Pseudo-header (RFC 5798 5.2.8): 0a00+0001+e000+0012+0070+000c = EA8F.
// Message: 3101+6401+0064+0a00+0064 = 9FCA. EA8F+9FCA = 18A59 -> 8A5A -> ~ = 75A5.
const Bytes kV3Ipv4 = {0x31, 0x01, 0x64, 0x01, 0x00, 0x64, 0x75, 0xa5, 0x0a, 0x00, 0x00, 0x64};

// VRRPv3 over IPv6 from fe80::1 to ff02::12, VRID 1, priority 100, 100 cs,
// 1 address 2001:db8::100. Pseudo-header (RFC 2460 8.1):
// fe80+0001+ff02+0012+(length 0000,0018)+(next header 0070) = 1FE1D.
// Message: 3101+6401+0064+2001+0db8+0100 = C41F. Sum 2C23C -> C23E -> ~ = 3DC1.
const Bytes kV3Ipv6 = {0x31, 0x01, 0x64, 0x01, 0x00, 0x64, 0x3d, 0xc1, 0x20, 0x01, 0x0d, 0xb8,
                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};

Advert v2_pass_advert() {
  return Advert{.version = Version::kV2,
                .vrid = 51,
                .priority = 100,
                .advert_interval = Centiseconds{100},
                .addresses = {ip("10.0.0.100")},
                .auth_type = AuthType::kSimplePassword,
                .auth_data = password_auth_data("secret")};
}

Advert v3_advert(std::vector<core::IpAddress> addresses) {
  return Advert{.version = Version::kV3,
                .vrid = 1,
                .priority = 100,
                .advert_interval = Centiseconds{100},
                .addresses = std::move(addresses)};
}

ReceivedMeta meta4() {
  return ReceivedMeta{.source = ip("10.0.0.1"), .destination = ip("224.0.0.18"), .ttl = 255, .ifindex = 2};
}
ReceivedMeta meta6() {
  return ReceivedMeta{.source = ip("fe80::1"), .destination = ip("ff02::12"), .ttl = 255, .ifindex = 2};
}

LocalExpectations local_v2() {
  return LocalExpectations{.version = Version::kV2,
                           .family = core::AddressFamily::kIpv4,
                           .vrid = 51,
                           .auth_type = AuthType::kSimplePassword,
                           .auth_data = password_auth_data("secret"),
                           .advert_interval = Centiseconds{100},
                           .vips = {ip("10.0.0.100")},
                           .own_addresses = {ip("10.0.0.2")}};
}
LocalExpectations local_v3() {
  return LocalExpectations{.version = Version::kV3,
                           .family = core::AddressFamily::kIpv4,
                           .vrid = 1,
                           .advert_interval = Centiseconds{100},
                           .vips = {ip("10.0.0.100")},
                           .own_addresses = {ip("10.0.0.2")}};
}
LocalExpectations local_v3_ipv6() {
  auto l = local_v3();
  l.family = core::AddressFamily::kIpv6;
  l.vips = {ip("2001:db8::100")};
  l.own_addresses = {ip("fe80::2")};
  return l;
}

// Recomputes the checksum after a test edited the bytes.
void fix_checksum(Bytes& b, Version v, const ReceivedMeta& m) {
  b[6] = b[7] = 0;
  const auto sum = vrrp_checksum(v, b, m.source, m.destination);
  b[6] = static_cast<std::uint8_t>(sum >> 8);
  b[7] = static_cast<std::uint8_t>(sum & 0xff);
}

Bytes encoded(const Advert& a, const ReceivedMeta& m) { return encode(a, m.source, m.destination).value(); }

// Returns a copy: the DecodeResult is usually a temporary.
ReceivedAdvert accepted(const DecodeResult& r) {
  if (const auto* d = std::get_if<Drop>(&r)) {
    ADD_FAILURE() << "dropped: " << to_string(d->reason) << " (" << d->detail << ")";
    return {};
  }
  return std::get<ReceivedAdvert>(r);
}

DropReason reason(const DecodeResult& r) {
  if (!std::holds_alternative<Drop>(r)) {
    ADD_FAILURE() << "accepted, expected a drop";
    return DropReason::kCount;
  }
  return std::get<Drop>(r).reason;
}

TEST(InternetChecksum, Rfc1071Example) {
  // RFC 1071 section 3 example: 0001 f203 f4f5 f6f7 sums to ddf2 (complement 220d).
  const Bytes b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(b), 0x220d);
}

TEST(InternetChecksum, OddLengthPadsWithZero) {
  EXPECT_EQ(internet_checksum(Bytes{0x12}), static_cast<std::uint16_t>(~0x1200));
  EXPECT_EQ(internet_checksum(Bytes{0x12, 0x34, 0x56}), static_cast<std::uint16_t>(~(0x1234 + 0x5600)));
}

TEST(IpAddressTest, ParseFormatAndOrder) {
  EXPECT_EQ(ip("10.0.0.1").to_string(), "10.0.0.1");
  EXPECT_EQ(ip("2001:db8::1").to_string(), "2001:db8::1");
  EXPECT_EQ(ip("10.0.0.1").family(), core::AddressFamily::kIpv4);
  EXPECT_EQ(ip("::1").family(), core::AddressFamily::kIpv6);
  EXPECT_FALSE(core::IpAddress::parse("10.0.0.256").has_value());
  EXPECT_FALSE(core::IpAddress::parse("").has_value());
  // Unsigned big-endian order, not string order.
  EXPECT_LT(ip("10.0.0.9"), ip("10.0.0.10"));
  EXPECT_LT(ip("9.255.255.255"), ip("10.0.0.0"));
  EXPECT_LT(ip("fe80::9"), ip("fe80::10"));
}

TEST(PacketEncode, V2PassKnownBytes) {
  EXPECT_EQ(encoded(v2_pass_advert(), meta4()), kV2Pass);
}

TEST(PacketEncode, V3Ipv4KnownBytes) {
  EXPECT_EQ(encoded(v3_advert({ip("10.0.0.100")}), meta4()), kV3Ipv4);
}

TEST(PacketEncode, V3Ipv6KnownBytes) {
  EXPECT_EQ(encoded(v3_advert({ip("2001:db8::100")}), meta6()), kV3Ipv6);
}

TEST(PacketEncode, V2ChecksumIgnoresIpAddresses) {
  // RFC 3768 5.3.8: no pseudo-header in v2.
  EXPECT_EQ(encode(v2_pass_advert(), ip("10.9.9.9"), ip("10.8.8.8")).value(), kV2Pass);
}

TEST(PacketEncode, V3MaxAdverIntUses12Bits) {
  auto a = v3_advert({ip("10.0.0.100")});
  a.advert_interval = Centiseconds{4095};
  const auto b = encoded(a, meta4());
  EXPECT_EQ(b[4], 0x0f);
  EXPECT_EQ(b[5], 0xff);
}

TEST(PacketEncode, Rejects) {
  auto v2_over_v6 = v2_pass_advert();
  v2_over_v6.addresses = {ip("2001:db8::1")};
  EXPECT_FALSE(encode(v2_over_v6, ip("fe80::1"), ip("ff02::12")).ok());

  EXPECT_FALSE(encode(v3_advert({}), ip("10.0.0.1"), ip("224.0.0.18")).ok());
  EXPECT_FALSE(encode(v3_advert(std::vector<core::IpAddress>(256, ip("10.0.0.1"))), ip("10.0.0.1"),
                      ip("224.0.0.18")).ok());
  EXPECT_TRUE(encode(v3_advert(std::vector<core::IpAddress>(255, ip("10.0.0.1"))), ip("10.0.0.1"),
                     ip("224.0.0.18")).ok());
  EXPECT_FALSE(encode(v3_advert({ip("10.0.0.100"), ip("2001:db8::1")}), ip("10.0.0.1"),
                      ip("224.0.0.18")).ok());
  EXPECT_FALSE(encode(v3_advert({ip("10.0.0.100")}), ip("10.0.0.1"), ip("ff02::12")).ok());

  auto a = v2_pass_advert();
  a.advert_interval = Centiseconds{150};  // v2 carries whole seconds
  EXPECT_FALSE(encode(a, ip("10.0.0.1"), ip("224.0.0.18")).ok());
  a.advert_interval = Centiseconds{25600};
  EXPECT_FALSE(encode(a, ip("10.0.0.1"), ip("224.0.0.18")).ok());
  a.advert_interval = Centiseconds{25500};
  EXPECT_TRUE(encode(a, ip("10.0.0.1"), ip("224.0.0.18")).ok());

  auto b = v3_advert({ip("10.0.0.100")});
  b.advert_interval = Centiseconds{4096};
  EXPECT_FALSE(encode(b, ip("10.0.0.1"), ip("224.0.0.18")).ok());
  b.advert_interval = Centiseconds{0};
  EXPECT_FALSE(encode(b, ip("10.0.0.1"), ip("224.0.0.18")).ok());
}

TEST(PasswordAuthData, TruncatesAndPads) {
  EXPECT_EQ(password_auth_data("ab"), (AuthData{'a', 'b', 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(password_auth_data("0123456789"), (AuthData{'0', '1', '2', '3', '4', '5', '6', '7'}));
}

TEST(PacketDecode, V2PassKnownBytes) {
  const auto rx = accepted(decode(kV2Pass, meta4(), local_v2()));
  EXPECT_EQ(rx.advert, v2_pass_advert());
  EXPECT_EQ(rx.source, ip("10.0.0.1"));
  EXPECT_FALSE(rx.addresses_differ);
  EXPECT_FALSE(rx.interval_differs);
}

TEST(PacketDecode, V3Ipv4KnownBytes) {
  const auto rx = accepted(decode(kV3Ipv4, meta4(), local_v3()));
  EXPECT_EQ(rx.advert, v3_advert({ip("10.0.0.100")}));
}

TEST(PacketDecode, V3Ipv6KnownBytes) {
  const auto rx = accepted(decode(kV3Ipv6, meta6(), local_v3_ipv6()));
  EXPECT_EQ(rx.advert, v3_advert({ip("2001:db8::100")}));
}

TEST(PacketRoundTrip, V3ManyAddressesBothFamilies) {
  std::vector<core::IpAddress> v4, v6;
  for (std::uint8_t i = 1; i <= 20; ++i) {
    v4.push_back(core::IpAddress::v4({192, 168, 1, i}));
    std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
    b[15] = i;
    v6.push_back(core::IpAddress::v6(b));
  }
  for (const bool six : {false, true}) {
    auto a = v3_advert(six ? v6 : v4);
    a.vrid = 255;
    a.priority = 254;
    a.advert_interval = Centiseconds{3};
    auto local = six ? local_v3_ipv6() : local_v3();
    local.vrid = 255;
    local.vips = a.addresses;
    const auto m = six ? meta6() : meta4();
    const auto rx = accepted(decode(encoded(a, m), m, local));
    EXPECT_EQ(rx.advert, a);
    EXPECT_FALSE(rx.addresses_differ);
    EXPECT_TRUE(rx.interval_differs);
  }
}

TEST(PacketRoundTrip, V2WithoutAuthKeepsAuthBytesAsSent) {
  auto a = v2_pass_advert();
  a.auth_type = AuthType::kNone;
  a.auth_data = password_auth_data("junk");  // RFC 3768 5.3.10: ignored on reception
  auto local = local_v2();
  local.auth_type = AuthType::kNone;
  local.auth_data = {};
  const auto rx = accepted(decode(encoded(a, meta4()), meta4(), local));
  EXPECT_EQ(rx.advert, a);
}

TEST(PacketDecode, V3IgnoresReservedBits) {
  Bytes b = kV3Ipv4;
  b[4] |= 0xf0;  // RFC 5798 5.2.5
  fix_checksum(b, Version::kV3, meta4());
  const auto rx = accepted(decode(b, meta4(), local_v3()));
  EXPECT_EQ(rx.advert.advert_interval, Centiseconds{100});
}

TEST(PacketDecode, AddressOrderDoesNotMatter) {
  auto local = local_v3();
  local.vips = {ip("10.0.0.101"), ip("10.0.0.100")};
  const auto rx = accepted(decode(encoded(v3_advert({ip("10.0.0.100"), ip("10.0.0.101")}), meta4()),
                                   meta4(), local));
  EXPECT_FALSE(rx.addresses_differ);
}

// ---- Every drop reason.

TEST(MulticastGroup, Rfc5798Addresses) {
  EXPECT_EQ(vrrp_multicast_group(core::AddressFamily::kIpv4), ip("224.0.0.18"));
  EXPECT_EQ(vrrp_multicast_group(core::AddressFamily::kIpv6), ip("ff02::12"));
}

TEST(PacketDrop, WrongTtlOnMulticast) {
  auto m = meta4();
  m.ttl = 254;
  EXPECT_EQ(reason(decode(kV3Ipv4, m, local_v3())), DropReason::kWrongTtl);
  m.ttl = 64;
  EXPECT_EQ(reason(decode(kV2Pass, m, local_v2())), DropReason::kWrongTtl);
  auto m6 = meta6();
  m6.ttl = 1;  // hop limit
  EXPECT_EQ(reason(decode(kV3Ipv6, m6, local_v3_ipv6())), DropReason::kWrongTtl);
}

// ---- Where an advert was sent, and its TTL (issue #17: a routed advert to
// the master's own address, TTL 63, priority 200, made it step down).

// A peer's advert sent straight to us (unicast_peer mode), `ttl` on arrival.
ReceivedMeta unicast_meta4(int ttl) {
  return ReceivedMeta{.source = ip("10.0.0.1"), .destination = ip("10.0.0.2"), .ttl = ttl, .ifindex = 2};
}
LocalExpectations unicast_local(LocalExpectations l) {
  l.unicast_peers = {ip("10.0.0.1")};
  return l;
}

TEST(PacketDrop, MulticastInstanceDropsAdvertsNotSentToTheGroup) {
  for (const int ttl : {255, 63}) {
    auto m = meta4();
    m.destination = ip("10.0.0.2");  // our own address, as a routed attacker would send it
    m.ttl = ttl;
    auto v3 = v3_advert({ip("10.0.0.100")});
    v3.priority = 200;
    EXPECT_EQ(reason(decode(encoded(v3, m), m, local_v3())), DropReason::kWrongDestination) << "TTL " << ttl;
    auto v2 = v2_pass_advert();
    v2.priority = 200;
    EXPECT_EQ(reason(decode(encoded(v2, m), m, local_v2())), DropReason::kWrongDestination) << "TTL " << ttl;
    auto m6 = meta6();
    m6.destination = ip("fe80::2");
    m6.ttl = ttl;
    EXPECT_EQ(reason(decode(encoded(v3_advert({ip("2001:db8::100")}), m6), m6, local_v3_ipv6())),
              DropReason::kWrongDestination)
        << "hop limit " << ttl;
  }
  // Another group is not the VRRP group either.
  auto m = meta4();
  m.destination = ip("224.0.0.19");
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("10.0.0.100")}), m), m, local_v3())),
            DropReason::kWrongDestination);
}

// vrrp_mcast_group4/6: an instance on another group hears only that group.
TEST(PacketDrop, ConfiguredMulticastGroupReplacesTheRfcGroup) {
  auto local = local_v3();
  local.multicast_group = ip("224.0.0.19");
  auto m = meta4();
  m.destination = ip("224.0.0.19");
  EXPECT_TRUE(std::holds_alternative<ReceivedAdvert>(decode(encoded(v3_advert({ip("10.0.0.100")}), m), m, local)));
  auto rfc = meta4();  // 224.0.0.18
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("10.0.0.100")}), rfc), rfc, local)), DropReason::kWrongDestination);
}

TEST(PacketDrop, MulticastTtlIsCheckedEvenWithTheUnicastCheckOff) {
  auto m = meta4();
  m.ttl = 63;
  auto local = local_v3();
  local.check_unicast_ttl = false;  // means nothing without unicast peers
  EXPECT_EQ(reason(decode(kV3Ipv4, m, local)), DropReason::kWrongTtl);
}

TEST(PacketDrop, UnicastIsTtlCheckedByDefault) {
  const auto m = unicast_meta4(63);
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("10.0.0.100")}), m), m, unicast_local(local_v3()))),
            DropReason::kWrongTtl);
  EXPECT_EQ(reason(decode(kV2Pass, m, unicast_local(local_v2()))), DropReason::kWrongTtl);
  auto m6 = meta6();
  m6.destination = ip("fe80::2");
  m6.ttl = 254;
  auto local6 = local_v3_ipv6();
  local6.unicast_peers = {ip("fe80::1")};
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("2001:db8::100")}), m6), m6, local6)), DropReason::kWrongTtl);
  // TTL 255 from a peer, sent to us: accepted.
  const auto ok = unicast_meta4(255);
  accepted(decode(encoded(v3_advert({ip("10.0.0.100")}), ok), ok, unicast_local(local_v3())));
}

TEST(PacketDecode, UnicastTtlCheckCanBeTurnedOff) {
  const auto m = unicast_meta4(62);
  auto local = unicast_local(local_v3());
  local.check_unicast_ttl = false;
  accepted(decode(encoded(v3_advert({ip("10.0.0.100")}), m), m, local));
  auto local2 = unicast_local(local_v2());
  local2.check_unicast_ttl = false;
  accepted(decode(kV2Pass, m, local2));
  // Still only from a peer.
  local.unicast_peers = {ip("10.0.0.7")};
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("10.0.0.100")}), m), m, local)), DropReason::kNotAPeer);
}

TEST(PacketDrop, UnicastInstanceDropsAdvertsSentToTheGroup) {
  // keepalived does the same: a unicast router expects unicast adverts.
  EXPECT_EQ(reason(decode(kV3Ipv4, meta4(), unicast_local(local_v3()))), DropReason::kWrongDestination);
  EXPECT_EQ(reason(decode(kV2Pass, meta4(), unicast_local(local_v2()))), DropReason::kWrongDestination);
}

TEST(PacketDrop, Truncated) {
  EXPECT_EQ(reason(decode(Bytes{}, meta4(), local_v3())), DropReason::kTruncated);
  EXPECT_EQ(reason(decode(Bytes(kV3Ipv4.begin(), kV3Ipv4.begin() + 7), meta4(), local_v3())),
            DropReason::kTruncated);
  EXPECT_EQ(reason(decode(Bytes(kV3Ipv4.begin(), kV3Ipv4.end() - 1), meta4(), local_v3())),
            DropReason::kTruncated);
  // v2 without its 8 bytes of authentication data.
  EXPECT_EQ(reason(decode(Bytes(kV2Pass.begin(), kV2Pass.end() - 8), meta4(), local_v2())),
            DropReason::kTruncated);
  // Count says 2 addresses, only one present.
  Bytes b = kV3Ipv4;
  b[3] = 2;
  EXPECT_EQ(reason(decode(b, meta4(), local_v3())), DropReason::kTruncated);
}

TEST(PacketDrop, BadLength) {
  Bytes b = kV3Ipv4;
  b.push_back(0);
  b.push_back(0);
  EXPECT_EQ(reason(decode(b, meta4(), local_v3())), DropReason::kBadLength);
}

TEST(PacketDrop, NoAddresses) {
  Bytes b = {0x31, 0x01, 0x64, 0x00, 0x00, 0x64, 0x00, 0x00};
  fix_checksum(b, Version::kV3, meta4());
  EXPECT_EQ(reason(decode(b, meta4(), local_v3())), DropReason::kNoAddresses);
}

TEST(PacketDrop, BadVersion) {
  EXPECT_EQ(reason(decode(kV2Pass, meta4(), local_v3())), DropReason::kBadVersion);
  EXPECT_EQ(reason(decode(kV3Ipv4, meta4(), local_v2())), DropReason::kBadVersion);
  Bytes b = kV3Ipv4;
  b[0] = 0x41;  // version 4
  fix_checksum(b, Version::kV3, meta4());
  EXPECT_EQ(reason(decode(b, meta4(), local_v3())), DropReason::kBadVersion);
}

TEST(PacketDrop, BadType) {
  Bytes b = kV3Ipv4;
  b[0] = 0x32;
  fix_checksum(b, Version::kV3, meta4());
  EXPECT_EQ(reason(decode(b, meta4(), local_v3())), DropReason::kBadType);
}

TEST(PacketDrop, WrongFamily) {
  EXPECT_EQ(reason(decode(kV3Ipv4, meta4(), local_v3_ipv6())), DropReason::kWrongFamily);
  EXPECT_EQ(reason(decode(kV3Ipv6, meta6(), local_v3())), DropReason::kWrongFamily);
}

TEST(PacketDrop, BadChecksum) {
  for (const std::size_t i : {1u, 2u, 5u, 6u, 7u, 11u}) {
    Bytes b = kV3Ipv4;
    b[i] ^= 0x01;
    EXPECT_EQ(reason(decode(b, meta4(), local_v3())), DropReason::kBadChecksum) << "byte " << i;
  }
  Bytes b = kV2Pass;
  b[15] ^= 0x20;  // a flipped password byte is caught by the checksum first
  EXPECT_EQ(reason(decode(b, meta4(), local_v2())), DropReason::kBadChecksum);
}

TEST(PacketDecode, ChecksumFieldMayCarryEitherZero) {
  // Found by the fuzzer: a message whose checksum is 0x0000 also verifies with
  // 0xffff in the field (one's complement has two zeros); both are accepted.
  Bytes b = {0x31, 0x01, 0x64, 0x01, 0x00, 0x64, 0xff, 0xff,   // header, checksum field 0xffff
             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3d, 0xc1,   // address ffff:ffff:ffff:3dc1:
             0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x01, 0x00};  //   2001:db8:0:100
  auto local = local_v3_ipv6();
  local.vips = {ip("ffff:ffff:ffff:3dc1:2001:db8:0:100")};
  const auto rx = accepted(decode(b, meta6(), local));
  const Bytes again = encoded(rx.advert, meta6());
  EXPECT_EQ(again[6], 0x00);
  EXPECT_EQ(again[7], 0x00);
  accepted(decode(again, meta6(), local));
}

TEST(PacketDrop, V3ChecksumCoversPseudoHeader) {
  // Same bytes, different IP source: the v3 pseudo-header sum no longer matches.
  auto m = meta4();
  m.source = ip("10.0.0.3");
  EXPECT_EQ(reason(decode(kV3Ipv4, m, local_v3())), DropReason::kBadChecksum);
  auto m6 = meta6();
  m6.source = ip("fe80::3");
  EXPECT_EQ(reason(decode(kV3Ipv6, m6, local_v3_ipv6())), DropReason::kBadChecksum);
  // The destination is covered too (a unicast peer's advert sent to us).
  auto mu = meta4();
  mu.destination = ip("10.0.0.2");
  auto unicast = local_v3();
  unicast.unicast_peers = {ip("10.0.0.1")};
  EXPECT_EQ(reason(decode(kV3Ipv4, mu, unicast)), DropReason::kBadChecksum);
  // v2 has no pseudo-header: another source still checks out.
  auto m2 = meta4();
  m2.source = ip("10.0.0.3");
  accepted(decode(kV2Pass, m2, local_v2()));
}

TEST(PacketDrop, WrongVrid) {
  auto a = v3_advert({ip("10.0.0.100")});
  a.vrid = 2;
  EXPECT_EQ(reason(decode(encoded(a, meta4()), meta4(), local_v3())), DropReason::kWrongVrid);
}

TEST(PacketDrop, LocalIsOwner) {
  auto local = local_v3();
  local.local_is_owner = true;
  EXPECT_EQ(reason(decode(kV3Ipv4, meta4(), local)), DropReason::kLocalIsOwner);
}

TEST(PacketDrop, FromOwnAddress) {
  auto m = meta4();
  m.source = ip("10.0.0.2");
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("10.0.0.100")}), m), m, local_v3())),
            DropReason::kFromOwnAddress);
}

TEST(PacketDrop, SourceIsVirtualUnlessOwner) {
  auto m = meta4();
  m.source = ip("10.0.0.100");
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("10.0.0.100")}), m), m, local_v3())),
            DropReason::kSourceIsVirtual);
  // The owner's primary address is the VIP (RFC 5798 1): accepted.
  auto owner = v3_advert({ip("10.0.0.100")});
  owner.priority = 255;
  accepted(decode(encoded(owner, m), m, local_v3()));
}

TEST(PacketDrop, NotAUnicastPeer) {
  const auto m = unicast_meta4(255);
  const Bytes b = encoded(v3_advert({ip("10.0.0.100")}), m);
  auto local = local_v3();
  local.unicast_peers = {ip("10.0.0.7")};
  EXPECT_EQ(reason(decode(b, m, local)), DropReason::kNotAPeer);
  local.unicast_peers.push_back(ip("10.0.0.1"));
  accepted(decode(b, m, local));
}

TEST(PacketDrop, AuthTypeMismatch) {
  auto local = local_v2();
  local.auth_type = AuthType::kNone;
  EXPECT_EQ(reason(decode(kV2Pass, meta4(), local)), DropReason::kAuthTypeMismatch);
  auto a = v2_pass_advert();
  a.auth_type = AuthType::kIpAh;
  EXPECT_EQ(reason(decode(encoded(a, meta4()), meta4(), local_v2())), DropReason::kAuthTypeMismatch);
}

TEST(PacketDrop, WrongPassword) {
  auto a = v2_pass_advert();
  a.auth_data = password_auth_data("secreT");
  EXPECT_EQ(reason(decode(encoded(a, meta4()), meta4(), local_v2())), DropReason::kWrongPassword);
  // Only the first 8 characters count (RFC 2338 5.3.10).
  auto local = local_v2();
  local.auth_data = password_auth_data("longpassword");
  a.auth_data = password_auth_data("longpass-different-tail");
  accepted(decode(encoded(a, meta4()), meta4(), local));
}

TEST(PacketDrop, V2IntervalMismatch) {
  auto a = v2_pass_advert();
  a.advert_interval = Centiseconds{200};
  EXPECT_EQ(reason(decode(encoded(a, meta4()), meta4(), local_v2())), DropReason::kIntervalMismatch);
}

TEST(PacketDecode, V3IntervalMismatchIsLearnedNotDropped) {
  auto a = v3_advert({ip("10.0.0.100")});
  a.advert_interval = Centiseconds{25};
  const auto rx = accepted(decode(encoded(a, meta4()), meta4(), local_v3()));
  EXPECT_TRUE(rx.interval_differs);
  EXPECT_EQ(rx.advert.advert_interval, Centiseconds{25});
}

TEST(PacketDrop, V3ZeroIntervalCannotBeLearned) {
  Bytes b = kV3Ipv4;
  b[4] = b[5] = 0;
  fix_checksum(b, Version::kV3, meta4());
  EXPECT_EQ(reason(decode(b, meta4(), local_v3())), DropReason::kIntervalMismatch);
}

TEST(PacketDrop, V2AddressMismatchUnlessOwner) {
  auto a = v2_pass_advert();
  a.addresses = {ip("10.0.0.100"), ip("10.0.0.101")};
  EXPECT_EQ(reason(decode(encoded(a, meta4()), meta4(), local_v2())), DropReason::kAddressMismatch);
  a.priority = 255;  // RFC 3768 7.1: continue processing the owner's advert
  const auto rx = accepted(decode(encoded(a, meta4()), meta4(), local_v2()));
  EXPECT_TRUE(rx.addresses_differ);
}

TEST(PacketDrop, V3AddressMismatchIsDropped) {
  // RFC 5798 7.1 only asks to log it; dropping is the safe choice (6.4.3).
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("10.0.0.99")}), meta4()), meta4(), local_v3())),
            DropReason::kAddressMismatch);
  auto extra = v3_advert({ip("10.0.0.100"), ip("10.0.0.101")});
  extra.priority = 200;
  EXPECT_EQ(reason(decode(encoded(extra, meta4()), meta4(), local_v3())), DropReason::kAddressMismatch);
  // Unlike v2, not even from an owner.
  auto owner = v3_advert({ip("10.0.0.99")});
  owner.priority = 255;
  EXPECT_EQ(reason(decode(encoded(owner, meta4()), meta4(), local_v3())), DropReason::kAddressMismatch);
  EXPECT_EQ(reason(decode(encoded(v3_advert({ip("2001:db8::99")}), meta6()), meta6(), local_v3_ipv6())),
            DropReason::kAddressMismatch);
}

TEST(DropReasonNames, AllDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i < static_cast<int>(DropReason::kCount); ++i) {
    const auto n = to_string(static_cast<DropReason>(i));
    EXPECT_NE(n, "unknown");
    EXPECT_TRUE(names.insert(n).second) << n;
  }
}

}  // namespace
}  // namespace lvsd::vrrp
