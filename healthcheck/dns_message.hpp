#pragma once
// DNS_CHECK's query and the part of a reply it reads (pure). RFC 1035 4.1:
// a 12-byte header (id, flags, four counts), then the question: the name as
// length-prefixed labels ending with the empty root label, type, class.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace lvsd::healthcheck {

// The query types keepalived 2.2.7's DNS_CHECK knows (RFC 1035 3.2.2, RFC 3596).
enum class DnsType : std::uint16_t { kA = 1, kNs = 2, kCname = 5, kSoa = 6, kMx = 15, kTxt = 16, kAaaa = 28 };

// "A", "SOA", ...
const char* to_string(DnsType type);

// One question for `name` ("." or "" is the root; a final dot is optional)
// of `type`, class IN, recursion desired (as keepalived asks). An Error when
// the name is not valid (an empty label as in "a..b", a label over 63
// bytes, more than 255 bytes encoded).
core::Result<std::vector<std::uint8_t>> build_dns_query(std::uint16_t id, std::string_view name, DnsType type);

struct DnsHeader {
  std::uint16_t id = 0;
  bool response = false;  // QR
  int rcode = 0;          // 0 NOERROR, 1 FORMERR, 2 SERVFAIL, 3 NXDOMAIN, 4 NOTIMP, 5 REFUSED
  std::uint16_t answers = 0;
};

// The header of a message; nullopt when shorter than one.
std::optional<DnsHeader> parse_dns_header(std::span<const std::uint8_t> message);

// "NOERROR", "NXDOMAIN", ... or "rcode N" (RFC 1035 4.1.1, RFC 6895 2.3).
std::string dns_rcode_name(int rcode);

}  // namespace lvsd::healthcheck
