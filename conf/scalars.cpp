#include "conf/scalars.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cctype>
#include <charconv>
#include <sstream>

#include "core/response_regex.hpp"

namespace lvsd::conf {
namespace {

template <typename E>
Result<E> parse_enum(std::string_view text, const std::vector<std::pair<std::string_view, E>>& table) {
  std::string allowed;
  for (const auto& [name, value] : table) {
    if (text == name) return value;
    allowed += allowed.empty() ? "" : ", ";
    allowed += name;
  }
  return Error{quote(text) + " is not allowed: allowed " + allowed};
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Edit distance where swapping two neighbours counts as one edit (optimal
// string alignment), case-insensitive: "wieght" is 1 from "weight".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  if (a.size() > 64 || b.size() > 64) return 64;
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string quote(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMax) out += "...";
  return out + "'";
}

Result<std::int64_t> parse_integer(std::string_view text, std::int64_t min, std::int64_t max) {
  // The message only when there is an error: a file of 10,000 real servers
  // has tens of thousands of integers.
  auto range = [&] { return "allowed " + std::to_string(min) + "-" + std::to_string(max); };
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '-') digits.remove_prefix(1);
  std::int64_t value = 0;
  if (!all_digits(digits)) return Error{quote(text) + " is not an integer: " + range()};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max)
    return Error{quote(text) + " is out of range: " + range()};
  return value;
}

Result<bool> parse_bool(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return Error{quote(text) + " is not a boolean: allowed true, false"};
}

Result<Duration> parse_duration(std::string_view text) {
  constexpr std::string_view what = " is not a duration: allowed e.g. 3s, 500ms, 1m, 1h or a number of seconds";
  std::string_view number = text;
  std::int64_t unit_ms = 1000;
  for (auto [suffix, ms] : {std::pair<std::string_view, std::int64_t>{"ms", 1}, {"s", 1000},
                            {"m", 60'000}, {"h", 3'600'000}}) {
    if (number.size() > suffix.size() && number.ends_with(suffix)) {
      number.remove_suffix(suffix.size());
      unit_ms = ms;
      break;
    }
  }
  auto dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac)) || whole.size() > 12 ||
      frac.size() > 9)
    return Error{quote(text) + std::string(what)};
  std::int64_t w = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), w);
  // Value in units of 1e-9 ms-units, then check it lands on a whole millisecond.
  std::int64_t frac_nanounits = 0;
  if (!frac.empty()) {
    std::string padded(frac);
    padded.resize(9, '0');
    std::from_chars(padded.data(), padded.data() + 9, frac_nanounits);
  }
  const std::int64_t kMaxMs = std::int64_t{1} << 40;  // ~34 years: far above any sane value
  if (w > kMaxMs / unit_ms) return Error{quote(text) + " is too long: at most " + std::to_string(kMaxMs / 1000) + "s"};
  std::int64_t ms = w * unit_ms;
  // frac * unit_ms / 1e9 must be an integer number of milliseconds.
  std::int64_t frac_ms_nano = frac_nanounits * unit_ms;  // < 1e9 * 3.6e6: fits
  if (frac_ms_nano % 1'000'000'000 != 0)
    return Error{quote(text) + " is finer than 1 ms: durations have millisecond resolution"};
  ms += static_cast<std::int64_t>(frac_ms_nano / 1'000'000'000);
  return Duration{ms};
}

std::string duration_text(Duration d) {
  auto ms = d.count();
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

Result<core::IpAddress> parse_address(std::string_view text) {
  if (auto a = core::IpAddress::parse(text)) return *a;
  return Error{quote(text) + " is not an IP address: allowed an IPv4 or IPv6 address"};
}

Result<VirtualServerGroupEntry> parse_address_range(std::string_view text) {
  const std::string usage =
      ": allowed ADDRESS, A.B.C.D-E (last octet), IPV6-XXXX (last group, hex) or FIRST-LAST";
  if (text.find('/') != std::string_view::npos)
    return Error{quote(text) + ": the ADDRESS/PREFIX form of a range is not implemented by lvsd; write it as FIRST-LAST"};
  const std::size_t dash = text.find('-');
  auto first = core::IpAddress::parse(text.substr(0, dash));
  if (!first) return Error{quote(text) + " is not an IP address or range" + usage};
  VirtualServerGroupEntry entry{.address = *first};
  if (dash == std::string_view::npos) return entry;
  const std::string_view end = text.substr(dash + 1);
  std::optional<core::IpAddress> last = core::IpAddress::parse(end);
  if (!last && !end.empty() && end.size() <= (first->is_ipv4() ? 3u : 4u)) {
    // Only the last octet (IPv4, decimal) or the last group (IPv6, hex) given.
    const bool hex = first->is_ipv6();
    unsigned value = 0;
    bool digits = true;
    for (char c : end) {
      const int d = c >= '0' && c <= '9' ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
      if (d < 0) digits = false;
      value = value * (hex ? 16 : 10) + static_cast<unsigned>(std::max(d, 0));
    }
    if (digits && value <= (hex ? 0xFFFFu : 255u)) {
      std::array<std::uint8_t, 16> bytes{};
      std::copy(first->bytes().begin(), first->bytes().end(), bytes.begin());
      if (hex) {
        bytes[14] = static_cast<std::uint8_t>(value >> 8);
        bytes[15] = static_cast<std::uint8_t>(value & 0xFF);
      } else {
        bytes[3] = static_cast<std::uint8_t>(value);
      }
      last = core::IpAddress::from_bytes(first->family(), std::span<const std::uint8_t>(bytes.data(), first->size()));
    } else if (digits) {
      return Error{quote(text) + ": range end " + quote(end) + " is above " + (hex ? "ffff" : "255") + usage};
    }
  }
  if (!last) return Error{quote(text) + ": " + quote(end) + " is not a range end" + usage};
  if (last->family() != first->family())
    return Error{quote(text) + ": the range's ends are of different address families" + usage};
  if (*last <= *first)
    return Error{quote(text) + ": the range's end is not above its start" + usage};
  entry.last = *last;
  return entry;
}

std::string address_range_text(const VirtualServerGroupEntry& entry) {
  if (!entry.address) return "";
  std::string out = entry.address->to_string();
  if (!entry.last) return out;
  const auto a = entry.address->bytes();
  const auto b = entry.last->bytes();
  const std::size_t keep = entry.address->is_ipv4() ? 3 : 14;  // bytes before the last octet / group
  if (!std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(keep), b.begin()))
    return out + "-" + entry.last->to_string();
  if (entry.address->is_ipv4()) return out + "-" + std::to_string(b[3]);
  char hex[8];
  std::snprintf(hex, sizeof hex, "%x", (static_cast<unsigned>(b[14]) << 8) | b[15]);
  return out + "-" + hex;
}

Result<core::AddressFamily> parse_address_family(std::string_view text) {
  if (text == "inet") return core::AddressFamily::kIpv4;
  if (text == "inet6") return core::AddressFamily::kIpv6;
  return Error{quote(text) + " is not an address family: allowed inet or inet6"};
}

std::string_view address_family_text(core::AddressFamily family) {
  return family == core::AddressFamily::kIpv6 ? "inet6" : "inet";
}

Result<VirtualIpAddress> parse_virtual_ip(std::string_view text) {
  auto words = split_words(text);
  const std::string usage =
      ": allowed ADDRESS[/PREFIX] [dev DEVICE] [label LABEL] [scope SCOPE] [brd ADDRESS] [peer ADDRESS] [home] "
      "[-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track] [preferred_lft SECONDS|forever]";
  if (words.empty()) return Error{"empty address" + usage};
  VirtualIpAddress vip;
  auto prefix = core::IpPrefix::parse(words[0]);
  if (!prefix) return prefix.error();
  vip.prefix = *prefix;
  const bool v4 = vip.prefix.address.is_ipv4();
  for (std::size_t i = 1; i < words.size(); ++i) {
    std::string_view option = words[i];
    // Options without a value.
    if (option == "home" || option == "mngtmpaddr") {
      if (v4) return Error{quote(option) + " is for IPv6 addresses only"};
      (option == "home" ? vip.home : vip.mngtmpaddr) = true;
      continue;
    }
    if (option == "noprefixroute") { vip.noprefixroute = true; continue; }
    if (option == "autojoin") { vip.autojoin = true; continue; }
    if (option == "no_track") { vip.no_track = true; continue; }
    // lvsd adds every IPv6 VIP without duplicate address detection, as
    // keepalived 2.2.7 does with or without -nodad (measured).
    if (option == "-nodad") continue;
    if (option == "use_vmac")
      return Error{"use_vmac on a single address is not implemented: lvsd makes a VMAC for the instance's own "
                   "interface only (use_vmac in the instance); such an address moves with a gratuitous ARP / "
                   "unsolicited NA from its own interface"};
    static constexpr std::array<std::string_view, 8> kWithValue = {"dev",  "label", "scope",         "brd",
                                                                    "broadcast", "peer", "preferred_lft", "track_group"};
    if (std::find(kWithValue.begin(), kWithValue.end(), option) == kWithValue.end())
      return Error{"unknown option " + quote(option) + usage};
    if (i + 1 >= words.size()) return Error{"option " + quote(option) + " needs a value" + usage};
    std::string_view value = words[++i];
    if (option == "dev") {
      auto dev = parse_interface_name(value);
      if (!dev) return dev.error();
      vip.dev = *dev;
    } else if (option == "label") {
      if (value.size() > 15) return Error{"label " + quote(value) + " is longer than 15 characters"};
      vip.label = std::string(value);
    } else if (option == "scope") {
      auto scope = parse_scope(value);
      if (!scope) return Error{"scope " + scope.error().message};
      vip.scope = *scope;
    } else if (option == "brd" || option == "broadcast") {
      auto a = core::IpAddress::parse(value);
      if (!a || !a->is_ipv4() || !v4)
        return Error{"brd " + quote(value) + ": allowed an IPv4 broadcast address, for an IPv4 address"};
      vip.broadcast = *a;
    } else if (option == "peer") {
      auto a = core::IpAddress::parse(value.substr(0, value.find('/')));
      if (!a || a->family() != vip.prefix.address.family())
        return Error{"peer " + quote(value) + ": allowed an address of the same family"};
      vip.peer = *a;
    } else if (option == "preferred_lft") {
      auto lft = parse_preferred_lft(value);
      if (!lft) return lft.error();
      vip.preferred_lft = *lft;
    } else if (option == "track_group") {
      return Error{"track_group is not implemented: lvsd has no track groups (keepalived applies it to static "
                   "addresses only)"};
    } else {
      return Error{"unknown option " + quote(option) + usage};
    }
  }
  return vip;
}

std::string virtual_ip_text(const VirtualIpAddress& vip) {
  std::string out = vip.prefix.to_string();
  if (vip.broadcast) out += " brd " + vip.broadcast->to_string();
  if (!vip.dev.empty()) out += " dev " + vip.dev;
  if (!vip.label.empty()) out += " label " + vip.label;
  if (vip.scope) out += " scope " + std::string(to_string(*vip.scope));
  if (vip.peer) out += " peer " + vip.peer->to_string();
  if (vip.home) out += " home";
  if (vip.mngtmpaddr) out += " mngtmpaddr";
  if (vip.noprefixroute) out += " noprefixroute";
  if (vip.autojoin) out += " autojoin";
  if (vip.no_track) out += " no_track";
  if (vip.preferred_lft)
    out += " preferred_lft " + (*vip.preferred_lft == kLifetimeForever ? std::string("forever")
                                                                        : std::to_string(*vip.preferred_lft));
  return out;
}

Result<StatusCodeRange> parse_status_code(std::string_view text) {
  const std::string allowed = ": allowed a code 100-599 or a range such as 200-299";
  auto dash = text.find('-');
  std::string_view low = text.substr(0, dash);
  std::string_view high = dash == std::string_view::npos ? low : text.substr(dash + 1);
  auto l = parse_integer(low, 100, 599);
  auto h = parse_integer(high, 100, 599);
  if (!l || !h || *h < *l) return Error{quote(text) + " is not a status code" + allowed};
  return StatusCodeRange{.low = static_cast<int>(*l), .high = static_cast<int>(*h)};
}

std::string status_code_text(const StatusCodeRange& range) {
  if (range.low == range.high) return std::to_string(range.low);
  return std::to_string(range.low) + "-" + std::to_string(range.high);
}

Result<std::vector<StatusCodeRange>> parse_status_codes(std::string_view text) {
  std::vector<StatusCodeRange> codes;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    std::size_t end = text.find_first_of(" \t", i);
    if (end == std::string_view::npos) end = text.size();
    auto range = parse_status_code(text.substr(i, end - i));
    if (!range) return range.error();
    codes.push_back(*range);
    i = end;
  }
  if (codes.empty()) return Error{"no status code: allowed codes 100-599 and ranges such as 200-299, apart by spaces"};
  return codes;
}

