#include "conf/ip_syntax.hpp"

#include <map>
#include <set>

#include "conf/scalars.hpp"

namespace lvsd::conf {
namespace {

const char* const kRouteUsage =
    "allowed [blackhole|unreachable|prohibit|throw] [to] DEST[/LEN]|default [via|gw GW] [dev IF] [src ADDR] "
    "[table N] [metric N] [scope S] [protocol P] [onlink] [inet6] [no_track]";
const char* const kRuleUsage =
    "allowed [not] [from SRC[/LEN]|all] [to DST[/LEN]|all] table|lookup N [priority N] [iif IF] [oif IF] "
    "[fwmark N[/M]] [inet6] [no_track]";

// keepalived 2.2.7's route options lvsd does not implement, and why.
const std::map<std::string_view, std::string_view>& unimplemented_route_options() {
  static const std::map<std::string_view, std::string_view> m = {
      {"or", "a second gateway (a multipath route) is not implemented"},
      {"nexthop", "multipath routes are not implemented"},
      {"tos", "routes by TOS are not implemented"},
      {"dsfield", "routes by TOS are not implemented"},
      {"mtu", "route metrics (mtu, window, rtt...) are not implemented"},
      {"hoplimit", "route metrics (mtu, window, rtt...) are not implemented"},
      {"advmss", "route metrics (mtu, window, rtt...) are not implemented"},
      {"rtt", "route metrics (mtu, window, rtt...) are not implemented"},
      {"rttvar", "route metrics (mtu, window, rtt...) are not implemented"},
      {"reordering", "route metrics (mtu, window, rtt...) are not implemented"},
      {"window", "route metrics (mtu, window, rtt...) are not implemented"},
      {"cwnd", "route metrics (mtu, window, rtt...) are not implemented"},
      {"ssthresh", "route metrics (mtu, window, rtt...) are not implemented"},
      {"lock", "route metrics (mtu, window, rtt...) are not implemented"},
      {"rto_min", "route metrics (mtu, window, rtt...) are not implemented"},
      {"initcwnd", "route metrics (mtu, window, rtt...) are not implemented"},
      {"initrwnd", "route metrics (mtu, window, rtt...) are not implemented"},
      {"features", "route metrics (mtu, window, rtt...) are not implemented"},
      {"quickack", "route metrics (mtu, window, rtt...) are not implemented"},
      {"congctl", "route metrics (mtu, window, rtt...) are not implemented"},
      {"fastopen_no_cookie", "route metrics (mtu, window, rtt...) are not implemented"},
      {"realms", "route realms are not implemented"},
      {"vrf", "VRFs are not implemented"},
      {"append", "lvsd replaces a matching route; appending after it is not implemented"},
      {"encap", "lightweight tunnel encapsulation is not implemented"},
      {"expires", "expiring routes are not implemented"},
      {"pref", "IPv6 router preference is not implemented"},
      {"ttl-propagate", "MPLS TTL propagation is not implemented"},
      {"track_group", "track groups are not implemented"},
      {"local", "route type local is not implemented (scale-out announcements make local routes)"},
      {"broadcast", "route type broadcast is not implemented"},
      {"multicast", "route type multicast is not implemented"},
      {"anycast", "route type anycast is not implemented"},
      {"nat", "route type nat is not implemented"},
  };
  return m;
}

const std::map<std::string_view, std::string_view>& unimplemented_rule_options() {
  static const std::map<std::string_view, std::string_view> m = {
      {"tos", "rules by TOS are not implemented"},
      {"dsfield", "rules by TOS are not implemented"},
      {"realms", "rule realms are not implemented"},
      {"goto", "goto rules are not implemented"},
      {"uidrange", "rules by user id are not implemented"},
      {"l3mdev", "VRF (l3mdev) rules are not implemented"},
      {"protocol", "a rule's protocol is not implemented"},
      {"ip_proto", "rules by IP protocol and port are not implemented"},
      {"sport", "rules by IP protocol and port are not implemented"},
      {"dport", "rules by IP protocol and port are not implemented"},
      {"suppress_prefixlength", "suppress_prefixlength is not implemented"},
      {"suppress_ifgroup", "suppress_ifgroup is not implemented"},
      {"track_group", "track groups are not implemented"},
      {"blackhole", "rule actions other than a table lookup are not implemented"},
      {"prohibit", "rule actions other than a table lookup are not implemented"},
      {"unreachable", "rule actions other than a table lookup are not implemented"},
      {"nop", "rule actions other than a table lookup are not implemented"},
  };
  return m;
}

const std::map<std::string_view, std::uint8_t>& protocol_names() {
  // The names of iproute2's rt_protos that a route here plausibly carries.
  static const std::map<std::string_view, std::uint8_t> m = {
      {"boot", 3},  {"static", 4},  {"zebra", 11}, {"bird", 12},  {"keepalived", 18},
      {"babel", 42}, {"bgp", 186}, {"isis", 187}, {"ospf", 188}, {"rip", 189},
  };
  return m;
}

SyntaxError at(std::size_t word, std::string message) { return SyntaxError{.word = word, .message = std::move(message)}; }

std::optional<SyntaxError> address_of(const std::vector<std::string>& w, std::size_t i, std::optional<core::IpAddress>& out) {
  auto a = parse_address(w[i]);
  if (!a) return at(i, a.error().message);
  out = *a;
  return std::nullopt;
}

// A prefix without host bits (the kernel refuses one with them).
std::optional<SyntaxError> prefix_of(const std::vector<std::string>& w, std::size_t i, core::IpPrefix& out) {
  auto p = core::IpPrefix::parse(w[i]);
  if (!p) return at(i, quote(w[i]) + " is not a prefix: " + p.error().message);
  auto bytes = p->address.bytes();
  std::vector<std::uint8_t> b(bytes.begin(), bytes.end());
  bool host_bits = false;
  for (std::size_t bit = static_cast<std::size_t>(p->length); bit < b.size() * 8; ++bit)
    if ((b[bit / 8] >> (7 - bit % 8)) & 1) host_bits = true;
  if (host_bits) {
    for (std::size_t bit = static_cast<std::size_t>(p->length); bit < b.size() * 8; ++bit)
      b[bit / 8] &= static_cast<std::uint8_t>(~(1u << (7 - bit % 8)));
    auto masked = p->address.is_ipv4() ? core::IpAddress::v4({b[0], b[1], b[2], b[3]}) : [&] {
      std::array<std::uint8_t, 16> a16{};
      std::copy(b.begin(), b.end(), a16.begin());
      return core::IpAddress::v6(a16);
    }();
    return at(i, quote(w[i]) + " has host bits set: allowed " + core::IpPrefix{masked, p->length}.to_string());
  }
  out = *p;
  return std::nullopt;
}

std::optional<SyntaxError> u32_of(const std::vector<std::string>& w, std::size_t i, std::string_view what,
                                  std::uint32_t& out, std::int64_t min = 0) {
  // Decimal or 0x hex, as ip(8).
  const std::string& t = w[i];
  std::int64_t v = -1;
  if (t.size() > 2 && (t.starts_with("0x") || t.starts_with("0X"))) {
    try {
      std::size_t used = 0;
      const unsigned long long x = std::stoull(t.substr(2), &used, 16);
      if (used == t.size() - 2 && x <= 0xFFFFFFFFull) v = static_cast<std::int64_t>(x);
    } catch (const std::exception&) {
    }
  } else if (auto n = parse_integer(t, min, 0xFFFFFFFFll)) {
    v = *n;
  }
  if (v < min) return at(i, std::string(what) + " " + quote(t) + " is not valid: allowed " + std::to_string(min) + "-4294967295");
  out = static_cast<std::uint32_t>(v);
  return std::nullopt;
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.emplace_back(text.substr(start, i - start));
  }
  return out;
}

template <typename T>
core::Result<T> from_text(std::string_view text, Parsed<T> (*parse)(const std::vector<std::string>&)) {
  auto words = split(text);
  auto parsed = parse(words);
  if (parsed.value) return *parsed.value;
  if (parsed.error.word < words.size() && parsed.error.message.find(quote(words[parsed.error.word])) == std::string::npos)
    return core::Error{"at " + quote(words[parsed.error.word]) + ": " + parsed.error.message};
  return core::Error{parsed.error.message};
}

std::string table_text(std::uint32_t t) {
  if (t == 254) return "main";
  if (t == 255) return "local";
  if (t == 253) return "default";
  return std::to_string(t);
}

}  // namespace

