#include "cli/connections.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <sstream>

namespace lvsd::cli {

namespace {

bool parse_hex(std::string_view text, std::uint32_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

// "0A000001" (IPv4, hex, network order as printed) or "2001:0db8:...".
bool parse_address(std::string_view text, core::IpAddress& out) {
  if (text.find(':') != std::string_view::npos) {
    auto parsed = core::IpAddress::parse(text);
    if (!parsed) return false;
    out = *parsed;
    return true;
  }
  std::uint32_t v = 0;
  if (text.size() != 8 || !parse_hex(text, v)) return false;
  const std::array<std::uint8_t, 4> bytes = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                                             static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  out = core::IpAddress::v4(bytes);
  return true;
}

bool parse_port(std::string_view text, std::uint16_t& out) {
  std::uint32_t v = 0;
  if (text.size() != 4 || !parse_hex(text, v)) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

}  // namespace

core::Result<std::vector<Connection>> parse_proc_connections(std::string_view text) {
  std::vector<Connection> out;
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line.rfind("Pro ", 0) == 0) continue;  // the header
    std::istringstream fields(line);
    std::string proto, from, fport, to, tport, dest, dport, state, expires;
    fields >> proto >> from >> fport >> to >> tport >> dest >> dport >> state >> expires;
    Connection c;
    c.protocol = proto;
    c.state = state;
    fields >> c.pe_name >> c.pe_data;
    unsigned long expires_v = 0;
    auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), expires_v);
    const bool ok = !proto.empty() && parse_address(from, c.client.address) && parse_port(fport, c.client.port) &&
                    parse_address(to, c.virtual_server.address) && parse_port(tport, c.virtual_server.port) &&
                    parse_address(dest, c.destination.address) && parse_port(dport, c.destination.port) && !state.empty() &&
                    ec == std::errc() && end == expires.data() + expires.size() && !expires.empty();
    if (!ok) return core::Error{"/proc/net/ip_vs_conn line " + std::to_string(line_no) + ": cannot parse: " + line};
    c.expires_s = static_cast<std::uint32_t>(expires_v);
    out.push_back(std::move(c));
  }
  return out;
}

std::string format_connections(const std::vector<Connection>& connections) {
  std::string out =
      "IPVS connection entries\n"
      "pro expire state       source             virtual            destination\n";
  char buf[256];
  for (const auto& c : connections) {
    const std::string src = c.client.to_string();
    const std::string vip = c.virtual_server.to_string();
    const std::string dst = c.destination.to_string();
    std::snprintf(buf, sizeof buf, "%-3s %02u:%02u  %-11s %-18s %-18s %s\n", c.protocol.c_str(), c.expires_s / 60,
                  c.expires_s % 60, c.state.c_str(), src.c_str(), vip.c_str(), dst.c_str());
    out += buf;
  }
  return out;
}

nlohmann::json to_json(const std::vector<Connection>& connections) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : connections) {
    nlohmann::json j{{"protocol", c.protocol},
                     {"client", c.client.address.to_string()},
                     {"client_port", c.client.port},
                     {"virtual_address", c.virtual_server.address.to_string()},
                     {"virtual_port", c.virtual_server.port},
                     {"destination", c.destination.address.to_string()},
                     {"destination_port", c.destination.port},
                     {"state", c.state},
                     {"expires", c.expires_s}};
    if (!c.pe_name.empty()) j["pe_name"] = c.pe_name;
    if (!c.pe_data.empty()) j["pe_data"] = c.pe_data;
    arr.push_back(std::move(j));
  }
  return nlohmann::json{{"connections", std::move(arr)}};
}

}  // namespace lvsd::cli