std::string status_codes_text(const std::vector<StatusCodeRange>& codes) {
  std::string out;
  for (const auto& c : codes) out += (out.empty() ? "" : " ") + status_code_text(c);
  return out;
}

Result<int> parse_granularity(std::string_view text) {
  const std::string allowed = ": allowed a prefix length 0-128 or an IPv4 netmask such as 255.255.255.0";
  if (all_digits(text)) {
    auto p = parse_integer(text, 0, 128);
    if (!p) return Error{quote(text) + " is out of range" + allowed};
    return static_cast<int>(*p);
  }
  auto a = core::IpAddress::parse(text);
  if (!a || !a->is_ipv4()) return Error{quote(text) + " is not a netmask" + allowed};
  std::uint32_t mask = 0;
  for (int i = 0; i < 4; ++i) mask = (mask << 8) | a->bytes()[static_cast<std::size_t>(i)];
  int len = 0;
  while (len < 32 && (mask & (0x80000000u >> len))) ++len;
  std::uint32_t expected = len == 0 ? 0 : ~std::uint32_t{0} << (32 - len);
  if (mask != expected) return Error{quote(text) + " is not a contiguous netmask" + allowed};
  return len;
}

Result<std::string> parse_interface_name(std::string_view text) {
  bool bad_char = std::any_of(text.begin(), text.end(), [](char c) {
    return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) < 0x20;
  });
  if (text.empty() || text.size() > 15 || bad_char || text == "." || text == "..")
    return Error{quote(text) + " is not an interface name: allowed 1-15 characters without '/', ':' or spaces"};
  return std::string(text);
}

