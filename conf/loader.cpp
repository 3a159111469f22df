// The YAML loader: the only file that includes yaml-cpp. It turns nodes into
// the model, recording where every key path was found, reports wrong types,
// bad values and unknown keys, then runs the shared validator.
#include "conf/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <map>
#include <tuple>
#include <sstream>

#include "conf/keepalived_import.hpp"
#include "conf/scalars.hpp"
#include "conf/validate.hpp"

namespace lvsd::conf {
namespace {

struct Field {
  YAML::Node key;
  YAML::Node value;
};

// The keys of one YAML mapping, checked against what is allowed there.
struct MapView {
  std::map<std::string, Field> fields;
  std::vector<std::string> order;  // document order
  const Field* get(const std::string& key) const {
    auto it = fields.find(key);
    return it == fields.end() ? nullptr : &it->second;
  }
};

Result<std::string> any_string(std::string_view t) { return std::string(t); }
Result<std::string> non_empty_string(std::string_view t) {
  if (t.empty()) return Error{"empty string: allowed a non-empty value"};
  return std::string(t);
}

const std::vector<std::string> kCommonCheckKeys = {"connect_ip", "connect_port", "connect_timeout", "retry",
                                                   "nb_get_retry", "delay_before_retry", "delay_loop", "rise",
                                                   "fall"};
const std::vector<std::string> kCheckKeywords = {"TCP_CHECK", "HTTP_GET", "SSL_GET", "REDIS_CHECK", "MISC_CHECK"};

std::vector<std::string> with_common(std::vector<std::string> keys) {
  keys.insert(keys.end(), kCommonCheckKeys.begin(), kCommonCheckKeys.end());
  return keys;
}

std::string node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a single value";
    default: return "an undefined node";
  }
}

// The first character YAML does not allow in a file (YAML 1.2 section 5.1,
// c-printable: tab, line breaks and printable Unicode, as valid UTF-8), with
// its 1-based line and column; nullopt if there is none. Checked before the
// text reaches yaml-cpp, which can loop on malformed bytes (found by fuzzing).
struct BadCharacter {
  int line;
  int column;
  std::string what;
};

std::optional<BadCharacter> find_unprintable(std::string_view text) {
  int line = 1, column = 1;
  std::size_t i = 0;
  auto hex = [](unsigned char c) {
    const char* digits = "0123456789abcdef";
    return std::string("0x") + digits[c >> 4] + digits[c & 15];
  };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 1;
    if (c == '\n') {
      ++line;
      column = 1;
      ++i;
      continue;
    }
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\r') return BadCharacter{line, column, "control character " + hex(c)};
      if (c == 0x7f) return BadCharacter{line, column, "control character 0x7f"};
    } else {
      len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
      if (len == 0 || i + len > text.size()) return BadCharacter{line, column, "invalid UTF-8 byte " + hex(c)};
      std::uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
      for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(text[i + k]);
        if ((cc & 0xc0) != 0x80) return BadCharacter{line, column, "invalid UTF-8 byte " + hex(c)};
        cp = (cp << 6) | (cc & 0x3f);
      }
      const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
      const bool unprintable = (cp >= 0x80 && cp <= 0x9f && cp != 0x85) || (cp >= 0xd800 && cp <= 0xdfff) ||
                               cp == 0xfffe || cp == 0xffff || cp > 0x10ffff;
      if (overlong || unprintable) return BadCharacter{line, column, "character U+" + std::to_string(cp) + " not allowed in YAML"};
    }
    i += len;
    ++column;
  }
  return std::nullopt;
}

