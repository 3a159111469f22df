#pragma once
// The control socket protocol (pure: no I/O). One JSON object per line in
// each direction over a Unix stream socket:
//
//   -> {"command":"drain","virtual_server":"TCP 10.0.0.1:80","real_server":"10.0.0.2:80","timeout_s":30}
//   <- {"ok":true,"result":{...}}
//   <- {"ok":false,"error":"configuration refused","errors":["lvsd.yaml:3:5: ..."]}
//
// A request line longer than kMaxRequestBytes is answered with an error and
// the connection is closed. Unknown commands, unknown fields, missing fields
// and fields of the wrong type are errors that name the field; a duplicate key
// (at any depth) or a NUL byte anywhere in the line is an error too.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"
#include "director/types.hpp"

namespace lvsd::control {

inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// A real server inside a virtual server. Without a port the real server is
// found by address alone (it must then be the only one with that address).
struct RealServerRef {
  core::IpAddress address{};
  std::optional<std::uint16_t> port{};
  bool operator==(const RealServerRef&) const = default;
};

struct StatusRequest {
  bool operator==(const StatusRequest&) const = default;
};
struct ReloadRequest {
  bool operator==(const ReloadRequest&) const = default;
};
struct DrainRequest {
  director::ServiceKey virtual_server{};
  RealServerRef real_server{};
  // Unset: wait for the active connections to end, however long it takes.
  std::optional<std::uint32_t> timeout_s{};
  bool operator==(const DrainRequest&) const = default;
};
struct UndrainRequest {
  director::ServiceKey virtual_server{};
  RealServerRef real_server{};
  bool operator==(const UndrainRequest&) const = default;
};
struct EnableRequest {
  director::ServiceKey virtual_server{};
  bool operator==(const EnableRequest&) const = default;
};
struct DisableRequest {
  director::ServiceKey virtual_server{};
  bool operator==(const DisableRequest&) const = default;
};
// Hitless restart: lvsd re-executes its own binary (same pid).
struct RestartRequest {
  bool operator==(const RestartRequest&) const = default;
};

// Scale-out: withdraw every announcement of this node (forwarding goes on);
// with `stop`, lvsd then stops after global.announce.drain_grace.
struct DrainNodeRequest {
  bool stop = false;
  bool operator==(const DrainNodeRequest&) const = default;
};
struct UndrainNodeRequest {
  bool operator==(const UndrainNodeRequest&) const = default;
};

using Request = std::variant<StatusRequest, ReloadRequest, DrainRequest, UndrainRequest, EnableRequest,
                             DisableRequest, RestartRequest, DrainNodeRequest, UndrainNodeRequest>;

// "status", "reload", "drain", ... (the "command" field).
std::string_view command_name(const Request& request);

// One request line (without its '\n'). Errors say what is wrong, e.g.
// "field 'timeout_s' of drain must be a non-negative integer".
core::Result<Request> parse_request(std::string_view line);
// The line a client sends (one JSON object, no trailing '\n').
std::string encode_request(const Request& request);

// Virtual server identity as an operator types it or `lvsctl status` shows it:
//   "10.0.0.1:80" (TCP), "TCP 10.0.0.1:80", "udp/[2001:db8::1]:53",
//   "FWM 5", "fwm:5", "FWM 5 IPv6".
core::Result<director::ServiceKey> parse_virtual_server(std::string_view text);
// "10.0.0.2:80", "[2001:db8::2]:80", "10.0.0.2", "2001:db8::2".
core::Result<RealServerRef> parse_real_server(std::string_view text);
std::string describe(const RealServerRef& ref);

// Replies.
struct Reply {
  bool ok = false;
  nlohmann::json result{};            // ok: command-specific payload (may be null)
  std::string error{};                // !ok: one line
  std::vector<std::string> errors{};  // !ok: details (e.g. every config error of a refused reload)
};

std::string encode_reply(const Reply& reply);  // one line, no trailing '\n'
Reply ok_reply(nlohmann::json result = nullptr);
Reply error_reply(std::string error, std::vector<std::string> errors = {});
core::Result<Reply> parse_reply(std::string_view line);

}  // namespace lvsd::control
