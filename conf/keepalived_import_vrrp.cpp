// keepalived.conf's VRRP blocks: vrrp_instance, vrrp_script, vrrp_sync_group.
#include <algorithm>

#include "conf/ip_syntax.hpp"
#include "conf/keepalived_importer.hpp"

namespace lvsd::conf::keepalived_import_detail {
namespace {

// Block lists may come in several blocks: keepalived 2.2.7 appends them
// (a file with two track_script blocks in one instance runs).
const std::vector<Spec> kInstanceSpecs = {
    {"state", 1, 1},
    {"interface", 1, 1},
    {"virtual_router_id", 1, 1},
    {"priority", 1, 1},
    {"advert_int", 1, 1},
    {"version", 1, 1},
    {"authentication", 0, 0, true},
    {"virtual_ipaddress", 0, 0, true, true},
    {"unicast_src_ip", 1, 1},
    {"unicast_peer", 0, 0, true, true},
    {"check_unicast_src", 0, 0},  // lvsd always checks it: accepted, nothing to set
    {"nopreempt", 0, 0},
    {"preempt_delay", 1, 1},
    {"track_interface", 0, 0, true, true},
    {"track_script", 0, 0, true, true},
    {"garp_master_delay", 1, 1},
    {"garp_master_repeat", 1, 1},
    {"garp_master_refresh", 1, 1},
    {"notify_master", 1, kMany},
    {"notify_backup", 1, kMany},
    {"notify_fault", 1, kMany},
    {"notify_stop", 1, kMany},
    {"notify", 1, kMany},
    // keepalived reads mcast_src_ip and unicast_src_ip into the one source address.
    {"mcast_src_ip", 1, 1, false, false, "unicast_src_ip"},
    {"preempt", 0, 0, false, false, "nopreempt"},
    {"lvs_sync_daemon_interface", 1, 1},
    {"garp_master_refresh_repeat", 1, 1},
    {"dont_track_primary", 0, 0},
    {"promote_secondaries", 0, 0},
    {"strict_mode", 0, 1},
    {"accept", 0, 0},
    {"no_accept", 0, 0, false, false, "accept"},
    {"track_file", 0, 0, true, true},
    {"track_process", 0, 0, true, true},
    {"virtual_ipaddress_excluded", 0, 0, true, true},
    {"virtual_routes", 0, 0, true, true},
    {"virtual_rules", 0, 0, true, true},
    {"use_vmac", 0, 2},
    {"garp_extra_if", 1, 2},
    {"vmac_garp_intvl", 1, 2, false, false, "garp_extra_if"},
    {"vmac_xmit_base", 0, 0},
    {"lower_prio_no_advert", 0, 1},
    {"higher_prio_send_advert", 0, 1},
    {"garp_lower_prio_delay", 1, 1},
    {"garp_lower_prio_repeat", 1, 1},
    {"down_timer_adverts", 1, 1},
    {"unicast_ttl", 1, 1},
    {"notify_master_rx_lower_pri", 1, kMany},
    {"notify_priority_changes", 0, 1},
};
const std::vector<Spec> kVrrpScriptSpecs = {
    {"script", 1, kMany}, {"interval", 1, 1}, {"timeout", 1, 1}, {"weight", 1, 2}, {"rise", 1, 1},
    {"fall", 1, 1},       {"user", 1, 2},     {"init_fail", 0, 0},
};
const std::vector<Spec> kTrackFileSpecs = {{"file", 1, 1}, {"weight", 1, 2}, {"init_file", 0, 2}};
// `process` takes up to 255 words, quoted or not: the name and its parameters.
const std::vector<Spec> kTrackProcessSpecs = {
    {"process", 1, 255},    {"param_match", 0, 1},     {"weight", 1, 2},
    {"quorum", 1, 1},       {"quorum_max", 1, 1},      {"fork_delay", 1, 1},
    {"terminate_delay", 1, 1}, {"delay", 1, 1},        {"full_command", 0, 0},
};
const std::vector<Spec> kAuthSpecs = {{"auth_type", 1, 1, false, false, "type"}, {"auth_pass", 1, 1, false, false, "pass"}};
const std::vector<Spec> kSyncGroupSpecs = {
    {"group", 0, 0, true, true},        {"notify_master", 1, kMany}, {"notify_backup", 1, kMany},
    {"notify_fault", 1, kMany},   {"notify_stop", 1, kMany},   {"notify", 1, kMany},
    {"track_process", 0, 0, true, true},
    {"track_interface", 0, 0, true, true}, {"track_script", 0, 0, true, true},   {"track_file", 0, 0, true, true},
    {"sync_group_tracking_weight", 0, 0}, {"global_tracking", 0, 0, false, false, "sync_group_tracking_weight"},
    {"notify_priority_changes", 0, 1},
};

}  // namespace

void Importer::flag(const KaStatement& st, const std::string& p, std::optional<bool>& slot) {
  const auto on = flag_value(st);
  if (on) slot = *on;
  else error(st.args[0].location, p, quote(st.args[0].text) + " is not valid for " + st.keyword.text +
             ": allowed true, on, yes, false, off, no or nothing (true)");
}

void Importer::notify(const KaStatement& st, const std::string& p, NotifyScripts& n) {
  const std::string& k = st.keyword.text;
  if (k == "notify_priority_changes") return flag(st, p, n.priority_changes);
  std::optional<std::string>* slot = k == "notify_master_rx_lower_pri" ? &n.master_rx_lower_pri
                                     : k == "notify_master" ? &n.master
                                     : k == "notify_backup" ? &n.backup
                                     : k == "notify_fault"  ? &n.fault
                                     : k == "notify_stop"   ? &n.stop
                                                            : &n.any;
  value(st, p, *slot, text_value);
}

VrrpInstance Importer::instance(const KaStatement& block, std::size_t index) {
  const std::string path = index_path("vrrp_instances", index);
  VrrpInstance inst;
  inst.name = block.args[0].text;
  sources_.set(path, block.keyword.location);
  sources_.set(join_path(path, "name"), block.args[0].location);
  Location nopreempt_at = block.keyword.location;
  Location vmac_at = block.keyword.location;
  std::optional<Location> unicast_ttl_at;
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
    else if (k == "unicast_src_ip" || k == "mcast_src_ip") {
      if (auto a = address_dropping_prefix(st.args[0], p)) inst.unicast_src_ip = *a;
    }
    else if (k == "unicast_peer") unicast_peers(st, p, path, inst);
    else if (k == "check_unicast_src") continue;
    else if (k == "nopreempt") {
      inst.nopreempt = true;
      nopreempt_at = st.keyword.location;
    }
    else if (k == "preempt") inst.nopreempt = false;
    else if (k == "lvs_sync_daemon_interface") sync_daemon_interface(st, p, inst.name);
    else if (k == "garp_master_refresh_repeat") {
      value(st, p, inst.garp_master_refresh_repeat, integer(1, 255));
      explicit_.insert({index, k});
    } else if (k == "dont_track_primary") inst.dont_track_primary = true;
    else if (k == "promote_secondaries") inst.promote_secondaries = true;
    else if (k == "strict_mode") {
      const auto on = flag_value(st);
      if (on) inst.strict_mode = *on;
      else error(st.args[0].location, p, quote(st.args[0].text) + " is not valid for strict_mode: allowed true, on, "
                 "yes, false, off, no or nothing (true)");
    } else if (k == "accept") inst.accept = true;
    else if (k == "no_accept") inst.accept = false;
    else if (k == "preempt_delay") value(st, p, inst.preempt_delay, parse_duration);
    else if (k == "track_interface") track_interfaces(st, p, inst.track_interface);
    else if (k == "track_script") track_scripts(st, p, inst.track_script);
    else if (k == "track_file") track_scripts(st, p, inst.track_file, 254, "FILE_NAME");
    else if (k == "track_process") track_scripts(st, p, inst.track_process, 254, "PROCESS_NAME");
    else if (k == "garp_master_delay" || k == "garp_master_repeat" || k == "garp_master_refresh") {
      if (k == "garp_master_delay") value(st, p, inst.garp_master_delay, parse_duration);
      else if (k == "garp_master_repeat") value(st, p, inst.garp_master_repeat, integer(1, 255));
      else value(st, p, inst.garp_master_refresh, parse_duration);
      explicit_.insert({index, k});
    }
    else if (k == "virtual_ipaddress_excluded") virtual_ips(st, p, inst.virtual_ipaddress_excluded);
    else if (k == "virtual_routes") ip_routes(st, p, inst.virtual_routes);
    else if (k == "virtual_rules") ip_rules(st, p, inst.virtual_rules);
    else if (k == "use_vmac") {
      use_vmac(st, path, inst);
      vmac_at = st.keyword.location;
    }
    else if (k == "vmac_xmit_base") inst.vmac_xmit_base = true;
    else if (k == "garp_extra_if" || k == "vmac_garp_intvl") {
      if (k == "vmac_garp_intvl")
        warn(st.keyword.location, p, "vmac_garp_intvl is keepalived's old name of garp_extra_if (deprecated since 2.2.2): read as it");
      if (auto extra = garp_extra_if(st, p, 0)) {
        inst.garp_extra_if = extra->interval;
        inst.garp_extra_if_all = extra->all;
      }
      explicit_.insert({index, "garp_extra_if"});
    }
    else if (k == "lower_prio_no_advert" || k == "higher_prio_send_advert") {
      std::optional<bool> on;
      flag(st, p, on);
      if (on && k == "lower_prio_no_advert") inst.lower_prio_no_advert = *on;
      else if (on) inst.higher_prio_send_advert = *on;
      explicit_.insert({index, k});
    } else if (k == "garp_lower_prio_delay") {
      // keepalived reads whole seconds.
      std::optional<std::int64_t> seconds;
      value(st, p, seconds, integer(0, 4294));
      if (seconds) inst.garp_lower_prio_delay = std::chrono::seconds(*seconds);
      explicit_.insert({index, k});
    } else if (k == "garp_lower_prio_repeat") {
      value(st, p, inst.garp_lower_prio_repeat, integer(0, 255));
      explicit_.insert({index, k});
    } else if (k == "down_timer_adverts") {
      value(st, p, inst.down_timer_adverts, integer(1, 100));
      explicit_.insert({index, k});
    } else if (k == "unicast_ttl") {
      if (st.args[0].text == "0") {
        error(st.args[0].location, p, "unicast_ttl 0 is not supported: allowed 1-255 (keepalived writes its own IP "
              "header; lvsd's socket cannot send TTL 0, Linux refuses it)");
      } else {
        value(st, p, inst.unicast_ttl, integer(1, 255));
        unicast_ttl_at = st.keyword.location;
      }
    }
    else notify(st, p, inst.notify);
  }
  if (inst.use_vmac && !inst.unicast_peer.empty() && !inst.vmac_xmit_base) {
    // keepalived 2.2.7: "unicast with use_vmac requires vmac_xmit_base - setting".
    warn(vmac_at, join_path(path, "vmac_xmit_base"),
         "use_vmac with unicast_peer: vmac_xmit_base is set, as keepalived 2.2.7 sets it (unicast adverts go out on "
         "the base interface)");
    inst.vmac_xmit_base = true;
  }
  if (unicast_ttl_at && inst.unicast_ttl && *inst.unicast_ttl != 255 && !inst.unicast_peer.empty() &&
      inst.check_unicast_ttl) {
    // keepalived 2.2.7 accepts unicast adverts with any TTL (measured: 64 and 1, whatever its own
    // unicast_ttl); the peers, configured alike, send with this TTL.
    warn(*unicast_ttl_at, join_path(path, "check_unicast_ttl"),
         "unicast_ttl " + std::to_string(*inst.unicast_ttl) + " imported with check_unicast_ttl: false: the peers "
         "send with that TTL too, and keepalived accepts unicast adverts with any TTL");
    inst.check_unicast_ttl = false;
  }
  if (inst.nopreempt && inst.state == VrrpState::kMaster) {
    // keepalived 2.2.7: "nopreempt will not work with initial state MASTER - clearing".
    warn(nopreempt_at, join_path(path, "nopreempt"),
         "nopreempt with state MASTER is cleared, as keepalived 2.2.7 clears it (a MASTER start always takes over)");
    inst.nopreempt = false;
  }
  return inst;
}

