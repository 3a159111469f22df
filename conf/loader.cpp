// The YAML loader: turns the nodes of conf/yaml_tree (libyaml) into the model, recording where every key path was found, reports wrong types,
// bad values and unknown keys, then runs the shared validator.
#include "conf/loader.hpp"


#include <charconv>
#include <cerrno>
#include <cstring>
#include <algorithm>
#include <map>
#include <tuple>
#include <iterator>
#include <memory>

#include <xxhash.h>

#include "conf/ip_syntax.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/read_file.hpp"
#include "conf/scalars.hpp"
#include "conf/validate.hpp"
#include "conf/yaml_tree.hpp"

namespace lvsd::conf {
namespace {

// A position in the file being read (the file name is added to errors).
struct Pos {
  int line = 0;
  int column = 0;
};

struct Field {
  std::string_view name;  // the key's text (lives in the YAML tree)
  yaml::NodeRef key;
  yaml::NodeRef value;
};

// A 64-bit filter of a mapping's keys: one bit per key name, from its length
// and its first and last characters.
constexpr std::uint64_t key_bit(std::string_view key) {
  if (key.empty()) return 1;
  const auto first = static_cast<unsigned char>(key.front());
  const auto last = static_cast<unsigned char>(key.back());
  return std::uint64_t{1} << ((key.size() + 5 * first + 3 * last) & 63);
}

// A key the loader looks up. Written as a literal (nearly every lookup), its
// length and filter bit are computed when compiling.
struct Key {
  std::string_view name;
  std::uint64_t bit;
  consteval Key(const char* literal) : name(literal), bit(key_bit(name)) {}  // NOLINT: implicit from a literal
  explicit Key(std::string_view runtime) : name(runtime), bit(key_bit(runtime)) {}
};

// The keys of one YAML mapping, checked against what is allowed there, in
// document order. A mapping has a handful of keys: a linear search is the
// cheapest lookup. Most lookups are of keys the mapping does not have (a real
// server reads some 30 and sets two or three): the filter of the keys present
// answers those without comparing a string.
struct MapView {
  std::vector<Field> fields;
  std::uint64_t present = 0;  // key_bit() of every field's name

  void add(const Field& field) {
    fields.push_back(field);
    present |= key_bit(field.name);
  }
  [[gnu::always_inline]] const Field* get(const Key& key) const {
    return (present & key.bit) == 0 ? nullptr : find(key.name);
  }
  const Field* find(std::string_view name) const {
    for (const Field& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }
  // The number of items of the list under `key` (0 when it is not a list):
  // what a vector of them reserves, so that it holds no spare capacity (the
  // daemon keeps the configuration: 10,000 real servers pushed one by one
  // into lists of 10 kept room for 16,000).
  std::size_t list_size(const Key& key) const {
    const Field* f = get(key);
    return f != nullptr && f->value.is_sequence() ? f->value.size() : 0;
  }
};

Result<std::string> any_string(std::string_view t) { return std::string(t); }
Result<std::string> non_empty_string(std::string_view t) {
  if (t.empty()) return Error{"empty string: allowed a non-empty value"};
  return std::string(t);
}

const std::vector<std::string> kCommonCheckKeys = {"connect_ip", "connect_port", "connect_timeout", "retry",
                                                   "nb_get_retry", "delay_before_retry", "delay_loop", "rise",
                                                   "fall", "bindto", "bind_port", "bind_if", "fwmark", "warmup",
                                                   "alpha"};
const std::vector<std::string> kCheckKeywords = {"TCP_CHECK", "HTTP_GET", "SSL_GET", "REDIS_CHECK", "MISC_CHECK",
                                                 "PING_CHECK", "UDP_CHECK", "DNS_CHECK", "SMTP_CHECK"};

std::vector<std::string> with_common(std::vector<std::string> keys) {
  keys.insert(keys.end(), kCommonCheckKeys.begin(), kCommonCheckKeys.end());
  return keys;
}

std::string node_kind(const yaml::NodeRef& node) {
  switch (node.kind()) {
    case yaml::NodeKind::kSequence: return "a list";
    case yaml::NodeKind::kMapping: return "a mapping";
    case yaml::NodeKind::kNull: return "nothing";
    case yaml::NodeKind::kScalar: return "a single value";
  }
  return "an unknown node";
}

// Where an item of a block list ends for ItemSpans: the start of the
// line of the next token (the next item's "-"), when only spaces precede it
// there. That indentation says where the next token belongs: it is compared
// with the gap's bytes, never read as part of the item.
std::size_t line_start_before(std::string_view text, std::size_t at) {
  std::size_t i = at;
  while (i > 0 && text[i - 1] == ' ') --i;
  return i == 0 || text[i - 1] == '\n' ? i : at;
}

class YamlLoader {
 public:
  explicit YamlLoader(std::string file) : file_(std::move(file)) {}

  LoadResult load(std::string_view text) {
    if (auto bad = find_unprintable(text)) {
      error(Pos{.line = bad->line, .column = bad->column}, "",
            bad->what + ": " + kTextRule);
      return finish(std::nullopt);
    }
    text_ = text;
    Config config;
    // The virtual servers are read as the parser completes each one, so that
    // the document tree never holds them all (yaml::ItemStream).
    std::string item_path;  // one buffer for every virtual server's path
    const std::string list_path = "virtual_servers";
    auto add_virtual_server = [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      config.virtual_servers.push_back(read_virtual_server(n, p, at));
    };
    std::vector<ItemSpans::Item> items;  // where each virtual server is, for the next reload
    const yaml::ItemStream stream{
        .key = list_path, .on_item = [&](const yaml::StreamedItem& streamed) {
          // Every node read so far may be read once, and aliases may repeat
          // what they name (see below).
          max_entries_ = streamed.nodes_so_far + kMaxRepeats;
          read_item(location(streamed.key, {}), list_path, streamed.index, streamed.item, item_path,
                    add_virtual_server);
          items.push_back(ItemSpans::Item{.begin = streamed.begin, .end = line_start_before(text, streamed.end)});
        }};
    yaml::ParseResult parsed = yaml::parse(text, &stream);
    if (parsed.error) {
      errors_.clear();  // the virtual servers read before the error are not reported on
      error(location(parsed.error->mark), "", "YAML syntax error: " + parsed.error->message);
      return finish(std::nullopt);
    }
    const yaml::Tree& tree = parsed.tree;
    if (tree.document_count() > 1) {
      errors_.clear();
      error(location(tree.document(1), location(tree.document_start(1))), "",
            "more than one YAML document: allowed exactly one");
      return finish(std::nullopt);
    }
    if (tree.document_count() == 0 || tree.document(0).is_null()) {
      error(Pos{.line = 1, .column = 1}, "",
            "empty configuration: allowed keys global, vrrp_scripts, track_files, track_processes, vrrp_instances, "
            "vrrp_sync_groups, virtual_server_groups, virtual_servers");
      return finish(std::nullopt);
    }
    root_ = tree.document(0);
    streamed_ = tree.streamed_list();
    // Every node of the file may be read once; aliases may repeat what they
    // name for kMaxRepeats entries more. The work stays proportional to the
    // file (at most 32 MiB), however large the table it writes out in full.
    max_entries_ = tree.node_count() + kMaxRepeats;
    // The validator asks where a key path is only for the few paths it
    // reports; they are looked up in the tree, which lives until finish().
    sources_.set("", Location{.file = file_, .line = 1, .column = 1});
    sources_.set_resolver([this](const std::string& path) { return resolve(path); });
    read_config(root_, config);
    // Without anchors, no item depends on another: a reload may read again
    // just the one an edit changed (see reload_yaml).
    const bool spans = streamed_.valid() && tree.anchors_defined() == 0 && items.size() == config.virtual_servers.size();
    LoadResult result = finish(std::move(config));
    if (result.ok() && spans) {
      if (auto pieces = ItemSpans::of(text, items)) result.reload = ReloadBasis{.spans = std::move(*pieces)};
    }
    return result;
  }

