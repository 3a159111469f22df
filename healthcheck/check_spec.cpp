#include "healthcheck/check_spec.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string_view>

namespace lvsd::healthcheck {

const char* to_string(CheckKind kind) {
  switch (kind) {
    case CheckKind::kTcp: return "TCP_CHECK";
    case CheckKind::kHttp: return "HTTP_GET";
    case CheckKind::kSsl: return "SSL_GET";
    case CheckKind::kRedis: return "REDIS_CHECK";
    case CheckKind::kMisc: return "MISC_CHECK";
    case CheckKind::kPing: return "PING_CHECK";
    case CheckKind::kUdp: return "UDP_CHECK";
    case CheckKind::kDns: return "DNS_CHECK";
    case CheckKind::kSmtp: return "SMTP_CHECK";
  }
  return "?";
}

namespace {

// Self-delimiting binary fields (a length, then the bytes), so that no
// value can make two different specs collide, and short: one identity is
// kept per check (thousands of them). Lengths below 255 take one byte; 255
// announces a 4-byte length. Numbers are their little-endian bytes without
// leading zeros (as unsigned 64-bit: negative ones take 8).
void field(std::string& out, std::string_view value) {
  if (value.size() < 255) {
    out += static_cast<char>(value.size());
  } else {
    out += static_cast<char>(255);
    const auto n = static_cast<std::uint32_t>(value.size());
    for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  out += value;
}
void field(std::string& out, long long value) {
  char bytes[8];
  std::size_t n = 0;
  for (auto u = static_cast<unsigned long long>(value); u != 0; u >>= 8) bytes[n++] = static_cast<char>(u & 0xff);
  field(out, std::string_view(bytes, n));
}

// Reads the fields back (describe_identity).
class FieldReader {
 public:
  explicit FieldReader(std::string_view in) : in_(in) {}
  std::optional<std::string_view> text() {
    if (in_.empty()) return std::nullopt;
    std::size_t n = static_cast<unsigned char>(in_[0]);
    std::size_t header = 1;
    if (n == 255) {
      if (in_.size() < 5) return std::nullopt;
      n = 0;
      for (int i = 0; i < 4; ++i) n |= std::size_t{static_cast<unsigned char>(in_[1 + i])} << (8 * i);
      header = 5;
    }
    if (in_.size() - header < n) return std::nullopt;
    std::string_view value = in_.substr(header, n);
    in_.remove_prefix(header + n);
    return value;
  }
  std::optional<unsigned long long> number() {
    auto bytes = text();
    if (!bytes || bytes->size() > 8) return std::nullopt;
    unsigned long long v = 0;
    for (std::size_t i = 0; i < bytes->size(); ++i) v |= static_cast<unsigned long long>(static_cast<unsigned char>((*bytes)[i])) << (8 * i);
    return v;
  }

 private:
  std::string_view in_;
};

std::string describe_target(CheckKind kind, std::string_view address, unsigned port) {
  std::string out = to_string(kind);
  out += ' ';
  const bool v6 = address.find(':') != std::string_view::npos && kind != CheckKind::kPing;
  if (v6) out += '[';
  out += address;
  if (v6) out += ']';
  if (kind == CheckKind::kPing) return out;  // no port
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

std::string check_identity(const CheckSpec& s) {
  std::string out;
  out.reserve(96);
  field(out, static_cast<long long>(s.kind));
  field(out, s.address);
  field(out, s.port);
  field(out, s.connect_timeout.count());
  field(out, s.delay_loop.count());
  field(out, s.delay_before_retry.count());
  field(out, s.thresholds.rise);
  field(out, s.thresholds.fall);
  field(out, s.thresholds.start_up ? 1 : 0);
  // (describe_identity() reads kind, address and port, and skips the six above.)
  field(out, s.warmup ? s.warmup->count() + 1 : 0);
  field(out, s.bind_address);
  field(out, s.bind_port);
  field(out, s.bind_interface);
  field(out, s.fwmark);
  switch (s.kind) {
    case CheckKind::kTcp:
    case CheckKind::kPing: break;
    case CheckKind::kSsl:
      field(out, s.tls_sni);
      field(out, s.tls_verify ? 1 : 0);
      field(out, s.tls_ca_file);
      [[fallthrough]];
    case CheckKind::kHttp:
      field(out, s.virtualhost);
      field(out, static_cast<long long>(s.http_version));
      field(out, static_cast<long long>(s.max_response_header_bytes));
      field(out, static_cast<long long>(s.max_response_body_bytes));
      field(out, static_cast<long long>(s.urls.size()));
      for (const auto& u : s.urls) {
        field(out, u.path);
        field(out, static_cast<long long>(u.status.more.size()) + 1);
        field(out, u.status.first.low);
        field(out, u.status.first.high);
        for (const auto& r : u.status.more) {
          field(out, r.low);
          field(out, r.high);
        }
        field(out, u.digest ? "d" + lower(*u.digest) : std::string("-"));
        field(out, u.host);
        field(out, u.tls_sni);
        field(out, u.regex ? "r" + *u.regex : std::string("-"));
        if (u.regex) {
          field(out, static_cast<long long>(u.regex_options.size()));
          for (const auto& o : u.regex_options) field(out, o);
          field(out, u.regex_no_match ? 1 : 0);
          field(out, static_cast<long long>(u.regex_min_offset));
          field(out, u.regex_max_offset ? static_cast<long long>(*u.regex_max_offset) + 1 : 0);
        }
      }
      break;
    case CheckKind::kRedis:
      field(out, s.redis_password);
      field(out, static_cast<long long>(s.redis_expect_role));
      break;
    case CheckKind::kMisc:
      field(out, static_cast<long long>(s.misc_argv.size()));  // describe_identity() reads argv[0] next
      for (const auto& a : s.misc_argv) field(out, a);
      field(out, s.misc_timeout.count());
      field(out, s.misc_dynamic ? 1 : 0);
      field(out, s.misc_policy.user ? "u" + *s.misc_policy.user : std::string("-"));
      field(out, s.misc_policy.group ? "g" + *s.misc_policy.group : std::string("-"));
      field(out, s.misc_policy.security ? 1 : 0);
      break;
    case CheckKind::kUdp:
      field(out, std::string_view(reinterpret_cast<const char*>(s.udp_payload.data()), s.udp_payload.size()));
      field(out, s.udp_require_reply ? 1 : 0);
      field(out, std::string_view(reinterpret_cast<const char*>(s.udp_reply.data()), s.udp_reply.size()));
      field(out, std::string_view(reinterpret_cast<const char*>(s.udp_reply_wildcard.data()), s.udp_reply_wildcard.size()));
      field(out, s.udp_min_reply_length);
      field(out, s.udp_max_reply_length);
      break;
    case CheckKind::kDns:
      field(out, static_cast<long long>(s.dns_type));
      field(out, s.dns_name);
      break;
    case CheckKind::kSmtp:
      field(out, s.smtp_helo_name);
      break;
  }
  return out;
}

std::string describe(const CheckSpec& spec) {
  if (spec.kind == CheckKind::kMisc) {
    std::string out = to_string(spec.kind);
    out += ' ';
    out += spec.misc_argv.empty() ? std::string("(no command)") : spec.misc_argv.front();
    return out;
  }
  return describe_target(spec.kind, spec.address, spec.port);
}

std::string describe_identity(std::string_view identity) {
  FieldReader in(identity);
  const auto kind_number = in.number();
  const auto address = in.text();
  const auto port = in.number();
  if (!kind_number || !address || !port || *kind_number > static_cast<unsigned>(CheckKind::kSmtp)) return "(check)";
  const auto kind = static_cast<CheckKind>(*kind_number);
  if (kind != CheckKind::kMisc) return describe_target(kind, *address, static_cast<unsigned>(*port));
  // Timing and thresholds (6 fields), warmup and the socket (5), then argc and argv.
  for (int i = 0; i < 11; ++i) in.text();
  const auto argc = in.number();
  const auto program = in.text();
  std::string out = to_string(kind);
  out += ' ';
  out += (argc && *argc > 0 && program) ? std::string(*program) : std::string("(no command)");
  return out;
}

std::string format_duration(core::Duration d) {
  using namespace std::chrono;
  auto ns = d.count();
  char buf[48];
  if (ns % 1'000'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ns / 1'000'000'000));
  } else if (ns >= 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.3gs", static_cast<double>(ns) / 1e9);
  } else if (ns % 1'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ns / 1'000'000));
  } else if (ns >= 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.3gms", static_cast<double>(ns) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(ns / 1000));
  }
  return buf;
}

}  // namespace lvsd::healthcheck
