#pragma once
// What to check and how often, in the healthcheck library's own terms. The
// daemon maps conf/ structs onto these (the library never sees YAML).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/script.hpp"
#include "healthcheck/dns_message.hpp"
#include "healthcheck/health_state.hpp"
#include "healthcheck/http_response.hpp"

namespace lvsd::healthcheck {

enum class CheckKind : std::uint8_t { kTcp, kHttp, kSsl, kRedis, kMisc, kPing, kUdp, kDns, kSmtp };

// keepalived's names: TCP_CHECK, HTTP_GET, SSL_GET, REDIS_CHECK, MISC_CHECK,
// PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK.
const char* to_string(CheckKind kind);

struct HttpUrl {
  std::string path = "/";
  StatusCodes status{};               // default 200-299
  std::optional<std::string> digest{};  // MD5 of the body, 32 hex digits (case-insensitive)
  std::string host{};                 // Host header of this url; empty: the check's (virtualhost)
  std::string tls_sni{};              // SSL_GET: the server name of this url; empty: the check's tls_sni
  // A PCRE2 pattern the response (from its first byte, headers too) must
  // match (regex_no_match: must not), the match starting in
  // [regex_min_offset, regex_max_offset] (core/response_regex.hpp).
  std::optional<std::string> regex{};
  std::vector<std::string> regex_options{};  // keepalived's names
  bool regex_no_match = false;
  std::size_t regex_min_offset = 0;
  std::optional<std::size_t> regex_max_offset{};
};

// keepalived's http_protocol: HTTP/1.0 without "Connection: close", 1.0 with
// it (1.0C), or HTTP/1.1 (always with it).
enum class HttpVersion : std::uint8_t { k1_0, k1_0_close, k1_1 };

enum class RedisRole { kAny, kMaster, kReplica };

struct CheckSpec {
  CheckKind kind = CheckKind::kTcp;

  // Target (connect_ip / connect_port). IPv4 or IPv6 literal. PING_CHECK has no port (0).
  std::string address{};
  std::uint16_t port = 0;

  // Timing. The first run comes after a random offset in [0, delay_loop).
  core::Duration connect_timeout = std::chrono::seconds(5);  // bounds one whole probe (per url for HTTP)
  core::Duration delay_loop = std::chrono::seconds(60);      // interval, end of a probe to start of the next
  core::Duration delay_before_retry = std::chrono::seconds(1);  // interval while up but failing
  // The first probe (and the first after a pause) comes a random time in
  // [0, warmup) after the check starts; unset: delay_loop.
  std::optional<core::Duration> warmup{};
  HealthThresholds thresholds{}; // rise, fall (keepalived's retry), start_up

  // The probe's socket (keepalived's bindto, bind_port, bind_if, fwmark): the
  // source address (a literal of the target's family; empty: the kernel's
  // choice) and port (0: any), SO_BINDTODEVICE, SO_MARK (0: none). PING_CHECK
  // uses all but the port; REDIS_CHECK the address only; MISC_CHECK none.
  std::string bind_address{};
  std::uint16_t bind_port = 0;
  std::string bind_interface{};
  std::uint32_t fwmark = 0;

  // HTTP_GET / SSL_GET
  std::vector<HttpUrl> urls{};           // every one must pass; empty means {"/"}
  std::string virtualhost{};             // Host header; empty: the target address
  HttpVersion http_version = HttpVersion::k1_1;
  std::size_t max_response_header_bytes = 16 * 1024;
  std::size_t max_response_body_bytes = 1024 * 1024;

  // SSL_GET
  std::string tls_sni{};                 // server name sent (SNI) for urls without their own; empty: none
  bool tls_verify = false;               // verify chain (and name: tls_sni, else virtualhost, else the address)
  std::string tls_ca_file{};             // empty: system default paths

  // REDIS_CHECK
  std::string redis_password{};          // AUTH first when set
  RedisRole redis_expect_role = RedisRole::kAny;

  // MISC_CHECK
  std::vector<std::string> misc_argv{};  // argv[0] is the program (PATH is searched)
  core::ScriptPolicy misc_policy{};      // user it runs as; refuse unsafe (enable_script_security)
  core::Duration misc_timeout{0};        // 0: delay_loop
  bool misc_dynamic = false;             // exit 2..255 => up with weight code-2

  // UDP_CHECK
  std::vector<std::uint8_t> udp_payload{};         // empty: 16 random bytes per probe
  bool udp_require_reply = false;                  // false: silence passes, an ICMP error fails
  std::vector<std::uint8_t> udp_reply{};           // with require_reply: the reply's first bytes
  std::vector<std::uint8_t> udp_reply_wildcard{};  // per udp_reply byte, bits that match anything
  std::uint16_t udp_min_reply_length = 0;          // with udp_reply: the reply's length bounds
  std::uint16_t udp_max_reply_length = 255;

  // DNS_CHECK
  DnsType dns_type = DnsType::kSoa;
  std::string dns_name = ".";

  // SMTP_CHECK
  std::string smtp_helo_name{};  // required (the daemon fills in the host name)
};

// The same string for checks that are the same check: target, kind and every
// parameter, including timing and thresholds (compact binary fields, not text). CheckScheduler runs one probe
// per identity, however many subscribers share it.
std::string check_identity(const CheckSpec& spec);

// Short text for logs: "HTTP_GET 10.0.0.5:80".
std::string describe(const CheckSpec& spec);
// The same text from a check_identity() (which is binary, not for logs), so
// that a check keeps no description of its own.
std::string describe_identity(std::string_view identity);

// "3s", "150ms", "1.5s", "250us" — for reasons such as "connect timeout after 3s".
std::string format_duration(core::Duration d);

// The outcome of one probe.
struct CheckResult {
  bool up = false;
  std::string reason{};               // "HTTP 503 on /health", "connect timeout after 3s", ...
  core::Duration latency{0};            // from probe start to result
  std::optional<int> weight{};       // misc_dynamic: the weight the script asked for
};

}  // namespace lvsd::healthcheck