// The first line that starts with ',' (or a !tag/&anchor glued to one)
// outside a flow collection ([ ] / { }),
// which is never valid YAML and on which yaml-cpp 0.7 loops forever (found
// by fuzzing: a file holding just "," hangs it). The scan skips quoted
// strings and comments and counts brackets only where a flow collection can
// start, so a line-leading ',' inside a multi-line [ ] or { } stays allowed.
std::optional<BadCharacter> find_block_comma(std::string_view text) {
  int line = 1, depth = 0;
  std::size_t line_begin = 0;
  bool line_start = true;
  char prev = '\n';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_begin = i + 1;
      line_start = true;
      prev = c;
      continue;
    }
    if (line_start && (c == ' ' || c == '\t' || c == '\r')) continue;
    // Node properties (a !tag or &anchor) may come first: "  !x," loops too.
    if (line_start && (c == '!' || c == '&') && depth == 0) {
      std::size_t j = i;
      while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != ',' && text[j] != '\n') ++j;
      if (j < text.size() && text[j] == ',') {
        return BadCharacter{line, static_cast<int>(j - line_begin) + 1, "',' outside a [ ] or { } list"};
      }
    }
    if (line_start && c == ',' && depth == 0) {
      return BadCharacter{line, static_cast<int>(i - line_begin) + 1, "',' outside a [ ] or { } list"};
    }
    line_start = false;
    const bool token_start = prev == '\n' || prev == ' ' || prev == '\t' || prev == '[' || prev == '{' || prev == ',';
    if (c == '#' && token_start) {  // a comment: skip to the end of the line
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if ((c == '"' || c == '\'') && token_start) {  // a quoted string
      for (++i; i < text.size() && text[i] != c; ++i) {
        if (c == '"' && text[i] == '\\') ++i;
        if (i < text.size() && text[i] == '\n') {
          ++line;
          line_begin = i + 1;
        }
      }
    } else if ((c == '[' || c == '{') && (token_start || depth > 0)) {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    prev = i < text.size() ? text[i] : '\n';
  }
  return std::nullopt;
}

class YamlLoader {
 public:
  explicit YamlLoader(std::string file) : file_(std::move(file)) {}

  LoadResult load(std::string_view text) {
    if (auto bad = find_unprintable(text)) {
      error(Location{.file = file_, .line = bad->line, .column = bad->column}, "",
            bad->what + ": a configuration is UTF-8 text (tab, line breaks and printable characters)");
      return finish(std::nullopt);
    }
    if (auto bad = find_block_comma(text)) {
      error(Location{.file = file_, .line = bad->line, .column = bad->column}, "",
            "YAML syntax error: " + bad->what + ": a line cannot start with ','");
      return finish(std::nullopt);
    }
    std::vector<YAML::Node> documents;
    try {
      documents = YAML::LoadAll(std::string(text));
    } catch (const YAML::Exception& e) {
      error(location(e.mark), "", "YAML syntax error: " + e.msg);
      return finish(std::nullopt);
    }
    if (documents.size() > 1) {
      error(location(documents[1], {}), "", "more than one YAML document: allowed exactly one");
      return finish(std::nullopt);
    }
    if (documents.empty() || documents[0].IsNull()) {
      error(Location{.file = file_, .line = 1, .column = 1}, "",
            "empty configuration: allowed keys global, vrrp_instances, vrrp_sync_groups, virtual_servers");
      return finish(std::nullopt);
    }
    Config config;
    read_config(documents[0], config);
    return finish(std::move(config));
  }

 private:
  // ---------------------------------------------------------------- plumbing

  Location location(const YAML::Mark& mark) const {
    if (mark.is_null()) return Location{.file = file_};
    return Location{.file = file_, .line = mark.line + 1, .column = mark.column + 1};
  }
  Location location(const YAML::Node& node, Location fallback) const {
    if (fallback.file.empty()) fallback.file = file_;
    if (!node.IsDefined() || node.IsNull() || node.Mark().is_null()) return fallback;
    return location(node.Mark());
  }
  void error(const Location& where, const std::string& path, std::string message) {
    errors_.push_back(ConfigError{.location = where, .path = path, .message = std::move(message)});
  }

