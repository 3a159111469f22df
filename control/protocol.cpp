#include "control/protocol.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <set>

namespace lvsd::control {

namespace {

using nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

template <typename T>
std::optional<T> parse_unsigned(std::string_view s) {
  T value{};
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// An address alone ("ADDR", "V6", "[V6]") or a core::Endpoint ("ADDR:PORT",
// "[V6]:PORT") with a port from 1.
core::Result<RealServerRef> parse_endpoint(std::string_view text) {
  if (text.empty()) return core::Error{"empty address"};
  std::string_view bare = text;
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
  if (auto address = core::IpAddress::parse(bare)) return RealServerRef{.address = *address, .port = {}};
  if (text.find_first_of(":[") == std::string_view::npos) {
    return core::Error{"'" + std::string(text) + "' is not an IP address"};
  }
  auto endpoint = core::Endpoint::parse(text, 1);
  if (!endpoint.ok()) return endpoint.error();
  return RealServerRef{.address = endpoint->address, .port = endpoint->port};
}

director::Protocol protocol_of(std::string_view lowered) {
  if (lowered == "udp") return director::Protocol::kUdp;
  if (lowered == "sctp") return director::Protocol::kSctp;
  return director::Protocol::kTcp;
}

// --- request fields ----------------------------------------------------------

class Fields {
 public:
  Fields(const json& object, std::string command) : object_(object), command_(std::move(command)) {}

  core::Result<std::string> string(const char* name) {
    seen_.insert(name);
    const auto it = object_.find(name);
    if (it == object_.end()) return core::Error{command_ + ": missing field '" + name + "'"};
    if (!it->is_string()) return core::Error{command_ + ": field '" + name + "' must be a string"};
    return it->get<std::string>();
  }

  core::Result<std::optional<std::uint32_t>> optional_seconds(const char* name) {
    seen_.insert(name);
    const auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) return std::optional<std::uint32_t>{};
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
      return core::Error{command_ + ": field '" + name + "' must be an integer number of seconds (0-4294967295)"};
    }
    return std::optional<std::uint32_t>{it->get<std::uint32_t>()};
  }

  core::Result<bool> optional_bool(const char* name) {
    seen_.insert(name);
    const auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) return false;
    if (!it->is_boolean()) return core::Error{command_ + ": field '" + name + "' must be true or false"};
    return it->get<bool>();
  }

  // Every field of the object must have been asked for.
  core::Status no_others() const {
    for (const auto& [key, value] : object_.items()) {
      if (key != "command" && !seen_.contains(key)) return core::Error{command_ + ": unknown field '" + key + "'"};
    }
    return {};
  }

 private:
  const json& object_;
  std::string command_;
  std::set<std::string> seen_;
};

core::Result<director::ServiceKey> virtual_server_field(Fields& fields) {
  auto text = fields.string("virtual_server");
  if (!text.ok()) return text.error();
  auto key = parse_virtual_server(*text);
  if (!key.ok()) return key.error().context("virtual_server");
  return *key;
}

core::Result<RealServerRef> real_server_field(Fields& fields) {
  auto text = fields.string("real_server");
  if (!text.ok()) return text.error();
  auto ref = parse_real_server(*text);
  if (!ref.ok()) return ref.error().context("real_server");
  return *ref;
}