Result<std::uint32_t> parse_preferred_lft(std::string_view text) {
  if (text == "forever") return kLifetimeForever;
  auto n = parse_integer(text, 0, kLifetimeForever - 1);
  if (!n) return Error{"preferred_lft " + quote(text) + " is not valid: allowed seconds 0-4294967294 or forever"};
  return static_cast<std::uint32_t>(*n);
}

Result<std::vector<std::uint8_t>> parse_vmac_address(std::string_view text) {
  const Error bad{quote(text) + " is not a MAC address: allowed 6 octets, or 5 (the VRID is the sixth), in hex "
                  "apart by ':' (00:00:5e:00:01:33)"};
  std::vector<std::uint8_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(':', start), text.size());
    const std::string_view part = text.substr(start, end - start);
    if (part.empty() || part.size() > 2 || !std::all_of(part.begin(), part.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0;
        }))
      return bad;
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(part), nullptr, 16)));
    if (out.size() > 6) return bad;
    start = end + 1;
  }
  if (out.size() < 5) return bad;
  if ((out[0] & 1) != 0)
    return Error{quote(text) + " is a multicast MAC address: a VMAC needs a unicast one (the first octet even)"};
  return out;
}

Result<std::string> parse_listen_address(std::string_view text) {
  if (!core::Endpoint::parse(text, 1).ok()) {
    return Error{quote(text) + " is not a listen address: allowed ADDRESS:PORT or [IPV6]:PORT"};
  }
  return std::string(text);
}

