#include "conf/scalars.hpp"

#include "conf/config.hpp"

#include <gtest/gtest.h>

namespace lvsd::conf {
namespace {

using std::chrono::milliseconds;

TEST(Duration, AcceptsUnitsAndBareSeconds) {
  EXPECT_EQ(*parse_duration("3s"), milliseconds(3000));
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("1m"), milliseconds(60'000));
  EXPECT_EQ(*parse_duration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(*parse_duration("6"), milliseconds(6000));
  EXPECT_EQ(*parse_duration("0.5"), milliseconds(500));
  EXPECT_EQ(*parse_duration("1.25s"), milliseconds(1250));
  EXPECT_EQ(*parse_duration("0"), milliseconds(0));
}

TEST(Duration, RefusesJunkAndSubMillisecond) {
  for (const char* bad : {"", "s", "ms", "-1", "1x", "1.", ".5", "1 s", "1e3", "3sec", "1.0001s", "0.0005"}) {
    auto r = parse_duration(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_NE(parse_duration("1.0001s").error().message.find("1 ms"), std::string::npos);
  EXPECT_FALSE(parse_duration("99999999999999h").ok());
}

TEST(Duration, TextReadsBackToTheSameValue) {
  for (auto ms : {0, 10, 500, 1000, 1500, 60'000, 90'000, 3'600'000, 86'400'000}) {
    Duration d{ms};
    EXPECT_EQ(*parse_duration(duration_text(d)), d) << duration_text(d);
  }
  EXPECT_EQ(duration_text(Duration{1500}), "1500ms");
  EXPECT_EQ(duration_text(Duration{120'000}), "2m");
  EXPECT_EQ(duration_text(Duration{6000}), "6s");
}

TEST(Integer, RangeAndSyntax) {
  EXPECT_EQ(*parse_integer("65535", 0, 65535), 65535);
  EXPECT_EQ(*parse_integer("-253", -253, 253), -253);
  auto big = parse_integer("70000", 0, 65535);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().message, "'70000' is out of range: allowed 0-65535");
  auto word = parse_integer("ten", 0, 10);
  ASSERT_FALSE(word.ok());
  EXPECT_EQ(word.error().message, "'ten' is not an integer: allowed 0-10");
  EXPECT_FALSE(parse_integer("1.0", 0, 10).ok());
  EXPECT_FALSE(parse_integer("", 0, 10).ok());
  EXPECT_FALSE(parse_integer("-", 0, 10).ok());
  EXPECT_FALSE(parse_integer("99999999999999999999999", 0, 10).ok());
}

TEST(Bool, OnlyTrueOrFalse) {
  EXPECT_TRUE(*parse_bool("true"));
  EXPECT_FALSE(*parse_bool("false"));
  EXPECT_FALSE(parse_bool("yes").ok());
  EXPECT_FALSE(parse_bool("1").ok());
}

TEST(Address, Ipv4AndIpv6Canonical) {
  auto v4 = parse_address("192.168.152.100");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->is_ipv4());
  EXPECT_EQ(v4->to_string(), "192.168.152.100");
  auto v6 = parse_address("2001:DB8:0:0::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->family(), core::AddressFamily::kIpv6);
  EXPECT_EQ(v6->to_string(), "2001:db8::1");
  for (const char* bad : {"", "1.2.3", "1.2.3.256", "host.example", "10.0.0.1/24", "::g"})
    EXPECT_FALSE(parse_address(bad).ok()) << bad;
}

TEST(VirtualIp, StringFormWithOptions) {
  auto vip = parse_virtual_ip("192.168.152.100/24 dev ens33  label ens33:2");
  ASSERT_TRUE(vip.ok()) << vip.error().message;
  EXPECT_EQ(vip->prefix.address.to_string(), "192.168.152.100");
  EXPECT_EQ(vip->prefix.length, 24);
  EXPECT_EQ(vip->dev, "ens33");
  EXPECT_EQ(vip->label, "ens33:2");
  EXPECT_FALSE(vip->scope.has_value());
  EXPECT_EQ(virtual_ip_text(*vip), "192.168.152.100/24 dev ens33 label ens33:2");

  auto bare = parse_virtual_ip("fd00::10");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->prefix.length, 128);
  auto scoped = parse_virtual_ip("10.0.0.1 scope link");
  ASSERT_TRUE(scoped.ok());
  EXPECT_EQ(scoped->prefix.length, 32);
  EXPECT_EQ(scoped->scope, AddressScope::kLink);
}

TEST(VirtualIp, RefusesBadPrefixAndOptions) {
  auto prefix = parse_virtual_ip("10.0.0.1/33");
  ASSERT_FALSE(prefix.ok());
  EXPECT_EQ(prefix.error().message, "prefix '33' is not valid for an IPv4 address: allowed 0-32");
  EXPECT_TRUE(parse_virtual_ip("fd00::1/64").ok());
  EXPECT_FALSE(parse_virtual_ip("fd00::1/129").ok());
  EXPECT_FALSE(parse_virtual_ip("10.0.0.1 dev").ok());
  EXPECT_FALSE(parse_virtual_ip("10.0.0.1 brd fd00::ff").ok());
  EXPECT_TRUE(parse_virtual_ip("10.0.0.1 brd 10.0.0.255").ok());
  EXPECT_FALSE(parse_virtual_ip("10.0.0.1 scope universe").ok());
  EXPECT_FALSE(parse_virtual_ip("10.0.0.1 dev this-name-is-too-long").ok());
}

TEST(StatusCode, SingleCodeOrRange) {
  EXPECT_EQ(*parse_status_code("200"), (StatusCodeRange{.low = 200, .high = 200}));
  EXPECT_EQ(*parse_status_code("200-399"), (StatusCodeRange{.low = 200, .high = 399}));
  EXPECT_FALSE(parse_status_code("99").ok());
  EXPECT_FALSE(parse_status_code("300-200").ok());
  EXPECT_FALSE(parse_status_code("2xx").ok());
  EXPECT_EQ(status_code_text({.low = 200, .high = 299}), "200-299");
}

// keepalived's `status_code 200-299 400-499 503 505` (issue #14).
TEST(StatusCode, ListOfCodesAndRanges) {
  auto codes = parse_status_codes("200-299 400-499\t503  505");
  ASSERT_TRUE(codes.ok()) << codes.error().message;
  EXPECT_EQ(*codes, (std::vector<StatusCodeRange>{
                        {.low = 200, .high = 299}, {.low = 400, .high = 499}, {.low = 503, .high = 503}, {.low = 505, .high = 505}}));
  EXPECT_EQ(status_codes_text(*codes), "200-299 400-499 503 505");
  EXPECT_EQ(parse_status_codes("200-299 99").error().message,
            "'99' is not a status code: allowed a code 100-599 or a range such as 200-299");
  EXPECT_FALSE(parse_status_codes("").ok());
  EXPECT_FALSE(parse_status_codes("  ").ok());
}

TEST(Granularity, NetmaskOrPrefix) {
  EXPECT_EQ(*parse_granularity("255.255.255.0"), 24);
  EXPECT_EQ(*parse_granularity("255.255.255.255"), 32);
  EXPECT_EQ(*parse_granularity("0.0.0.0"), 0);
  EXPECT_EQ(*parse_granularity("64"), 64);
  EXPECT_FALSE(parse_granularity("255.0.255.0").ok());
  EXPECT_FALSE(parse_granularity("129").ok());
  EXPECT_FALSE(parse_granularity("ffff::").ok());
}

TEST(Names, InterfaceListenDigestEnums) {
  EXPECT_TRUE(parse_interface_name("ens33").ok());
  EXPECT_FALSE(parse_interface_name("ens33:2").ok());
  EXPECT_FALSE(parse_interface_name("a234567890123456").ok());
  EXPECT_TRUE(parse_listen_address("127.0.0.1:9105").ok());
  EXPECT_TRUE(parse_listen_address("[::1]:9105").ok());
  EXPECT_FALSE(parse_listen_address("localhost:9105").ok());
  EXPECT_FALSE(parse_listen_address("127.0.0.1").ok());
  EXPECT_FALSE(parse_listen_address("::1:9105").ok());
  EXPECT_EQ(*parse_md5_digest("D41D8CD98F00B204E9800998ECF8427E"), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_FALSE(parse_md5_digest("d41d8cd9").ok());
  EXPECT_EQ(*parse_lb_kind("DR"), ForwardingMethod::kDr);
  EXPECT_EQ(parse_lb_kind("dr").error().message, "'dr' is not allowed: allowed DR, NAT, TUN");
  EXPECT_EQ(*parse_lb_algo("mh"), "mh");
  EXPECT_FALSE(parse_lb_algo("roundrobin").ok());
  EXPECT_EQ(*parse_redis_role("replica"), RedisRole::kReplica);
}

TEST(HexPattern, KeepalivedsFreeFormat) {
  // keepalived.conf(5)'s own example: "Ab12f 3 456 546443123".
  auto p = parse_hex_pattern("Ab12f 3 456 546443123", false);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->bytes, (std::vector<std::uint8_t>{0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03}));
  EXPECT_EQ(p->wildcard, std::vector<std::uint8_t>(11, 0));
  EXPECT_EQ(hex_pattern_text(*p), "ab120f03450654644312" "03");
  EXPECT_EQ(parse_hex_pattern(hex_pattern_text(*p), false)->bytes, p->bytes);
  EXPECT_EQ(parse_hex_pattern("0a\t0B", false)->bytes, (std::vector<std::uint8_t>{0x0a, 0x0b}));
}

TEST(HexPattern, WildcardDigitsOnlyWhereAllowed) {
  auto p = parse_hex_pattern("7x Xx x", true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->bytes, (std::vector<std::uint8_t>{0x70, 0x00, 0x00}));
  EXPECT_EQ(p->wildcard, (std::vector<std::uint8_t>{0x0f, 0xff, 0x0f}));
  EXPECT_EQ(hex_pattern_text(*p), "7xxx0x");
  EXPECT_EQ(parse_hex_pattern("7x", false).error().message, "'7x' is not a hex string: allowed hex digits in pairs, blanks apart");
  EXPECT_FALSE(parse_hex_pattern("0g", true).ok());
  EXPECT_EQ(parse_hex_pattern("  ", false).error().message, "empty hex string: allowed hex digits in pairs, blanks apart");
  EXPECT_FALSE(parse_hex_pattern(std::string(2 * 65508, 'a'), false).ok());
  EXPECT_TRUE(parse_hex_pattern(std::string(2 * 65507, 'a'), false).ok());
}

TEST(RequireReply, TrueFalseOrAPattern) {
  EXPECT_TRUE(parse_require_reply("true")->required);
  EXPECT_FALSE(parse_require_reply("true")->reply);
  EXPECT_FALSE(parse_require_reply("false")->required);
  auto p = parse_require_reply("ff x");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->required);
  EXPECT_EQ(p->reply->bytes, (std::vector<std::uint8_t>{0xff, 0x00}));
  EXPECT_FALSE(parse_require_reply("yes").ok());
}

TEST(DnsAndSmtpNames, TypesNamesAndHeloNames) {
  EXPECT_EQ(*parse_dns_type("aaaa"), DnsType::kAaaa);
  EXPECT_EQ(*parse_dns_type("Soa"), DnsType::kSoa);
  EXPECT_FALSE(parse_dns_type("PTR").ok());
  EXPECT_EQ(to_string(DnsType::kCname), "CNAME");
  EXPECT_EQ(*parse_dns_name("."), ".");
  EXPECT_EQ(*parse_dns_name("example.org."), "example.org.");
  EXPECT_FALSE(parse_dns_name("").ok());
  EXPECT_FALSE(parse_dns_name("a..b").ok());
  EXPECT_FALSE(parse_dns_name("..").ok());
  EXPECT_FALSE(parse_dns_name("a b").ok());
  EXPECT_FALSE(parse_dns_name(std::string(64, 'a')).ok());
  EXPECT_TRUE(parse_dns_name(std::string(63, 'a')).ok());
  EXPECT_EQ(*parse_helo_name("lb1.example.org"), "lb1.example.org");
  EXPECT_FALSE(parse_helo_name("").ok());
  EXPECT_FALSE(parse_helo_name("a b").ok());
}

TEST(DidYouMean, NearMissesOnly) {
  std::vector<std::string> keys = {"weight", "port", "address", "inhibit_on_failure"};
  EXPECT_EQ(did_you_mean("wieght", keys), "weight");
  EXPECT_EQ(did_you_mean("adress", keys), "address");
  EXPECT_EQ(did_you_mean("inhibit_on_fail", keys), std::nullopt);
  EXPECT_EQ(did_you_mean("WEIGTH", keys), "weight");
  EXPECT_EQ(did_you_mean("prt", keys), "port");
  EXPECT_EQ(did_you_mean("pr", keys), std::nullopt);
  EXPECT_EQ(did_you_mean("colour", keys), std::nullopt);
  EXPECT_EQ(unknown_key_message("key", "wieght", keys), "unknown key 'wieght': did you mean 'weight'?");
  EXPECT_EQ(unknown_key_message("key", "zzz", keys),
            "unknown key 'zzz': allowed weight, port, address, inhibit_on_failure");
}

TEST(Quoted, EscapesControlCharactersAndCapsLength) {
  EXPECT_EQ(quote("a\nb"), "'a\\x0ab'");
  EXPECT_EQ(quote(std::string(100, 'x')).size(), 64u + 2 + 3);
}

TEST(OptionalDuration, ReadsLikeAnOptionalDurationInEightBytes) {
  using namespace std::chrono_literals;
  OptionalDuration none;
  EXPECT_FALSE(none);
  EXPECT_EQ(none.value_or(3s), milliseconds(3000));
  EXPECT_EQ(none.get(), std::nullopt);
  EXPECT_THROW((void)none.value(), std::bad_optional_access);
  OptionalDuration zero = 0ms;  // set to zero is set
  EXPECT_TRUE(zero);
  EXPECT_NE(zero, none);
  OptionalDuration five = 5s;
  EXPECT_EQ(*five, milliseconds(5000));
  EXPECT_EQ(five->count(), 5000);
  EXPECT_EQ(five, OptionalDuration(5000ms));
  five = std::nullopt;
  EXPECT_EQ(five, none);
  EXPECT_EQ(sizeof(OptionalDuration), 8u);
}

}  // namespace
}  // namespace lvsd::conf