core::Result<std::uint32_t> parse_route_table(std::string_view text) {
  if (text == "main") return 254u;
  if (text == "local") return 255u;
  if (text == "default") return 253u;
  auto n = parse_integer(text, 1, 0xFFFFFFFFll);
  if (!n) {
    return core::Error{"table " + quote(text) +
                       " is not valid: allowed main, local, default or a number 1-4294967295 (names from "
                       "/etc/iproute2/rt_tables are not read)"};
  }
  return static_cast<std::uint32_t>(*n);
}

Parsed<IpRoute> parse_ip_route(const std::vector<std::string>& w) {
  IpRoute r;
  bool has_dst = false, is_default = false, inet6 = false;
  std::size_t dst_word = 0;
  auto fail = [](SyntaxError e) { return Parsed<IpRoute>{.value = std::nullopt, .error = std::move(e)}; };
  auto needs_value = [&](std::size_t i) -> std::optional<SyntaxError> {
    if (i + 1 >= w.size()) return at(i, "option " + quote(w[i]) + " needs a value: " + kRouteUsage);
    return std::nullopt;
  };
  static const std::map<std::string_view, RouteType> types = {{"unicast", RouteType::kUnicast},
                                                              {"blackhole", RouteType::kBlackhole},
                                                              {"unreachable", RouteType::kUnreachable},
                                                              {"prohibit", RouteType::kProhibit},
                                                              {"throw", RouteType::kThrow}};
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::string& k = w[i];
    if (auto u = unimplemented_route_options().find(k); u != unimplemented_route_options().end()) {
      return fail(at(i, quote(k) + " is not supported: " + std::string(u->second)));
    }
    if (auto type = types.find(k); type != types.end()) {
      if (has_dst) return fail(at(i, "the route type " + quote(k) + " must come before the destination"));
      r.type = type->second;
    } else if (k == "via" || k == "gw") {
      if (auto e = needs_value(i)) return fail(*e);
      if (auto e = address_of(w, ++i, r.via)) return fail(*e);
    } else if (k == "src") {
      if (auto e = needs_value(i)) return fail(*e);
      if (auto e = address_of(w, ++i, r.src)) return fail(*e);
    } else if (k == "dev" || k == "oif") {
      if (auto e = needs_value(i)) return fail(*e);
      auto dev = parse_interface_name(w[++i]);
      if (!dev) return fail(at(i, dev.error().message));
      r.dev = *dev;
    } else if (k == "table") {
      if (auto e = needs_value(i)) return fail(*e);
      auto t = parse_route_table(w[++i]);
      if (!t) return fail(at(i, t.error().message));
      r.table = *t;
    } else if (k == "metric" || k == "priority" || k == "preference") {
      if (auto e = needs_value(i)) return fail(*e);
      std::uint32_t m = 0;
      if (auto e = u32_of(w, ++i, "metric", m)) return fail(*e);
      r.metric = m;
    } else if (k == "scope") {
      if (auto e = needs_value(i)) return fail(*e);
      auto s = parse_scope(w[++i]);
      if (!s) return fail(at(i, "scope " + s.error().message));
      r.scope = *s;
    } else if (k == "protocol" || k == "proto") {
      if (auto e = needs_value(i)) return fail(*e);
      const std::string& v = w[++i];
      if (auto n = protocol_names().find(v); n != protocol_names().end()) {
        r.protocol = n->second;
      } else if (auto p = parse_integer(v, 0, 255)) {
        r.protocol = static_cast<std::uint8_t>(*p);
      } else {
        return fail(at(i, "protocol " + quote(v) +
                              " is not valid: allowed a number 0-255 or boot, static, zebra, bird, keepalived, "
                              "babel, bgp, isis, ospf, rip"));
      }
      if (r.protocol == 250)
        return fail(at(i, "protocol 250 is lvsd's own, for its scale-out announcement routes: allowed another"));
    } else if (k == "onlink") {
      r.onlink = true;
    } else if (k == "inet6") {
      inet6 = true;
    } else if (k == "no_track") {
      // lvsd never watches its routes for deletion: every route is no_track.
    } else if (k == "to") {
      if (auto e = needs_value(i)) return fail(*e);
      if (has_dst) return fail(at(i, "a second destination: " + std::string(kRouteUsage)));
      ++i;
      has_dst = true;
      dst_word = i;
      if (w[i] == "default") is_default = true;
      else if (auto e = prefix_of(w, i, r.dst)) return fail(*e);
    } else if (k == "default" || core::IpAddress::parse(std::string_view(k).substr(0, k.find('/')))) {
      if (has_dst) return fail(at(i, "a second destination " + quote(k) + ": " + kRouteUsage));
      has_dst = true;
      dst_word = i;
      if (k == "default") is_default = true;
      else if (auto e = prefix_of(w, i, r.dst)) return fail(*e);
    } else {
      return fail(at(i, "unknown option " + quote(k) + ": " + kRouteUsage));
    }
  }
  if (!has_dst) return fail(at(0, "no destination: " + std::string(kRouteUsage)));
  if (is_default) {
    r.dst = inet6 ? core::IpPrefix{.address = *core::IpAddress::parse("::"), .length = 0}
                  : core::IpPrefix{.address = *core::IpAddress::parse("0.0.0.0"), .length = 0};
    // `default` with only an IPv6 gateway or source is IPv6 too.
    if (!inet6 && ((r.via && r.via->is_ipv6()) || (r.src && r.src->is_ipv6())))
      r.dst = core::IpPrefix{.address = *core::IpAddress::parse("::"), .length = 0};
  } else if (inet6 && r.dst.address.is_ipv4()) {
    return fail(at(dst_word, quote(w[dst_word]) + " is IPv4 but the route says inet6"));
  }
  const auto family = r.dst.address.family();
  if (r.via && r.via->family() != family)
    return fail(at(0, "the gateway " + r.via->to_string() + " is not of the destination's family"));
  if (r.src && r.src->family() != family)
    return fail(at(0, "the source " + r.src->to_string() + " is not of the destination's family"));
  if (r.type != RouteType::kUnicast && (r.via || !r.dev.empty()))
    return fail(at(0, "a " + std::string(to_string(r.type)) + " route takes no gateway or device"));
  if (r.type == RouteType::kUnicast && !r.via && r.dev.empty())
    return fail(at(0, "a unicast route needs a gateway (via) or a device (dev): " + std::string(kRouteUsage)));
  if (r.onlink && !r.via) return fail(at(0, "onlink needs a gateway (via)"));
  return Parsed<IpRoute>{.value = r, .error = {}};
}

