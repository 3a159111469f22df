#include "conf/writer.hpp"

#include <map>
#include <memory>
#include <string_view>

#include "conf/ip_syntax.hpp"
#include "conf/scalars.hpp"

namespace lvsd::conf {
namespace {

// A tiny YAML document tree, enough for what to_yaml writes.
struct Node {
  enum class Kind { kScalar, kMap, kList } kind = Kind::kScalar;
  std::string scalar{};
  std::vector<std::pair<std::string, Node>> entries{};  // kMap
  std::vector<Node> items{};                            // kList

  static Node map() { return Node{.kind = Kind::kMap}; }
  static Node list() { return Node{.kind = Kind::kList}; }
  void add(std::string key, Node value) { entries.emplace_back(std::move(key), std::move(value)); }
  void add(std::string key, std::string value) { add(std::move(key), Node{.scalar = std::move(value)}); }
};

bool plain_safe(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return false;
  auto ok_first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_' ||
           c == '.';
  };
  auto ok_rest = [&](char c) { return ok_first(c) || c == '-' || c == ':' || c == '@' || c == '+'; };
  if (!ok_first(s[0])) return false;
  for (char c : s.substr(1))
    if (!ok_rest(c)) return false;
  return s.back() != ':';
}

std::string yaml_scalar(std::string_view s) {
  if (plain_safe(s)) return std::string(s);
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

void emit(const Node& node, int indent, std::string& out);

void emit_value_after_key(const Node& value, int indent, std::string& out) {
  if (value.kind == Node::Kind::kScalar) {
    out += " " + yaml_scalar(value.scalar) + "\n";
  } else if (value.kind == Node::Kind::kMap && value.entries.empty()) {
    out += " {}\n";
  } else if (value.kind == Node::Kind::kList && value.items.empty()) {
    out += " []\n";
  } else {
    out += "\n";
    emit(value, indent + 2, out);
  }
}

void emit(const Node& node, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (node.kind == Node::Kind::kMap) {
    for (const auto& [key, value] : node.entries) {
      out += pad + yaml_scalar(key) + ":";
      emit_value_after_key(value, indent, out);
    }
  } else if (node.kind == Node::Kind::kList) {
    for (const auto& item : node.items) {
      if (item.kind == Node::Kind::kScalar) {
        out += pad + "- " + yaml_scalar(item.scalar) + "\n";
        continue;
      }
      std::string inner;
      emit(item, indent + 2, inner);
      if (inner.empty()) {
        out += pad + (item.kind == Node::Kind::kMap ? "- {}\n" : "- []\n");
        continue;
      }
      inner.replace(static_cast<std::size_t>(indent), 2, "- ");
      out += inner;
    }
  }
}

std::string number(std::int64_t v) { return std::to_string(v); }

// Adds key: value when value differs from the default.
template <typename T, typename F>
void add_if(Node& map, const std::string& key, const T& value, const T& default_value, F text) {
  if (!(value == default_value)) map.add(key, text(value));
}
template <typename T, typename F>
void add_opt(Node& map, const std::string& key, const std::optional<T>& value, F text) {
  if (value) map.add(key, text(*value));
}
// The model's compact optionals (core::OptionalText, OptionalDuration).
template <typename Opt, typename F>
  requires requires(const Opt& o) { o.has_value(); *o; }
void add_opt(Node& map, const std::string& key, const Opt& value, F text) {
  if (value) map.add(key, text(*value));
}
auto as_number = [](auto v) { return number(static_cast<std::int64_t>(v)); };
auto as_text = [](const std::string& s) { return s; };
auto as_bool = [](bool b) { return std::string(b ? "true" : "false"); };
auto as_duration = [](Duration d) { return duration_text(d); };
auto as_address = [](const core::IpAddress& a) { return a.to_string(); };
auto as_name = [](auto v) { return std::string(to_string(v)); };

// A track_script / track_file / track_process list: each entry's name, and
// weight and reverse when it gives its own.
void add_tracked(Node& map, const std::string& key, const std::vector<TrackScript>& tracked) {
  if (tracked.empty()) return;
  Node list = Node::list();
  for (const auto& t : tracked) {
    Node n = Node::map();
    n.add("name", t.name);
    add_opt(n, "weight", t.weight, as_number);
    add_opt(n, "reverse", t.reverse, as_bool);
    list.items.push_back(std::move(n));
  }
  map.add(key, std::move(list));
}

Node global_node(const Global& g) {
  const Global d;
  Node m = Node::map();
  add_if(m, "router_id", g.router_id, d.router_id, as_text);
  add_if(m, "control_socket", g.control_socket, d.control_socket, as_text);
  add_opt(m, "metrics", g.metrics, as_text);
  if (g.lvs_sync_daemon) {
    const LvsSyncDaemon ds;
    const auto& s = *g.lvs_sync_daemon;
    Node n = Node::map();
    n.add("interface", s.interface);
    add_opt(n, "vrrp_instance", s.vrrp_instance, as_text);
    add_if(n, "sync_id", s.sync_id, ds.sync_id, as_number);
    add_opt(n, "maxlen", s.maxlen, as_number);
    add_if(n, "port", s.port, ds.port, as_number);
    add_if(n, "ttl", s.ttl, ds.ttl, as_number);
    add_opt(n, "group", s.group, as_address);
    m.add("lvs_sync_daemon", std::move(n));
  }
  add_if(m, "lvs_flush", g.lvs_flush, d.lvs_flush, as_bool);
  add_if(m, "lvs_flush_on_stop", g.lvs_flush_on_stop, d.lvs_flush_on_stop, as_bool);
  add_opt(m, "sloppy_tcp", g.sloppy_tcp, as_bool);
  add_opt(m, "sloppy_sctp", g.sloppy_sctp, as_bool);
  if (g.lvs_timeouts != Global::LvsTimeouts{}) {
    Node t = Node::map();
    add_opt(t, "tcp", g.lvs_timeouts.tcp, as_duration);
    add_opt(t, "tcpfin", g.lvs_timeouts.tcpfin, as_duration);
    add_opt(t, "udp", g.lvs_timeouts.udp, as_duration);
    m.add("lvs_timeouts", std::move(t));
  }
  add_if(m, "ipvs_resync_interval", g.ipvs_resync_interval, d.ipvs_resync_interval, as_duration);
  add_opt(m, "notify", g.notify, as_text);
  add_opt(m, "vrrp_mcast_group4", g.vrrp_mcast_group4, as_address);
  add_opt(m, "vrrp_mcast_group6", g.vrrp_mcast_group6, as_address);
  add_if(m, "vrrp_strict", g.vrrp_strict, d.vrrp_strict, as_bool);
  if (g.vmac_prefix != d.vmac_prefix) m.add("vmac_prefix", g.vmac_prefix);
  add_if(m, "disable_local_igmp", g.disable_local_igmp, d.disable_local_igmp, as_bool);
  add_opt(m, "script_user", g.script_user, script_user_text);
  add_if(m, "enable_script_security", g.enable_script_security, d.enable_script_security, as_bool);
  for (const auto& [key, fifo] : {std::pair{"notify_fifo", &g.notify_fifo}, std::pair{"vrrp_notify_fifo", &g.vrrp_notify_fifo},
                                  std::pair{"lvs_notify_fifo", &g.lvs_notify_fifo}}) {
    if (!*fifo) continue;
    Node n = Node::map();
    n.add("path", (*fifo)->path);
    add_opt(n, "owner", (*fifo)->owner, script_user_text);
    add_opt(n, "script", (*fifo)->script, as_text);
    add_opt(n, "script_user", (*fifo)->script_user, script_user_text);
    m.add(key, std::move(n));
  }
  add_if(m, "vrrp_notify_priority_changes", g.vrrp_notify_priority_changes, d.vrrp_notify_priority_changes, as_bool);
  add_if(m, "vrrp_startup_delay", g.vrrp_startup_delay, d.vrrp_startup_delay, as_duration);
  if (g.announce != d.announce) {
    const Announce da;
    Node n = Node::map();
    add_if(n, "table", g.announce.table, da.table, as_number);
    add_if(n, "drain_grace", g.announce.drain_grace, da.drain_grace, as_duration);
    add_if(n, "drain_on_stop", g.announce.drain_on_stop, da.drain_on_stop, as_bool);
    m.add("announce", std::move(n));
  }
  return m;
}

void add_notify(Node& m, const NotifyScripts& n) {
  add_opt(m, "notify_master", n.master, as_text);
  add_opt(m, "notify_backup", n.backup, as_text);
  add_opt(m, "notify_fault", n.fault, as_text);
  add_opt(m, "notify_stop", n.stop, as_text);
  add_opt(m, "notify", n.any, as_text);
  add_opt(m, "notify_master_rx_lower_pri", n.master_rx_lower_pri, as_text);
  add_opt(m, "notify_priority_changes", n.priority_changes, as_bool);
}

// A list of strings, one per item; nothing when empty.
template <typename T, typename Text>
void add_texts(Node& m, const std::string& key, const std::vector<T>& items, Text text) {
  if (items.empty()) return;
  Node list = Node::list();
  for (const auto& item : items) list.items.push_back(Node{.scalar = text(item)});
  m.add(key, std::move(list));
}

Node instance_node(const VrrpInstance& v) {
  const VrrpInstance d;
  Node m = Node::map();
  m.add("name", v.name);
  m.add("state", as_name(v.state));
  m.add("interface", v.interface);
  m.add("virtual_router_id", as_number(v.virtual_router_id));
  m.add("priority", as_number(v.priority));
  m.add("advert_int", as_duration(v.advert_int));
  add_if(m, "version", v.version, d.version, as_number);
  if (v.authentication) {
    Node a = Node::map();
    a.add("type", "PASS");
    a.add("pass", v.authentication->pass);
    m.add("authentication", std::move(a));
  }
  Node vips = Node::list();
  for (const auto& vip : v.virtual_ipaddress) vips.items.push_back(Node{.scalar = virtual_ip_text(vip)});
  m.add("virtual_ipaddress", std::move(vips));
  add_opt(m, "unicast_src_ip", v.unicast_src_ip, as_address);
  if (!v.unicast_peer.empty()) {
    Node peers = Node::list();
    for (const auto& p : v.unicast_peer) peers.items.push_back(Node{.scalar = p.to_string()});
    m.add("unicast_peer", std::move(peers));
  }
  add_if(m, "check_unicast_ttl", v.check_unicast_ttl, d.check_unicast_ttl, as_bool);
  add_if(m, "nopreempt", v.nopreempt, d.nopreempt, as_bool);
  add_if(m, "preempt_delay", v.preempt_delay, d.preempt_delay, as_duration);
  if (!v.track_interface.empty()) {
    Node list = Node::list();
    for (const auto& t : v.track_interface) {
      Node n = Node::map();
      n.add("name", t.name);
      if (t.weight != 0) n.add("weight", as_number(t.weight));
      if (t.reverse) n.add("reverse", as_bool(t.reverse));
      list.items.push_back(std::move(n));
    }
    m.add("track_interface", std::move(list));
  }
  for (const auto& [key, tracked] : {std::pair{"track_script", &v.track_script}, std::pair{"track_file", &v.track_file},
                                     std::pair{"track_process", &v.track_process}})
    add_tracked(m, key, *tracked);
  add_notify(m, v.notify);
  add_if(m, "garp_master_delay", v.garp_master_delay, d.garp_master_delay, as_duration);
  add_if(m, "garp_master_repeat", v.garp_master_repeat, d.garp_master_repeat, as_number);
  add_if(m, "garp_master_refresh", v.garp_master_refresh, d.garp_master_refresh, as_duration);
  add_if(m, "garp_master_refresh_repeat", v.garp_master_refresh_repeat, d.garp_master_refresh_repeat, as_number);
  add_if(m, "dont_track_primary", v.dont_track_primary, d.dont_track_primary, as_bool);
  add_if(m, "promote_secondaries", v.promote_secondaries, d.promote_secondaries, as_bool);
  add_opt(m, "strict_mode", v.strict_mode, as_bool);
  add_opt(m, "accept", v.accept, as_bool);
  add_texts(m, "virtual_ipaddress_excluded", v.virtual_ipaddress_excluded, virtual_ip_text);
  add_texts(m, "virtual_routes", v.virtual_routes, ip_route_text);
  add_texts(m, "virtual_rules", v.virtual_rules, ip_rule_text);
  add_if(m, "use_vmac", v.use_vmac, d.use_vmac, as_bool);
  if (!v.vmac_interface.empty()) m.add("vmac_interface", v.vmac_interface);
  if (!v.vmac_address.empty()) m.add("vmac_address", mac_text(v.vmac_address));
  add_if(m, "vmac_xmit_base", v.vmac_xmit_base, d.vmac_xmit_base, as_bool);
  add_if(m, "garp_extra_if", v.garp_extra_if, d.garp_extra_if, as_duration);
  add_if(m, "garp_extra_if_all", v.garp_extra_if_all, d.garp_extra_if_all, as_bool);
  add_opt(m, "lower_prio_no_advert", v.lower_prio_no_advert, as_bool);
  add_if(m, "higher_prio_send_advert", v.higher_prio_send_advert, d.higher_prio_send_advert, as_bool);
  add_opt(m, "garp_lower_prio_repeat", v.garp_lower_prio_repeat, as_number);
  add_opt(m, "garp_lower_prio_delay", v.garp_lower_prio_delay, as_duration);
  add_if(m, "down_timer_adverts", v.down_timer_adverts, d.down_timer_adverts, as_number);
  add_opt(m, "unicast_ttl", v.unicast_ttl, as_number);
  return m;
}

Node track_process_node(const TrackProcess& p) {
  const TrackProcess d;
  Node m = Node::map();
  m.add("name", p.name);
  m.add("process", p.process);
  if (!p.parameters.empty()) {
    Node words = Node::list();
    for (const auto& w : p.parameters) words.items.push_back(Node{.scalar = w});
    m.add("parameters", std::move(words));
  }
  add_opt(m, "param_match", p.param_match, as_name);
  add_if(m, "full_command", p.full_command, d.full_command, as_bool);
  add_if(m, "weight", p.weight, d.weight, as_number);
  add_if(m, "reverse", p.reverse, d.reverse, as_bool);
  add_if(m, "quorum", p.quorum, d.quorum, as_number);
  add_opt(m, "quorum_max", p.quorum_max, as_number);
  add_if(m, "fork_delay", p.fork_delay, d.fork_delay, as_duration);
  add_if(m, "terminate_delay", p.terminate_delay, d.terminate_delay, as_duration);
  return m;
}

Node vrrp_script_node(const VrrpScript& v) {
  const VrrpScript d;
  Node m = Node::map();
  m.add("name", v.name);
  m.add("script", v.script);
  add_if(m, "interval", v.interval, d.interval, as_duration);
  add_if(m, "timeout", v.timeout, d.timeout, as_duration);
  add_if(m, "weight", v.weight, d.weight, as_number);
  add_if(m, "reverse", v.reverse, d.reverse, as_bool);
  add_if(m, "rise", v.rise, d.rise, as_number);
  add_if(m, "fall", v.fall, d.fall, as_number);
  add_opt(m, "user", v.user, script_user_text);
  add_if(m, "init_fail", v.init_fail, d.init_fail, as_bool);
  return m;
}

Node track_file_node(const TrackFile& f) {
  const TrackFile d;
  Node m = Node::map();
  m.add("name", f.name);
  m.add("file", f.file);
  add_if(m, "weight", f.weight, d.weight, as_number);
  add_if(m, "reverse", f.reverse, d.reverse, as_bool);
  add_opt(m, "init_file", f.init_file, as_number);
  add_if(m, "init_overwrite", f.init_overwrite, d.init_overwrite, as_bool);
  return m;
}

Node sync_group_node(const VrrpSyncGroup& g) {
  Node m = Node::map();
  m.add("name", g.name);
  Node members = Node::list();
  for (const auto& name : g.group) members.items.push_back(Node{.scalar = name});
  m.add("group", std::move(members));
  add_tracked(m, "track_process", g.track_process);
  add_notify(m, g.notify);
  return m;
}

Node check_node(const Check& c) {
  const Check d;
  Node m = Node::map();
  add_opt(m, "connect_ip", c.connect_ip, as_address);
  add_opt(m, "connect_port", c.connect_port, as_number);
  add_opt(m, "connect_timeout", c.connect_timeout, as_duration);
  add_opt(m, "retry", c.retry, as_number);
  add_opt(m, "delay_before_retry", c.delay_before_retry, as_duration);
  add_opt(m, "delay_loop", c.delay_loop, as_duration);
  add_if(m, "rise", c.rise, d.rise, as_number);
  add_if(m, "fall", c.fall, d.fall, as_number);
  add_opt(m, "bindto", c.bindto, as_address);
  add_opt(m, "bind_port", c.bind_port, as_number);
  add_opt(m, "bind_if", c.bind_if, as_text);
  add_opt(m, "fwmark", c.fwmark, as_number);
  add_opt(m, "warmup", c.warmup, as_duration);
  add_opt(m, "alpha", c.alpha, as_bool);
  if (const auto* http = std::get_if<HttpCheck>(&c.probe)) {
    const HttpCheck dh;
    Node urls = Node::list();
    for (const auto& u : http->url) {
      Node n = Node::map();
      n.add("path", u.path);
      if (u.status_code != UrlCheck{}.status_code) n.add("status_code", status_codes_text(u.status_code));
      add_opt(n, "digest", u.digest, as_text);
      add_opt(n, "virtualhost", u.virtualhost, as_text);
      add_opt(n, "regex", u.regex, as_text);
      add_if(n, "regex_no_match", u.regex_no_match, false, as_bool);
      if (!u.regex_options.empty()) n.add("regex_options", regex_options_text(u.regex_options));
      add_opt(n, "regex_min_offset", u.regex_min_offset, as_number);
      add_opt(n, "regex_max_offset", u.regex_max_offset, as_number);
      add_opt(n, "regex_stack", u.regex_stack, regex_stack_text);
      urls.items.push_back(std::move(n));
    }
    m.add("url", std::move(urls));
    add_opt(m, "virtualhost", http->virtualhost, as_text);
    add_if(m, "http_protocol", http->http_protocol, dh.http_protocol, as_name);
    add_if(m, "enable_sni", http->enable_sni, dh.enable_sni, as_bool);
  } else if (const auto* redis = std::get_if<RedisCheck>(&c.probe)) {
    add_opt(m, "password", redis->password, as_text);
    add_if(m, "expect_role", redis->expect_role, RedisRole::kAny, as_name);
  } else if (const auto* misc = std::get_if<MiscCheck>(&c.probe)) {
    m.add("misc_path", misc->misc_path);
    add_opt(m, "misc_timeout", misc->misc_timeout, as_duration);
    add_if(m, "misc_dynamic", misc->misc_dynamic, false, as_bool);
    add_opt(m, "user", misc->user, script_user_text);
  } else if (const auto* udp = std::get_if<UdpCheck>(&c.probe)) {
    const UdpCheck du;
    add_opt(m, "payload", udp->payload, hex_pattern_text);
    if (udp->reply) m.add("require_reply", hex_pattern_text(*udp->reply));
    else add_if(m, "require_reply", udp->require_reply, du.require_reply, as_bool);
    add_if(m, "min_reply_length", udp->min_reply_length, du.min_reply_length, as_number);
    add_if(m, "max_reply_length", udp->max_reply_length, du.max_reply_length, as_number);
  } else if (const auto* dns = std::get_if<DnsCheck>(&c.probe)) {
    const DnsCheck dd;
    add_if(m, "type", dns->type, dd.type, as_name);
    add_if(m, "name", dns->name, dd.name, as_text);
  } else if (const auto* smtp = std::get_if<SmtpCheck>(&c.probe)) {
    add_opt(m, "helo_name", smtp->helo_name, as_text);
  }
  return m;
}

std::string granularity_text(int prefix, core::AddressFamily family) {
  if (family == core::AddressFamily::kIpv6 || prefix > 32) return number(prefix);
  std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return number(mask >> 24) + "." + number((mask >> 16) & 255) + "." + number((mask >> 8) & 255) + "." +
         number(mask & 255);
}

// A real or sorry server's own forwarding settings, when it has them.
void add_forwarding(Node& m, const std::optional<Forwarding>& f) {
  if (!f) return;
  const Forwarding d;
  m.add("lb_kind", as_name(f->lb_kind));
  add_if(m, "tunnel_type", f->tunnel_type, d.tunnel_type, as_name);
  add_opt(m, "tunnel_port", f->tunnel_port, as_number);
  add_if(m, "tunnel_checksum", f->tunnel_checksum, d.tunnel_checksum, as_name);
}

Node real_server_node(const RealServer& r) {
  const RealServer d;
  const RealServerOptions& o = *r.options;
  const RealServerOptions od;
  Node m = Node::map();
  m.add("address", r.address.to_string());
  add_if(m, "port", r.port, d.port, as_number);
  add_if(m, "weight", r.weight, d.weight, as_number);
  add_forwarding(m, o.forwarding);
  add_opt(m, "inhibit_on_failure", o.inhibit_on_failure, as_bool);
  add_if(m, "slow_start", o.slow_start, od.slow_start, as_duration);
  add_opt(m, "connect_timeout", o.connect_timeout, as_duration);
  add_opt(m, "retry", o.retry, as_number);
  add_opt(m, "delay_before_retry", o.delay_before_retry, as_duration);
  add_opt(m, "delay_loop", o.delay_loop, as_duration);
  add_if(m, "uthreshold", o.uthreshold, od.uthreshold, as_number);
  add_if(m, "lthreshold", o.lthreshold, od.lthreshold, as_number);
  add_opt(m, "notify_up", o.notify_up, as_text);
  add_opt(m, "notify_down", o.notify_down, as_text);
  add_opt(m, "warmup", o.warmup, as_duration);
  add_opt(m, "alpha", o.alpha, as_bool);
  add_opt(m, "virtualhost", o.virtualhost, as_text);
  // One key per check type, in order of first appearance; a list when repeated.
  std::vector<std::string> order;
  std::map<std::string, std::vector<Node>> by_type;
  for (const auto& c : r.checks) {
    std::string k(check_keyword(c));
    if (!by_type.count(k)) order.push_back(k);
    by_type[k].push_back(check_node(c));
  }
  for (const auto& f : o.file_checks) {
    Node n = Node::map();
    n.add("track_file", f.name);
    add_opt(n, "weight", f.weight, as_number);
    add_opt(n, "reverse", f.reverse, as_bool);
    if (!by_type.count("FILE_CHECK")) order.push_back("FILE_CHECK");
    by_type["FILE_CHECK"].push_back(std::move(n));
  }
  for (const auto& k : order) {
    auto& nodes = by_type[k];
    if (nodes.size() == 1) {
      m.add(k, std::move(nodes.front()));
    } else {
      Node list = Node::list();
      list.items = std::move(nodes);
      m.add(k, std::move(list));
    }
  }
  return m;
}

Node virtual_server_node(const VirtualServer& v) {
  const VirtualServer d;
  Node m = Node::map();
  add_opt(m, "address", v.address, as_address);
  if (v.address) m.add("port", as_number(v.port));
  add_opt(m, "fwmark", v.fwmark, as_number);
  add_opt(m, "group", v.group, as_text);
  if (v.ip_family) m.add("ip_family", std::string(address_family_text(*v.ip_family)));
  add_if(m, "protocol", v.protocol, d.protocol, as_name);
  m.add("lb_algo", v.lb_algo);
  if (v.scheduler_flags.any()) {
    Node list = Node::list();
    for (auto& name : scheduler_flag_names(v.scheduler_flags, v.lb_algo)) list.items.push_back(Node{.scalar = name});
    m.add("scheduler_flags", std::move(list));
  }
  m.add("lb_kind", as_name(v.lb_kind));
  add_if(m, "tunnel_type", v.tunnel_type, d.tunnel_type, as_name);
  add_opt(m, "tunnel_port", v.tunnel_port, as_number);
  add_if(m, "tunnel_checksum", v.tunnel_checksum, d.tunnel_checksum, as_name);
  add_if(m, "persistence_timeout", v.persistence_timeout, d.persistence_timeout, as_duration);
  if (v.persistence_granularity)
    m.add("persistence_granularity", granularity_text(*v.persistence_granularity, v.family()));
  add_opt(m, "persistence_engine", v.persistence_engine, as_text);
  add_if(m, "delay_loop", v.delay_loop, d.delay_loop, as_duration);
  add_opt(m, "connect_timeout", v.connect_timeout, as_duration);
  add_opt(m, "retry", v.retry, as_number);
  add_opt(m, "delay_before_retry", v.delay_before_retry, as_duration);
  add_opt(m, "warmup", v.warmup, as_duration);
  add_if(m, "quorum", v.quorum, d.quorum, as_number);
  add_if(m, "hysteresis", v.hysteresis, d.hysteresis, as_number);
  if (v.sorry_server) {
    Node s = Node::map();
    s.add("address", v.sorry_server->address.to_string());
    if (v.sorry_server->port != 0) s.add("port", as_number(v.sorry_server->port));
    add_forwarding(s, v.sorry_server->forwarding);
    if (v.sorry_server->inhibit_on_failure) s.add("inhibit_on_failure", as_bool(true));
    m.add("sorry_server", std::move(s));
  }
  add_opt(m, "quorum_up", v.quorum_up, as_text);
  add_opt(m, "quorum_down", v.quorum_down, as_text);
  add_if(m, "omega", v.omega, d.omega, as_bool);
  add_if(m, "inhibit_on_failure", v.inhibit_on_failure, d.inhibit_on_failure, as_bool);
  add_if(m, "ha_suspend", v.ha_suspend, d.ha_suspend, as_bool);
  add_if(m, "ops", v.ops, d.ops, as_bool);
  add_if(m, "announce", v.announce, d.announce, as_bool);
  add_if(m, "start_up", v.start_up, d.start_up, as_bool);
  add_opt(m, "virtualhost", v.virtualhost, as_text);
  if (!v.real_servers.empty()) {
    Node list = Node::list();
    for (const auto& r : v.real_servers) list.items.push_back(real_server_node(r));
    m.add("real_servers", std::move(list));
  }
  return m;
}

Node virtual_server_group_node(const VirtualServerGroup& g) {
  Node m = Node::map();
  m.add("name", g.name);
  Node members = Node::list();
  for (const auto& e : g.members) {
    Node n = Node::map();
    if (e.address) {
      n.add("address", address_range_text(e));
      if (e.port != 0) n.add("port", as_number(e.port));
    }
    add_opt(n, "fwmark", e.fwmark, as_number);
    if (e.family) n.add("family", std::string(address_family_text(*e.family)));
    members.items.push_back(std::move(n));
  }
  m.add("members", std::move(members));
  return m;
}

std::string counted(std::size_t n, const std::string& singular, const std::string& plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

}  // namespace

std::string to_yaml(const Config& config) {
  Node root = Node::map();
  Node global = global_node(config.global);
  if (!global.entries.empty()) root.add("global", std::move(global));
  auto add_list = [&](const std::string& key, const auto& items, auto make) {
    if (items.empty()) return;
    Node list = Node::list();
    for (const auto& item : items) list.items.push_back(make(item));
    root.add(key, std::move(list));
  };
  add_list("vrrp_scripts", config.vrrp_scripts, vrrp_script_node);
  add_list("track_files", config.track_files, track_file_node);
  add_list("track_processes", config.track_processes, track_process_node);
  add_list("vrrp_instances", config.vrrp_instances, instance_node);
  add_list("vrrp_sync_groups", config.vrrp_sync_groups, sync_group_node);
  add_list("virtual_server_groups", config.virtual_server_groups, virtual_server_group_node);
  add_list("virtual_servers", config.virtual_servers, virtual_server_node);
  add_texts(root, "static_ipaddress", config.static_ipaddress, virtual_ip_text);
  add_texts(root, "static_routes", config.static_routes, ip_route_text);
  add_texts(root, "static_rules", config.static_rules, ip_rule_text);
  std::string out;
  emit(root, 0, out);
  if (out.empty()) out = "{}\n";
  return out;
}

std::string summary(const Config& config) {
  std::size_t reals = 0;
  std::size_t checks = 0;
  for (const auto& vs : config.virtual_servers) {
    reals += vs.real_servers.size();
    for (const auto& rs : vs.real_servers) checks += rs.checks.size() + rs.options->file_checks.size();
  }
  return counted(config.vrrp_instances.size(), "VRRP instance", "VRRP instances") + ", " +
         counted(config.virtual_servers.size(), "virtual server", "virtual servers") + ", " +
         counted(reals, "real server", "real servers") + ", " + counted(checks, "check", "checks");
}

}  // namespace lvsd::conf