  LoadResult finish(std::optional<Config> config) {
    LoadResult result;
    if (config && entries_read_ <= kMaxEntries) {
      // A value that failed to parse already has its error: do not add a
      // second one (e.g. "missing key") for the same path.
      for (auto& e : validate(*config, sources_)) {
        bool already = std::any_of(errors_.begin(), errors_.end(),
                                   [&](const ConfigError& prior) { return paths_overlap(prior.path, e.path); });
        if (!already) errors_.push_back(std::move(e));
      }
    }
    std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
      return std::tie(a.location.line, a.location.column) < std::tie(b.location.line, b.location.column);
    });
    result.errors = std::move(errors_);
    if (result.errors.empty()) result.config = std::move(config);
    return result;
  }

  // Aliases can repeat a subtree many times over (`[*a, *a, ...]` nested a few
  // levels deep), so the number of entries read is capped: a small file must
  // not turn into millions of real servers. Returns false once over the cap.
  bool spend_entry(const Location& where) {
    if (++entries_read_ <= kMaxEntries) return true;
    if (entries_read_ == kMaxEntries + 1)
      error(where, "", "configuration too large: more than " + std::to_string(kMaxEntries) +
                           " entries (aliases repeating a large subtree?)");
    return false;
  }

  // A mapping with the given keys; unknown and duplicate keys are errors.
  std::optional<MapView> read_map(const YAML::Node& node, const std::string& path,
                                  const std::vector<std::string>& allowed, const Location& where) {
    if (!node.IsMap()) {
      std::string keys;
      for (const auto& k : allowed) keys += (keys.empty() ? "" : ", ") + k;
      error(location(node, where), path, "expected a mapping, got " + node_kind(node) + ": allowed keys " + keys);
      return std::nullopt;
    }
    MapView view;
    // Copies, not references: yaml-cpp's iterator yields a temporary pair, and
    // a reference into it (it->first) dangles at the end of the statement.
    for (const auto& entry : node) {
      if (!spend_entry(where)) return std::nullopt;
      const YAML::Node key = entry.first;
      const YAML::Node value = entry.second;
      Location key_at = location(key, where);
      if (!key.IsScalar()) {
        error(key_at, path, "a key must be a single word, got " + node_kind(key));
        continue;
      }
      const std::string name = key.Scalar();
      const std::string key_path = join_path(path, name);
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        error(key_at, key_path, unknown_key_message("key", name, allowed));
        continue;
      }
      if (view.fields.count(name) != 0) {
        error(key_at, key_path, "duplicate key " + quote(name) + ": allowed once per mapping");
        continue;
      }
      view.fields.emplace(name, Field{key, value});
      view.order.push_back(name);
      sources_.set(key_path, location(value, key_at));
    }
    return view;
  }

  // The text of a single-value node.
  std::optional<std::string> scalar(const Field& field, const std::string& path) {
    if (field.value.IsScalar()) return field.value.Scalar();
    Location key_at = location(field.key, {.file = file_});
    if (field.value.IsNull()) {
      error(key_at, path, "missing value: allowed a single value");
    } else {
      error(location(field.value, key_at), path, "expected a single value, got " + node_kind(field.value));
    }
    return std::nullopt;
  }

  // out = parse(value of key), reporting failures at the value.
  template <typename T, typename Parse>
  void read(const MapView& view, const std::string& path, const std::string& key, T& out, Parse parse) {
    const Field* field = view.get(key);
    if (field == nullptr) return;
    const std::string key_path = join_path(path, key);
    auto text = scalar(*field, key_path);
    if (!text) return;
    auto parsed = parse(std::string_view(*text));
    if (!parsed) {
      error(location(field->value, location(field->key, {})), key_path, parsed.error().message);
      return;
    }
    assign(out, std::move(*parsed));
  }

  // Calls item(node, item_path, where) for every element of a list.
  template <typename Item>
  void read_list(const MapView& view, const std::string& path, const std::string& key, Item item) {
    const Field* field = view.get(key);
    if (field == nullptr) return;
    const std::string list_path = join_path(path, key);
    Location key_at = location(field->key, {.file = file_});
    if (!field->value.IsSequence()) {
      error(location(field->value, key_at), list_path, "expected a list, got " + node_kind(field->value));
      return;
    }
    std::size_t i = 0;
    for (const auto& element : field->value) {
      if (!spend_entry(key_at)) return;
      std::string item_path = index_path(list_path, i++);
      Location at = location(element, key_at);
      sources_.set(item_path, at);
      item(element, item_path, at);
    }
  }

  template <typename Parse>
  auto scalar_item(const YAML::Node& node, const std::string& path, const Location& at, Parse parse)
      -> std::optional<std::decay_t<decltype(*parse(std::string_view{}))>> {
    if (!node.IsScalar()) {
      error(at, path, "expected a single value, got " + node_kind(node));
      return std::nullopt;
    }
    auto parsed = parse(std::string_view(node.Scalar()));
    if (!parsed) {
      error(at, path, parsed.error().message);
      return std::nullopt;
    }
    return std::move(*parsed);
  }

  // ---------------------------------------------------------------- sections

  void read_config(const YAML::Node& root, Config& config) {
    sources_.set("", Location{.file = file_, .line = 1, .column = 1});
    auto view = read_map(root, "", {"global", "vrrp_instances", "vrrp_sync_groups", "virtual_servers"},
                         {.file = file_, .line = 1, .column = 1});
    if (!view) return;
    if (const Field* g = view->get("global")) read_global(g->value, location(g->value, location(g->key, {})), config.global);
    read_list(*view, "", "vrrp_instances", [&](const YAML::Node& n, const std::string& p, const Location& at) {
      config.vrrp_instances.push_back(read_instance(n, p, at));
    });
    read_list(*view, "", "vrrp_sync_groups", [&](const YAML::Node& n, const std::string& p, const Location& at) {
      config.vrrp_sync_groups.push_back(read_sync_group(n, p, at));
    });
    read_list(*view, "", "virtual_servers", [&](const YAML::Node& n, const std::string& p, const Location& at) {
      config.virtual_servers.push_back(read_virtual_server(n, p, at));
    });
  }

  void read_global(const YAML::Node& node, const Location& at, Global& global) {
    const std::string path = "global";
    auto view = read_map(node, path,
                         {"router_id", "control_socket", "metrics", "lvs_sync_daemon", "lvs_flush", "lvs_flush_on_stop",
                          "ipvs_resync_interval", "notify"}, at);
    if (!view) return;
    read(*view, path, "router_id", global.router_id, non_empty_string);
    read(*view, path, "control_socket", global.control_socket, non_empty_string);
    read(*view, path, "metrics", global.metrics, parse_listen_address);
    read(*view, path, "lvs_flush", global.lvs_flush, parse_bool);
    read(*view, path, "lvs_flush_on_stop", global.lvs_flush_on_stop, parse_bool);
    read(*view, path, "ipvs_resync_interval", global.ipvs_resync_interval, parse_duration);
    read(*view, path, "notify", global.notify, non_empty_string);
    if (const Field* f = view->get("lvs_sync_daemon")) {
      const std::string spath = join_path(path, "lvs_sync_daemon");
      auto sync_view = read_map(f->value, spath, {"interface", "vrrp_instance", "sync_id", "maxlen", "port", "ttl", "group"},
                                location(f->value, location(f->key, {})));
      if (sync_view) {
        LvsSyncDaemon sync;
        read(*sync_view, spath, "interface", sync.interface, parse_interface_name);
        read(*sync_view, spath, "vrrp_instance", sync.vrrp_instance, non_empty_string);
        read(*sync_view, spath, "sync_id", sync.sync_id, integer(0, 255));
        read(*sync_view, spath, "maxlen", sync.maxlen, integer(1, 65507));
        read(*sync_view, spath, "port", sync.port, integer(1, 65535));
        read(*sync_view, spath, "ttl", sync.ttl, integer(1, 255));
        read(*sync_view, spath, "group", sync.group, parse_address);
        global.lvs_sync_daemon = sync;
      }
    }
  }

  void read_notify(const MapView& view, const std::string& path, NotifyScripts& notify) {
    read(view, path, "notify_master", notify.master, non_empty_string);
    read(view, path, "notify_backup", notify.backup, non_empty_string);
    read(view, path, "notify_fault", notify.fault, non_empty_string);
    read(view, path, "notify_stop", notify.stop, non_empty_string);
  }

  VrrpInstance read_instance(const YAML::Node& node, const std::string& path, const Location& at) {
    VrrpInstance inst;
    auto view = read_map(node, path,
                         {"name", "state", "interface", "virtual_router_id", "priority", "advert_int", "version",
                          "authentication", "virtual_ipaddress", "unicast_src_ip", "unicast_peer", "nopreempt",
                          "preempt_delay", "track_interface", "notify_master", "notify_backup", "notify_fault",
                          "notify_stop", "garp_master_delay", "garp_master_repeat", "garp_master_refresh"},
                         at);
    if (!view) return inst;
    read(*view, path, "name", inst.name, non_empty_string);
    read(*view, path, "state", inst.state, parse_vrrp_state);
    read(*view, path, "interface", inst.interface, parse_interface_name);
    read(*view, path, "virtual_router_id", inst.virtual_router_id, integer(1, 255));
    read(*view, path, "priority", inst.priority, integer(1, 255));
    read(*view, path, "advert_int", inst.advert_int, parse_duration);
    read(*view, path, "version", inst.version, integer(2, 3));
    if (const Field* f = view->get("authentication")) {
      const std::string apath = join_path(path, "authentication");
      auto auth = read_map(f->value, apath, {"type", "pass"}, location(f->value, location(f->key, {})));
      if (auth) {
        VrrpAuthentication a;
        std::string type = "PASS";
        read(*auth, apath, "type", type, [](std::string_view t) -> Result<std::string> {
          if (t == "PASS") return std::string(t);
          return Error{quote(t) + " is not supported: allowed PASS (AH is not implemented)"};
        });
        if (!auth->get("pass")) {
          error(location(f->value, {}), join_path(apath, "pass"), "missing required key 'pass': allowed 1-8 characters");
        }
        read(*auth, apath, "pass", a.pass, any_string);
        inst.authentication = a;
      }
    }
    read_list(*view, path, "virtual_ipaddress", [&](const YAML::Node& n, const std::string& p, const Location& where) {
      if (auto vip = read_virtual_ip(n, p, where)) inst.virtual_ipaddress.push_back(*vip);
    });
    read(*view, path, "unicast_src_ip", inst.unicast_src_ip, parse_address);
    read_list(*view, path, "unicast_peer", [&](const YAML::Node& n, const std::string& p, const Location& where) {
      if (auto a = scalar_item(n, p, where, parse_address)) inst.unicast_peer.push_back(*a);
    });
    read(*view, path, "nopreempt", inst.nopreempt, parse_bool);
    read(*view, path, "preempt_delay", inst.preempt_delay, parse_duration);
    read_list(*view, path, "track_interface", [&](const YAML::Node& n, const std::string& p, const Location& where) {
      if (n.IsScalar()) {
        if (auto name = scalar_item(n, p, where, parse_interface_name)) inst.track_interface.push_back({.name = *name});
        return;
      }
      auto tv = read_map(n, p, {"name", "weight"}, where);
      if (!tv) return;
      TrackInterface track;
      if (!tv->get("name")) error(where, join_path(p, "name"), "missing required key 'name': allowed an interface name");
      read(*tv, p, "name", track.name, parse_interface_name);
      read(*tv, p, "weight", track.weight, integer(-253, 253));
      inst.track_interface.push_back(track);
    });
    read_notify(*view, path, inst.notify);
    read(*view, path, "garp_master_delay", inst.garp_master_delay, parse_duration);
    read(*view, path, "garp_master_repeat", inst.garp_master_repeat, integer(1, 255));
    read(*view, path, "garp_master_refresh", inst.garp_master_refresh, parse_duration);
    return inst;
  }

  std::optional<VirtualIpAddress> read_virtual_ip(const YAML::Node& node, const std::string& path,
                                                  const Location& at) {
    if (node.IsScalar()) return scalar_item(node, path, at, parse_virtual_ip);
    auto view = read_map(node, path, {"address", "dev", "label", "scope"}, at);
    if (!view) return std::nullopt;
    std::optional<VirtualIpAddress> vip;
    if (!view->get("address")) {
      error(at, join_path(path, "address"), "missing required key 'address': allowed ADDRESS[/PREFIX]");
      return std::nullopt;
    }
    read(*view, path, "address", vip, [](std::string_view t) -> Result<VirtualIpAddress> {
      if (t.find_first_of(" \t") != std::string_view::npos)
        return Error{quote(t) + " is not an address: allowed ADDRESS[/PREFIX]; dev, label, scope are keys"};
      return parse_virtual_ip(t);
    });
    if (!vip) return std::nullopt;
    read(*view, path, "dev", vip->dev, parse_interface_name);
    read(*view, path, "label", vip->label, [](std::string_view t) -> Result<std::string> {
      if (t.empty() || t.size() > 15) return Error{quote(t) + " is not a label: allowed 1-15 characters"};
      return std::string(t);
    });
    read(*view, path, "scope", vip->scope, parse_scope);
    return vip;
  }

  VrrpSyncGroup read_sync_group(const YAML::Node& node, const std::string& path, const Location& at) {
    VrrpSyncGroup group;
    auto view = read_map(node, path, {"name", "group", "notify_master", "notify_backup", "notify_fault", "notify_stop"}, at);
    if (!view) return group;
    read(*view, path, "name", group.name, non_empty_string);
    read_list(*view, path, "group", [&](const YAML::Node& n, const std::string& p, const Location& where) {
      if (auto name = scalar_item(n, p, where, non_empty_string)) group.group.push_back(*name);
    });
    read_notify(*view, path, group.notify);
    return group;
  }

  VirtualServer read_virtual_server(const YAML::Node& node, const std::string& path, const Location& at) {
    VirtualServer vs;
    auto view = read_map(node, path,
                         {"address", "port", "fwmark", "protocol", "lb_algo", "lb_kind", "tunnel_type", "tunnel_port",
                          "persistence_timeout", "persistence_granularity", "delay_loop", "quorum", "hysteresis",
                          "sorry_server", "inhibit_on_failure", "ha_suspend", "ops", "virtualhost", "real_servers"},
                         at);
    if (!view) return vs;
    read(*view, path, "address", vs.address, parse_address);
    read(*view, path, "port", vs.port, integer(0, 65535));
    read(*view, path, "fwmark", vs.fwmark, integer(1, 4294967295));
    read(*view, path, "protocol", vs.protocol, parse_protocol);
    read(*view, path, "lb_algo", vs.lb_algo, parse_lb_algo);
    read(*view, path, "lb_kind", vs.lb_kind, parse_lb_kind);
    read(*view, path, "tunnel_type", vs.tunnel_type, parse_tunnel_type);
    read(*view, path, "tunnel_port", vs.tunnel_port, integer(1, 65535));
    read(*view, path, "persistence_timeout", vs.persistence_timeout, parse_duration);
    read(*view, path, "persistence_granularity", vs.persistence_granularity, parse_granularity);
    read(*view, path, "delay_loop", vs.delay_loop, parse_duration);
    read(*view, path, "quorum", vs.quorum, integer(1, 4294967295));
    read(*view, path, "hysteresis", vs.hysteresis, integer(0, 4294967295));
    if (const Field* f = view->get("sorry_server")) {
      const std::string spath = join_path(path, "sorry_server");
      auto sv = read_map(f->value, spath, {"address", "port"}, location(f->value, location(f->key, {})));
      if (sv) {
        SorryServer sorry;
        if (!sv->get("address")) error(location(f->value, {}), join_path(spath, "address"), "missing required key 'address': allowed an IP address");
        read(*sv, spath, "address", sorry.address, parse_address);
        read(*sv, spath, "port", sorry.port, integer(0, 65535));
        vs.sorry_server = sorry;
      }
    }
    read(*view, path, "inhibit_on_failure", vs.inhibit_on_failure, parse_bool);
    read(*view, path, "ha_suspend", vs.ha_suspend, parse_bool);
    read(*view, path, "ops", vs.ops, parse_bool);
    read(*view, path, "virtualhost", vs.virtualhost, non_empty_string);
    read_list(*view, path, "real_servers", [&](const YAML::Node& n, const std::string& p, const Location& where) {
      vs.real_servers.push_back(read_real_server(n, p, where));
    });
    return vs;
  }

  RealServer read_real_server(const YAML::Node& node, const std::string& path, const Location& at) {
    RealServer rs;
    std::vector<std::string> keys = {"address", "port", "weight", "inhibit_on_failure", "slow_start"};
    keys.insert(keys.end(), kCheckKeywords.begin(), kCheckKeywords.end());
    auto view = read_map(node, path, keys, at);
    if (!view) return rs;
    if (!view->get("address")) error(at, join_path(path, "address"), "missing required key 'address': allowed an IP address");
    read(*view, path, "address", rs.address, parse_address);
    read(*view, path, "port", rs.port, integer(0, 65535));
    read(*view, path, "weight", rs.weight, integer(0, 65535));
    read(*view, path, "inhibit_on_failure", rs.inhibit_on_failure, parse_bool);
    read(*view, path, "slow_start", rs.slow_start, parse_duration);
    for (const std::string& key : view->order) {
      if (std::find(kCheckKeywords.begin(), kCheckKeywords.end(), key) == kCheckKeywords.end()) continue;
      const Field& f = *view->get(key);
      Location key_at = location(f.key, at);
      const std::string kpath = join_path(path, key);
      if (f.value.IsSequence()) {
        std::size_t n = f.value.size();
        std::size_t i = 0;
        for (const auto& element : f.value) {
          if (!spend_entry(key_at)) break;
          std::string cpath = n > 1 ? index_path(kpath, i) : kpath;
          ++i;
          Location where = location(element, key_at);
          sources_.set(cpath, where);
          if (auto check = read_check(key, element, cpath, where)) rs.checks.push_back(std::move(*check));
        }
      } else if (auto check = read_check(key, f.value, kpath, location(f.value, key_at))) {
        rs.checks.push_back(std::move(*check));
      }
    }
    return rs;
  }

  std::optional<Check> read_check(const std::string& keyword, const YAML::Node& node, const std::string& path,
                                  const Location& at) {
    Check check;
    std::vector<std::string> keys;
    if (keyword == "TCP_CHECK") {
      check.probe = TcpCheck{};
      keys = with_common({});
    } else if (keyword == "HTTP_GET" || keyword == "SSL_GET") {
      check.probe = HttpCheck{.tls = keyword == "SSL_GET"};
      keys = with_common({"url", "virtualhost"});
    } else if (keyword == "REDIS_CHECK") {
      check.probe = RedisCheck{};
      keys = with_common({"password", "expect_role"});
    } else {
      check.probe = MiscCheck{};
      keys = with_common({"misc_path", "misc_timeout", "misc_dynamic"});
    }
    // "TCP_CHECK:" with no value: every key at its default.
    if (node.IsNull() && keyword == "TCP_CHECK") return check;
    auto view = read_map(node, path, keys, at);
    if (!view) return std::nullopt;
    read(*view, path, "connect_ip", check.connect_ip, parse_address);
    read(*view, path, "connect_port", check.connect_port, integer(1, 65535));
    read(*view, path, "connect_timeout", check.connect_timeout, parse_duration);
    if (view->get("retry") && view->get("nb_get_retry"))
      error(location(view->get("nb_get_retry")->key, at), join_path(path, "nb_get_retry"),
            "both retry and its alias nb_get_retry: allowed one of them");
    read(*view, path, "retry", check.retry, integer(0, 100));
    read(*view, path, "nb_get_retry", check.retry, integer(0, 100));
    read(*view, path, "delay_before_retry", check.delay_before_retry, parse_duration);
    read(*view, path, "delay_loop", check.delay_loop, parse_duration);
    read(*view, path, "rise", check.rise, integer(1, 100));
    read(*view, path, "fall", check.fall, integer(1, 100));
    if (auto* http = std::get_if<HttpCheck>(&check.probe)) {
      read(*view, path, "virtualhost", http->virtualhost, non_empty_string);
      read_list(*view, path, "url", [&](const YAML::Node& n, const std::string& p, const Location& where) {
        auto uv = read_map(n, p, {"path", "status_code", "digest"}, where);
        if (!uv) return;
        UrlCheck url;
        read(*uv, p, "path", url.path, any_string);
        read(*uv, p, "status_code", url.status_code, parse_status_code);
        read(*uv, p, "digest", url.digest, parse_md5_digest);
        http->url.push_back(url);
      });
    } else if (auto* redis = std::get_if<RedisCheck>(&check.probe)) {
      read(*view, path, "password", redis->password, any_string);
      read(*view, path, "expect_role", redis->expect_role, parse_redis_role);
    } else if (auto* misc = std::get_if<MiscCheck>(&check.probe)) {
      read(*view, path, "misc_path", misc->misc_path, non_empty_string);
      read(*view, path, "misc_timeout", misc->misc_timeout, parse_duration);
      read(*view, path, "misc_dynamic", misc->misc_dynamic, parse_bool);
    }
    return check;
  }

  static constexpr std::size_t kMaxEntries = 200'000;

  std::string file_;
  SourceMap sources_;
  std::vector<ConfigError> errors_;
  std::size_t entries_read_ = 0;
};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