std::optional<Importer::GarpExtraIf> Importer::garp_extra_if(const KaStatement& st, const std::string& path, int min) {
  GarpExtraIf out;
  std::optional<std::int64_t> seconds;
  for (const auto& arg : st.args) {
    if (arg.text == "all") {
      out.all = true;
    } else if (auto n = parse_integer(arg.text, min, 86400)) {
      seconds = *n;
    } else {
      error(arg.location, path, quote(arg.text) + " is not valid for " + st.keyword.text + ": allowed [all] " +
                                    std::to_string(min) + "-86400 (seconds)");
      return std::nullopt;
    }
  }
  if (!seconds) {
    error(st.keyword.location, path, st.keyword.text + " needs an interval: allowed [all] " + std::to_string(min) +
                                         "-86400 (seconds)");
    return std::nullopt;
  }
  out.interval = std::chrono::seconds(*seconds);
  if (out.interval == Duration::zero()) out.all = false;  // off
  return out;
}

void Importer::use_vmac(const KaStatement& st, const std::string& path, VrrpInstance& inst) {
  // use_vmac [NAME] [MAC]: a word that reads as a MAC address is the MAC.
  inst.use_vmac = true;
  for (const auto& arg : st.args) {
    const bool looks_like_mac = arg.text.find(':') != std::string::npos;
    if (looks_like_mac) {
      if (auto mac = parse_vmac_address(arg.text)) {
        inst.vmac_address = *mac;
        sources_.set(join_path(path, "vmac_address"), arg.location);
      } else {
        error(arg.location, join_path(path, "vmac_address"), mac.error().message);
      }
    } else if (auto name = parse_interface_name(arg.text)) {
      inst.vmac_interface = *name;
      sources_.set(join_path(path, "vmac_interface"), arg.location);
    } else {
      error(arg.location, join_path(path, "vmac_interface"), name.error().message);
    }
  }
}