Result<std::string> parse_md5_digest(std::string_view text) {
  if (text.size() != 32 || !std::all_of(text.begin(), text.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      }))
    return Error{quote(text) + " is not an MD5 digest: allowed 32 hex digits"};
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return out;
}

Result<ScriptUser> parse_script_user(std::string_view text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find_first_of(" \t", start), text.size());
    if (end > start) words.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  const std::string allowed = ": allowed \"USER\" or \"USER GROUP\" (names of letters, digits, '.', '_', '-')";
  if (words.empty() || words.size() > 2) return Error{quote(text) + " is not a user and group" + allowed};
  for (const auto& w : words) {
    // POSIX portable names (and '$' last, as useradd allows).
    const bool ok = w.front() != '-' && std::all_of(w.begin(), w.end(), [&](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' ||
             (c == '$' && &c == &w.back());
    });
    if (!ok) return Error{quote(w) + " is not a user or group name" + allowed};
  }
  ScriptUser out{.user = words[0], .group = {}};
  if (words.size() == 2) out.group = words[1];
  return out;
}

std::string script_user_text(const ScriptUser& user) { return user.user + (user.group ? " " + *user.group : ""); }

Result<VrrpState> parse_vrrp_state(std::string_view text) {
  return parse_enum<VrrpState>(text, {{"MASTER", VrrpState::kMaster}, {"BACKUP", VrrpState::kBackup}});
}
Result<ParamMatch> parse_param_match(std::string_view text) {
  return parse_enum<ParamMatch>(
      text, {{"exact", ParamMatch::kExact}, {"partial", ParamMatch::kPartial}, {"initial", ParamMatch::kInitial}});
}
Result<AddressScope> parse_scope(std::string_view text) {
  return parse_enum<AddressScope>(text, {{"global", AddressScope::kGlobal},
                                         {"site", AddressScope::kSite},
                                         {"link", AddressScope::kLink},
                                         {"host", AddressScope::kHost},
                                         {"nowhere", AddressScope::kNowhere}});
}
Result<Protocol> parse_protocol(std::string_view text) {
  return parse_enum<Protocol>(text, {{"TCP", Protocol::kTcp}, {"UDP", Protocol::kUdp}, {"SCTP", Protocol::kSctp}});
}
Result<ForwardingMethod> parse_lb_kind(std::string_view text) {
  return parse_enum<ForwardingMethod>(
      text, {{"DR", ForwardingMethod::kDr}, {"NAT", ForwardingMethod::kNat}, {"TUN", ForwardingMethod::kTun}});
}
Result<TunnelType> parse_tunnel_type(std::string_view text) {
  return parse_enum<TunnelType>(text, {{"ipip", TunnelType::kIpip}, {"gue", TunnelType::kGue}, {"gre", TunnelType::kGre}});
}
Result<TunnelChecksum> parse_tunnel_checksum(std::string_view text) {
  return parse_enum<TunnelChecksum>(
      text, {{"nocsum", TunnelChecksum::kNone}, {"csum", TunnelChecksum::kChecksum}, {"remcsum", TunnelChecksum::kRemote}});
}
Result<HexPattern> parse_hex_pattern(std::string_view text, bool wildcards) {
  const std::string allowed = wildcards ? "hex digits (x for any value) in pairs, blanks apart"
                                        : "hex digits in pairs, blanks apart";
  HexPattern out;
  // A digit's value and wildcard bits; nullopt for what is not a digit.
  auto digit = [&](char c) -> std::optional<std::pair<std::uint8_t, std::uint8_t>> {
    if (c >= '0' && c <= '9') return std::pair<std::uint8_t, std::uint8_t>(static_cast<std::uint8_t>(c - '0'), 0);
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l >= 'a' && l <= 'f') return std::pair<std::uint8_t, std::uint8_t>(static_cast<std::uint8_t>(l - 'a' + 10), 0);
    if (wildcards && l == 'x') return std::pair<std::uint8_t, std::uint8_t>(0, 0x0f);
    return std::nullopt;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    auto high = digit(text[i]);
    if (!high) return Error{quote(text) + " is not a hex string: allowed " + allowed};
    ++i;
    std::uint8_t value = high->first, any = high->second;
    if (i < text.size() && text[i] != ' ' && text[i] != '\t') {
      auto low = digit(text[i]);
      if (!low) return Error{quote(text) + " is not a hex string: allowed " + allowed};
      ++i;
      value = static_cast<std::uint8_t>(value << 4 | low->first);
      any = static_cast<std::uint8_t>(any << 4 | low->second);
    }
    out.bytes.push_back(value);
    out.wildcard.push_back(any);
  }
  if (out.bytes.empty()) return Error{"empty hex string: allowed " + allowed};
  constexpr std::size_t kMaxBytes = 65507;  // the largest UDP payload (IPv4)
  if (out.bytes.size() > kMaxBytes) return Error{"hex string of " + std::to_string(out.bytes.size()) + " bytes: allowed at most 65507"};
  return out;
}

