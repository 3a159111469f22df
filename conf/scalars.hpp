#pragma once
// Text -> value conversions shared by the YAML loader and the keepalived.conf
// importer, so both give the same messages. Each failure message names the bad
// value and what is allowed; the caller adds file, line, column and key path.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conf/config.hpp"
#include "core/result.hpp"

namespace lvsd::conf {

using core::Error;
using core::Result;

// Decimal integer in [min, max].
Result<std::int64_t> parse_integer(std::string_view text, std::int64_t min, std::int64_t max);
// "true" or "false".
Result<bool> parse_bool(std::string_view text);
// "3s", "500ms", "1m", "1h", "1.5s" or a bare number of seconds; resolution 1 ms.
Result<Duration> parse_duration(std::string_view text);
// Shortest text that parse_duration reads back to the same value ("500ms", "3s", "2m").
std::string duration_text(Duration d);
Result<core::IpAddress> parse_address(std::string_view text);
// "ADDR[/PREFIX] [dev DEV] [label LABEL] [scope SCOPE]".
Result<VirtualIpAddress> parse_virtual_ip(std::string_view text);
// A virtual_server_group address entry (address and last set, port 0):
// "ADDRESS", "A.B.C.D-E" (a range of the last octet, decimal), "IPV6-X" (of
// the last 16-bit group, hex) or "FIRST-LAST"; the end above the start.
Result<VirtualServerGroupEntry> parse_address_range(std::string_view text);
// The shortest of those forms for an entry's address and last.
std::string address_range_text(const VirtualServerGroupEntry& entry);
// "inet" (IPv4) or "inet6" (IPv6), as keepalived names them.
Result<core::AddressFamily> parse_address_family(std::string_view text);
std::string_view address_family_text(core::AddressFamily family);
std::string virtual_ip_text(const VirtualIpAddress& vip);
// "200" or "200-299", codes 100-599.
Result<StatusCodeRange> parse_status_code(std::string_view text);
std::string status_code_text(const StatusCodeRange& range);
// keepalived's list: codes and ranges apart by spaces, "200-299 400-499 503".
Result<std::vector<StatusCodeRange>> parse_status_codes(std::string_view text);
std::string status_codes_text(const std::vector<StatusCodeRange>& codes);
// A prefix length 0-128 or a contiguous IPv4 netmask such as 255.255.255.0.
Result<int> parse_granularity(std::string_view text);
// A Linux interface name: 1-15 characters, no '/', ':' or white space.
Result<std::string> parse_interface_name(std::string_view text);
// preferred_lft: seconds 0-4294967294, or "forever" (kLifetimeForever).
Result<std::uint32_t> parse_preferred_lft(std::string_view text);
// use_vmac's MAC: 6 octets, or 5 (the VRID is the sixth), hex apart by ':';
// a unicast address (the first octet's low bit clear).
Result<std::vector<std::uint8_t>> parse_vmac_address(std::string_view text);
// "ADDR:PORT" or "[IPV6]:PORT".
Result<std::string> parse_listen_address(std::string_view text);
// "USER [GROUP]": one or two names (letters, digits, '.', '_', '-', a final '$').
Result<ScriptUser> parse_script_user(std::string_view text);
std::string script_user_text(const ScriptUser& user);
// 32 hex digits, returned in lower case.
Result<std::string> parse_md5_digest(std::string_view text);

Result<VrrpState> parse_vrrp_state(std::string_view text);
Result<ParamMatch> parse_param_match(std::string_view text);  // exact, partial, initial
Result<AddressScope> parse_scope(std::string_view text);
Result<Protocol> parse_protocol(std::string_view text);
Result<ForwardingMethod> parse_lb_kind(std::string_view text);
Result<TunnelType> parse_tunnel_type(std::string_view text);
Result<TunnelChecksum> parse_tunnel_checksum(std::string_view text);  // nocsum csum remcsum
Result<RedisRole> parse_redis_role(std::string_view text);
// keepalived's HEX_STR ("Ab12f 3 456"); x digits only when `wildcards`.
Result<HexPattern> parse_hex_pattern(std::string_view text, bool wildcards);
// Two lower-case digits per byte, x for a wildcard digit, no blanks ("ab120f03").
std::string hex_pattern_text(const HexPattern& pattern);
// UDP_CHECK's require_reply: "true", "false" or a reply pattern (HEX_STR with x digits).
struct RequireReply {
  bool required = false;
  std::optional<HexPattern> reply{};
};
Result<RequireReply> parse_require_reply(std::string_view text);
// A DNS type keepalived knows: A, NS, CNAME, SOA, MX, TXT, AAAA (any case).
Result<DnsType> parse_dns_type(std::string_view text);
// A DNS name: "." (the root) or labels of 1-63 printable characters apart by
// dots, a final dot optional, at most 253 characters.
Result<std::string> parse_dns_name(std::string_view text);
// An SMTP HELO name: 1-255 printable characters, no blanks.
Result<std::string> parse_helo_name(std::string_view text);
Result<std::string> parse_lb_algo(std::string_view text);
// http_protocol: "1.0", "1.0C" (also "1.0c", as keepalived) or "1.1".
Result<HttpProtocol> parse_http_protocol(std::string_view text);
// regex_options: keepalived's option names apart by blanks ("caseless multiline").
Result<std::vector<std::string>> parse_regex_options(std::string_view text);
std::string regex_options_text(const std::vector<std::string>& options);
// regex_stack: "START MAX", byte counts, START <= MAX.
Result<RegexStack> parse_regex_stack(std::string_view text);
std::string regex_stack_text(const RegexStack& stack);

// The closest candidate within a small edit distance, for "did you mean".
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
// "unknown key 'wieght': did you mean 'weight'?" or "...: allowed a, b, c".
std::string unknown_key_message(std::string_view what, std::string_view word,
                                const std::vector<std::string>& candidates);

// A parser for a decimal integer in [min, max], for the loaders' value tables.
inline auto integer(std::int64_t min, std::int64_t max) {
  return [min, max](std::string_view t) { return parse_integer(t, min, max); };
}

// Stores a parsed value into a model field of a narrower or optional type
// (the loaders check ranges before this cast).
template <typename T, typename V>
void assign(T& out, V&& value) {
  out = static_cast<T>(std::forward<V>(value));
}
template <typename T, typename V>
void assign(std::optional<T>& out, V&& value) {
  out = static_cast<T>(std::forward<V>(value));
}

// 'text' quoted for messages, with control characters escaped and length capped.
std::string quote(std::string_view text);

// The first character a configuration may not contain (YAML 1.2 section 5.1,
// c-printable: tab, line breaks and printable Unicode, as valid UTF-8), with
// its 1-based line and column; nullopt if there is none. Both front ends
// (YAML and keepalived.conf) accept the same text, so an imported file always
// converts to YAML that loads back.
struct BadCharacter {
  int line;
  int column;
  std::string what;  // "control character 0x01", "invalid UTF-8 byte 0xff"
};
std::optional<BadCharacter> find_unprintable(std::string_view text);
inline constexpr const char* kTextRule = "a configuration is UTF-8 text (tab, line breaks and printable characters)";

}  // namespace lvsd::conf
