// keepalived.conf's LVS blocks: virtual_server, real_server and its checkers.
#include <algorithm>
#include <cctype>
#include <utility>

#include "conf/keepalived_importer.hpp"
#include "conf/validate.hpp"

namespace lvsd::conf::keepalived_import_detail {
namespace {

const std::vector<Spec> kVirtualServerSpecs = {
    {"delay_loop", 1, 1},           {"lb_algo", 1, 1},
    {"lvs_sched", 1, 1, false, false, "lb_algo"},
    {"lb_kind", 1, 7},              {"lvs_method", 1, 7, false, false, "lb_kind"},
    {"tun_type", 1, 1, false, false, "tunnel_type"},
    {"tun_port", 1, 1, false, false, "tunnel_port"},
    {"persistence_timeout", 1, 1},  {"persistence_granularity", 1, 1},
    {"persistence_engine", 1, 1},  {"ip_family", 1, 1},
    {"protocol", 1, 1},             {"ha_suspend", 0, 0},
    {"ops", 0, 0},                  {"alpha", 0, 0, false, false, "start_up"},
    {"virtualhost", 1, 1},          {"sorry_server", 1, 2},
    {"sorry_server_inhibit", 0, 0, false, false, "sorry_server"},
    {"sorry_server_lvs_method", 1, 7, false, false, "sorry_server"},
    // keepalived's default weight of its real servers.
    {"weight", 1, 1},
    {"quorum", 1, 1},               {"hysteresis", 1, 1},
    // keepalived's optional USER [GROUP] after the script is not implemented (too many values).
    {"quorum_up", 1, 1},            {"quorum_down", 1, 1},
    {"omega", 0, 0},
    {"inhibit_on_failure", 0, 0},   {"real_server", 1, 2, true, true, "real_servers"},
    // Defaults for the checks of its real servers.
    {"connect_timeout", 1, 1},      {"retry", 1, 1},
    {"delay_before_retry", 1, 1},   {"warmup", 1, 1},
    // IPVS scheduler flags: keepalived 2.2.7 sets a flag once however often
    // it is given.
    {"flag-1", 0, 0, false, true, "scheduler_flags"},      {"flag-2", 0, 0, false, true, "scheduler_flags"},
    {"flag-3", 0, 0, false, true, "scheduler_flags"},      {"sh-fallback", 0, 0, false, true, "scheduler_flags"},
    {"sh-port", 0, 0, false, true, "scheduler_flags"},     {"mh-fallback", 0, 0, false, true, "scheduler_flags"},
    {"mh-port", 0, 0, false, true, "scheduler_flags"},
};
const std::vector<Spec> kRealServerSpecs = {
    {"weight", 1, 1},
    {"lvs_method", 1, 7, false, false, "lb_kind"},
    {"inhibit_on_failure", 0, 1},  // [true|false] here, as in keepalived
    {"slow_start", 1, 1},
    // Defaults for its checks.
    {"connect_timeout", 1, 1},
    {"retry", 1, 1},
    {"delay_before_retry", 1, 1},
    {"delay_loop", 1, 1},
    {"warmup", 1, 1},
    {"alpha", 0, 1},  // [BOOL]
    {"virtualhost", 1, 1},
    {"uthreshold", 1, 1},
    {"lthreshold", 1, 1},
    // keepalived's optional USER [GROUP] after the script is not implemented (too many values).
    {"notify_up", 1, 1},
    {"notify_down", 1, 1},
    {"TCP_CHECK", 0, 0, true, true},
    {"HTTP_GET", 0, 0, true, true},
    {"SSL_GET", 0, 0, true, true},
    {"MISC_CHECK", 0, 0, true, true},
    {"PING_CHECK", 0, 0, true, true},
    {"UDP_CHECK", 0, 0, true, true},
    {"DNS_CHECK", 0, 0, true, true},
    {"SMTP_CHECK", 0, 0, true, true},
    {"FILE_CHECK", 0, 0, true, true},
};
const std::vector<Spec> kFileCheckSpecs = {{"track_file", 1, 1}, {"weight", 1, 2}};
const std::vector<Spec> kCommonCheckSpecs = {
    {"connect_ip", 1, 1},         {"connect_port", 1, 1}, {"connect_timeout", 1, 1}, {"retry", 1, 1},
    {"delay_before_retry", 1, 1}, {"delay_loop", 1, 1},   {"warmup", 1, 1},          {"alpha", 0, 1},
};
// The probe's socket: every checker but MISC_CHECK (keepalived's connection options).
const std::vector<Spec> kSocketSpecs = {{"bindto", 1, 1}, {"bind_port", 1, 1}, {"bind_if", 1, 1}, {"fwmark", 1, 1}};
// keepalived 2.2.7 reads nb_get_retry (as retry) in HTTP_GET and SSL_GET only.
const std::vector<Spec> kHttpSpecs = {{"url", 0, 0, true, true},
                                      {"virtualhost", 1, 1},
                                      {"nb_get_retry", 1, 1, false, false, "retry"},
                                      {"http_protocol", 1, 1},
                                      {"enable_sni", 0, 1}};
// keepalived 2.2.7's default request: "GET path HTTP/1.0" without "Connection: close".
constexpr HttpProtocol kHttpProtocol = HttpProtocol::k1_0;
const std::vector<Spec> kUdpSpecs = {
    {"payload", 1, kMany}, {"require_reply", 0, kMany}, {"min_reply_length", 1, 1}, {"max_reply_length", 1, 1}};
const std::vector<Spec> kDnsSpecs = {{"type", 1, 1}, {"name", 1, 1}};
const std::vector<Spec> kSmtpSpecs = {{"helo_name", 1, 1}};
// keepalived 2.2.7's defaults that differ from lvsd's: DNS_CHECK retries 3
// times, delay_loop apart; SMTP_CHECK says HELO smtpchecker.keepalived.org.
constexpr std::uint32_t kDnsRetry = 3;
constexpr std::string_view kSmtpHeloName = "smtpchecker.keepalived.org";
const std::vector<Spec> kMiscSpecs = {{"misc_path", 1, kMany}, {"misc_timeout", 1, 1}, {"misc_dynamic", 0, 0}, {"user", 1, 2}};
constexpr std::size_t kManyCodes = 64;
const std::vector<Spec> kUrlSpecs = {{"path", 1, 1},
                                     {"status_code", 1, kManyCodes},
                                     {"digest", 1, 1},
                                     {"virtualhost", 1, 1},
                                     {"regex", 1, 1},
                                     {"regex_no_match", 0, 0},
                                     // keepalived 2.2.7 adds up the options of every line.
                                     {"regex_options", 1, kManyCodes, false, true},
                                     {"regex_min_offset", 1, 1},
                                     {"regex_max_offset", 1, 1},
                                     {"regex_stack", 2, 2}};

// keepalived 2.2.7 reads `regex` again from the raw line with its
// quoted-escaped reader (alloc_strvec_quoted_escaped): backslash escapes
// \xHH..., \cX (control), \ooo (octal), \a \b \E \f \n \r \t \v, and \C
// for any other C is C; outside "..." a ' or " opens a quote that is
// removed. So `regex "\d+"` is the pattern d+ there: write "\\d+" for \d+.
Result<std::string> keepalived_unescape(const KaWord& word) {
  const std::string& t = word.text;
  std::string out;
  char quote = 0;
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  for (std::size_t i = 0; i < t.size();) {
    const char c = t[i];
    if (c == '\\') {
      if (++i == t.size()) return Error{"a '\\' ends " + conf::quote(t) + " (keepalived 2.2.7 ignores the regex)"};
      const char e = t[i];
      if (e == 'x' && i + 1 < t.size() && std::isxdigit(static_cast<unsigned char>(t[i + 1]))) {
        unsigned char v = 0;
        for (++i; i < t.size() && std::isxdigit(static_cast<unsigned char>(t[i])); ++i)
          v = static_cast<unsigned char>((v << 4) | (std::isdigit(static_cast<unsigned char>(t[i]))
                                                         ? t[i] - '0'
                                                         : 10 + std::tolower(static_cast<unsigned char>(t[i])) - 'a'));
        out += static_cast<char>(v);
      } else if (e == 'c' && i + 1 < t.size()) {
        out += static_cast<char>(t[i + 1] & 0x1f);
        i += 2;
      } else if (octal(e)) {
        unsigned v = 0;
        for (int n = 0; n < 3 && i < t.size() && octal(t[i]); ++n, ++i) v = v * 8 + static_cast<unsigned>(t[i] - '0');
        out += static_cast<char>(v & 0xff);
      } else {
        switch (e) {
          case 'a': out += '\a'; break;
          case 'b': out += '\b'; break;
          case 'E': out += '\x1b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'v': out += '\v'; break;
          default: out += e;
        }
        ++i;
      }
      continue;
    }
    if (!word.quoted && (c == '\'' || c == '"') && (quote == 0 || quote == c)) {
      quote = quote == 0 ? c : 0;
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  if (quote != 0)
    return Error{conf::quote(t) + " misses its closing " + std::string(1, quote) + " (keepalived 2.2.7 ignores the regex)"};
  if (out.find('\0') != std::string::npos)
    return Error{conf::quote(t) + " has a \\0 (NUL) escape: keepalived 2.2.7 would cut the pattern there"};
  return out;
}

// A parser whose error also says that keepalived 2.2.7 logs the value as
// invalid and goes on without the line (bindto, warmup, http_protocol...).
template <typename Parse>
auto ignored_by_keepalived(Parse parse) {
  return [parse](std::string_view text) {
    auto parsed = parse(text);
    if (!parsed) return decltype(parsed){Error{parsed.error().message + " (keepalived 2.2.7 ignores the line)"}};
    return parsed;
  };
}

// The error for a flag_value() that is not a keepalived boolean.
std::string bool_error(const KaStatement& st) {
  return quote(st.args[0].text) + " is not valid for " + st.keyword.text + " (keepalived 2.2.7 ignores the line): "
         "allowed true, on, yes, false, off, no or nothing (true)";
}

}  // namespace

VirtualServer Importer::virtual_server(const KaStatement& block, std::size_t index) {
  const std::string path = index_path("virtual_servers", index);
  VirtualServer vs;
  // Without `alpha`, keepalived puts every real server in the pool at
  // start; `alpha` waits for the first passing check, lvsd's default.
  vs.start_up = true;
  sources_.set(path, block.keyword.location);
  const KaWord& first = block.args[0];
  const KaWord& second = block.args[1];
  if (first.text == "group") {
    sources_.set(join_path(path, "group"), second.location);
    vs.group = second.text;
  } else if (first.text == "fwmark") {
    sources_.set(join_path(path, "fwmark"), second.location);
    if (auto m = parse_integer(second.text, 1, 4294967295)) vs.fwmark = static_cast<std::uint32_t>(*m);
    else error(second.location, join_path(path, "fwmark"), m.error().message);
  } else {
    sources_.set(path, "address", first.location);
    sources_.set(path, "port", second.location);
    if (auto a = parse_address(first.text)) vs.address = *a;
    else error(first.location, join_path(path, "address"), a.error().message + " (or fwmark N)");
    if (auto port = parse_integer(second.text, 0, 65535)) vs.port = static_cast<std::uint16_t>(*port);
    else error(second.location, join_path(path, "port"), port.error().message);
  }
  // Whether lb_algo was given above the statement being read, and read.
  enum class Algo { kNotYet, kInvalid, kRead } algo = Algo::kNotYet;
  std::size_t flag_count = 0;
  // (real server, check): DNS checks whose delay_before_retry is keepalived's default, their delay_loop.
  std::vector<std::pair<std::size_t, std::size_t>> retry_at_delay_loop;
  std::vector<std::size_t> default_weight;  // real servers without a weight of their own
  std::optional<std::uint32_t> weight;      // the virtual server's `weight`
  bool protocol_given = false;
  vs.real_servers.reserve(static_cast<std::size_t>(std::count_if(
      block.children.begin(), block.children.end(), [](const KaStatement& c) { return c.keyword.text == "real_server"; })));
  for (const auto& st : normalize(block.children, kVirtualServerSpecs, path, KaBlock::kVirtualServer)) {
    const std::string& k = st.keyword.text;
    if (k == "real_server") {
      vs.real_servers.push_back(real_server(st, element_path(path, "real_servers", vs.real_servers.size())));
      for (std::size_t c : retry_at_delay_loop_) retry_at_delay_loop.emplace_back(vs.real_servers.size() - 1, c);
      if (!weight_given_) default_weight.push_back(vs.real_servers.size() - 1);
      continue;
    }
    const std::string p = key(path, kVirtualServerSpecs, st);
    if (k == "delay_loop") value(st, p, vs.delay_loop, parse_duration);
    else if (k == "connect_timeout") value(st, p, vs.connect_timeout, parse_duration);
    else if (k == "retry") value(st, p, vs.retry, integer(0, 100));
    else if (k == "delay_before_retry") value(st, p, vs.delay_before_retry, parse_duration);
    else if (k == "warmup") value(st, p, vs.warmup, ignored_by_keepalived(parse_duration));
    else if (k == "lb_algo" || k == "lvs_sched") {
      const std::size_t before = errors_.size();
      value(st, p, vs.lb_algo, parse_lb_algo);
      algo = errors_.size() == before ? Algo::kRead : Algo::kInvalid;
    } else if (p == join_path(path, "scheduler_flags")) {
      scheduler_flag(st, index_path(p, flag_count++), algo != Algo::kNotYet, algo == Algo::kInvalid, vs);
    }
    else if (k == "lb_kind" || k == "lvs_method") {
      if (auto f = forwarding(st, path)) {
        vs.lb_kind = f->lb_kind;
        vs.tunnel_type = f->tunnel_type;
        vs.tunnel_port = f->tunnel_port;
        vs.tunnel_checksum = f->tunnel_checksum;
      }
    } else if (k == "weight") {
      value(st, p, weight, integer(1, 65535));
    } else if (k == "sorry_server_inhibit" || k == "sorry_server_lvs_method") {
      sources_.set(p, st.keyword.location);
      if (!vs.sorry_server) {
        error(st.keyword.location, p, quote(k) + " without a sorry_server above it: keepalived 2.2.7 ignores it "
                                      "(\"used without sorry_server\"); put it after sorry_server, or remove it");
      } else if (k == "sorry_server_inhibit") {
        vs.sorry_server->inhibit_on_failure = true;
      } else if (auto f = forwarding(st, p)) {  // p: the sorry_server
        vs.sorry_server->forwarding = *f;
      }
    }
    else if (k == "tun_type") value(st, p, vs.tunnel_type, parse_tunnel_type);
    else if (k == "tun_port") value(st, p, vs.tunnel_port, integer(1, 65535));
    else if (k == "persistence_timeout") value(st, p, vs.persistence_timeout, parse_duration);
    else if (k == "persistence_granularity") value(st, p, vs.persistence_granularity, parse_granularity);
    else if (k == "persistence_engine") value(st, p, vs.persistence_engine, text_value);
    else if (k == "ip_family") value(st, p, vs.ip_family, parse_address_family);
    else if (k == "protocol") {
      value(st, p, vs.protocol, parse_protocol);
      protocol_given = true;
    }
    else if (k == "ha_suspend") vs.ha_suspend = true;
    else if (k == "ops") vs.ops = true;
    else if (k == "alpha") vs.start_up = false;
    else if (k == "virtualhost") value(st, p, vs.virtualhost, text_value);
    else if (k == "quorum") value(st, p, vs.quorum, integer(1, 4294967295));
    else if (k == "hysteresis") value(st, p, vs.hysteresis, integer(0, 4294967295));
    else if (k == "quorum_up") value(st, p, vs.quorum_up, text_value);
    else if (k == "quorum_down") value(st, p, vs.quorum_down, text_value);
    else if (k == "omega") vs.omega = true;
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
  if (weight)
    for (std::size_t r : default_weight) vs.real_servers[r].weight = *weight;
  if (!protocol_given) without_protocol_.push_back(index);
  for (const auto& [r, c] : retry_at_delay_loop) {
    Check& check = vs.real_servers[r].checks[c];
    check.delay_before_retry = check.delay_loop.value_or(vs.delay_loop);
  }
  return vs;
}

VirtualServerGroup Importer::virtual_server_group(const KaStatement& block, std::size_t index) {
  const std::string path = index_path("virtual_server_groups", index);
  VirtualServerGroup group;
  sources_.set(path, block.keyword.location);
  sources_.set(join_path(path, "name"), block.args[0].location);
  group.name = block.args[0].text;
  // The lines are addresses and fwmarks, not keywords: read here, not by normalize().
  for (const KaStatement& line : block.children) {
    const std::string mpath = index_path(join_path(path, "members"), group.members.size());
    if (is_unexpanded(line.keyword) || std::any_of(line.args.begin(), line.args.end(), is_unexpanded)) {
      skipped(mpath);
      continue;
    }
    if (!line.children.empty() || line.has_block) {
      error(line.keyword.location, mpath, quote(line.keyword.text) + " opens a block: allowed ADDRESS|RANGE [PORT] "
            "or fwmark N [inet|inet6] on each line of a virtual_server_group");
      continue;
    }
    sources_.set(mpath, line.keyword.location);
    VirtualServerGroupEntry entry;
    if (line.keyword.text == "fwmark") {
      if (line.args.empty() || line.args.size() > 2) {
        error(line.keyword.location, join_path(mpath, "fwmark"), "allowed fwmark N [inet|inet6]");
        continue;
      }
      sources_.set(join_path(mpath, "fwmark"), line.args[0].location);
      if (auto m = parse_integer(line.args[0].text, 1, 4294967295)) entry.fwmark = static_cast<std::uint32_t>(*m);
      else error(line.args[0].location, join_path(mpath, "fwmark"), m.error().message);
      if (line.args.size() > 1) {
        sources_.set(join_path(mpath, "family"), line.args[1].location);
        if (auto f = parse_address_family(line.args[1].text)) entry.family = *f;
        else error(line.args[1].location, join_path(mpath, "family"), f.error().message);
      }
    } else {
      sources_.set(join_path(mpath, "address"), line.keyword.location);
      if (line.args.size() > 1) {
        error(line.args[1].location, mpath, quote(joined(line.args, 1)) + " after the port: allowed ADDRESS|RANGE [PORT]");
        continue;
      }
      if (auto range = parse_address_range(line.keyword.text)) {
        entry.address = range->address;
        entry.last = range->last;
      } else {
        error(line.keyword.location, join_path(mpath, "address"), range.error().message + ", or fwmark N");
      }
      if (!line.args.empty()) {
        sources_.set(join_path(mpath, "port"), line.args[0].location);
        if (auto port = parse_integer(line.args[0].text, 0, 65535)) entry.port = static_cast<std::uint16_t>(*port);
        else error(line.args[0].location, join_path(mpath, "port"), port.error().message);
      }
    }
    group.members.push_back(entry);
  }
  return group;
}

void Importer::scheduler_flag(const KaStatement& st, const std::string& path, bool after_lb_algo,
                              bool lb_algo_invalid, VirtualServer& vs) {
  const std::string& k = st.keyword.text;
  sources_.set(path, st.keyword.location);
  const bool generic = k.starts_with("flag-");
  if (!generic && lb_algo_invalid) return;  // lb_algo's own error says enough
  // keepalived 2.2.7 reads sh-* and mh-* against the scheduler given so far:
  // above lb_algo it reports "only applies to sh scheduler" and drops the flag.
  if (!generic && !after_lb_algo) {
    const std::string algo = k.substr(0, 2);
    error(st.keyword.location, path,
          quote(k) + " comes before lb_algo: keepalived 2.2.7 ignores a scheduler's flag given above the "
          "scheduler; put 'lb_algo " + algo + "' above it");
    return;
  }
  if (auto set = set_scheduler_flag(vs.scheduler_flags, k, vs.lb_algo); !set.ok())
    error(st.keyword.location, path, set.error().message + " (keepalived 2.2.7 would ignore it)");
}

RealServer Importer::real_server(const KaStatement& block, const std::string& path) {
  RealServer rs;
  sources_.set(path, block.keyword.location);
  sources_.set(path, "address", block.args[0].location);
  if (auto a = parse_address(block.args[0].text)) rs.address = *a;
  else error(block.args[0].location, join_path(path, "address"), a.error().message);
  if (block.args.size() > 1) {
    sources_.set(path, "port", block.args[1].location);
    if (auto port = parse_integer(block.args[1].text, 0, 65535)) rs.port = static_cast<std::uint16_t>(*port);
    else error(block.args[1].location, join_path(path, "port"), port.error().message);
  }
  RealServerOptions more;
  std::vector<KaStatement> check_blocks;
  weight_given_ = false;
  const auto file_check_count = static_cast<std::size_t>(std::count_if(
      block.children.begin(), block.children.end(), [](const KaStatement& c) { return c.keyword.text == "FILE_CHECK"; }));
  for (const auto& st : normalize(block.children, kRealServerSpecs, path, KaBlock::kRealServer)) {
    const std::string& k = st.keyword.text;
    if (k == "FILE_CHECK") {
      const std::string fpath = join_path(path, "FILE_CHECK");
      file_check(st, file_check_count > 1 ? index_path(fpath, more.file_checks.size()) : fpath, more);
      continue;
    }
    if (k == "weight") {
      value(st, key(path, kRealServerSpecs, st), rs.weight, integer(0, 65535));
      weight_given_ = true;
    } else if (k == "lvs_method") {
      if (auto f = forwarding(st, path)) more.forwarding = *f;
    }
    else if (k == "inhibit_on_failure") {
      const auto on = flag_value(st);
      if (on) more.inhibit_on_failure = *on;
      else error(st.args[0].location, key(path, kRealServerSpecs, st),
                 quote(st.args[0].text) + " is not valid for inhibit_on_failure: allowed true, on, yes, false, off, no "
                 "or nothing (true)");
    } else if (k == "slow_start") value(st, key(path, kRealServerSpecs, st), more.slow_start, parse_duration);
    else if (k == "connect_timeout") value(st, key(path, kRealServerSpecs, st), more.connect_timeout, parse_duration);
    else if (k == "retry") value(st, key(path, kRealServerSpecs, st), more.retry, integer(0, 100));
    else if (k == "delay_before_retry") value(st, key(path, kRealServerSpecs, st), more.delay_before_retry, parse_duration);
    else if (k == "delay_loop") value(st, key(path, kRealServerSpecs, st), more.delay_loop, parse_duration);
    else if (k == "warmup") value(st, key(path, kRealServerSpecs, st), more.warmup, ignored_by_keepalived(parse_duration));
    else if (k == "alpha") {
      const std::string p = key(path, kRealServerSpecs, st);
      if (auto on = flag_value(st)) more.alpha = *on;
      else error(st.args[0].location, p, bool_error(st));
    } else if (k == "virtualhost") value(st, key(path, kRealServerSpecs, st), more.virtualhost, text_value);
    else if (k == "uthreshold") value(st, key(path, kRealServerSpecs, st), more.uthreshold, integer(0, 4294967295));
    else if (k == "lthreshold") value(st, key(path, kRealServerSpecs, st), more.lthreshold, integer(0, 4294967295));
    else if (k == "notify_up") value(st, key(path, kRealServerSpecs, st), more.notify_up, text_value);
    else if (k == "notify_down") value(st, key(path, kRealServerSpecs, st), more.notify_down, text_value);
    else check_blocks.push_back(st);
  }
  rs.options = std::move(more);  // no block when all of them are unset
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
  retry_at_delay_loop_.clear();
  for (std::size_t i = 0; i < check_blocks.size(); ++i)
    if (fill_check(check_blocks[i], check_path(path, rs.checks, i), rs.checks[i])) retry_at_delay_loop_.push_back(i);
  return rs;
}

void Importer::file_check(const KaStatement& block, const std::string& path, RealServerOptions& rs) {
  sources_.set(path, block.keyword.location);
  TrackScript check;
  bool named = false;
  for (const auto& st : normalize(block.children, kFileCheckSpecs, path, KaBlock::kFileCheck)) {
    const std::string p = key(path, kFileCheckSpecs, st);
    if (st.keyword.text == "track_file") {
      sources_.set(p, st.args[0].location);
      check.name = st.args[0].text;
      named = true;
      continue;
    }
    // weight N [reverse|noreverse]: N (even 0) replaces the track_file's weight, and its reverse with it.
    if (auto w = parse_integer(st.args[0].text, -kFileCheckWeightMax, kFileCheckWeightMax)) check.weight = static_cast<int>(*w);
    else error(st.args[0].location, p, w.error().message);
    if (st.args.size() > 1) {
      if (st.args[1].text == "reverse") check.reverse = true;
      else if (st.args[1].text != "noreverse")
        error(st.args[1].location, join_path(path, "reverse"),
              quote(st.args[1].text) + " is not valid here: allowed reverse or noreverse");
    }
  }
  if (!named)
    error(block.keyword.location, join_path(path, "track_file"),
          "FILE_CHECK without track_file: allowed track_file NAME (keepalived 2.2.7 ignores such a FILE_CHECK)");
  rs.file_checks.push_back(std::move(check));
}

std::optional<Forwarding> Importer::forwarding(const KaStatement& st, const std::string& owner) {
  const std::string path = join_path(owner, "lb_kind");
  for (const char* k : {"lb_kind", "tunnel_type", "tunnel_port", "tunnel_checksum"})
    sources_.set(join_path(owner, k), st.keyword.location);
  Forwarding f;
  const std::size_t before = errors_.size();
  if (auto kind = parse_lb_kind(st.args[0].text)) f.lb_kind = *kind;
  else error(st.args[0].location, path, kind.error().message);
  for (std::size_t i = 1; i < st.args.size(); ++i) {
    const KaWord& w = st.args[i];
    const bool has_value = i + 1 < st.args.size();
    if (w.text == "type" || w.text == "port") {
      if (!has_value) {
        error(w.location, path, quote(w.text) + " without a value: allowed type ipip|gue|gre, port N (keepalived "
                                "2.2.7 reports it and ignores the tunnel settings)");
        break;
      }
      const KaWord& v = st.args[++i];
      if (w.text == "type") {
        if (auto t = parse_tunnel_type(v.text)) f.tunnel_type = *t;
        else error(v.location, path, t.error().message);
      } else if (auto port = parse_integer(v.text, 1, 65535)) {
        f.tunnel_port = static_cast<std::uint16_t>(*port);
      } else {
        error(v.location, path, "gue tunnel port: " + port.error().message);
      }
    } else if (auto c = parse_tunnel_checksum(w.text)) {
      f.tunnel_checksum = *c;
    } else {
      error(w.location, path, quote(w.text) + " is not a tunnel option: allowed type ipip|gue|gre, port N, "
                              "nocsum, csum, remcsum (keepalived 2.2.7 reports it and ignores the tunnel settings)");
    }
  }
  if (errors_.size() == before && f.tunnel_type == TunnelType::kGue && !f.tunnel_port)
    error(st.keyword.location, path, "type gue without a port: allowed lvs_method TUN type gue port N (keepalived "
                                     "2.2.7 reports \"gue tunnels require port\" and ignores the tunnel settings)");
  if (errors_.size() != before) return std::nullopt;
  if (f.lb_kind != ForwardingMethod::kTun && st.args.size() > 1) {
    error(st.args[1].location, path, "tunnel options with " + st.args[0].text + ": allowed only after TUN");
    return std::nullopt;
  }
  return f;
}

CheckProbe Importer::probe_for(const std::string& keyword) {
  if (keyword == "TCP_CHECK") return TcpCheck{};
  if (keyword == "HTTP_GET") return HttpCheck{};
  if (keyword == "SSL_GET") return HttpCheck{.tls = true};
  if (keyword == "PING_CHECK") return PingCheck{};
  if (keyword == "UDP_CHECK") return UdpCheck{};
  if (keyword == "DNS_CHECK") return DnsCheck{};
  if (keyword == "SMTP_CHECK") return SmtpCheck{};
  return MiscCheck{};
}

bool Importer::fill_check(const KaStatement& block, const std::string& path, Check& check) {
  sources_.set(path, block.keyword.location);
  std::vector<Spec> specs = kCommonCheckSpecs;
  auto* http = std::get_if<HttpCheck>(&check.probe);
  auto* misc = std::get_if<MiscCheck>(&check.probe);
  auto* udp = std::get_if<UdpCheck>(&check.probe);
  auto* dns = std::get_if<DnsCheck>(&check.probe);
  auto* smtp = std::get_if<SmtpCheck>(&check.probe);
  if (!misc) specs = concat(specs, kSocketSpecs);
  if (http) specs = concat(specs, kHttpSpecs);
  if (misc) specs = concat(specs, kMiscSpecs);
  if (udp) specs = concat(specs, kUdpSpecs);
  if (dns) specs = concat(specs, kDnsSpecs);
  if (smtp) specs = concat(specs, kSmtpSpecs);
  KaBlock kind = http ? (http->tls ? KaBlock::kSslGet : KaBlock::kHttpGet)
                 : misc ? KaBlock::kMiscCheck
                        : KaBlock::kTcpCheck;
  if (std::holds_alternative<PingCheck>(check.probe)) kind = KaBlock::kPingCheck;
  if (udp) kind = KaBlock::kUdpCheck;
  if (dns) kind = KaBlock::kDnsCheck;
  if (smtp) kind = KaBlock::kSmtpCheck;
  bool retry_given = false, delay_before_retry_given = false, http_protocol_given = false;
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
    else if (k == "retry" || k == "nb_get_retry") {
      value(st, p, check.retry, integer(0, 100));
      retry_given = true;
    } else if (k == "delay_before_retry") {
      value(st, p, check.delay_before_retry, parse_duration);
      delay_before_retry_given = true;
    } else if (k == "delay_loop") value(st, p, check.delay_loop, parse_duration);
    else if (k == "warmup") value(st, p, check.warmup, ignored_by_keepalived(parse_duration));
    else if (k == "alpha") {
      if (auto on = flag_value(st)) check.alpha = *on;
      else error(st.args[0].location, p, bool_error(st));
    } else if (k == "bindto") value(st, p, check.bindto, ignored_by_keepalived(parse_address));
    else if (k == "bind_port") value(st, p, check.bind_port, ignored_by_keepalived(integer(1, 65535)));
    else if (k == "bind_if") value(st, p, check.bind_if, ignored_by_keepalived(parse_interface_name));
    else if (k == "fwmark") value(st, p, check.fwmark, ignored_by_keepalived(integer(0, 4294967295)));
    else if (k == "virtualhost") value(st, p, http->virtualhost, text_value);
    else if (k == "http_protocol") {
      value(st, p, http->http_protocol, ignored_by_keepalived(parse_http_protocol));
      http_protocol_given = true;
    } else if (k == "enable_sni") {
      if (auto on = flag_value(st)) http->enable_sni = *on;
      else error(st.args[0].location, p, bool_error(st));
    }
    else if (k == "misc_path") value(st, p, misc->misc_path, text_value);
    else if (k == "misc_timeout") value(st, p, misc->misc_timeout, parse_duration);
    else if (k == "misc_dynamic") misc->misc_dynamic = true;
    else if (k == "user") value(st, p, misc->user, parse_script_user);
    else if (k == "payload") value(st, p, udp->payload, [](std::string_view t) { return parse_hex_pattern(t, false); });
    else if (k == "require_reply") {
      udp->require_reply = true;
      if (!st.args.empty()) value(st, p, udp->reply, [](std::string_view t) { return parse_hex_pattern(t, true); });
    } else if (k == "min_reply_length") value(st, p, udp->min_reply_length, integer(0, 65535));
    else if (k == "max_reply_length") value(st, p, udp->max_reply_length, integer(0, 65535));
    else if (k == "type") value(st, p, dns->type, parse_dns_type);  // (keepalived -t: "Unknown DNS check type")
    else if (k == "name") value(st, p, dns->name, parse_dns_name);
    else if (k == "helo_name") value(st, p, smtp->helo_name, parse_helo_name);
  }
  if (dns && !retry_given) check.retry = kDnsRetry;
  if (http && !http_protocol_given) http->http_protocol = kHttpProtocol;
  if (smtp && !smtp->helo_name) smtp->helo_name = std::string(kSmtpHeloName);
  return dns && !delay_before_retry_given;
}

UrlCheck Importer::url(const KaStatement& block, const std::string& path) {
  UrlCheck u;
  sources_.set(path, block.keyword.location);
  for (const auto& st : normalize(block.children, kUrlSpecs, path, KaBlock::kUrl)) {
    const std::string p = key(path, kUrlSpecs, st);
    const std::string& k = st.keyword.text;
    if (k == "path") u.path = st.args[0].text;
    else if (k == "status_code") value(st, p, u.status_code, parse_status_codes);
    else if (k == "digest") value(st, p, u.digest, parse_md5_digest);
    else if (k == "virtualhost") value(st, p, u.virtualhost, text_value);
    else if (k == "regex") {
      if (auto pattern = keepalived_unescape(st.args[0])) u.regex = std::move(*pattern);
      else error(st.args[0].location, p, pattern.error().message);
    }
    else if (k == "regex_no_match") u.regex_no_match = true;
    else if (k == "regex_options") {
      std::vector<std::string> more;
      value(st, p, more, parse_regex_options);
      for (auto& o : more)
        if (std::find(u.regex_options.begin(), u.regex_options.end(), o) == u.regex_options.end())
          u.regex_options.push_back(std::move(o));
    } else if (k == "regex_min_offset") value(st, p, u.regex_min_offset, ignored_by_keepalived(integer(0, 4294967295)));
    else if (k == "regex_max_offset") value(st, p, u.regex_max_offset, ignored_by_keepalived(integer(0, 4294967295)));
    else if (k == "regex_stack") value(st, p, u.regex_stack, parse_regex_stack);
  }
  return u;
}

}  // namespace lvsd::conf::keepalived_import_detail
