#include "conf/keepalived_import.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>

#include "conf/keepalived_importer.hpp"
#include "conf/keepalived_preprocess.hpp"
#include "conf/read_file.hpp"
#include "conf/validate.hpp"

namespace lvsd::conf::keepalived_import_detail {
namespace {

const std::vector<Spec> kTopSpecs = {
    {"global_defs", 0, 0, true},
    {"vrrp_script", 1, 1, true, true, "vrrp_scripts"},
    {"track_file", 1, 1, true, true, "track_files"},
    {"vrrp_track_file", 1, 1, true, true, "track_files"},
    {"vrrp_track_process", 1, 1, true, true, "track_processes"},
    {"vrrp_instance", 1, 1, true, true},
    {"vrrp_sync_group", 1, 1, true, true},
    {"virtual_server", 2, 2, true, true},
    {"static_ipaddress", 0, 0, true, true},
    {"static_routes", 0, 0, true, true},
    {"static_rules", 0, 0, true, true},
    {"virtual_server_group", 1, 1, true, true, "virtual_server_groups"},
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
    // Defaults for every vrrp_instance's garp_master_* of the same name.
    {"vrrp_garp_master_delay", 1, 1},
    {"vrrp_garp_master_repeat", 1, 1},
    {"vrrp_garp_master_refresh", 1, 1},
    {"vrrp_garp_master_refresh_repeat", 1, 1},
    {"vrrp_mcast_group4", 1, 1},
    {"vrrp_mcast_group6", 1, 1},
    {"vrrp_strict", 0, 0},
    {"vmac_prefix", 1, 1},
    {"disable_local_igmp", 0, 0},
    {"vrrp_garp_extra_if", 1, 2},
    {"vrrp_vmac_garp_intvl", 1, 2},
    {"vrrp_min_garp", 0, 1},
    {"default_interface", 1, 1},
    // PATH|COMMAND [user [group]]
    {"notify_fifo", 1, 3, false, false, "notify_fifo.path"},
    {"notify_fifo_script", 1, 3, false, false, "notify_fifo.script"},
    {"vrrp_notify_fifo", 1, 3, false, false, "vrrp_notify_fifo.path"},
    {"vrrp_notify_fifo_script", 1, 3, false, false, "vrrp_notify_fifo.script"},
    {"lvs_notify_fifo", 1, 3, false, false, "lvs_notify_fifo.path"},
    {"lvs_notify_fifo_script", 1, 3, false, false, "lvs_notify_fifo.script"},
    {"vrrp_notify_priority_changes", 0, 1},
    {"lvs_timeouts", 1, 6},  // [tcp N] [tcpfin N] [udp N]
    // Defaults for every vrrp_instance's keyword without the vrrp_ prefix.
    {"vrrp_lower_prio_no_advert", 0, 1},
    {"vrrp_higher_prio_send_advert", 0, 1},
    {"vrrp_garp_lower_prio_delay", 1, 1},
    {"vrrp_garp_lower_prio_repeat", 1, 1},
    {"vrrp_down_timer_adverts", 1, 1},
    {"vrrp_startup_delay", 1, 1},
};

bool looks_like_keyword(std::string_view word) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (word.empty() || !letter(word[0])) return false;
  return std::all_of(word.begin(), word.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

bool has_unexpanded(const KaStatement& st) {
  return is_unexpanded(st.keyword) || std::any_of(st.args.begin(), st.args.end(), is_unexpanded);
}

const Spec* find_spec(const std::vector<Spec>& specs, std::string_view name) {
  for (const auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

bool is_unexpanded(const KaWord& word) { return !word.quoted && word.text.find("${") != std::string::npos; }

std::optional<bool> keepalived_bool(std::string_view t) {
  if (t == "true" || t == "on" || t == "yes") return true;
  if (t == "false" || t == "off" || t == "no") return false;
  return std::nullopt;
}

std::optional<bool> flag_value(const KaStatement& st) {
  return st.args.empty() ? std::optional<bool>(true) : keepalived_bool(st.args[0].text);
}

std::vector<Spec> concat(std::vector<Spec> a, const std::vector<Spec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string joined(const std::vector<KaWord>& words, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < words.size(); ++i) out += (i > from ? " " : "") + words[i].text;
  return out;
}

Result<std::string> text_value(std::string_view t) { return std::string(t); }

namespace {

// Lines whose first word is `keyword` followed by a blank or `{`: the blocks
// of that kind the file is likely to hold (includes and conditional lines
// can make it more or fewer; it only sizes a reservation).
std::size_t count_blocks(std::string_view text, std::string_view keyword) {
  std::size_t n = 0;
  for (std::size_t at = text.find(keyword); at != std::string_view::npos; at = text.find(keyword, at + 1)) {
    std::size_t before = at;
    while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
    if (before > 0 && text[before - 1] != '\n') continue;
    const std::size_t after = at + keyword.size();
    if (after < text.size() && (text[after] == ' ' || text[after] == '\t' || text[after] == '{')) ++n;
  }
  return n;
}

}  // namespace

void ImportSources::reserve_for(std::size_t text_bytes) {
  if (!recording_) return;
  // Measured on import-keepalived's output for 1,000-50,000 real servers:
  // an entry per 10-11 bytes of text, 0.7 bytes of path per byte of text.
  entries_.reserve(text_bytes / 8);
  suffixes_.reserve(text_bytes);
}

void Importer::start(const std::string& file, std::string_view text) {
  sources_.reserve_for(text.size());
  config_.virtual_servers.reserve(count_blocks(text, "virtual_server"));
  sources_.set("", Location{.file = file, .line = 1, .column = 1});
}

void Importer::top(KaStatement&& statement) {
  Config& config = config_;
  std::vector<KaStatement> one;
  one.push_back(std::move(statement));
  for (const auto& st : normalize(one, kTopSpecs, "", KaBlock::kTop, &top_seen_)) {
    const std::string& k = st.keyword.text;
    if (k == "global_defs") global(st, config.global);
    else if (k == "vrrp_script") config.vrrp_scripts.push_back(vrrp_script(st, config.vrrp_scripts.size()));
    else if (k == "track_file" || k == "vrrp_track_file")
      config.track_files.push_back(track_file(st, config.track_files.size()));
    else if (k == "vrrp_track_process")
      config.track_processes.push_back(track_process(st, config.track_processes.size()));
    else if (k == "vrrp_instance") config.vrrp_instances.push_back(instance(st, config.vrrp_instances.size()));
    else if (k == "vrrp_sync_group") config.vrrp_sync_groups.push_back(sync_group(st, config.vrrp_sync_groups.size()));
    else if (k == "virtual_server_group")
      config.virtual_server_groups.push_back(virtual_server_group(st, config.virtual_server_groups.size()));
    else if (k == "virtual_server") config.virtual_servers.push_back(virtual_server(st, config.virtual_servers.size()));
    else if (k == "static_ipaddress") {
      const std::size_t before = config.static_ipaddress.size();
      virtual_ips(st, "static_ipaddress", config.static_ipaddress);
      // keepalived 2.2.7 puts one without dev on global_defs'
      // default_interface (eth0 unless set): finish() does, once the whole
      // file is read.
      for (std::size_t i = before; i < config.static_ipaddress.size(); ++i)
        if (config.static_ipaddress[i].dev.empty()) static_without_dev_.push_back(i);
    }
    else if (k == "static_routes") ip_routes(st, "static_routes", config.static_routes);
    else if (k == "static_rules") ip_rules(st, "static_rules", config.static_rules);
  }
}

LoadResult Importer::finish(std::vector<ConfigError> parse_errors, std::vector<ConfigError> parse_warnings) {
  Config& config = config_;
  errors_.insert(errors_.begin(), std::make_move_iterator(parse_errors.begin()),
                 std::make_move_iterator(parse_errors.end()));
  warnings_.insert(warnings_.begin(), std::make_move_iterator(parse_warnings.begin()),
                   std::make_move_iterator(parse_warnings.end()));
  for (std::size_t i : static_without_dev_) {
    auto& a = config.static_ipaddress[i];
    a.dev = default_interface_;
    const std::string p = index_path("static_ipaddress", i);
    warn(sources_.find(p).value_or(Location{}), p,
         quote(a.prefix.to_string()) + " has no dev: put on " + default_interface_ +
             " (global_defs default_interface, eth0 unless set), as keepalived 2.2.7 does");
  }
  for (std::size_t i = 0; i < config.vrrp_instances.size(); ++i) {
    VrrpInstance& inst = config.vrrp_instances[i];
    if (!explicit_version_.count(i)) inst.version = default_version_;
    auto unset = [&](const char* k) { return !explicit_.count({i, k}); };
    if (garp_defaults_.delay && unset("garp_master_delay")) inst.garp_master_delay = *garp_defaults_.delay;
    if (garp_defaults_.repeat && unset("garp_master_repeat")) inst.garp_master_repeat = *garp_defaults_.repeat;
    if (garp_defaults_.refresh && unset("garp_master_refresh")) inst.garp_master_refresh = *garp_defaults_.refresh;
    if (garp_defaults_.refresh_repeat && unset("garp_master_refresh_repeat"))
      inst.garp_master_refresh_repeat = *garp_defaults_.refresh_repeat;
    apply_master_defaults(inst, unset);
    if (garp_extra_if_default_ && unset("garp_extra_if")) {
      inst.garp_extra_if = garp_extra_if_default_->interval;
      inst.garp_extra_if_all = garp_extra_if_default_->all;
    }
  }

  apply_group_tracking();
  apply_default_protocol();
  // Virtual servers arrive one block at a time; the daemon keeps the list
  // (10,000 of them pushed one by one left room for 16,384). Reserved from
  // the main file's count, it is usually exact already.
  if (config.virtual_servers.capacity() != config.virtual_servers.size()) config.virtual_servers.shrink_to_fit();

  LoadResult result;
  SourceMap sources;
  sources.set_resolver([this](const std::string& p) { return sources_.find(p); });
  // A rule error is dropped when a path it overlaps (paths_overlap: the same
  // key, one inside it or one it is inside) already has an error.
  ErrorPaths reported;
  for (const auto& e : errors_) reported.add(e.path);
  for (const auto& p : skipped_) reported.add(p);
  for (auto& e : validate(config, sources)) {
    if (reported.overlaps(e.path)) continue;
    reported.add(e.path);
    errors_.push_back(std::move(e));
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

void Importer::apply_master_defaults(VrrpInstance& inst, const std::function<bool(const char*)>& unset) {
  const MasterDefaults& d = master_defaults_;
  // keepalived copies vrrp_down_timer_adverts into each instance (strict mode then resets it, an error).
  if (d.down_timer_adverts && unset("down_timer_adverts")) inst.down_timer_adverts = *d.down_timer_adverts;
  // In strict mode keepalived's defaults are the RFC's whatever global_defs says: lvsd's too.
  if (strict_mode(config_.global, inst)) return;
  if (d.lower_prio_no_advert && unset("lower_prio_no_advert")) inst.lower_prio_no_advert = *d.lower_prio_no_advert;
  if (d.higher_prio_send_advert && unset("higher_prio_send_advert"))
    inst.higher_prio_send_advert = *d.higher_prio_send_advert;
  // keepalived's default is the global vrrp_garp_lower_prio_* (else the global
  // vrrp_garp_master_*, else 5 and 5 s), not the instance's garp_master_*, which
  // is lvsd's: written out only where the two differ.
  if (unset("garp_lower_prio_repeat")) {
    const std::uint32_t ka = d.garp_lower_prio_repeat.value_or(garp_defaults_.repeat.value_or(5));
    if (ka != inst.garp_master_repeat) inst.garp_lower_prio_repeat = ka;
  }
  if (unset("garp_lower_prio_delay")) {
    const Duration ka = d.garp_lower_prio_delay.value_or(garp_defaults_.delay.value_or(std::chrono::seconds(5)));
    if (ka != inst.garp_master_delay) inst.garp_lower_prio_delay = ka;
  }
}

void Importer::apply_default_protocol() {
  for (std::size_t i : without_protocol_) {
    VirtualServer& vs = config_.virtual_servers[i];
    bool addresses = vs.address.has_value();
    if (vs.group)
      if (const VirtualServerGroup* g = find_virtual_server_group(config_, *vs.group))
        addresses = std::any_of(g->members.begin(), g->members.end(), [](const auto& m) { return m.address.has_value(); });
    if (!addresses) continue;  // a fwmark service has no protocol
    vs.protocol = Protocol::kUdp;
    const std::string path = index_path("virtual_servers", i);
    warn(sources_.find(path).value_or(Location{}), join_path(path, "protocol"),
         "no protocol: UDP, as keepalived 2.2.7 sets it (\"no protocol set - defaulting to UDP\"); write "
         "'protocol TCP' if the service is TCP");
  }
}

void Importer::apply_group_tracking() {
  Config& config = config_;
  for (const GroupTracking& t : group_tracking_) {
    if (t.group >= config.vrrp_sync_groups.size()) continue;
    const VrrpSyncGroup& group = config.vrrp_sync_groups[t.group];
    const std::string gpath = index_path("vrrp_sync_groups", t.group);
    for (const std::string& member : group.group) {
      auto inst_it = std::find_if(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                                  [&](const VrrpInstance& i) { return i.name == member; });
      if (inst_it == config.vrrp_instances.end()) continue;  // validation reports it
      VrrpInstance& inst = *inst_it;
      const std::string ipath = index_path("vrrp_instances", static_cast<std::size_t>(inst_it - config.vrrp_instances.begin()));
      // Measured in keepalived 2.2.7: without sync_group_tracking_weight, a
      // member's own track_script entry with a weight is dropped ("ignoring
      // tracked script ... with weights due to SYNC group"): the script does
      // not move the member at all. Interfaces keep their weights.
      if (!t.keep_weights) {
        for (std::size_t s = inst.track_script.size(); s-- > 0;) {
          const TrackScript& ts = inst.track_script[s];
          auto script = std::find_if(config.vrrp_scripts.begin(), config.vrrp_scripts.end(),
                                     [&](const VrrpScript& v) { return v.name == ts.name; });
          const int weight = ts.weight.value_or(script != config.vrrp_scripts.end() ? script->weight : 0);
          if (weight == 0) continue;
          const std::string spath = index_path(join_path(ipath, "track_script"), s);
          warn(sources_.find(spath).value_or(Location{}), spath,
               "track_script " + quote(ts.name) + " has weight " + std::to_string(weight) + " in vrrp_instance " +
                   quote(inst.name) + ", a member of sync group " + quote(group.name) +
                   ": ignored, as keepalived 2.2.7 ignores it (sync_group_tracking_weight in the group keeps it)");
          inst.track_script.erase(inst.track_script.begin() + static_cast<std::ptrdiff_t>(s));
        }
      }
      // The group's tracked objects track every member with their weights
      // (measured: a group's track_script weight -30 took each member from 100 to 70).
      auto add = [&](auto& list, const auto& from, const char* what) {
        for (const auto& x : from) {
          if (std::any_of(list.begin(), list.end(), [&](const auto& y) { return y.name == x.name; })) {
            warn(sources_.find(gpath).value_or(Location{}), join_path(gpath, what),
                 std::string(what) + " " + quote(x.name) + " is in sync group " + quote(group.name) +
                     " and in its member " + quote(inst.name) + ": the member's own entry is used");
            continue;
          }
          list.push_back(x);
        }
      };
      add(inst.track_interface, t.interfaces, "track_interface");
      add(inst.track_script, t.scripts, "track_script");
      add(inst.track_file, t.files, "track_file");
    }
  }
}

void Importer::lvs_timeouts(const KaStatement& st, const std::string& path, Global::LvsTimeouts& out) {
  for (std::size_t i = 0; i < st.args.size(); ++i) {
    const KaWord& name = st.args[i];
    std::optional<Duration>* slot = name.text == "tcp"      ? &out.tcp
                                    : name.text == "tcpfin" ? &out.tcpfin
                                    : name.text == "udp"    ? &out.udp
                                                            : nullptr;
    const std::string kpath = join_path(path, name.text);
    if (slot == nullptr) {
      error(name.location, path, quote(name.text) + " is not an IPVS timeout: allowed tcp N, tcpfin N, udp N");
      return;
    }
    sources_.set(kpath, name.location);
    if (i + 1 == st.args.size()) {
      error(name.location, kpath, "no value for " + name.text + ": allowed seconds 0-2678400 (keepalived 2.2.7 "
                                  "reports it and ignores it)");
      return;
    }
    const KaWord& value = st.args[++i];
    auto seconds = parse_integer(value.text, 0, 86400 * 31);
    if (!seconds) {
      error(value.location, kpath, seconds.error().message + " (keepalived 2.2.7 reports it and ignores it)");
      continue;
    }
    // 0 leaves the kernel's value, as keepalived does.
    if (*seconds > 0) *slot = std::chrono::seconds(*seconds);
  }
}

std::vector<std::string> Importer::block_keywords(const std::vector<Spec>& specs, KaBlock block) {
  std::vector<std::string> names;
  for (const auto& s : specs) names.emplace_back(s.name);
  for (const auto& k : keepalived_keywords())
    if (k.block == block) names.emplace_back(k.name);
  return names;
}

bool Importer::is_keyword(const std::vector<Spec>& specs, KaBlock block, std::string_view word) {
  // No keyword starts with a digit: values (ports, weights, addresses) are
  // answered without a look through the keyword lists.
  if (word.empty() || (word[0] >= '0' && word[0] <= '9')) return false;
  return find_spec(specs, word) != nullptr || find_keepalived_keyword(block, word) != nullptr;
}

bool Importer::names_keyword(const std::vector<Spec>& specs, KaBlock block, const KaWord& word) {
  if (word.quoted || !looks_like_keyword(word.text)) return false;
  return is_keyword(specs, block, word.text) || did_you_mean(word.text, block_keywords(specs, block)).has_value();
}

Statements Importer::normalize(const std::vector<KaStatement>& in, const std::vector<Spec>& specs,
                               const std::string& path, KaBlock block, SeenKeywords* seen) {
  if (specs.size() > kMaxSpecs) throw std::logic_error("a keepalived block with more than kMaxSpecs keywords");
  Statements out;
  out.reserve(in.size());
  SeenKeywords seen_here;  // keywords of the block that may appear once
  if (seen == nullptr) seen = &seen_here;
  // Changed statements (a line split in two: both halves), read before the
  // next statement of `in`; the next one to read is at the back.
  std::vector<KaStatement> work;
  std::size_t next_in = 0;
  while (!work.empty() || next_in < in.size()) {
    // A statement of `in` is read where it is; copied only when it must change.
    std::optional<KaStatement> changed;
    if (!work.empty()) {
      changed = std::move(work.back());
      work.pop_back();
    }
    const KaStatement& st = changed ? *changed : in[next_in++];
    // A statement that must change is changed in a copy, which is then read
    // again from the top (as the next statement of the block).
    auto change = [&]() -> KaStatement& {
      if (!changed) changed = st;
      return *changed;
    };
    const std::string& k = st.keyword.text;
    if (has_unexpanded(st)) {
      const Spec* known = find_spec(specs, k);
      skipped(join_path(path, known && !known->yaml_key.empty() ? std::string(known->yaml_key) : k));
      continue;
    }
    const Spec* spec = find_spec(specs, k);
    if (spec == nullptr) {
      unknown(st, specs, path, block);
      continue;
    }
    // The statement's key path, for what is said about it (built only then).
    auto kpath = [&] { return join_path(path, std::string(spec->yaml_key.empty() ? spec->name : spec->yaml_key)); };
    // A command line takes the rest of the line unless it is "quoted".
    std::size_t max_args = spec->max_args == kMany && !st.args.empty() && st.args[0].quoted ? 1 : spec->max_args;
    const bool flag = spec->max_args == 0 && !spec->block;
    if (flag && !st.args.empty()) {
      auto next = std::find_if(st.args.begin(), st.args.end(),
                               [&](const KaWord& w) { return names_keyword(specs, block, w); });
      if (next != st.args.begin()) {
        std::vector<KaWord> ignored(st.args.begin(), next);
        const auto drop = next - st.args.begin();
        warn(ignored[0].location, kpath(),
             "'" + k + "' takes no value: " + quote(joined(ignored)) + " is ignored, as keepalived 2.2.7 does");
        KaStatement& c = change();
        c.args.erase(c.args.begin(), c.args.begin() + drop);
        work.push_back(std::move(c));
        continue;
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
        error(extra.location, kpath(),
              "too many values for '" + k + "': " + quote(extra.text) + " is extra; allowed " +
                  std::to_string(max_args) + " value" + (max_args == 1 ? "" : "s"));
        continue;
      }
      split_at = max_args;
    }
    if (split_at < st.args.size()) {
      KaStatement& c = change();
      KaStatement rest{.keyword = c.args[split_at],
                       .args = std::vector<KaWord>(c.args.begin() + static_cast<long>(split_at) + 1, c.args.end()),
                       .has_block = c.has_block,
                       .children = std::move(c.children)};
      c.args.resize(split_at);
      c.has_block = false;
      c.children.clear();
      work.push_back(std::move(rest));
      work.push_back(std::move(c));
      continue;
    }
    if (st.args.size() < spec->min_args) {
      error(st.keyword.location, kpath(),
            "'" + k + "' needs " + std::to_string(spec->min_args) + " value" + (spec->min_args == 1 ? "" : "s"));
      continue;
    }
    if (spec->block && !st.has_block) {
      error(st.keyword.location, kpath(), "'" + k + "' needs a block: " + k + " ... { ... }");
      continue;
    }
    if (!spec->block && st.has_block) {
      error(st.keyword.location, kpath(), "'" + k + "' does not take a block");
      continue;
    }
    if (!spec->repeat) {
      const auto bit = static_cast<std::size_t>(spec - specs.data());
      if (seen->test(bit)) {
        error(st.keyword.location, kpath(), "duplicate keyword '" + k + "': allowed once per block");
        continue;
      }
      seen->set(bit);
    }
    if (changed) out.add(std::move(*changed));
    else out.add(st);
  }
  return out;
}

void Importer::unknown(const KaStatement& st, const std::vector<Spec>& specs, const std::string& path, KaBlock block) {
  const std::string& k = st.keyword.text;
  const std::string kpath = join_path(path, k);
  const Location& at = st.keyword.location;
  if (const KaKeyword* kw = find_keepalived_keyword(block, k)) {
    if (kw->support == KaSupport::kIgnored)
      warn(at, kpath, "keepalived keyword '" + k + "' is ignored: " + std::string(kw->reason));
    else if (!kw->reason.empty())
      error(at, kpath, "keepalived keyword '" + k + "' is not implemented by lvsd: " + std::string(kw->reason) +
                       "; lvsd refuses the file rather than run without it");
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

std::string Importer::key(const std::string& parent, const std::vector<Spec>& specs, const KaStatement& st) {
  const Spec* spec = find_spec(specs, st.keyword.text);
  std::string name = spec && !spec->yaml_key.empty() ? std::string(spec->yaml_key) : st.keyword.text;
  std::string p = join_path(parent, name);
  sources_.set(p, st.args.empty() ? st.keyword.location : st.args[0].location);
  return p;
}

namespace {

// How many leading characters `a` and `b` share, at most `limit`: eight at a
// time (paths of one real server share 30-40 characters with the one before).
std::size_t common_prefix(std::string_view a, std::string_view b, std::size_t limit) {
  const std::size_t most = std::min({a.size(), b.size(), limit});
  std::size_t n = 0;
  if constexpr (std::endian::native == std::endian::little) {
    for (; n + 8 <= most; n += 8) {
      std::uint64_t x = 0, y = 0;
      std::memcpy(&x, a.data() + n, 8);
      std::memcpy(&y, b.data() + n, 8);
      if (x != y) return n + static_cast<std::size_t>(std::countr_zero(x ^ y) / 8);
    }
  }
  while (n < most && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

void ImportSources::set(std::string_view path, const KaLocation& at) {
  if (!recording_) return;
  std::uint16_t file = kNoFile;
  if (at.file != nullptr) {
    if (last_file_ >= files_.size() || files_[last_file_] != at.file) {
      auto known = std::find(files_.begin(), files_.end(), at.file);
      if (known == files_.end() && files_.size() < kNoFile) known = files_.insert(files_.end(), at.file);
      last_file_ = static_cast<std::size_t>(known - files_.begin());
    }
    // (more than 65,534 files: the location keeps its line, loses its file)
    if (last_file_ < files_.size()) file = static_cast<std::uint16_t>(last_file_);
  }
  const std::size_t shared = common_prefix(path, last_, 0xFFFF);
  std::string_view suffix = path.substr(shared);
  if (suffix.size() > 0xFFFF) suffix = suffix.substr(0, 0xFFFF);  // no path is that long
  entries_.push_back(Entry{.suffix_offset = static_cast<std::uint32_t>(suffixes_.size()),
                           .shared = static_cast<std::uint16_t>(shared),
                           .suffix_length = static_cast<std::uint16_t>(suffix.size()),
                           .line = at.line,
                           .column = at.column,
                           .file = file});
  suffixes_.append(suffix);
  last_.resize(shared);
  last_.append(suffix);
}

std::optional<Location> ImportSources::find(const std::string& path) const {
  if (!recording_) {
    asked_unrecorded_ = true;
    return std::nullopt;
  }
  if (indexed_ != entries_.size()) {
    index_.clear();
    index_.reserve(entries_.size());
    std::string current;
    for (std::uint32_t i = 0; i < entries_.size(); ++i) {
      const Entry& e = entries_[i];
      current.resize(e.shared);
      current.append(suffixes_, e.suffix_offset, e.suffix_length);
      index_.emplace_back(current, i);
    }
    // Of two entries for one path, the one recorded last sorts last.
    std::sort(index_.begin(), index_.end());
    indexed_ = entries_.size();
  }
  auto it = std::upper_bound(index_.begin(), index_.end(), path,
                             [](const std::string& p, const auto& entry) { return p < entry.first; });
  if (it != index_.begin() && std::prev(it)->first == path) {
    const Entry& e = entries_[std::prev(it)->second];
    return Location{.file = e.file == kNoFile ? std::string() : *files_[e.file], .line = e.line, .column = e.column};
  }
  for (auto f = full_.rbegin(); f != full_.rend(); ++f)
    if (f->first == path) return f->second;
  return std::nullopt;
}

// ---------------------------------------------------------------- blocks

void Importer::notify_fifo(const KaStatement& st, const std::string& p, Global& g) {
  const std::string& k = st.keyword.text;
  const bool script = k.ends_with("_script");
  const std::string base = script ? k.substr(0, k.size() - 7) : k;
  std::optional<NotifyFifo>& slot = base == "notify_fifo" ? g.notify_fifo
                                    : base == "vrrp_notify_fifo" ? g.vrrp_notify_fifo
                                                                 : g.lvs_notify_fifo;
  if (!slot) slot = NotifyFifo{};
  std::optional<ScriptUser> user;
  if (st.args.size() > 1) {
    const std::string p_user = join_path(join_path("global", base), script ? "script_user" : "owner");
    sources_.set(p_user, st.args[1].location);
    auto parsed = parse_script_user(joined(st.args, 1));
    if (!parsed) error(st.args[1].location, p_user, parsed.error().message);
    else user = *parsed;
  }
  if (script) {
    slot->script = st.args[0].text;
    slot->script_user = user;
  } else {
    slot->path = st.args[0].text;
    slot->owner = user;
  }
  sources_.set(join_path("global", base), st.keyword.location);
  (void)p;
}

void Importer::global(const KaStatement& block, Global& g) {
  const std::string path = "global";
  sources_.set(path, block.keyword.location);
  std::map<std::string, Location> fifo_scripts;  // keyword -> where, for a script without its FIFO
  for (const auto& st : normalize(block.children, kGlobalSpecs, path, KaBlock::kGlobalDefs)) {
    const std::string& k = st.keyword.text;
    const std::string p = key(path, kGlobalSpecs, st);
    if (k.find("notify_fifo") != std::string::npos) {
      notify_fifo(st, p, g);
      if (k.ends_with("_script")) fifo_scripts[k] = st.keyword.location;
    }
    else if (k == "vrrp_notify_priority_changes") {
      const auto on = flag_value(st);
      if (!on) error(st.args[0].location, p, quote(st.args[0].text) + " is not valid for vrrp_notify_priority_changes: "
                     "allowed true, on, yes, false, off, no or nothing (true)");
      else g.vrrp_notify_priority_changes = *on;
    }
    else if (k == "router_id") value(st, p, g.router_id, text_value);
    else if (k == "lvs_timeouts") lvs_timeouts(st, p, g.lvs_timeouts);
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
    else if (k == "vrrp_garp_master_delay") value(st, p, garp_defaults_.delay, parse_duration);
    else if (k == "vrrp_garp_master_repeat") value(st, p, garp_defaults_.repeat, integer(1, 255));
    else if (k == "vrrp_garp_master_refresh") value(st, p, garp_defaults_.refresh, parse_duration);
    else if (k == "vrrp_garp_master_refresh_repeat") value(st, p, garp_defaults_.refresh_repeat, integer(1, 255));
    else if (k == "vrrp_mcast_group4") value(st, p, g.vrrp_mcast_group4, parse_address);
    else if (k == "vrrp_mcast_group6") value(st, p, g.vrrp_mcast_group6, parse_address);
    else if (k == "vrrp_strict") g.vrrp_strict = true;
    else if (k == "vmac_prefix") value(st, p, g.vmac_prefix, parse_interface_name);
    else if (k == "disable_local_igmp") g.disable_local_igmp = true;
    else if (k == "vrrp_garp_extra_if" || k == "vrrp_vmac_garp_intvl") {
      // The default of every instance's garp_extra_if (finish() applies it).
      if (k == "vrrp_vmac_garp_intvl")
        warn(st.keyword.location, p, "vrrp_vmac_garp_intvl is keepalived's old name of vrrp_garp_extra_if "
             "(deprecated since 2.2.2): read as it");
      garp_extra_if_default_ = garp_extra_if(st, p, 1);
    }
    else if (k == "vrrp_lower_prio_no_advert") flag(st, p, master_defaults_.lower_prio_no_advert);
    else if (k == "vrrp_higher_prio_send_advert") flag(st, p, master_defaults_.higher_prio_send_advert);
    else if (k == "vrrp_garp_lower_prio_delay") {
      std::optional<std::int64_t> seconds;  // keepalived reads whole seconds
      value(st, p, seconds, integer(0, 4294));
      if (seconds) master_defaults_.garp_lower_prio_delay = std::chrono::seconds(*seconds);
    }
    else if (k == "vrrp_garp_lower_prio_repeat") value(st, p, master_defaults_.garp_lower_prio_repeat, integer(0, 255));
    else if (k == "vrrp_down_timer_adverts") value(st, p, master_defaults_.down_timer_adverts, integer(1, 100));
    else if (k == "vrrp_startup_delay") value(st, p, g.vrrp_startup_delay, parse_duration);
    else if (k == "default_interface") value(st, p, default_interface_, parse_interface_name);
    else if (k == "vrrp_min_garp") {
      // One gratuitous ARP / NA at the transition and no second burst:
      // garp_master_repeat 1 and garp_master_delay 0 where an instance says nothing.
      const auto on = flag_value(st);
      if (!on) error(st.args[0].location, p, quote(st.args[0].text) + " is not valid for vrrp_min_garp: allowed true, on, "
                     "yes, false, off, no or nothing (true)");
      else if (*on) {
        garp_defaults_.repeat = 1;
        garp_defaults_.delay = Duration{0};
      }
    }
  }
  // A FIFO script without its FIFO: keepalived 2.2.7 accepts the file and
  // starts nothing; lvsd drops it the same way, with a warning.
  for (auto [slot, base] : {std::pair{&g.notify_fifo, "notify_fifo"}, std::pair{&g.vrrp_notify_fifo, "vrrp_notify_fifo"},
                            std::pair{&g.lvs_notify_fifo, "lvs_notify_fifo"}}) {
    if (!*slot || !(*slot)->path.empty()) continue;
    const std::string k = std::string(base) + "_script";
    warn(fifo_scripts[k], join_path(join_path("global", base), "script"),
         "'" + k + "' without '" + base + "' is ignored (keepalived starts no script without its FIFO)");
    slot->reset();
  }
}

std::optional<LvsSyncDaemon> Importer::sync_daemon(const KaStatement& st, const std::string& path) {
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

}  // namespace lvsd::conf::keepalived_import_detail

namespace lvsd::conf {

namespace {

// How many lines `text` holds: a last line without its '\n' counts.
std::int64_t lines_in(std::string_view text) {
  return std::count(text.begin(), text.end(), '\n') + (text.empty() || text.back() == '\n' ? 0 : 1);
}

// Where a top-level statement starts: its keyword's line, and whether it is
// a virtual_server.
struct TopLine {
  int line = 0;
  bool virtual_server = false;
};

// Whether a reload may read one virtual_server block of `text` alone: each
// line reads as it is written, so a block's lines mean the same alone. No
// include (an included file may change behind an unchanged text), none of
// keepalived's $NAME definitions or ~SEQ, no `@ID` line (an '@' first on its
// line); an '@' elsewhere (an e-mail address) is only a character. Found
// anywhere, in a comment too, the file is read whole.
bool readable_in_pieces(std::string_view text) {
  if (text.find('$') != std::string_view::npos || text.find('~') != std::string_view::npos ||
      text.find("include") != std::string_view::npos)
    return false;
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    std::size_t i = at;
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\r' || text[i - 1] == '\v' ||
                     text[i - 1] == '\f'))
      --i;
    if (i == 0 || text[i - 1] == '\n') return false;  // an @ID line
  }
  return true;
}

LoadResult import_once(std::string_view text, const std::string& file, const IncludeReader& includes,
                       const KaConfigId& config_id, bool record_sources, bool& missed_locations,
                       std::vector<TopLine>* tops = nullptr) {
  // Each virtual server (or other top-level block) is imported as soon as
  // it is parsed and then dropped: the file's tree is never held whole.
  std::deque<std::string> files;  // the file names the statements' locations point into
  std::vector<ConfigError> errors, warnings;
  keepalived_import_detail::Importer importer(record_sources);
  importer.start(file, text);
  parse_keepalived_each(text, file, includes, files, errors, warnings,
                        [&](KaStatement&& st) {
                          if (tops != nullptr)
                            tops->push_back(TopLine{.line = st.keyword.location.line,
                                                    .virtual_server = !st.keyword.quoted &&
                                                                      st.keyword.text == "virtual_server"});
                          importer.top(std::move(st));
                        },
                        config_id);
  LoadResult result = importer.finish(std::move(errors), std::move(warnings));
  missed_locations = importer.missed_locations();
  return result;
}

// The reload basis of a file imported whole: each virtual_server block is the
// lines from its keyword's up to the next top-level statement's (or the end).
// nullopt when the text cannot be read in pieces or a block does not start
// its line. One pass over the text, no array of its lines (which would stay
// in the daemon's heap: 300 KB at 10,000 real servers).
std::optional<ReloadBasis> basis_of(std::string_view text, const std::vector<TopLine>& tops,
                                    std::size_t virtual_servers, const std::vector<ConfigError>& warnings) {
  if (!readable_in_pieces(text)) return std::nullopt;
  for (const ConfigError& w : warnings)
    if (w.location.line <= 0) return std::nullopt;  // a warning that could not move with its line
  // Where a line starts, for lines asked for in ascending order.
  int line_at = 1;
  std::size_t at = 0;
  auto start_of = [&](int line) -> std::optional<std::size_t> {
    if (line < line_at) return std::nullopt;
    for (; line_at < line; ++line_at) {
      const std::size_t newline = text.find('\n', at);
      if (newline == std::string_view::npos) return std::nullopt;
      at = newline + 1;
    }
    return at;
  };
  std::vector<ItemSpans::Item> items;
  ReloadBasis basis;
  items.reserve(virtual_servers);
  basis.lines.reserve(2 * virtual_servers);
  for (std::size_t t = 0; t < tops.size(); ++t) {
    if (!tops[t].virtual_server) continue;
    const auto begin = start_of(tops[t].line);
    if (!begin) return std::nullopt;
    const std::size_t word = text.find_first_not_of(" \t", *begin);
    if (word == std::string_view::npos || text.compare(word, 14, "virtual_server") != 0) return std::nullopt;
    std::size_t end = text.size();
    int end_line = 0;
    if (t + 1 < tops.size()) {
      const auto next = start_of(tops[t + 1].line);
      if (!next || *next <= *begin) return std::nullopt;
      end = *next;
      end_line = tops[t + 1].line;
    } else {  // the block runs to the end: the line after its last
      end_line = line_at + static_cast<int>(lines_in(text.substr(at)));
    }
    items.push_back(ItemSpans::Item{.begin = *begin, .end = end});
    basis.lines.push_back(static_cast<std::uint32_t>(tops[t].line));
    basis.lines.push_back(static_cast<std::uint32_t>(end_line));
  }
  if (items.size() != virtual_servers) return std::nullopt;
  auto spans = ItemSpans::of(text, items);
  if (!spans) return std::nullopt;
  basis.spans = std::move(*spans);
  basis.warnings = warnings;
  return basis;
}

}  // namespace

LoadResult import_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes,
                             const KaConfigId& config_id) {
  // Where each key came from is needed only to place a rule error or one of
  // the few warnings about a key's value, and recording it costs twice the
  // file's size (an entry per ten bytes of text, and the paths): 3,700 page
  // faults on every reload of a 100,000-real-server file inside UML, an
  // eighth of the import's instructions. So a file is imported without it
  // first; when a message asked for a location that was not recorded, it is
  // imported again, recording, and that result (the same model, every
  // message placed) is the one returned. Messages placed at their own word
  // (syntax errors, ignored keywords: the seed's keepalived.conf has four)
  // need no second import.
  bool missed = false;
  std::vector<TopLine> tops;
  LoadResult result = import_once(text, file, includes, config_id, /*record_sources=*/false, missed, &tops);
  if (missed) result = import_once(text, file, includes, config_id, /*record_sources=*/true, missed);
  if (result.ok()) result.reload = basis_of(text, tops, result.config->virtual_servers.size(), result.warnings);
  return result;
}

LoadResult reimport_keepalived(std::string_view text, const std::string& file, const IncludeReader& includes,
                               const KaConfigId& config_id, const Config& before, const ReloadBasis& basis) {
  const ItemSpans& spans = basis.spans;
  const auto change = spans.one_changed_item(text);
  // Whole lines: the block's, up to the next top-level statement's line.
  if (change && spans.items() == before.virtual_servers.size() && basis.lines.size() == 2 * spans.items() &&
      (change->end == text.size() || (change->end > change->begin && text[change->end - 1] == '\n'))) {
    const std::string_view block = text.substr(change->begin, change->end - change->begin);
    // One virtual_server block and nothing else, read as the import reads
    // it, without a message of any kind (a warning would have to be placed).
    const KaParseResult parsed = parse_keepalived(block, file, no_include_reader(), config_id);
    const bool one_block = readable_in_pieces(block) && parsed.errors.empty() && parsed.warnings.empty() &&
                           parsed.statements.size() == 1 && !parsed.statements[0].keyword.quoted &&
                           parsed.statements[0].keyword.text == "virtual_server" && parsed.statements[0].has_block;
    LoadResult alone;
    if (one_block) alone = import_keepalived(block, file, no_include_reader(), config_id);
    // A group's members are defined elsewhere and decide its protocol: not
    // alone (its validation alone fails too, naming a group it lacks).
    if (alone.ok() && alone.warnings.empty() && alone.config->virtual_servers.size() == 1 &&
        !alone.config->virtual_servers[0].group) {
      LoadResult result;
      result.config = before;
      result.config->virtual_servers[change->index] = std::move(alone.config->virtual_servers[0]);
      if (validate(*result.config, SourceMap{}).empty()) {
        // The other messages again, those after the block moved with its lines.
        const std::uint32_t first = basis.lines[2 * change->index];
        const std::uint32_t after = basis.lines[2 * change->index + 1];
        const auto added = lines_in(block) - static_cast<std::int64_t>(after - first);
        ReloadBasis next;
        for (const ConfigError& w : basis.warnings) {
          const auto line = static_cast<std::uint32_t>(w.location.line);
          if (line >= first && line < after) continue;  // about the block read again: it has none now
          ConfigError moved = w;
          if (line >= after) moved.location.line = static_cast<int>(line + added);
          next.warnings.push_back(std::move(moved));
        }
        next.lines = basis.lines;
        for (std::size_t j = 2 * change->index + 1; j < next.lines.size(); ++j)
          next.lines[j] = static_cast<std::uint32_t>(next.lines[j] + added);
        result.warnings = next.warnings;
        if (auto moved = spans.after(text, *change)) {
          next.spans = std::move(*moved);
          result.reload = std::move(next);
        }
        return result;
      }
    }
  }
  return import_keepalived(text, file, includes, config_id);
}

LoadResult import_keepalived_file(const std::string& path, const KaConfigId& config_id) {
  auto text = read_regular_file(path, kMaxConfigFileBytes);
  if (!text) {
    LoadResult result;
    result.errors.push_back(ConfigError{.location = {.file = path}, .path = "", .message = text.error().message});
    return result;
  }
  return import_keepalived(*text, path, filesystem_include_reader(), config_id);
}

}  // namespace lvsd::conf