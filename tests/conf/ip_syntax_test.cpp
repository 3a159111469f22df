// `ip route` / `ip rule` text of static_routes, virtual_routes, static_rules
// and virtual_rules: what is read, what is refused by name, and the text
// written back reads to the same value.
#include "conf/ip_syntax.hpp"

#include <gtest/gtest.h>

namespace lvsd::conf {
namespace {

core::IpAddress ip(const char* t) { return *core::IpAddress::parse(t); }
core::IpPrefix prefix(const char* t) { return *core::IpPrefix::parse(t); }

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

IpRoute route(const char* text) {
  auto r = parse_ip_route(words(text));
  EXPECT_TRUE(r.value) << text << ": " << r.error.message;
  return r.value.value_or(IpRoute{});
}

SyntaxError route_error(const char* text) {
  auto r = parse_ip_route(words(text));
  EXPECT_FALSE(r.value) << text;
  return r.error;
}

IpRule rule(const char* text) {
  auto r = parse_ip_rule(words(text));
  EXPECT_TRUE(r.value) << text << ": " << r.error.message;
  return r.value.value_or(IpRule{});
}

SyntaxError rule_error(const char* text) {
  auto r = parse_ip_rule(words(text));
  EXPECT_FALSE(r.value) << text;
  return r.error;
}

TEST(IpRouteSyntax, EveryImplementedOption) {
  const IpRoute r = route("10.9.0.0/16 via 10.0.0.254 dev eth1 src 10.0.0.5 table 100 metric 7 scope global protocol 4 onlink");
  EXPECT_EQ(r, (IpRoute{.dst = prefix("10.9.0.0/16"),
                        .type = RouteType::kUnicast,
                        .via = ip("10.0.0.254"),
                        .dev = "eth1",
                        .src = ip("10.0.0.5"),
                        .table = 100,
                        .metric = 7,
                        .scope = AddressScope::kGlobal,
                        .protocol = 4,
                        .onlink = true}));
}

TEST(IpRouteSyntax, KeepalivedSpellings) {
  // `src ADDR to DEST`, gw for via, priority/preference for metric, table names.
  EXPECT_EQ(route("src 10.0.0.5 to 10.9.0.0/24 gw 10.0.0.1 preference 3 table main"),
            (IpRoute{.dst = prefix("10.9.0.0/24"), .via = ip("10.0.0.1"), .src = ip("10.0.0.5"), .metric = 3}));
  EXPECT_EQ(route("default via 10.0.0.1 table local").dst, prefix("0.0.0.0/0"));
  EXPECT_EQ(route("default via 10.0.0.1 table local").table, 255u);
  EXPECT_EQ(route("default dev eth0 inet6").dst, prefix("::/0"));
  EXPECT_EQ(route("default via fe80::1 dev eth0").dst, prefix("::/0"));
  EXPECT_EQ(route("10.1.1.1 dev eth0").dst, prefix("10.1.1.1/32"));  // no length: a host route
  EXPECT_EQ(route("10.1.0.0/16 dev eth0 no_track protocol keepalived").protocol, 18);
  EXPECT_EQ(route("10.1.0.0/16 dev eth0 proto bird").protocol, 12);
}

TEST(IpRouteSyntax, TypesTakeNoGateway) {
  EXPECT_EQ(route("blackhole 10.3.0.0/16").type, RouteType::kBlackhole);
  EXPECT_EQ(route("unreachable 10.3.0.0/16 table 5").type, RouteType::kUnreachable);
  EXPECT_EQ(route("prohibit 2001:db8::/32").type, RouteType::kProhibit);
  EXPECT_EQ(route("throw 10.3.0.0/16 table 5").type, RouteType::kThrow);
  EXPECT_NE(route_error("blackhole 10.3.0.0/16 via 10.0.0.1").message.find("no gateway"), std::string::npos);
  EXPECT_NE(route_error("10.3.0.0/16 blackhole").message.find("before the destination"), std::string::npos);
}

TEST(IpRouteSyntax, UnimplementedOptionsAreRefusedByNameAtTheirWord) {
  for (const char* option : {"mtu", "nexthop", "or", "realms", "vrf", "append", "encap", "tos", "track_group",
                             "initcwnd", "expires", "local", "multicast"}) {
    const std::string text = std::string("10.3.0.0/16 dev eth0 ") + option + " 1";
    const SyntaxError e = route_error(text.c_str());
    EXPECT_EQ(e.word, 3u) << option;
    EXPECT_NE(e.message.find(std::string("'") + option + "' is not supported: "), std::string::npos) << e.message;
  }
}

TEST(IpRouteSyntax, BadValuesNameTheWord) {
  EXPECT_EQ(route_error("10.3.0.0/16 via 10.0.0 dev eth0").word, 2u);
  EXPECT_EQ(route_error("10.3.0.0/16 dev eth0 table blue").word, 4u);
  EXPECT_NE(route_error("10.3.0.0/16 dev eth0 table blue").message.find("rt_tables"), std::string::npos);
  EXPECT_EQ(route_error("10.3.0.0/16 dev eth0 table 0").word, 4u);
  EXPECT_EQ(route_error("10.3.0.0/16 dev eth0 metric").word, 3u);
  EXPECT_NE(route_error("10.3.0.1/16 dev eth0").message.find("allowed 10.3.0.0/16"), std::string::npos);
  EXPECT_NE(route_error("10.3.0.0/16 dev eth0 protocol 250").message.find("scale-out"), std::string::npos);
  EXPECT_NE(route_error("10.3.0.0/16").message.find("needs a gateway"), std::string::npos);
  EXPECT_NE(route_error("via 10.0.0.1").message.find("no destination"), std::string::npos);
  EXPECT_NE(route_error("10.3.0.0/16 via 2001:db8::1").message.find("family"), std::string::npos);
  EXPECT_EQ(route_error("10.3.0.0/16 dev eth0 bogus").word, 3u);
}

TEST(IpRouteSyntax, TextReadsBackToTheSameRoute) {
  for (const char* text : {"10.9.0.0/16 via 10.0.0.254 dev eth1 src 10.0.0.5 table 100 metric 7 scope site protocol 4",
                           "default via 10.0.0.1", "default dev eth0 inet6", "blackhole 10.3.0.0/16 table 5",
                           "2001:db8:1::/48 via fe80::1 dev eth0 onlink table default", "10.1.1.1 dev lo scope host"}) {
    const IpRoute r = route(text);
    const std::string back = ip_route_text(r);
    EXPECT_EQ(route(back.c_str()), r) << text << " -> " << back;
  }
  EXPECT_EQ(ip_route_text(route("10.9.0.0/16 gw 10.0.0.254 table main")), "10.9.0.0/16 via 10.0.0.254");
  EXPECT_EQ(ip_route_text(route("0.0.0.0/0 gw 10.0.0.254")), "default via 10.0.0.254");
  EXPECT_EQ(ip_route_text(route("default dev eth0 inet6")), "::/0 dev eth0");
}

TEST(IpRuleSyntax, EveryImplementedOption) {
  EXPECT_EQ(rule("not from 10.0.0.0/24 to 10.9.0.0/16 table 100 priority 1000 iif eth0 oif eth1 fwmark 0x10/0xff"),
            (IpRule{.family = core::AddressFamily::kIpv4,
                    .from = prefix("10.0.0.0/24"),
                    .to = prefix("10.9.0.0/16"),
                    .invert = true,
                    .table = 100,
                    .priority = 1000,
                    .iif = "eth0",
                    .oif = "eth1",
                    .fwmark = 16,
                    .fwmask = 255}));
  EXPECT_EQ(rule("from all lookup main preference 5").table, 254u);
  EXPECT_EQ(rule("fwmark 7 table 7").fwmask, std::nullopt);
  EXPECT_EQ(rule("to 2001:db8::/32 table 6").family, core::AddressFamily::kIpv6);
  EXPECT_EQ(rule("fwmark 3 table 6 inet6").family, core::AddressFamily::kIpv6);
  EXPECT_EQ(rule("from 10.0.0.1 table 6 no_track").from, prefix("10.0.0.1/32"));
}

TEST(IpRuleSyntax, RefusalsNameTheWord) {
  for (const char* option : {"goto", "uidrange", "l3mdev", "ip_proto", "sport", "dport", "suppress_prefixlength",
                             "realms", "tos", "blackhole", "protocol", "track_group"}) {
    const std::string text = std::string("from 10.0.0.0/24 table 5 ") + option + " 1";
    const SyntaxError e = rule_error(text.c_str());
    EXPECT_EQ(e.word, 4u) << option;
    EXPECT_NE(e.message.find("is not supported: "), std::string::npos) << e.message;
  }
  EXPECT_NE(rule_error("from 10.0.0.0/24").message.find("no table"), std::string::npos);
  EXPECT_EQ(rule_error("from 10.0.0.0/24 table 5 fwmark 0xzz").word, 5u);
  EXPECT_NE(rule_error("from 10.0.0.0/24 to 2001:db8::/32 table 5").message.find("families"), std::string::npos);
  EXPECT_EQ(rule_error("from 10.0.0.0/24 table 5 bogus").word, 4u);
}

TEST(IpRuleSyntax, TextReadsBackToTheSameRule) {
  for (const char* text : {"not from 10.0.0.0/24 to 10.9.0.0/16 table 100 priority 1000 iif eth0 oif eth1 fwmark 16/255",
                           "fwmark 3 table 6 inet6", "from all table main", "to 10.1.0.0/16 lookup 300"}) {
    const IpRule r = rule(text);
    const std::string back = ip_rule_text(r);
    EXPECT_EQ(rule(back.c_str()), r) << text << " -> " << back;
  }
}

TEST(IpSyntax, OneStringFormNamesTheBadWord) {
  auto r = parse_ip_route(std::string_view("10.3.0.0/16 dev eth0 mtu 1400"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("'mtu' is not supported"), std::string::npos) << r.error().message;
  auto bad = parse_ip_rule(std::string_view("from 10.0.0.0/24 table blue"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'blue'"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace lvsd::conf
