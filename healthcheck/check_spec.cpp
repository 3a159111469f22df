#include "healthcheck/check_spec.hpp"

#include <cstdio>

namespace lvsd::healthcheck {

const char* to_string(CheckKind kind) {
  switch (kind) {
    case CheckKind::kTcp: return "TCP_CHECK";
    case CheckKind::kHttp: return "HTTP_GET";
    case CheckKind::kSsl: return "SSL_GET";
    case CheckKind::kRedis: return "REDIS_CHECK";
    case CheckKind::kMisc: return "MISC_CHECK";
  }
  return "?";
}

namespace {

// Length-prefixed fields: no separator inside a value can make two different
// specs collide.
void field(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ';';
}
void field(std::string& out, long long value) { field(out, std::to_string(value)); }

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

std::string check_identity(const CheckSpec& s) {
  std::string out;
  field(out, static_cast<long long>(s.kind));
  field(out, s.address);
  field(out, s.port);
  field(out, s.connect_timeout.count());
  field(out, s.delay_loop.count());
  field(out, s.delay_before_retry.count());
  field(out, s.thresholds.rise);
  field(out, s.thresholds.fall);
  field(out, s.thresholds.start_up ? 1 : 0);
  switch (s.kind) {
    case CheckKind::kTcp: break;
    case CheckKind::kSsl:
      field(out, s.tls_sni);
      field(out, s.tls_verify ? 1 : 0);
      field(out, s.tls_ca_file);
      [[fallthrough]];
    case CheckKind::kHttp:
      field(out, s.virtualhost);
      field(out, static_cast<long long>(s.max_response_header_bytes));
      field(out, static_cast<long long>(s.max_response_body_bytes));
      field(out, static_cast<long long>(s.urls.size()));
      for (const auto& u : s.urls) {
        field(out, u.path);
        field(out, u.status.low);
        field(out, u.status.high);
        field(out, u.digest ? "d" + lower(*u.digest) : std::string("-"));
      }
      break;
    case CheckKind::kRedis:
      field(out, s.redis_password);
      field(out, static_cast<long long>(s.redis_expect_role));
      break;
    case CheckKind::kMisc:
      field(out, static_cast<long long>(s.misc_argv.size()));
      for (const auto& a : s.misc_argv) field(out, a);
      field(out, s.misc_timeout.count());
      field(out, s.misc_dynamic ? 1 : 0);
      break;
  }
  return out;
}

std::string describe(const CheckSpec& spec) {
  std::string out = to_string(spec.kind);
  if (spec.kind == CheckKind::kMisc) {
    out += ' ';
    out += spec.misc_argv.empty() ? std::string("(no command)") : spec.misc_argv.front();
    return out;
  }
  out += ' ';
  bool v6 = spec.address.find(':') != std::string::npos;
  out += v6 ? "[" + spec.address + "]" : spec.address;
  out += ':';
  out += std::to_string(spec.port);
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
