#pragma once
// The text of one route or rule, as keepalived.conf's static_routes /
// virtual_routes and static_rules / virtual_rules lines and lvsd's YAML
// strings give it: `ip route` / `ip rule` words. Shared by both front ends,
// so both give the same messages. A failure names the word it is about (its
// index, for the keepalived importer to turn into file:line:col); options
// keepalived 2.2.7 documents that lvsd does not implement are refused by name.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "core/result.hpp"

namespace lvsd::conf {

struct SyntaxError {
  std::size_t word = 0;  // index of the word the message is about
  std::string message;
};

// Either the value or the error: one of them is set.
template <typename T>
struct Parsed {
  std::optional<T> value;
  SyntaxError error;
};

Parsed<IpRoute> parse_ip_route(const std::vector<std::string>& words);
Parsed<IpRule> parse_ip_rule(const std::vector<std::string>& words);
// Canonical text that the parsers read back to the same value.
std::string ip_route_text(const IpRoute& route);
std::string ip_rule_text(const IpRule& rule);
// The same, from one string split at white space (YAML); the error's word
// is then named in the message.
core::Result<IpRoute> parse_ip_route(std::string_view text);
core::Result<IpRule> parse_ip_rule(std::string_view text);

// "main" 254, "local" 255, "default" 253 or a number 1-4294967295.
core::Result<std::uint32_t> parse_route_table(std::string_view text);

}  // namespace lvsd::conf