std::string hex_pattern_text(const HexPattern& p) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(p.bytes.size() * 2);
  for (std::size_t i = 0; i < p.bytes.size(); ++i) {
    const std::uint8_t any = i < p.wildcard.size() ? p.wildcard[i] : 0;
    out += (any & 0xf0) ? 'x' : kDigits[p.bytes[i] >> 4];
    out += (any & 0x0f) ? 'x' : kDigits[p.bytes[i] & 0x0f];
  }
  return out;
}

Result<RequireReply> parse_require_reply(std::string_view text) {
  if (text == "true") return RequireReply{.required = true};
  if (text == "false") return RequireReply{};
  auto pattern = parse_hex_pattern(text, true);
  if (!pattern) return Error{quote(text) + " is not valid for require_reply: allowed true, false or a hex string (x for any value)"};
  return RequireReply{.required = true, .reply = std::move(*pattern)};
}

Result<DnsType> parse_dns_type(std::string_view text) {
  for (DnsType t : {DnsType::kA, DnsType::kNs, DnsType::kCname, DnsType::kSoa, DnsType::kMx, DnsType::kTxt,
                    DnsType::kAaaa}) {
    const std::string_view name = to_string(t);
    if (text.size() == name.size() &&
        std::equal(text.begin(), text.end(), name.begin(), [](char a, char b) {
          return std::toupper(static_cast<unsigned char>(a)) == b;
        }))
      return t;
  }
  return Error{quote(text) + " is not a DNS type: allowed A, NS, CNAME, SOA, MX, TXT, AAAA"};
}

