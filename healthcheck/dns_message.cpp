#include "healthcheck/dns_message.hpp"

namespace lvsd::healthcheck {
namespace {

constexpr std::size_t kHeaderBytes = 12;
constexpr std::size_t kMaxLabel = 63;    // RFC 1035 2.3.4
constexpr std::size_t kMaxName = 255;    // encoded, length bytes and root label included
constexpr std::uint16_t kRecursionDesired = 0x0100;
constexpr std::uint16_t kClassIn = 1;

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

}  // namespace

const char* to_string(DnsType type) {
  switch (type) {
    case DnsType::kA: return "A";
    case DnsType::kNs: return "NS";
    case DnsType::kCname: return "CNAME";
    case DnsType::kSoa: return "SOA";
    case DnsType::kMx: return "MX";
    case DnsType::kTxt: return "TXT";
    case DnsType::kAaaa: return "AAAA";
  }
  return "?";
}

core::Result<std::vector<std::uint8_t>> build_dns_query(std::uint16_t id, std::string_view name, DnsType type) {
  std::vector<std::uint8_t> out;
  out.reserve(kHeaderBytes + name.size() + 6);
  put16(out, id);
  put16(out, kRecursionDesired);
  put16(out, 1);  // QDCOUNT
  put16(out, 0);  // ANCOUNT
  put16(out, 0);  // NSCOUNT
  put16(out, 0);  // ARCOUNT
  if (name == ".") name = {};
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::size_t encoded = 1;  // the root label
  while (!name.empty()) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty()) return core::Error{"empty label in DNS name"};
    if (label.size() > kMaxLabel) return core::Error{"DNS label longer than 63 bytes"};
    encoded += 1 + label.size();
    if (encoded > kMaxName) return core::Error{"DNS name longer than 255 bytes"};
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
    if (name.empty()) return core::Error{"empty label in DNS name"};
  }
  out.push_back(0);
  put16(out, static_cast<std::uint16_t>(type));
  put16(out, kClassIn);
  return out;
}

std::optional<DnsHeader> parse_dns_header(std::span<const std::uint8_t> m) {
  if (m.size() < kHeaderBytes) return std::nullopt;
  const auto flags = static_cast<std::uint16_t>(m[2] << 8 | m[3]);
  return DnsHeader{.id = static_cast<std::uint16_t>(m[0] << 8 | m[1]),
                   .response = (flags & 0x8000) != 0,
                   .rcode = flags & 0x000f,
                   .answers = static_cast<std::uint16_t>(m[6] << 8 | m[7])};
}

std::string dns_rcode_name(int rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
  }
  return "rcode " + std::to_string(rcode);
}

}  // namespace lvsd::healthcheck