  // The virtual server that `text`, lines of a file as they were there, holds
  // as the one item of a block list (a line starting "  - " and the lines
  // after it), read as load() reads every virtual server of the list, with
  // `index` in its key paths. nullopt when the text holds anything else, an
  // anchor, or an error of any kind (the caller then loads the whole file:
  // its errors are then located there).
  std::optional<VirtualServer> read_virtual_server_alone(std::string_view text, std::size_t index) {
    if (find_unprintable(text)) return std::nullopt;
    text_ = text;
    const yaml::ParseResult parsed = yaml::parse(text);
    if (parsed.error || parsed.tree.document_count() != 1 || parsed.tree.anchors_defined() != 0) return std::nullopt;
    const yaml::NodeRef list = parsed.tree.document(0);
    if (!list.is_sequence() || list.size() != 1) return std::nullopt;
    max_entries_ = parsed.tree.node_count() + kMaxRepeats;
    std::optional<VirtualServer> out;
    std::string item_path;
    auto read_one = [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) { out = read_virtual_server(n, p, at); };
    read_item(location(list, {}), "virtual_servers", index, list.item(0), item_path, read_one);
    if (!errors_.empty() || too_large_) return std::nullopt;
    return out;
  }

 private:
  // ---------------------------------------------------------------- plumbing

  static Pos location(const yaml::Mark& mark) { return Pos{.line = mark.line, .column = mark.column}; }
  static Pos location(const yaml::NodeRef& node, Pos fallback) {
    if (!node.valid() || node.is_null()) return fallback;
    return location(node.mark());
  }
  void error(const Pos& where, const std::string& path, std::string message) {
    errors_.push_back(ConfigError{.location = {.file = file_, .line = where.line, .column = where.column},
                                  .path = path,
                                  .message = std::move(message)});
  }

  LoadResult finish(std::optional<Config> config) {
    LoadResult result;
    if (config && !too_large_) {
      // A value that failed to parse already has its error: do not add a
      // second one (e.g. "missing key") for the same path.
      ErrorPaths reported;
      for (const auto& e : errors_) reported.add(e.path);
      for (auto& e : validate(*config, sources_)) {
        if (reported.overlaps(e.path)) continue;
        reported.add(e.path);
        errors_.push_back(std::move(e));
      }
    }
    std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
      return std::tie(a.location.line, a.location.column) < std::tie(b.location.line, b.location.column);
    });
    result.errors = std::move(errors_);
    if (result.errors.empty()) result.config = std::move(config);
    return result;
  }

  // Where the value at a key path is, as the reader saw it: the value's
  // position (the key's when the value is empty), a list item's position
  // (the list key's when empty). A real server's check written as a list of
  // one is read as that one check under the unindexed path, so the path
  // descends into it. nullopt if the path is not in the tree.
  std::optional<Location> resolve(const std::string& path) {
    if (streamed_.valid()) {
      // The streamed virtual servers are no longer in the tree: an error
      // being placed, the file is parsed again, whole (once).
      whole_ = yaml::parse(text_);
      if (whole_->error || whole_->tree.document_count() == 0) return std::nullopt;
      root_ = whole_->tree.document(0);
      streamed_ = {};
    }
    yaml::NodeRef node = root_;
    Pos at{};
    std::size_t i = 0;
    while (i < path.size()) {
      std::size_t end = std::min(path.find_first_of(".[", i), path.size());
      const std::string_view name(path.data() + i, end - i);
      if (!node.valid() || !node.is_mapping()) return std::nullopt;
      yaml::NodeRef key, value;
      for (std::size_t k = 0; k < node.size(); ++k) {
        if (node.key(k).is_scalar() && node.key(k).text() == name) {
          key = node.key(k);
          value = node.value(k);
          break;
        }
      }
      if (!key.valid()) return std::nullopt;
      const Pos key_at = location(key, {});
      at = location(value, key_at);
      i = end;
      const bool indexed = i < path.size() && path[i] == '[';
      const bool check = name == "FILE_CHECK" ||
                         std::find(kCheckKeywords.begin(), kCheckKeywords.end(), name) != kCheckKeywords.end();
      if (!indexed && check && value.is_sequence() && value.size() == 1) {
        value = value.item(0);
        at = location(value, key_at);
      }
      while (i < path.size() && path[i] == '[') {
        const std::size_t close = path.find(']', i);
        if (close == std::string::npos) return std::nullopt;
        std::size_t index = 0;
        auto [ptr, ec] = std::from_chars(path.data() + i + 1, path.data() + close, index);
        if (ec != std::errc{} || ptr != path.data() + close) return std::nullopt;
        if (!value.is_sequence() || index >= value.size()) return std::nullopt;
        value = value.item(index);
        at = location(value, key_at);
        i = close + 1;
      }
      if (i < path.size()) {
        if (path[i] != '.') return std::nullopt;
        ++i;
      }
      node = value;
    }
    return Location{.file = file_, .line = at.line, .column = at.column};
  }

  // Aliases can repeat a subtree many times over (`[*a, *a, ...]` nested a few
  // levels deep), so the number of entries read is capped: a small file must
  // not turn into millions of real servers. Returns false once over the cap.
  bool spend_entry(const Pos& where) {
    if (too_large_) return false;
    if (++entries_read_ <= max_entries_) return true;
    too_large_ = true;  // the cap grows while streaming: refuse once, for good
    error(where, "", "configuration too large: aliases repeat more than " + std::to_string(kMaxRepeats) +
                         " entries beyond the " + std::to_string(max_entries_ - kMaxRepeats) +
                         " nodes of the file read so far (an alias repeating a large subtree?)");
    return false;
  }