SourceFormat detect_format(const std::string& path, std::string_view content) {
  if (ends_with(path, ".conf")) return SourceFormat::kKeepalived;
  if (ends_with(path, ".yaml") || ends_with(path, ".yml")) return SourceFormat::kYaml;
  // First word that is not in a comment.
  std::size_t i = 0;
  while (i < content.size()) {
    char c = content[i];
    if (c == '#' || c == '!') {
      while (i < content.size() && content[i] != '\n') ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else {
      break;
    }
  }
  std::size_t end = content.find_first_of(" \t\r\n{", i);
  std::string_view word = content.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
  for (std::string_view k : {"global_defs", "vrrp_instance", "vrrp_sync_group", "virtual_server", "virtual_server_group",
                             "vrrp_script", "static_ipaddress", "static_routes", "include"})
    if (word == k) return SourceFormat::kKeepalived;
  return SourceFormat::kYaml;
}

LoadResult load_yaml(std::string_view text, const std::string& file_name) {
  return YamlLoader(file_name).load(text);
}

LoadResult load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back(ConfigError{.location = {.file = path}, .path = "",
                                        .message = std::string("cannot open: ") + std::strerror(errno)});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  if (detect_format(path, content) == SourceFormat::kKeepalived) return import_keepalived_file(path);
  return load_yaml(content, path);
}

}  // namespace lvsd::conf