void Importer::sync_daemon_interface(const KaStatement& st, const std::string& path, const std::string& instance) {
  // keepalived 2.2.7 reads the old per-instance form as the global one.
  auto iface = parse_interface_name(st.args[0].text);
  if (!iface) {
    error(st.args[0].location, path, iface.error().message);
    return;
  }
  if (config_.global.lvs_sync_daemon) {
    error(st.keyword.location, path,
          "lvs_sync_daemon_interface: the sync daemon is already set (global_defs lvs_sync_daemon, or another "
          "instance's lvs_sync_daemon_interface); keepalived 2.2.7 reports this as an error too");
    return;
  }
  warn(st.keyword.location, path,
       "lvs_sync_daemon_interface is keepalived's old form: read as global_defs 'lvs_sync_daemon " + *iface + " " +
           instance + "' (lvsctl import-keepalived writes it so)");
  config_.global.lvs_sync_daemon = LvsSyncDaemon{.interface = *iface, .vrrp_instance = instance};
  sources_.set("global.lvs_sync_daemon", st.keyword.location);
}

std::optional<VrrpAuthentication> Importer::authentication(const KaStatement& block, const std::string& path) {
  VrrpAuthentication auth;
  bool has_pass = false;
  for (const auto& st : normalize(block.children, kAuthSpecs, path, KaBlock::kAuthentication)) {
    const std::string p = key(path, kAuthSpecs, st);
    if (st.keyword.text == "auth_type") {
      if (st.args[0].text != "PASS")
        error(st.args[0].location, p,
              quote(st.args[0].text) + " is not supported: allowed PASS. lvsd does not implement IPsec AH "
              "authentication: RFC 3768's errata deprecate it, VRRPv3 (RFC 5798) removed authentication, and only "
              "keepalived speaks it; use PASS, or VRRPv3 without authentication");
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

void Importer::unicast_peers(const KaStatement& block, const std::string& p, const std::string& instance_path,
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
    if (is_unexpanded(word)) {
      skipped(ip);
      continue;
    }
    if (auto a = address_dropping_prefix(word, ip)) inst.unicast_peer.push_back(*a);
  }
}

std::optional<core::IpAddress> Importer::address_dropping_prefix(const KaWord& word, const std::string& path) {
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

std::vector<KaWord> Importer::words_of(const std::vector<KaStatement>& lines) {
  std::vector<KaWord> words;
  for (const auto& line : lines) {
    words.push_back(line.keyword);
    words.insert(words.end(), line.args.begin(), line.args.end());
  }
  return words;
}

void Importer::virtual_ips(const KaStatement& block, const std::string& path, std::vector<VirtualIpAddress>& out) {
  // The options followed by a value (which may be an address: not a new entry).
  static const std::set<std::string> options = {"dev", "label", "scope", "brd", "broadcast", "track_group",
                                                "preferred_lft", "peer"};
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
  // Duplicates are looked for in this block only: `out` may hold an earlier
  // block's addresses (a second static_ipaddress or virtual_ipaddress block).
  const std::size_t first_new = out.size();
  std::vector<Location> where;  // of out's entries from first_new on
  for (const auto& entry : entries) {
    std::string p = index_path(path, out.size());
    if (std::any_of(entry.begin(), entry.end(), is_unexpanded)) {
      skipped(p);
      continue;
    }
    auto vip = parse_virtual_ip(joined(entry));
    if (!vip) {
      error(entry[0].location, p, vip.error().message);
      continue;
    }
    const auto block_begin = out.begin() + static_cast<std::ptrdiff_t>(first_new);
    auto same = std::find_if(block_begin, out.end(),
                             [&](const VirtualIpAddress& v) { return v.prefix.address == vip->prefix.address; });
    if (same != out.end()) {
      // keepalived 2.2.7 runs with the address listed twice; one is kept.
      const std::string first = index_path(path, static_cast<std::size_t>(same - out.begin()));
      const Location& at = where[static_cast<std::size_t>(same - block_begin)];
      warn(entry[0].location, first,
           quote(vip->prefix.address.to_string()) + " is listed twice in virtual_ipaddress: only the first, at line " +
               std::to_string(at.line) + ", is kept" + (*same == *vip ? "" : " (with its own prefix and options)"));
      continue;
    }
    sources_.set(p, entry[0].location);
    out.push_back(*vip);
    where.push_back(entry[0].location);
  }
}

namespace {

// One line of a route/rule block as words, or the substitution in it.
std::vector<std::string> line_words(const KaStatement& line, std::vector<const KaWord*>& where) {
  where.clear();
  where.push_back(&line.keyword);
  for (const auto& a : line.args) where.push_back(&a);
  std::vector<std::string> out;
  for (const KaWord* w : where) out.push_back(w->text);
  return out;
}

}  // namespace

template <typename T, typename Parse>
void Importer::ip_lines(const KaStatement& block, const std::string& path, const std::string& what, Parse parse,
                        std::vector<T>& out) {
  std::vector<const KaWord*> where;
  for (const auto& line : block.children) {
    const std::string p = index_path(path, out.size());
    if (line.has_block) {
      error(line.keyword.location, p, "a " + what + " does not take a block");
      continue;
    }
    auto words = line_words(line, where);
    if (std::any_of(where.begin(), where.end(), [](const KaWord* w) { return is_unexpanded(*w); })) {
      skipped(p);
      continue;
    }
    auto parsed = parse(words);
    if (!parsed.value) {
      error(where[std::min(parsed.error.word, where.size() - 1)]->location, p, parsed.error.message);
      continue;
    }
    sources_.set(p, line.keyword.location);
    out.push_back(*parsed.value);
  }
}

void Importer::ip_routes(const KaStatement& block, const std::string& path, std::vector<IpRoute>& out) {
  ip_lines(block, path, "route", [](const auto& words) { return parse_ip_route(words); }, out);
}

void Importer::ip_rules(const KaStatement& block, const std::string& path, std::vector<IpRule>& out) {
  const std::size_t before = out.size();
  ip_lines(block, path, "rule", [](const auto& words) { return parse_ip_rule(words); }, out);
  for (std::size_t i = before; i < out.size(); ++i) {
    if (out[i].priority) continue;
    // keepalived 2.2.7 does not leave the choice to the kernel.
    out[i].priority = 16384;
    const std::string p = index_path(path, i);
    warn(sources_.find(p).value_or(Location(block.keyword.location)), p,
         "rule without a priority: given priority 16384, as keepalived 2.2.7 does");
  }
}

void Importer::track_interfaces(const KaStatement& block, const std::string& path, std::vector<TrackInterface>& out) {
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

bool Importer::tracked_weight(const KaStatement& line, const std::string& p, const std::string& what,
                    std::optional<int>& weight, std::optional<bool>& reverse, int max_weight) {
  const auto& args = line.args;
  if (args.empty()) return true;
  if (args[0].text != "weight" || args.size() < 2 || args.size() > 3) {
    error(args[0].location, p, "allowed " + what + " [weight N [reverse|noreverse]]");
    return false;
  }
  auto w = parse_integer(args[1].text, -max_weight, max_weight);
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

void Importer::track_scripts(const KaStatement& block, const std::string& path, std::vector<TrackScript>& out,
                             int max_weight, const std::string& what) {
  for (const auto& line : block.children) {
    std::string p = index_path(path, out.size());
    sources_.set(p, line.keyword.location);
    if (line.has_block) {
      error(line.keyword.location, p, "a tracked script does not take a block");
      continue;
    }
    TrackScript track{.name = line.keyword.text};
    if (!tracked_weight(line, p, what, track.weight, track.reverse, max_weight)) continue;
    out.push_back(track);
  }
}

VrrpScript Importer::vrrp_script(const KaStatement& block, std::size_t index) {
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

TrackFile Importer::track_file(const KaStatement& block, std::size_t index) {
  const std::string path = index_path("track_files", index);
  TrackFile file;
  file.name = block.args[0].text;
  sources_.set(path, block.keyword.location);
  sources_.set(join_path(path, "name"), block.args[0].location);
  if (block.keyword.text == "vrrp_track_file")
    warn(block.keyword.location, path, "vrrp_track_file is keepalived's old name of track_file: read as track_file");
  bool has_file = false;
  for (const auto& st : normalize(block.children, kTrackFileSpecs, path, KaBlock::kTrackFile)) {
    const std::string& k = st.keyword.text;
    const std::string p = key(path, kTrackFileSpecs, st);
    if (k == "file") {
      value(st, p, file.file, text_value);
      has_file = true;
    } else if (k == "weight") {
      if (auto w = parse_integer(st.args[0].text, -254, 254)) file.weight = static_cast<int>(*w);
      else error(st.args[0].location, p, w.error().message);
      if (st.args.size() > 1) {
        if (st.args[1].text == "reverse") file.reverse = true;
        else error(st.args[1].location, join_path(path, "reverse"), quote(st.args[1].text) + " is not valid here: allowed reverse");
      }
    } else if (k == "init_file") {
      // init_file [VALUE] [overwrite]
      std::size_t i = 0;
      file.init_file = 0;
      if (i < st.args.size() && st.args[i].text != "overwrite") {
        if (auto v = parse_integer(st.args[i].text, -2147483648LL, 2147483647LL)) file.init_file = *v;
        else error(st.args[i].location, p, v.error().message + " (or overwrite)");
        ++i;
      }
      if (i < st.args.size()) {
        if (st.args[i].text == "overwrite") file.init_overwrite = true;
        else error(st.args[i].location, join_path(path, "init_overwrite"), quote(st.args[i].text) + " is not valid here: allowed overwrite");
      }
    }
  }
  if (!has_file) error(block.keyword.location, join_path(path, "file"), "missing file: allowed an absolute path");
  return file;
}

std::optional<Duration> Importer::process_delay(const KaStatement& st, const std::string& p) {
  auto d = parse_duration(st.args[0].text);
  if (!d) {
    error(st.args[0].location, p, d.error().message);
    return std::nullopt;
  }
  if (*d <= Duration{0} || *d > std::chrono::seconds(3600)) {
    error(st.args[0].location, p, quote(st.args[0].text) + " is out of range: allowed 0.001 to 3600 seconds "
          "(keepalived 2.2.7 reports this and ignores the line)");
    return std::nullopt;
  }
  return *d;
}

TrackProcess Importer::track_process(const KaStatement& block, std::size_t index) {
  const std::string path = index_path("track_processes", index);
  TrackProcess proc;
  proc.name = block.args[0].text;
  sources_.set(path, block.keyword.location);
  sources_.set(join_path(path, "name"), block.args[0].location);
  bool has_process = false;
  for (const auto& st : normalize(block.children, kTrackProcessSpecs, path, KaBlock::kTrackProcess)) {
    const std::string& k = st.keyword.text;
    const std::string p = key(path, kTrackProcessSpecs, st);
    if (k == "process") {
      has_process = true;
      proc.process = st.args[0].text;
      sources_.set(p, st.args[0].location);
      for (std::size_t i = 1; i < st.args.size(); ++i) {
        sources_.set(index_path(join_path(path, "parameters"), i - 1), st.args[i].location);
        proc.parameters.push_back(st.args[i].text);
      }
    } else if (k == "param_match") {
      // keepalived: no value is exact; `initial` and `partial`; anything else is its config error.
      if (st.args.empty()) proc.param_match = ParamMatch::kExact;
      else if (st.args[0].text == "initial") proc.param_match = ParamMatch::kInitial;
      else if (st.args[0].text == "partial") proc.param_match = ParamMatch::kPartial;
      else
        error(st.args[0].location, p, quote(st.args[0].text) + " is not a param_match type: allowed initial, partial "
              "or no value (exact); keepalived 2.2.7 reports this and ignores the line");
    } else if (k == "weight") {
      if (auto w = parse_integer(st.args[0].text, -254, 254)) proc.weight = static_cast<int>(*w);
      else error(st.args[0].location, p, w.error().message);
      if (st.args.size() > 1) {
        if (st.args[1].text == "reverse") proc.reverse = true;
        else error(st.args[1].location, join_path(path, "reverse"), quote(st.args[1].text) + " is not valid here: allowed reverse");
      }
    } else if (k == "quorum") value(st, p, proc.quorum, integer(1, 65535));
    else if (k == "quorum_max") value(st, p, proc.quorum_max, integer(0, 65535));
    else if (k == "delay" || k == "fork_delay" || k == "terminate_delay") {
      auto d = process_delay(st, p);
      if (!d) continue;
      if (k != "terminate_delay") proc.fork_delay = *d;
      if (k != "fork_delay") proc.terminate_delay = *d;
    } else if (k == "full_command") proc.full_command = true;
  }
  if (!has_process)
    error(block.keyword.location, join_path(path, "process"), "missing process: allowed a process name and its "
          "parameters (keepalived 2.2.7 reports this and drops the block)");
  return proc;
}

VrrpSyncGroup Importer::sync_group(const KaStatement& block, std::size_t index) {
  const std::string path = index_path("vrrp_sync_groups", index);
  VrrpSyncGroup group;
  group.name = block.args[0].text;
  sources_.set(path, block.keyword.location);
  sources_.set(join_path(path, "name"), block.args[0].location);
  GroupTracking tracking{.group = index};
  for (const auto& st : normalize(block.children, kSyncGroupSpecs, path, KaBlock::kVrrpSyncGroup)) {
    const std::string p = key(path, kSyncGroupSpecs, st);
    const std::string& k = st.keyword.text;
    if (k == "track_process") {
      track_scripts(st, p, group.track_process, 254, "PROCESS_NAME");
    } else if (k == "track_interface") {
      track_interfaces(st, p, tracking.interfaces);
    } else if (k == "track_script") {
      track_scripts(st, p, tracking.scripts);
    } else if (k == "track_file") {
      track_scripts(st, p, tracking.files, 254, "FILE_NAME");
    } else if (k == "sync_group_tracking_weight" || k == "global_tracking") {
      tracking.keep_weights = true;
      if (k == "global_tracking")
        warn(st.keyword.location, p, "'global_tracking' is deprecated in keepalived 2.2.7 and read as "
                                     "sync_group_tracking_weight: the members keep their tracked objects' weights");
    } else if (st.keyword.text == "group") {
      for (const KaWord& w : words_of(st.children)) {
        sources_.set(index_path(p, group.group.size()), w.location);
        group.group.push_back(w.text);
      }
    } else {
      notify(st, p, group.notify);
    }
  }
  group_tracking_.push_back(std::move(tracking));
  return group;
}

}  // namespace lvsd::conf::keepalived_import_detail