  // A mapping with the given keys; unknown and duplicate keys are errors.
  std::optional<MapView> read_map(const yaml::NodeRef& node, const std::string& path,
                                  const std::vector<std::string>& allowed, const Pos& where) {
    if (!node.is_mapping()) {
      std::string keys;
      for (const auto& k : allowed) keys += (keys.empty() ? "" : ", ") + k;
      error(location(node, where), path, "expected a mapping, got " + node_kind(node) + ": allowed keys " + keys);
      return std::nullopt;
    }
    MapView view;
    view.fields.reserve(node.size());
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!spend_entry(where)) return std::nullopt;
      const yaml::NodeRef key = node.key(i);
      const yaml::NodeRef value = node.value(i);
      Pos key_at = location(key, where);
      if (!key.is_scalar()) {
        error(key_at, path, "a key must be a single word, got " + node_kind(key));
        continue;
      }
      const std::string_view name = key.text();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        error(key_at, join_path(path, std::string(name)), unknown_key_message("key", name, allowed));
        continue;
      }
      if (view.get(Key(name)) != nullptr) {
        error(key_at, join_path(path, std::string(name)), "duplicate key " + quote(name) + ": allowed once per mapping");
        continue;
      }
      view.add(Field{.name = name, .key = key, .value = value});
    }
    return view;
  }

  // The value of key must be a single value: reports what it is instead.
  void not_a_scalar(const Field& field, const std::string& path) {
    Pos key_at = location(field.key, {});
    if (field.value.is_null()) {
      error(key_at, path, "missing value: allowed a single value");
    } else {
      error(location(field.value, key_at), path, "expected a single value, got " + node_kind(field.value));
    }
  }

  // out = parse(value of key), reporting failures at the value. The key path
  // is only built for an error.
  template <typename T, typename Parse>
  void read(const MapView& view, const std::string& path, const Key& key, T& out, Parse parse) {
    const Field* field = view.get(key);
    if (field == nullptr) return;
    if (!field->value.is_scalar()) {
      not_a_scalar(*field, join_path(path, std::string(key.name)));
      return;
    }
    auto parsed = parse(field->value.text());
    if (!parsed) {
      error(location(field->value, location(field->key, {})), join_path(path, std::string(key.name)),
            parsed.error().message);
      return;
    }
    assign(out, std::move(*parsed));
  }

  // Calls item(node, item_path, where) for every element of a list.
  template <typename Item>
  void read_list(const MapView& view, const std::string& path, const std::string& key, Item item) {
    const Field* field = view.get(Key(key));
    if (field == nullptr) return;
    const std::string list_path = join_path(path, key);
    Pos key_at = location(field->key, {});
    if (!field->value.is_sequence()) {
      error(location(field->value, key_at), list_path, "expected a list, got " + node_kind(field->value));
      return;
    }
    std::string item_path;  // one buffer for every item's path
    for (std::size_t i = 0; i < field->value.size(); ++i) {
      if (!read_item(key_at, list_path, i, field->value.item(i), item_path, item)) return;
    }
  }

  // One element of a list (read_list, or a streamed one): counted against the
  // entry cap, then item(element, path, where). False once over the cap.
  template <typename Item>
  bool read_item(const Pos& key_at, const std::string& list_path, std::size_t index, const yaml::NodeRef& element,
                 std::string& item_path, Item& item) {
    if (!spend_entry(key_at)) return false;
    assign_index_path(item_path, list_path, index);
    item(element, item_path, location(element, key_at));
    return true;
  }

  template <typename Parse>
  auto scalar_item(const yaml::NodeRef& node, const std::string& path, const Pos& at, Parse parse)
      -> std::optional<std::decay_t<decltype(*parse(std::string_view{}))>> {
    if (!node.is_scalar()) {
      error(at, path, "expected a single value, got " + node_kind(node));
      return std::nullopt;
    }
    auto parsed = parse(node.text());
    if (!parsed) {
      error(at, path, parsed.error().message);
      return std::nullopt;
    }
    return std::move(*parsed);
  }

  // ---------------------------------------------------------------- sections

  void read_config(const yaml::NodeRef& root, Config& config) {
    auto view = read_map(root, "", {"global", "vrrp_scripts", "track_files", "track_processes", "vrrp_instances",
                                    "vrrp_sync_groups",
                                    "virtual_server_groups", "virtual_servers", "static_ipaddress", "static_routes",
                                    "static_rules"},
                         {.line = 1, .column = 1});
    if (!view) return;
    if (const Field* g = view->get("global")) read_global(g->value, location(g->value, location(g->key, {})), config.global);
    read_list(*view, "", "vrrp_scripts", [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      config.vrrp_scripts.push_back(read_vrrp_script(n, p, at));
    });
    read_list(*view, "", "track_files", [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      config.track_files.push_back(read_track_file(n, p, at));
    });
    read_list(*view, "", "track_processes", [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      config.track_processes.push_back(read_track_process(n, p, at));
    });
    read_list(*view, "", "vrrp_instances", [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      config.vrrp_instances.push_back(read_instance(n, p, at));
    });
    read_list(*view, "", "vrrp_sync_groups", [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      config.vrrp_sync_groups.push_back(read_sync_group(n, p, at));
    });
    read_list(*view, "", "virtual_server_groups", [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      config.virtual_server_groups.push_back(read_virtual_server_group(n, p, at));
    });
    const Field* virtual_servers = view->get("virtual_servers");
    if (virtual_servers != nullptr && virtual_servers->value == streamed_) {
      // Read while parsing; the daemon keeps the configuration, without spare room.
      config.virtual_servers.shrink_to_fit();
    } else {
      config.virtual_servers.reserve(view->list_size("virtual_servers"));
      read_list(*view, "", "virtual_servers", [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
        config.virtual_servers.push_back(read_virtual_server(n, p, at));
      });
    }
    read_list(*view, "", "static_ipaddress", [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      if (auto vip = read_virtual_ip(n, p, at)) config.static_ipaddress.push_back(*vip);
    });
    read_routes_and_rules(*view, "", "static_routes", "static_rules", config.static_routes, config.static_rules);
  }

  // A list of `ip route` / `ip rule` strings (conf/ip_syntax.hpp).
  void read_routes_and_rules(const MapView& view, const std::string& path, const std::string& routes_key,
                             const std::string& rules_key, std::vector<IpRoute>& routes, std::vector<IpRule>& rules) {
    read_list(view, path, routes_key, [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      if (auto r = scalar_item(n, p, at, [](std::string_view t) { return parse_ip_route(t); })) routes.push_back(*r);
    });
    read_list(view, path, rules_key, [&](const yaml::NodeRef& n, const std::string& p, const Pos& at) {
      if (auto r = scalar_item(n, p, at, [](std::string_view t) { return parse_ip_rule(t); })) rules.push_back(*r);
    });
  }

  void read_global(const yaml::NodeRef& node, const Pos& at, Global& global) {
    const std::string path = "global";
    auto view = read_map(node, path,
                         {"router_id", "control_socket", "metrics", "lvs_sync_daemon", "lvs_flush", "lvs_flush_on_stop",
                          "sloppy_tcp", "sloppy_sctp", "lvs_timeouts", "ipvs_resync_interval", "notify", "script_user", "enable_script_security",
                          "announce", "vrrp_mcast_group4", "vrrp_mcast_group6", "vrrp_strict", "vmac_prefix", "disable_local_igmp", "notify_fifo",
                          "vrrp_notify_fifo", "lvs_notify_fifo", "vrrp_notify_priority_changes",
                          "vrrp_startup_delay"}, at);
    if (!view) return;
    read(*view, path, "router_id", global.router_id, non_empty_string);
    read(*view, path, "control_socket", global.control_socket, non_empty_string);
    read(*view, path, "metrics", global.metrics, parse_listen_address);
    read(*view, path, "lvs_flush", global.lvs_flush, parse_bool);
    read(*view, path, "lvs_flush_on_stop", global.lvs_flush_on_stop, parse_bool);
    read(*view, path, "sloppy_tcp", global.sloppy_tcp, parse_bool);
    read(*view, path, "sloppy_sctp", global.sloppy_sctp, parse_bool);
    if (const Field* f = view->get("lvs_timeouts")) {
      const std::string tpath = join_path(path, "lvs_timeouts");
      if (auto tv = read_map(f->value, tpath, {"tcp", "tcpfin", "udp"}, location(f->value, location(f->key, {})))) {
        read(*tv, tpath, "tcp", global.lvs_timeouts.tcp, parse_duration);
        read(*tv, tpath, "tcpfin", global.lvs_timeouts.tcpfin, parse_duration);
        read(*tv, tpath, "udp", global.lvs_timeouts.udp, parse_duration);
      }
    }
    read(*view, path, "ipvs_resync_interval", global.ipvs_resync_interval, parse_duration);
    read(*view, path, "notify", global.notify, non_empty_string);
    read(*view, path, "vrrp_mcast_group4", global.vrrp_mcast_group4, parse_address);
    read(*view, path, "vrrp_mcast_group6", global.vrrp_mcast_group6, parse_address);
    read(*view, path, "vrrp_strict", global.vrrp_strict, parse_bool);
    read(*view, path, "vmac_prefix", global.vmac_prefix, parse_interface_name);
    read(*view, path, "disable_local_igmp", global.disable_local_igmp, parse_bool);
    read(*view, path, "script_user", global.script_user, parse_script_user);
    read(*view, path, "enable_script_security", global.enable_script_security, parse_bool);
    read(*view, path, "vrrp_notify_priority_changes", global.vrrp_notify_priority_changes, parse_bool);
    read(*view, path, "vrrp_startup_delay", global.vrrp_startup_delay, parse_duration);
    for (const auto& [key, slot] : {std::pair{"notify_fifo", &global.notify_fifo},
                                    std::pair{"vrrp_notify_fifo", &global.vrrp_notify_fifo},
                                    std::pair{"lvs_notify_fifo", &global.lvs_notify_fifo}}) {
      const Field* f = view->get(Key(std::string_view(key)));
      if (f == nullptr) continue;
      const std::string fpath = join_path(path, key);
      auto fifo_view = read_map(f->value, fpath, {"path", "owner", "script", "script_user"},
                                location(f->value, location(f->key, {})));
      if (!fifo_view) continue;
      NotifyFifo fifo;
      read(*fifo_view, fpath, "path", fifo.path, non_empty_string);
      read(*fifo_view, fpath, "owner", fifo.owner, parse_script_user);
      read(*fifo_view, fpath, "script", fifo.script, non_empty_string);
      read(*fifo_view, fpath, "script_user", fifo.script_user, parse_script_user);
      *slot = std::move(fifo);
    }
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
    if (const Field* f = view->get("announce")) {
      const std::string apath = join_path(path, "announce");
      auto announce_view = read_map(f->value, apath, {"table", "drain_grace", "drain_on_stop"},
                                    location(f->value, location(f->key, {})));
      if (announce_view) {
        // 253-255 are the kernel's default, main and local tables; FRR imports 1-252.
        read(*announce_view, apath, "table", global.announce.table, integer(1, 252));
        read(*announce_view, apath, "drain_grace", global.announce.drain_grace, parse_duration);
        read(*announce_view, apath, "drain_on_stop", global.announce.drain_on_stop, parse_bool);
      }
    }
  }

  void read_notify(const MapView& view, const std::string& path, NotifyScripts& notify) {
    read(view, path, "notify_master", notify.master, non_empty_string);
    read(view, path, "notify_backup", notify.backup, non_empty_string);
    read(view, path, "notify_fault", notify.fault, non_empty_string);
    read(view, path, "notify_stop", notify.stop, non_empty_string);
    read(view, path, "notify", notify.any, non_empty_string);
    read(view, path, "notify_master_rx_lower_pri", notify.master_rx_lower_pri, non_empty_string);
    read(view, path, "notify_priority_changes", notify.priority_changes, parse_bool);
  }

  VrrpInstance read_instance(const yaml::NodeRef& node, const std::string& path, const Pos& at) {
    VrrpInstance inst;
    auto view = read_map(node, path,
                         {"name", "state", "interface", "virtual_router_id", "priority", "advert_int", "version",
                          "authentication", "virtual_ipaddress", "unicast_src_ip", "unicast_peer", "check_unicast_ttl", "nopreempt",
                          "preempt_delay", "track_interface", "track_script", "notify_master", "notify_backup", "notify_fault",
                          "notify_stop", "notify", "garp_master_delay", "garp_master_repeat", "garp_master_refresh",
                          "garp_master_refresh_repeat", "dont_track_primary", "promote_secondaries", "strict_mode",
                          "accept", "track_file", "track_process", "virtual_ipaddress_excluded", "virtual_routes",
                          "virtual_rules", "notify_master_rx_lower_pri", "notify_priority_changes",
                          "lower_prio_no_advert", "higher_prio_send_advert", "garp_lower_prio_repeat",
                          "garp_lower_prio_delay", "down_timer_adverts", "unicast_ttl", "use_vmac", "vmac_interface", "vmac_address",
                          "vmac_xmit_base", "garp_extra_if", "garp_extra_if_all"},
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
    read_list(*view, path, "virtual_ipaddress", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      if (auto vip = read_virtual_ip(n, p, where)) inst.virtual_ipaddress.push_back(*vip);
    });
    read(*view, path, "unicast_src_ip", inst.unicast_src_ip, parse_address);
    read_list(*view, path, "unicast_peer", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      if (auto a = scalar_item(n, p, where, parse_address)) inst.unicast_peer.push_back(*a);
    });
    read(*view, path, "check_unicast_ttl", inst.check_unicast_ttl, parse_bool);
    read(*view, path, "nopreempt", inst.nopreempt, parse_bool);
    read(*view, path, "preempt_delay", inst.preempt_delay, parse_duration);
    read_tracked(*view, path, "track_interface", "an interface name", parse_interface_name, inst.track_interface);
    read_tracked(*view, path, "track_script", "a vrrp_scripts name", non_empty_string, inst.track_script);
    read_tracked(*view, path, "track_file", "a track_files name", non_empty_string, inst.track_file, 254);
    read_tracked(*view, path, "track_process", "a track_processes name", non_empty_string, inst.track_process, 254);
    read_notify(*view, path, inst.notify);
    read(*view, path, "garp_master_delay", inst.garp_master_delay, parse_duration);
    read(*view, path, "garp_master_repeat", inst.garp_master_repeat, integer(1, 255));
    read(*view, path, "garp_master_refresh", inst.garp_master_refresh, parse_duration);
    read(*view, path, "garp_master_refresh_repeat", inst.garp_master_refresh_repeat, integer(1, 255));
    read(*view, path, "dont_track_primary", inst.dont_track_primary, parse_bool);
    read(*view, path, "promote_secondaries", inst.promote_secondaries, parse_bool);
    read(*view, path, "strict_mode", inst.strict_mode, parse_bool);
    read(*view, path, "accept", inst.accept, parse_bool);
    read_list(*view, path, "virtual_ipaddress_excluded", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      if (auto vip = read_virtual_ip(n, p, where)) inst.virtual_ipaddress_excluded.push_back(*vip);
    });
    read_routes_and_rules(*view, path, "virtual_routes", "virtual_rules", inst.virtual_routes, inst.virtual_rules);
    read(*view, path, "use_vmac", inst.use_vmac, parse_bool);
    read(*view, path, "vmac_interface", inst.vmac_interface, parse_interface_name);
    read(*view, path, "vmac_address", inst.vmac_address, parse_vmac_address);
    read(*view, path, "vmac_xmit_base", inst.vmac_xmit_base, parse_bool);
    read(*view, path, "garp_extra_if", inst.garp_extra_if, parse_duration);
    read(*view, path, "garp_extra_if_all", inst.garp_extra_if_all, parse_bool);
    read(*view, path, "lower_prio_no_advert", inst.lower_prio_no_advert, parse_bool);
    read(*view, path, "higher_prio_send_advert", inst.higher_prio_send_advert, parse_bool);
    read(*view, path, "garp_lower_prio_repeat", inst.garp_lower_prio_repeat, integer(0, 255));
    read(*view, path, "garp_lower_prio_delay", inst.garp_lower_prio_delay, parse_duration);
    read(*view, path, "down_timer_adverts", inst.down_timer_adverts, integer(1, 100));
    read(*view, path, "unicast_ttl", inst.unicast_ttl, integer(1, 255));
    return inst;
  }

  // track_interface / track_script / track_file: NAME, or {name, weight, reverse}.
  template <typename Track, typename ParseName>
  void read_tracked(const MapView& view, const std::string& path, const std::string& key, const std::string& allowed,
                    ParseName parse_name, std::vector<Track>& out, int max_weight = 253) {
    read_list(view, path, key, [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      if (n.is_scalar()) {
        if (auto name = scalar_item(n, p, where, parse_name)) out.push_back({.name = *name});
        return;
      }
      auto tv = read_map(n, p, {"name", "weight", "reverse"}, where);
      if (!tv) return;
      Track track;
      if (!tv->get("name")) error(where, join_path(p, "name"), "missing required key 'name': allowed " + allowed);
      read(*tv, p, "name", track.name, parse_name);
      read(*tv, p, "weight", track.weight, integer(-max_weight, max_weight));
      read(*tv, p, "reverse", track.reverse, parse_bool);
      out.push_back(track);
    });
  }

  TrackFile read_track_file(const yaml::NodeRef& node, const std::string& path, const Pos& at) {
    TrackFile file;
    auto view = read_map(node, path, {"name", "file", "weight", "reverse", "init_file", "init_overwrite"}, at);
    if (!view) return file;
    if (!view->get("name")) error(at, join_path(path, "name"), "missing required key 'name': allowed a unique name");
    if (!view->get("file")) error(at, join_path(path, "file"), "missing required key 'file': allowed an absolute path");
    read(*view, path, "name", file.name, non_empty_string);
    read(*view, path, "file", file.file, non_empty_string);
    read(*view, path, "weight", file.weight, integer(-254, 254));
    read(*view, path, "reverse", file.reverse, parse_bool);
    read(*view, path, "init_file", file.init_file, integer(-2147483648LL, 2147483647LL));
    read(*view, path, "init_overwrite", file.init_overwrite, parse_bool);
    return file;
  }

  TrackProcess read_track_process(const yaml::NodeRef& node, const std::string& path, const Pos& at) {
    TrackProcess proc;
    auto view = read_map(node, path,
                         {"name", "process", "parameters", "param_match", "full_command", "weight", "reverse", "quorum",
                          "quorum_max", "fork_delay", "terminate_delay"},
                         at);
    if (!view) return proc;
    if (!view->get("name")) error(at, join_path(path, "name"), "missing required key 'name': allowed a unique name");
    if (!view->get("process"))
      error(at, join_path(path, "process"), "missing required key 'process': allowed a process name or command");
    read(*view, path, "name", proc.name, non_empty_string);
    read(*view, path, "process", proc.process, non_empty_string);
    read_list(*view, path, "parameters", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      if (auto word = scalar_item(n, p, where, any_string)) proc.parameters.push_back(*word);
    });
    read(*view, path, "param_match", proc.param_match, parse_param_match);
    read(*view, path, "full_command", proc.full_command, parse_bool);
    read(*view, path, "weight", proc.weight, integer(-254, 254));
    read(*view, path, "reverse", proc.reverse, parse_bool);
    read(*view, path, "quorum", proc.quorum, integer(1, 65535));
    read(*view, path, "quorum_max", proc.quorum_max, integer(0, 65535));
    read(*view, path, "fork_delay", proc.fork_delay, parse_duration);
    read(*view, path, "terminate_delay", proc.terminate_delay, parse_duration);
    return proc;
  }

  VrrpScript read_vrrp_script(const yaml::NodeRef& node, const std::string& path, const Pos& at) {
    VrrpScript script;
    auto view = read_map(node, path,
                         {"name", "script", "interval", "timeout", "weight", "reverse", "rise", "fall", "user",
                          "init_fail"},
                         at);
    if (!view) return script;
    if (!view->get("name")) error(at, join_path(path, "name"), "missing required key 'name': allowed a unique name");
    if (!view->get("script")) error(at, join_path(path, "script"), "missing required key 'script': allowed a command line");
    read(*view, path, "name", script.name, non_empty_string);
    read(*view, path, "script", script.script, non_empty_string);
    read(*view, path, "interval", script.interval, parse_duration);
    read(*view, path, "timeout", script.timeout, parse_duration);
    read(*view, path, "weight", script.weight, integer(-253, 253));
    read(*view, path, "reverse", script.reverse, parse_bool);
    read(*view, path, "rise", script.rise, integer(1, 1000));
    read(*view, path, "fall", script.fall, integer(1, 1000));
    read(*view, path, "user", script.user, parse_script_user);
    read(*view, path, "init_fail", script.init_fail, parse_bool);
    return script;
  }

  std::optional<VirtualIpAddress> read_virtual_ip(const yaml::NodeRef& node, const std::string& path,
                                                  const Pos& at) {
    if (node.is_scalar()) return scalar_item(node, path, at, parse_virtual_ip);
    auto view = read_map(node, path,
                         {"address", "dev", "label", "scope", "brd", "peer", "home", "mngtmpaddr", "noprefixroute",
                          "autojoin", "no_track", "preferred_lft"},
                         at);
    if (!view) return std::nullopt;
    std::optional<VirtualIpAddress> vip;
    if (!view->get("address")) {
      error(at, join_path(path, "address"), "missing required key 'address': allowed ADDRESS[/PREFIX]");
      return std::nullopt;
    }
    read(*view, path, "address", vip, [](std::string_view t) -> Result<VirtualIpAddress> {
      if (t.find_first_of(" \t") != std::string_view::npos)
        return Error{quote(t) + " is not an address: allowed ADDRESS[/PREFIX]; dev, label, scope and the other options are keys"};
      return parse_virtual_ip(t);
    });
    if (!vip) return std::nullopt;
    read(*view, path, "dev", vip->dev, parse_interface_name);
    read(*view, path, "label", vip->label, [](std::string_view t) -> Result<std::string> {
      if (t.empty() || t.size() > 15) return Error{quote(t) + " is not a label: allowed 1-15 characters"};
      return std::string(t);
    });
    read(*view, path, "scope", vip->scope, parse_scope);
    read(*view, path, "brd", vip->broadcast, parse_address);
    read(*view, path, "peer", vip->peer, parse_address);
    read(*view, path, "home", vip->home, parse_bool);
    read(*view, path, "mngtmpaddr", vip->mngtmpaddr, parse_bool);
    read(*view, path, "noprefixroute", vip->noprefixroute, parse_bool);
    read(*view, path, "autojoin", vip->autojoin, parse_bool);
    read(*view, path, "no_track", vip->no_track, parse_bool);
    read(*view, path, "preferred_lft", vip->preferred_lft, parse_preferred_lft);
    return vip;
  }

  VrrpSyncGroup read_sync_group(const yaml::NodeRef& node, const std::string& path, const Pos& at) {
    VrrpSyncGroup group;
    auto view = read_map(node, path,
                         {"name", "group", "track_process", "notify_master", "notify_backup", "notify_fault",
                          "notify_stop", "notify", "notify_priority_changes"},
                         at);
    if (!view) return group;
    read(*view, path, "name", group.name, non_empty_string);
    read_list(*view, path, "group", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      if (auto name = scalar_item(n, p, where, non_empty_string)) group.group.push_back(*name);
    });
    read_tracked(*view, path, "track_process", "a track_processes name", non_empty_string, group.track_process, 254);
    read_notify(*view, path, group.notify);
    return group;
  }

  VirtualServerGroup read_virtual_server_group(const yaml::NodeRef& node, const std::string& path, const Pos& at) {
    VirtualServerGroup group;
    auto view = read_map(node, path, {"name", "members"}, at);
    if (!view) return group;
    read(*view, path, "name", group.name, non_empty_string);
    read_list(*view, path, "members", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      auto mv = read_map(n, p, {"address", "port", "fwmark", "family"}, where);
      if (!mv) return;
      VirtualServerGroupEntry entry;
      if (const Field* f = mv->get("address")) {
        if (auto range = scalar_item(f->value, join_path(p, "address"), location(f->value, where), parse_address_range)) {
          entry.address = range->address;
          entry.last = range->last;
        }
      }
      read(*mv, p, "port", entry.port, integer(0, 65535));
      read(*mv, p, "fwmark", entry.fwmark, integer(1, 4294967295));
      read(*mv, p, "family", entry.family, parse_address_family);
      group.members.push_back(entry);
    });
    return group;
  }

  VirtualServer read_virtual_server(const yaml::NodeRef& node, const std::string& path, const Pos& at) {
    VirtualServer vs;
    static const std::vector<std::string> keys = {
        "address", "port", "fwmark", "group", "ip_family", "protocol", "lb_algo", "scheduler_flags", "lb_kind", "tunnel_type", "tunnel_port", "tunnel_checksum",
        "persistence_timeout", "persistence_granularity", "persistence_engine", "delay_loop", "connect_timeout", "retry", "delay_before_retry",
        "warmup", "quorum", "hysteresis", "sorry_server", "quorum_up", "quorum_down", "omega",
        "inhibit_on_failure", "ha_suspend", "ops", "start_up", "virtualhost", "announce", "real_servers"};
    auto view = read_map(node, path, keys, at);
    if (!view) return vs;
    read(*view, path, "address", vs.address, parse_address);
    read(*view, path, "port", vs.port, integer(0, 65535));
    read(*view, path, "fwmark", vs.fwmark, integer(1, 4294967295));
    read(*view, path, "group", vs.group, non_empty_string);
    read(*view, path, "ip_family", vs.ip_family, parse_address_family);
    read(*view, path, "protocol", vs.protocol, parse_protocol);
    read(*view, path, "lb_algo", vs.lb_algo, parse_lb_algo);
    read_list(*view, path, "scheduler_flags", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      auto name = scalar_item(n, p, where, non_empty_string);
      if (!name) return;
      if (auto st = set_scheduler_flag(vs.scheduler_flags, *name, vs.lb_algo); !st.ok()) error(where, p, st.error().message);
    });
    read(*view, path, "lb_kind", vs.lb_kind, parse_lb_kind);
    read(*view, path, "tunnel_type", vs.tunnel_type, parse_tunnel_type);
    read(*view, path, "tunnel_port", vs.tunnel_port, integer(1, 65535));
    read(*view, path, "tunnel_checksum", vs.tunnel_checksum, parse_tunnel_checksum);
    read(*view, path, "persistence_timeout", vs.persistence_timeout, parse_duration);
    read(*view, path, "persistence_granularity", vs.persistence_granularity, parse_granularity);
    read(*view, path, "persistence_engine", vs.persistence_engine, non_empty_string);
    read(*view, path, "delay_loop", vs.delay_loop, parse_duration);
    read(*view, path, "connect_timeout", vs.connect_timeout, parse_duration);
    read(*view, path, "retry", vs.retry, integer(0, 100));
    read(*view, path, "delay_before_retry", vs.delay_before_retry, parse_duration);
    read(*view, path, "warmup", vs.warmup, parse_duration);
    read(*view, path, "quorum", vs.quorum, integer(1, 4294967295));
    read(*view, path, "hysteresis", vs.hysteresis, integer(0, 4294967295));
    read(*view, path, "quorum_up", vs.quorum_up, non_empty_string);
    read(*view, path, "quorum_down", vs.quorum_down, non_empty_string);
    read(*view, path, "omega", vs.omega, parse_bool);
    if (const Field* f = view->get("sorry_server")) {
      const std::string spath = join_path(path, "sorry_server");
      auto sv = read_map(f->value, spath,
                         {"address", "port", "lb_kind", "tunnel_type", "tunnel_port", "tunnel_checksum",
                          "inhibit_on_failure"},
                         location(f->value, location(f->key, {})));
      if (sv) {
        SorryServer sorry;
        if (!sv->get("address")) error(location(f->value, {}), join_path(spath, "address"), "missing required key 'address': allowed an IP address");
        read(*sv, spath, "address", sorry.address, parse_address);
        read(*sv, spath, "port", sorry.port, integer(0, 65535));
        sorry.forwarding = read_forwarding(*sv, spath, location(f->value, {}));
        read(*sv, spath, "inhibit_on_failure", sorry.inhibit_on_failure, parse_bool);
        vs.sorry_server = sorry;
      }
    }
    read(*view, path, "inhibit_on_failure", vs.inhibit_on_failure, parse_bool);
    read(*view, path, "ha_suspend", vs.ha_suspend, parse_bool);
    read(*view, path, "ops", vs.ops, parse_bool);
    read(*view, path, "start_up", vs.start_up, parse_bool);
    read(*view, path, "virtualhost", vs.virtualhost, non_empty_string);
    read(*view, path, "announce", vs.announce, parse_bool);
    vs.real_servers.reserve(view->list_size("real_servers"));
    read_list(*view, path, "real_servers", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
      vs.real_servers.push_back(read_real_server(n, p, where));
    });
    return vs;
  }

  // A real or sorry server's own lb_kind, tunnel_type and tunnel_port; unset
  // when it has none of them (the virtual server's apply).
  std::optional<Forwarding> read_forwarding(const MapView& view, const std::string& path, const Pos& at) {
    if (!view.get("lb_kind") && !view.get("tunnel_type") && !view.get("tunnel_port") && !view.get("tunnel_checksum"))
      return std::nullopt;
    Forwarding f;
    if (!view.get("lb_kind"))
      error(at, join_path(path, "lb_kind"),
            "tunnel settings without lb_kind: give lb_kind TUN here (the virtual server's lb_kind does not apply "
            "to a server with settings of its own)");
    read(view, path, "lb_kind", f.lb_kind, parse_lb_kind);
    read(view, path, "tunnel_type", f.tunnel_type, parse_tunnel_type);
    read(view, path, "tunnel_port", f.tunnel_port, integer(1, 65535));
    read(view, path, "tunnel_checksum", f.tunnel_checksum, parse_tunnel_checksum);
    return f;
  }

  RealServer read_real_server(const yaml::NodeRef& node, const std::string& path, const Pos& at) {
    RealServer rs;
    static const std::vector<std::string> keys = [] {
      std::vector<std::string> k = {"address", "port", "weight", "lb_kind", "tunnel_type", "tunnel_port", "tunnel_checksum",
                                    "inhibit_on_failure", "slow_start",
                                    "connect_timeout", "retry", "delay_before_retry", "delay_loop", "uthreshold",
                                    "lthreshold", "notify_up", "notify_down", "warmup", "alpha", "virtualhost"};
      k.insert(k.end(), kCheckKeywords.begin(), kCheckKeywords.end());
      k.push_back("FILE_CHECK");
      return k;
    }();
    auto view = read_map(node, path, keys, at);
    if (!view) return rs;
    if (!view->get("address")) error(at, join_path(path, "address"), "missing required key 'address': allowed an IP address");
    read(*view, path, "address", rs.address, parse_address);
    read(*view, path, "port", rs.port, integer(0, 65535));
    read(*view, path, "weight", rs.weight, integer(0, 65535));
    RealServerOptions more;
    more.forwarding = read_forwarding(*view, path, at);
    read(*view, path, "inhibit_on_failure", more.inhibit_on_failure, parse_bool);
    read(*view, path, "slow_start", more.slow_start, parse_duration);
    read(*view, path, "connect_timeout", more.connect_timeout, parse_duration);
    read(*view, path, "retry", more.retry, integer(0, 100));
    read(*view, path, "delay_before_retry", more.delay_before_retry, parse_duration);
    read(*view, path, "delay_loop", more.delay_loop, parse_duration);
    read(*view, path, "uthreshold", more.uthreshold, integer(0, 4294967295));
    read(*view, path, "lthreshold", more.lthreshold, integer(0, 4294967295));
    read(*view, path, "notify_up", more.notify_up, non_empty_string);
    read(*view, path, "notify_down", more.notify_down, non_empty_string);
    read(*view, path, "warmup", more.warmup, parse_duration);
    read(*view, path, "alpha", more.alpha, parse_bool);
    read(*view, path, "virtualhost", more.virtualhost, non_empty_string);
    if (const Field* f = view->get("FILE_CHECK")) read_file_checks(*f, join_path(path, "FILE_CHECK"), at, more);
    rs.options = std::move(more);  // no block when all of them are unset
    for (const Field& f : view->fields) {
      const std::string key(f.name);
      if (std::find(kCheckKeywords.begin(), kCheckKeywords.end(), key) == kCheckKeywords.end()) continue;
      Pos key_at = location(f.key, at);
      const std::string kpath = join_path(path, key);
      if (f.value.is_sequence()) {
        const std::size_t n = f.value.size();
        for (std::size_t i = 0; i < n; ++i) {
          if (!spend_entry(key_at)) break;
          const yaml::NodeRef element = f.value.item(i);
          std::string cpath = n > 1 ? index_path(kpath, i) : kpath;
          Pos where = location(element, key_at);
          if (auto check = read_check(key, element, cpath, where)) rs.checks.push_back(std::move(*check));
        }
      } else if (auto check = read_check(key, f.value, kpath, location(f.value, key_at))) {
        rs.checks.push_back(std::move(*check));
      }
    }
    return rs;
  }

  // FILE_CHECK: {track_file, weight, reverse}, or a list of them.
  void read_file_checks(const Field& field, const std::string& path, const Pos& at, RealServerOptions& rs) {
    const Pos key_at = location(field.key, at);
    auto one = [&](const yaml::NodeRef& node, const std::string& p, const Pos& where) {
      auto view = read_map(node, p, {"track_file", "weight", "reverse"}, where);
      if (!view) return;
      TrackScript check;
      if (!view->get("track_file"))
        error(where, join_path(p, "track_file"), "missing required key 'track_file': allowed a track_files name");
      read(*view, p, "track_file", check.name, non_empty_string);
      read(*view, p, "weight", check.weight, integer(-kFileCheckWeightMax, kFileCheckWeightMax));
      read(*view, p, "reverse", check.reverse, parse_bool);
      rs.file_checks.push_back(std::move(check));
    };
    if (!field.value.is_sequence()) return one(field.value, path, location(field.value, key_at));
    const std::size_t n = field.value.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (!spend_entry(key_at)) break;
      const yaml::NodeRef element = field.value.item(i);
      one(element, n > 1 ? index_path(path, i) : path, location(element, key_at));
    }
  }

  std::optional<Check> read_check(const std::string& keyword, const yaml::NodeRef& node, const std::string& path,
                                  const Pos& at) {
    static const std::vector<std::string> tcp_keys = with_common({});
    static const std::vector<std::string> http_keys = with_common({"url", "virtualhost", "http_protocol", "enable_sni"});
    static const std::vector<std::string> redis_keys = with_common({"password", "expect_role"});
    static const std::vector<std::string> misc_keys = with_common({"misc_path", "misc_timeout", "misc_dynamic", "user"});
    static const std::vector<std::string> udp_keys =
        with_common({"payload", "require_reply", "min_reply_length", "max_reply_length"});
    static const std::vector<std::string> dns_keys = with_common({"type", "name"});
    static const std::vector<std::string> smtp_keys = with_common({"helo_name"});
    Check check;
    const std::vector<std::string>* keys = &tcp_keys;
    if (keyword == "TCP_CHECK") {
      check.probe = TcpCheck{};
    } else if (keyword == "HTTP_GET" || keyword == "SSL_GET") {
      check.probe = HttpCheck{.tls = keyword == "SSL_GET"};
      keys = &http_keys;
    } else if (keyword == "REDIS_CHECK") {
      check.probe = RedisCheck{};
      keys = &redis_keys;
    } else if (keyword == "PING_CHECK") {
      check.probe = PingCheck{};
    } else if (keyword == "UDP_CHECK") {
      check.probe = UdpCheck{};
      keys = &udp_keys;
    } else if (keyword == "DNS_CHECK") {
      check.probe = DnsCheck{};
      keys = &dns_keys;
    } else if (keyword == "SMTP_CHECK") {
      check.probe = SmtpCheck{};
      keys = &smtp_keys;
    } else {
      check.probe = MiscCheck{};
      keys = &misc_keys;
    }
    // "TCP_CHECK:" (PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK) with no value: every key at its default.
    if (node.is_null() && (keyword == "TCP_CHECK" || keyword == "PING_CHECK" || keyword == "UDP_CHECK" ||
                           keyword == "DNS_CHECK" || keyword == "SMTP_CHECK"))
      return check;
    auto view = read_map(node, path, *keys, at);
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
    read(*view, path, "bindto", check.bindto, parse_address);
    read(*view, path, "bind_port", check.bind_port, integer(1, 65535));
    read(*view, path, "bind_if", check.bind_if, parse_interface_name);
    read(*view, path, "fwmark", check.fwmark, integer(0, 4294967295));
    read(*view, path, "warmup", check.warmup, parse_duration);
    read(*view, path, "alpha", check.alpha, parse_bool);
    if (auto* http = std::get_if<HttpCheck>(&check.probe)) {
      read(*view, path, "virtualhost", http->virtualhost, non_empty_string);
      read(*view, path, "http_protocol", http->http_protocol, parse_http_protocol);
      read(*view, path, "enable_sni", http->enable_sni, parse_bool);
      read_list(*view, path, "url", [&](const yaml::NodeRef& n, const std::string& p, const Pos& where) {
        auto uv = read_map(n, p,
                           {"path", "status_code", "digest", "virtualhost", "regex", "regex_no_match", "regex_options",
                            "regex_min_offset", "regex_max_offset", "regex_stack"},
                           where);
        if (!uv) return;
        UrlCheck url;
        read(*uv, p, "path", url.path, any_string);
        read(*uv, p, "status_code", url.status_code, parse_status_codes);
        read(*uv, p, "digest", url.digest, parse_md5_digest);
        read(*uv, p, "virtualhost", url.virtualhost, non_empty_string);
        read(*uv, p, "regex", url.regex, any_string);
        read(*uv, p, "regex_no_match", url.regex_no_match, parse_bool);
        read(*uv, p, "regex_options", url.regex_options, parse_regex_options);
        read(*uv, p, "regex_min_offset", url.regex_min_offset, integer(0, 4294967295));
        read(*uv, p, "regex_max_offset", url.regex_max_offset, integer(0, 4294967295));
        read(*uv, p, "regex_stack", url.regex_stack, parse_regex_stack);
        http->url.push_back(url);
      });
    } else if (auto* redis = std::get_if<RedisCheck>(&check.probe)) {
      read(*view, path, "password", redis->password, any_string);
      read(*view, path, "expect_role", redis->expect_role, parse_redis_role);
    } else if (auto* misc = std::get_if<MiscCheck>(&check.probe)) {
      read(*view, path, "misc_path", misc->misc_path, non_empty_string);
      read(*view, path, "misc_timeout", misc->misc_timeout, parse_duration);
      read(*view, path, "misc_dynamic", misc->misc_dynamic, parse_bool);
      read(*view, path, "user", misc->user, parse_script_user);
    } else if (auto* udp = std::get_if<UdpCheck>(&check.probe)) {
      read(*view, path, "payload", udp->payload, [](std::string_view t) { return parse_hex_pattern(t, false); });
      std::optional<RequireReply> require;
      read(*view, path, "require_reply", require, parse_require_reply);
      if (require) {
        udp->require_reply = require->required;
        udp->reply = require->reply;
      }
      read(*view, path, "min_reply_length", udp->min_reply_length, integer(0, 65535));
      read(*view, path, "max_reply_length", udp->max_reply_length, integer(0, 65535));
    } else if (auto* dns = std::get_if<DnsCheck>(&check.probe)) {
      read(*view, path, "type", dns->type, parse_dns_type);
      read(*view, path, "name", dns->name, parse_dns_name);
    } else if (auto* smtp = std::get_if<SmtpCheck>(&check.probe)) {
      read(*view, path, "helo_name", smtp->helo_name, parse_helo_name);
    }
    return check;
  }

  // Entries aliases may add to the file's own nodes (see load()).
  static constexpr std::size_t kMaxRepeats = 200'000;
  std::size_t max_entries_ = kMaxRepeats;

  std::string file_;
  std::string_view text_{};
  yaml::NodeRef root_{};
  yaml::NodeRef streamed_{};  // the list read while parsing (not in root_'s tree)
  std::optional<yaml::ParseResult> whole_{};  // the file parsed again, whole, to place an error
  SourceMap sources_;
  std::vector<ConfigError> errors_;
  std::size_t entries_read_ = 0;
  bool too_large_ = false;
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
                             "vrrp_script", "static_ipaddress", "static_routes", "static_rules", "include"})
    if (word == k) return SourceFormat::kKeepalived;
  // keepalived's preprocessing: an @ID line, a ~SEQ, a $NAME= definition (none is YAML's way to start).
  if (word.starts_with("@") || word.starts_with("~SEQ")) return SourceFormat::kKeepalived;
  if (word.size() > 2 && word[0] == '$' && word.find('=') != std::string_view::npos) return SourceFormat::kKeepalived;
  return SourceFormat::kYaml;
}