Result<std::string> parse_dns_name(std::string_view text) {
  const std::string rule = "allowed '.' or labels of 1-63 characters apart by dots, at most 253 characters";
  if (text == ".") return std::string(text);
  std::string_view rest = text;
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  if (rest.empty() || rest.size() > 253) return Error{quote(text) + " is not a DNS name: " + rule};
  std::size_t label = 0;
  for (char c : rest) {
    if (c == '.') {
      if (label == 0) return Error{quote(text) + " is not a DNS name (empty label): " + rule};
      label = 0;
      continue;
    }
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return Error{quote(text) + " is not a DNS name (blank or control character): " + rule};
    if (++label > 63) return Error{quote(text) + " is not a DNS name (a label over 63 characters): " + rule};
  }
  if (label == 0) return Error{quote(text) + " is not a DNS name (empty label): " + rule};
  return std::string(text);
}

Result<std::string> parse_helo_name(std::string_view text) {
  if (text.empty() || text.size() > 255 ||
      std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    return Error{quote(text) + " is not a HELO name: allowed 1-255 printable characters, no blanks"};
  return std::string(text);
}

Result<HttpProtocol> parse_http_protocol(std::string_view text) {
  // keepalived 2.2.7 takes 1.0C in either case.
  if (text == "1.0c") return HttpProtocol::k1_0C;
  return parse_enum<HttpProtocol>(text, {{"1.0", HttpProtocol::k1_0}, {"1.0C", HttpProtocol::k1_0C}, {"1.1", HttpProtocol::k1_1}});
}

namespace {
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}
}  // namespace

Result<std::vector<std::string>> parse_regex_options(std::string_view text) {
  std::vector<std::string> out = words(text);
  if (out.empty()) return Error{"no regex option: allowed option names apart by blanks"};
  const auto& names = core::regex_option_names();
  for (const std::string& w : out) {
    if (std::find(names.begin(), names.end(), w) != names.end()) continue;
    std::string allowed;
    for (std::string_view n : names) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
    return Error{"unknown regex option " + quote(w) + " (keepalived 2.2.7 ignores it): allowed " + allowed};
  }
  return out;
}