std::string ip_route_text(const IpRoute& r) {
  std::string out;
  if (r.type != RouteType::kUnicast) out += std::string(to_string(r.type)) + " ";
  // IPv4's 0.0.0.0/0 as ip(8) prints it; ::/0 says IPv6 by itself.
  out += r.dst.length == 0 && r.dst.address.is_ipv4() ? std::string("default") : r.dst.to_string();
  if (r.via) out += " via " + r.via->to_string();
  if (!r.dev.empty()) out += " dev " + r.dev;
  if (r.onlink) out += " onlink";
  if (r.src) out += " src " + r.src->to_string();
  if (r.table != 254) out += " table " + table_text(r.table);
  if (r.metric) out += " metric " + std::to_string(*r.metric);
  if (r.scope) out += " scope " + std::string(to_string(*r.scope));
  if (r.protocol != 18) out += " protocol " + std::to_string(r.protocol);
  return out;
}

Parsed<IpRule> parse_ip_rule(const std::vector<std::string>& w) {
  IpRule r;
  bool has_table = false, inet6 = false;
  auto fail = [](SyntaxError e) { return Parsed<IpRule>{.value = std::nullopt, .error = std::move(e)}; };
  auto needs_value = [&](std::size_t i) -> std::optional<SyntaxError> {
    if (i + 1 >= w.size()) return at(i, "option " + quote(w[i]) + " needs a value: " + kRuleUsage);
    return std::nullopt;
  };
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::string& k = w[i];
    if (auto u = unimplemented_rule_options().find(k); u != unimplemented_rule_options().end()) {
      return fail(at(i, quote(k) + " is not supported: " + std::string(u->second)));
    }
    if (k == "from" || k == "to") {
      if (auto e = needs_value(i)) return fail(*e);
      auto& slot = k == "from" ? r.from : r.to;
      if (slot) return fail(at(i, quote(k) + " given twice"));
      if (w[++i] == "all") continue;
      core::IpPrefix p;
      if (auto e = prefix_of(w, i, p)) return fail(*e);
      slot = p;
    } else if (k == "table" || k == "lookup") {
      if (auto e = needs_value(i)) return fail(*e);
      auto t = parse_route_table(w[++i]);
      if (!t) return fail(at(i, t.error().message));
      r.table = *t;
      has_table = true;
    } else if (k == "priority" || k == "preference" || k == "order" || k == "pref") {
      if (auto e = needs_value(i)) return fail(*e);
      std::uint32_t p = 0;
      if (auto e = u32_of(w, ++i, "priority", p)) return fail(*e);
      r.priority = p;
    } else if (k == "iif" || k == "oif") {
      if (auto e = needs_value(i)) return fail(*e);
      auto dev = parse_interface_name(w[++i]);
      if (!dev) return fail(at(i, dev.error().message));
      (k == "iif" ? r.iif : r.oif) = *dev;
    } else if (k == "fwmark") {
      if (auto e = needs_value(i)) return fail(*e);
      const std::string v = w[++i];
      const auto slash = v.find('/');
      std::vector<std::string> parts{v.substr(0, slash)};
      if (slash != std::string::npos) parts.push_back(v.substr(slash + 1));
      std::uint32_t mark = 0, mask = 0;
      if (auto e = u32_of(parts, 0, "fwmark", mark)) return fail(at(i, e->message));
      r.fwmark = mark;
      if (parts.size() == 2) {
        if (auto e = u32_of(parts, 1, "fwmark mask", mask)) return fail(at(i, e->message));
        r.fwmask = mask;
      }
    } else if (k == "not") {
      r.invert = true;
    } else if (k == "inet6") {
      inet6 = true;
    } else if (k == "no_track") {
      // lvsd never watches its rules for deletion: every rule is no_track.
    } else {
      return fail(at(i, "unknown option " + quote(k) + ": " + kRuleUsage));
    }
  }
  if (!has_table) return fail(at(0, "no table: " + std::string(kRuleUsage)));
  if (r.from && r.to && r.from->address.family() != r.to->address.family())
    return fail(at(0, "from and to are of different address families"));
  const std::optional<core::IpPrefix>& any = r.from ? r.from : r.to;
  if (any) {
    r.family = any->address.family();
    if (inet6 && r.family == core::AddressFamily::kIpv4) return fail(at(0, "the addresses are IPv4 but the rule says inet6"));
  } else {
    r.family = inet6 ? core::AddressFamily::kIpv6 : core::AddressFamily::kIpv4;
  }
  return Parsed<IpRule>{.value = r, .error = {}};
}

std::string ip_rule_text(const IpRule& r) {
  std::string out;
  if (r.invert) out += "not ";
  if (r.from) out += "from " + r.from->to_string() + " ";
  if (r.to) out += "to " + r.to->to_string() + " ";
  out += "table " + table_text(r.table);
  if (r.priority) out += " priority " + std::to_string(*r.priority);
  if (!r.iif.empty()) out += " iif " + r.iif;
  if (!r.oif.empty()) out += " oif " + r.oif;
  if (r.fwmark) {
    out += " fwmark " + std::to_string(*r.fwmark);
    if (r.fwmask) out += "/" + std::to_string(*r.fwmask);
  }
  if (!r.from && !r.to && r.family == core::AddressFamily::kIpv6) out += " inet6";
  return out;
}

core::Result<IpRoute> parse_ip_route(std::string_view text) { return from_text<IpRoute>(text, &parse_ip_route); }
core::Result<IpRule> parse_ip_rule(std::string_view text) { return from_text<IpRule>(text, &parse_ip_rule); }

}  // namespace lvsd::conf
