#include "conf/keepalived_import.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <set>

#include "conf/keepalived_keywords.hpp"
#include "conf/read_file.hpp"
#include "conf/scalars.hpp"
#include "conf/validate.hpp"

namespace lvsd::conf {
namespace {

constexpr std::size_t kMany = 256;

// What a keyword looks like in one block: its number of values, whether it
// opens a block, and whether it may appear more than once.
struct Spec {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
  bool block = false;
  bool repeat = false;
  std::string_view yaml_key = {};  // model key when it differs from the keyword
};

const std::vector<Spec> kTopSpecs = {
    {"global_defs", 0, 0, true},
    {"vrrp_script", 1, 1, true, true, "vrrp_scripts"},
    {"vrrp_instance", 1, 1, true, true},
    {"vrrp_sync_group", 1, 1, true, true},
    {"virtual_server", 2, 2, true, true},
};
const std::vector<Spec> kGlobalSpecs = {
    {"router_id", 1, 1},
    {"lvs_flush", 0, 0},
    // keepalived's optional VS (flush only its own services) is what lvsd does.
    {"lvs_flush_onstop", 0, 1, false, false, "lvs_flush_on_stop"},
    {"lvs_flush_on_stop", 0, 1},
    {"lvs_sync_daemon", 1, 12},
    {"vrrp_version", 1, 1},
    {"vrrp_check_unicast_src", 0, 0},  // lvsd always checks it: accepted, nothing to set
    {"script_user", 1, 2},
    {"enable_script_security", 0, 0},
};
const std::vector<Spec> kNotifySpecs = {
    {"notify_master", 1, kMany}, {"notify_backup", 1, kMany}, {"notify_fault", 1, kMany}, {"notify_stop", 1, kMany}};
const std::vector<Spec> kInstanceSpecs = {
    {"state", 1, 1},
    {"interface", 1, 1},
    {"virtual_router_id", 1, 1},
    {"priority", 1, 1},
    {"advert_int", 1, 1},
    {"version", 1, 1},
    {"authentication", 0, 0, true},
    {"virtual_ipaddress", 0, 0, true},
    {"unicast_src_ip", 1, 1},
    {"unicast_peer", 0, 0, true},
    {"check_unicast_src", 0, 0},  // lvsd always checks it: accepted, nothing to set
    {"nopreempt", 0, 0},
    {"preempt_delay", 1, 1},
    {"track_interface", 0, 0, true},
    {"track_script", 0, 0, true},
    {"garp_master_delay", 1, 1},
    {"garp_master_repeat", 1, 1},
    {"garp_master_refresh", 1, 1},
    {"notify_master", 1, kMany},
    {"notify_backup", 1, kMany},
    {"notify_fault", 1, kMany},
    {"notify_stop", 1, kMany},
};
const std::vector<Spec> kVrrpScriptSpecs = {
    {"script", 1, kMany}, {"interval", 1, 1}, {"timeout", 1, 1}, {"weight", 1, 2}, {"rise", 1, 1},
    {"fall", 1, 1},       {"user", 1, 2},     {"init_fail", 0, 0},
};
const std::vector<Spec> kAuthSpecs = {{"auth_type", 1, 1, false, false, "type"}, {"auth_pass", 1, 1, false, false, "pass"}};
const std::vector<Spec> kSyncGroupSpecs = {
    {"group", 0, 0, true},        {"notify_master", 1, kMany}, {"notify_backup", 1, kMany},
    {"notify_fault", 1, kMany},   {"notify_stop", 1, kMany},
};
const std::vector<Spec> kVirtualServerSpecs = {
    {"delay_loop", 1, 1},
    {"lb_algo", 1, 1},
    {"lvs_sched", 1, 1, false, false, "lb_algo"},
    {"lb_kind", 1, 1},
    {"lvs_method", 1, 1, false, false, "lb_kind"},
    {"tun_type", 1, 1, false, false, "tunnel_type"},
    {"tun_port", 1, 1, false, false, "tunnel_port"},
    {"persistence_timeout", 1, 1},
    {"persistence_granularity", 1, 1},
    {"protocol", 1, 1},
    {"ha_suspend", 0, 0},
    {"ops", 0, 0},
    {"alpha", 0, 0, false, false, "start_up"},
    {"virtualhost", 1, 1},
    {"sorry_server", 1, 2},
    {"quorum", 1, 1},
    {"hysteresis", 1, 1},
    {"inhibit_on_failure", 0, 0},
    {"real_server", 1, 2, true, true, "real_servers"},
};
const std::vector<Spec> kRealServerSpecs = {
    {"weight", 1, 1},
    {"inhibit_on_failure", 0, 1},  // [true|false] here, as in keepalived
    {"slow_start", 1, 1},
    {"TCP_CHECK", 0, 0, true, true},
    {"HTTP_GET", 0, 0, true, true},
    {"SSL_GET", 0, 0, true, true},
    {"MISC_CHECK", 0, 0, true, true},
};
const std::vector<Spec> kCommonCheckSpecs = {
    {"connect_ip", 1, 1},         {"connect_port", 1, 1}, {"connect_timeout", 1, 1}, {"retry", 1, 1},
    {"delay_before_retry", 1, 1}, {"delay_loop", 1, 1},
};
// keepalived 2.2.7 reads nb_get_retry (as retry) in HTTP_GET and SSL_GET only.
const std::vector<Spec> kHttpSpecs = {
    {"url", 0, 0, true, true}, {"virtualhost", 1, 1}, {"nb_get_retry", 1, 1, false, false, "retry"}};
const std::vector<Spec> kMiscSpecs = {{"misc_path", 1, kMany}, {"misc_timeout", 1, 1}, {"misc_dynamic", 0, 0}, {"user", 1, 2}};
constexpr std::size_t kManyCodes = 64;
const std::vector<Spec> kUrlSpecs = {{"path", 1, 1}, {"status_code", 1, kManyCodes}, {"digest", 1, 1}};

bool looks_like_keyword(std::string_view word) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (word.empty() || !letter(word[0])) return false;
  return std::all_of(word.begin(), word.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

// keepalived's text substitutions, which lvsd does not implement: a `$NAME=`
// definition, a `$NAME` / `${NAME}` use, an `@host` conditional, a `~SEQ`.
bool is_substitution(const KaWord& word) {
  if (word.quoted || word.text.empty()) return false;
  const std::string& t = word.text;
  if (t[0] == '@' || t[0] == '~') return true;
  return t.find("${") != std::string::npos ||
         (t[0] == '$' && t.size() > 1 && (std::isalpha(static_cast<unsigned char>(t[1])) || t[1] == '_'));
}

const KaWord* first_substitution(const KaStatement& st) {
  if (is_substitution(st.keyword)) return &st.keyword;
  for (const auto& a : st.args)
    if (is_substitution(a)) return &a;
  return nullptr;
}

std::string substitution_message(const KaWord& word) {
  return quote(word.text) + ": keepalived variables ($NAME=, ${NAME}), @host conditionals and ~SEQ are not "
         "supported by lvsd; the statement is skipped";
}

// keepalived's check_true_false().
std::optional<bool> keepalived_bool(std::string_view t) {
  if (t == "true" || t == "on" || t == "yes") return true;
  if (t == "false" || t == "off" || t == "no") return false;
  return std::nullopt;
}

std::vector<Spec> concat(std::vector<Spec> a, const std::vector<Spec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Spec* find_spec(const std::vector<Spec>& specs, std::string_view name) {
  for (const auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}

std::string joined(const std::vector<KaWord>& words, std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) out += (i > from ? " " : "") + words[i].text;
  return out;
}

Result<std::string> text_value(std::string_view t) { return std::string(t); }

class Importer {
 public:
  Importer(std::vector<ConfigError> parse_errors, std::vector<ConfigError> parse_warnings)
      : errors_(std::move(parse_errors)), warnings_(std::move(parse_warnings)) {}

  LoadResult run(const std::vector<KaStatement>& statements, const std::string& file) {
    sources_.set("", Location{.file = file, .line = 1, .column = 1});
    Config config;
    for (const auto& st : normalize(statements, kTopSpecs, "", KaBlock::kTop)) {
      const std::string& k = st.keyword.text;
      if (k == "global_defs") global(st, config.global);
      else if (k == "vrrp_script") config.vrrp_scripts.push_back(vrrp_script(st, config.vrrp_scripts.size()));
      else if (k == "vrrp_instance") config.vrrp_instances.push_back(instance(st, config.vrrp_instances.size()));
      else if (k == "vrrp_sync_group") config.vrrp_sync_groups.push_back(sync_group(st, config.vrrp_sync_groups.size()));
      else if (k == "virtual_server" && st.args[0].text == "group")
        // One error for the construct, not one per value it does not parse as.
        error(st.args[0].location, index_path("virtual_servers", config.virtual_servers.size()),
              "keepalived's 'virtual_server group NAME' (virtual_server_group) is not implemented by lvsd yet; "
              "lvsd refuses the file rather than run without it");
      else if (k == "virtual_server") config.virtual_servers.push_back(virtual_server(st, config.virtual_servers.size()));
    }
    for (std::size_t i = 0; i < config.vrrp_instances.size(); ++i)
      if (!explicit_version_.count(i)) config.vrrp_instances[i].version = default_version_;

    LoadResult result;
    for (auto& e : validate(config, sources_)) {
      bool already = std::any_of(errors_.begin(), errors_.end(),
                                 [&](const ConfigError& p) { return paths_overlap(p.path, e.path); });
      if (!already) errors_.push_back(std::move(e));
    }
    std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
      return std::tie(a.location.file, a.location.line, a.location.column) <
             std::tie(b.location.file, b.location.line, b.location.column);
    });
    result.errors = std::move(errors_);
    result.warnings = std::move(warnings_);
    if (result.errors.empty()) result.config = std::move(config);
    return result;
  }

 private:
  void error(const Location& at, const std::string& path, std::string message) {
    errors_.push_back(ConfigError{.location = at, .path = path, .message = std::move(message)});
  }
  void warn(const Location& at, const std::string& path, std::string message) {
    warnings_.push_back(ConfigError{.location = at, .path = path, .message = std::move(message)});
  }

  // lvsd's keywords of a block and keepalived's, for "did you mean".
  static std::vector<std::string> block_keywords(const std::vector<Spec>& specs, KaBlock block) {
    std::vector<std::string> names;
    for (const auto& s : specs) names.emplace_back(s.name);
    for (const auto& k : keepalived_keywords())
      if (k.block == block) names.emplace_back(k.name);
    return names;
  }

  static bool is_keyword(const std::vector<Spec>& specs, KaBlock block, std::string_view word) {
    return find_spec(specs, word) != nullptr || find_keepalived_keyword(block, word) != nullptr;
  }

  // A keyword of the block or a near-miss of one (reported as a typo).
  static bool names_keyword(const std::vector<Spec>& specs, KaBlock block, const KaWord& word) {
    if (word.quoted || !looks_like_keyword(word.text)) return false;
    return is_keyword(specs, block, word.text) || did_you_mean(word.text, block_keywords(specs, block)).has_value();
  }

  // Checks keywords against specs (unknown() says what happens to the
  // others); wrong value counts and blocks are errors, and a statement with
  // more values than its keyword takes is split where a keyword starts
  // (`weight 1 HTTP_GET {` on one line is two statements). As in keepalived,
  // values after a keyword that takes none are ignored, with a warning.
  std::vector<KaStatement> normalize(const std::vector<KaStatement>& in, const std::vector<Spec>& specs,
                                     const std::string& path, KaBlock block) {
    std::vector<KaStatement> out;
    std::set<std::string> seen;
    std::deque<KaStatement> work(in.begin(), in.end());
    while (!work.empty()) {
      KaStatement st = std::move(work.front());
      work.pop_front();
      const std::string& k = st.keyword.text;
      if (const KaWord* sub = first_substitution(st)) {
        error(sub->location, join_path(path, k), substitution_message(*sub));
        continue;
      }
      const Spec* spec = find_spec(specs, k);
      if (spec == nullptr) {
        unknown(st, specs, path, block);
        continue;
      }
      const std::string kpath = join_path(path, std::string(spec->yaml_key.empty() ? spec->name : spec->yaml_key));
      // A command line takes the rest of the line unless it is "quoted".
      std::size_t max_args = spec->max_args == kMany && !st.args.empty() && st.args[0].quoted ? 1 : spec->max_args;
      const bool flag = spec->max_args == 0 && !spec->block;
      if (flag && !st.args.empty()) {
        auto next = std::find_if(st.args.begin(), st.args.end(),
                                 [&](const KaWord& w) { return names_keyword(specs, block, w); });
        if (next != st.args.begin()) {
          std::vector<KaWord> ignored(st.args.begin(), next);
          warn(ignored[0].location, kpath,
               "'" + k + "' takes no value: " + quote(joined(ignored)) + " is ignored, as keepalived 2.2.7 does");
          st.args.erase(st.args.begin(), next);
        }
      }
      // Where the next statement starts on this line, if it does.
      std::size_t split_at = st.args.size();
      if (spec->max_args != kMany) {
        // An optional value that is the next keyword: `{ inhibit_on_failure slow_start 20 }`.
        for (std::size_t i = spec->min_args; i < std::min(max_args, st.args.size()); ++i) {
          if (!st.args[i].quoted && is_keyword(specs, block, st.args[i].text)) {
            split_at = i;
            break;
          }
        }
      }
      if (split_at == st.args.size() && st.args.size() > max_args) {
        const KaWord& extra = st.args[max_args];
        // A word shaped like a keyword starts the next statement, known or not
        // (an unknown one is then reported as such, not as an extra value).
        if (extra.quoted || !looks_like_keyword(extra.text)) {
          error(extra.location, kpath,
                "too many values for '" + k + "': " + quote(extra.text) + " is extra; allowed " +
                    std::to_string(max_args) + " value" + (max_args == 1 ? "" : "s"));
          continue;
        }
        split_at = max_args;
      }
      if (split_at < st.args.size()) {
        KaStatement rest{.keyword = st.args[split_at],
                         .args = std::vector<KaWord>(st.args.begin() + static_cast<long>(split_at) + 1, st.args.end()),
                         .has_block = st.has_block,
                         .children = std::move(st.children)};
        st.args.resize(split_at);
        st.has_block = false;
        st.children.clear();
        work.push_front(std::move(rest));
      }
      if (st.args.size() < spec->min_args) {
        error(st.keyword.location, kpath,
              "'" + k + "' needs " + std::to_string(spec->min_args) + " value" + (spec->min_args == 1 ? "" : "s"));
        continue;
      }
      if (spec->block && !st.has_block) {
        error(st.keyword.location, kpath, "'" + k + "' needs a block: " + k + " ... { ... }");
        continue;
      }
      if (!spec->block && st.has_block) {
        error(st.keyword.location, kpath, "'" + k + "' does not take a block");
        continue;
      }
      if (!spec->repeat && !seen.insert(k).second) {
        error(st.keyword.location, kpath, "duplicate keyword '" + k + "': allowed once per block");
        continue;
      }
      out.push_back(std::move(st));
    }
    return out;
  }

  // A keyword lvsd does not read here: keepalived's keywords are ignored with
  // a warning or refused (conf/keepalived_keywords.cpp says which); any other
  // word is skipped with a warning, as keepalived 2.2.7 does, unless it is a
  // near-miss of a keyword of the block: a typo is refused.
  void unknown(const KaStatement& st, const std::vector<Spec>& specs, const std::string& path, KaBlock block) {
    const std::string& k = st.keyword.text;
    const std::string kpath = join_path(path, k);
    const Location& at = st.keyword.location;
    if (const KaKeyword* kw = find_keepalived_keyword(block, k)) {
      if (kw->support == KaSupport::kIgnored)
        warn(at, kpath, "keepalived keyword '" + k + "' is ignored: " + std::string(kw->reason));
      else
        error(at, kpath, "keepalived keyword '" + k + "' is not implemented by lvsd yet; lvsd refuses the file "
                         "rather than run without it");
      return;
    }
    if (k == "nb_get_retry") {  // TCP_CHECK, MISC_CHECK
      warn(at, kpath, "'nb_get_retry' is ignored in " + std::string(to_string(block)) +
                          ": keepalived 2.2.7 reads it only in HTTP_GET and SSL_GET and skips it here; use retry");
      return;
    }
    if (auto near = did_you_mean(k, block_keywords(specs, block))) {
      error(at, kpath, "unknown keyword " + quote(k) + ": did you mean '" + *near + "'?");
      return;
    }
    if (st.has_block) {
      // keepalived does not skip the block: it reads what is inside as
      // keywords of the enclosing block, and its '}' closes that block.
      error(at, kpath, "unknown keyword " + quote(k) + " with a block: keepalived 2.2.7 would read the block's "
                       "contents as keywords of " + std::string(to_string(block)) + ", so lvsd refuses it");
      return;
    }
    warn(at, kpath,
         "unknown keyword " + quote(k) + " skipped: it is not a keepalived 2.2.7 keyword of " +
             std::string(to_string(block)) + ", and keepalived skips such keywords too");
  }

  // out = parse(the statement's values), reporting failures at the first value.
  template <typename T, typename Parse>
  void value(const KaStatement& st, const std::string& path, T& out, Parse parse) {
    std::string text = joined(st.args);
    auto parsed = parse(std::string_view(text));
    if (!parsed) {
      error(st.args.empty() ? st.keyword.location : st.args[0].location, path, parsed.error().message);
      return;
    }
    assign(out, std::move(*parsed));
  }

  // Path of a statement's model key, with its value's location recorded.
  std::string key(const std::string& parent, const std::vector<Spec>& specs, const KaStatement& st) {
    const Spec* spec = find_spec(specs, st.keyword.text);
    std::string name = spec && !spec->yaml_key.empty() ? std::string(spec->yaml_key) : st.keyword.text;
    std::string p = join_path(parent, name);
    sources_.set(p, st.args.empty() ? st.keyword.location : st.args[0].location);
    return p;
  }

  // ---------------------------------------------------------------- blocks

  void global(const KaStatement& block, Global& g) {
    const std::string path = "global";
    sources_.set(path, block.keyword.location);
    for (const auto& st : normalize(block.children, kGlobalSpecs, path, KaBlock::kGlobalDefs)) {
      const std::string& k = st.keyword.text;
      const std::string p = key(path, kGlobalSpecs, st);
      if (k == "router_id") value(st, p, g.router_id, text_value);
      else if (k == "lvs_flush") g.lvs_flush = true;
      else if (k == "lvs_flush_onstop" || k == "lvs_flush_on_stop") {
        if (!st.args.empty() && st.args[0].text != "VS")
          error(st.args[0].location, p, quote(st.args[0].text) + " is not valid for " + k + ": allowed VS or nothing");
        g.lvs_flush_on_stop = true;
      }
      else if (k == "vrrp_version") value(st, p, default_version_, integer(2, 3));
      else if (k == "lvs_sync_daemon") g.lvs_sync_daemon = sync_daemon(st, p);
      else if (k == "script_user") value(st, p, g.script_user, parse_script_user);
      else if (k == "enable_script_security") g.enable_script_security = true;
    }
  }

  std::optional<LvsSyncDaemon> sync_daemon(const KaStatement& st, const std::string& path) {
    LvsSyncDaemon sync;
    auto iface = parse_interface_name(st.args[0].text);
    if (!iface) {
      error(st.args[0].location, join_path(path, "interface"), iface.error().message);
      return std::nullopt;
    }
    sync.interface = *iface;
    static const std::set<std::string> options = {"id", "maxlen", "port", "ttl", "group"};
    std::size_t i = 1;
    if (i < st.args.size() && !options.count(st.args[i].text)) sync.vrrp_instance = st.args[i++].text;
    for (; i < st.args.size(); i += 2) {
      const KaWord& option = st.args[i];
      if (!options.count(option.text) || i + 1 >= st.args.size()) {
        error(option.location, path,
              quote(option.text) + " is not valid here: allowed INTERFACE [INSTANCE] [id N] [maxlen N] [port N] "
              "[ttl N] [group ADDRESS]");
        return std::nullopt;
      }
      const KaWord& v = st.args[i + 1];
      std::string key_name = option.text == "id" ? "sync_id" : option.text;
      std::string p = join_path(path, key_name);
      auto fail = [&](const Error& e) { error(v.location, p, e.message); };
      if (option.text == "id") {
        if (auto r = parse_integer(v.text, 0, 255)) sync.sync_id = static_cast<std::uint8_t>(*r); else fail(r.error());
      } else if (option.text == "maxlen") {
        if (auto r = parse_integer(v.text, 1, 65507)) sync.maxlen = static_cast<std::uint16_t>(*r); else fail(r.error());
      } else if (option.text == "port") {
        if (auto r = parse_integer(v.text, 1, 65535)) sync.port = static_cast<std::uint16_t>(*r); else fail(r.error());
      } else if (option.text == "ttl") {
        if (auto r = parse_integer(v.text, 1, 255)) sync.ttl = static_cast<std::uint8_t>(*r); else fail(r.error());
      } else if (auto r = parse_address(v.text)) {
        sync.group = *r;
      } else {
        fail(r.error());
      }
    }
    return sync;
  }

  void notify(const KaStatement& st, const std::string& p, NotifyScripts& n) {
    const std::string& k = st.keyword.text;
    std::optional<std::string>* slot = k == "notify_master" ? &n.master
                                       : k == "notify_backup" ? &n.backup
                                       : k == "notify_fault"  ? &n.fault
                                                              : &n.stop;
    value(st, p, *slot, text_value);
  }

  VrrpInstance instance(const KaStatement& block, std::size_t index) {
    const std::string path = index_path("vrrp_instances", index);
    VrrpInstance inst;
    inst.name = block.args[0].text;
    sources_.set(path, block.keyword.location);
    sources_.set(join_path(path, "name"), block.args[0].location);
    for (const auto& st : normalize(block.children, kInstanceSpecs, path, KaBlock::kVrrpInstance)) {
      const std::string& k = st.keyword.text;
      const std::string p = key(path, kInstanceSpecs, st);
      if (k == "state") value(st, p, inst.state, parse_vrrp_state);
      else if (k == "interface") value(st, p, inst.interface, parse_interface_name);
      else if (k == "virtual_router_id") value(st, p, inst.virtual_router_id, integer(1, 255));
      else if (k == "priority") value(st, p, inst.priority, integer(1, 255));
      else if (k == "advert_int") value(st, p, inst.advert_int, parse_duration);
      else if (k == "version") {
        value(st, p, inst.version, integer(2, 3));
        explicit_version_.insert(index);
      } else if (k == "authentication") inst.authentication = authentication(st, p);
      else if (k == "virtual_ipaddress") virtual_ips(st, p, inst.virtual_ipaddress);
      else if (k == "unicast_src_ip") {
        if (auto a = address_dropping_prefix(st.args[0], p)) inst.unicast_src_ip = *a;
      }
      else if (k == "unicast_peer") unicast_peers(st, p, path, inst);
      else if (k == "check_unicast_src") continue;
      else if (k == "nopreempt") inst.nopreempt = true;
      else if (k == "preempt_delay") value(st, p, inst.preempt_delay, parse_duration);
      else if (k == "track_interface") track_interfaces(st, p, inst.track_interface);
      else if (k == "track_script") track_scripts(st, p, inst.track_script);
      else if (k == "garp_master_delay") value(st, p, inst.garp_master_delay, parse_duration);
      else if (k == "garp_master_repeat") value(st, p, inst.garp_master_repeat, integer(1, 255));
      else if (k == "garp_master_refresh") value(st, p, inst.garp_master_refresh, parse_duration);
      else notify(st, p, inst.notify);
    }
    return inst;
  }

  std::optional<VrrpAuthentication> authentication(const KaStatement& block, const std::string& path) {
    VrrpAuthentication auth;
    bool has_pass = false;
    for (const auto& st : normalize(block.children, kAuthSpecs, path, KaBlock::kAuthentication)) {
      const std::string p = key(path, kAuthSpecs, st);
      if (st.keyword.text == "auth_type") {
        if (st.args[0].text != "PASS")
          error(st.args[0].location, p,
                quote(st.args[0].text) + " is not supported: allowed PASS (AH is not implemented)");
      } else {
        auth.pass = st.args[0].text;
        has_pass = true;
        // keepalived 2.2.7 sends the first 8 characters: so must lvsd, to
        // interoperate with it.
        if (auth.pass.size() > 8) {
          warn(st.args[0].location, p,
               "auth_pass is " + std::to_string(auth.pass.size()) +
                   " characters: truncated to its first 8, which are what keepalived 2.2.7 sends too");
          auth.pass.resize(8);
        }
      }
    }
    if (!has_pass) error(block.keyword.location, join_path(path, "pass"), "missing auth_pass: allowed 1-8 characters");
    return auth;
  }

  // `unicast_peer { 10.0.0.1 [min_ttl N] [max_ttl N] ... }`. keepalived checks
  // a peer's TTL only against a range given this way (default: any TTL);
  // lvsd has one switch, check_unicast_ttl (default: TTL 255 only). A
  // min_ttl below 255 says the peers are routed apart: the check goes off.
  void unicast_peers(const KaStatement& block, const std::string& p, const std::string& instance_path,
                     VrrpInstance& inst) {
    const std::vector<KaWord> words = words_of(block.children);
    std::size_t i = 0;
    for (std::size_t w = 0; w < words.size(); ++w) {
      const KaWord& word = words[w];
      if (word.text == "min_ttl" || word.text == "max_ttl") {
        const std::string opath = join_path(instance_path, "check_unicast_ttl");
        if (inst.unicast_peer.empty() || w + 1 >= words.size()) {
          error(word.location, opath, "'" + word.text + "' needs a peer address before it and a value 0-255 after it");
          continue;
        }
        const KaWord& v = words[++w];
        auto ttl = parse_integer(v.text, 0, 255);
        if (!ttl) {
          error(v.location, opath, ttl.error().message);
        } else if (word.text == "max_ttl" && *ttl != 255) {
          error(v.location, opath,
                "max_ttl " + v.text + " is not supported: lvsd accepts TTL 255, or any TTL with "
                "check_unicast_ttl: false; allowed max_ttl 255");
        } else if (word.text == "min_ttl" && *ttl != 255) {
          if (inst.check_unicast_ttl) {
            sources_.set(opath, v.location);
            warnings_.push_back(ConfigError{
                .location = v.location, .path = opath,
                .message = "min_ttl " + v.text + " imported as check_unicast_ttl: false: lvsd has no TTL range, "
                           "so adverts from every peer of this instance are accepted with any TTL"});
          }
          inst.check_unicast_ttl = false;
        }
        continue;
      }
      std::string ip = index_path(p, i++);
      sources_.set(ip, word.location);
      if (is_substitution(word)) error(word.location, ip, substitution_message(word));
      else if (auto a = address_dropping_prefix(word, ip)) inst.unicast_peer.push_back(*a);
    }
  }

  // keepalived reads unicast_src_ip and unicast peers as an address and
  // drops a /prefix after it: lvsd too, with a warning.
  std::optional<core::IpAddress> address_dropping_prefix(const KaWord& word, const std::string& path) {
    const std::string& t = word.text;
    const auto slash = t.find('/');
    auto a = parse_address(std::string_view(t).substr(0, slash));
    if (!a) {
      error(word.location, path, parse_address(t).error().message);
      return std::nullopt;
    }
    if (slash != std::string::npos) {
      auto prefix = parse_integer(std::string_view(t).substr(slash + 1), 0, a->is_ipv4() ? 32 : 128);
      if (!prefix) {
        error(word.location, path, quote(t) + " is not an address: the prefix " + prefix.error().message);
        return std::nullopt;
      }
      warn(word.location, path,
           "prefix " + quote(t.substr(slash)) + " after " + quote(a->to_string()) +
               " ignored: keepalived 2.2.7 uses the address only");
    }
    return *a;
  }

  // Every word of every line of a list block: `unicast_peer { 10.0.0.1 10.0.0.2 }`.
  static std::vector<KaWord> words_of(const std::vector<KaStatement>& lines) {
    std::vector<KaWord> words;
    for (const auto& line : lines) {
      words.push_back(line.keyword);
      words.insert(words.end(), line.args.begin(), line.args.end());
    }
    return words;
  }

  // One address per line, or several on one line: a word that is an address
  // and not an option's value starts a new entry.
  void virtual_ips(const KaStatement& block, const std::string& path, std::vector<VirtualIpAddress>& out) {
    static const std::set<std::string> options = {"dev", "label", "scope", "brd", "broadcast", "track_group",
                                                  "preferred_lft", "use_vmac"};
    std::vector<std::vector<KaWord>> entries;
    for (const auto& line : block.children) {
      if (line.has_block) {
        error(line.keyword.location, path, "an address does not take a block");
        continue;
      }
      std::vector<KaWord> words{line.keyword};
      words.insert(words.end(), line.args.begin(), line.args.end());
      for (std::size_t i = 0; i < words.size(); ++i) {
        bool option_value = i > 0 && options.count(words[i - 1].text) != 0;
        std::string_view w = words[i].text;
        bool starts_entry = i == 0 || (!option_value && core::IpAddress::parse(w.substr(0, w.find('/'))).has_value());
        if (starts_entry) entries.emplace_back();
        entries.back().push_back(words[i]);
      }
    }
    std::vector<Location> where;  // of out's entries
    for (const auto& entry : entries) {
      std::string p = index_path(path, out.size());
      auto sub = std::find_if(entry.begin(), entry.end(), [](const KaWord& w) { return is_substitution(w); });
      if (sub != entry.end()) {
        error(sub->location, p, substitution_message(*sub));
        continue;
      }
      auto vip = parse_virtual_ip(joined(entry));
      if (!vip) {
        error(entry[0].location, p, vip.error().message);
        continue;
      }
      auto same = std::find_if(out.begin(), out.end(),
                               [&](const VirtualIpAddress& v) { return v.address == vip->address; });
      if (same != out.end()) {
        // keepalived 2.2.7 runs with the address listed twice; one is kept.
        const std::string first = index_path(path, static_cast<std::size_t>(same - out.begin()));
        const Location& at = where[static_cast<std::size_t>(same - out.begin())];
        warn(entry[0].location, first,
             quote(vip->address.to_string()) + " is listed twice in virtual_ipaddress: only the first, at line " +
                 std::to_string(at.line) + ", is kept" + (*same == *vip ? "" : " (with its own prefix and options)"));
        continue;
      }
      sources_.set(p, entry[0].location);
      out.push_back(*vip);
      where.push_back(entry[0].location);
    }
  }

  void track_interfaces(const KaStatement& block, const std::string& path, std::vector<TrackInterface>& out) {
    for (const auto& line : block.children) {
      std::string p = index_path(path, out.size());
      sources_.set(p, line.keyword.location);
      TrackInterface track;
      auto name = parse_interface_name(line.keyword.text);
      if (!name) {
        error(line.keyword.location, p, name.error().message);
        continue;
      }
      track.name = *name;
      std::optional<int> weight;
      std::optional<bool> reverse;
      if (!tracked_weight(line, p, "INTERFACE", weight, reverse)) continue;
      track.weight = weight.value_or(0);
      track.reverse = reverse.value_or(false);
      out.push_back(track);
    }
  }

  // `NAME [weight N [reverse|noreverse|no_reverse]]`, the tail of a line in a
  // track_* block; false (with the error reported) when it is something else.
  bool tracked_weight(const KaStatement& line, const std::string& p, const std::string& what,
                      std::optional<int>& weight, std::optional<bool>& reverse) {
    const auto& args = line.args;
    if (args.empty()) return true;
    if (args[0].text != "weight" || args.size() < 2 || args.size() > 3) {
      error(args[0].location, p, "allowed " + what + " [weight N [reverse|noreverse]]");
      return false;
    }
    auto w = parse_integer(args[1].text, -253, 253);
    if (!w) {
      error(args[1].location, join_path(p, "weight"), w.error().message);
      return false;
    }
    weight = static_cast<int>(*w);
    if (args.size() == 3) {
      const std::string& r = args[2].text;
      if (r != "reverse" && r != "noreverse" && r != "no_reverse") {
        error(args[2].location, join_path(p, "reverse"), quote(r) + " is not valid here: allowed reverse or noreverse");
        return false;
      }
      reverse = r == "reverse";
    }
    return true;
  }

  void track_scripts(const KaStatement& block, const std::string& path, std::vector<TrackScript>& out) {
    for (const auto& line : block.children) {
      std::string p = index_path(path, out.size());
      sources_.set(p, line.keyword.location);
      if (line.has_block) {
        error(line.keyword.location, p, "a tracked script does not take a block");
        continue;
      }
      TrackScript track{.name = line.keyword.text};
      if (!tracked_weight(line, p, "SCRIPT_NAME", track.weight, track.reverse)) continue;
      out.push_back(track);
    }
  }

  VrrpScript vrrp_script(const KaStatement& block, std::size_t index) {
    const std::string path = index_path("vrrp_scripts", index);
    VrrpScript script;
    script.name = block.args[0].text;
    sources_.set(path, block.keyword.location);
    sources_.set(join_path(path, "name"), block.args[0].location);
    bool has_script = false;
    for (const auto& st : normalize(block.children, kVrrpScriptSpecs, path, KaBlock::kVrrpScript)) {
      const std::string& k = st.keyword.text;
      const std::string p = key(path, kVrrpScriptSpecs, st);
      if (k == "script") {
        value(st, p, script.script, text_value);
        has_script = true;
      } else if (k == "interval") value(st, p, script.interval, parse_duration);
      else if (k == "timeout") value(st, p, script.timeout, parse_duration);
      else if (k == "weight") {
        if (auto w = parse_integer(st.args[0].text, -253, 253)) script.weight = static_cast<int>(*w);
        else error(st.args[0].location, p, w.error().message);
        if (st.args.size() > 1) {
          if (st.args[1].text == "reverse") script.reverse = true;
          else error(st.args[1].location, join_path(path, "reverse"), quote(st.args[1].text) + " is not valid here: allowed reverse");
        }
      } else if (k == "rise") value(st, p, script.rise, integer(1, 1000));
      else if (k == "fall") value(st, p, script.fall, integer(1, 1000));
      else if (k == "user") value(st, p, script.user, parse_script_user);
      else if (k == "init_fail") script.init_fail = true;
    }
    if (!has_script) error(block.keyword.location, join_path(path, "script"), "missing script: allowed a command line");
    return script;
  }

  VrrpSyncGroup sync_group(const KaStatement& block, std::size_t index) {
    const std::string path = index_path("vrrp_sync_groups", index);
    VrrpSyncGroup group;
    group.name = block.args[0].text;
    sources_.set(path, block.keyword.location);
    sources_.set(join_path(path, "name"), block.args[0].location);
    for (const auto& st : normalize(block.children, kSyncGroupSpecs, path, KaBlock::kVrrpSyncGroup)) {
      const std::string p = key(path, kSyncGroupSpecs, st);
      if (st.keyword.text == "group") {
        for (const KaWord& w : words_of(st.children)) {
          sources_.set(index_path(p, group.group.size()), w.location);
          group.group.push_back(w.text);
        }
      } else {
        notify(st, p, group.notify);
      }
    }
    return group;
  }

  VirtualServer virtual_server(const KaStatement& block, std::size_t index) {
    const std::string path = index_path("virtual_servers", index);
    VirtualServer vs;
    // Without `alpha`, keepalived puts every real server in the pool at
    // start; `alpha` waits for the first passing check, lvsd's default.
    vs.start_up = true;
    sources_.set(path, block.keyword.location);
    const KaWord& first = block.args[0];
    const KaWord& second = block.args[1];
    if (first.text == "fwmark") {
      sources_.set(join_path(path, "fwmark"), second.location);
      if (auto m = parse_integer(second.text, 1, 4294967295)) vs.fwmark = static_cast<std::uint32_t>(*m);
      else error(second.location, join_path(path, "fwmark"), m.error().message);
    } else {
      sources_.set(join_path(path, "address"), first.location);
      sources_.set(join_path(path, "port"), second.location);
      if (auto a = parse_address(first.text)) vs.address = *a;
      else error(first.location, join_path(path, "address"), a.error().message + " (or fwmark N)");
      if (auto port = parse_integer(second.text, 0, 65535)) vs.port = static_cast<std::uint16_t>(*port);
      else error(second.location, join_path(path, "port"), port.error().message);
    }
    for (const auto& st : normalize(block.children, kVirtualServerSpecs, path, KaBlock::kVirtualServer)) {
      const std::string& k = st.keyword.text;
      if (k == "real_server") {
        vs.real_servers.push_back(real_server(st, index_path(join_path(path, "real_servers"), vs.real_servers.size())));
        continue;
      }
      const std::string p = key(path, kVirtualServerSpecs, st);
      if (k == "delay_loop") value(st, p, vs.delay_loop, parse_duration);
      else if (k == "lb_algo" || k == "lvs_sched") value(st, p, vs.lb_algo, parse_lb_algo);
      else if (k == "lb_kind" || k == "lvs_method") value(st, p, vs.lb_kind, parse_lb_kind);
      else if (k == "tun_type") value(st, p, vs.tunnel_type, parse_tunnel_type);
      else if (k == "tun_port") value(st, p, vs.tunnel_port, integer(1, 65535));
      else if (k == "persistence_timeout") value(st, p, vs.persistence_timeout, parse_duration);
      else if (k == "persistence_granularity") value(st, p, vs.persistence_granularity, parse_granularity);
      else if (k == "protocol") value(st, p, vs.protocol, parse_protocol);
      else if (k == "ha_suspend") vs.ha_suspend = true;
      else if (k == "ops") vs.ops = true;
      else if (k == "alpha") vs.start_up = false;
      else if (k == "virtualhost") value(st, p, vs.virtualhost, text_value);
      else if (k == "quorum") value(st, p, vs.quorum, integer(1, 4294967295));
      else if (k == "hysteresis") value(st, p, vs.hysteresis, integer(0, 4294967295));
      else if (k == "inhibit_on_failure") vs.inhibit_on_failure = true;
      else if (k == "sorry_server") {
        SorryServer sorry;
        auto a = parse_address(st.args[0].text);
        if (!a) error(st.args[0].location, join_path(p, "address"), a.error().message);
        else sorry.address = *a;
        if (st.args.size() > 1) {
          auto port = parse_integer(st.args[1].text, 0, 65535);
          if (!port) error(st.args[1].location, join_path(p, "port"), port.error().message);
          else sorry.port = static_cast<std::uint16_t>(*port);
        }
        vs.sorry_server = sorry;
      }
    }
    return vs;
  }

  RealServer real_server(const KaStatement& block, const std::string& path) {
    RealServer rs;
    sources_.set(path, block.keyword.location);
    sources_.set(join_path(path, "address"), block.args[0].location);
    if (auto a = parse_address(block.args[0].text)) rs.address = *a;
    else error(block.args[0].location, join_path(path, "address"), a.error().message);
    if (block.args.size() > 1) {
      sources_.set(join_path(path, "port"), block.args[1].location);
      if (auto port = parse_integer(block.args[1].text, 0, 65535)) rs.port = static_cast<std::uint16_t>(*port);
      else error(block.args[1].location, join_path(path, "port"), port.error().message);
    }
    std::vector<KaStatement> check_blocks;
    for (const auto& st : normalize(block.children, kRealServerSpecs, path, KaBlock::kRealServer)) {
      const std::string& k = st.keyword.text;
      if (k == "weight") value(st, key(path, kRealServerSpecs, st), rs.weight, integer(0, 65535));
      else if (k == "inhibit_on_failure") {
        const auto on = st.args.empty() ? std::optional<bool>(true) : keepalived_bool(st.args[0].text);
        if (on) rs.inhibit_on_failure = *on;
        else error(st.args[0].location, key(path, kRealServerSpecs, st),
                   quote(st.args[0].text) + " is not valid for inhibit_on_failure: allowed true, on, yes, false, off, no "
                   "or nothing (true)");
      } else if (k == "slow_start") value(st, key(path, kRealServerSpecs, st), rs.slow_start, parse_duration);
      else check_blocks.push_back(st);
    }
    // Checks of one type are kept together, in order of first appearance, as
    // the YAML form (one key per type) would have them.
    std::vector<std::string> order;
    for (const auto& st : check_blocks)
      if (std::find(order.begin(), order.end(), st.keyword.text) == order.end()) order.push_back(st.keyword.text);
    std::stable_sort(check_blocks.begin(), check_blocks.end(), [&](const KaStatement& a, const KaStatement& b) {
      return std::find(order.begin(), order.end(), a.keyword.text) < std::find(order.begin(), order.end(), b.keyword.text);
    });
    // Check paths depend on how many checks of each type there are.
    for (const auto& st : check_blocks) rs.checks.push_back(Check{.probe = probe_for(st.keyword.text)});
    for (std::size_t i = 0; i < check_blocks.size(); ++i)
      fill_check(check_blocks[i], check_path(path, rs.checks, i), rs.checks[i]);
    return rs;
  }

  static CheckProbe probe_for(const std::string& keyword) {
    if (keyword == "TCP_CHECK") return TcpCheck{};
    if (keyword == "HTTP_GET") return HttpCheck{};
    if (keyword == "SSL_GET") return HttpCheck{.tls = true};
    return MiscCheck{};
  }

  void fill_check(const KaStatement& block, const std::string& path, Check& check) {
    sources_.set(path, block.keyword.location);
    std::vector<Spec> specs = kCommonCheckSpecs;
    auto* http = std::get_if<HttpCheck>(&check.probe);
    auto* misc = std::get_if<MiscCheck>(&check.probe);
    if (http) specs = concat(specs, kHttpSpecs);
    if (misc) specs = concat(specs, kMiscSpecs);
    const KaBlock kind = http ? (http->tls ? KaBlock::kSslGet : KaBlock::kHttpGet)
                         : misc ? KaBlock::kMiscCheck
                                : KaBlock::kTcpCheck;
    for (const auto& st : normalize(block.children, specs, path, kind)) {
      const std::string& k = st.keyword.text;
      if (k == "url") {
        http->url.push_back(url(st, index_path(join_path(path, "url"), http->url.size())));
        continue;
      }
      const std::string p = key(path, specs, st);
      if (k == "connect_ip") value(st, p, check.connect_ip, parse_address);
      else if (k == "connect_port") value(st, p, check.connect_port, integer(1, 65535));
      else if (k == "connect_timeout") value(st, p, check.connect_timeout, parse_duration);
      else if (k == "retry" || k == "nb_get_retry") value(st, p, check.retry, integer(0, 100));
      else if (k == "delay_before_retry") value(st, p, check.delay_before_retry, parse_duration);
      else if (k == "delay_loop") value(st, p, check.delay_loop, parse_duration);
      else if (k == "virtualhost") value(st, p, http->virtualhost, text_value);
      else if (k == "misc_path") value(st, p, misc->misc_path, text_value);
      else if (k == "misc_timeout") value(st, p, misc->misc_timeout, parse_duration);
      else if (k == "misc_dynamic") misc->misc_dynamic = true;
      else if (k == "user") value(st, p, misc->user, parse_script_user);
    }
  }

  UrlCheck url(const KaStatement& block, const std::string& path) {
    UrlCheck u;
    sources_.set(path, block.keyword.location);
    for (const auto& st : normalize(block.children, kUrlSpecs, path, KaBlock::kUrl)) {
      const std::string p = key(path, kUrlSpecs, st);
      if (st.keyword.text == "path") u.path = st.args[0].text;
      else if (st.keyword.text == "status_code") value(st, p, u.status_code, parse_status_codes);
      else value(st, p, u.digest, parse_md5_digest);
    }
    return u;
  }

  std::vector<ConfigError> errors_;
  std::vector<ConfigError> warnings_;
  SourceMap sources_;
  int default_version_ = 2;
  std::set<std::size_t> explicit_version_;
};

}  // namespace

LoadResult import_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes) {
  KaParseResult parsed = parse_keepalived(text, file, includes);
  return Importer(std::move(parsed.errors), std::move(parsed.warnings)).run(parsed.statements, file);
}

LoadResult import_keepalived_file(const std::string& path) {
  auto text = read_regular_file(path, kMaxConfigFileBytes);
  if (!text) {
    LoadResult result;
    result.errors.push_back(ConfigError{.location = {.file = path}, .path = "", .message = text.error().message});
    return result;
  }
  return import_keepalived(*text, path, filesystem_include_reader());
}

}  // namespace lvsd::conf