core::Result<Request> parse_fields(const std::string& command, Fields& fields) {
  if (command == "status") return Request{StatusRequest{}};
  if (command == "reload") return Request{ReloadRequest{}};
  if (command == "restart") return Request{RestartRequest{}};
  if (command == "undrain-node") return Request{UndrainNodeRequest{}};
  if (command == "drain-node") {
    auto stop = fields.optional_bool("stop");
    if (!stop.ok()) return stop.error();
    return Request{DrainNodeRequest{.stop = *stop}};
  }
  if (command == "enable" || command == "disable") {
    auto vs = virtual_server_field(fields);
    if (!vs.ok()) return vs.error();
    if (command == "enable") return Request{EnableRequest{.virtual_server = *vs}};
    return Request{DisableRequest{.virtual_server = *vs}};
  }
  if (command == "drain" || command == "undrain") {
    auto vs = virtual_server_field(fields);
    if (!vs.ok()) return vs.error();
    auto rs = real_server_field(fields);
    if (!rs.ok()) return rs.error();
    if (command == "undrain") return Request{UndrainRequest{.virtual_server = *vs, .real_server = *rs}};
    auto timeout = fields.optional_seconds("timeout_s");
    if (!timeout.ok()) return timeout.error();
    return Request{DrainRequest{.virtual_server = *vs, .real_server = *rs, .timeout_s = *timeout}};
  }
  return core::Error{"unknown command '" + command +
                     "' (known: status, reload, drain, undrain, enable, disable, restart, drain-node, undrain-node)"};
}

struct Encoder {
  json operator()(const StatusRequest&) const { return {{"command", "status"}}; }
  json operator()(const ReloadRequest&) const { return {{"command", "reload"}}; }
  json operator()(const RestartRequest&) const { return {{"command", "restart"}}; }
  json operator()(const UndrainNodeRequest&) const { return {{"command", "undrain-node"}}; }
  json operator()(const DrainNodeRequest& r) const {
    json j{{"command", "drain-node"}};
    if (r.stop) j["stop"] = true;
    return j;
  }
  json operator()(const EnableRequest& r) const {
    return {{"command", "enable"}, {"virtual_server", director::describe(r.virtual_server)}};
  }
  json operator()(const DisableRequest& r) const {
    return {{"command", "disable"}, {"virtual_server", director::describe(r.virtual_server)}};
  }
  json operator()(const DrainRequest& r) const {
    json j{{"command", "drain"},
           {"virtual_server", director::describe(r.virtual_server)},
           {"real_server", describe(r.real_server)}};
    if (r.timeout_s) j["timeout_s"] = *r.timeout_s;
    return j;
  }
  json operator()(const UndrainRequest& r) const {
    return {{"command", "undrain"},
            {"virtual_server", director::describe(r.virtual_server)},
            {"real_server", describe(r.real_server)}};
  }
};

}  // namespace

std::string_view command_name(const Request& request) {
  static constexpr std::string_view kNames[] = {"status", "reload", "drain", "undrain", "enable", "disable", "restart",
                                                "drain-node", "undrain-node"};
  return kNames[request.index()];
}

core::Result<Request> parse_request(std::string_view line) {
  if (line.size() > kMaxRequestBytes) {
    return core::Error{"request longer than " + std::to_string(kMaxRequestBytes) + " bytes"};
  }
  // nlohmann's lexer takes a NUL byte for the end of input, so whatever follows
  // one would be ignored unseen.
  if (const auto nul = line.find('\0'); nul != std::string_view::npos) {
    return core::Error{"malformed request: NUL byte at offset " + std::to_string(nul)};
  }
  // A duplicate key (at any depth) is refused: the parser would silently keep
  // one of them ({"command":"status","command":"reload"} would reload). RFC 8259
  // section 4 leaves the outcome to implementations; refusing is the safe one.
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::optional<std::string> duplicate;
  const json::parser_callback_t check_keys = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == json::parse_event_t::key && !keys.empty() && !duplicate) {
      if (!keys.back().insert(parsed.get<std::string>()).second) duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json object;
  try {
    object = json::parse(line, check_keys);
  } catch (const json::exception& e) {
    return core::Error{std::string("malformed JSON: ") + e.what()};
  }
  if (duplicate) return core::Error{"malformed request: duplicate key '" + *duplicate + "'"};
  if (!object.is_object()) return core::Error{"a request must be a JSON object"};
  const auto command = object.find("command");
  if (command == object.end()) return core::Error{"missing field 'command'"};
  if (!command->is_string()) return core::Error{"field 'command' must be a string"};
  const std::string name = command->get<std::string>();
  Fields fields(object, name);
  auto request = parse_fields(name, fields);
  if (!request.ok()) return request.error();
  if (auto st = fields.no_others(); !st.ok()) return st.error();
  return request;
}