std::string regex_options_text(const std::vector<std::string>& options) {
  std::string out;
  for (const std::string& o : options) out += (out.empty() ? "" : " ") + o;
  return out;
}

Result<RegexStack> parse_regex_stack(std::string_view text) {
  const std::vector<std::string> w = words(text);
  const std::string rule = "allowed START MAX, two byte counts with START <= MAX";
  if (w.size() != 2) return Error{quote(text) + " is not a regex stack: " + rule};
  auto start = parse_integer(w[0], 0, 4294967295);
  auto max = parse_integer(w[1], 0, 4294967295);
  if (!start || !max) return Error{quote(text) + " is not a regex stack: " + rule};
  if (*start > *max)
    return Error{"regex stack start " + w[0] + " above its max " + w[1] + " (keepalived 2.2.7 ignores regex_stack): " + rule};
  return RegexStack{.start = static_cast<std::uint64_t>(*start), .max = static_cast<std::uint64_t>(*max)};
}

std::string regex_stack_text(const RegexStack& stack) {
  return std::to_string(stack.start) + " " + std::to_string(stack.max);
}

Result<RedisRole> parse_redis_role(std::string_view text) {
  return parse_enum<RedisRole>(text, {{"any", RedisRole::kAny}, {"master", RedisRole::kMaster}, {"replica", RedisRole::kReplica}});
}

Result<std::string> parse_lb_algo(std::string_view text) {
  const auto& names = lb_algorithms();
  if (std::find(names.begin(), names.end(), text) != names.end()) return std::string(text);
  std::string allowed;
  for (const auto& n : names) allowed += (allowed.empty() ? "" : ", ") + n;
  return Error{quote(text) + " is not an IPVS scheduler: allowed " + allowed};
}

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  // One edit for short words, two for longer ones: enough for typos, not for other keywords.
  std::size_t best_distance = (word.size() <= 4 ? 1 : 2) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string unknown_key_message(std::string_view what, std::string_view word,
                                const std::vector<std::string>& candidates) {
  std::string msg = "unknown " + std::string(what) + " " + quote(word);
  if (auto near = did_you_mean(word, candidates)) return msg + ": did you mean '" + *near + "'?";
  std::string allowed;
  for (const auto& c : candidates) allowed += (allowed.empty() ? "" : ", ") + c;
  return msg + ": allowed " + allowed;
}

std::optional<BadCharacter> find_unprintable(std::string_view text) {
  // The column (in characters) is counted only for a bad character found:
  // the loop over the usual printable ASCII stays a compare per byte.
  int line = 1;
  std::size_t line_start = 0;
  std::size_t i = 0;
  auto bad = [&](std::string what) {
    int column = 1;
    for (std::size_t k = line_start; k < i; ++k)
      if ((static_cast<unsigned char>(text[k]) & 0xc0) != 0x80) ++column;  // not a UTF-8 continuation byte
    return BadCharacter{line, column, std::move(what)};
  };
  auto hex = [](unsigned char c) {
    const char* digits = "0123456789abcdef";
    return std::string("0x") + digits[c >> 4] + digits[c & 15];
  };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {  // most of any file: printable ASCII
      ++i;
      continue;
    }
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    std::size_t len = 1;
    if (c < 0x80) {
      if (c != '\t' && c != '\r') return bad("control character " + hex(c));
    } else {
      len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
      if (len == 0 || i + len > text.size()) return bad("invalid UTF-8 byte " + hex(c));
      std::uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
      for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(text[i + k]);
        if ((cc & 0xc0) != 0x80) return bad("invalid UTF-8 byte " + hex(c));
        cp = (cp << 6) | (cc & 0x3f);
      }
      const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
      const bool unprintable = (cp >= 0x80 && cp <= 0x9f && cp != 0x85) || (cp >= 0xd800 && cp <= 0xdfff) ||
                               cp == 0xfffe || cp == 0xffff || cp > 0x10ffff;
      if (overlong || unprintable) return bad("character U+" + std::to_string(cp) + " not allowed in YAML");
    }
    i += len;
  }
  return std::nullopt;
}


}  // namespace lvsd::conf