LoadResult load_yaml(std::string_view text, const std::string& file_name) {
  return YamlLoader(file_name).load(text);
}

namespace {

// Where the line holding `at` starts, when it holds spaces, "-" and spaces
// up to `at`: the line of an item of a block list, which starts at `at`.
std::optional<std::size_t> list_item_line(std::string_view text, std::size_t at) {
  std::size_t i = at;
  while (i > 0 && text[i - 1] == ' ') --i;
  if (i == at || i == 0 || text[i - 1] != '-') return std::nullopt;
  --i;
  while (i > 0 && text[i - 1] == ' ') --i;
  if (i != 0 && text[i - 1] != '\n') return std::nullopt;
  return i;
}

}  // namespace

LoadResult reload_yaml(std::string_view text, const std::string& file_name, const Config& before,
                       const ReloadBasis& basis) {
  const ItemSpans& spans = basis.spans;
  const auto change = spans.one_changed_item(text);
  // The item's lines: from its "- " line to a line's end (or the file's),
  // so that the next item's line, with its indentation, lies outside them.
  // (A keepalived.conf's basis has lines: the file changed format.)
  const std::optional<std::size_t> from = change ? list_item_line(text, change->begin) : std::nullopt;
  if (change && from && basis.lines.empty() && spans.items() == before.virtual_servers.size() &&
      (change->end == text.size() || text[change->end - 1] == '\n')) {
    // The item's own lines, from the "- " on: the same indentation as in the file.
    auto changed =
        YamlLoader(file_name).read_virtual_server_alone(text.substr(*from, change->end - *from), change->index);
    if (changed) {
      LoadResult result;
      result.config = before;
      result.config->virtual_servers[change->index] = std::move(*changed);
      // Every rule over the whole configuration, as load() checks it; any
      // error: load the file whole, which places each error in it.
      if (validate(*result.config, SourceMap{}).empty()) {
        if (auto pieces = spans.after(text, *change)) result.reload = ReloadBasis{.spans = std::move(*pieces)};
        return result;
      }
    }
  }
  return load_yaml(text, file_name);
}