std::string encode_request(const Request& request) { return std::visit(Encoder{}, request).dump(); }

core::Result<director::ServiceKey> parse_virtual_server(std::string_view raw) {
  const std::string shown(raw);
  std::string_view text = trim(raw);
  const std::string lowered = lower(text);
  // Firewall mark: "FWM 5", "fwm:5", "FWM 5 IPv6".
  if (lowered.rfind("fwm", 0) == 0 && lowered.size() > 4 && (lowered[3] == ' ' || lowered[3] == ':')) {
    std::string_view rest = trim(text.substr(4));
    core::AddressFamily family = core::AddressFamily::kIpv4;
    const auto space = rest.find(' ');
    if (space != std::string_view::npos) {
      if (lower(trim(rest.substr(space + 1))) != "ipv6") {
        return core::Error{"'" + shown + "': expected 'FWM MARK' or 'FWM MARK IPv6'"};
      }
      family = core::AddressFamily::kIpv6;
      rest = rest.substr(0, space);
    }
    auto mark = parse_unsigned<std::uint32_t>(rest);
    if (!mark || *mark == 0) return core::Error{"'" + shown + "': firewall mark must be 1-4294967295"};
    return director::ServiceKey::firewall_mark(family, *mark);
  }
  director::Protocol protocol = director::Protocol::kTcp;
  for (const char* name : {"tcp", "udp", "sctp"}) {
    const std::string_view n(name);
    if (lowered.size() > n.size() && lowered.compare(0, n.size(), n) == 0 &&
        (lowered[n.size()] == ' ' || lowered[n.size()] == '/')) {
      protocol = protocol_of(n);
      text = trim(text.substr(n.size() + 1));
      break;
    }
  }
  auto endpoint = parse_endpoint(text);
  if (!endpoint.ok()) return endpoint.error();
  if (!endpoint->port) {
    return core::Error{"'" + shown + "': a virtual server needs a port (10.0.0.1:80, [2001:db8::1]:80) or 'FWM MARK'"};
  }
  return director::ServiceKey::inet(protocol, endpoint->address, *endpoint->port);
}

core::Result<RealServerRef> parse_real_server(std::string_view raw) { return parse_endpoint(trim(raw)); }

std::string describe(const RealServerRef& ref) {
  if (ref.port) return core::Endpoint{.address = ref.address, .port = *ref.port}.to_string();
  return ref.address.to_string();
}

std::string encode_reply(const Reply& reply) {
  json j{{"ok", reply.ok}};
  if (reply.ok) {
    j["result"] = reply.result;
  } else {
    j["error"] = reply.error;
    if (!reply.errors.empty()) j["errors"] = reply.errors;
  }
  // Invalid UTF-8 (a config error quoting a bad byte) is replaced, never thrown.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Reply ok_reply(json result) { return Reply{.ok = true, .result = std::move(result)}; }

Reply error_reply(std::string error, std::vector<std::string> errors) {
  return Reply{.ok = false, .error = std::move(error), .errors = std::move(errors)};
}

core::Result<Reply> parse_reply(std::string_view line) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    return core::Error{std::string("malformed reply: ") + e.what()};
  }
  if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) {
    return core::Error{"malformed reply: no boolean 'ok'"};
  }
  Reply reply{.ok = j["ok"].get<bool>()};
  if (reply.ok) {
    if (j.contains("result")) reply.result = j["result"];
    return reply;
  }
  if (j.contains("error") && j["error"].is_string()) reply.error = j["error"].get<std::string>();
  if (j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (e.is_string()) reply.errors.push_back(e.get<std::string>());
    }
  }
  return reply;
}

}  // namespace lvsd::control