FileContent read_config_file(const std::string& path) {
  FileContent out;
  auto bytes = read_regular_file(path, kMaxConfigFileBytes);
  if (!bytes) {
    out.error = ConfigError{.location = {.file = path}, .path = "", .message = bytes.error().message};
    return out;
  }
  out.bytes = std::move(*bytes);
  return out;
}

LoadResult load_content(const std::string& path, std::string_view bytes, const KaConfigId& config_id) {
  if (detect_format(path, bytes) == SourceFormat::kKeepalived)
    return import_keepalived(bytes, path, filesystem_include_reader(), config_id);
  return load_yaml(bytes, path);
}

LoadResult reload_content(const std::string& path, std::string_view bytes, const KaConfigId& config_id,
                          const Config& before, const ReloadBasis& basis) {
  if (detect_format(path, bytes) == SourceFormat::kKeepalived)
    return reimport_keepalived(bytes, path, filesystem_include_reader(), config_id, before, basis);
  return reload_yaml(bytes, path, before, basis);
}

LoadResult load_file(const std::string& path, const KaConfigId& config_id) {
  FileContent content = read_config_file(path);
  if (content.error) {
    LoadResult result;
    result.errors.push_back(std::move(*content.error));
    return result;
  }
  return load_content(path, content.bytes, config_id);
}

ContentDigest content_digest(std::string_view bytes) {
  const XXH128_hash_t hash = XXH3_128bits(bytes.data(), bytes.size());
  return ContentDigest{.xxh3_128 = {hash.high64, hash.low64}, .size = bytes.size()};
}

std::optional<ContentDigest> yaml_digest(const std::string& path, std::string_view bytes) {
  if (detect_format(path, bytes) != SourceFormat::kYaml) return std::nullopt;
  return content_digest(bytes);
}

bool yaml_file_unchanged(const std::string& path, const ContentDigest& previous) {
  const std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) return false;
  std::size_t size = 0;
  bool hashed = true;
  // A longer file is refused by the read itself, after previous.size + 1 bytes.
  const core::Status read = read_regular_file(path, previous.size, [&](std::string_view piece) {
    size += piece.size();
    hashed = hashed && XXH3_128bits_update(state.get(), piece.data(), piece.size()) == XXH_OK;
  });
  if (!read.ok() || !hashed || size != previous.size) return false;
  const XXH128_hash_t hash = XXH3_128bits_digest(state.get());
  return ContentDigest{.xxh3_128 = {hash.high64, hash.low64}, .size = size} == previous;
}

}  // namespace lvsd::conf
